"""Masks that explain a fitted model: ``target_type='probabilities'``."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skmask import LearnedMaskTransformer

FIT = {"epochs": 25, "random_state": 0}


def _labels_on_two_columns(n=400, seed=0):
    """y depends on x0 and x1 alike; x2..x4 are noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def one_column_model_explained():
    """A model that reads x0 only, explained by a mask, beside a label mask."""
    X, y = _labels_on_two_columns()
    model = LogisticRegression().fit(X[:, :1], y)
    proba = model.predict_proba(X[:, :1])
    of_model = LearnedMaskTransformer(target_type="probabilities", **FIT)
    of_labels = LearnedMaskTransformer(**FIT)
    return X, proba, of_model.fit(X, proba), of_labels.fit(X, y)


def test_mask_follows_the_model_not_the_labels(one_column_model_explained):
    X, _, of_model, of_labels = one_column_model_explained
    kept_model = of_model.get_mask(X).mean(axis=0)
    kept_labels = of_labels.get_mask(X).mean(axis=0)
    # The labels need x1 as much as x0; the model never reads it.
    assert kept_labels[1] >= 0.7, kept_labels
    assert kept_model[0] >= 0.7, kept_model
    assert kept_model[1] <= 0.2, kept_model
    assert kept_model[2:].max() <= 0.2, kept_model


@pytest.fixture(scope="module")
def short_probability_fit():
    """A two-epoch fit on one column, the positive class's probability.

    Enough to check the binary layout and refusals against; ``proba`` is
    returned whole (two columns) for building bad targets.
    """
    X, y = _labels_on_two_columns()
    proba = LogisticRegression().fit(X, y).predict_proba(X)
    est = LearnedMaskTransformer(
        target_type="probabilities", epochs=2, hidden_units=(8,), predictor_units=(8,)
    )
    return X, proba, est.fit(X, proba[:, 1])


def test_probability_targets_set_classes_and_predictor_outputs(
    one_column_model_explained, short_probability_fit
):
    _, proba, of_model, _ = one_column_model_explained
    np.testing.assert_array_equal(of_model.classes_, [0, 1])
    assert of_model.predictor_.output_shape[-1] == proba.shape[1]
    # One column, the positive class's probability: a binary task.
    _, _, one = short_probability_fit
    np.testing.assert_array_equal(one.classes_, [0, 1])
    assert one.predictor_.output_shape[-1] == 1


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (lambda p: 2 * p, ValueError, r"values in \[0, 1\]"),
        (lambda p: p - 0.5, ValueError, r"values in \[0, 1\]"),
        (lambda p: np.column_stack([p, p[:, :1]]), ValueError, "summing to 1"),
        (lambda p: np.where(p > 0.5, "a", "b"), ValueError, "dtype"),
        (lambda p: p[:, :, None], ValueError, "1-D or 2-D"),
        (lambda p: np.where(p > 0.9, np.nan, p), ValueError, "NaN"),
    ],
    ids=["above one", "negative", "rows not summing", "strings", "3-D", "NaN"],
)
def test_bad_probabilities_raise_and_leave_the_fit_alone(
    short_probability_fit, bad, error, match
):
    X, proba, fitted = short_probability_fit
    est = pickle.loads(pickle.dumps(fitted))
    before = est.get_mask(X)
    with pytest.raises(error, match=match):
        est.fit(X, bad(proba))
    np.testing.assert_array_equal(est.get_mask(X), before)
    np.testing.assert_array_equal(est.classes_, [0, 1])
