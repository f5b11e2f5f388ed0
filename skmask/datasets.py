"""Synthetic data with ground-truth masks.

Nothing here downloads anything or imports Keras.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

INVASE_KINDS = ("syn1", "syn2", "syn3", "syn4", "syn5", "syn6")

# 0-based feature indices each base case uses.
_BASE_FEATURES = {"syn1": [0, 1], "syn2": [2, 3, 4, 5], "syn3": [6, 7, 8, 9]}
# Composite cases: (case where x11 < 0, case where x11 >= 0).
_SWITCHED = {
    "syn4": ("syn1", "syn2"),
    "syn5": ("syn1", "syn3"),
    "syn6": ("syn2", "syn3"),
}
_SWITCH = 10  # x11, 0-based


def _log_odds_y0(case: str, X: np.ndarray) -> np.ndarray:
    """Return log L of the INVASE paper, where P(y = 0 | x) = L / (1 + L)."""
    if case == "syn1":
        return X[:, 0] * X[:, 1]
    if case == "syn2":
        return np.sum(X[:, 2:6] ** 2, axis=1) - 4.0
    return (
        -10.0 * np.sin(0.2 * X[:, 6])
        + np.abs(X[:, 7])
        + X[:, 8]
        + np.exp(-X[:, 9])
        - 2.4
    )


def make_invase(
    kind,
    n_samples=10000,
    n_features=11,
    *,
    random_state=None,
    as_frame=False,
):
    """Generate one of the six synthetic tasks of the INVASE paper.

    ``x ~ N(0, I)`` and ``P(y = 0 | x) = L / (1 + L)`` with (features
    1-indexed): syn1 ``L = exp(x1 x2)``; syn2 ``L = exp(x3² + x4² + x5² +
    x6² - 4)``; syn3 ``L = exp(-10 sin(0.2 x7) + |x8| + x9 + exp(-x10) -
    2.4)``; syn4 is syn1 where ``x11 < 0`` and syn2 elsewhere; syn5 syn1 /
    syn3; syn6 syn2 / syn3.

    Parameters
    ----------
    kind : {'syn1', 'syn2', 'syn3', 'syn4', 'syn5', 'syn6'}
        The task.
    n_samples : int, default=10000
        Number of rows.
    n_features : int, default=11
        Number of features, at least 11; features beyond the 11th are pure
        noise (as are the unused ones of each task).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.
    as_frame : bool, default=False
        Return ``X`` and the mask as DataFrames with columns ``x1 ... xd``
        and ``y`` as a Series.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Features.
    y : ndarray or Series of shape (n_samples,)
        Binary labels (0 or 1).
    ground_truth_mask : ndarray or DataFrame of shape (n_samples, n_features)
        1 on the features that decide each row's label (and on ``x11`` for
        syn4-syn6), 0 elsewhere.

    References
    ----------
    Yoon, Jordon and van der Schaar, "INVASE: Instance-wise Variable
    Selection using Neural Networks", ICLR 2019.

    Examples
    --------
    >>> from skmask.datasets import make_invase
    >>> X, y, mask = make_invase("syn4", n_samples=5, random_state=0)
    >>> X.shape, y.shape, mask.shape
    ((5, 11), (5,), (5, 11))
    """
    if kind not in INVASE_KINDS:
        raise ValueError(f"kind must be one of {INVASE_KINDS}; got {kind!r}.")
    if not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    if not isinstance(n_features, int | np.integer) or n_features < 11:
        raise ValueError(f"n_features must be an int >= 11; got {n_features!r}.")
    rng = check_random_state(random_state)
    X = rng.normal(size=(n_samples, n_features))
    mask = np.zeros((n_samples, n_features))
    if kind in _BASE_FEATURES:
        log_l = _log_odds_y0(kind, X)
        mask[:, _BASE_FEATURES[kind]] = 1.0
    else:
        low, high = _SWITCHED[kind]
        first = X[:, _SWITCH] < 0
        log_l = np.where(first, _log_odds_y0(low, X), _log_odds_y0(high, X))
        mask[np.ix_(first, _BASE_FEATURES[low])] = 1.0
        mask[np.ix_(~first, _BASE_FEATURES[high])] = 1.0
        mask[:, _SWITCH] = 1.0
    # P(y = 1) = 1 / (1 + L) = sigmoid(-log L)
    p1 = 1.0 / (1.0 + np.exp(np.clip(log_l, -50, 50)))
    y = (rng.uniform(size=n_samples) < p1).astype(int)
    if as_frame:
        columns = [f"x{j + 1}" for j in range(n_features)]
        return (
            pd.DataFrame(X, columns=columns),
            pd.Series(y, name="y"),
            pd.DataFrame(mask, columns=columns),
        )
    return X, y, mask
