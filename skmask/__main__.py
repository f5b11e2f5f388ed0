"""Command line: ``python -m skmask demo`` (also the ``skmask`` script).

The demo fits a learned global mask in a scikit-learn Pipeline on data that
ships with scikit-learn (nothing is downloaded) and prints what it changed.
"""

from __future__ import annotations

import argparse
import sys
import time


def _tabular_demo(quick: bool, seed: int) -> dict:
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmask import LearnedMaskTransformer

    data = load_breast_cancer(as_frame=True)
    X = data.data
    rng = np.random.RandomState(seed)
    for i in range(20):
        X[f"noise {i}"] = rng.normal(size=len(X))
    X_train, X_test, y_train, y_test = train_test_split(
        X, data.target, test_size=0.3, stratify=data.target, random_state=seed
    )

    plain = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    plain.fit(X_train, y_train)

    mask = LearnedMaskTransformer(
        granularity="global",
        output="select",
        epochs=60 if quick else 200,
        random_state=seed,
    )
    masked = make_pipeline(mask, StandardScaler(), LogisticRegression(max_iter=1000))
    started = time.perf_counter()
    masked.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    kept = list(mask.get_feature_names_out())
    return {
        "n_columns": X.shape[1],
        "acc_plain": plain.score(X_test, y_test),
        "acc_masked": masked.score(X_test, y_test),
        "kept": kept,
        "noise_kept": [c for c in kept if c.startswith("noise")],
        "fit_seconds": seconds,
    }


def demo(argv: list[str] | None = None) -> int:
    """Run the demo.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments after ``demo``.

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m skmask demo")
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print("skmask demo: breast cancer (30 columns) + 20 pure-noise columns")
    print("fitting a task-driven global mask in a Pipeline ...", flush=True)
    r = _tabular_demo(args.quick, args.seed)
    print()
    print(f"{'model':<44}{'test accuracy':>14}")
    print(f"{'LogisticRegression on all columns':<44}{r['acc_plain']:>14.3f}")
    print(f"{'LogisticRegression after the learned mask':<44}{r['acc_masked']:>14.3f}")
    print()
    print(
        f"columns kept: {len(r['kept'])} of {r['n_columns']} "
        f"({len(r['noise_kept'])} of 20 noise columns) in {r['fit_seconds']:.1f} s"
    )
    print("kept:", ", ".join(r["kept"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m skmask`` and the ``skmask`` script.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status.
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "demo":
        print("usage: python -m skmask demo [--quick] [--seed N]", file=sys.stderr)
        return 2
    return demo(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
