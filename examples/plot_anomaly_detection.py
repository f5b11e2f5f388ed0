"""
=====================================================
A self-supervised mask ahead of an anomaly detector
=====================================================

Transaction-like rows: the amount appears in six redundant columns (amounts
in several currencies, fees, tax), beside four independent ones (hour,
distance, items, age). A few rows are anomalies: odd hours and far distances
at ordinary amounts. An :class:`~sklearn.ensemble.IsolationForest` splits on
random columns, so the six copies of the amount take most of its splits and
the anomalies hide.

A self-supervised (reconstruction) mask needs no labels: it keeps what the
decoder needs to rebuild every column, so it keeps one copy of the amount
and every independent column, and drops the redundant copies. The detector
downstream then finds the anomalies far more reliably.
"""

import os

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
rng = np.random.RandomState(0)
n, n_anomalies = (1500, 30) if QUICK else (3000, 60)
amount = rng.lognormal(3, 1, size=n)
copies = [amount * rate * (1 + 0.02 * rng.normal(size=n)) for rate in (1, 0.9, 1.1)]
copies += [
    amount * rate * (1 + 0.02 * rng.normal(size=n)) for rate in (0.05, 0.2, 0.08)
]
X = np.column_stack(
    [
        *copies,
        rng.normal(14, 3, size=n),  # hour
        rng.exponential(5, size=n),  # distance
        rng.poisson(3, size=n),  # items
        rng.normal(40, 10, size=n),  # age
    ]
)
names = ["eur", "gbp", "usd", "fee", "tax", "vat", "hour", "distance", "items", "age"]
is_anomaly = np.zeros(n, dtype=bool)
anomalies = rng.choice(n, n_anomalies, replace=False)
is_anomaly[anomalies] = True
X[anomalies, 6] = rng.normal(3, 1, size=n_anomalies)  # at 3 a.m.
X[anomalies, 7] += 15  # far away
X = np.log1p(np.clip(X, 0, None))  # amounts are skewed; all columns >= 0


def detection_auc(model):
    """ROC AUC of the anomaly scores (higher = more anomalous)."""
    return roc_auc_score(is_anomaly, -model.score_samples(X))


plain = IsolationForest(n_estimators=200, random_state=0).fit(X)
mask = LearnedMaskTransformer(
    granularity="global", output="select", epochs=40 if QUICK else 60, random_state=0
)
masked = make_pipeline(mask, IsolationForest(n_estimators=200, random_state=0)).fit(X)

print(f"columns kept: {[names[i] for i in mask.get_support(indices=True)]}")
print(f"IsolationForest ROC AUC on all columns:   {detection_auc(plain):.3f}")
print(f"IsolationForest ROC AUC after the mask:   {detection_auc(masked):.3f}")

import matplotlib.pyplot as plt

from skmask.plotting import FeatureMaskDisplay

display = FeatureMaskDisplay(mask.global_mask_, feature_names=names).plot()
display.ax_.set_title("self-supervised mask: one copy of the amount is enough")
display.figure_.tight_layout()
if not QUICK:
    plt.show()
