"""
=====================================================
Supervised masks: ground truth through metadata routing
=====================================================

When you know which entries matter (annotations, simulations), train the mask
to reproduce them: ``fit(X, mask=M)``. Inside a Pipeline or a search, the
ground-truth masks travel as *metadata*: request them with
``set_fit_request(mask=True)`` and score with
:func:`skmask.metrics.make_mask_scorer`, which requests them too. Here a grid
search picks the threshold and network width by the F1 score of the predicted
masks on the INVASE syn4 task (the relevant features depend on the row).
"""

import os

import sklearn
from sklearn.model_selection import GridSearchCV

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase
from skmask.metrics import make_mask_scorer, mask_f1_score

QUICK = bool(os.environ.get("SKMASK_QUICK"))
sklearn.set_config(enable_metadata_routing=True)

n = 400 if QUICK else 4000
X, y, M = make_invase("syn4", n_samples=2 * n, random_state=0)
mask = LearnedMaskTransformer(
    objective="supervised", epochs=8 if QUICK else 60, random_state=0
).set_fit_request(mask=True)
scorer = make_mask_scorer("f1").set_score_request(mask=True)
search = GridSearchCV(
    mask,
    {"threshold": [0.3, 0.5, 0.7], "hidden_units": [(16,), (64,)]},
    scoring=scorer,
    cv=2 if QUICK else 3,
)
search.fit(X[:n], y[:n], mask=M[:n])  # y is unused by the supervised mask
print(f"best parameters: {search.best_params_}, cv mask F1 {search.best_score_:.3f}")
held_out = mask_f1_score(M[n:], search.best_estimator_.get_mask(X[n:]))
print(f"held-out mask F1: {held_out:.3f}")
sklearn.set_config(enable_metadata_routing=False)

import matplotlib.pyplot as plt

from skmask.plotting import InstanceMaskDisplay

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
InstanceMaskDisplay.from_predictions(M[n : n + 40], ax=axes[0]).ax_.set_title("truth")
InstanceMaskDisplay.from_estimator(
    search.best_estimator_, X[n:], max_rows=40, ax=axes[1]
)
axes[1].set_title("learned")
fig.tight_layout()
if not QUICK:
    plt.show()
