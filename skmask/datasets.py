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


def _check_invase_kind(kind) -> None:
    if kind not in INVASE_KINDS:
        raise ValueError(f"kind must be one of {INVASE_KINDS}; got {kind!r}.")


def _proba(kind: str, X: np.ndarray) -> np.ndarray:
    if kind in _BASE_FEATURES:
        log_l = _log_odds_y0(kind, X)
    else:
        low, high = _SWITCHED[kind]
        first = X[:, _SWITCH] < 0
        log_l = np.where(first, _log_odds_y0(low, X), _log_odds_y0(high, X))
    # P(y = 1) = 1 / (1 + L) = sigmoid(-log L)
    return 1.0 / (1.0 + np.exp(np.clip(log_l, -50, 50)))


def invase_proba(kind, X):
    """Return the true ``P(y = 1 | x)`` of an INVASE task at the rows ``X``.

    The probability :func:`make_invase` draws its labels from: the Bayes
    classifier of the task, for measuring how far a predictor (or the
    predictions made from a masked input) is from the truth.

    Parameters
    ----------
    kind : {'syn1', 'syn2', 'syn3', 'syn4', 'syn5', 'syn6'}
        The task.
    X : array-like of shape (n_samples, n_features)
        Rows with at least 11 features (only the first 11 are read).

    Returns
    -------
    proba : ndarray of shape (n_samples,)
        ``P(y = 1 | x)`` for each row.

    Examples
    --------
    >>> import numpy as np
    >>> from skmask.datasets import invase_proba
    >>> float(invase_proba("syn1", np.zeros((1, 11)))[0])
    0.5
    """
    _check_invase_kind(kind)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 11:
        raise ValueError(
            f"X must be 2-D with at least 11 features; got shape {X.shape}."
        )
    if not np.all(np.isfinite(X[:, :11])):
        raise ValueError("X must be finite (no NaN or infinity).")
    return _proba(kind, X)


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

    See Also
    --------
    invase_proba : The true ``P(y = 1 | x)`` the labels are drawn from.

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
    _check_invase_kind(kind)
    if not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    if not isinstance(n_features, int | np.integer) or n_features < 11:
        raise ValueError(f"n_features must be an int >= 11; got {n_features!r}.")
    rng = check_random_state(random_state)
    X = rng.normal(size=(n_samples, n_features))
    mask = np.zeros((n_samples, n_features))
    if kind in _BASE_FEATURES:
        mask[:, _BASE_FEATURES[kind]] = 1.0
    else:
        low, high = _SWITCHED[kind]
        first = X[:, _SWITCH] < 0
        mask[np.ix_(first, _BASE_FEATURES[low])] = 1.0
        mask[np.ix_(~first, _BASE_FEATURES[high])] = 1.0
        mask[:, _SWITCH] = 1.0
    y = (rng.uniform(size=n_samples) < _proba(kind, X)).astype(int)
    if as_frame:
        columns = [f"x{j + 1}" for j in range(n_features)]
        return (
            pd.DataFrame(X, columns=columns),
            pd.Series(y, name="y"),
            pd.DataFrame(mask, columns=columns),
        )
    return X, y, mask


# Pattern of each class over its window, as a function of u in [0, 1).
SEQUENCE_PATTERNS = ("bump", "dip", "wave")


def _pattern(kind: str, length: int) -> np.ndarray:
    u = (np.arange(length) + 0.5) / length
    if kind == "bump":
        return np.ones(length)
    if kind == "dip":
        return -np.ones(length)
    return np.where(u < 0.5, 1.0, -1.0)  # one square cycle: up, then down


