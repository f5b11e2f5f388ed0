"""Multi-device training: one fit on one device vs ``distribute='mirrored'``.

The CPU is split into two logical devices (as in ``tests/test_distribute.py``;
there is no GPU here), and the same fit runs without and with
``distribute='mirrored'``. Both replicas then share the same cores, so this
measures the cost of the distributed step (``strategy.run``, the strided
split, the all-reduce), not a speed-up: that needs devices of their own
(GPUs). Also printed: how far the two fits' weights end apart.

    python benchmarks/multi_device.py          # 20,000 rows x 10 epochs, 3 rounds
    python benchmarks/multi_device.py --quick  # CI smoke run
"""

import argparse
import statistics
import time

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)

import numpy as np

from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase


def fit_seconds(distribute, X, epochs, batch_size):
    mask = LearnedMaskTransformer(
        objective="reconstruction",
        epochs=epochs,
        batch_size=batch_size,
        patience=None,
        distribute=distribute,
        random_state=0,
    )
    started = time.perf_counter()
    mask.fit(X)
    return time.perf_counter() - started, mask


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    args = parser.parse_args()
    n, epochs, rounds = (2000, 2, 1) if args.quick else (20000, 10, 3)
    X, _, _ = make_invase("syn1", n_samples=n, n_features=20, random_state=0)
    batch_size = 256
    fit_seconds(None, X[:512], 1, batch_size)  # start TensorFlow, trace once
    fit_seconds("mirrored", X[:512], 1, batch_size)
    one, two = [], []
    for _ in range(rounds):  # interleaved, medians
        seconds, plain = fit_seconds(None, X, epochs, batch_size)
        one.append(seconds)
        seconds, mirrored = fit_seconds("mirrored", X, epochs, batch_size)
        two.append(seconds)
    gap = max(
        float(np.abs(u - v).max())
        for u, v in zip(
            plain.mask_network_.get_weights(),
            mirrored.mask_network_.get_weights(),
            strict=True,
        )
    )
    steps = epochs * -(-n // batch_size)
    t1, t2 = statistics.median(one), statistics.median(two)
    print(f"{n} rows x {epochs} epochs, batch {batch_size}, {steps} steps")
    print(f"replicas: {plain.n_replicas_} vs {mirrored.n_replicas_}")
    print(f"one device      : {t1:6.2f} s  ({n * epochs / t1:9.0f} samples/s)")
    print(f"mirrored, 2 CPUs: {t2:6.2f} s  ({n * epochs / t2:9.0f} samples/s)")
    print(f"ratio (one device time / mirrored time): {t1 / t2:.2f}x")
    print(f"max weight gap between the two fits: {gap:.2e}")


if __name__ == "__main__":
    main()
