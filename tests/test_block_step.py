"""The block local-expectation selector step of image and series task masks."""

import numpy as np
import pytest

from skmask import ImageMaskTransformer, SequenceMaskTransformer
from skmask.datasets import make_image_mask, make_sequence_mask

SIDE = 12
REGION = (slice(4, 7), slice(5, 8))  # the only pixels the predictor reads


def _frozen_predictor(keras):
    """Logit of class 1: 4 times the masked sum of the region's pixels."""
    from keras import ops

    view = keras.Input((SIDE, SIDE, 2))  # concat([x * m, m]) on channels
    rows, cols = REGION

    def logit(v):
        return 4.0 * ops.sum(v[:, rows, cols, 0], axis=(1, 2))[:, None]

    return keras.Model(view, keras.layers.Lambda(logit)(view), name="predictor")


def _train_on_frozen_predictor(epochs):
    """Train a mask by blocks against :func:`_frozen_predictor`; its probabilities."""
    from skmask import objectives
    from skmask._keras import import_keras
    from skmask.gates import MaskGate
    from skmask.networks import build_global_mask_network

    keras = import_keras()
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(512, SIDE, SIDE, 1)).astype(np.float32)
    y = (x[:, REGION[0], REGION[1], 0].sum(axis=(1, 2)) > 0).astype(np.float32)
    # One logit per pixel for all images, without the default networks'
    # bound: the step's path for a user's network.
    network = build_global_mask_network(x.shape[1:], (SIDE, SIDE, 1))
    gate = MaskGate(seed=0)
    target = objectives.TargetSpec("binary", 1)
    graph = objectives.task_graph(network, _frozen_predictor(keras), gate, target)
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
        sparsity=1.0,
        patience=None,
        seed=0,
        verbose=0,
        pretrain_fraction=0.0,
        local_gradient=True,
    )
    gate.drop_rate.assign(0.0)
    return 1 / (1 + np.exp(-np.asarray(network(x[:1]))[0, ..., 0]))


def test_block_step_keeps_what_a_frozen_predictor_reads():
    from skmask import objectives

    probs = _train_on_frozen_predictor(epochs=30)
    inside = np.zeros((SIDE, SIDE), bool)
    inside[REGION] = True
    assert probs[inside].min() > 0.9, probs.round(2)
    # A block's gain is shared by its pixels, so pixels that share a block
    # with the region may be kept (a halo of up to BLOCK_SIZE - 1 pixels);
    # pixels farther away never do, and must close.
    rr, cc = np.indices((SIDE, SIDE))
    far = (
        np.maximum(
            np.maximum(REGION[0].start - rr, rr - (REGION[0].stop - 1)),
            np.maximum(REGION[1].start - cc, cc - (REGION[1].stop - 1)),
        )
        >= objectives.BLOCK_SIZE
    )
    assert far.sum() >= 60
    assert probs[far].max() < 0.1, probs.round(2)


STEPS = 24
WINDOW = slice(10, 14)  # the only steps the series predictor reads


def test_block_step_keeps_the_steps_a_frozen_predictor_reads():
    from keras import ops

    from skmask import objectives
    from skmask._keras import import_keras
    from skmask.gates import MaskGate
    from skmask.networks import build_global_mask_network

    keras = import_keras()
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(512, STEPS, 1)).astype(np.float32)
    y = (x[:, WINDOW, 0].sum(axis=1) > 0).astype(np.float32)
    view = keras.Input((STEPS, 2))  # concat([x * m, m]) on channels
    logit = keras.layers.Lambda(
        lambda v: 4.0 * ops.sum(v[:, WINDOW, 0], axis=1)[:, None]
    )(view)
    predictor = keras.Model(view, logit, name="predictor")
    network = build_global_mask_network(x.shape[1:], (STEPS, 1))
    gate = MaskGate(seed=0)
    target = objectives.TargetSpec("binary", 1)
    graph = objectives.task_graph(network, predictor, gate, target)
    assert objectives.local_gradient_applies(graph, x)
    gate.drop_rate.assign(0.5)
    objectives.train(
        graph,
        x,
        y[:, None],
        sample_weight=None,
        validation=None,
        epochs=30,
        batch_size=64,
        learning_rate=0.05,
        sparsity=0.5,
        patience=None,
        seed=0,
        verbose=0,
        pretrain_fraction=0.0,
        local_gradient=True,
    )
    gate.drop_rate.assign(0.0)
    probs = 1 / (1 + np.exp(-np.asarray(network(x[:1]))[0, :, 0]))
    steps = np.arange(STEPS)
    inside = (steps >= WINDOW.start) & (steps < WINDOW.stop)
    assert probs[inside].min() > 0.9, probs.round(2)
    # Blocks of BLOCK_SIZE steps: a halo of up to BLOCK_SIZE - 1 steps.
    gap = np.maximum(WINDOW.start - steps, steps - (WINDOW.stop - 1))
    far = gap >= objectives.BLOCK_SIZE
    assert far.sum() >= 14
    assert probs[far].max() < 0.1, probs.round(2)


