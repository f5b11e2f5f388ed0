"""Select exactly k columns: global masks with ``max_features`` vs scikit-learn.

A global ``LearnedMaskTransformer`` with ``max_features=k, threshold=0``
keeps the k columns of highest keep probability. Each mask is fitted once per
table, and every k is read from that one fit (``max_features`` needs no
refit). Compared in the same run with ``SelectKBest`` (univariate F-test) and
``SelectFromModel(RandomForest(100), max_features=k)``. Per table and k: the
share of the selected columns that are relevant (%; the synthetic tables know
theirs; breast cancer counts its 30 real columns against 20 added noise
columns), and the held-out score (accuracy or R²) of
HistGradientBoosting on the selected columns. Fit seconds are per selector
and table.

    python benchmarks/select_k.py            # n_train = n_test = 1000, seed 0
    python benchmarks/select_k.py --quick    # CI smoke run
"""

import argparse
import time

import numpy as np
from _shared import downstream_score
from sklearn.datasets import load_breast_cancer, make_classification, make_friedman1
from sklearn.ensemble import (
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_selection import (
    SelectFromModel,
    SelectKBest,
    f_classif,
    f_regression,
)

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase


def _tables(n, seed):
    """Yield (name, X, y, relevant columns, is_regression, ks)."""
    X, y = make_friedman1(n_samples=2 * n, n_features=30, noise=0.5, random_state=seed)
    yield "friedman1 d=30", X, y, np.arange(5), True, (5,)
    X, y = make_classification(
        n_samples=2 * n,
        n_features=50,
        n_informative=5,
        n_redundant=0,
        n_repeated=0,
        shuffle=False,
        random_state=seed,
    )
    yield "classification d=50", X, y, np.arange(5), False, (5,)
    # syn4 reads x1..x6 and the switch x11 (columns 0..5 and 10).
    X, y, _ = make_invase("syn4", n_samples=2 * n, n_features=50, random_state=seed)
    yield "syn4 d=50", X, y, np.r_[0:6, 10], False, (7,)
    data = load_breast_cancer()
    rng = np.random.RandomState(seed)
    idx = rng.permutation(len(data.target))
    X = np.hstack([data.data, rng.normal(size=(len(idx), 20))])[idx]
    yield "breast cancer+20 noise", X, data.target[idx], np.arange(30), False, (5, 10)


def _selectors(regression, seed, quick):
    params = {"epochs": 10} if quick else {}
    forest = RandomForestRegressor if regression else RandomForestClassifier
    return {
        "skmask task": LearnedMaskTransformer(
            granularity="global", threshold=0.0, random_state=seed, **params
        ),
        "skmask reconstruction": LearnedMaskTransformer(
            granularity="global",
            objective="reconstruction",
            threshold=0.0,
            random_state=seed,
            **params,
        ),
        "SelectKBest(F-test)": SelectKBest(f_regression if regression else f_classif),
        "SelectFromModel(RF)": SelectFromModel(
            forest(n_estimators=100, random_state=seed, n_jobs=2), threshold=-np.inf
        ),
    }


def _support(selector, k):
    """Columns the fitted selector keeps at k (no refit)."""
    if isinstance(selector, LearnedMaskTransformer):
        selector.set_params(max_features=k, output="select")
    elif isinstance(selector, SelectKBest):
        selector.set_params(k=k)
    else:
        selector.set_params(max_features=k)
    return selector.get_support(indices=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="training rows")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 1000)
    tables = list(_tables(n, args.seed))
    if args.quick:
        tables = tables[1:2]
    print(f"n_train = n_test = {n} (breast cancer: half each), seed {args.seed}")
    header = (
        f"{'table':<24}{'k':>4}  {'selector':<24}"
        f"{'relevant %':>11}{'score':>8}{'fit s':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, X, y, relevant, regression, ks in tables:
        half = len(y) // 2
        X_train, y_train, X_test, y_test = X[:half], y[:half], X[half:], y[half:]
        all_score = downstream_score(regression, X_train, y_train, X_test, y_test)
        print(f"{name:<24}{'all':>4}  {'(no selection)':<24}{'':>11}{all_score:>8.3f}")
        for label, selector in _selectors(regression, args.seed, args.quick).items():
            start = time.perf_counter()
            if isinstance(selector, LearnedMaskTransformer) and (
                selector.objective == "reconstruction"
            ):
                selector.fit(X_train)
            else:
                selector.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            for k in ks:
                cols = _support(selector, k)
                share = 100 * np.isin(cols, relevant).mean()
                score = downstream_score(
                    regression, X_train[:, cols], y_train, X_test[:, cols], y_test
                )
                print(
                    f"{name:<24}{k:>4}  {label:<24}{share:>11.1f}{score:>8.3f}"
                    f"{seconds:>7.1f}"
                )


if __name__ == "__main__":
    main()
