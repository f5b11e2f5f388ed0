"""Explaining a fitted model: masks learned from its classes or probabilities.

For each INVASE task, a ``HistGradientBoostingClassifier`` is fitted on
n_train rows; then four task masks (``LearnedMaskTransformer`` defaults) are
fitted on the same rows, each from another target:

- ``labels``: the labels ``y`` (what the mask keeps predicts y);
- ``model classes``: the model's ``predict`` (what the mask keeps decides the
  model's class);
- ``model probabilities``: the model's ``predict_proba`` with
  ``target_type='probabilities'`` (what the mask keeps predicts the model's
  probabilities);
- ``truth``: the task's true ``P(y | x)`` with the same target type, the
  probabilities of a perfect model.

On n_test fresh rows the table reports each mask's TPR/FDR (per-row means,
%) against the task's ground truth, and its *post-hoc accuracy* (Chen et
al. 2018, L2X): how often the model's class on the masked row (dropped
features set to 0, their mean here) equals its class on the full row.

    python benchmarks/explain_model.py              # n_train = n_test = 10000
    python benchmarks/explain_model.py --quick      # CI smoke run
    python benchmarks/explain_model.py --kinds syn4,syn5 --seed 1
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from skmask import LearnedMaskTransformer
from skmask.datasets import INVASE_KINDS, invase_proba, make_invase
from skmask.metrics import mask_fdr, mask_tpr


def run(kind, n, quick, seed):
    X, y, M = make_invase(kind, n_samples=2 * n, random_state=seed)
    X_tr, y_tr, X_te, M_te = X[:n], y[:n], X[n:], M[n:]
    model = HistGradientBoostingClassifier(random_state=seed).fit(X_tr, y_tr)
    full_class = model.predict(X_te)
    true_p = invase_proba(kind, X_tr)
    targets = {
        "labels": ("auto", y_tr),
        "classes": ("auto", model.predict(X_tr)),
        "model": ("probabilities", model.predict_proba(X_tr)),
        "truth": ("probabilities", np.column_stack([1 - true_p, true_p])),
    }
    params = {"epochs": 10} if quick else {}
    row = {"kind": kind}
    for name, (target_type, target) in targets.items():
        started = time.perf_counter()
        mask = LearnedMaskTransformer(
            target_type=target_type, random_state=seed, **params
        ).fit(X_tr, target)
        seconds = time.perf_counter() - started
        kept = mask.get_mask(X_te)
        row[name] = (
            100 * mask_tpr(M_te, kept),
            100 * mask_fdr(M_te, kept),
            100 * np.mean(model.predict(X_te * kept) == full_class),
            seconds,
        )
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(INVASE_KINDS))
    args = parser.parse_args(argv)
    n = 400 if args.quick else 10000
    kinds = ["syn4"] if args.quick else args.kinds.split(",")
    print(f"n_train = n_test = {n}, d = 11, seed {args.seed}")
    print("TPR / FDR / post-hoc accuracy (%), fit s; masks fitted on:")
    names = ("labels", "model classes", "model probabilities", "true probabilities")
    header = f"{'task':6} " + " ".join(f"{name:>26}" for name in names)
    print(header)
    for kind in kinds:
        row = run(kind, n, args.quick, args.seed)
        cells = " ".join(
            "{:>26}".format("{:.1f} / {:.1f} / {:.1f}, {:.0f} s".format(*row[name]))
            for name in ("labels", "classes", "model", "truth")
        )
        print(f"{kind:6} {cells}", flush=True)


if __name__ == "__main__":
    main()
