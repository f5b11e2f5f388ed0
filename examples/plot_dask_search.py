"""
==========================================
Searches on a dask cluster
==========================================

skmask estimators are ordinary scikit-learn estimators, so a search scales
out through joblib: start a ``dask.distributed`` client and run the search
under ``joblib.parallel_backend("dask")``. The same code runs on a laptop's
``LocalCluster`` and on a real cluster: only the ``Client`` line changes
(``Client("tcp://scheduler:8786")``).

Each worker process imports TensorFlow on its first task (~5 s, ~0.7 GB) and
sizes TensorFlow's thread pools from ``OMP_NUM_THREADS``, which dask's nanny
sets, so workers do not oversubscribe the cores. A fitted mask then
transforms a dask array chunk by chunk with
:func:`skmask.parallel.transform_dask`.
"""

import os

import dask.array as da
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase
from skmask.parallel import transform_dask

QUICK = bool(os.environ.get("SKMASK_QUICK"))

if __name__ == "__main__":  # worker processes re-import this file
    X, y, _ = make_invase("syn1", n_samples=400 if QUICK else 4000, random_state=0)
    pipe = Pipeline(
        [
            ("mask", LearnedMaskTransformer(epochs=3 if QUICK else 60, random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    grid = {"mask__threshold": [0.3, 0.5], "mask__hidden_units": [(16,), (64,)]}

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with Client(cluster) as client:  # or Client("tcp://scheduler-address:8786")
        with joblib.parallel_backend("dask"):
            search = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
        print(f"best: {search.best_params_}, accuracy {search.best_score_:.3f}")

        # Out of core: transform a dask array chunk by chunk on the workers.
        mask = search.best_estimator_.named_steps["mask"]
        big = da.from_array(np.tile(X, (5, 1)), chunks=(1000, -1))
        masked = transform_dask(mask, big)
        print(f"masked {masked.shape[0]} rows in {masked.numblocks[0]} chunks;")
        print(f"fraction kept: {float((masked != 0).mean().compute()):.3f}")
    cluster.close()
