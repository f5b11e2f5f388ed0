"""
==============================================
Explaining a fitted model, row by row
==============================================

A task mask keeps what predicts its target. Fitted on a model's outputs
instead of the labels, it learns which features *that model* needs on each
row: ``fit(X, model.predict(X))`` for what decides its class,
``LearnedMaskTransformer(target_type="probabilities").fit(X,
model.predict_proba(X))`` for what its probabilities depend on.

The check is L2X's *post-hoc accuracy*: give the model only the kept
features (the dropped ones at their training mean, ``output='fill'``) and
count how often it still predicts the class it predicts from the full row.
"""

import os

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
full_class = model.predict(X_test)
print(f"model accuracy on the test rows: {np.mean(full_class == y_test):.3f}")

settings = {"epochs": 30 if QUICK else 100, "output": "fill", "random_state": 0}
explainers = {
    "its classes": LearnedMaskTransformer(**settings)
    .set_output(transform="pandas")
    .fit(X_train, model.predict(X_train)),
    "its probabilities": LearnedMaskTransformer(target_type="probabilities", **settings)
    .set_output(transform="pandas")
    .fit(X_train, model.predict_proba(X_train)),
}
for name, explainer in explainers.items():
    kept = explainer.get_mask(X_test)
    agree = np.mean(model.predict(explainer.transform(X_test)) == full_class)
    print(
        f"mask of {name:>17}: {kept.sum(axis=1).mean():4.1f} of {X.shape[1]} "
        f"features per row; post-hoc accuracy {agree:.3f}"
    )

# L2X's own setting: exactly k features per row (``max_features=k`` with
# ``threshold=0``), read from the same fit. On tables the mask's own
# selection is brought to k features under its trained predictor: dropped
# (or added) one at a time so that the predictor's output stays closest to
# its output on the whole row.
explainer = explainers["its classes"]
for k in (1, 2, 4, 8):
    explainer.set_params(max_features=k, threshold=0.0)
    agree = np.mean(model.predict(explainer.transform(X_test)) == full_class)
    print(f"k = {k} features per row: post-hoc accuracy {agree:.3f}")
explainer.set_params(max_features=None, threshold=0.5)

# The explanation of single rows: the features the model needs there.
rows = X_test.iloc[:3]
for index, mask, label in zip(
    rows.index, explainer.get_mask(rows), model.predict(rows), strict=True
):
    names = ", ".join(X.columns[mask > 0])
    print(f"row {index} (class {label}), {int(mask.sum())} features: {names}")

import matplotlib.pyplot as plt

from skmask.plotting import FeatureMaskDisplay, InstanceMaskDisplay

FeatureMaskDisplay.from_estimator(explainer, X_test)
InstanceMaskDisplay.from_estimator(explainer, X_test, max_rows=40)
if not QUICK:
    plt.show()
