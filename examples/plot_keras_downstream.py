"""
=================================================
A learned mask in front of a Keras classifier
=================================================

The mask and a downstream Keras network in one Pipeline, tuned together by
``GridSearchCV``. ``skmask.compat.KerasClassifier`` is scikeras' wrapper with
the scikit-learn >= 1.6 tags that scikeras 0.13 lacks, so the search uses
stratified folds as it should for a classifier.

(We leave scikeras' ``random_state`` unset: scikeras then turns on TensorFlow's
op determinism for the whole process, which makes TensorFlow >= 2.18 print
C++ errors on every partial batch.)
"""

# %%
import os

import keras
from sklearn.base import is_classifier
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmask import LearnedMaskTransformer
from skmask.compat import KerasClassifier

QUICK = bool(os.environ.get("SKMASK_QUICK"))
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)


# %%
# The downstream network: scikeras calls this with the fitted metadata.
def build_classifier(meta, hidden=16):
    inputs = keras.Input((meta["n_features_in_"],))
    h = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


pipe = Pipeline(
    [
        (
            "mask",
            LearnedMaskTransformer(
                granularity="global",
                output="select",
                epochs=10 if QUICK else 100,
                random_state=0,
            ),
        ),
        ("scale", StandardScaler()),
        (
            "net",
            KerasClassifier(
                model=build_classifier,
                epochs=5 if QUICK else 50,
                verbose=0,
            ),
        ),
    ]
)
print("is_classifier(pipe):", is_classifier(pipe))

# %%
# Search the mask's threshold and the network's width together.
grid = {"mask__threshold": [0.3, 0.6], "net__model__hidden": [8, 16]}
if QUICK:
    grid = {"mask__threshold": [0.3, 0.6]}
search = GridSearchCV(pipe, grid, cv=2 if QUICK else 3).fit(X_train, y_train)
print("best:", search.best_params_)
print(f"test accuracy: {search.score(X_test, y_test):.3f}")
n_kept = len(search.best_estimator_.named_steps["mask"].get_support(indices=True))
print(f"columns kept: {n_kept} of {X.shape[1]}")
