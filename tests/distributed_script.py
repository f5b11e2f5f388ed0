"""Fits under tf.distribute on a CPU split into two logical devices.

Run as a script by ``tests/test_distribute.py``: the split must happen before
TensorFlow starts, which the test process has done long before. Prints one
JSON object of measurements for the tests to check.
"""

import json
import pickle
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)

import numpy as np  # noqa: E402

from skmask import LearnedMaskTransformer, SequenceMaskTransformer  # noqa: E402
from skmask.datasets import make_invase, make_sequence_mask  # noqa: E402
from skmask.metrics import mask_fdr, mask_tpr  # noqa: E402


def max_weight_gap(a, b):
    return max(
        float(np.abs(u - v).max())
        for u, v in zip(a.get_weights(), b.get_weights(), strict=True)
    )


def is_distributed(model):
    return any(
        isinstance(w.value, tf.distribute.DistributedValues) for w in model.weights
    )


out = {}
X, y, truth = make_invase("syn1", n_samples=1200, random_state=0)

# Supervised masks have no gate noise: the 2-replica step must be the
# single-device step (same rows, gradients summed over replicas).
target = (np.abs(X) > 0.5).astype(float)
kw = {"objective": "supervised", "epochs": 4, "batch_size": 64, "random_state": 0}
one = LearnedMaskTransformer(**kw).fit(X, mask=target)
two = LearnedMaskTransformer(distribute="mirrored", **kw).fit(X, mask=target)
out["supervised_weight_gap"] = max_weight_gap(one.mask_network_, two.mask_network_)
out["supervised_loss_gap"] = abs(one.history_["loss"][-1] - two.history_["loss"][-1])
out["supervised_replicas"] = [one.n_replicas_, two.n_replicas_]
out["mirrored_weights_distributed"] = is_distributed(two.mask_network_)
copy = pickle.loads(pickle.dumps(two))
out["pickle_equal"] = bool(np.array_equal(copy.transform(X), two.transform(X)))

# Task-driven masks (three phases, the local-expectation gradient) on syn1.
task = LearnedMaskTransformer(distribute="mirrored", random_state=0).fit(X, y)
keep = task.get_mask(X)
out["task_replicas"] = task.n_replicas_
out["task_tpr"] = float(mask_tpr(truth, keep))
out["task_fdr"] = float(mask_fdr(truth, keep))

# Series (padding, 1-D convolutions), self-supervised.
Xs, _, _ = make_sequence_mask(n_samples=64, n_timesteps=24, random_state=0)
series = SequenceMaskTransformer(distribute="mirrored", epochs=2, random_state=0).fit(
    Xs
)
out["series_replicas"] = series.n_replicas_
out["series_shape_kept"] = list(series.transform(Xs).shape) == list(Xs.shape)

# The caller's own strategy scope (the Keras idiom).
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    scoped = LearnedMaskTransformer(**kw).fit(X, mask=target)
    try:
        LearnedMaskTransformer(distribute="mirrored", **kw).fit(X, mask=target)
        out["scope_conflict_error"] = ""
    except ValueError as error:
        out["scope_conflict_error"] = str(error)
out["scope_replicas"] = scoped.n_replicas_
out["scope_weight_gap"] = max_weight_gap(one.mask_network_, scoped.mask_network_)
out["scope_transform_gap"] = float(np.abs(scoped.transform(X) - two.transform(X)).max())

# The gate's noise: a different stream on each replica.
from skmask.gates import MaskGate  # noqa: E402

with strategy.scope():
    gate = MaskGate(seed=0)
    gate.build((None, 4))


@tf.function
def draw():
    return strategy.run(lambda: gate.uniform((3, 4)))


local = strategy.experimental_local_results(draw())
out["replica_draws_differ"] = not np.array_equal(local[0].numpy(), local[1].numpy())

json.dump(out, sys.stdout)
