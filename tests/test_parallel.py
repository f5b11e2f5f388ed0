"""Scale-out: dask clusters started here on localhost, dask collections."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skmask import LearnedMaskTransformer, SequenceMaskTransformer
from skmask.datasets import make_invase
from skmask.parallel import transform_dask

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

FAST = {"epochs": 2, "random_state": 0, "hidden_units": (8,), "predictor_units": (8,)}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _worker_threads():
    from skmask._keras import start_tensorflow

    start_tensorflow()
    import os

    import tensorflow as tf

    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
    )


def test_workers_size_tensorflow_threads_from_omp(client):
    for omp, intra in client.run(_worker_threads).values():
        assert omp == "1"
        assert intra == 1


def test_grid_search_on_a_dask_cluster_matches_n_jobs_1(client):
    import joblib

    X, y, _ = make_invase("syn1", n_samples=200, random_state=0)
    pipe = Pipeline(
        [("mask", LearnedMaskTransformer(**FAST)), ("clf", LogisticRegression())]
    )
    grid = {"mask__threshold": [0.3, 0.6], "mask__hidden_units": [(8,), (16,)]}
    local = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    # Workers run TensorFlow on 1 thread, this process on all cores: the
    # same fits up to floating-point reduction order.
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        atol=0.011,
    )


@pytest.fixture(scope="module")
def fitted_table():
    X, y, _ = make_invase("syn1", n_samples=300, random_state=1, as_frame=True)
    return LearnedMaskTransformer(**FAST).fit(X, y), X


@pytest.mark.parametrize("method", ["transform", "predict_mask", "get_mask"])
def test_dask_array_transform_equals_numpy(fitted_table, method):
    mask, X = fitted_table
    values = X.to_numpy()
    lazy = transform_dask(mask, da.from_array(values, chunks=(70, -1)), method=method)
    if method == "predict_mask":
        # Soft values: a matmul over 70 rows may round differently from one
        # over 300 (seen on AMD EPYC: 1 entry in 3300 off by 1e-8).
        np.testing.assert_allclose(
            lazy.compute(), mask.predict_mask(values), rtol=1e-6, atol=1e-7
        )
    else:
        np.testing.assert_array_equal(lazy.compute(), getattr(mask, method)(values))


def test_dask_dataframe_transform_keeps_names_and_index(fitted_table):
    dd = pytest.importorskip("dask.dataframe")
    mask, X = fitted_table
    X = X.set_index(X.index + 1000)
    lazy = transform_dask(mask, dd.from_pandas(X, npartitions=3))
    out = lazy.compute()
    assert list(out.columns) == list(mask.get_feature_names_out())
    pd.testing.assert_index_equal(out.index, X.index)
    np.testing.assert_array_equal(out.to_numpy(), mask.transform(X))


def test_chunk_function_hashes_the_same_a_second_later(fitted_table):
    # A pickle of a Keras model holds the time it was written: dask, which
    # hashes what it cannot tokenize by pickling it twice, failed in CI when
    # the two pickles fell in different seconds.
    import time

    import dask
    from dask.base import tokenize

    from skmask.parallel import _BlockApply

    mask, _ = fitted_table
    block = _BlockApply(mask, "transform")
    first = tokenize(block)
    time.sleep(1.1)
    with dask.config.set({"tokenize.ensure-deterministic": True}):
        assert tokenize(block) == first
    assert tokenize(_BlockApply(mask, "transform")) != first  # one per call


def test_dask_array_of_series_and_select_output():
    S = np.random.RandomState(0).normal(size=(60, 10, 2))
    mask = SequenceMaskTransformer(**FAST).fit(S)
    lazy = transform_dask(mask, da.from_array(S, chunks=(25, -1, -1)))
    np.testing.assert_array_equal(lazy.compute(), mask.transform(S))
    X = np.random.RandomState(0).normal(size=(50, 5))
    select = LearnedMaskTransformer(granularity="global", output="select", **FAST)
    select.fit(X)
    lazy = transform_dask(select, da.from_array(X, chunks=(20, -1)))
    np.testing.assert_array_equal(lazy.compute(), select.transform(X))


def test_transform_dask_errors(fitted_table):
    mask, X = fitted_table
    with pytest.raises(ValueError, match="rows only"):
        transform_dask(mask, da.from_array(X.to_numpy(), chunks=(50, 5)))
    with pytest.raises(TypeError, match="dask array or dataframe"):
        transform_dask(mask, X.to_numpy())
    with pytest.raises(ValueError, match="method"):
        transform_dask(mask, da.from_array(X.to_numpy()), method="fit")


def test_grid_search_on_ray_matches_n_jobs_1():
    # Ray is not in the test extra (a large install): this runs where Ray is
    # installed and is skipped elsewhere; see the README's scale-out section.
    ray = pytest.importorskip("ray")
    import joblib
    from ray.util.joblib import register_ray

    X, y, _ = make_invase("syn1", n_samples=200, random_state=0)
    pipe = Pipeline(
        [("mask", LearnedMaskTransformer(**FAST)), ("clf", LogisticRegression())]
    )
    grid = {"mask__threshold": [0.3, 0.6]}
    local = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X, y)
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_backend("ray"):
            remote = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    finally:
        ray.shutdown()
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        atol=0.011,
    )
