"""What a task mask costs a downstream model on small real tables.

The tables that ship with scikit-learn (iris, wine, breast cancer, digits as
64 pixel columns, diabetes), where which columns matter is unknown. For
each, the 3-fold cross-validated score of the same downstream model on
plain input and behind ``LearnedMaskTransformer`` (task objective, its
defaults otherwise) in a Pipeline: instance masks applied as ``'multiply'``
(the default), ``'fill'`` (column means) and ``'concat'`` (x·m and the
mask), and a global mask with ``'select'``. Downstream: ``StandardScaler``
+ ``LogisticRegression`` for classes, ``RidgeCV`` for diabetes (R²); also
``HistGradientBoosting*`` with ``--downstream hgb``. "kept" is the share of
entries the instance mask keeps (``'multiply'``, on the training folds).

    python benchmarks/real_tables.py                     # all five tables
    python benchmarks/real_tables.py --downstream hgb
    python benchmarks/real_tables.py --quick             # CI smoke run
"""

import argparse
import time

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmask import LearnedMaskTransformer

TABLES = {
    "iris": (load_iris, "classes"),
    "wine": (load_wine, "classes"),
    "breast cancer": (load_breast_cancer, "classes"),
    "digits": (load_digits, "classes"),
    "diabetes": (load_diabetes, "regression"),
}
VARIANTS = {
    "multiply": {},
    "fill": {"output": "fill"},
    "concat": {"output": "concat"},
    "global select": {"granularity": "global", "output": "select"},
}


def _downstream(kind, name):
    if name == "hgb":
        if kind == "classes":
            return HistGradientBoostingClassifier(random_state=0)
        return HistGradientBoostingRegressor(random_state=0)
    if kind == "classes":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return RidgeCV()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--downstream", choices=["lr", "hgb"], default="lr")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tables = ["iris", "diabetes"] if args.quick else list(TABLES)
    variants = ["multiply", "global select"] if args.quick else list(VARIANTS)
    folds = 2 if args.quick else 3
    epochs = {"epochs": 3} if args.quick else {}
    print(f"{folds}-fold CV, downstream {args.downstream}, seed {args.seed}")
    header = f"{'table':<14}{'plain':>7}" + "".join(f"{v:>15}" for v in variants)
    header += f"{'kept':>6}{'fit s':>7}"
    print(header)
    print("-" * len(header))
    for name in tables:
        load, kind = TABLES[name]
        X, y = load(return_X_y=True)
        split = StratifiedKFold if kind == "classes" else KFold
        cv = split(folds, shuffle=True, random_state=args.seed)
        plain = cross_validate(_downstream(kind, args.downstream), X, y, cv=cv)
        row = f"{name:<14}{plain['test_score'].mean():>7.3f}"
        for variant in variants:
            mask = LearnedMaskTransformer(
                random_state=args.seed, **VARIANTS[variant], **epochs
            )
            pipe = make_pipeline(mask, _downstream(kind, args.downstream))
            result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
            row += f"{result['test_score'].mean():>15.3f}"
            if variant == "multiply":
                kept = np.mean([p[0].keep_fraction_ for p in result["estimator"]])
                seconds = np.mean(result["fit_time"])
        print(row + f"{kept:>6.2f}{seconds:>7.1f}", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - started:.0f} s")
