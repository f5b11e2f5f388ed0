"""Missing values: task masks on INVASE tasks with entries missing at random.

For each task and missing rate: hide that share of the entries (NaN,
completely at random, the same for train and test rows), fit
``LearnedMaskTransformer`` with its defaults, and report on held-out rows
the mask's TPR/FDR against the relevant *observed* entries, the fit time,
and the test AUROC of ``HistGradientBoostingClassifier`` on the plain and
the masked input (``output='multiply'``: missing entries stay NaN).
``--observed-switch`` never hides x11, the feature that picks the regime
of syn4-syn6.

    python benchmarks/missing_values.py            # n_train = n_test = 10000
    python benchmarks/missing_values.py --quick    # CI smoke run
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase


def _auroc(X_train, y_train, X_test, y_test):
    model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
    return roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])


def run(kind, rate, n, quick, seed, observed_switch):
    X, y, truth = make_invase(kind, n_samples=2 * n, random_state=seed)
    hidden = np.random.RandomState(seed + 1).rand(*X.shape) < rate
    if observed_switch:
        hidden[:, 10] = False
    X = np.where(hidden, np.nan, X)
    X_tr, y_tr, X_te, y_te = X[:n], y[:n], X[n:], y[n:]
    relevant = truth[n:] * ~hidden[n:]  # relevant and observed
    params = {"epochs": 5} if quick else {}
    started = time.perf_counter()
    mask = LearnedMaskTransformer(random_state=seed, **params).fit(X_tr, y_tr)
    seconds = time.perf_counter() - started
    pred = mask.get_mask(X_te)
    rows = relevant.sum(axis=1) > 0
    tpr = ((pred * relevant).sum(axis=1)[rows] / relevant.sum(axis=1)[rows]).mean()
    fdr = ((pred * (1 - relevant)).sum(axis=1) / np.maximum(pred.sum(axis=1), 1)).mean()
    return {
        "tpr": 100 * tpr,
        "fdr": 100 * fdr,
        "seconds": seconds,
        "plain": _auroc(X_tr, y_tr, X_te, y_te),
        "masked": _auroc(mask.transform(X_tr), y_tr, mask.transform(X_te), y_te),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="rows for train and test")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default="syn1,syn2,syn4")
    parser.add_argument("--rates", default="0,0.2")
    parser.add_argument("--observed-switch", action="store_true")
    args = parser.parse_args()
    n = args.n or (400 if args.quick else 10000)
    kinds = args.kinds.split(",")[:1] if args.quick else args.kinds.split(",")
    rates = [float(r) for r in args.rates.split(",")]
    print(f"n_train = n_test = {n}, d = 11, seed {args.seed}")
    header = (
        f"{'task':<6}{'missing':>8}{'TPR %':>7}{'FDR %':>7}{'fit s':>7}"
        f"{'AUC plain':>10}{'AUC mask':>9}"
    )
    print(header)
    print("-" * len(header))
    for kind in kinds:
        for rate in rates:
            r = run(kind, rate, n, args.quick, args.seed, args.observed_switch)
            print(
                f"{kind:<6}{rate:>8.0%}{r['tpr']:>7.1f}{r['fdr']:>7.1f}"
                f"{r['seconds']:>7.1f}{r['plain']:>10.3f}{r['masked']:>9.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
