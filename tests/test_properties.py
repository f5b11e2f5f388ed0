"""Property-based tests: random shapes, dtypes and values never break the contract."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer

TINY = {"epochs": 1, "hidden_units": (4,), "predictor_units": (4,), "batch_size": 16}


@st.composite
def tables(draw):
    n = draw(st.integers(min_value=2, max_value=40))
    d = draw(st.integers(min_value=1, max_value=6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
    return draw(arrays(dtype, (n, d), elements=values))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    X=tables(),
    mask_type=st.sampled_from(["binary", "weighted"]),
    granularity=st.sampled_from(["instance", "global"]),
    output=st.sampled_from(["multiply", "fill", "nan", "concat"]),
)
def test_transform_keeps_shape_dtype_and_mask_range(X, mask_type, granularity, output):
    est = LearnedMaskTransformer(
        mask_type=mask_type,
        granularity=granularity,
        output=output,
        random_state=0,
        **TINY,
    ).fit(X)
    Xt = est.transform(X)
    width = 2 * X.shape[1] if output == "concat" else X.shape[1]
    assert Xt.shape == (X.shape[0], width)
    assert Xt.dtype == X.dtype
    soft = est.predict_mask(X)
    assert soft.shape == X.shape
    assert ((soft >= 0) & (soft <= 1)).all()
    mask = est.get_mask(X)
    if mask_type == "binary":
        assert set(np.unique(mask)) <= {0.0, 1.0}
    if output == "nan":
        # NaN marks exactly the entries below the threshold, for both types.
        assert np.array_equal(np.isnan(Xt), soft < est.threshold)
    if output == "multiply":
        np.testing.assert_allclose(Xt, X * mask.astype(X.dtype), rtol=1e-6)


# ----------------------------------------- one fitted estimator, any input
_FITTED = {}


def _fitted(kind):
    """Fit each kind once per session (hypothesis calls a test many times)."""
    if kind not in _FITTED:
        rng = np.random.RandomState(0)
        if kind == "table":
            est, X = (
                LearnedMaskTransformer(random_state=0, **TINY),
                rng.normal(size=(40, 3)),
            )
        elif kind == "series":
            est = SequenceMaskTransformer(random_state=0, **TINY)
            X = rng.normal(size=(40, 8, 2))
        else:
            est = ImageMaskTransformer(
                network="fcn", image_shape=(4, 4), random_state=0, **TINY
            )
            X = rng.normal(size=(40, 16))
        _FITTED[kind] = est.fit(X)
    return _FITTED[kind]


@st.composite
def inputs(draw, kind):
    n = draw(st.integers(min_value=1, max_value=70))
    shape = {"table": (n, 3), "series": (n, 8, 2), "images": (n, 16)}[kind]
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    width = 32 if dtype == np.float32 else 64
    values = st.floats(allow_nan=False, allow_infinity=False, width=width)
    return draw(arrays(dtype, shape, elements=values))


@pytest.mark.parametrize("kind", ["table", "series", "images"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_finite_input_gives_a_valid_mask(kind, data):
    # Extreme magnitudes (up to the dtype's max) must not produce NaN masks.
    est = _fitted(kind)
    X = data.draw(inputs(kind))
    soft = est.predict_mask(X)
    assert soft.shape == X.shape
    assert ((soft >= 0) & (soft <= 1)).all()
    mask = est.get_mask(X)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    Xt = est.transform(X)
    assert Xt.shape == X.shape and Xt.dtype == X.dtype
    np.testing.assert_array_equal(Xt, X * mask.astype(X.dtype))
