"""Fast inference: compiled forward passes of a fitted mask network.

``Model.predict`` costs 55-100 ms per call and an eager ``model(x)`` ~2 ms,
whatever the number of rows; sklearn users call ``transform`` on a handful of
rows in loops and in serving. :class:`CompiledMask` wraps a fitted mask network
in cached ``tf.function`` s (one trace per input dtype, any number of rows)
that standardise raw rows and run the network in one call, and runs them over
bounded chunks of rows so that memory stays bounded for large inputs.

Large chunks go through XLA (``jit_compile``): it fuses standardisation, the
thresholding and the masking into the network's kernels, which is what makes a
whole ``transform`` as fast as the bare network (see ``docs/benchmarks.md``).
XLA compiles once per input shape (~0.1 s), so only chunks of at least
``JIT_MIN_ROWS`` rows use it, and rows are split into chunks of power-of-two
sizes (:func:`chunk_bounds`): a fitted estimator compiles a handful of shapes
in its lifetime. Which path a chunk takes depends only on its row count, so
the same input always gets bit-identical masks. Smaller inputs use the
plain compiled function, whose latency is set by the call overhead.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.special import expit

# Input entries per forward pass (16384 rows of 64 features): bounds the
# memory of the network's activations and of the intermediate arrays.
CHUNK_ENTRIES = 16384 * 64
# Chunks with fewer rows run without XLA (compiling costs ~0.1 s per shape).
JIT_MIN_ROWS = 2048
# Standardised inputs are clipped to +-INPUT_CLIP standard deviations: a
# finite but huge value (1e38) would overflow float32 in the network's first
# layer and turn the whole row's mask into NaN.
INPUT_CLIP = 1e4


def standardise(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Return ``(x - mean) / scale`` as float32, clipped to ``+-INPUT_CLIP``.

    NaN (padding of series) stays NaN. The one place the network's input is
    made, for training and for the few-row inference path.
    """
    with np.errstate(over="ignore"):
        z = (x - mean) / scale
    return np.clip(z, -INPUT_CLIP, INPUT_CLIP).astype(np.float32)


@functools.lru_cache(maxsize=64)
def logit_cutoff(threshold: float) -> float:
    """Return the smallest float32 logit ``l`` with ``expit(l) >= threshold``.

    ``logits >= logit_cutoff(t)`` then equals ``expit(logits) >= t`` exactly
    for float32 logits (``expit`` in float64, as :func:`skmask.apply.binarize`
    sees it), so a compiled graph can threshold logits without computing a
    sigmoid and still agree bit for bit with ``get_mask``.

    Parameters
    ----------
    threshold : float
        Keep threshold in [0, 1].

    Returns
    -------
    float
        A float32 value; ``-inf`` when every logit qualifies, ``inf`` when
        none does.
    """

    def keeps(v: np.float32) -> bool:
        return bool(expit(np.float64(v)) >= threshold)

    lo, hi = np.float32(-800.0), np.float32(800.0)  # expit is 0 / 1 beyond
    if keeps(lo):
        return float("-inf")
    if not keeps(hi):
        return float("inf")
    # Invariant: keeps(hi) and not keeps(lo); bisect over float32 values.
    while np.nextafter(lo, hi) != hi:
        mid = np.float32((np.float64(lo) + np.float64(hi)) / 2)
        if mid in (lo, hi):
            mid = np.nextafter(lo, hi)
        if keeps(mid):
            hi = mid
        else:
            lo = mid
    return float(hi)