def test_in_passes_matches_one_pass():
    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    rng = np.random.RandomState(0)
    views = rng.normal(size=(7, SIDE, SIDE, 2)).astype(np.float32)
    labels = np.arange(7)
    predictor = _frozen_predictor(keras)

    def fn(v, y):  # a float output of the rows' own values and labels
        return predictor(v, training=False)[:, 0] + keras.ops.cast(y, "float32")

    whole = np.asarray(objectives._in_passes(fn, (views, labels), None))
    for rows in (1, 3, 7, 10):  # 3 leaves a pass of one row: padded
        parts = np.asarray(objectives._in_passes(fn, (views, labels), rows))
        np.testing.assert_allclose(parts, whole, rtol=1e-6, atol=1e-6)


def test_block_step_on_a_pass_budget_trains_as_in_one_pass(monkeypatch):
    from skmask import objectives

    one_pass = _train_on_frozen_predictor(epochs=4)
    passes = []
    in_passes = objectives._in_passes

    def spy(fn, tensors, rows):
        passes.append(rows)
        return in_passes(fn, tensors, rows)

    # Batches of 64 images, 13 views of 12 x 12 pixels each: 5 images a pass.
    budget = 5 * (2 * objectives.BLOCK_DRAWS + 1) * SIDE * SIDE
    monkeypatch.setattr(objectives, "BLOCK_PASS_ENTRIES", budget)
    monkeypatch.setattr(objectives, "_in_passes", spy)
    chunked = _train_on_frozen_predictor(epochs=4)
    assert set(passes) == {5}
    np.testing.assert_allclose(chunked, one_pass, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [({}, 3.0), ({"sparsity": 0.5}, 0.5)],
)
def test_task_masks_train_by_blocks_at_their_own_cost(monkeypatch, kwargs, expected):
    from skmask import objectives

    seen = []
    train = objectives.train

    def spy(graph, x, y, **options):
        seen.append((options["sparsity"], options.get("local_gradient", False)))
        return train(graph, x, y, **options)

    monkeypatch.setattr(objectives, "train", spy)
    X, y, _ = make_image_mask(n_samples=40, canvas_size=12, random_state=0)
    small = {"epochs": 1, "hidden_units": (4,), "predictor_units": (4,)}
    ImageMaskTransformer(random_state=0, **small, **kwargs).fit(X, y)
    # Teacher and surrogate train without the cost; the selector by blocks.
    assert seen[-1] == (expected, True)
    seen.clear()
    ImageMaskTransformer(random_state=0, **small, **kwargs).fit(X)
    reconstruction = 1.0 if not kwargs else kwargs["sparsity"]
    assert seen == [(reconstruction, False)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [({}, 0.6), ({"sparsity": 0.3}, 0.3)],
)
def test_series_task_masks_train_by_blocks_at_their_own_cost(
    monkeypatch, kwargs, expected
):
    from skmask import objectives

    seen = []
    train = objectives.train

    def spy(graph, x, y, **options):
        seen.append((options["sparsity"], options.get("local_gradient", False)))
        return train(graph, x, y, **options)

    monkeypatch.setattr(objectives, "train", spy)
    X, y, _ = make_sequence_mask(n_samples=40, n_timesteps=16, random_state=0)
    small = {"epochs": 1, "hidden_units": (4,), "predictor_units": (4,)}
    SequenceMaskTransformer(random_state=0, **small, **kwargs).fit(X, y)
    assert seen[-1] == (expected, True)
    seen.clear()
    SequenceMaskTransformer(random_state=0, **small, **kwargs).fit(X)
    reconstruction = 0.4 if not kwargs else kwargs["sparsity"]
    assert seen == [(reconstruction, False)]
