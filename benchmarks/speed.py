"""Speed benchmarks: skmask against the bare Keras network, side by side.

Each line prints a ratio measured in this run (A and B interleaved, medians of
repeated rounds), so a shared or noisy machine slows both sides alike:

1. transform latency, 1 and 64 rows, vs the bare compiled mask network
   (a ``tf.function`` on standardised float32 rows) and vs ``Model.predict``;
2. transform throughput at 100,000 rows vs the bare network;
3. fit samples/s vs a hand-written Keras training loop of the same graph;
4. ``GridSearchCV`` over 5 thresholds x 3 folds vs 1 threshold x 3 folds,
   with ``memory`` (trained networks reused);
5. ``import skmask`` vs ``import tensorflow`` (fresh processes);
6. peak extra memory of ``transform`` on a large input (fresh process);
7. an image task fit whose surrogates skip the mask network (the default)
   vs the same fit through the full graph (masks compared too);
8. peak extra memory of an image task fit: the block step's views built
   and judged ``BLOCK_PASS_ENTRIES`` input entries at a time (the default)
   vs all in one pass, and vs straight-through training (fresh processes).

    python benchmarks/speed.py            # full sizes
    python benchmarks/speed.py --quick    # CI smoke run (small sizes)
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

N_FEATURES = 20


def _interleaved(fn_a, fn_b, calls, rounds):
    """Median over rounds of (seconds per call of a, of b), interleaved."""
    fn_a(), fn_b(), fn_a(), fn_b()  # warm up: traces, compiles, caches
    a, b = [], []
    for _ in range(rounds):
        for fn, out in ((fn_a, a), (fn_b, b)):
            started = time.perf_counter()
            for _ in range(calls):
                fn()
            out.append((time.perf_counter() - started) / calls)
    return statistics.median(a), statistics.median(b)


def _fitted_mask(n_rows, epochs):
    from skmask import LearnedMaskTransformer

    X = np.random.RandomState(0).normal(size=(n_rows, N_FEATURES)).astype(np.float32)
    return LearnedMaskTransformer(epochs=epochs, random_state=0).fit(X)


def _bare_network(mask):
    """The bare compiled mask network, and the rows it sees (standardised)."""
    import tensorflow as tf

    network = mask.mask_network_
    spec = tf.TensorSpec((None, N_FEATURES), tf.float32)
    forward = tf.function(lambda z: network(z, training=False), input_signature=[spec])

    def standardise(X):
        return ((X - mask.input_mean_) / mask.input_scale_).astype(np.float32)

    return forward, standardise


def bench_latency(mask, quick):
    forward, standardise = _bare_network(mask)
    rows = []
    for n in (1, 64):
        X = np.random.RandomState(n).normal(size=(n, N_FEATURES)).astype(np.float32)
        Z = standardise(X)
        calls, rounds = (20, 3) if quick else (200, 9)
        ours, bare = _interleaved(
            lambda X=X: mask.transform(X), lambda Z=Z: forward(Z).numpy(), calls, rounds
        )
        predict, _ = _interleaved(
            lambda Z=Z: mask.mask_network_.predict(Z, verbose=0),
            lambda: None,
            3 if quick else 20,
            1 if quick else 3,
        )
        rows.append(
            (
                f"1. transform latency, {n} row(s)",
                f"{ours * 1e3:.3f} ms vs bare {bare * 1e3:.3f} ms: "
                f"{ours / bare:.2f}x (target <= 1.5x); Model.predict "
                f"{predict * 1e3:.1f} ms = {predict / ours:.0f}x slower than "
                "transform (target >= 20x)",
            )
        )
    return rows


def bench_throughput(mask, quick):
    forward, standardise = _bare_network(mask)
    n = 10_000 if quick else 100_000
    X = np.random.RandomState(1).normal(size=(n, N_FEATURES)).astype(np.float32)
    Z = standardise(X)
    ours, bare = _interleaved(
        lambda: mask.transform(X),
        lambda: forward(Z).numpy(),
        2 if quick else 5,
        3 if quick else 9,
    )
    return [
        (
            f"2. transform throughput, {n} rows",
            f"{n / ours / 1e6:.2f} M rows/s vs bare {n / bare / 1e6:.2f} M rows/s: "
            f"{bare / ours:.2f}x of the bare network (target >= 0.9x)",
        )
    ]


def bench_fit(quick):
    """skmask fit vs a hand-written loop training the same graph the same way."""
    import tensorflow as tf

    from skmask import LearnedMaskTransformer
    from skmask._keras import import_keras, seeded
    from skmask.gates import MaskGate
    from skmask.networks import build_mlp, build_mlp_mask_network
    from skmask.objectives import reconstruction_graph

    keras = import_keras()
    n, epochs, batch = (2000, 3, 128) if quick else (20000, 10, 128)
    X = np.random.RandomState(2).normal(size=(n, N_FEATURES)).astype(np.float32)
    params = {"epochs": epochs, "batch_size": batch, "validation_fraction": None}

    def ours():
        LearnedMaskTransformer(random_state=0, **params).fit(X)

    def hand_written():
        with seeded(0):
            mask_net = build_mlp_mask_network(N_FEATURES, (64,), initial_logit=2.0)
            decoder = build_mlp(2 * N_FEATURES, (64, 64), N_FEATURES, name="decoder")
            gate = MaskGate(seed=0)
            graph = reconstruction_graph(mask_net, decoder, gate)
            model, optimizer = graph.model, keras.optimizers.Adam(3e-3)

            @tf.function
            def step(xb):
                with tf.GradientTape() as tape:
                    prediction, _, logits = model(xb, training=True)
                    loss = tf.reduce_mean(graph.loss(xb, prediction))
                    loss += 0.2 * tf.reduce_mean(tf.sigmoid(logits))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(
                    zip(grads, model.trainable_variables, strict=True)
                )
                return loss

            data = tf.data.Dataset.from_tensor_slices(X).shuffle(n, seed=0)
            data = data.batch(batch).prefetch(tf.data.AUTOTUNE)
            for _ in range(epochs):
                for xb in data:
                    step(xb)

    def keras_fit():
        ops = keras.ops
        with seeded(0):
            mask_net = build_mlp_mask_network(N_FEATURES, (64,), initial_logit=2.0)
            decoder = build_mlp(2 * N_FEATURES, (64, 64), N_FEATURES, name="decoder")
            graph = reconstruction_graph(mask_net, decoder, MaskGate(seed=0))

            class Graph(keras.Model):
                def __init__(self):
                    super().__init__()
                    self.inner = graph.model

                def call(self, x, training=False):
                    return self.inner(x, training=training)

                def compute_loss(self, x=None, y=None, y_pred=None, *args, **kwargs):
                    prediction, _, logits = y_pred
                    return ops.mean(graph.loss(y, prediction)) + 0.2 * ops.mean(
                        ops.sigmoid(logits)
                    )

            model = Graph()
            model.compile(optimizer=keras.optimizers.Adam(3e-3))
            model.fit(X, X, batch_size=batch, epochs=epochs, verbose=0)

    rounds = 1 if quick else 3
    a, b = _interleaved(ours, hand_written, 1, rounds)
    a2, c = _interleaved(ours, keras_fit, 1, rounds)
    a = min(a, a2)
    return [
        (
            f"3. fit, {n} rows x {epochs} epochs",
            f"{n * epochs / a:,.0f} samples/s vs hand-written tf.data loop "
            f"{n * epochs / b:,.0f} samples/s: {b / a:.2f}x, vs Keras Model.fit "
            f"{n * epochs / c:,.0f} samples/s: {c / a:.2f}x (target >= 0.9x)",
        )
    ]


def bench_grid(quick):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    from skmask import LearnedMaskTransformer
    from skmask.datasets import make_invase

    n, epochs = (300, 3) if quick else (2000, 20)
    X, y, _ = make_invase("syn1", n_samples=n, random_state=0)
    thresholds = [0.1, 0.3, 0.5, 0.7, 0.9]
    times = {}
    for grid in (thresholds[2:3], thresholds):
        with tempfile.TemporaryDirectory() as cache:
            mask = LearnedMaskTransformer(epochs=epochs, random_state=0, memory=cache)
            pipe = Pipeline([("mask", mask), ("clf", LogisticRegression())])
            search = GridSearchCV(pipe, {"mask__threshold": grid}, cv=3)
            started = time.perf_counter()
            search.fit(X, y)
            times[len(grid)] = time.perf_counter() - started
    return [
        (
            "4. GridSearchCV 5 thresholds x 3 folds vs 1 x 3 (memory)",
            f"{times[5]:.1f} s vs {times[1]:.1f} s: {times[5] / times[1]:.2f}x "
            "(target <= 1.3x)",
        )
    ]


def bench_surrogate_shortcut(quick):
    from skmask import EmptyMaskWarning, ImageMaskTransformer, objectives
    from skmask.datasets import make_image_mask

    n, size, epochs = (60, 12, 3) if quick else (300, 24, 30)
    X, y, _ = make_image_mask(n_samples=n, canvas_size=size, random_state=0)
    shape_of_logits = objectives._logits_shape
    times, masks = {"shortcut": [], "full": []}, {}
    try:
        for _ in range(1 if quick else 2):
            for mode in ("shortcut", "full"):
                # Without a logits shape the task graph has no random-mask model.
                objectives._logits_shape = (
                    shape_of_logits if mode == "shortcut" else (lambda network: None)
                )
                mask = ImageMaskTransformer(epochs=epochs, random_state=0)
                started = time.perf_counter()
                with warnings.catch_warnings():
                    # A fit this short may close every gate; only time counts.
                    warnings.simplefilter("ignore", EmptyMaskWarning)
                    mask.fit(X, y)
                times[mode].append(time.perf_counter() - started)
                masks[mode] = mask.predict_mask(X)
    finally:
        objectives._logits_shape = shape_of_logits
    fast, full = statistics.median(times["shortcut"]), statistics.median(times["full"])
    same = "identical" if np.array_equal(masks["shortcut"], masks["full"]) else "DIFFER"
    return [
        (
            f"7. image task fit ({n} x {size}x{size}, {epochs} epochs), surrogates "
            "without vs with the mask network",
            f"{fast:.1f} s vs {full:.1f} s: speed-up {full / fast:.2f}x; masks {same}",
        )
    ]


def _fresh_python(code):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - started


def bench_import(quick):
    rounds = 1 if quick else 3

    def cost(code):
        return min(_fresh_python(code) for _ in range(rounds)) - base

    base = min(_fresh_python("pass") for _ in range(rounds))
    ours = cost("import skmask")
    estimator = cost("from skmask import LearnedMaskTransformer")
    sklearn = cost("import sklearn.base")
    tf = cost("import tensorflow")
    return [
        (
            "5. import time",
            f"import skmask {ours:.3f} s (target <= 0.3 s); from skmask import "
            f"LearnedMaskTransformer {estimator:.2f} s, of which import "
            f"sklearn.base {sklearn:.2f} s; import tensorflow {tf:.2f} s",
        )
    ]


_MEMORY_SCRIPT = """
import resource, sys
import numpy as np
from skmask import LearnedMaskTransformer

