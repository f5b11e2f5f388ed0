"""The screen of gates that task masks over wide rows pass before training."""

import pickle

import numpy as np
import pytest


def _column0_judge(keras, n_features):
    """A judge whose logit reads the value of column 0 only."""
    view = keras.Input((2 * n_features,))  # concat([x * m, m])
    logit = keras.layers.Lambda(lambda v: 3.0 * v[:, :1])(view)
    return keras.Model(view, logit)


def _labels_of_column0(n, n_features, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, n_features)).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-3.0 * x[:, 0]))
    return x, (rng.uniform(size=n) < p).astype(np.float32)[:, None]


@pytest.mark.parametrize("groups", [None, [0, 0, *range(1, 11)]])
def test_only_the_column_a_judge_reads_passes(groups):
    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    x, y = _labels_of_column0(400, 12)
    judge = _column0_judge(keras, 12)
    loss = objectives.judge_loss("task", objectives.TargetSpec("binary", 1))
    rows = np.arange(400)
    passed, z = objectives.screen_gates(
        [judge, judge], loss, x, y, [rows[:200], rows[200:]], groups=groups
    )
    assert passed.shape == z.shape == (12 if groups is None else 11,)
    assert passed[0] and z[0] > 10
    # The others never change the judge's output: their estimated worth is
    # noise around 0 (column 0's own keep or drop, by chance unbalanced
    # between a gate's two sides within a row's subsets).
    assert not passed[1:].any()
    assert np.abs(z[1:]).max() < 4, z


def test_missing_values_and_weights_are_taken():
    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    x, y = _labels_of_column0(400, 6)
    x[::2, 0] = np.nan  # column 0 missing on half the rows: never kept there
    weights = np.where(np.arange(400) < 200, 0.0, 1.0)
    loss = objectives.judge_loss("task", objectives.TargetSpec("binary", 1))
    judge = _column0_judge(keras, 6)
    rows = np.arange(400)
    passed, _ = objectives.screen_gates(
        [judge], loss, x, y, [rows], sample_weight=weights
    )
    assert passed[0] and not passed[1:].any()
    # Rows of weight 0 count for nothing: a judge that sees only them finds
    # no worth at all.
    none, _ = objectives.screen_gates(
        [judge], loss, x, y, [rows[:200]], sample_weight=weights
    )
    assert not none.any()


@pytest.fixture(scope="module")
def wide_fit():
    from skmask import LearnedMaskTransformer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 140))
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=600) > 0).astype(int)
    mask = LearnedMaskTransformer(epochs=15, random_state=0).fit(X, y)
    return mask, X


def _guard(mask):
    from skmask.gates import PaddingGuard

    (guard,) = [
        layer for layer in mask.mask_network_.layers if isinstance(layer, PaddingGuard)
    ]
    return guard


def test_wide_rows_close_the_gates_the_judges_find_worthless(wide_fit):
    mask, X = wide_fit
    closed = set(_guard(mask).closed)
    assert 0 not in closed and 1 not in closed
    assert len(closed) >= 0.9 * 138, len(closed)
    assert mask.history_["screened_gates"] == [140.0]
    assert mask.history_["passed_gates"] == [140.0 - len(closed)]
    kept = mask.get_mask(X)
    assert not kept[:, sorted(closed)].any()
    assert kept[:, :2].mean() > 0.9


def test_closed_gates_survive_pickle_and_the_safe_format(wide_fit, tmp_path):
    import skmask

    mask, X = wide_fit
    expected = mask.transform(X)
    restored = pickle.loads(pickle.dumps(mask))
    np.testing.assert_array_equal(restored.transform(X), expected)
    assert _guard(restored).closed == _guard(mask).closed
    skmask.save(mask, tmp_path / "wide.skmask")
    np.testing.assert_array_equal(
        skmask.load(tmp_path / "wide.skmask").transform(X), expected
    )


def test_rows_the_local_gradient_takes_are_not_screened():
    from skmask import LearnedMaskTransformer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 8))
    y = (X[:, 0] > 0).astype(int)
    mask = LearnedMaskTransformer(epochs=2, random_state=0).fit(X, y)
    assert "screened_gates" not in mask.history_
    assert not _guard(mask).closed


def test_a_wide_table_without_signal_says_the_screen_closed_it():
    from skmask import EmptyMaskWarning, LearnedMaskTransformer

    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 140))
    y = rng.randint(2, size=300)
    with pytest.warns(EmptyMaskWarning, match="No column showed worth"):
        mask = LearnedMaskTransformer(epochs=5, random_state=0).fit(X, y)
    assert mask.history_["passed_gates"] == [0.0]
    assert not mask.get_mask(X).any()
