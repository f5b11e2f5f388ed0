"""Fast inference and cached training: same results, less work."""

import threading

import numpy as np
import pytest
from joblib import Memory
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

import skmask._inference as inference
from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer
from skmask._inference import chunk_bounds, logit_cutoff, rows_per_chunk
from skmask.apply import apply_mask
from skmask.datasets import make_invase

FAST = {"epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = make_invase("syn1", n_samples=300, random_state=0)
    return LearnedMaskTransformer(**FAST).fit(X, y), X


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 64 rows and XLA from 128 rows: the large-input paths, small data."""
    monkeypatch.setattr(inference, "CHUNK_ENTRIES", 64 * 11)
    monkeypatch.setattr(inference, "JIT_MIN_ROWS", 16)


@pytest.mark.parametrize(
    "threshold", [0.0, 1e-300, 1e-7, 0.1, 0.5, 0.73, 1 - 1e-9, 1.0]
)
def test_logit_cutoff_agrees_with_expit_threshold(threshold):
    rng = np.random.RandomState(0)
    logits = np.concatenate(
        [
            rng.normal(scale=5, size=2000),
            [-np.inf, np.inf, 0.0, -0.0, 36.7, 36.8, -745, -800, 800],
            np.float32(logit_cutoff(threshold)) + np.arange(-3, 4) * 1e-6,
        ]
    ).astype(np.float32)
    expected = expit(logits.astype(np.float64)) >= threshold
    cutoff = np.float32(logit_cutoff(threshold))
    np.testing.assert_array_equal(logits >= cutoff, expected)


@pytest.mark.parametrize("n_rows", [0, 1, 15, 16, 17, 64, 65, 1000, 5000])
@pytest.mark.parametrize("entries", [1, 11, 700, 10**7])
def test_chunk_bounds_cover_rows_once(n_rows, entries):
    bounds = chunk_bounds(n_rows, entries)
    covered = [i for start, stop in bounds for i in range(start, stop)]
    assert covered == list(range(n_rows))
    rows = rows_per_chunk(entries)
    for start, stop in bounds[:-1]:
        size = stop - start
        assert size <= rows and size & (size - 1) == 0  # a power of two


@pytest.mark.parametrize("output", ["multiply", "fill", "nan", "concat"])
@pytest.mark.parametrize("mask_type", ["binary", "weighted"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_equals_numpy_application_of_get_mask(
    fitted, small_chunks, request, output, mask_type, dtype
):
    # Sizes that take the plain path, one XLA chunk, and chunks plus a tail.
    mask, X = fitted
    params = mask.get_params()
    mask.set_params(output=output, mask_type=mask_type, threshold=0.4)
    request.addfinalizer(lambda: mask.set_params(**params))
    for n in (5, 64, 300):
        Xd = X[:n].astype(dtype)
        soft = mask.predict_mask(Xd)
        keep = soft >= 0.4
        applied = keep if mask_type == "binary" else soft
        expected = apply_mask(
            Xd, applied, output=output, keep=keep, fill_values=mask.fill_values_
        )
        out = mask.transform(Xd)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(mask.get_mask(Xd), applied.astype(float))


def test_chunked_transform_equals_one_pass(fitted, monkeypatch):
    mask, X = fitted
    whole = mask.transform(X)
    soft = mask.predict_mask(X)
    monkeypatch.setattr(inference, "CHUNK_ENTRIES", 7 * 11)  # chunks of 4 rows
    # The plain path on every chunk: same rows, same values.
    np.testing.assert_array_equal(mask.predict_mask(X), soft)
    np.testing.assert_array_equal(mask.transform(X), whole)


def test_transform_of_any_row_count_reuses_one_trace(fitted):
    mask, X = fitted
    mask.transform(X[:1])
    compiled = mask._compiled_mask()
    functions = dict(compiled._functions)
    for n in (3, 64, 100, 7):
        mask.transform(X[:n])
    assert mask._compiled_mask() is compiled
    assert compiled._functions == functions


def test_xla_failure_falls_back_to_plain_graph(fitted, small_chunks, monkeypatch):
    mask, X = fitted
    expected = mask.transform(X[:10])  # plain path
    compiled = mask._compiled_mask()

    def no_xla(kind, dtype, jit):
        if jit:
            raise RuntimeError("XLA cannot compile this layer")
        return original(kind, dtype, jit)

    original = compiled._function
    monkeypatch.setattr(compiled, "_function", no_xla)
    monkeypatch.setattr(compiled, "jit_enabled", True)
    out = mask.transform(X[:40])
    assert not compiled.jit_enabled
    np.testing.assert_array_equal(out[:10], expected)


def test_transform_leaves_no_state_on_the_estimator(fitted):
    mask, X = fitted
    before = dict(mask.__dict__)
    mask.transform(X[:3])
    assert mask.__dict__.keys() == before.keys()
    assert all(mask.__dict__[k] is before[k] for k in before)


def test_concurrent_transforms_match_sequential(fitted):
    mask, X = fitted
    expected = [mask.transform(X[i::4]) for i in range(4)]
    results = [None] * 4

    def work(i):
        for _ in range(5):
            results[i] = mask.transform(X[i::4])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "estimator, X",
    [
        (
            SequenceMaskTransformer(hidden_units=(8,), **FAST),
            np.random.RandomState(0).normal(size=(40, 12, 2)),
        ),
        (
            ImageMaskTransformer(hidden_units=(4, 8), image_shape=(8, 8), **FAST),
            np.random.RandomState(0).normal(size=(40, 64)),
        ),
    ],
    ids=["series", "images"],
)
def test_other_kinds_chunk_and_compile_alike(estimator, X, monkeypatch):
    estimator.fit(X)
    whole, soft = estimator.transform(X), estimator.predict_mask(X)
    monkeypatch.setattr(inference, "CHUNK_ENTRIES", 50)  # a few rows per chunk
    # Convolutions may round the last bit differently for other batch sizes.
    np.testing.assert_allclose(estimator.predict_mask(X), soft, rtol=1e-5)
    np.testing.assert_allclose(estimator.transform(X), whole, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------- memory
def test_training_ignores_post_network_parameters():
    X, y, _ = make_invase("syn1", n_samples=200, random_state=1)
    a = LearnedMaskTransformer(threshold=0.2, **FAST).fit(X, y)
    b = LearnedMaskTransformer(threshold=0.8, max_features=1, output="nan", **FAST).fit(
        X, y
    )
    np.testing.assert_array_equal(a.predict_mask(X), b.predict_mask(X))


def test_memory_reuses_the_network_when_only_post_network_params_change(
    tmp_path, monkeypatch
):
    X, y, _ = make_invase("syn1", n_samples=200, random_state=2)
    memory = Memory(tmp_path, verbose=0)
    first = LearnedMaskTransformer(memory=memory, **FAST).fit(X, y)

    from skmask import objectives

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(objectives, "train", no_training)
    params = {
        "threshold": 0.3,
        "max_features": 2,
        "output": "fill",
        "fill_value": 1.0,
        "verbose": 1,
    }
    second = LearnedMaskTransformer(memory=memory, **FAST, **params)
    second.fit(X, y)
    np.testing.assert_array_equal(second.predict_mask(X), first.predict_mask(X))
    assert second.history_ == first.history_
    uncached = LearnedMaskTransformer(**FAST, **params)
    monkeypatch.undo()
    np.testing.assert_array_equal(second.transform(X), uncached.fit(X, y).transform(X))
    # A training parameter or other data trains anew.
    monkeypatch.setattr(objectives, "train", no_training)
    with pytest.raises(AssertionError, match="trained again"):
        LearnedMaskTransformer(memory=memory, epochs=3, random_state=0).fit(X, y)
    with pytest.raises(AssertionError, match="trained again"):
        LearnedMaskTransformer(memory=memory, **FAST).fit(X[:150], y[:150])


def test_search_with_memory_matches_search_without(tmp_path):
    X, y, _ = make_invase("syn1", n_samples=240, random_state=3)
    grid = {"mask__threshold": [0.2, 0.5, 0.8]}
    results = []
    for memory in (None, str(tmp_path)):
        pipe = Pipeline(
            [
                ("mask", LearnedMaskTransformer(memory=memory, **FAST)),
                ("clf", LogisticRegression()),
            ]
        )
        search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
        results.append(search)
    assert results[0].best_params_ == results[1].best_params_
    np.testing.assert_array_equal(
        results[0].cv_results_["mean_test_score"],
        results[1].cv_results_["mean_test_score"],
    )


def test_memory_must_be_a_path_or_memory_object():
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="memory"):
        LearnedMaskTransformer(memory=3, **FAST).fit(X)


def test_memory_is_shared_by_search_workers(tmp_path):
    # 3 thresholds x 2 folds + the refit: 3 trainings (one per fold and the
    # refit), shared across the worker processes of n_jobs=2.
    X, y, _ = make_invase("syn1", n_samples=160, random_state=4)
    pipe = Pipeline(
        [
            ("mask", LearnedMaskTransformer(memory=str(tmp_path), **FAST)),
            ("clf", LogisticRegression()),
        ]
    )
    grid = {"mask__threshold": [0.2, 0.5, 0.8]}
    GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    entries = [
        p
        for p in (tmp_path / "joblib").rglob("*")
        if p.is_dir() and (p / "output.pkl").exists()
    ]
    assert len(entries) == 3
