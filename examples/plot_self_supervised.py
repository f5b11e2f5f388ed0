"""
==============================================
Self-supervised masks: keep what rebuilds the rest
==============================================

Without labels or ground truth, ``fit(X)`` trains a *reconstruction* mask:
a decoder rebuilds every column from the masked row, and a sparsity cost
makes the mask keep only what the decoder needs. Columns that copy others
(with a little noise) or never vary are dropped, one column of each
redundant group is kept. ``reconstruct`` shows how well the kept columns
rebuild the input.
"""

import os

import numpy as np

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
rng = np.random.RandomState(0)
n = 800 if QUICK else 3000
a, b, c = rng.normal(size=(3, n))
X = np.column_stack(
    [
        a,
        a + 0.05 * rng.normal(size=n),  # a copy of a
        b,
        2 * b + 0.05 * rng.normal(size=n),  # a copy of b
        c,
        np.full(n, 3.0),  # constant
    ]
)
names = ["a", "a copy", "b", "b copy", "c", "constant"]

mask = LearnedMaskTransformer(epochs=30 if QUICK else 100, random_state=0).fit(X)
kept = mask.get_mask(X).mean(axis=0)
for name, fraction in zip(names, kept, strict=True):
    print(f"{name:>9}: kept in {fraction:.0%} of rows")
rmse = np.sqrt(np.mean((mask.reconstruct(X) - X) ** 2, axis=0))
print("reconstruction RMSE per column:", np.round(rmse, 3))

import matplotlib.pyplot as plt

from skmask.plotting import FeatureMaskDisplay, TrainingHistoryDisplay

FeatureMaskDisplay.from_estimator(mask, X).ax_.set_xticklabels(names, rotation=0)
TrainingHistoryDisplay.from_estimator(mask)
if not QUICK:
    plt.show()
