"""The learned selector with a perfect judge: where the INVASE gap comes from.

A task mask is judged, while its selector trains, by cross-fitted surrogate
predictors learned from the labels (``docs/design.md``, "Task-driven masks:
three phases"). This script trains the default
``LearnedMaskTransformer`` twice on the same rows:

- as shipped, judged by its learned surrogates, and
- judged instead by the task's **true** ``P(y | x_S)``: the generator's
  formula (:func:`skmask.datasets.invase_proba`) with the dropped features
  integrated out by Monte Carlo over ``N(0, 1)``, inside the selector's
  training step. Everything else (the selector, its cost, drop-out, leash
  and early stopping) is the estimator's own.

and prints TPR / FDR (%) on held-out rows for both, beside how much of each
relevant feature's true worth the learned judges see: for every feature,
on the held-out rows whose ground truth marks it, the mean gain (nats) of
keeping it on top of the row's other ground-truth features, under the
fitted judges (``predictor_``) and under the truth; ``judge / true`` is
their ratio. A ratio below 1 is a judge that undervalues the feature.

The true judge replaces the estimator's cross-fitted judge through a
patch of the private ``skmask.objectives.FoldSwitch`` (a diagnostic, not
an API).

    python benchmarks/invase_true_judge.py          # syn3, syn5, syn6; 10000 rows each
    python benchmarks/invase_true_judge.py --kinds syn1,syn2,syn3,syn4,syn5,syn6
    python benchmarks/invase_true_judge.py --kinds syn6 --drop-rate 0
    python benchmarks/invase_true_judge.py --quick  # CI smoke run
"""

import argparse
import contextlib
import time

import numpy as np

from skmask import LearnedMaskTransformer
from skmask.datasets import (
    _SWITCH,  # the generator's own switch and cases, not copies
    _SWITCHED,
    INVASE_KINDS,
    invase_proba,
    make_invase,
)
from skmask.metrics import mask_fdr, mask_tpr


def _log_odds_y0(case, x, tf):
    """log L of the INVASE paper (P(y = 0 | x) = L / (1 + L)), in TensorFlow.

    The TensorFlow twin of ``skmask.datasets._log_odds_y0`` (NumPy), for
    the selector's traced training step.
    """
    if case == "syn1":
        return x[..., 0] * x[..., 1]
    if case == "syn2":
        return tf.reduce_sum(x[..., 2:6] ** 2, axis=-1) - 4.0
    return (
        -10.0 * tf.sin(0.2 * x[..., 6])
        + tf.abs(x[..., 7])
        + x[..., 8]
        + tf.exp(-x[..., 9])
        - 2.4
    )


@contextlib.contextmanager
def true_judge(kind, mean, scale, n_draws):
    """Make task fits judge their selector with the true P(y | x_S).

    Parameters
    ----------
    kind : str
        The INVASE task.
    mean, scale : ndarray of shape (n_features,)
        The estimator's standardisation of the training rows (its network
        sees ``(x - mean) / scale``).
    n_draws : int
        Monte Carlo draws of the dropped features per judged view.
    """
    import tensorflow as tf

    from skmask import objectives

    mean = tf.constant(mean, tf.float32)
    scale = tf.constant(scale, tf.float32)

    class TrueJudge(objectives.FoldSwitch):
        # The selector's view is concat([z * m, m]); the output is the
        # logit of P(y = 1 | x_S), as the learned judges output.
        def call(self, view):
            d = view.shape[-1] // 2
            z, m = view[:, :d], view[:, d:]
            x = z * scale + mean
            noise = tf.random.normal((n_draws, tf.shape(view)[0], d))
            draws = m[None] * x[None] + (1.0 - m[None]) * noise
            if kind in _SWITCHED:
                low, high = _SWITCHED[kind]
                log_l = tf.where(
                    draws[..., _SWITCH] < 0,
                    _log_odds_y0(low, draws, tf),
                    _log_odds_y0(high, draws, tf),
                )
            else:
                log_l = _log_odds_y0(kind, draws, tf)
            p1 = tf.reduce_mean(tf.sigmoid(-tf.clip_by_value(log_l, -50.0, 50.0)), 0)
            p1 = tf.clip_by_value(p1, 1e-6, 1.0 - 1e-6)
            return tf.math.log(p1 / (1.0 - p1))[:, None]

    learned = objectives.FoldSwitch
    objectives.FoldSwitch = TrueJudge
    try:
        yield
    finally:
        objectives.FoldSwitch = learned


