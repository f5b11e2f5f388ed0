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


@pytest.mark.parametrize("n_folds", [2, 3, 4, 7])
@pytest.mark.parametrize("n_rows", [7, 100, 101])
def test_cross_fit_folds_judge_each_row_once_by_a_predictor_that_never_saw_it(
    n_folds, n_rows
):
    from skmask.objectives import cross_fit_folds

    order = np.random.RandomState(n_rows).permutation(n_rows)
    train, judged = cross_fit_folds(order, n_folds)
    assert len(train) == len(judged) == n_folds
    # The judged folds partition the rows, in sizes that differ by at most one.
    assert sorted(np.concatenate(judged)) == list(range(n_rows))
    sizes = [len(rows) for rows in judged]
    assert max(sizes) - min(sizes) <= 1
    for learned, scored in zip(train, judged, strict=True):
        # Each predictor learns on every row it does not judge.
        assert not set(learned) & set(scored)
        assert sorted(np.concatenate([learned, scored])) == list(range(n_rows))
        assert list(learned) == sorted(learned)


def test_two_folds_are_the_halves_of_the_order():
    from skmask.objectives import cross_fit_folds

    order = np.random.RandomState(0).permutation(11)
    train, judged = cross_fit_folds(order, 2)
    np.testing.assert_array_equal(train[0], np.sort(order[:5]))
    np.testing.assert_array_equal(judged[0], np.sort(order[5:]))
    np.testing.assert_array_equal(train[1], judged[0])
    np.testing.assert_array_equal(judged[1], train[0])


@pytest.mark.parametrize("n_predictors", [2, 3])
def test_fold_switch_runs_the_chosen_predictor(n_predictors):
    import keras

    from skmask.objectives import FoldSwitch

    models = [
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        for _ in range(n_predictors)
    ]
    switch = FoldSwitch(models)
    x = np.random.RandomState(0).normal(size=(5, 3)).astype("float32")
    switch(x)  # builds the switch
    for fold, model in enumerate(models):
        switch.fold.assign(float(fold))
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
    n_folds = LearnedMaskTransformer._n_folds
    for k in range(n_folds):
        assert f"teacher{k}_loss" in est.history_
        assert f"surrogate{k}_loss" in est.history_
    assert f"teacher{n_folds}_loss" not in est.history_


def test_fitted_predictor_is_the_mean_of_the_surrogates(task_fit):
    est, X = task_fit
    n_folds = LearnedMaskTransformer._n_folds
    view = np.concatenate([X, np.ones_like(X)], axis=1).astype("float32")
    names = [f"predictor_{k}" for k in range(n_folds)]
    subs = [layer for layer in est.predictor_.layers if layer.name in names]
    assert len(subs) == n_folds
    # One fold each, differently trained predictors.
    outputs = [sub(view) for sub in subs]
    assert not np.allclose(outputs[0], outputs[1])
    np.testing.assert_allclose(
        est.predictor_(view), np.mean(outputs, axis=0), rtol=1e-5
    )
