"""Scale-out benchmark: one GridSearchCV on a dask cluster of 1 vs 2 workers.

A grid of 4 candidates x 2 folds (8 fits) over a Pipeline with a mask, run
with ``joblib.parallel_backend("dask")`` on a ``LocalCluster`` of 1 and then
2 worker processes (1 thread each: TensorFlow follows OMP_NUM_THREADS=1 that
dask's nanny sets). Workers are warmed first (TensorFlow imported, ~5 s and
~0.7 GB each): the ratio measures the search, not the start-up, which is
printed separately.

    python benchmarks/dask_search.py          # n = 2000 rows, 30 epochs
    python benchmarks/dask_search.py --quick  # CI smoke run
"""

import argparse
import time

import joblib
from distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase


def _warm():
    from skmask._keras import import_keras

    import_keras()
    return True


def search_seconds(n_workers, X, y, epochs):
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    with Client(cluster) as client:
        started = time.perf_counter()
        client.run(_warm)
        warm = time.perf_counter() - started
        pipe = Pipeline(
            [
                ("mask", LearnedMaskTransformer(epochs=epochs, random_state=0)),
                ("clf", LogisticRegression()),
            ]
        )
        grid = {"mask__threshold": [0.3, 0.6], "mask__hidden_units": [(16,), (64,)]}
        search = GridSearchCV(pipe, grid, cv=2, n_jobs=-1, refit=False)
        started = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search.fit(X, y)
        seconds = time.perf_counter() - started
    cluster.close()
    return seconds, warm


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    args = parser.parse_args()
    n, epochs = (300, 3) if args.quick else (2000, 30)
    X, y, _ = make_invase("syn1", n_samples=n, random_state=0)
    one, warm_one = search_seconds(1, X, y, epochs)
    two, warm_two = search_seconds(2, X, y, epochs)
    print(f"8 fits, n={n}, {epochs} epochs")
    print(f"1 worker : {one:6.1f} s (warming the worker: {warm_one:.1f} s)")
    print(f"2 workers: {two:6.1f} s (warming the workers: {warm_two:.1f} s)")
    print(f"speed-up : {one / two:.2f}x (target >= 1.6x)")


if __name__ == "__main__":
    main()
