"""Mask gates: what the held-out losses of each training phase are measured on."""

import numpy as np


def _gate():
    from skmask.gates import MaskGate

    gate = MaskGate(seed=0)
    gate.build((None, 50))
    return gate


def test_held_out_masks_of_a_random_mask_phase_are_random_and_fixed():
    # A surrogate learns on random masks: its held-out loss must be measured
    # on random masks too, the same at every evaluation, not on full input.
    gate = _gate()
    gate.random_rate.assign(1.0)
    logits = np.full((200, 50), 5.0, dtype="float32")  # the learned mask keeps all
    first = np.asarray(gate(logits, training=False))
    second = np.asarray(gate(logits, training=False))
    np.testing.assert_array_equal(first, second)
    assert set(np.unique(first)) == {0.0, 1.0}
    assert 0.35 < first.mean() < 0.65
    # Each row has its own keep rate, as in training.
    assert first.mean(axis=1).std() > 0.15


def test_held_out_masks_of_learned_phases_threshold_the_keep_probability():
    gate = _gate()
    logits = np.array([[-3.0, -0.1, 0.1, 3.0]], dtype="float32")
    np.testing.assert_array_equal(gate(logits, training=False), [[0, 0, 1, 1]])


def test_mask_tokens_replace_dropped_entries_by_a_learned_value():
    from skmask.gates import MaskTokens

    layer = MaskTokens()
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
    m = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype="float32")
    view = np.concatenate([x * m, m], axis=1)
    layer(view)  # builds the tokens, which start at 0 (the column mean)
    layer.token.assign(np.array([-7.0, 8.0, 9.0], dtype="float32"))
    expected = np.array([[1.0, 8.0, 3.0], [-7.0, 8.0, 6.0]], dtype="float32")
    np.testing.assert_allclose(layer(view), expected)
    assert layer.compute_output_shape((None, 6)) == (None, 3)


def _predictor_ignoring_column(mask_tokens, column, d=4):
    from skmask.networks import build_mlp

    net = build_mlp(2 * d, (8,), 1, mask_tokens=mask_tokens, name="predictor")
    dense = next(layer for layer in net.layers if "dense_0" in layer.name)
    kernel, bias = dense.get_weights()
    rng = np.random.RandomState(0)
    kernel = rng.normal(size=kernel.shape).astype("float32")
    kernel[column] = 0.0  # the column's value is never read
    dense.set_weights([kernel, bias + 1.0])
    return net


def test_a_predictor_that_ignores_a_column_ignores_whether_it_is_kept():
    d, column = 4, 2
    rng = np.random.RandomState(1)
    x = rng.normal(size=(20, d)).astype("float32")
    kept, dropped = np.ones((20, d), "float32"), np.ones((20, d), "float32")
    dropped[:, column] = 0.0

    def outputs(net, m):
        return np.asarray(net(np.concatenate([x * m, m], axis=1)))

    tokens = _predictor_ignoring_column(True, column, d)
    tokens.layers[1].token.assign(rng.normal(size=d).astype("float32"))
    np.testing.assert_allclose(outputs(tokens, kept), outputs(tokens, dropped))
    # With the mask bits as inputs of their own, the same network is swayed
    # by the bit alone: what a selector could exploit.
    bits = _predictor_ignoring_column(False, column, d)
    assert not np.allclose(outputs(bits, kept), outputs(bits, dropped))


def _small_task_fits():
    from skmask import (
        ImageMaskTransformer,
        LearnedMaskTransformer,
        SequenceMaskTransformer,
    )

    rng = np.random.RandomState(0)
    table = rng.normal(size=(120, 4))
    images = rng.normal(size=(40, 8, 8))
    corner = images[:, 2, 2] > 0
    series = rng.normal(size=(40, 16))
    small = {"epochs": 2, "random_state": 0}
    return [
        (LearnedMaskTransformer(hidden_units=(8,), **small), table, table[:, 0] > 0),
        (ImageMaskTransformer(hidden_units=(4, 8), **small), images, corner),
        (SequenceMaskTransformer(hidden_units=(4,), **small), series, series[:, 3] > 0),
    ]


def test_surrogates_learn_the_same_without_running_the_mask_network(monkeypatch):
    # While the gate emits random masks only, the surrogate's graph leaves the
    # mask network out (its output is multiplied by zero there): the fitted
    # predictors and masks must be exactly those of the full graph.
    from skmask import objectives

    shortcut_used = []
    train = objectives.train

    def spy(graph, *args, pretrain_fraction=objectives.PRETRAIN_FRACTION, **kwargs):
        if pretrain_fraction >= 1.0:
            shortcut_used.append(graph.random_mask_model is not None)
        return train(graph, *args, pretrain_fraction=pretrain_fraction, **kwargs)

    monkeypatch.setattr(objectives, "train", spy)
    fast = [est.fit(X, y) for est, X, y in _small_task_fits()]
    assert shortcut_used and all(shortcut_used)

    monkeypatch.setattr(objectives, "_logits_shape", lambda network: None)
    shortcut_used.clear()
    full = [est.fit(X, y) for est, X, y in _small_task_fits()]
    assert shortcut_used and not any(shortcut_used)
    for a, b, (_, X, _) in zip(fast, full, _small_task_fits(), strict=True):
        for wa, wb in zip(
            a.predictor_.get_weights(), b.predictor_.get_weights(), strict=True
        ):
            np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(a.predict_mask(X), b.predict_mask(X))


def test_logits_shape_follows_the_input_where_the_network_leaves_it_open():
    import keras

    from skmask.networks import build_image_mask_network
    from skmask.objectives import _logits_shape

    fcn = build_image_mask_network((8, 8, 3), "fcn", (4, 8))
    assert _logits_shape(fcn) == (None, None, 1)
    cnn = build_image_mask_network((8, 8, 3), "cnn", (4,), mask_channels=3)
    assert _logits_shape(cnn) == (8, 8, 3)
    # Another rank than the input's: the shape cannot be told, no shortcut.
    flat = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten()])
    assert _logits_shape(flat) is None
