"""How a mask is applied to the input: the one place that does it.

Masks are applied in NumPy on the caller's (validated) array, so the output
keeps the input's floating dtype; containers (pandas) are handled by
scikit-learn's ``set_output`` machinery around ``transform``.
"""

from __future__ import annotations

import numpy as np

OUTPUTS = ("multiply", "fill", "nan", "select", "concat")
# Outputs that return an array of the input's shape.
SHAPE_KEEPING_OUTPUTS = ("multiply", "fill", "nan")


def binarize(soft_mask: np.ndarray, threshold: float) -> np.ndarray:
    """Turn soft mask values into a 0/1 keep mask: the one place that does it.

    Parameters
    ----------
    soft_mask : ndarray
        Mask values in [0, 1].
    threshold : float
        Entries with a value at or above the threshold are kept.

    Returns
    -------
    ndarray of bool
        True where the entry is kept.
    """
    return soft_mask >= threshold


def n_kept_at_most(max_features, n_entries: int) -> int:
    """Resolve ``max_features`` into a number of mask entries.

    Parameters
    ----------
    max_features : int or float
        A count (at least 1), or a fraction in (0, 1] of the entries.
    n_entries : int
        Entries of one mask (features or groups, time steps, pixels).

    Returns
    -------
    int
        The most entries one mask keeps, in ``[1, n_entries]`` (0 when there
        are no entries).
    """
    if isinstance(max_features, (int, np.integer)):
        return min(int(max_features), n_entries)
    # A fraction, as scikit-learn's tree estimators read a float max_features.
    return min(max(1, int(max_features * n_entries)), n_entries)


def largest_entries(values: np.ndarray, k: int) -> np.ndarray:
    """Mark the ``k`` largest entries of each row: the one place that ranks them.

    Parameters
    ----------
    values : ndarray of shape (n_samples, ...)
        Mask values; every axis after the first is one mask.
    k : int
        Entries to mark per row.

    Returns
    -------
    ndarray of bool
        ``values``' shape; True on each row's ``k`` largest entries. Ties go
        to the earlier entry (in C order), so the result is deterministic.
    """
    flat = values.reshape(values.shape[0], -1)
    top = np.zeros(flat.shape, dtype=bool)
    if k > 0:
        # A stable sort of the negated values keeps ties in index order.
        order = np.argsort(-flat, axis=1, kind="stable")[:, :k]
        np.put_along_axis(top, order, True, axis=1)
    return top.reshape(values.shape)


def apply_mask(
    X: np.ndarray,
    mask: np.ndarray,
    *,
    output: str,
    keep: np.ndarray,
    fill_values: np.ndarray | None = None,
    support: np.ndarray | None = None,
    axis: int = 1,
) -> np.ndarray:
    """Apply a mask to ``X`` in the way ``output`` names.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Floating-point input.
    mask : ndarray of shape (n_samples, n_features)
        The mask to apply: 0/1 for binary masks, values in [0, 1] for weighted
        masks.
    output : {'multiply', 'fill', 'nan', 'select', 'concat'}
        ``multiply``: ``X * mask``. ``fill``: ``mask * X + (1 - mask) *
        fill_values`` (dropped entries take the fill value; weighted masks
        move entries toward it). ``nan``: dropped entries become NaN.
        ``select``: keep the columns in ``support``. ``concat``: ``X * mask``
        followed by the mask as extra columns.
    keep : ndarray of bool of shape (n_samples, n_features)
        The keep/drop decision, used by ``nan``.
    fill_values : ndarray of shape (n_features,), default=None
        Baseline per column, used by ``fill``.
    support : ndarray of bool of shape (n_features,), default=None
        Columns kept by ``select``.
    axis : int, default=1
        The axis that ``select`` indexes and ``concat`` extends (the feature
        axis of a table; the time or channel axis of series).

    Returns
    -------
    ndarray
        The masked input, in ``X``'s dtype.
    """
    dtype = X.dtype
    mask = mask.astype(dtype, copy=False)
    if output == "multiply":
        return X * mask
    if output == "fill":
        return (mask * X + (1 - mask) * fill_values.astype(dtype)).astype(dtype)
    if output == "nan":
        return np.where(keep, X, np.nan).astype(dtype, copy=False)
    if output == "select":
        return np.compress(support, X, axis=axis)
    if output == "concat":
        return np.concatenate([X * mask, mask], axis=axis)
    raise ValueError(f"Unknown output {output!r}; expected one of {OUTPUTS}.")
