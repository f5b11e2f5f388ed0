"""The concave column cost of instance-wise task masks over tables."""

import numpy as np
import pytest

from skmask import LearnedMaskTransformer


def test_column_cost_runs_from_zero_to_one_and_is_concave():
    from skmask.objectives import column_cost

    share = np.linspace(0.0, 1.0, 101)
    cost = column_cost(share, 0.5)
    np.testing.assert_allclose(cost[[0, -1]], [0.0, 1.0], atol=1e-12)
    assert np.all(np.diff(cost) > 0)
    assert np.all(np.diff(cost, 2) < 0)
    # Power 1 is the plain mean keep probability.
    np.testing.assert_allclose(column_cost(share, 1.0), share, atol=1e-12)


def test_column_cost_slope_is_its_derivative():
    from skmask.objectives import column_cost, column_cost_slope

    share = np.array([0.0, 0.02, 0.3, 0.9])
    h = 1e-6
    numeric = (column_cost(share + h, 0.5) - column_cost(share, 0.5)) / h
    np.testing.assert_allclose(column_cost_slope(share, 0.5), numeric, rtol=1e-4)


def _cost_and_gradient(probs, power):
    import tensorflow as tf

    from skmask.objectives import _sparsity_cost

    rows = np.float32(len(probs))
    probs = tf.Variable(probs)
    with tf.GradientTape() as tape:
        cost = _sparsity_cost(probs, rows, power)
    return float(cost), tape.gradient(cost, probs).numpy()


def test_a_gate_kept_on_few_rows_pays_more_per_row_than_one_kept_on_most():
    from skmask.objectives import column_cost

    # Column 0 kept on every row, column 1 on 2 rows of 40.
    probs = np.zeros((40, 2), dtype=np.float32)
    probs[:, 0] = 1.0
    probs[:2, 1] = 1.0
    cost, grad = _cost_and_gradient(probs, 0.5)
    expected = (column_cost(1.0, 0.5) + column_cost(0.05, 0.5)) / 2
    np.testing.assert_allclose(cost, expected, rtol=1e-5)
    assert grad[0, 1] > 3 * grad[0, 0]
    # Without a power: the mean keep probability, the same price everywhere.
    cost, grad = _cost_and_gradient(probs, None)
    np.testing.assert_allclose(cost, probs.mean(), rtol=1e-6)
    np.testing.assert_allclose(grad, np.full_like(grad, 1 / 80), rtol=1e-6)


def test_a_column_pays_by_its_share_of_the_rows_of_its_region():
    # Two regions of 20 rows: gate 0 is kept on region A, gate 1 on region B.
    # Gate 2 is kept on half of region A, gate 3 on all of A and on 1 row of B.
    probs = np.zeros((40, 4), dtype=np.float32)
    probs[:20, 0] = 1.0
    probs[20:, 1] = 1.0
    probs[:10, 2] = 1.0
    probs[:21, 3] = 1.0
    _, grad = _cost_and_gradient(probs, 0.5)
    _, flat = _cost_and_gradient(probs, None)
    # Gate 3 costs far more per row on region B, where it is rare, than on A.
    assert grad[30, 3] > 3 * grad[5, 3]
    # Gate 2's share is a half of its region (a quarter of the table): on
    # region A's rows that drop it, keeping it costs less than the plain
    # mean keep probability would charge; on region B's, more.
    assert grad[15, 2] < flat[15, 2] < grad[30, 2]
    # Region A's rows that drop gate 2 are in the same region as those that
    # keep it: other columns decide the region, not the column itself.
    np.testing.assert_allclose(grad[15, 2], grad[5, 2], rtol=1e-5)


def _fitted_series_mask(X, y):
    from skmask import SequenceMaskTransformer

    series = np.repeat(X[:, :, None], 2, axis=2)  # (rows, 3 steps, 2 channels)
    return SequenceMaskTransformer(epochs=2, random_state=0).fit(series, y)


@pytest.mark.parametrize(
    "fit, expected",
    [
        (lambda X, y: LearnedMaskTransformer(epochs=2, random_state=0).fit(X, y), 0.5),
        (
            lambda X, y: LearnedMaskTransformer(
                granularity="global", epochs=2, random_state=0
            ).fit(X, y),
            None,
        ),
        (_fitted_series_mask, None),
    ],
    ids=["table", "global", "series"],
)
def test_only_instance_masks_over_tables_train_with_the_column_cost(
    monkeypatch, fit, expected
):
    from skmask import objectives

    powers = []
    train = objectives.train

    def recording_train(*args, **kwargs):
        powers.append(kwargs.get("column_cost_power"))
        return train(*args, **kwargs)

    monkeypatch.setattr(objectives, "train", recording_train)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))
    fit(X, (X[:, 0] > 0).astype(int))
    # Teachers and surrogates have no sparsity cost; the selector is last.
    assert powers[-1] == expected
    assert all(power is None for power in powers[:-1])


def test_regions_of_binary_masks_are_the_rows_that_agree_on_the_other_gates():
    from skmask import objectives

    rng = np.random.RandomState(0)
    probs = (rng.uniform(size=(24, 6)) < 0.5).astype(np.float32)
    share = np.asarray(objectives._regional_shares(probs)[0])
    # The weights written out: exp(-(other gates that differ) / scale).
    differ = probs[:, None, :] != probs[None, :, :]  # (i, k, j)
    others = differ.sum(-1, keepdims=True) - differ
    weights = np.exp(-others / objectives.COLUMN_REGION_SCALE)
    expected = (weights * probs[None]).sum(1) / weights.sum(1)
    np.testing.assert_allclose(share, expected, rtol=1e-5)


def test_region_slopes_are_the_gradient_of_the_cost():
    from skmask import objectives

    probs = np.random.RandomState(1).uniform(size=(16, 5)).astype(np.float32)
    cost, grad = _cost_and_gradient(probs, 0.5)
    slopes, summed = objectives._column_cost_slopes(probs, 0.5)
    np.testing.assert_allclose(np.asarray(slopes) / (16 * 5), grad, rtol=1e-4)
    np.testing.assert_allclose(float(summed) / 16, cost, rtol=1e-6)


def test_large_batches_form_regions_within_blocks_of_rows():
    from skmask import objectives

    probs = np.random.RandomState(2).uniform(size=(40, 5)).astype(np.float32)
    p, valid, unblock = objectives._row_blocks(probs, 16)
    blocked = np.asarray(unblock(objectives._regional_shares(p, valid)[0]))
    # Each block (the last one 8 rows, padded to 16) on its own.
    expected = np.concatenate(
        [
            np.asarray(objectives._regional_shares(b)[0])
            for b in np.split(probs, [16, 32])
        ]
    )
    np.testing.assert_allclose(blocked, expected, rtol=1e-5)
    # The padding rows take no part in the cost or its slopes.
    import tensorflow as tf

    variable = tf.Variable(probs)
    with tf.GradientTape() as tape:
        cost = objectives._sparsity_cost(variable, np.float32(40), 0.5, 16)
    grad = tape.gradient(cost, variable).numpy()
    slopes, summed = objectives._column_cost_slopes(probs, 0.5, 16)
    np.testing.assert_allclose(np.asarray(slopes) / (40 * 5), grad, rtol=1e-4)
    np.testing.assert_allclose(float(summed) / 40, float(cost), rtol=1e-6)