def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()

n, d = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.RandomState(0)
mask = LearnedMaskTransformer(epochs=1, random_state=0).fit(
    rng.normal(size=(500, d)).astype(np.float32))
mask.transform(rng.normal(size=(5000, d)).astype(np.float32))  # warm up
X = np.empty((n, d), dtype=np.float32)
for start in range(0, n, 100000):  # no float64 temporary
    X[start:start + 100000] = rng.normal(size=X[start:start + 100000].shape)
before = rss()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
out = mask.transform(X)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(before, max(peak, peak_before), X.nbytes, out.nbytes)
"""


def bench_memory(quick):
    sizes = [(100_000, 100)] if quick else [(1_000_000, 100), (2_000_000, 50)]
    rows = []
    for n, d in sizes:
        result = subprocess.run(
            [sys.executable, "-c", _MEMORY_SCRIPT, str(n), str(d)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        before, peak, x_bytes, out_bytes = map(int, result.stdout.split()[-4:])
        temporaries = peak - before - out_bytes
        rows.append(
            (
                f"6. transform peak memory, {n:,} x {d} float32",
                f"input {x_bytes / 2**20:.0f} MiB, output {out_bytes / 2**20:.0f} "
                f"MiB, peak beyond both {temporaries / 2**20:.0f} MiB = "
                f"{temporaries / (x_bytes + out_bytes):.2f}x input + output "
                "(target <= ~2x)",
            )
        )
    return rows


_FIT_MEMORY_SCRIPT = """
import sys, time
import numpy as np
from skmask import ImageMaskTransformer, objectives

side, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if mode == 'one-pass':
    objectives.BLOCK_PASS_ENTRIES = 2**62
elif mode == 'straight-through':
    objectives.BLOCK_DRAWS = 0
rng = np.random.RandomState(0)
X = rng.normal(size=(n, side, side, 3)).astype(np.float32)
y = rng.randint(3, size=n)

def status(field):
    with open('/proc/self/status') as f:
        line = next(l for l in f if l.startswith(field + ':'))
    return int(line.split()[1]) * 1024

# Reset the peak (VmHWM) to the current size: the imports peak higher than
# a small fit, and the peak over the process's life would hide the fit's.
try:
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
except OSError:
    pass
before = status('VmRSS')
started = time.perf_counter()
ImageMaskTransformer(epochs=2, random_state=0).fit(X, y)
seconds = time.perf_counter() - started
print(before, status('VmHWM'), seconds)
"""


def bench_fit_memory(quick):
    side, n = (32, 64) if quick else (96, 256)
    peaks, seconds = {}, {}
    for mode in ("passes", "one-pass", "straight-through"):
        result = subprocess.run(
            [sys.executable, "-c", _FIT_MEMORY_SCRIPT, str(side), str(n), mode],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        before, peak, took = result.stdout.split()[-3:]
        # At least 1 MiB: a ratio, never a division by zero.
        peaks[mode] = max(int(peak) - int(before), 2**20) / 2**20
        seconds[mode] = float(took)
    return [
        (
            f"8. image task fit peak memory, {n} x {side}x{side}x3",
            f"passes of <= 2^20 entries {peaks['passes']:.0f} MiB "
            f"({seconds['passes']:.0f} s); one pass {peaks['one-pass']:.0f} MiB = "
            f"{peaks['one-pass'] / peaks['passes']:.2f}x "
            f"({seconds['one-pass']:.0f} s); straight-through "
            f"{peaks['straight-through']:.0f} MiB = "
            f"{peaks['straight-through'] / peaks['passes']:.2f}x",
        )
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    parser.add_argument(
        "--only", default="12345678", help="which benchmarks to run, e.g. '12'"
    )
    args = parser.parse_args()
    rows = []
    if "5" in args.only:
        rows += bench_import(args.quick)
    if {"1", "2"} & set(args.only):
        mask = _fitted_mask(500 if args.quick else 5000, 2 if args.quick else 10)
        if "1" in args.only:
            rows += bench_latency(mask, args.quick)
        if "2" in args.only:
            rows += bench_throughput(mask, args.quick)
    if "3" in args.only:
        rows += bench_fit(args.quick)
    if "4" in args.only:
        rows += bench_grid(args.quick)
    if "6" in args.only:
        rows += bench_memory(args.quick)
    if "7" in args.only:
        rows += bench_surrogate_shortcut(args.quick)
    if "8" in args.only:
        rows += bench_fit_memory(args.quick)
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")


if __name__ == "__main__":
    main()
