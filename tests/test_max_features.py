"""``max_features``: at most k mask entries per row, and how the k are chosen."""

import pickle

import numpy as np
import pytest

from skmask import (
    ImageMaskTransformer,
    LearnedMaskTransformer,
    SequenceMaskTransformer,
)
from skmask.ranking import eliminate_backward, ranking_from_order

SMALL = {"epochs": 3, "hidden_units": (8,), "predictor_units": (8,), "batch_size": 32}


def _rows(n=300, d=8, seed=0):
    """Rows whose ground-truth mask is 'the entry is positive'."""
    X = np.random.RandomState(seed).normal(size=(n, d))
    return X, (X > 0).astype(float)


def _expected_keep(P, threshold, k):
    """Reference: entries at or above threshold among each row's k largest."""
    flat = P.reshape(len(P), -1)
    rank = np.argsort(np.argsort(-flat, axis=1, kind="stable"), axis=1)
    return ((flat >= threshold) & (rank < k)).reshape(P.shape)


@pytest.fixture(scope="module")
def table_fit():
    X, M = _rows()
    return LearnedMaskTransformer(random_state=0, **SMALL).fit(X, mask=M), X


@pytest.mark.parametrize(
    ("max_features", "k", "threshold"),
    [(1, 1, 0.5), (3, 3, 0.5), (0.5, 4, 0.5), (3, 3, 0.0), (20, 8, 0.0)],
)
def test_instance_masks_keep_the_k_most_probable_entries(
    table_fit, max_features, k, threshold
):
    est, X = table_fit
    est.set_params(max_features=max_features, threshold=threshold)
    try:
        P = est.predict_mask(X)
        expected = _expected_keep(P, threshold, k)
        np.testing.assert_array_equal(est.get_mask(X), expected)
        np.testing.assert_array_equal(est.transform(X), X * expected)
        if threshold == 0:
            # threshold=0 keeps exactly k per row, as L2X selects.
            assert (expected.sum(axis=1) == k).all()
        else:
            # The cap binds on some rows and leaves the others as they were.
            kept = (P >= threshold).sum(axis=1)
            assert ((kept > k) & (expected.sum(axis=1) == k)).any() or k >= 8
            assert (expected.sum(axis=1) == np.minimum(kept, k)).all()
    finally:
        est.set_params(max_features=None, threshold=0.5)


def test_no_limit_is_the_threshold_alone(table_fit):
    est, X = table_fit
    est.set_params(max_features=8)
    try:
        capped = est.get_mask(X)
    finally:
        est.set_params(max_features=None)
    np.testing.assert_array_equal(capped, est.get_mask(X))
    np.testing.assert_array_equal(capped, est.predict_mask(X) >= 0.5)


def test_weighted_masks_zero_the_entries_past_k(table_fit):
    est, X = table_fit
    est.set_params(mask_type="weighted", max_features=2, output="fill")
    try:
        W = est.get_mask(X)
        P = est.predict_mask(X)
        largest = _expected_keep(P, 0.0, 2)
        np.testing.assert_allclose(W, np.where(largest, P, 0.0))
        fill = est.fill_values_
        np.testing.assert_allclose(est.transform(X), W * X + (1 - W) * fill)
    finally:
        est.set_params(mask_type="binary", max_features=None, output="multiply")


def test_global_masks_select_by_their_ranking():
    X, _ = _rows(seed=1)
    est = LearnedMaskTransformer(
        granularity="global", output="select", max_features=3, random_state=0, **SMALL
    ).fit(X)
    ranking, probability = est.ranking_, est.global_mask_
    np.testing.assert_array_equal(np.sort(ranking), np.arange(1, 9))
    kept = probability >= 0.5
    if (~kept).any():
        # Gates the fit dropped rank after the ones it kept.
        assert ranking[kept].max() < ranking[~kept].min()
    expected = np.flatnonzero((ranking <= 3) & (probability >= est.threshold))
    np.testing.assert_array_equal(est.get_support(indices=True), expected)
    Xt = est.transform(X)
    np.testing.assert_array_equal(Xt, X[:, expected])
    assert list(est.get_feature_names_out()) == [f"x{j}" for j in expected]
    np.testing.assert_array_equal(est.inverse_transform(Xt)[:, expected], Xt)
    # Every row gets the same selection, whatever the output.
    est.set_params(output="multiply", threshold=0.0)
    assert (est.get_mask(X) == est.get_support()).all()
    assert est.get_support().sum() == 3


def test_elimination_keeps_one_of_two_copies():
    # Gates 0 and 1 carry the same value (3), gate 2 is worth 2, gate 3
    # worth 1, gate 4 nothing.
    def evaluate(subsets):
        value = 3 * np.maximum(subsets[:, 0], subsets[:, 1])
        return -(value + 2 * subsets[:, 2] + subsets[:, 3])

    order = eliminate_backward(evaluate, np.ones(5, dtype=bool))
    # Gate 0 ties with the worthless gate 4 and goes first (the earlier one).
    np.testing.assert_array_equal(order, [0, 4, 3, 2, 1])
    ranking = ranking_from_order(order, np.full(5, 0.9))
    np.testing.assert_array_equal(ranking, [5, 1, 2, 3, 4])
    # Gates left out of the elimination rank after, the more probable first.
    ranking = ranking_from_order(np.array([2, 0]), np.array([0.9, 0.1, 0.8, 0.3]))
    np.testing.assert_array_equal(ranking, [1, 4, 2, 3])


