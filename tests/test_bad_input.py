"""Bad input to every public estimator: our clear error, and no harm done.

Each case must raise ``ValueError``/``TypeError`` (scikit-learn's
``InvalidParameterError`` is both) with a message that names the problem,
never an error from Keras/TensorFlow; and a fitted estimator given bad input
must transform exactly as before.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer

FAST = {"epochs": 1, "random_state": 0, "hidden_units": (4,), "predictor_units": (4,)}
RNG = np.random.RandomState(0)
KINDS = {
    "table": (lambda: LearnedMaskTransformer(**FAST), RNG.normal(size=(20, 4))),
    "series": (lambda: SequenceMaskTransformer(**FAST), RNG.normal(size=(20, 6, 2))),
    "images": (
        lambda: ImageMaskTransformer(image_shape=(2, 2), **FAST),
        RNG.normal(size=(20, 4)),
    ),
}


@pytest.fixture(scope="module", params=sorted(KINDS))
def fitted(request):
    make, X = KINDS[request.param]
    return request.param, make().fit(X), X


def _with(X, index, value):
    X = X.astype(object if isinstance(value, str) else X.dtype, copy=True)
    X.flat[index] = value
    return X


def _fit_cases(X, kind=None):
    n = X.shape[0]
    if kind != "table":  # tables take NaN as missing values
        yield "nan", {"X": _with(X, 5, np.nan)}, "NaN"
    yield "inf", {"X": _with(X, 5, np.inf)}, "infinity"
    yield "strings", {"X": _with(X, 5, "a")}, "could not convert string"
    yield "complex", {"X": X.astype(complex)}, "Complex data"
    yield "empty", {"X": X[:0]}, "0 sample"
    yield "1-D", {"X": X.ravel()}, "1D array|1-D"
    yield "5-D", {"X": X.reshape(n, -1)[:, :, None, None, None]}, "dim 5|5-D"
    yield "y one class", {"X": X, "y": np.zeros(n)}, "only one class"
    yield "y with NaN", {"X": X, "y": np.r_[np.nan, np.arange(n - 1) % 2]}, "NaN"
    yield "y of one label", {"X": X, "y": np.array(["a"] * n)}, "only one class"
    yield "y too short", {"X": X, "y": np.arange(n - 1) % 2}, "inconsistent"
    weights = np.ones(n)
    yield "negative weight", {"X": X, "sample_weight": -weights}, "Negative values"
    yield "zero weights", {"X": X, "sample_weight": 0 * weights}, "zero"
    yield "mask shape", {"X": X, "mask": np.ones((n, 3))}, "mask has shape"
    yield "mask values", {"X": X, "mask": np.full(X.shape, 2.0)}, "mask values"
    for name, value in [
        ("epochs", -1),
        ("epochs", "ten"),
        ("sparsity", -0.1),
        ("threshold", 1.5),
        ("batch_size", 0),
        ("learning_rate", "fast"),
        ("validation_fraction", 1.0),
        ("fill_value", "x"),
        ("mask_type", "soft"),
        ("memory", 3),
    ]:
        yield f"{name}={value!r}", {"X": X, "params": {name: value}}, f"'{name}'"
    yield (
        "hidden_units=(-3,)",
        {"X": X, "params": {"hidden_units": (-3,)}},
        "hidden_units must be",
    )


CASE_IDS = [case for case, _, _ in _fit_cases(np.zeros((4, 4)))]


def _run_fit(estimator, kwargs):
    estimator.set_params(**kwargs.get("params", {}))
    extra = {k: kwargs[k] for k in ("mask", "sample_weight") if k in kwargs}
    estimator.fit(kwargs["X"], kwargs.get("y"), **extra)


def _assert_ours(error):
    module = type(error.value).__module__
    assert not module.startswith(("tensorflow", "keras")), module
    assert isinstance(error.value, (ValueError, TypeError))


@pytest.mark.parametrize("case", CASE_IDS)
def test_bad_fit_input_is_named_and_leaves_a_fitted_estimator_unchanged(fitted, case):
    kind, estimator, X = fitted
    found = [(k, m) for c, k, m in _fit_cases(X, kind) if c == case]
    if not found:
        pytest.skip(f"{case!r} does not apply to {kind}")
    kwargs, message = found[0]
    before = estimator.transform(X)
    params = estimator.get_params()
    fitted_state = {k: v for k, v in vars(estimator).items() if k.endswith("_")}
    try:
        # The error alone: no numpy RuntimeWarning on the way to it.
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises((ValueError, TypeError), match=message) as error:
                _run_fit(estimator, kwargs)
    finally:
        estimator.set_params(**params)  # bad parameters were set by the case
    _assert_ours(error)
    after = {k: v for k, v in vars(estimator).items() if k.endswith("_")}
    assert after.keys() == fitted_state.keys()
    assert all(after[k] is fitted_state[k] for k in fitted_state)
    np.testing.assert_array_equal(estimator.transform(X), before)


def _transform_cases(kind, X):
    if kind != "table":
        yield "nan", _with(X, 3, np.nan), "NaN"
    yield "inf", _with(X, 3, np.inf), "infinity"
    yield "strings", _with(X, 3, "a"), "could not convert string"
    yield "complex", X.astype(complex), "Complex data"
    yield "empty", X[:0], "0 sample"
    yield "1-D", X.ravel(), "1D array|1-D"
    if kind == "series":
        # Time steps are named as such, not as sklearn's "features"; another
        # length is fine for this instance mask (tests/test_sequence.py).
        yield "wrong dimensions", X[..., 0], r"2-D series of shape \(6, 1\)"
        yield "wrong channels", X[..., :1], r"shape \(6, 1\)"
    else:
        yield "wrong width", np.concatenate([X, X], axis=1), "features"


TRANSFORM_IDS = sorted(
    {
        case
        for kind, X in ((k, v[1]) for k, v in KINDS.items())
        for case, _, _ in _transform_cases(kind, X)
    }
)


@pytest.mark.parametrize("case", TRANSFORM_IDS)
def test_bad_transform_input_is_named_and_harmless(fitted, case):
    kind, estimator, X = fitted
    found = [(x, m) for c, x, m in _transform_cases(kind, X) if c == case]
    if not found:
        pytest.skip(f"{case!r} does not apply to {kind}")
    bad, message = found[0]
    before = estimator.transform(X)
    for method in (estimator.transform, estimator.predict_mask, estimator.get_mask):
        with pytest.raises((ValueError, TypeError), match=message) as error:
            method(bad)
        _assert_ours(error)
    np.testing.assert_array_equal(estimator.transform(X), before)


def test_other_column_names_at_transform_are_named():
    X = pd.DataFrame(KINDS["table"][1], columns=["a", "b", "c", "d"])
    estimator = LearnedMaskTransformer(**FAST).fit(X)
    before = estimator.transform(X)
    renamed = X.rename(columns={"d": "e"})
    with pytest.raises(ValueError, match="feature names") as error:
        estimator.transform(renamed)
    _assert_ours(error)
    pd.testing.assert_frame_equal(
        pd.DataFrame(estimator.transform(X)), pd.DataFrame(before)
    )


def test_non_numeric_dataframe_columns_are_named():
    X = pd.DataFrame(KINDS["table"][1], columns=["a", "b", "c", "d"])
    estimator = LearnedMaskTransformer(**FAST).fit(X)
    before = estimator.transform(X)
    bad = X.assign(
        d=pd.Categorical(np.where(X["d"] > 0, "u", "v")), c=X["c"].astype(str)
    )
    for call in (estimator.fit, estimator.transform):
        with pytest.raises(ValueError, match=r"2 non-numeric column\(s\) \('c', 'd'\)"):
            call(bad)
    # Booleans and nullable integers are numbers.
    ok = X.assign(c=X["c"] > 0, d=pd.array(np.arange(len(X)), dtype="Int64"))
    assert estimator.transform(ok).shape == X.shape
    np.testing.assert_array_equal(estimator.transform(X), before)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", ["1 row", "1 feature", "constant"])
def test_degenerate_but_valid_input_works(kind, case):
    make, X = KINDS[kind]
    if case == "1 row":
        X = X[:1]
    elif case == "1 feature":
        X = X[..., :1]
    else:
        X = np.ones_like(X)
    estimator = make()
    if kind == "images" and case == "1 feature":
        estimator.set_params(image_shape=(1, 1))
    out = estimator.fit(X).transform(X)
    assert out.shape == X.shape
    assert np.isfinite(out).all()
    mask = estimator.get_mask(X)
    assert set(np.unique(mask)) <= {0.0, 1.0}


@pytest.mark.parametrize("kind", ["series", "images"])
def test_dataframe_output_of_nd_arrays_is_refused_before_fitting(kind):
    make, X2d = KINDS[kind]
    X = X2d.reshape(20, 2, 2) if kind == "images" else X2d
    estimator = make().set_params(image_shape=None) if kind == "images" else make()
    estimator.set_output(transform="pandas")
    with pytest.raises(ValueError, match=r"set_output\(transform='pandas'\) needs 2-D"):
        estimator.fit_transform(X)
    assert not hasattr(estimator, "n_features_in_")  # nothing was fitted
    estimator.fit(X)
    with pytest.raises(ValueError, match="3-D input"):
        estimator.transform(X)
    # Flattened input keeps the DataFrame output; the default container n-D.
    flat = X2d if kind == "images" else X[..., 0]
    assert isinstance(
        make().set_output(transform="pandas").fit_transform(flat), pd.DataFrame
    )
    assert estimator.set_output(transform="default").transform(X).shape == X.shape
