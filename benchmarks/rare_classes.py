"""Task masks when one class is rare.

``make_classification`` with 3 informative and 9 noise columns, the
positive class at 50 %, 10 %, 3 % and 1 % of the rows; half the rows train
the mask (its defaults, instance-wise), half test it. Reports the share of
the informative columns kept on negative and positive test rows, the share
of noise columns kept, and the test average precision of
``HistGradientBoostingClassifier`` on plain vs masked input. Variants: the
default fit; ``sample_weight`` balancing the classes; ``sparsity`` scaled
by the label entropy (relative to a balanced binary label); and a global
mask.

    python benchmarks/rare_classes.py            # 6000 rows
    python benchmarks/rare_classes.py --quick    # CI smoke run
"""

import argparse

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight

from skmask import LearnedMaskTransformer

N_INFORMATIVE = 3


def _ap(X_train, y_train, X_test, y_test):
    model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
    return average_precision_score(y_test, model.predict_proba(X_test)[:, 1])


def _fit(variant, X, y, seed, epochs):
    params = {"random_state": seed}
    if epochs:
        params["epochs"] = epochs
    weights = None
    if variant == "balanced weights":
        weights = compute_sample_weight("balanced", y)
    elif variant == "entropy-scaled sparsity":
        q = y.mean()
        entropy = -(q * np.log(q) + (1 - q) * np.log(1 - q))
        params["sparsity"] = 0.15 * entropy / np.log(2)
    elif variant == "global":
        params["granularity"] = "global"
    return LearnedMaskTransformer(**params).fit(X, y, sample_weight=weights)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = 600 if args.quick else 6000
    rates = [0.1] if args.quick else [0.5, 0.1, 0.03, 0.01]
    variants = ["default", "balanced weights", "entropy-scaled sparsity", "global"]
    if args.quick:
        variants = variants[:2]
    print(f"n = {n} (half train, half test), seed {args.seed}")
    header = (
        f"{'positives':>9} {'variant':<24}{'inf. kept neg':>14}{'inf. kept pos':>14}"
        f"{'noise kept':>11}{'AP plain':>9}{'AP mask':>8}"
    )
    print(header)
    print("-" * len(header))
    for rate in rates:
        X, y = make_classification(
            n_samples=n,
            n_features=12,
            n_informative=N_INFORMATIVE,
            n_redundant=0,
            weights=[1 - rate],
            flip_y=0.01,
            shuffle=False,  # the informative columns come first
            random_state=args.seed,
        )
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.5, random_state=args.seed, stratify=y
        )
        plain = _ap(X_tr, y_tr, X_te, y_te)
        for variant in variants:
            mask = _fit(variant, X_tr, y_tr, args.seed, 5 if args.quick else None)
            M = mask.get_mask(X_te)
            pos = y_te == 1
            masked = _ap(mask.transform(X_tr), y_tr, mask.transform(X_te), y_te)
            print(
                f"{100 * rate:>8.0f}% {variant:<24}"
                f"{M[~pos, :N_INFORMATIVE].mean():>14.2f}"
                f"{M[pos, :N_INFORMATIVE].mean():>14.2f}"
                f"{M[:, N_INFORMATIVE:].mean():>11.3f}{plain:>9.3f}{masked:>8.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
