"""
==========================================
Masking time steps of series
==========================================

:class:`~skmask.SequenceMaskTransformer` learns which time steps of a series
matter. Here each series hides a short pattern (a bump or a dip, which is the
class) at a random position, beside a volatile stretch of pure noise. A
task-driven mask keeps the pattern and drops the rest, so a plain logistic
regression downstream no longer drowns in the noise. The figure shows a few
test series with the kept steps shaded.
"""

# %%
import os

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skmask import SequenceMaskTransformer
from skmask.datasets import make_sequence_mask
from skmask.metrics import mask_fdr, mask_tpr

QUICK = bool(os.environ.get("SKMASK_QUICK"))
n = 300 if QUICK else 1000
X, y, truth = make_sequence_mask(n_samples=2 * n, n_timesteps=64, random_state=0)
X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]

# %%
# The same downstream model with and without the mask, in Pipelines.
plain = LogisticRegression(max_iter=2000).fit(X_train, y_train)
masked = make_pipeline(
    SequenceMaskTransformer(epochs=30 if QUICK else 100, random_state=0),
    LogisticRegression(max_iter=2000),
).fit(X_train, y_train)
print(f"accuracy without mask: {plain.score(X_test, y_test):.3f}")
print(f"accuracy with mask:    {masked.score(X_test, y_test):.3f}")

mask = masked[0].get_mask(X_test)
print(
    f"mask vs pattern window: TPR {mask_tpr(truth[n:], mask):.2f}, "
    f"FDR {mask_fdr(truth[n:], mask):.2f}"
)

# %%
# Series with their kept steps shaded (grey: the true window).
import matplotlib.pyplot as plt

fig, axes = plt.subplots(4, 1, figsize=(8, 6), sharex=True)
for ax, i in zip(axes, range(4), strict=True):
    steps = np.arange(X_test.shape[1])
    ax.plot(steps, X_test[i], color="black", lw=1)
    ax.fill_between(steps, -4, 4, where=truth[n + i] > 0, color="grey", alpha=0.3)
    ax.fill_between(steps, -4, 4, where=mask[i] > 0, color="tab:orange", alpha=0.4)
    ax.set_ylim(-4, 4)
    ax.set_ylabel(f"class {y_test[i]}")
axes[-1].set_xlabel("time step")
fig.suptitle("kept steps (orange) and the true pattern window (grey)")
fig.tight_layout()
if not QUICK:
    plt.show()
