"""Per-channel helpers for the estimators of series and images.

Targets, statistics and fill values per channel, in the channels-last layout
the networks see (a table's columns are its channels).
"""

from __future__ import annotations

import warnings

import numpy as np


def channel_targets(per_entry, observed, *, per_channel, mask_type, unit):
    """Check ground-truth masks and shape them as the mask network's output.

    Parameters
    ----------
    per_entry : ndarray of shape (n, ..., c)
        Masks, channels last; ``c`` is 1 (one value per position) or the
        number of channels.
    observed : ndarray of bool of shape (n, ...)
        False on padded positions, whose mask values are ignored.
    per_channel : bool
        Whether the network outputs a mask per channel.
    mask_type : {'binary', 'weighted'}
        Binary masks must be 0/1.
    unit : str
        Name of a position in messages ('time step', 'pixel').

    Returns
    -------
    ndarray of float32 of shape (n, ..., k)
        ``k`` is the number of channels when ``per_channel`` else 1; NaN on
        padded positions, which the supervised loss leaves out.
    """
    values = per_entry[observed]
    if np.isnan(values).any():
        raise ValueError(f"mask contains NaN on observed (not padded) {unit}s.")
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError("mask values must lie in [0, 1].")
    if mask_type == "binary" and not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(
            "mask_type='binary' needs 0/1 ground-truth masks; got other values. "
            "Use mask_type='weighted' for masks with values in [0, 1]."
        )
    if not per_channel and per_entry.shape[-1] > 1:
        if not (values == values[:, :1]).all():
            raise ValueError(
                f"mask varies across the channels of a {unit}; set "
                "mask_per_channel=True to learn a mask per channel."
            )
        per_entry = per_entry[..., :1]
    targets = np.where(observed[..., None], per_entry, np.nan)
    return targets.astype(np.float32)


def channel_stats(values):
    """Mean and scale per channel (last axis) over observed entries.

    Parameters
    ----------
    values : ndarray of shape (n, ..., channels)
        NaN on padded or missing entries.

    Returns
    -------
    mean, scale : ndarray of shape (channels,)
        Constant channels get scale 1; a channel with no observed entry gets
        mean 0 and scale 1.
    """
    axes = tuple(range(values.ndim - 1))
    observed = ~np.isnan(values).all(axis=axes)
    with warnings.catch_warnings():
        # An all-NaN channel: "Mean of empty slice", handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=axes)
        scale = np.nanstd(values, axis=axes)
    return np.where(observed, mean, 0.0), np.where(observed & (scale > 0), scale, 1.0)


def channel_fill(fill_value, values):
    """Validate ``fill_value`` into one baseline per channel.

    Parameters
    ----------
    fill_value : None, float or array-like of shape (channels,)
        ``None`` uses each channel's mean.
    values : ndarray of shape (n, ..., channels)
        Training input, channels last.

    Returns
    -------
    ndarray of shape (channels,)
    """
    channels = values.shape[-1]
    if fill_value is None:
        return np.nanmean(values, axis=tuple(range(values.ndim - 1)))
    fill = np.asarray(fill_value, dtype=np.float64)
    if fill.ndim == 0:
        fill = np.full(channels, float(fill))
    if fill.shape != (channels,) or not np.isfinite(fill).all():
        raise ValueError(
            "fill_value must be None, a finite number, or one finite number per "
            f"channel ({channels}); got {fill_value!r}."
        )
    return fill