def test_the_k_best_columns_are_chosen_together():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 6))
    X[:, 1] = X[:, 0]  # a copy
    y = (2 * X[:, 0] + X[:, 2] > 0).astype(int)
    # No cost: every gate stays open, and the keep probabilities differ by
    # little (here x2, whose gate no copy shares, is the most probable).
    est = LearnedMaskTransformer(
        granularity="global",
        sparsity=0.0,
        max_features=1,
        threshold=0.0,
        output="select",
        epochs=10,
        random_state=0,
    ).fit(X, y)
    # Alone, x0 (either copy) predicts y best.
    assert set(est.get_support(indices=True)) <= {0, 1}
    est.set_params(max_features=2)
    support = set(est.get_support(indices=True))
    assert 2 in support
    assert len(support & {0, 1}) == 1


def test_feature_groups_count_groups_not_columns():
    X, M = _rows(d=6, seed=2)
    groups = ["a", "a", "a", "b", "c", "c"]
    M = np.repeat(M[:, [0, 3, 4]], [3, 1, 2], axis=1)
    est = LearnedMaskTransformer(
        feature_groups=groups, max_features=2, threshold=0.0, random_state=0, **SMALL
    ).fit(X, mask=M)
    keep = est.get_mask(X).astype(bool)
    # Whole groups: two of (3, 1, 2) columns.
    assert set(keep.sum(axis=1)) <= {3, 4, 5}
    for members in ([0, 1, 2], [3], [4, 5]):
        assert (keep[:, members].all(axis=1) | ~keep[:, members].any(axis=1)).all()
    group_probability = est.predict_mask(X)[:, [0, 3, 4]]
    np.testing.assert_array_equal(
        keep[:, [0, 3, 4]], _expected_keep(group_probability, 0.0, 2)
    )


def test_series_count_time_steps_and_fractions_follow_the_length():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 20, 2))
    y = np.arange(60) % 2
    est = SequenceMaskTransformer(
        max_features=5, threshold=0.0, random_state=0, **SMALL
    ).fit(X, y)
    keep = est.get_mask(X).astype(bool)
    # One entry per step shared by both channels: 5 steps, 10 entries.
    np.testing.assert_array_equal(keep[..., 0], keep[..., 1])
    np.testing.assert_array_equal(
        keep[..., 0], _expected_keep(est.predict_mask(X)[..., 0], 0.0, 5)
    )
    # A fraction counts the steps of the series at hand (12 here, not 20).
    est.set_params(max_features=0.25)
    assert (est.get_mask(X[:, :12]).sum(axis=(1, 2)) == 2 * 3).all()


def test_images_count_pixels_of_flattened_input():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 8 * 8 * 2))
    y = np.arange(40) % 2
    est = ImageMaskTransformer(
        image_shape=(8, 8, 2), max_features=10, threshold=0.0, random_state=0, **SMALL
    ).fit(X, y)
    keep = est.get_mask(X).reshape(40, 8, 8, 2).astype(bool)
    np.testing.assert_array_equal(keep[..., 0], keep[..., 1])
    assert (keep[..., 0].sum(axis=(1, 2)) == 10).all()
    probability = est.predict_mask(X).reshape(40, 8, 8, 2)[..., 0]
    np.testing.assert_array_equal(keep[..., 0], _expected_keep(probability, 0.0, 10))


def test_missing_entries_rank_last():
    X, M = _rows(seed=3)
    est = LearnedMaskTransformer(
        max_features=3, threshold=0.0, random_state=0, **SMALL
    ).fit(X, mask=M)
    X_missing = X.copy()
    top = np.argmax(est.predict_mask(X), axis=1)
    X_missing[np.arange(len(X)), top] = np.nan
    keep = est.get_mask(X_missing).astype(bool)
    # The row's most probable entry is missing: three observed ones are kept.
    assert not keep[np.arange(len(X)), top].any()
    assert (keep.sum(axis=1) == 3).all()


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0, ValueError, "max_features"),
        (-1, ValueError, "max_features"),
        (1.5, ValueError, "max_features"),
        (0.0, ValueError, "max_features"),
        ("3", ValueError, "max_features"),
        (True, TypeError, "bool"),
    ],
)
def test_bad_max_features_raise_and_leave_the_fit_alone(table_fit, value, error, match):
    est, X = table_fit
    est = pickle.loads(pickle.dumps(est))
    before = est.transform(X)
    est.set_params(max_features=value)
    with pytest.raises(error, match=match):
        est.fit(X)
    est.set_params(max_features=None)
    np.testing.assert_array_equal(est.transform(X), before)


