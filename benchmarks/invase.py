"""INVASE benchmark: instance-wise task-driven masks on syn1-syn6.

For each task: fit ``LearnedMaskTransformer`` with its default hyperparameters
(binary, instance-wise, task objective) on n_train rows, then on n_test fresh
rows report the mask's TPR/FDR (per-row means, %), the fit time, and the test
AUROC of the same downstream model (HistGradientBoostingClassifier) trained on
masked vs unmasked input. ``SelectFromModel(RandomForestClassifier())`` is
measured in the same run as the reference (a global mask).

    python benchmarks/invase.py            # n_train = n_test = 10000, d = 11
    python benchmarks/invase.py --quick    # CI smoke run
    python benchmarks/invase.py --mask-type weighted   # masks in [0, 1]
    python benchmarks/invase.py --folds 4  # four cross-fitted judges, not two

Weighted masks are scored as kept where their value reaches ``threshold``
(0.5), the entries ``get_support``-style decisions would keep.
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_selection import SelectFromModel
from sklearn.metrics import roc_auc_score

from skmask import LearnedMaskTransformer
from skmask.datasets import INVASE_KINDS, make_invase
from skmask.metrics import mask_fdr, mask_tpr


def _auroc(X_train, y_train, X_test, y_test):
    model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
    return roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])


def run(kind, n, quick, seed, mask_type="binary", network="auto"):
    X, y, M = make_invase(kind, n_samples=2 * n, random_state=seed)
    X_tr, y_tr, X_te, y_te, M_te = X[:n], y[:n], X[n:], y[n:], M[n:]
    params = {"epochs": 10} if quick else {}
    started = time.perf_counter()
    mask = LearnedMaskTransformer(
        random_state=seed, mask_type=mask_type, network=network, **params
    )
    mask.fit(X_tr, y_tr)
    seconds = time.perf_counter() - started
    pred = (mask.predict_mask(X_te) >= mask.threshold).astype(int)
    row = {
        "kind": kind,
        "tpr": 100 * mask_tpr(M_te, pred),
        "fdr": 100 * mask_fdr(M_te, pred),
        "seconds": seconds,
        "auc_plain": _auroc(X_tr, y_tr, X_te, y_te),
        "auc_masked": _auroc(mask.transform(X_tr), y_tr, mask.transform(X_te), y_te),
    }
    started = time.perf_counter()
    rf = SelectFromModel(RandomForestClassifier(n_estimators=100, random_state=seed))
    rf.fit(X_tr, y_tr)
    support = np.broadcast_to(rf.get_support(), M_te.shape).astype(int)
    row["rf_tpr"] = 100 * mask_tpr(M_te, support)
    row["rf_fdr"] = 100 * mask_fdr(M_te, support)
    row["rf_seconds"] = time.perf_counter() - started
    row["rf_auc"] = _auroc(rf.transform(X_tr), y_tr, rf.transform(X_te), y_te)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="rows for train and test")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(INVASE_KINDS))
    parser.add_argument("--mask-type", choices=("binary", "weighted"), default="binary")
    parser.add_argument(
        "--network",
        choices=("auto", "mlp", "leave_one_out"),
        default="auto",
        help="the mask network (auto: leave-one-out for these task masks)",
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
    n = args.n or (600 if args.quick else 10000)
    kinds = args.kinds.split(",")[:2] if args.quick else args.kinds.split(",")
    print(
        f"n_train = n_test = {n}, d = 11, seed {args.seed}, {args.mask_type} masks, "
        f"network={args.network!r}, {LearnedMaskTransformer._n_folds} folds"
    )
    header = (
        f"{'task':<6}{'TPR %':>7}{'FDR %':>7}{'fit s':>7}{'AUC plain':>10}"
        f"{'AUC mask':>9} | {'RF TPR':>7}{'RF FDR':>7}{'RF s':>6}{'RF AUC':>7}"
    )
    print(header)
    print("-" * len(header))
    for kind in kinds:
        r = run(kind, n, args.quick, args.seed, args.mask_type, args.network)
        print(
            f"{r['kind']:<6}{r['tpr']:>7.1f}{r['fdr']:>7.1f}{r['seconds']:>7.1f}"
            f"{r['auc_plain']:>10.3f}{r['auc_masked']:>9.3f} | "
            f"{r['rf_tpr']:>7.1f}{r['rf_fdr']:>7.1f}{r['rf_seconds']:>6.1f}"
            f"{r['rf_auc']:>7.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
