"""Command line: ``python -m skmask demo`` (also the ``skmask`` script).

The demo fits learned masks in scikit-learn Pipelines on data that ships with
the packages (nothing is downloaded): a table (breast cancer plus noise
columns), synthetic series and digits in noisy canvases. It prints one table
(accuracy without and with the mask, what was kept, fit seconds) and writes
figures of the masks as PNG files into ``--out``.
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
    noise_kept = [c for c in kept if c.startswith("noise")]
    return {
        "name": "tables: breast cancer + 20 noise columns",
        "acc_plain": plain.score(X_test, y_test),
        "acc_masked": masked.score(X_test, y_test),
        "kept": f"{len(kept)}/{X.shape[1]} columns ({len(noise_kept)} noise)",
        "fit_seconds": seconds,
        "estimator": mask,
        "X": X_test,
        "detail": "kept: " + ", ".join(kept),
    }


def _series_demo(quick: bool, seed: int) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skmask import SequenceMaskTransformer
    from skmask.datasets import make_sequence_mask
    from skmask.metrics import mask_tpr

    n = 300 if quick else 600
    X, y, truth = make_sequence_mask(n_samples=2 * n, random_state=seed)
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    plain = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    mask = SequenceMaskTransformer(epochs=30 if quick else 60, random_state=seed)
    masked = make_pipeline(mask, LogisticRegression(max_iter=2000))
    started = time.perf_counter()
    masked.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    predicted = mask.get_mask(X_test)
    return {
        "name": "series: a 12-step pattern in 64 noisy steps",
        "acc_plain": plain.score(X_test, y_test),
        "acc_masked": masked.score(X_test, y_test),
        "kept": f"{predicted.mean():.0%} of steps",
        "fit_seconds": seconds,
        "estimator": mask,
        "X": X_test,
        "detail": f"pattern steps kept (TPR): {mask_tpr(truth[n:], predicted):.0%}",
    }


def _image_demo(quick: bool, seed: int) -> dict:
    from skmask import ImageMaskTransformer
    from skmask.datasets import make_image_mask
    from skmask.metrics import mask_iou

    n = 300 if quick else 800
    X, _, truth = make_image_mask(n_samples=2 * n, canvas_size=16, random_state=seed)
    mask = ImageMaskTransformer(epochs=10 if quick else 40, random_state=seed)
    started = time.perf_counter()
    mask.fit(X[:n], mask=truth[:n])
    seconds = time.perf_counter() - started
    predicted = mask.get_mask(X[n:])
    iou = mask_iou(truth[n:].reshape(n, -1), predicted.reshape(n, -1))
    return {
        "name": "images: digits in 16x16 noisy canvases",
        "acc_plain": None,
        "acc_masked": None,
        "kept": f"{predicted.mean():.0%} of pixels",
        "fit_seconds": seconds,
        "estimator": mask,
        "X": X[n:],
        "detail": f"supervised mask, IoU with the digit's square: {iou:.2f}",
    }


def _figures(results: list[dict], out: str) -> list[str]:
    """Write one PNG per stage (and the tables' training curves) into ``out``."""
    import os

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('(no figures: install matplotlib, e.g. pip install "skmask[plot]")')
        return []
    from skmask.plotting import (
        FeatureMaskDisplay,
        ImageMaskDisplay,
        SeriesMaskDisplay,
        TrainingHistoryDisplay,
    )

    os.makedirs(out, exist_ok=True)
    written = []
    tables, series, images = results
    # (file, Display constructor, its arguments)
    displays = [
        ("tabular_mask.png", FeatureMaskDisplay, (tables["estimator"],), {}),
        ("tabular_training.png", TrainingHistoryDisplay, (tables["estimator"],), {}),
        (
            "series_mask.png",
            SeriesMaskDisplay,
            (series["estimator"], series["X"]),
            {"n_series": 4},
        ),
        (
            "image_mask.png",
            ImageMaskDisplay,
            (images["estimator"], images["X"]),
            {"n_images": 4},
        ),
    ]
    for name, display_class, args, kwargs in displays:
        display = display_class.from_estimator(*args, **kwargs)
        display.figure_.tight_layout()
        path = os.path.join(out, name)
        display.figure_.savefig(path, dpi=100)
        plt.close(display.figure_)
        written.append(path)
    return written


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
    parser.add_argument("--quick", action="store_true", help="smaller, faster run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", default="skmask-demo", help="folder for the PNG figures"
    )
    args = parser.parse_args(argv)

    stages = [
        ("tables", _tabular_demo),
        ("series", _series_demo),
        ("images", _image_demo),
    ]
    print("skmask demo: learned masks in scikit-learn Pipelines", flush=True)
    results = []
    for i, (label, run) in enumerate(stages, start=1):
        print(f"[{i}/{len(stages)}] {label}: fitting ...", end=" ", flush=True)
        started = time.perf_counter()
        results.append(run(args.quick, args.seed))
        print(f"done in {time.perf_counter() - started:.1f} s", flush=True)

    def acc(value):
        return "-" if value is None else f"{value:.3f}"

    print()
    header = (
        f"{'data':<44}{'acc. plain':>11}{'acc. masked':>12}  {'kept':<26}{'fit s':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['name']:<44}{acc(r['acc_plain']):>11}{acc(r['acc_masked']):>12}  "
            f"{r['kept']:<26}{r['fit_seconds']:>6.1f}"
        )
    print()
    print("accuracy: LogisticRegression on held-out data, without / after the mask")
    for r in results:
        print(f"- {r['name'].split(':')[0]}: {r['detail']}")
    written = _figures(results, args.out)
    if written:
        print("figures:", ", ".join(written))
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
        print(
            "usage: python -m skmask demo [--quick] [--seed N] [--out DIR]",
            file=sys.stderr,
        )
        return 2
    return demo(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