def test_a_search_over_k_reuses_the_cached_network_and_ranking(tmp_path, monkeypatch):
    X, _ = _rows(seed=4)
    y = (X[:, 0] > 0).astype(int)
    params = {"granularity": "global", "memory": str(tmp_path), "random_state": 0}
    first = LearnedMaskTransformer(max_features=2, **params, **SMALL).fit(X, y)

    def no_training(*args, **kwargs):
        raise AssertionError("trained or ranked again")

    from skmask import objectives

    monkeypatch.setattr(objectives, "train", no_training)
    monkeypatch.setattr(LearnedMaskTransformer, "_rank_gates", no_training)
    second = LearnedMaskTransformer(max_features=5, **params, **SMALL).fit(X, y)
    np.testing.assert_array_equal(second.ranking_, first.ranking_)
    # The kept gates rank first: the 5 best of them, or all if fewer.
    kept = (second.global_mask_ >= 0.5).sum()
    assert second.get_support().sum() == min(5, kept)


@pytest.fixture(scope="module")
def judged_fit():
    """A task mask whose keep probabilities are all 0.5: only the judge ranks."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5))
    y = (X[:, 2] > 0).astype(int)
    est = LearnedMaskTransformer(
        sparsity=0.0, epochs=10, random_state=0, max_features=1, threshold=0.0
    ).fit(X, y)
    # Zero logits everywhere: the probability order then ties on every row
    # (a stable order would pick x0), so only the judge can find x2.
    last = est.mask_network_.layers[-1]
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    return est, X


def test_tables_choose_an_instance_masks_k_with_the_judge(judged_fit):
    est, X = judged_fit
    np.testing.assert_array_equal(est.predict_mask(X), 0.5)
    keep = est.get_mask(X).astype(bool)
    assert (keep.sum(axis=1) == 1).all()
    # y reads x2 alone: the predictor's output moves most with it.
    assert keep[:, 2].mean() > 0.85
    np.testing.assert_array_equal(est.transform(X), X * keep)


def test_the_judge_chooses_among_eligible_observed_entries(judged_fit):
    est, X = judged_fit
    X_missing = X.copy()
    X_missing[::2, 2] = np.nan
    est.set_params(max_features=2, threshold=0.5)
    try:
        P = est.predict_mask(X_missing)
        keep = est.get_mask(X_missing).astype(bool)
    finally:
        est.set_params(max_features=1, threshold=0.0)
    assert not keep[::2, 2].any()
    assert keep[1::2, 2].mean() > 0.85
    eligible = (P >= 0.5) & ~np.isnan(X_missing)
    assert not (keep & ~eligible).any()
    np.testing.assert_array_equal(keep.sum(axis=1), np.minimum(eligible.sum(1), 2))


def _resize_reference(judge, x, start, eligible, k, groups):
    """Greedy resizing that judges every gate of every row (no shortcuts)."""
    x0, valid = np.nan_to_num(x), (~np.isnan(x)).astype(float)
    to_columns = np.eye(eligible.shape[1])[:, groups]

    def output(row, gates):
        m = (gates.astype(float) @ to_columns) * valid[row]
        return judge(np.concatenate([x0[row] * m, m])[None], training=False)[0]

    chosen = start & eligible
    for row in range(len(x)):
        reference = output(row, np.ones(eligible.shape[1], dtype=bool))
        while True:
            count = chosen[row].sum()
            movable = chosen[row] if count > k else eligible[row] & ~chosen[row]
            if count == k or not movable.any():
                break
            distance = np.full(eligible.shape[1], np.inf)
            for gate in np.flatnonzero(movable):
                flipped = chosen[row].copy()
                flipped[gate] ^= True
                distance[gate] = np.mean((output(row, flipped) - reference) ** 2)
            chosen[row, np.argmin(distance)] ^= True
    return chosen


def test_resizing_judges_only_the_gates_a_row_may_flip():
    from skmask.objectives import resize_selection

    rng = np.random.RandomState(0)
    n, d = 40, 7
    groups = np.array([0, 1, 1, 2, 3, 4, 4])  # five gates, two of two columns
    weights = rng.normal(size=(2 * d, 3))

    def judge(views, training=False):
        return np.tanh(views @ weights) * views[:, :1]

    x = rng.normal(size=(n, d))
    x[rng.rand(n, d) < 0.15] = np.nan
    eligible = rng.rand(n, 5) < 0.8
    start = rng.rand(n, 5) < 0.5  # rows above, at and below k
    expected = _resize_reference(judge, x, start, eligible, 2, groups)
    # A small budget per call splits the views across calls.
    chosen = resize_selection(
        judge, x, start, eligible, 2, groups=groups, entries_per_call=100
    )
    np.testing.assert_array_equal(chosen, expected)
    assert (chosen.sum(axis=1) == np.minimum(eligible.sum(axis=1), 2)).all()
