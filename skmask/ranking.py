"""Rank the gates of a global mask by backward elimination under its judge.

A global mask trained with a per-gate cost keeps the gates worth more than
their cost, and its keep probabilities saturate near 1 on all of them: they
say *which* gates pay, not which k of them are best together. The judge the
mask was trained against (the task's surrogate predictor, or the
reconstruction's decoder) was trained on random masks, so it can score any
subset. Backward elimination asks it: from the kept gates, drop the gate
whose loss goes up least, and again, until one is left. The reverse order of
removal ranks the gates, and the k last survivors are a subset chosen
together (of two copies of a column, the first goes early and the second
late), as recursive feature elimination does with a model refitted at each
step, here without refitting.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Rows the subsets are scored on (evenly spaced over the training rows).
MAX_EVAL_ROWS = 256
# Elimination starts from at most this many gates; beyond, the least
# probable are ranked by their keep probability alone (the cost of
# elimination grows with the square of the kept gates).
MAX_ELIMINATED = 256
# Above this many gates left, a step drops an eighth of them at once (as
# RFE's ``step``); from here on, one at a time. Measured (fifteenth session,
# 2 cores): 143 kept gates of 200 columns took 17.7 s one at a time from 64
# and a sixteenth per step on 512 rows; see docs/benchmarks.md.
ONE_AT_A_TIME = 32
DROP_FRACTION = 1 / 8


def eliminate_backward(
    evaluate: Callable[[np.ndarray], np.ndarray], start: np.ndarray
) -> np.ndarray:
    """Return the gates of ``start`` in the order backward elimination drops them.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(keep)`` with ``keep`` a float32 array of shape
        ``(n_subsets, n_gates)`` (1 = gate kept) returns the judge's mean loss
        of each subset, shape ``(n_subsets,)``.
    start : ndarray of bool of shape (n_gates,)
        The gates to eliminate from.

    Returns
    -------
    ndarray of int
        The gates of ``start``, first dropped first; the last is the gate
        that survives every step. Ties go to the earlier gate. While more
        than :data:`ONE_AT_A_TIME` gates are left, each step drops the
        eighth of them whose loss rises least.
    """
    keep = np.asarray(start, dtype=bool).copy()
    order = []
    while keep.sum() > 1:
        candidates = np.flatnonzero(keep)
        subsets = np.repeat(keep[None].astype(np.float32), len(candidates), axis=0)
        subsets[np.arange(len(candidates)), candidates] = 0.0
        losses = np.asarray(evaluate(subsets), dtype=np.float64)
        n_drop = 1
        if len(candidates) > ONE_AT_A_TIME:
            n_drop = int(len(candidates) * DROP_FRACTION)
        # The cheapest to lose first; a stable sort gives ties to the earlier.
        dropped = candidates[np.argsort(losses, kind="stable")[:n_drop]]
        keep[dropped] = False
        order.extend(dropped)
    order.extend(np.flatnonzero(keep))
    return np.asarray(order, dtype=np.int64)


def ranking_from_order(order: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Turn an elimination order into ranks (1 = the best gate).

    Parameters
    ----------
    order : ndarray of int
        Gates in the order they were eliminated (the last survived).
    probabilities : ndarray of shape (n_gates,)
        Keep probabilities: the gates left out of the elimination rank after
        the others, the more probable first.

    Returns
    -------
    ndarray of int of shape (n_gates,)
        The rank of each gate, 1 to ``n_gates``.
    """
    n_gates = probabilities.shape[0]
    rest = np.setdiff1d(np.arange(n_gates), order)
    rest = rest[np.argsort(-probabilities[rest], kind="stable")]
    best_first = np.concatenate([np.asarray(order, dtype=np.int64)[::-1], rest])
    ranking = np.empty(n_gates, dtype=np.int64)
    ranking[best_first] = np.arange(1, n_gates + 1)
    return ranking


def elimination_start(probabilities: np.ndarray) -> np.ndarray:
    """Return the gates elimination starts from: those the fit keeps at 0.5.

    At most :data:`MAX_ELIMINATED`, the most probable.
    """
    start = probabilities >= 0.5
    if start.sum() > MAX_ELIMINATED:
        top = np.argsort(-probabilities, kind="stable")[:MAX_ELIMINATED]
        start = np.zeros_like(start)
        start[top] = True
    return start


def eval_rows(n_samples: int) -> np.ndarray:
    """Evenly spaced rows to score subsets on (all of them when few)."""
    if n_samples <= MAX_EVAL_ROWS:
        return np.arange(n_samples)
    return np.unique(np.linspace(0, n_samples - 1, MAX_EVAL_ROWS).astype(np.int64))
