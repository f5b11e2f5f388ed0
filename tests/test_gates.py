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