def rows_per_chunk(entries_per_row: int) -> int:
    """Rows per chunk: a power of two with at most ``CHUNK_ENTRIES`` entries."""
    rows = max(1, CHUNK_ENTRIES // max(1, entries_per_row))
    return 1 << (rows.bit_length() - 1)


def chunk_bounds(n_rows: int, entries_per_row: int) -> list[tuple[int, int]]:
    """Split ``n_rows`` into ``(start, stop)`` chunks for the compiled passes.

    Full chunks of :func:`rows_per_chunk` rows, then the rest in decreasing
    powers of two down to ``JIT_MIN_ROWS``, then a tail of fewer rows (padded
    to ``JIT_MIN_ROWS`` when run through XLA, see ``CompiledMask._call``): XLA
    sees a few fixed shapes and no row is computed twice.
    """
    rows = rows_per_chunk(entries_per_row)
    bounds, start = [], 0
    while n_rows - start >= min(rows, JIT_MIN_ROWS):
        size = min(rows, 1 << ((n_rows - start).bit_length() - 1))
        bounds.append((start, start + size))
        start += size
    if start < n_rows:
        bounds.append((start, n_rows))
    return bounds


def map_chunks(
    function: Any, x: np.ndarray, bounds: list[tuple[int, int]]
) -> np.ndarray:
    """Apply ``function`` to ``x[start:stop]`` for each bound, into one output.

    The output is allocated once (from the first chunk's shape and dtype) and
    each chunk's result is written into it, so the memory beyond input and
    output is one chunk's temporaries.
    """
    if len(bounds) == 1:
        return function(x)
    out = None
    for start, stop in bounds:
        part = function(x[start:stop])
        if out is None:
            out = np.empty((x.shape[0], *part.shape[1:]), dtype=part.dtype)
        out[start:stop] = part
    return out


class CompiledMask:
    """Compiled forward passes of one fitted mask network.

    Parameters
    ----------
    network : keras.Model
        The mask network: standardised rows (network layout) to logits.
    mean, scale : ndarray
        Standardisation, broadcastable against one row in network layout.

    Notes
    -----
    Thread-safe once built: ``tf.function`` objects may be called from
    several threads; the caches below are filled with atomic assignments.
    """

    def __init__(self, network: Any, mean: np.ndarray, scale: np.ndarray) -> None:
        import tensorflow as tf

        self.network = network
        self._tf = tf
        self._mean = np.asarray(mean, dtype=np.float64)
        self._scale = np.asarray(scale, dtype=np.float64)
        self._inv_scale = 1.0 / self._scale
        shape = list(network.inputs[0].shape)
        self._row_shape = tuple(shape[1:])
        self._functions: dict[tuple, Any] = {}
        self.jit_enabled = True

    def standardises_like(self, mean: np.ndarray, scale: np.ndarray) -> bool:
        """Tell whether this was built for the standardisation ``(mean, scale)``."""
        return np.array_equal(self._mean, mean) and np.array_equal(self._scale, scale)

    # ---------------------------------------------------------------- graphs
    def _logits(self, x: Any) -> Any:
        tf = self._tf
        mean = tf.constant(self._mean, dtype=x.dtype)
        inv = tf.constant(self._inv_scale, dtype=x.dtype)
        z = (x - mean) * inv
        clipped = tf.clip_by_value(z, -INPUT_CLIP, INPUT_CLIP)
        z = tf.cast(tf.where(tf.math.is_nan(z), z, clipped), tf.float32)
        return self.network(z, training=False)

    def _masked(self, output: str, x: Any, cutoff: Any, fill: Any) -> Any:
        tf = self._tf
        keep = self._logits(x) >= cutoff
        # Missing entries (NaN) stay missing in every output. (XLA rewrites
        # `x * cast(keep)` as a select, which would turn NaN into 0.)
        keep = keep | tf.math.is_nan(x)
        if output == "multiply":
            return tf.where(keep, x, tf.zeros_like(x))
        if output == "fill":
            return tf.where(keep, x, fill)
        return tf.where(keep, x, tf.constant(np.nan, dtype=x.dtype))

    def _function(self, kind: str, dtype: np.dtype, jit: bool) -> Any:
        key = (kind, np.dtype(dtype).str, jit)
        fn = self._functions.get(key)
        if fn is None:
            tf = self._tf
            spec = tf.TensorSpec((None, *self._row_shape), dtype=tf.as_dtype(dtype))
            if kind == "logits":
                python_fn, signature = self._logits, [spec]
            else:
                python_fn = functools.partial(self._masked, kind)
                scalar = tf.TensorSpec((), tf.float32)
                fill = tf.TensorSpec(None, tf.as_dtype(dtype))
                signature = [spec, scalar, fill]
            fn = tf.function(python_fn, input_signature=signature, jit_compile=jit)
            # A concrete function skips tf.function's per-call dispatch
            # (~0.25 ms, as long as the network's forward pass on a few rows).
            fn = fn.get_concrete_function()
            self._functions[key] = fn
        return fn

    def _network_function(self) -> Any:
        fn = self._functions.get("network")
        if fn is None:
            tf = self._tf
            spec = tf.TensorSpec((None, *self._row_shape), dtype=tf.float32)
            fn = tf.function(
                lambda z: self.network(z, training=False), input_signature=[spec]
            ).get_concrete_function()
            self._functions["network"] = fn
        return fn

    # -------------------------------------------------------------- running
    def _small_logits(self, chunk: np.ndarray) -> np.ndarray:
        # Few rows: standardising in NumPy costs microseconds, a graph op tens.
        z = standardise(chunk, self._mean, self._scale)
        return np.asarray(self._network_function()(z))

    def _call(
        self, kind: str, chunk: np.ndarray, *args: Any, pad: bool = False
    ) -> np.ndarray:
        """Run ``kind`` on one chunk; the path depends only on the row counts.

        Chunks of at least ``JIT_MIN_ROWS`` rows, and the tail of an input that
        had such chunks (``pad``, padded up to ``JIT_MIN_ROWS`` rows), run
        through XLA; inputs of fewer rows run the plain graph.
        """
        n = chunk.shape[0]
        if self.jit_enabled and (n >= JIT_MIN_ROWS or pad):
            padded = chunk
            if n < JIT_MIN_ROWS:
                padded = np.zeros((JIT_MIN_ROWS, *chunk.shape[1:]), chunk.dtype)
                padded[:n] = chunk
            try:
                function = self._function(kind, chunk.dtype, True)
                return np.asarray(function(padded, *args))[:n]
            except Exception:
                # A layer XLA cannot compile: use the plain graph from now on.
                self.jit_enabled = False
        if kind == "logits":
            return self._small_logits(chunk)
        cutoff, fill = args
        keep = self._small_logits(chunk) >= cutoff
        if kind == "multiply":
            return chunk * keep
        if kind == "fill":
            return np.where(keep | np.isnan(chunk), chunk, fill)
        return np.where(keep, chunk, np.asarray(np.nan, dtype=chunk.dtype))

    def _map_rows(self, kind: str, x: np.ndarray, *args: Any) -> np.ndarray:
        entries = int(np.prod(x.shape[1:], dtype=np.int64))
        bounds = chunk_bounds(x.shape[0], entries)
        # The tail of a chunked input is padded into XLA's smallest shape.
        pad = len(bounds) > 1 and rows_per_chunk(entries) >= JIT_MIN_ROWS
        return map_chunks(lambda c: self._call(kind, c, *args, pad=pad), x, bounds)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Return the network's float32 logits for raw rows in network layout.

        Parameters
        ----------
        x : ndarray of float32 or float64
            Unstandardised input in the network's layout.

        Returns
        -------
        ndarray of float32
            One logit per mask entry.
        """
        return self._map_rows("logits", np.ascontiguousarray(x))

    def masked(
        self,
        x: np.ndarray,
        *,
        output: str,
        threshold: float,
        fill_values: np.ndarray | None,
    ) -> np.ndarray:
        """Apply the binary mask to ``x`` in one compiled pass.

        Parameters
        ----------
        x : ndarray of float32 or float64
            Unstandardised input; its layout must be the network's, and the
            mask must have x's shape (no broadcasting).
        output : {'multiply', 'fill', 'nan'}
            As in :func:`skmask.apply.apply_mask` for binary masks.
        threshold : float
            Keep the entries whose soft mask value is at or above it.
        fill_values : ndarray or None
            Baseline per entry of a row, for ``'fill'``.

        Returns
        -------
        ndarray
            The masked input, in ``x``'s dtype.
        """
        x = np.ascontiguousarray(x)
        cutoff = np.float32(logit_cutoff(float(threshold)))
        fill = np.zeros((), dtype=x.dtype) if fill_values is None else fill_values
        return self._map_rows(output, x, cutoff, np.asarray(fill, dtype=x.dtype))
