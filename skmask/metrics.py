"""Mask quality against ground truth: TPR, FDR, F1, IoU, and scorers.

Instance-wise metrics are computed per row and averaged over rows, as in the
INVASE paper. No Keras here.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils.validation import check_array

__all__ = [
    "make_mask_scorer",
    "mask_f1_score",
    "mask_fdr",
    "mask_iou",
    "mask_tpr",
]


def _check_pair(mask_true, mask_pred):
    t = np.asarray(mask_true)
    p = np.asarray(mask_pred)
    if t.shape != p.shape:
        raise ValueError(
            f"mask_true has shape {t.shape} but mask_pred has shape {p.shape}."
        )
    if t.ndim < 2:
        raise ValueError("masks must have a row axis and at least one entry axis.")
    for name, a in (("mask_true", t), ("mask_pred", p)):
        check_array(a.reshape(a.shape[0], -1), input_name=name, dtype=None)
        if not np.isin(a, (0, 1)).all():
            raise ValueError(
                f"{name} must hold 0/1 (or boolean) values; threshold soft masks "
                "first (e.g. estimator.get_mask(X) for binary masks)."
            )
    n = t.shape[0]
    return t.reshape(n, -1).astype(bool), p.reshape(n, -1).astype(bool)


def _counts(mask_true, mask_pred):
    t, p = _check_pair(mask_true, mask_pred)
    tp = (t & p).sum(axis=1)
    return tp, t.sum(axis=1), p.sum(axis=1), (t | p).sum(axis=1)


def _row_mean_ratio(numerator, denominator, empty):
    """Mean over rows of ``numerator / denominator``, ``empty`` where it is 0."""
    ratio = numerator / np.maximum(denominator, 1)
    return float(np.mean(np.where(denominator > 0, ratio, empty)))


def mask_tpr(mask_true, mask_pred):
    """Mean over rows of the true-positive rate (recall) of kept entries.

    Parameters
    ----------
    mask_true, mask_pred : array-like of shape (n_samples, ...)
        0/1 masks (1 = relevant / kept).

    Returns
    -------
    float
        Mean of ``|true ∩ kept| / |true|`` over rows with a relevant entry.
    """
    tp, n_true, _, _ = _counts(mask_true, mask_pred)
    rows = n_true > 0
    return float(np.mean(tp[rows] / n_true[rows])) if rows.any() else 1.0


def mask_fdr(mask_true, mask_pred):
    """Mean over rows of the false-discovery rate of kept entries.

    Parameters
    ----------
    mask_true, mask_pred : array-like of shape (n_samples, ...)
        0/1 masks.

    Returns
    -------
    float
        Mean of ``|kept - true| / |kept|``, a row keeping nothing counting 0.
    """
    tp, _, n_pred, _ = _counts(mask_true, mask_pred)
    return _row_mean_ratio(n_pred - tp, n_pred, 0.0)


def mask_f1_score(mask_true, mask_pred):
    """Mean over rows of the F1 score of kept entries.

    Parameters
    ----------
    mask_true, mask_pred : array-like of shape (n_samples, ...)
        0/1 masks.

    Returns
    -------
    float
        Mean of ``2 |true ∩ kept| / (|true| + |kept|)``; a row where both are
        empty counts 1.
    """
    tp, n_true, n_pred, _ = _counts(mask_true, mask_pred)
    return _row_mean_ratio(2 * tp, n_true + n_pred, 1.0)


def mask_iou(mask_true, mask_pred):
    """Mean over rows of the intersection over union of kept and true entries.

    Parameters
    ----------
    mask_true, mask_pred : array-like of shape (n_samples, ...)
        0/1 masks.

    Returns
    -------
    float
        Mean of ``|true and kept| / |true or kept|``; a row where both are empty
        counts 1.
    """
    tp, _, _, union = _counts(mask_true, mask_pred)
    return _row_mean_ratio(tp, union, 1.0)


_METRICS = {
    "f1": (mask_f1_score, 1),
    "iou": (mask_iou, 1),
    "tpr": (mask_tpr, 1),
    "fdr": (mask_fdr, -1),
}


def _find_mask_step(estimator, X):
    """Return (mask estimator, X as it reaches it) inside a Pipeline."""
    if hasattr(estimator, "get_mask"):
        return estimator, X
    steps = getattr(estimator, "steps", None)
    if steps is None:
        raise TypeError(
            f"{type(estimator).__name__} has no get_mask method and is not a "
            "Pipeline containing a skmask transformer."
        )
    for _, step in steps:
        if hasattr(step, "get_mask"):
            return step, X
        if step is not None and step != "passthrough":
            X = step.transform(X)
    raise TypeError("The Pipeline contains no skmask transformer (no get_mask).")


class _MaskScorer(_BaseScorer):
    """Score an estimator's binary mask against ground truth routed as ``mask``."""

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        mask = kwargs.get("mask")
        if mask is None:
            raise ValueError(
                "A mask scorer needs the ground-truth masks: enable metadata "
                "routing (sklearn.set_config(enable_metadata_routing=True)), "
                "call scorer.set_score_request(mask=True) and pass mask=M to fit."
            )
        step, Xm = _find_mask_step(estimator, X)
        mask_pred = step.get_mask(Xm)
        if step.mask_type == "weighted":
            mask_pred = mask_pred >= 0.5
        return self._sign * self._score_func(
            np.asarray(mask), mask_pred, **self._kwargs
        )


def make_mask_scorer(metric="f1"):
    """Make a scorer that grades an estimator's mask against ground truth.

    The ground-truth masks reach the scorer as metadata named ``mask``, which
    needs scikit-learn's metadata routing::

        sklearn.set_config(enable_metadata_routing=True)
        scorer = make_mask_scorer("f1").set_score_request(mask=True)
        GridSearchCV(pipe, grid, scoring=scorer).fit(X, y, mask=M)

    Parameters
    ----------
    metric : {'f1', 'iou', 'tpr', 'fdr'}, default='f1'
        The mask metric. ``'fdr'`` is negated so that greater is better.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, mask=M)``; works on a skmask transformer or
        on a Pipeline containing one (the steps before it transform ``X``).
        Weighted masks are scored as kept where their value is at least 0.5.
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}; got {metric!r}.")
    func, sign = _METRICS[metric]
    return _MaskScorer(func, sign, {}, response_method="predict")
