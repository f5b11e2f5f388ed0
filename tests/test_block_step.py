"""The block local-expectation selector step of image and series task masks."""

from functools import partial

import numpy as np
import pytest

from skmask import ImageMaskTransformer, SequenceMaskTransformer
from skmask.datasets import make_image_mask, make_sequence_mask

SIDE = 12
REGION = (slice(4, 7), slice(5, 8))  # the only pixels the predictor reads
STEPS = 24
WINDOW = (slice(10, 14),)  # the only steps the series predictor reads
SMALL_IMAGES = partial(make_image_mask, canvas_size=12)
SHORT_SERIES = partial(make_sequence_mask, n_timesteps=16)


def _frozen_predictor(keras, shape, region):
    """Logit of class 1: 4 times the masked sum of ``x`` over ``region``."""
    from keras import ops

    view = keras.Input((*shape, 2))  # concat([x * m, m]) on channels
    axes = tuple(range(1, len(shape) + 1))

    def logit(v):
        return 4.0 * ops.sum(v[(slice(None), *region, 0)], axis=axes)[:, None]

    return keras.Model(view, keras.layers.Lambda(logit)(view), name="predictor")


def _train_on_frozen_predictor(shape, region, epochs, sparsity):
    """Train a mask by blocks against :func:`_frozen_predictor`; its probabilities."""
    from skmask import objectives
    from skmask._keras import import_keras
    from skmask.gates import MaskGate
    from skmask.networks import build_global_mask_network

    keras = import_keras()
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(512, *shape, 1)).astype(np.float32)
    axes = tuple(range(1, len(shape) + 1))
    y = (x[(slice(None), *region, 0)].sum(axis=axes) > 0).astype(np.float32)
    # One logit per entry for all rows, without the default networks'
    # bound: the step's path for a user's network.
    network = build_global_mask_network(x.shape[1:], (*shape, 1))
    gate = MaskGate(seed=0)
    target = objectives.TargetSpec("binary", 1)
    predictor = _frozen_predictor(keras, shape, region)
    graph = objectives.task_graph(network, predictor, gate, target)
    assert objectives.local_gradient_applies(graph, x)
    gate.drop_rate.assign(0.5)
    objectives.train(
        graph,
        x,
        y[:, None],
        sample_weight=None,
        validation=None,
        epochs=epochs,
        batch_size=64,
        learning_rate=0.05,
        sparsity=sparsity,
        patience=None,
        seed=0,
        verbose=0,
        pretrain_fraction=0.0,
        local_gradient=True,
    )
    gate.drop_rate.assign(0.0)
    return 1 / (1 + np.exp(-np.asarray(network(x[:1]))[0, ..., 0]))


@pytest.mark.parametrize(
    ("shape", "region", "sparsity", "n_far"),
    [((SIDE, SIDE), REGION, 1.0, 60), ((STEPS,), WINDOW, 0.5, 14)],
    ids=["image", "series"],
)
def test_block_step_keeps_what_a_frozen_predictor_reads(shape, region, sparsity, n_far):
    from skmask import objectives

    probs = _train_on_frozen_predictor(shape, region, 30, sparsity)
    inside = np.zeros(shape, bool)
    inside[region] = True
    assert probs[inside].min() > 0.9, probs.round(2)
    # A block's gain is shared by its entries, so entries that share a block
    # with the region may be kept (a halo of up to BLOCK_SIZE - 1 pixels or
    # steps); entries farther away never do, and must close.
    index = np.indices(shape)
    distance = np.max(
        [
            np.maximum(r.start - i, i - (r.stop - 1))
            for i, r in zip(index, region, strict=True)
        ],
        axis=0,
    )
    far = distance >= objectives.BLOCK_SIZE
    assert far.sum() >= n_far
    assert probs[far].max() < 0.1, probs.round(2)


def test_in_passes_matches_one_pass():
    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    rng = np.random.RandomState(0)
    views = rng.normal(size=(7, SIDE, SIDE, 2)).astype(np.float32)
    labels = np.arange(7)
    predictor = _frozen_predictor(keras, (SIDE, SIDE), REGION)

    def fn(v, y):  # a float output of the rows' own values and labels
        return predictor(v, training=False)[:, 0] + keras.ops.cast(y, "float32")

    whole = np.asarray(objectives._in_passes(fn, (views, labels), None))
    for rows in (1, 3, 7, 10):  # 3 leaves a pass of one row: padded
        parts = np.asarray(objectives._in_passes(fn, (views, labels), rows))
        np.testing.assert_allclose(parts, whole, rtol=1e-6, atol=1e-6)


def test_block_step_on_a_pass_budget_trains_as_in_one_pass(monkeypatch):
    from skmask import objectives

    one_pass = _train_on_frozen_predictor((SIDE, SIDE), REGION, 4, 1.0)
    passes = []
    in_passes = objectives._in_passes

    def spy(fn, tensors, rows):
        passes.append(rows)
        return in_passes(fn, tensors, rows)

    # Batches of 64 images, 13 views of 12 x 12 pixels each: 5 images a pass.
    budget = 5 * (2 * objectives.BLOCK_DRAWS + 1) * SIDE * SIDE
    monkeypatch.setattr(objectives, "BLOCK_PASS_ENTRIES", budget)
    monkeypatch.setattr(objectives, "_in_passes", spy)
    chunked = _train_on_frozen_predictor((SIDE, SIDE), REGION, 4, 1.0)
    assert set(passes) == {5}
    np.testing.assert_allclose(chunked, one_pass, atol=1e-5)


@pytest.mark.parametrize(
    ("estimator", "data", "kwargs", "task", "reconstruction"),
    [
        (ImageMaskTransformer, SMALL_IMAGES, {}, 3.0, 1.0),
        (ImageMaskTransformer, SMALL_IMAGES, {"sparsity": 0.5}, 0.5, 0.5),
        (SequenceMaskTransformer, SHORT_SERIES, {}, 0.6, 0.4),
        (SequenceMaskTransformer, SHORT_SERIES, {"sparsity": 0.3}, 0.3, 0.3),
    ],
)
def test_task_masks_train_by_blocks_at_their_own_cost(
    monkeypatch, estimator, data, kwargs, task, reconstruction
):
    from skmask import objectives

    seen = []
    train = objectives.train

    def spy(graph, x, y, **options):
        seen.append((options["sparsity"], options.get("local_gradient", False)))
        return train(graph, x, y, **options)

    monkeypatch.setattr(objectives, "train", spy)
    X, y, _ = data(n_samples=40, random_state=0)
    small = {"epochs": 1, "hidden_units": (4,), "predictor_units": (4,)}
    estimator(random_state=0, **small, **kwargs).fit(X, y)
    # Teacher and surrogate train without the cost; the selector by blocks.
    assert seen[-1] == (task, True)
    seen.clear()
    estimator(random_state=0, **small, **kwargs).fit(X)
    assert seen == [(reconstruction, False)]
