"""The local-expectation selector step of task masks over tables."""

import numpy as np
import pytest


def _column_graph(keras, initial_logit):
    """A task graph whose frozen predictor reads column 0 only (4 columns)."""
    from skmask import objectives
    from skmask.gates import MaskGate
    from skmask.networks import build_global_mask_network

    view = keras.Input((8,))  # concat([x * m, m])
    logit = keras.layers.Lambda(lambda v: 4.0 * v[:, :1])(view)
    predictor = keras.Model(view, logit, name="predictor")
    predictor.trainable = False
    network = build_global_mask_network((4,), initial_logit=initial_logit)
    target = objectives.TargetSpec("binary", 1)
    return objectives.task_graph(network, predictor, MaskGate(seed=0), target)


def _data(n=64):
    rng = np.random.RandomState(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, :1] > 0).astype(np.float32)


@pytest.mark.parametrize("leash", [False, True])
def test_an_open_logit_past_the_leash_is_pulled_back(leash):
    # A saturated gate has no gradient left: without the leash its logit
    # never falls (the cost could not close it later); with it, it does.
    import tensorflow as tf

    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    graph = _column_graph(keras, initial_logit=20.0)
    x, y = _data()
    assert objectives.local_gradient_applies(graph, x)
    network = graph.mask_network
    optimizer = keras.optimizers.Adam(learning_rate=0.1)
    optimizer.build(network.trainable_variables)
    weight = objectives.LEASH_WEIGHT if leash else 0.0
    step = objectives._local_step(
        graph, optimizer, tf.Variable(0.01), None, None, tf.Variable(weight)
    )
    before = np.asarray(network(x[:1]))[0, 0]
    step(x, y, np.ones(len(x), np.float32), np.float32(len(x)))
    after = np.asarray(network(x[:1]))[0, 0]
    assert before > objectives.LOGIT_LEASH
    if leash:
        assert after < before - 0.05, (before, after)
    else:
        assert after >= before, (before, after)


def test_train_leashes_the_local_step_only_while_the_cost_warms_up(monkeypatch):
    from skmask import objectives
    from skmask._keras import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    graph = _column_graph(keras, initial_logit=2.0)
    x, y = _data()
    seen = []
    local_step = objectives._local_step

    def spy(*args):
        step = local_step(*args)
        leash_weight = args[-1]

        def recorded(*batch):
            seen.append(float(leash_weight.numpy()))
            return step(*batch)

        return recorded

    monkeypatch.setattr(objectives, "_local_step", spy)
    # 10 epochs of one batch: eager steps; the cost warms up over 2 epochs.
    objectives.train(
        graph,
        x,
        y,
        sample_weight=None,
        validation=None,
        epochs=10,
        batch_size=64,
        learning_rate=0.01,
        sparsity=0.1,
        patience=None,
        seed=0,
        verbose=0,
        pretrain_fraction=0.0,
        local_gradient=True,
    )
    assert seen == pytest.approx([objectives.LEASH_WEIGHT] * 2 + [0.0] * 8), seen
