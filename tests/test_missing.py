"""Tables with missing values (NaN): never kept, still NaN in every output."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline

from skmask import LearnedMaskTransformer

N_ROWS = 2400  # above the compiled transform's XLA threshold (2048 rows)


def _table(seed=0, missing=0.2):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N_ROWS, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[rng.rand(*X.shape) < missing] = np.nan
    return X, y


@pytest.fixture(scope="module")
def task_mask():
    X, y = _table()
    return LearnedMaskTransformer(epochs=30, random_state=0).fit(X, y), X


def test_task_mask_keeps_the_relevant_observed_columns(task_mask):
    estimator, X = task_mask
    observed = ~np.isnan(X)
    mask = estimator.get_mask(X)
    kept = [mask[observed[:, j], j].mean() for j in range(X.shape[1])]
    assert min(kept[:2]) >= 0.9, kept
    assert max(kept[2:]) <= 0.1, kept
    # The fraction kept counts observed entries only.
    assert estimator.keep_fraction_ == pytest.approx(mask[observed].mean())


@pytest.mark.parametrize("rows", [N_ROWS, 50])  # compiled (XLA) and small paths
@pytest.mark.parametrize("output", ["multiply", "fill", "nan", "concat"])
def test_missing_entries_are_never_kept_and_stay_nan(task_mask, output, rows):
    estimator, X = task_mask
    X = X[:rows]
    missing = np.isnan(X)
    estimator = estimator.set_params(output=output)
    try:
        mask = estimator.get_mask(X)
        out = estimator.transform(X)
    finally:
        estimator.set_params(output="multiply")
    assert not mask[missing].any()
    values = out[:, : X.shape[1]]
    if output == "nan":
        np.testing.assert_array_equal(np.isnan(values), missing | (mask == 0))
    else:
        # Missing stays missing; nothing observed becomes NaN.
        np.testing.assert_array_equal(np.isnan(values), missing)
    kept = (mask == 1) & ~missing
    np.testing.assert_array_equal(values[kept], X[kept])
    if output == "concat":
        np.testing.assert_array_equal(out[:, X.shape[1] :], mask)


def test_standardisation_and_fill_use_the_observed_entries(task_mask):
    estimator, X = task_mask
    np.testing.assert_allclose(estimator.input_mean_, np.nanmean(X, axis=0))
    np.testing.assert_allclose(estimator.input_scale_, np.nanstd(X, axis=0))
    np.testing.assert_allclose(estimator.fill_values_, np.nanmean(X, axis=0))


def test_nan_output_feeds_a_nan_aware_model():
    X, y = _table(seed=1)
    # Not HistGradientBoosting: scikit-learn 1.9 raises on a column with no
    # observed value, which a mask that drops a column on every row makes.
    pipe = make_pipeline(
        LearnedMaskTransformer(epochs=20, output="nan", random_state=0),
        RandomForestClassifier(n_estimators=30, random_state=0),
    )
    accuracy = pipe.fit(X[:2000], y[:2000]).score(X[2000:], y[2000:])
    assert accuracy > 0.7


@pytest.mark.parametrize("objective", ["reconstruction", "supervised"])
def test_other_objectives_train_on_observed_entries(objective):
    X, _ = _table(seed=2)
    X = X[:600]
    kwargs = {}
    if objective == "supervised":
        # Keep the first three columns.
        kwargs["mask"] = np.broadcast_to([1.0, 1, 1, 0, 0, 0], X.shape)
    estimator = LearnedMaskTransformer(
        objective=objective, epochs=30, random_state=0
    ).fit(X, **kwargs)
    assert np.isfinite(estimator.history_["loss"]).all()
    mask = estimator.get_mask(X)
    observed = ~np.isnan(X)
    assert not mask[~observed].any()
    if objective == "supervised":
        np.testing.assert_array_equal(
            mask[observed], np.broadcast_to(kwargs["mask"], X.shape)[observed]
        )
    else:
        assert np.isfinite(estimator.reconstruct(X)).all()


def test_a_column_with_no_observed_value_is_never_kept():
    X, y = _table(seed=3)
    X = X[:600]
    y = y[:600]
    X[:, 5] = np.nan
    estimator = LearnedMaskTransformer(epochs=5, random_state=0).fit(X, y)
    assert np.isfinite(estimator.input_mean_).all()
    assert not estimator.get_mask(X)[:, 5].any()
    assert np.isnan(estimator.transform(X)[:, 5]).all()


def test_global_masks_ignore_missing_entries_of_the_first_row():
    X, y = _table(seed=4)
    X = X[:600]
    y = y[:600]
    X[0, :] = np.nan  # the row the global mask used to be read from
    estimator = LearnedMaskTransformer(
        granularity="global", epochs=30, random_state=0
    ).fit(X, y)
    assert estimator.get_support()[:2].all()
