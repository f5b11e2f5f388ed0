"""Displays render headless and draw what they say (checked on the figure)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from skmask import (
    ImageMaskTransformer,
    LearnedMaskTransformer,
    SequenceMaskTransformer,
)
from skmask.datasets import make_invase
from skmask.plotting import (
    KEPT_COLOR,
    FeatureMaskDisplay,
    ImageMaskDisplay,
    InstanceMaskDisplay,
    SeriesMaskDisplay,
    TrainingHistoryDisplay,
)

FAST = {"epochs": 2, "random_state": 0, "hidden_units": (8,), "predictor_units": (8,)}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def table():
    X, y, _ = make_invase("syn1", n_samples=120, random_state=0, as_frame=True)
    return X, y


def _render(display, tmp_path):
    path = tmp_path / "figure.png"
    display.figure_.savefig(path)
    assert path.stat().st_size > 1000


def test_feature_display_bars_threshold_and_highlight(table, tmp_path):
    X, y = table
    est = LearnedMaskTransformer(granularity="global", threshold=0.4, **FAST).fit(X, y)
    display = FeatureMaskDisplay.from_estimator(est)
    _render(display, tmp_path)
    assert len(display.bars_) == X.shape[1]
    labels = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert labels == list(X.columns)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(0.4)
    kept = est.global_mask_ >= 0.4
    colors = [bar.get_facecolor() for bar in display.bars_]
    assert [c == to_rgba(KEPT_COLOR) for c in colors] == list(kept)
    heights = [bar.get_height() for bar in display.bars_]
    np.testing.assert_allclose(heights, est.global_mask_)


def test_feature_display_of_instance_masks_averages_rows(table, tmp_path):
    X, y = table
    est = LearnedMaskTransformer(**FAST).fit(X, y)
    display = FeatureMaskDisplay.from_estimator(est, X)
    np.testing.assert_allclose(
        [b.get_height() for b in display.bars_], est.predict_mask(X).mean(axis=0)
    )
    with pytest.raises(ValueError, match="need X"):
        FeatureMaskDisplay.from_estimator(est)
    _, ax = plt.subplots()
    display = FeatureMaskDisplay.from_predictions(np.eye(3), ax=ax)
    assert display.ax_ is ax and len(display.bars_) == 3
    _render(display, tmp_path)


def test_instance_display_heatmap(table, tmp_path):
    X, y = table
    est = LearnedMaskTransformer(**FAST).fit(X, y)
    display = InstanceMaskDisplay.from_estimator(est, X, max_rows=30)
    _render(display, tmp_path)
    np.testing.assert_array_equal(display.image_.get_array(), est.get_mask(X.iloc[:30]))
    assert len(display.ax_.get_xticklabels()) == X.shape[1]
    assert display.colorbar_ is not None


def test_series_display_panels_and_shading(tmp_path):
    S = np.random.RandomState(0).normal(size=(20, 16, 2))
    est = SequenceMaskTransformer(**FAST).fit(S)
    display = SeriesMaskDisplay.from_estimator(est, S, n_series=3)
    _render(display, tmp_path)
    assert len(display.axes_) == 3
    for ax in display.axes_:
        assert len(ax.lines) == 2  # one per channel
        assert len(ax.collections) == 1  # the shaded kept steps
    with pytest.raises(ValueError, match="must share"):
        SeriesMaskDisplay(S[:2], np.ones((2, 5)))


def test_image_display_three_columns(tmp_path):
    images = np.random.RandomState(0).normal(size=(20, 36))
    est = ImageMaskTransformer(image_shape=(6, 6), **{**FAST, "hidden_units": (4, 8)})
    est.fit(images)
    display = ImageMaskDisplay.from_estimator(est, images, n_images=2)
    _render(display, tmp_path)
    assert display.axes_.shape == (2, 3)
    assert [ax.get_title() for ax in display.axes_[0]] == ["image", "mask", "masked"]
    assert all(len(ax.images) == 1 for ax in display.axes_.ravel())
    shown = display.axes_[1, 2].images[0].get_array()
    np.testing.assert_allclose(shown, est.transform(images[:2])[1].reshape(6, 6))


def test_history_display_one_panel_per_phase(table, tmp_path):
    X, y = table
    task = LearnedMaskTransformer(**FAST).fit(X, y)
    display = TrainingHistoryDisplay.from_estimator(task)
    _render(display, tmp_path)
    folds = range(LearnedMaskTransformer._n_folds)
    titles = [f"{phase} {k}" for k in folds for phase in ("teacher", "surrogate")]
    titles.append("mask")
    assert [ax.get_title() for ax in display.axes_] == titles
    labels = [line.get_label() for line in display.axes_[-1].lines]
    assert labels == ["loss", "held-out loss"]
    assert len(display.axes_[-1].lines[0].get_xdata()) == task.n_iter_
    recon = LearnedMaskTransformer(**FAST).fit(X)
    display = TrainingHistoryDisplay.from_estimator(recon)
    assert [ax.get_title() for ax in display.axes_] == ["mask"]


def test_displays_need_a_fitted_estimator():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FeatureMaskDisplay.from_estimator(LearnedMaskTransformer())