def _cross_entropy(p, q):
    q = np.clip(q, 1e-7, 1 - 1e-7)
    return -(p * np.log(q) + (1 - p) * np.log(1 - q))


def judge_gains(est, kind, X, truth, n_draws, rng):
    """Mean gain of each relevant feature on top of its row's other relevant ones.

    Returns
    -------
    judged, true : ndarray of shape (n_features,)
        Under the fitted judges and under the truth; NaN where no row marks
        the feature.
    """
    import keras

    p = invase_proba(kind, X)
    Z = ((X - est.input_mean_) / est.input_scale_).astype(np.float32)

    def judged_q(keep):
        view = np.concatenate([Z * keep, keep], axis=1).astype(np.float32)
        logits = keras.ops.convert_to_numpy(est.predictor_(view, training=False))
        return 1.0 / (1.0 + np.exp(-logits[:, 0]))

    def true_q(keep):
        total = np.zeros(len(X))
        for _ in range(n_draws):
            total += invase_proba(kind, np.where(keep > 0, X, rng.normal(size=X.shape)))
        return total / n_draws

    judged = np.full(X.shape[1], np.nan)
    true = np.full(X.shape[1], np.nan)
    keep = truth.astype(np.float32)
    base_judged = _cross_entropy(p, judged_q(keep))
    base_true = _cross_entropy(p, true_q(keep))
    for j in range(X.shape[1]):
        rows = truth[:, j] > 0
        if not rows.any():
            continue
        without = keep.copy()
        without[:, j] = 0.0
        judged[j] = (_cross_entropy(p, judged_q(without)) - base_judged)[rows].mean()
        true[j] = (_cross_entropy(p, true_q(without)) - base_true)[rows].mean()
    return judged, true


def _fit(X_train, y_train, X_test, mask_test, seed, params, judge, drop_rate=None):
    """Fit the default mask; return it and its table cell."""
    cls = LearnedMaskTransformer
    if drop_rate is not None:
        # A private class attribute, which fit's training clone keeps only
        # on a subclass.
        cls = type("DropRateMask", (cls,), {"_selector_drop_rate": drop_rate})
    est = cls(random_state=seed, **params)
    started = time.perf_counter()
    est.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    pred = (est.predict_mask(X_test) >= est.threshold).astype(int)
    cell = (
        f"{judge} judges {100 * mask_tpr(mask_test, pred):5.1f} / "
        f"{100 * mask_fdr(mask_test, pred):4.1f} ({seconds:.0f} s)"
    )
    return est, [cell]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="training (and test) rows")
    parser.add_argument("--kinds", default="syn3,syn5,syn6")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--draws", type=int, default=None, help="Monte Carlo draws per judged view"
    )
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=None,
        help="the selector's drop-out under the true judge (default: the "
        "estimator's, 0.25)",
    )
    args = parser.parse_args()
    n = args.n or (300 if args.quick else 10000)
    n_draws = args.draws or (8 if args.quick else 64)
    kinds = args.kinds.split(",")[:1] if args.quick else args.kinds.split(",")
    unknown = sorted(set(kinds) - set(INVASE_KINDS))
    if unknown:
        parser.error(f"unknown kinds {unknown}; choose from {INVASE_KINDS}")
    params = {"epochs": 5} if args.quick else {}
    print(
        f"n_train = n_test = {n}, seed {args.seed}, {n_draws} draws per judged view; "
        "TPR / FDR %, fit s"
    )
    rng = np.random.RandomState(args.seed)
    for kind in kinds:
        X, y, M = make_invase(kind, n_samples=2 * n, random_state=args.seed)
        X_tr, y_tr, X_te, M_te = X[:n], y[:n], X[n:], M[n:]
        learned, cells = _fit(X_tr, y_tr, X_te, M_te, args.seed, params, "learned")
        # The estimator standardises the training rows as the learned fit did.
        with true_judge(kind, learned.input_mean_, learned.input_scale_, n_draws):
            cells += _fit(
                X_tr, y_tr, X_te, M_te, args.seed, params, "true", args.drop_rate
            )[1]
        print(f"{kind}: " + " | ".join(cells), flush=True)
        judged, true = judge_gains(
            learned, kind, X_te[:3000], M_te[:3000], 4 if args.quick else 128, rng
        )
        for j in np.flatnonzero(~np.isnan(true)):
            print(
                f"    x{j + 1:<3} gain judged {judged[j]:.4f}  true {true[j]:.4f}  "
                f"judge / true {judged[j] / true[j]:.2f}"
            )


if __name__ == "__main__":
    main()
