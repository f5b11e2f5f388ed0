"""Cross-fitted task training: fold-pure batches and the fold switch."""

import numpy as np
import pytest

from skmask import LearnedMaskTransformer


def test_batches_stay_within_one_row_group_and_cover_every_row_once():
    from skmask.objectives import _batches

    groups = [np.arange(0, 97), np.arange(97, 200)]
    batches = _batches(200, 4, np.random.RandomState(0), groups)
    for group, idx in batches:
        assert set(idx) <= set(groups[group])
    rows = np.concatenate([idx for _, idx in batches])
    assert sorted(rows) == list(range(200))
    # Both groups' batches are interleaved, not one group after the other.
    order = [group for group, _ in batches]
    assert order != sorted(order) and order != sorted(order, reverse=True)


def test_fold_switch_runs_the_chosen_predictor():
    import keras

    from skmask.objectives import FoldSwitch

    first = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    second = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    switch = FoldSwitch([first, second])
    x = np.random.RandomState(0).normal(size=(5, 3)).astype("float32")
    switch(x)  # builds the switch
    for fold, model in ((0.0, first), (1.0, second)):
        switch.fold.assign(fold)
        np.testing.assert_allclose(switch(x), model(x), rtol=1e-6)


@pytest.fixture(scope="module")
def task_fit():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    est = LearnedMaskTransformer(
        epochs=3, hidden_units=(8,), predictor_units=(8,), random_state=0
    )
    return est.fit(X, y), X


def test_each_fold_trains_its_own_teacher_and_surrogate(task_fit):
    est, _ = task_fit
    for k in (0, 1):
        assert f"teacher{k}_loss" in est.history_
        assert f"surrogate{k}_loss" in est.history_


def test_fitted_predictor_is_the_mean_of_the_two_surrogates(task_fit):
    est, X = task_fit
    view = np.concatenate([X, np.ones_like(X)], axis=1).astype("float32")
    subs = [
        layer
        for layer in est.predictor_.layers
        if layer.name in ("predictor_0", "predictor_1")
    ]
    assert len(subs) == 2
    # Two folds, two differently trained predictors.
    assert not np.allclose(subs[0](view), subs[1](view))
    np.testing.assert_allclose(
        est.predictor_(view), (subs[0](view) + subs[1](view)) / 2, rtol=1e-5
    )