def make_sequence_mask(
    n_samples=1000,
    n_timesteps=64,
    *,
    n_channels=None,
    n_classes=2,
    window=12,
    amplitude=1.0,
    noise=0.5,
    volatility=3.0,
    variable_length=False,
    random_state=None,
):
    """Generate labelled series whose class is a pattern at a random position.

    Each series is Gaussian noise (standard deviation ``noise``). A window of
    ``window`` consecutive steps at a uniformly random position holds the
    pattern of the series' class, scaled by ``amplitude``: class 0 a bump
    (a plateau at ``+amplitude``), class 1 a dip (``-amplitude``), class 2 a
    wave (one square cycle, up then down). Elsewhere, a volatile stretch of
    the same length has noise of standard deviation ``volatility``: it
    carries no information on the class but dominates any sum over the
    series. Only the window tells the class, so the ground-truth mask is the
    window.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of series.
    n_timesteps : int, default=64
        Steps per series (the padded length when ``variable_length``).
    n_channels : int or None, default=None
        ``None`` returns univariate series as a 2-D array ``(n_samples,
        n_timesteps)``; an int returns ``(n_samples, n_timesteps, n_channels)``
        with the pattern in every channel.
    n_classes : {2, 3}, default=2
        Number of classes (patterns).
    window : int, default=12
        Length of the pattern's window.
    amplitude : float, default=1.0
        Height of the pattern.
    noise : float, default=0.5
        Standard deviation of the background noise.
    volatility : float, default=3.0
        Standard deviation of the noise in the volatile stretch (placed where
        it does not overlap the window, when the series is long enough);
        ``0`` or at most ``noise`` for no volatile stretch.
    variable_length : bool, default=False
        Draw each series' length uniformly in ``[max(window, n_timesteps //
        2), n_timesteps]`` and pad the end with NaN (the window lies inside
        the observed part).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps[, n_channels])
        Series (channels last; 2-D when ``n_channels`` is None); NaN on
        padded steps.
    y : ndarray of shape (n_samples,)
        Class labels ``0 .. n_classes - 1``.
    ground_truth_mask : ndarray of shape (n_samples, n_timesteps)
        1 on the window's steps, 0 elsewhere (and on padding).

    Examples
    --------
    >>> from skmask.datasets import make_sequence_mask
    >>> X, y, mask = make_sequence_mask(n_samples=4, n_timesteps=32, random_state=0)
    >>> X.shape, y.shape, mask.shape, int(mask.sum(axis=1)[0])
    ((4, 32), (4,), (4, 32), 12)
    """
    for name, value, low in (
        ("n_samples", n_samples, 1),
        ("n_timesteps", n_timesteps, 1),
        ("window", window, 1),
    ):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if window > n_timesteps:
        raise ValueError(
            f"window ({window}) must not exceed n_timesteps ({n_timesteps})."
        )
    if n_channels is not None and (
        not isinstance(n_channels, int | np.integer) or n_channels < 1
    ):
        raise ValueError(
            f"n_channels must be None or a positive int; got {n_channels!r}."
        )
    if n_classes not in (2, 3):
        raise ValueError(f"n_classes must be 2 or 3; got {n_classes!r}.")
    for name, value in (
        ("amplitude", amplitude),
        ("noise", noise),
        ("volatility", volatility),
    ):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    rng = check_random_state(random_state)
    channels = 1 if n_channels is None else int(n_channels)
    X = noise * rng.normal(size=(n_samples, n_timesteps, channels))
    y = rng.randint(n_classes, size=n_samples)
    if variable_length:
        shortest = max(window, n_timesteps // 2)
        lengths = rng.randint(shortest, n_timesteps + 1, size=n_samples)
    else:
        lengths = np.full(n_samples, n_timesteps)
    starts = rng.randint(0, lengths - window + 1)
    mask = np.zeros((n_samples, n_timesteps))
    patterns = [amplitude * _pattern(k, window) for k in SEQUENCE_PATTERNS]
    volatile = volatility > noise
    for i in range(n_samples):
        steps = slice(starts[i], starts[i] + window)
        X[i, steps, :] += patterns[y[i]][:, None]
        mask[i, steps] = 1.0
        # The volatile stretch goes wherever it fits without touching the window.
        free = [
            s
            for s in range(lengths[i] - window + 1)
            if s + window <= starts[i] or s >= starts[i] + window
        ]
        if volatile and free:
            s = free[rng.randint(len(free))]
            X[i, s : s + window, :] *= volatility / noise if noise > 0 else 0.0
            if noise == 0:
                X[i, s : s + window, :] = volatility * rng.normal(
                    size=(window, channels)
                )
        X[i, lengths[i] :, :] = np.nan
    if n_channels is None:
        X = X[:, :, 0]
    return X, y, mask


def make_image_mask(
    n_samples=1000,
    canvas_size=24,
    *,
    n_classes=10,
    noise=0.5,
    random_state=None,
):
    """Paste scikit-learn's digits at random positions into noisy canvases.

    Each 8x8 image of :func:`sklearn.datasets.load_digits` (shipped with
    scikit-learn: nothing is downloaded), scaled to [0, 1], replaces a square
    of a ``canvas_size x canvas_size`` canvas of Gaussian noise at a uniformly
    random position. The label is the digit; the ground-truth mask is the
    digit's square.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of canvases (digits are drawn with replacement).
    canvas_size : int, default=24
        Height and width of the canvas, at least 8.
    n_classes : int in [2, 10], default=10
        Use the digits ``0 .. n_classes - 1``.
    noise : float, default=0.5
        Standard deviation of the background noise.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, canvas_size, canvas_size)
        Grey-level canvases; ``X.reshape(n_samples, -1)`` with
        ``image_shape=(canvas_size, canvas_size)`` for 2-D pipelines.
    y : ndarray of shape (n_samples,)
        The digit of each canvas.
    ground_truth_mask : ndarray of shape (n_samples, canvas_size, canvas_size)
        1 on the digit's 8x8 square, 0 elsewhere.

    Examples
    --------
    >>> from skmask.datasets import make_image_mask
    >>> X, y, mask = make_image_mask(n_samples=3, random_state=0)
    >>> X.shape, y.shape, mask.sum(axis=(1, 2)).tolist()
    ((3, 24, 24), (3,), [64.0, 64.0, 64.0])
    """
    from sklearn.datasets import load_digits

    if not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    if not isinstance(canvas_size, int | np.integer) or canvas_size < 8:
        raise ValueError(f"canvas_size must be an int >= 8; got {canvas_size!r}.")
    if not isinstance(n_classes, int | np.integer) or not 2 <= n_classes <= 10:
        raise ValueError(f"n_classes must be an int in [2, 10]; got {n_classes!r}.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    rng = check_random_state(random_state)
    digits = load_digits(n_class=n_classes)
    images = digits.images / 16.0
    picks = rng.randint(len(images), size=n_samples)
    X = noise * rng.normal(size=(n_samples, canvas_size, canvas_size))
    mask = np.zeros_like(X)
    rows = rng.randint(canvas_size - 8 + 1, size=n_samples)
    cols = rng.randint(canvas_size - 8 + 1, size=n_samples)
    for i in range(n_samples):
        square = (slice(rows[i], rows[i] + 8), slice(cols[i], cols[i] + 8))
        X[i][square] = images[picks[i]]
        mask[i][square] = 1.0
    return X, digits.target[picks], mask
