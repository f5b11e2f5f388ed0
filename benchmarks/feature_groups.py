"""One-hot categoricals with and without ``feature_groups``.

A table of 4 categorical features (3, 5, 8 and 12 levels), one-hot encoded,
and 6 numeric columns. The label depends on two of the categoricals (5 and
8 levels) and two numeric columns; the other columns are noise. The mask
(its defaults, instance-wise and global) is fitted on the one-hot table
with one gate per column, then with one gate per categorical
(``feature_groups``). On held-out rows it reports, per variant: the share
of rows on which some informative categorical is *split* (part of its
dummy columns kept, part dropped), the share of rows keeping every
informative feature whole, the mean number of noise features kept per row
(a categorical counts once), the held-out accuracy of
``LogisticRegression`` and ``HistGradientBoostingClassifier`` on the
masked input (``output='fill'``: dropped columns at their mean), and fit
seconds.

    python benchmarks/feature_groups.py            # 4000 rows, seeds 0, 1, 2
    python benchmarks/feature_groups.py --quick    # CI smoke run
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from skmask import LearnedMaskTransformer

LEVELS = (3, 5, 8, 12)
INFORMATIVE_CATEGORICALS = (1, 2)
N_NUMERIC = 6
INFORMATIVE_NUMERIC = (0, 1)


def make_table(n, seed):
    """Return one-hot X, y, each column's feature label, informative labels."""
    rng = np.random.RandomState(seed)
    codes = np.column_stack([rng.randint(k, size=n) for k in LEVELS])
    numeric = rng.normal(size=(n, N_NUMERIC))
    # Each level of an informative categorical has its own random effect.
    effects = [rng.normal(scale=1.5, size=k) for k in LEVELS]
    logit = sum(effects[j][codes[:, j]] for j in INFORMATIVE_CATEGORICALS)
    logit = (
        logit + numeric[:, INFORMATIVE_NUMERIC[0]] - numeric[:, INFORMATIVE_NUMERIC[1]]
    )
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    encoder = OneHotEncoder(sparse_output=False).fit(codes)
    X = np.column_stack([encoder.transform(codes), numeric])
    labels = [f"c{j}" for j, k in enumerate(LEVELS) for _ in range(k)]
    labels += [f"x{j}" for j in range(N_NUMERIC)]
    informative = {f"c{j}" for j in INFORMATIVE_CATEGORICALS}
    informative |= {f"x{j}" for j in INFORMATIVE_NUMERIC}
    return X, y, np.array(labels), informative


def _accuracy(model, X_train, y_train, X_test, y_test):
    return model.fit(X_train, y_train).score(X_test, y_test)


def run(seed, n, epochs, granularity, grouped):
    X, y, labels, informative = make_table(2 * n, seed)
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    params = {"granularity": granularity, "output": "fill", "random_state": seed}
    if epochs:
        params["epochs"] = epochs
    if grouped:
        params["feature_groups"] = labels
    started = time.perf_counter()
    mask = LearnedMaskTransformer(**params).fit(X_train, y_train)
    seconds = time.perf_counter() - started
    kept = mask.get_mask(X_test).astype(bool)
    split = np.zeros(len(X_test), dtype=bool)
    whole = np.ones(len(X_test), dtype=bool)
    noise = np.zeros(len(X_test))
    for name in np.unique(labels):
        columns = kept[:, labels == name]
        some, every = columns.any(axis=1), columns.all(axis=1)
        if name in informative:
            split |= some & ~every
            whole &= every
        else:
            noise += some
    row = {
        "split %": 100 * split.mean(),
        "whole %": 100 * whole.mean(),
        "noise kept": noise.mean(),
        "LR": _accuracy(
            LogisticRegression(max_iter=2000),
            mask.transform(X_train),
            y_train,
            mask.transform(X_test),
            y_test,
        ),
        "HGB": _accuracy(
            HistGradientBoostingClassifier(random_state=0),
            mask.transform(X_train),
            y_train,
            mask.transform(X_test),
            y_test,
        ),
        "fit s": seconds,
    }
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    n, epochs, seeds = (400, 3, 1) if args.quick else (4000, None, args.seeds)
    print(
        "| seed | granularity | gates | split % | whole % | noise kept | "
        "LR acc | HGB acc | fit s |"
    )
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed in range(seeds):
        X, y, _, _ = make_table(2 * n, seed)
        plain = (
            _accuracy(LogisticRegression(max_iter=2000), X[:n], y[:n], X[n:], y[n:]),
            _accuracy(
                HistGradientBoostingClassifier(random_state=0),
                X[:n],
                y[:n],
                X[n:],
                y[n:],
            ),
        )
        print(f"| {seed} | (no mask) | | | | | {plain[0]:.3f} | {plain[1]:.3f} | |")
        for granularity in ("instance",) if args.quick else ("instance", "global"):
            for grouped in (False, True):
                r = run(seed, n, epochs, granularity, grouped)
                gates = "per group" if grouped else "per column"
                print(
                    f"| {seed} | {granularity} | {gates} | {r['split %']:.1f} | "
                    f"{r['whole %']:.1f} | {r['noise kept']:.2f} | {r['LR']:.3f} | "
                    f"{r['HGB']:.3f} | {r['fit s']:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
