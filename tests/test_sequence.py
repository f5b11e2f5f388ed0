"""SequenceMaskTransformer: quality, layouts, padding, pipelines, errors."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skmask import SequenceMaskTransformer
from skmask.datasets import make_sequence_mask
from skmask.metrics import mask_fdr, mask_iou, mask_tpr
from skmask.sequence import flatten_series

SMALL = {"epochs": 3, "hidden_units": (8,), "predictor_units": (8,), "batch_size": 32}


@pytest.fixture(scope="module")
def windows():
    X, y, M = make_sequence_mask(n_samples=1200, n_timesteps=48, random_state=0)
    return X[:800], y[:800], M[:800], X[800:], y[800:], M[800:]


@pytest.fixture(scope="module")
def supervised_fit(windows):
    X, _, M, *_ = windows
    return SequenceMaskTransformer(epochs=60, random_state=0).fit(X, mask=M)


@pytest.fixture(scope="module")
def task_fit(windows):
    X, y, *_ = windows
    return SequenceMaskTransformer(epochs=40, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def small_fit():
    X, _, M = make_sequence_mask(n_samples=64, n_timesteps=16, window=4, random_state=1)
    est = SequenceMaskTransformer(random_state=0, **SMALL).fit(X, mask=M)
    return est, X


def test_supervised_mask_matches_the_window(supervised_fit, windows):
    *_, X_test, _, M_test = windows
    assert mask_iou(M_test, supervised_fit.get_mask(X_test)) >= 0.85


def test_task_mask_finds_the_window_and_helps_a_linear_model(task_fit, windows):
    X, y, _, X_test, y_test, M_test = windows
    mask = task_fit.get_mask(X_test)
    assert mask_tpr(M_test, mask) >= 0.6
    assert mask_fdr(M_test, mask) <= 0.3
    plain = LogisticRegression(max_iter=2000).fit(X, y).score(X_test, y_test)
    masked = (
        LogisticRegression(max_iter=2000)
        .fit(task_fit.transform(X), y)
        .score(task_fit.transform(X_test), y_test)
    )
    assert masked > plain + 0.03


@pytest.mark.parametrize("level", [0.0, 1.0])
def test_reconstruction_drops_a_constant_stretch(level):
    # At 1.0 the flat stretch is off the standardised mean: without the leash
    # on open logits while the cost warms up, the gates saturated open and
    # every step was kept.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 32))
    X[:, :16] = level  # the first half carries nothing
    est = SequenceMaskTransformer(epochs=40, random_state=0).fit(X)
    mask = est.get_mask(X)
    assert mask[:, :16].mean() <= 0.1
    assert mask[:, 16:].mean() >= 0.8


@pytest.mark.parametrize("network", ["conv1d", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_networks_fit_and_keep_the_input_shape(network, bidirectional):
    X, y, _ = make_sequence_mask(
        n_samples=40, n_timesteps=12, n_channels=2, window=3, random_state=0
    )
    est = SequenceMaskTransformer(
        network=network, bidirectional=bidirectional, random_state=0, **SMALL
    ).fit(X, y)
    assert est.transform(X).shape == X.shape
    assert est.get_mask(X).shape == X.shape


def test_causal_masks_ignore_the_future():
    X, _, M = make_sequence_mask(n_samples=80, n_timesteps=20, window=5, random_state=0)
    est = SequenceMaskTransformer(bidirectional=False, random_state=0, **SMALL)
    est.fit(X, mask=M)
    changed = X.copy()
    changed[:, 10:] += 5.0
    np.testing.assert_allclose(
        est.predict_mask(X)[:, :10], est.predict_mask(changed)[:, :10], atol=1e-6
    )
    assert not np.allclose(
        est.predict_mask(X)[:, 10:], est.predict_mask(changed)[:, 10:]
    )


@pytest.mark.parametrize("network", ["conv1d", "lstm"])
def test_causal_masks_take_longer_and_shorter_series(network):
    # Trained on 16 steps; a causal mask of a step reads only the past, so on
    # any recording it equals the mask of the recording cut after that step.
    X, _, M = make_sequence_mask(n_samples=80, n_timesteps=40, window=5, random_state=0)
    X = np.stack([X, -X], axis=2)  # two channels, one mask per step
    est = SequenceMaskTransformer(
        network=network, bidirectional=False, random_state=0, **SMALL
    ).fit(X[:, :16], mask=M[:, :16])
    long = est.predict_mask(X)
    assert long.shape == X.shape
    np.testing.assert_allclose(long[:, :16], est.predict_mask(X[:, :16]), atol=1e-6)
    np.testing.assert_allclose(long[:, :9], est.predict_mask(X[:, :9]), atol=1e-6)
    assert est.transform(X[:, :9]).shape == (80, 9, 2)


def test_task_mask_fitted_on_windows_masks_longer_recordings():
    X, y, _ = make_sequence_mask(
        n_samples=500, n_timesteps=48, window=8, random_state=0
    )
    est = SequenceMaskTransformer(epochs=25, random_state=0).fit(X[:, :, None], y)
    X_long, _, M_long = make_sequence_mask(
        n_samples=200, n_timesteps=144, window=8, random_state=1
    )
    mask = est.get_mask(X_long[:, :, None])[:, :, 0]
    assert mask_tpr(M_long, mask) >= 0.6
    # Far from the pattern the mask stays as sparse as on training windows.
    assert mask[M_long == 0].mean() <= 0.1


def test_only_instance_masks_on_3d_series_change_length(small_fit):
    est, X = small_fit  # fitted on 2-D (n_series, n_timesteps) rows
    with pytest.raises(ValueError, match="X has 12 features"):
        est.transform(X[:, :12])
    glob = SequenceMaskTransformer(granularity="global", random_state=0, **SMALL)
    glob.fit(X[:, :, None])
    with pytest.raises(ValueError, match="another number of time steps"):
        glob.transform(X[:, :12, None])


def test_channels_first_matches_channels_last():
    X, _y, M = make_sequence_mask(
        n_samples=60, n_timesteps=10, n_channels=3, window=3, random_state=0
    )
    last = SequenceMaskTransformer(random_state=0, **SMALL).fit(X, mask=M)
    first = SequenceMaskTransformer(
        data_format="channels_first", random_state=0, **SMALL
    ).fit(X.transpose(0, 2, 1), mask=M)
    out_first = first.transform(X.transpose(0, 2, 1))
    assert out_first.shape == (60, 3, 10)
    np.testing.assert_allclose(out_first.transpose(0, 2, 1), last.transform(X))


def test_mask_per_channel_can_differ_between_channels():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 8, 2))
    M = np.stack([X[:, :, 0] > 0, np.zeros((300, 8), bool)], axis=2).astype(float)
    est = SequenceMaskTransformer(mask_per_channel=True, epochs=30, random_state=0).fit(
        X, mask=M
    )
    mask = est.get_mask(X)
    assert mask.shape == X.shape
    assert mask[:, :, 1].mean() < 0.1
    assert (mask[:, :, 0] == M[:, :, 0]).mean() > 0.85


def test_a_mask_shared_by_channels_rejects_masks_that_differ():
    X = np.random.RandomState(0).normal(size=(10, 6, 2))
    M = np.zeros_like(X)
    M[:, :, 0] = 1.0
    with pytest.raises(ValueError, match="mask_per_channel=True"):
        SequenceMaskTransformer(**SMALL).fit(X, mask=M)


def test_padded_steps_are_never_kept_and_stay_nan():
    X, y, _M = make_sequence_mask(
        n_samples=300, n_timesteps=24, window=5, variable_length=True, random_state=0
    )
    padded = np.isnan(X)
    assert padded.any()
    est = SequenceMaskTransformer(sparsity=0.0, random_state=0, **SMALL).fit(X, y)
    assert np.isfinite(est.history_["loss"]).all()
    soft = est.predict_mask(X)
    assert (soft[padded] == 0).all()
    for output in ("multiply", "fill", "nan"):
        out = est.set_params(output=output).transform(X)
        assert np.isnan(out[padded]).all()
        assert not np.isnan(out[~padded]).any() or output == "nan"
    # Counted over observed steps only.
    kept = est.set_params(output="multiply").get_mask(X)
    assert est.keep_fraction_ == pytest.approx(kept[~padded].mean())


def test_padding_never_reaches_the_losses():
    """Values hidden under padding cannot change a fit: they are NaN."""
    X, _, M = make_sequence_mask(
        n_samples=100, n_timesteps=16, window=4, variable_length=True, random_state=0
    )
    a = SequenceMaskTransformer(random_state=0, **SMALL).fit(X, mask=M)
    M2 = M.copy()
    M2[np.isnan(X)] = 1.0  # ground truth on padding is ignored
    b = SequenceMaskTransformer(random_state=0, **SMALL).fit(X, mask=M2)
    np.testing.assert_array_equal(a.predict_mask(X), b.predict_mask(X))
    X_rec = X.copy()
    r1 = SequenceMaskTransformer(random_state=0, **SMALL).fit(X_rec)
    assert np.isfinite(r1.history_["loss"]).all()


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((4, 3, 2, 2)), "2-D .* or 3-D"),
        (np.array([[1.0, np.nan, 2.0]] * 4), "NaN inside a series"),
        (np.array([[np.nan, np.nan, np.nan]] * 4), "no observed time step"),
        (np.array([[1.0, 2.0, np.inf]] * 4), "infinity"),
    ],
)
def test_bad_series_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        SequenceMaskTransformer(**SMALL).fit(bad)


def test_nan_in_some_channels_is_refused():
    X = np.random.RandomState(0).normal(size=(4, 5, 2))
    X[:, -1, 0] = np.nan
    with pytest.raises(ValueError, match="some but not all channels"):
        SequenceMaskTransformer(**SMALL).fit(X)


def test_transform_checks_the_series_shape(small_fit):
    est, X = small_fit
    before = est.transform(X)
    with pytest.raises(ValueError, match="fitted on"):
        est.transform(X[:, :, None].repeat(2, axis=2))
    # Univariate series are rows: scikit-learn's message counts "features".
    with pytest.raises(ValueError, match="X has 8 features"):
        est.transform(X[:, :8])
    np.testing.assert_array_equal(est.transform(X), before)


def test_pickle_round_trip(small_fit):
    est, X = small_fit
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), est.transform(X))


def test_flatten_series_feeds_a_2d_model():
    X, y, _ = make_sequence_mask(
        n_samples=60, n_timesteps=10, n_channels=2, window=3, random_state=0
    )
    pipe = make_pipeline(
        SequenceMaskTransformer(random_state=0, **SMALL),
        FunctionTransformer(flatten_series),
        LogisticRegression(),
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pickle.loads(pickle.dumps(pipe)).score(X, y) == pipe.score(X, y)


def test_global_mask_selects_time_steps():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 12))
    X[:, 6:] = 0.0  # constant second half: nothing to rebuild
    est = SequenceMaskTransformer(
        granularity="global", output="select", epochs=40, random_state=0
    ).fit(X)
    support = est.get_support()
    assert support.shape == (12,)
    assert est.transform(X).shape == (400, support.sum())
    assert support[:6].all()
    assert not support[6:].any()


def test_global_mask_does_not_depend_on_the_first_series_padding():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 12))
    X[0, 8:] = np.nan  # the first series is shorter
    est = SequenceMaskTransformer(granularity="global", epochs=40, random_state=0)
    est.fit(X)
    # Every step has a value to rebuild: the global mask keeps all of them,
    # including those the first series lacks.
    assert est.get_support().all()


def test_grid_search_over_network_and_threshold(tmp_path):
    X, y, _ = make_sequence_mask(n_samples=90, n_timesteps=12, window=3, random_state=0)
    mask = SequenceMaskTransformer(random_state=0, memory=str(tmp_path), **SMALL)
    pipe = Pipeline(
        [
            ("mask", mask),
            ("clf", LogisticRegression()),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {
            "mask__network": ["conv1d", "gru"],
            "mask__threshold": [0.3, 0.7],
        },
        cv=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {"mask__network", "mask__threshold"}
    # memory: each network trains once per fold, both thresholds reuse it.
    assert len(grid.cv_results_["params"]) == 4


def test_make_sequence_mask_ground_truth():
    X, y, M = make_sequence_mask(
        n_samples=50, n_timesteps=30, n_channels=2, n_classes=3, random_state=0
    )
    assert X.shape == (50, 30, 2) and M.shape == (50, 30)
    assert set(np.unique(y)) <= {0, 1, 2}
    assert (M.sum(axis=1) == 12).all()
    # The window holds the class pattern on top of the background noise.
    bumps = y == 0
    assert X[bumps][M[bumps] == 1].mean() > 0.5
    with pytest.raises(ValueError, match="window"):
        make_sequence_mask(n_timesteps=5, window=6)


def test_masks_are_writable_arrays(small_fit):
    est, X = small_fit
    for mask in (est.predict_mask(X), est.get_mask(X)):
        mask[0] = 0.0  # a plain NumPy array the caller owns
