"""Multi-device training under tf.distribute, on a CPU split in two devices.

The split must be made before TensorFlow starts, so the fits run in a fresh
process (``distributed_script.py``); the tests check what it measured.
"""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase

SCRIPT = pathlib.Path(__file__).with_name("distributed_script.py")


def _measure():
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_mirrored_training_on_two_devices():
    # One test, not one per property: under pytest-xdist a module fixture
    # runs once per worker, and these fits take a minute (pytest 9 ignores
    # the node-id suffix that ``--dist loadgroup`` relies on).
    measured = _measure()

    # Same rows per step, loss divided by the global batch, gradients summed
    # over replicas: the same training up to float32 rounding.
    assert measured["supervised_replicas"] == [1, 2]
    assert measured["supervised_weight_gap"] < 1e-5
    assert measured["supervised_loss_gap"] < 1e-6

    # The fitted networks are plain single-device copies, and pickle.
    assert measured["mirrored_weights_distributed"] is False
    assert measured["pickle_equal"] is True

    # A task mask trained on two replicas still finds syn1's features.
    assert measured["task_replicas"] == 2
    assert measured["task_tpr"] >= 0.9
    assert measured["task_fdr"] <= 0.1

    # Series fit on two replicas and keep their shape.
    assert measured["series_replicas"] == 2
    assert measured["series_shape_kept"] is True

    # A caller's own strategy scope is used, and a conflicting one refused.
    assert measured["scope_replicas"] == 2
    assert measured["scope_weight_gap"] < 1e-5
    assert measured["scope_transform_gap"] == 0.0
    assert "strategy scope" in measured["scope_conflict_error"]

    # Each replica draws its own gate noise.
    assert measured["replica_draws_differ"] is True


def test_mirrored_on_one_device_trains_as_without():
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) > 1:
        pytest.skip("several GPUs here: 'mirrored' would use them")
    if len(tf.config.list_logical_devices("CPU")) > 1:
        pytest.skip("several logical CPUs here")
    X, y, _ = make_invase("syn1", n_samples=200, random_state=0)
    kw = {"epochs": 2, "random_state": 0, "hidden_units": (8,)}
    plain = LearnedMaskTransformer(**kw).fit(X, y)
    mirrored = LearnedMaskTransformer(distribute="mirrored", **kw).fit(X, y)
    assert mirrored.n_replicas_ == 1
    np.testing.assert_array_equal(mirrored.transform(X), plain.transform(X))


def test_distribute_must_be_none_or_mirrored():
    X, _, _ = make_invase("syn1", n_samples=50, random_state=0)
    with pytest.raises(ValueError, match="distribute"):
        LearnedMaskTransformer(distribute="tpu", epochs=1).fit(X)
