"""The tag-fixed scikeras wrappers as the downstream step of a Pipeline."""

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv
from sklearn.pipeline import Pipeline

from skmask import LearnedMaskTransformer

compat = pytest.importorskip("skmask.compat")


def _classifier_model(meta, hidden=8):
    import keras

    inputs = keras.Input((meta["n_features_in_"],))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_tags_make_scikeras_wrappers_classifier_and_regressor():
    from scikeras.wrappers import KerasClassifier as Plain

    assert not is_classifier(Plain(model=_classifier_model))  # the bug we fix
    clf = compat.KerasClassifier(model=_classifier_model)
    assert is_classifier(clf)
    assert is_regressor(compat.KerasRegressor(model=_classifier_model))
    # Searches over a Pipeline ending in it now stratify.
    pipe = Pipeline([("mask", LearnedMaskTransformer()), ("net", clf)])
    assert is_classifier(pipe)
    assert isinstance(
        check_cv(3, np.array([0, 1] * 5), classifier=True), StratifiedKFold
    )


def test_grid_search_over_mask_then_keras_classifier():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    pipe = Pipeline(
        [
            (
                "mask",
                LearnedMaskTransformer(
                    epochs=2, hidden_units=(4,), predictor_units=(4,), random_state=0
                ),
            ),
            (
                "net",
                # No random_state: scikeras would enable TensorFlow's op
                # determinism for the whole test process.
                compat.KerasClassifier(model=_classifier_model, epochs=3, verbose=0),
            ),
        ]
    )
    search = GridSearchCV(
        pipe, {"mask__threshold": [0.3, 0.6], "net__model__hidden": [4, 8]}, cv=2
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.predict(X)) <= {0, 1}
