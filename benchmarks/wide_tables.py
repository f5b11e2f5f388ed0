"""Task masks on wider tables: do they drop the noise columns?

Default ``LearnedMaskTransformer`` (binary, instance-wise, task objective) on
tables with many irrelevant columns, fitted twice in the same run: with the
task predictor reading dropped entries as learned mask tokens (the default)
and, for comparison, with the mask bits as extra predictor inputs (the
design before the fifth session). Per table: TPR/FDR of the mask against the
relevant columns (%, per-row means), columns kept per row, fit seconds, and
the held-out score (accuracy or R²) of the same downstream model
(HistGradientBoosting) on unmasked and masked input.

    python benchmarks/wide_tables.py            # n_train = n_test = 2000
    python benchmarks/wide_tables.py --quick    # CI smoke run
    # one cost per column whatever the width (sparsity = cost * n_features):
    python benchmarks/wide_tables.py --column-cost 0.0136 --designs tokens
    # four cross-fitted judges per task mask instead of two:
    python benchmarks/wide_tables.py --designs tokens --folds 4
    # the default, and on tables over 128 columns the default without its
    # screen of the gates:
    python benchmarks/wide_tables.py --designs screen
"""

import argparse
import time

import numpy as np
from _shared import downstream_score
from sklearn.datasets import load_breast_cancer, make_classification, make_friedman1

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase
from skmask.metrics import mask_fdr, mask_tpr
from skmask.objectives import LOCAL_GRADIENT_MAX_ENTRIES


class MaskBitsTransformer(LearnedMaskTransformer):
    """The former design: the task predictor takes ``concat([x * m, m])``."""

    _mask_tokens = False


class UnscreenedTransformer(LearnedMaskTransformer):
    """Before the screen: wide rows keep every gate for the selector."""

    _screens_wide_rows = False


def _tables(n, seed):
    """Yield (name, X, y, relevant-columns mask per row, is_regression)."""
    X, y = make_friedman1(n_samples=2 * n, n_features=30, noise=0.5, random_state=seed)
    yield "friedman1 d=30", X, y, _columns(X, 5), True
    for d in (50, 200):
        X, y = make_classification(
            n_samples=2 * n,
            n_features=d,
            n_informative=5,
            n_redundant=0,
            n_repeated=0,
            shuffle=False,
            random_state=seed,
        )
        yield f"classification d={d}", X, y, _columns(X, 5), False
    data = load_breast_cancer()
    rng = np.random.RandomState(seed)
    idx = rng.permutation(len(data.target))
    X = np.hstack([data.data, rng.normal(size=(len(idx), 20))])[idx]
    # Which of the 30 real columns matter is unknown: scored against all 30.
    yield "breast cancer+20 noise", X, data.target[idx], _columns(X, 30), False
    for kind in ("syn1", "syn4"):
        X, y, M = make_invase(kind, n_samples=2 * n, n_features=50, random_state=seed)
        yield f"{kind} d=50", X, y, M, False


def _columns(X, k):
    truth = np.zeros(X.shape, dtype=int)
    truth[:, :k] = 1
    return truth


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="rows for train and test")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--column-cost",
        type=float,
        default=None,
        help="sparsity = this cost per column times the table's width "
        "(default: the estimator's sparsity)",
    )
    parser.add_argument(
        "--designs",
        choices=["both", "tokens", "screen"],
        default="both",
        help="fit the mask-bits design too, or only the default (tokens), or "
        "the default and, on tables wider than the local gradient takes, the "
        "default without its screen of the gates",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=None,
        help="cross-fitted judges of the task masks (default: the class's, 2)",
    )
    args = parser.parse_args()
    if args.folds is not None:
        # A class attribute, not a parameter (docs/design.md, "More folds").
        LearnedMaskTransformer._n_folds = args.folds
    n = args.n or (300 if args.quick else 2000)
    params = {"epochs": 5} if args.quick else {}
    print(
        f"n_train = n_test = {n} (breast cancer: half of its 569 rows each), "
        f"seed {args.seed}, {LearnedMaskTransformer._n_folds} folds"
    )
    header = (
        f"{'table':<24}{'design':<16}{'TPR %':>7}{'FDR %':>7}{'kept':>6}"
        f"{'fit s':>7}{'plain':>7}{'masked':>8}"
    )
    print(header)
    print("-" * len(header))
    for t, (name, X, y, truth, regression) in enumerate(_tables(n, args.seed)):
        if args.quick and t > 0:
            break
        half = len(y) // 2
        X_tr, y_tr, X_te, y_te = X[:half], y[:half], X[half:], y[half:]
        plain = downstream_score(regression, X_tr, y_tr, X_te, y_te)
        designs = [("tokens", LearnedMaskTransformer)]
        if args.designs == "both":
            designs.append(("mask bits", MaskBitsTransformer))
        if args.designs == "screen" and X.shape[1] > LOCAL_GRADIENT_MAX_ENTRIES:
            designs.append(("no screen", UnscreenedTransformer))
        fit_params = dict(params)
        if args.column_cost is not None:
            fit_params["sparsity"] = args.column_cost * X.shape[1]
        for label, cls in designs:
            started = time.perf_counter()
            mask = cls(random_state=args.seed, **fit_params).fit(X_tr, y_tr)
            seconds = time.perf_counter() - started
            pred = mask.get_mask(X_te)
            masked = downstream_score(
                regression, mask.transform(X_tr), y_tr, mask.transform(X_te), y_te
            )
            print(
                f"{name:<24}{label:<16}{100 * mask_tpr(truth[half:], pred):>7.1f}"
                f"{100 * mask_fdr(truth[half:], pred):>7.1f}{pred.sum(1).mean():>6.1f}"
                f"{seconds:>7.1f}{plain:>7.3f}{masked:>8.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
