"""
=====================================================
Searching mask thresholds and architectures in a Pipeline
=====================================================

A learned global mask in front of a logistic regression, on breast-cancer data
with 20 pure-noise columns added. ``GridSearchCV`` tunes the mask's threshold
and network together with the downstream model, then how many columns to
keep (``max_features``) without training the mask again.
"""

# %%
# Data: sklearn's breast cancer set (shipped, nothing downloaded) plus noise.
import os
import tempfile

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
rng = np.random.RandomState(0)
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
for i in range(20):
    X[f"noise {i}"] = rng.normal(size=len(X))
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# The mask is trained on the task (``y`` reaches it through the Pipeline) and
# ``output='select'`` drops the columns it does not keep.
cache = tempfile.TemporaryDirectory()
pipe = Pipeline(
    [
        (
            "mask",
            LearnedMaskTransformer(
                granularity="global",
                output="select",
                epochs=20 if QUICK else 150,
                random_state=0,
                # Fits that differ only in `threshold` reuse the trained
                # network from this cache: one training per fold and sparsity.
                memory=cache.name,
            ),
        ),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=1000)),
    ]
)
grid = {
    "mask__threshold": [0.3, 0.5, 0.7],
    "mask__sparsity": [0.1, 0.3] if not QUICK else [0.3],
}
search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)

# %%
# Results: the chosen setting, its held-out accuracy, and the kept columns.
print("best parameters:", search.best_params_)
print(f"test accuracy: {search.score(X_test, y_test):.3f}")
kept = search.best_estimator_.named_steps["mask"].get_feature_names_out()
print(
    f"kept {len(kept)} of {X.shape[1]} columns;",
    sum(k.startswith("noise") for k in kept),
    "of them noise",
)

# %%
# How many columns? ``max_features=k`` with ``threshold=0`` keeps exactly the
# k best columns, ranked at fit by backward elimination under the mask's
# trained predictor (``ranking_``). It acts after the network, so this search
# loads the networks the first one trained (same folds, same sparsity).
mask = search.best_estimator_.named_steps["mask"]
k_search = GridSearchCV(
    pipe.set_params(mask__sparsity=mask.sparsity, mask__threshold=0.0),
    {"mask__max_features": [2, 3, 5, 10, 20]},
    cv=3,
).fit(X_train, y_train)
for k, score in zip(
    k_search.cv_results_["param_mask__max_features"],
    k_search.cv_results_["mean_test_score"],
    strict=True,
):
    print(f"max_features={k:>2}: mean CV accuracy {score:.3f}")
best = k_search.best_estimator_.named_steps["mask"]
print(
    f"best k = {best.max_features}: test accuracy {k_search.score(X_test, y_test):.3f}"
)
print("columns, best first:", list(X.columns[np.argsort(best.ranking_)][:5]))
cache.cleanup()
