"""Plots of masks, in the style of scikit-learn's Display objects.

Each display holds the values it draws, builds them with ``from_estimator``
(a fitted skmask estimator and data) or ``from_predictions`` (arrays you
already have), and draws with ``plot(ax=...)``; the created artists are kept
as attributes (``ax_``, ``figure_``, ...). matplotlib is imported only when a
display is drawn (``pip install "skmask[plot]"``).

- :class:`FeatureMaskDisplay`: bar chart of one value per feature (a global
  mask, or the mean keep probability of instance masks), threshold drawn and
  kept features highlighted.
- :class:`InstanceMaskDisplay`: heatmap of instance masks, rows by features.
- :class:`SeriesMaskDisplay`: series with their mask shaded over time.
- :class:`ImageMaskDisplay`: image, mask and masked image side by side.
- :class:`TrainingHistoryDisplay`: losses and fraction kept per epoch.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

__all__ = [
    "FeatureMaskDisplay",
    "ImageMaskDisplay",
    "InstanceMaskDisplay",
    "SeriesMaskDisplay",
    "TrainingHistoryDisplay",
]

KEPT_COLOR = "tab:orange"
DROPPED_COLOR = "tab:gray"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            'Plotting needs matplotlib: pip install "skmask[plot]".'
        ) from error
    return plt


def _axes(ax: Any, **subplots: Any) -> tuple[Any, Any]:
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(**subplots)
        return fig, ax
    first = np.ravel(ax)[0] if isinstance(ax, np.ndarray) else ax
    return first.figure, ax


def _check_fitted(estimator: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)


class FeatureMaskDisplay:
    """Bar chart of one mask value per feature.

    Parameters
    ----------
    values : array-like of shape (n_features,)
        Mask values in [0, 1] (a global mask, or mean keep probabilities).
    feature_names : array-like of str, default=None
        Bar labels; ``x0, x1, ...`` when None.
    threshold : float, default=0.5
        Features at or above it are drawn as kept.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    bars_ : matplotlib BarContainer
    threshold_line_ : matplotlib Line2D
    """

    def __init__(self, values, *, feature_names=None, threshold=0.5):
        self.values = np.asarray(values, dtype=float)
        if self.values.ndim != 1:
            raise ValueError(f"values must be 1-D; got shape {self.values.shape}.")
        if feature_names is None:
            feature_names = [f"x{i}" for i in range(self.values.size)]
        self.feature_names = np.asarray(feature_names, dtype=object)
        if self.feature_names.shape != self.values.shape:
            raise ValueError(
                f"{self.feature_names.size} feature names for "
                f"{self.values.size} values."
            )
        self.threshold = float(threshold)

    @classmethod
    def from_estimator(cls, estimator, X=None, *, ax=None, **kwargs):
        """Plot a fitted estimator's global mask, or its mean mask over ``X``.

        Parameters
        ----------
        estimator : fitted LearnedMaskTransformer
            A tabular mask.
        X : array-like of shape (n_samples, n_features), default=None
            Rows whose instance masks are averaged; required for
            ``granularity='instance'``.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : FeatureMaskDisplay
        """
        _check_fitted(estimator)
        if estimator.granularity == "global":
            values = estimator.global_mask_
        elif X is None:
            raise ValueError("Instance masks need X: from_estimator(estimator, X).")
        else:
            values = (
                np.asarray(estimator.predict_mask(X))
                .reshape(len(X) if hasattr(X, "__len__") else -1, -1)
                .mean(axis=0)
            )
        names = getattr(estimator, "feature_names_in_", None)
        display = cls(values, feature_names=names, threshold=estimator.threshold)
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_predictions(cls, values, *, feature_names=None, threshold=0.5, ax=None):
        """Plot mask values you already have (one per feature).

        Parameters
        ----------
        values : array-like of shape (n_features,) or (n_samples, n_features)
            Mask values; rows are averaged.
        feature_names : array-like of str, default=None
            Bar labels.
        threshold : float, default=0.5
            Kept features are at or above it.
        ax : matplotlib Axes, default=None
            Where to draw.

        Returns
        -------
        display : FeatureMaskDisplay
        """
        values = np.asarray(values, dtype=float)
        if values.ndim == 2:
            values = values.mean(axis=0)
        display = cls(values, feature_names=feature_names, threshold=threshold)
        return display.plot(ax=ax)

    def plot(self, ax=None, *, title=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        title : str, default=None
            Axes title.

        Returns
        -------
        self : FeatureMaskDisplay
        """
        fig, ax = _axes(ax, figsize=(max(4.0, 0.3 * self.values.size + 1.5), 3.2))
        kept = self.values >= self.threshold
        colors = [KEPT_COLOR if k else DROPPED_COLOR for k in kept]
        positions = np.arange(self.values.size)
        self.bars_ = ax.bar(positions, self.values, color=colors)
        self.threshold_line_ = ax.axhline(
            self.threshold,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"threshold {self.threshold:g}",
        )
        ax.set_xticks(positions)
        ax.set_xticklabels([str(n) for n in self.feature_names], rotation=90)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("mask value")
        ax.set_title(title or f"{int(kept.sum())} of {kept.size} features kept")
        ax.legend(loc="upper right", frameon=False)
        self.ax_, self.figure_ = ax, fig
        return self


