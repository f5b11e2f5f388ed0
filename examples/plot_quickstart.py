"""
==========================================
Quickstart: a learned mask in a Pipeline
==========================================

:class:`~skmask.LearnedMaskTransformer` is a scikit-learn transformer: put it
ahead of any estimator. In a :class:`~sklearn.pipeline.Pipeline`, ``fit(X,
y)`` hands it the target, so it learns a *task-driven* mask: the columns that
predict ``y``. Here the breast-cancer table gets 20 pure-noise columns; a
global mask with ``output='select'`` keeps a subset of the real columns and
drops nearly all the noise before a logistic regression.
"""

import os

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
rng = np.random.RandomState(0)
for i in range(20):
    X[f"noise {i}"] = rng.normal(size=len(X))
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

mask = LearnedMaskTransformer(
    granularity="global", output="select", epochs=150 if QUICK else 200, random_state=0
)
pipe = make_pipeline(mask, StandardScaler(), LogisticRegression(max_iter=1000))
pipe.fit(X_train, y_train)
kept = mask.get_feature_names_out()
noise = [c for c in kept if "noise" in c]
print(f"kept {len(kept)} of {X.shape[1]} columns, of which noise: {noise}")
print(f"held-out accuracy: {pipe.score(X_test, y_test):.3f}")

import matplotlib.pyplot as plt

from skmask.plotting import FeatureMaskDisplay

display = FeatureMaskDisplay.from_estimator(mask)
display.figure_.tight_layout()
if not QUICK:
    plt.show()
