"""Property-based tests: random shapes, dtypes and values never break the contract."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skmask import LearnedMaskTransformer

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