class InstanceMaskDisplay:
    """Heatmap of instance masks: rows by features.

    Parameters
    ----------
    masks : array-like of shape (n_rows, n_features)
        Mask values in [0, 1].
    feature_names : array-like of str, default=None
        Column labels.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    image_ : matplotlib AxesImage
    colorbar_ : matplotlib Colorbar
    """

    def __init__(self, masks, *, feature_names=None):
        self.masks = np.asarray(masks, dtype=float)
        if self.masks.ndim != 2:
            raise ValueError(f"masks must be 2-D; got shape {self.masks.shape}.")
        if feature_names is None:
            feature_names = [f"x{i}" for i in range(self.masks.shape[1])]
        self.feature_names = np.asarray(feature_names, dtype=object)

    @classmethod
    def from_estimator(cls, estimator, X, *, max_rows=50, soft=False, ax=None):
        """Plot the masks a fitted tabular estimator gives the first rows of X.

        Parameters
        ----------
        estimator : fitted LearnedMaskTransformer
        X : array-like of shape (n_samples, n_features)
        max_rows : int, default=50
            Rows drawn (the first ones).
        soft : bool, default=False
            Draw keep probabilities instead of the applied mask.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : InstanceMaskDisplay
        """
        _check_fitted(estimator)
        rows = X.iloc[:max_rows] if hasattr(X, "iloc") else np.asarray(X)[:max_rows]
        masks = estimator.predict_mask(rows) if soft else estimator.get_mask(rows)
        names = getattr(estimator, "feature_names_in_", None)
        return cls(masks, feature_names=names).plot(ax=ax)

    @classmethod
    def from_predictions(cls, masks, *, feature_names=None, ax=None):
        """Plot masks you already have.

        Parameters
        ----------
        masks : array-like of shape (n_rows, n_features)
        feature_names : array-like of str, default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : InstanceMaskDisplay
        """
        return cls(masks, feature_names=feature_names).plot(ax=ax)

    def plot(self, ax=None, *, cmap="viridis", title=None):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        cmap : str, default='viridis'
        title : str, default=None

        Returns
        -------
        self : InstanceMaskDisplay
        """
        n_rows, n_features = self.masks.shape
        fig, ax = _axes(ax, figsize=(max(4.0, 0.3 * n_features + 2), 4.0))
        self.image_ = ax.imshow(
            self.masks,
            aspect="auto",
            vmin=0,
            vmax=1,
            cmap=cmap,
            interpolation="nearest",
        )
        ax.set_xticks(np.arange(n_features))
        ax.set_xticklabels([str(n) for n in self.feature_names], rotation=90)
        ax.set_ylabel("row")
        ax.set_title(title or f"masks of {n_rows} rows ({self.masks.mean():.0%} kept)")
        self.colorbar_ = fig.colorbar(self.image_, ax=ax, label="mask")
        self.ax_, self.figure_ = ax, fig
        return self


class SeriesMaskDisplay:
    """Series with their masks shaded over time, one panel per series.

    Parameters
    ----------
    series : array-like of shape (n_series, n_timesteps[, n_channels])
        Values, time on axis 1 (channels last).
    masks : array-like of the same shape, or (n_series, n_timesteps)
        Mask values in [0, 1] (per step or per step and channel).

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
    figure_ : matplotlib Figure
    """

    def __init__(self, series, masks):
        series = np.asarray(series, dtype=float)
        masks = np.asarray(masks, dtype=float)
        if series.ndim == 2:
            series = series[..., None]
        if masks.ndim == 2:
            masks = masks[..., None]
        if series.ndim != 3 or masks.shape[:2] != series.shape[:2]:
            raise ValueError(
                f"series {series.shape} and masks {masks.shape} must share "
                "(n_series, n_timesteps)."
            )
        self.series, self.masks = series, masks

    @classmethod
    def from_estimator(cls, estimator, X, *, n_series=3, axes=None):
        """Plot the first series of X under a fitted SequenceMaskTransformer.

        Parameters
        ----------
        estimator : fitted SequenceMaskTransformer
        X : array-like
            Series in the layout the estimator was fitted on.
        n_series : int, default=3
            Panels drawn (the first series).
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        display : SeriesMaskDisplay
        """
        _check_fitted(estimator)
        X = np.asarray(X)[:n_series]
        mask = estimator.get_mask(X)
        return cls(estimator._to_ntc(X), estimator._to_ntc(mask)).plot(axes=axes)

    @classmethod
    def from_predictions(cls, series, masks, *, n_series=3, axes=None):
        """Plot series and masks you already have (time on axis 1).

        Parameters
        ----------
        series, masks : array-like
            See the class parameters.
        n_series : int, default=3
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        display : SeriesMaskDisplay
        """
        series, masks = np.asarray(series), np.asarray(masks)
        return cls(series[:n_series], masks[:n_series]).plot(axes=axes)

    def plot(self, axes=None):
        """Draw one panel per series; kept steps are shaded.

        Parameters
        ----------
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        self : SeriesMaskDisplay
        """
        n = self.series.shape[0]
        fig, axes = _axes(
            axes, nrows=n, ncols=1, figsize=(7, 1.8 * n), sharex=True, squeeze=False
        )
        axes = np.ravel(axes)
        steps = np.arange(self.series.shape[1])
        for i, ax in enumerate(axes[:n]):
            ax.plot(steps, self.series[i], linewidth=1)
            # Shade each step by its mask (the max over channels).
            strength = self.masks[i].max(axis=-1)
            low, high = np.nanmin(self.series[i]), np.nanmax(self.series[i])
            ax.fill_between(
                steps,
                low,
                high,
                where=strength > 0,
                step="mid",
                color=KEPT_COLOR,
                alpha=0.3,
                label="kept",
            )
            ax.set_ylabel(f"series {i}")
        axes[0].legend(loc="upper right", frameon=False)
        axes[n - 1].set_xlabel("time step")
        self.axes_, self.figure_ = axes, fig
        return self


class ImageMaskDisplay:
    """Images, their masks and the masked images side by side.

    Parameters
    ----------
    images : array-like of shape (n, height, width) or (n, height, width, channels)
    masks : array-like
        Mask values in [0, 1]: ``(n, height, width)`` or with channels.
    masked : array-like, default=None
        The masked images; ``images * masks`` when None.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes, shape (n, 3)
    figure_ : matplotlib Figure
    """

    def __init__(self, images, masks, *, masked=None):
        images = np.asarray(images, dtype=float)
        masks = np.asarray(masks, dtype=float)
        if images.ndim == 3:
            images = images[..., None]
        if masks.ndim == 3:
            masks = masks[..., None]
        if images.ndim != 4 or masks.shape[:3] != images.shape[:3]:
            raise ValueError(
                f"images {images.shape} and masks {masks.shape} must share "
                "(n, height, width)."
            )
        self.images, self.masks = images, masks
        self.masked = images * masks if masked is None else np.asarray(masked, float)

    @classmethod
    def from_estimator(cls, estimator, X, *, n_images=4, axes=None):
        """Plot the first images of X under a fitted ImageMaskTransformer.

        Parameters
        ----------
        estimator : fitted ImageMaskTransformer
        X : array-like
            Images in the layout the estimator was fitted on.
        n_images : int, default=4
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        display : ImageMaskDisplay
        """
        _check_fitted(estimator)
        X = np.asarray(X)[:n_images]
        mask = estimator.get_mask(X)
        masked = (
            estimator.transform(X) if estimator.output in ("multiply", "fill") else None
        )
        to_nhwc = estimator._to_nhwc
        return cls(
            to_nhwc(X),
            to_nhwc(mask),
            masked=None if masked is None else to_nhwc(masked),
        ).plot(axes=axes)

    @classmethod
    def from_predictions(cls, images, masks, *, n_images=4, axes=None):
        """Plot images and masks you already have.

        Parameters
        ----------
        images, masks : array-like
            See the class parameters.
        n_images : int, default=4
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        display : ImageMaskDisplay
        """
        images, masks = np.asarray(images), np.asarray(masks)
        return cls(images[:n_images], masks[:n_images]).plot(axes=axes)

    def plot(self, axes=None, *, cmap="gray"):
        """Draw image, mask and masked image for each row.

        Parameters
        ----------
        axes : array of matplotlib Axes of shape (n, 3), default=None
        cmap : str, default='gray'
            Colour map of single-channel images.

        Returns
        -------
        self : ImageMaskDisplay
        """
        n = self.images.shape[0]
        fig, axes = _axes(axes, nrows=n, ncols=3, figsize=(6, 2 * n), squeeze=False)
        axes = np.asarray(axes).reshape(n, 3)

        def show(ax, image, **kwargs):
            image = image[..., 0] if image.shape[-1] == 1 else image
            ax.imshow(image, interpolation="nearest", **kwargs)
            ax.set_xticks([])
            ax.set_yticks([])

        for i in range(n):
            show(axes[i, 0], self.images[i], cmap=cmap)
            show(
                axes[i, 1],
                self.masks[i].max(axis=-1, keepdims=True),
                cmap="viridis",
                vmin=0,
                vmax=1,
            )
            show(axes[i, 2], self.masked[i], cmap=cmap)
        for ax, title in zip(axes[0], ("image", "mask", "masked"), strict=True):
            ax.set_title(title)
        self.axes_, self.figure_ = axes, fig
        return self


class TrainingHistoryDisplay:
    """Training curves: loss (and held-out loss) and fraction kept per epoch.

    Parameters
    ----------
    history : dict of str to list of float
        A fitted estimator's ``history_``.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One panel per training phase (teacher and surrogate, one per fold
        when cross-fitted, then mask).
    figure_ : matplotlib Figure
    """

    def __init__(self, history):
        if not isinstance(history, dict) or "loss" not in history:
            raise ValueError("history must be a dict with a 'loss' list (history_).")
        self.history = history

    @classmethod
    def from_estimator(cls, estimator, *, axes=None):
        """Plot a fitted estimator's ``history_``.

        Parameters
        ----------
        estimator : fitted skmask estimator
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        _check_fitted(estimator)
        return cls(estimator.history_).plot(axes=axes)

    def _phases(self):
        phases = []
        # One teacher and surrogate, or one per fold (cross-fitted), then
        # the mask.
        n_folds = sum(
            1 for key in self.history if re.fullmatch(r"teacher\d+_loss", key)
        )
        prefixes = ["teacher_", "surrogate_"]
        prefixes += [
            f"{p}{k}_" for k in range(n_folds) for p in ("teacher", "surrogate")
        ]
        for prefix in [*prefixes, ""]:
            if f"{prefix}loss" in self.history:
                name = prefix.rstrip("_") or "mask"
                name = re.sub(r"(\D)(\d+)$", r"\1 \2", name)
                phases.append((name, prefix))
        return phases

    def plot(self, axes=None):
        """Draw one panel per phase.

        Parameters
        ----------
        axes : array of matplotlib Axes, default=None

        Returns
        -------
        self : TrainingHistoryDisplay
        """
        phases = self._phases()
        fig, axes = _axes(
            axes,
            nrows=1,
            ncols=len(phases),
            figsize=(4 * len(phases), 3),
            squeeze=False,
        )
        axes = np.ravel(axes)
        for ax, (name, prefix) in zip(axes, phases, strict=False):
            loss = self.history[f"{prefix}loss"]
            epochs = np.arange(1, len(loss) + 1)
            ax.plot(epochs, loss, label="loss")
            if f"{prefix}val_loss" in self.history:
                ax.plot(
                    epochs, self.history[f"{prefix}val_loss"], label="held-out loss"
                )
            ax.set_xlabel("epoch")
            ax.set_title(name)
            kept = self.history.get(f"{prefix}keep_fraction")
            if kept is not None and name == "mask":
                twin = ax.twinx()
                twin.plot(epochs, kept, color=KEPT_COLOR, linestyle=":", label="kept")
                twin.set_ylim(0, 1.02)
                twin.set_ylabel("fraction kept")
            ax.legend(loc="upper right", frameon=False)
        axes[0].set_ylabel("loss")
        self.axes_, self.figure_ = axes, fig
        return self
