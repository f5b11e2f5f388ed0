"""The three training graphs around a mask network, and the loop that fits them.

- ``supervised``: the mask network's logits are fitted to given masks
  (binary cross-entropy for 0/1 masks, squared error for weighted masks).
- ``reconstruction``: a decoder rebuilds the input from ``x * m`` and ``m``
  (a masked autoencoder); the sparsity cost makes the mask keep only what the
  decoder needs.
- ``task``: a predictor fits the target from ``x * m`` and ``m``; the sparsity
  cost makes the mask keep only what predicts the target.

The decoder and predictor receive the mask itself beside the masked input, so
that a dropped entry is never confused with an entry whose value is zero.
Inputs reach these graphs standardised, so a dropped entry stands at the
column mean.

Every graph is a Keras model returning ``(prediction, mask, logits)``. The
loop in :func:`train` is our own rather than ``Model.fit``: it adds the
sparsity cost with a warm-up, stops early on held-out rows, reports the
fraction of entries kept, runs small fits eagerly (tracing a graph costs more
than a few eager steps) and compiles one ``tf.function`` with a fixed input
signature for larger ones (no retracing on the last, partial batch).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

from skmask._keras import filtered_native_stderr, start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from skmask._distribute import distributed_step
from skmask.gates import MaskGate, n_gates

# The guard against the collapse of jointly trained gates, in two phases:
# first the decoder/predictor alone learns from inputs under *random* masks
# (so it can judge any subset of entries, not only the full input), then the
# sparsity weight grows from 0 while the gates, starting mostly open, learn.
PRETRAIN_FRACTION = 0.1
WARMUP_FRACTION = 0.2
# Fits with at most this many gradient steps run eagerly. Measured here
# (2026-11-29, 4-feature task fits): an eager step costs 30-60 ms (Adam's
# per-variable updates run in Python), a traced one ~1 ms after a trace of
# ~0.3-0.5 s; 600 rows x 3 epochs took 10.1 s at 64, 2.9 s at 24, 3.1 s at 12.
EAGER_MAX_STEPS = 12
# Fits of more epochs than this evaluate held-out rows with a traced pass
# (one trace, ~0.3 s, against ~25 ms saved per epoch).
EAGER_MAX_EVALS = 16
# Early stopping waits at least this many gradient steps without improvement
# (and ``patience`` epochs): on small data an epoch is a few steps, too few for
# gates to move.
MIN_PATIENCE_STEPS = 300
# The local-expectation gradient evaluates the frozen predictor twice per
# mask entry and row; above this many entries it falls back to
# straight-through.
LOCAL_GRADIENT_MAX_ENTRIES = 128
# Masks over images train with the local-expectation gradient of blocks of
# BLOCK_SIZE x BLOCK_SIZE pixels (over series, BLOCK_SIZE steps),
# BLOCK_DRAWS blocks per image and step (see
# `_block_step`); 0 draws trains them straight-through.
BLOCK_SIZE = 3
BLOCK_DRAWS = 6
# The block step judges 2 * BLOCK_DRAWS + 1 views of every image of a batch;
# it builds and judges them for as many images at a time as fit in this many
# input entries (never fewer than one image; 2^20: one pass for a batch of
# 128 canvases of 24 x 24), so memory stays bounded on large images (a fit
# on 96 x 96 x 3 images in one pass peaked 4x higher).
BLOCK_PASS_ENTRIES = 2**20
# While the sparsity cost warms up from 0 under the reconstruction objective,
# and in the local-expectation step of task masks on tables, logits above
# LOGIT_LEASH pay LEASH_WEIGHT * (logit - LOGIT_LEASH)**2. Without it nothing
# stops an open gate's logit from growing then, and a sigmoid saturated at a
# logit of 20-35 has no gradient left for the full cost to close it: a
# series with a flat stretch off its mean kept every step, and a switch
# task's column stayed open on the other regime's rows at logits of 8-17,
# where the judges value it below its cost (docs/design.md, "A leash on open
# gates while the cost warms up"). Above 8 the keep probability is > 0.9996
# anyway; closed gates are left alone (padding sits at a fixed logit of -30).
LOGIT_LEASH = 8.0
LEASH_WEIGHT = 0.01
# The concave column cost (see `column_cost`): its curve is flat from a share
# of rows of about this size up, and steepest below it.
COLUMN_COST_EPS = 0.01
# A column's share of rows is taken over its row's region: the rows whose
# keep probabilities on the other columns differ from its own by a squared
# distance of about this much or less (weights exp(-distance / scale); see
# `_regional_shares`). Rows that disagree on one other column weigh e^-2.
COLUMN_REGION_SCALE = 0.5
# Batches larger than the default form their regions within blocks of this
# many rows: pairs of rows then cost rows * REGION_MAX_ROWS, not rows^2 (see
# docs/benchmarks.md, "Speed": batches of 1024 rows of 1000 columns).
REGION_MAX_ROWS = 128
# Rows wider than LOCAL_GRADIENT_MAX_ENTRIES train their selector
# straight-through, at a cost of sparsity / width per column: on 500 columns
# of which 3 mattered, the mask kept a third of the noise columns on every
# row, columns the judges themselves give no worth. There, before the
# selector trains, each gate must show worth to the judges on rows they never
# saw (see `screen_gates`): SCREEN_CONTEXTS random subsets of the other gates
# per row, a one-sided test at SCREEN_LEVEL over all gates (Bonferroni).
SCREEN_CONTEXTS = 64
SCREEN_LEVEL = 0.05
# Input entries per forward pass when evaluating (8192 rows of 64 features).
EVAL_BATCH_ENTRIES = 8192 * 64


def _eval_rows(x: np.ndarray) -> int:
    """Rows per evaluation pass: bounded memory whatever the row's size."""
    return max(1, EVAL_BATCH_ENTRIES // max(1, int(np.prod(x.shape[1:]))))


@dataclass
class TargetSpec:
    """What the predictor of a task objective outputs.

    Parameters
    ----------
    kind : {'binary', 'multiclass', 'multilabel', 'regression'}
        The type of target.
    n_outputs : int
        Number of output units (1 for binary, one per class for multiclass).
    probabilities : bool, default=False
        The targets are class probabilities (e.g. a fitted model's
        ``predict_proba``), not labels: every loss on them is the
        cross-entropy to those probabilities.
    """

    kind: str
    n_outputs: int
    probabilities: bool = False


@dataclass
class TrainingGraph:
    """A training model and what belongs to it.

    Parameters
    ----------
    model : keras.Model
        Maps inputs to ``(prediction, mask, logits)``.
    loss : callable
        ``loss(y_true, prediction)`` per row (no reduction over rows).
    sparse : bool
        Whether the sparsity cost applies (not for supervised masks).
    companion : keras.Model or None
        The decoder or predictor trained beside the mask.
    gate : MaskGate or None
        The gate, whose ``random_rate`` the loop drives.
    mask_network : keras.Model or None
        The mask network inside ``model``.
    random_mask_model : keras.Model or None
        ``model`` without the mask network: the gate gets zero logits of the
        same shape. While the gate emits random masks only (a surrogate's
        phase), it computes the same outputs and the same gradients for the
        companion at a fraction of the cost; ``None`` where the logits' shape
        cannot be told from the input's.
    leash : bool, default=False
        Whether open logits pay the leash cost (``LOGIT_LEASH``) while the
        sparsity cost warms up.
    """

    model: Any
    loss: Any
    sparse: bool
    companion: Any = None
    gate: Any = None
    mask_network: Any = None
    random_mask_model: Any = None
    leash: bool = False


def _per_row(loss: Any) -> Any:
    """Wrap a Keras loss so that it returns one value per row."""

    def per_row(y_true: Any, y_pred: Any) -> Any:
        values = loss(y_true, y_pred)
        axes = list(range(1, len(values.shape)))
        return ops.mean(values, axis=axes) if axes else values

    return per_row


def _nan_to_zero(x: Any) -> Any:
    """Zero the NaN entries of ``x``: padded time steps are NaN."""
    return ops.where(ops.isnan(x), ops.zeros_like(x), x)


def _valid_steps(x: Any, channels: int | None = None) -> Any:
    """1.0 on observed entries of ``x``, 0.0 on NaN (padding, missing values).

    With ``channels=1`` (a mask shared by the channels of a step, when ``x``
    has more) the shape is ``(batch, ..., 1)``, 0.0 where any channel is
    NaN; otherwise ``x``'s shape (a gate per entry: per column of a table,
    per channel of a series, whose padded steps are NaN in every channel).
    """
    missing = ops.isnan(x)
    if channels is not None and channels != x.shape[-1]:
        missing = ops.any(missing, axis=-1, keepdims=True)
    return ops.cast(ops.logical_not(missing), "float32")


def _per_row_elementwise(loss: Any) -> Any:
    """Wrap an elementwise loss into a per-row mean over known targets.

    Entries whose target is NaN (padding) never reach the loss.
    """

    def per_row(y_true: Any, y_pred: Any) -> Any:
        known = ops.logical_not(ops.isnan(y_true))
        values = ops.where(known, loss(ops.where(known, y_true, 0.0), y_pred), 0.0)
        axes = list(range(1, len(values.shape)))
        count = ops.sum(ops.cast(known, "float32"), axis=axes)
        return ops.sum(values, axis=axes) / ops.maximum(count, 1.0)

    return per_row


def _binary_crossentropy_with_logits(target: Any, logits: Any) -> Any:
    # The numerically stable form, elementwise (Keras' loss averages the last
    # axis, which would hide padded entries from the NaN filter).
    return ops.relu(logits) - logits * target + ops.log1p(ops.exp(-ops.abs(logits)))


def _squared_error(target: Any, prediction: Any) -> Any:
    return ops.square(prediction - target)


def supervised_graph(mask_network: Any, *, mask_type: str) -> TrainingGraph:
    """Fit mask logits to given masks.

    Parameters
    ----------
    mask_network : keras.Model
        Maps inputs to mask logits.
    mask_type : {'binary', 'weighted'}
        0/1 target masks use binary cross-entropy on the logits; weighted
        masks use squared error on ``sigmoid(logits)``.

    Returns
    -------
    TrainingGraph
    """
    inputs = keras.Input(mask_network.input_shape[1:], name="x")
    logits = mask_network(inputs)
    probs = keras.layers.Activation("sigmoid", name="probs")(logits)
    if mask_type == "binary":
        prediction = logits
        loss = _binary_crossentropy_with_logits
    else:
        prediction = probs
        loss = _squared_error
    model = keras.Model(inputs, [prediction, probs, logits], name="supervised")
    # Target masks are NaN on padded entries: those never reach the loss.
    return TrainingGraph(model=model, loss=_per_row_elementwise(loss), sparse=False)


@keras.saving.register_keras_serializable(package="skmask")
class ZeroLogits(keras.layers.Layer):
    """Zeros in the shape of a mask network's logits, without running it.

    Parameters
    ----------
    logits_shape : tuple of int or None
        Shape of one row's logits; ``None`` where it follows the input's axis
        of the same position (the height and width of fully convolutional
        networks).
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(self, logits_shape: tuple[int | None, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.logits_shape = tuple(logits_shape)

    def _dims(self, input_dims: Any) -> tuple[Any, ...]:
        # The batch and every size left open come from the input's dims.
        sizes = (
            input_dims[axis + 1] if size is None else size
            for axis, size in enumerate(self.logits_shape)
        )
        return (input_dims[0], *sizes)

    def call(self, inputs: Any) -> Any:
        """Return zeros of shape ``(batch, *logits_shape)``."""
        return ops.zeros(self._dims(ops.shape(inputs)), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Return ``(batch, *logits_shape)``, unknown sizes from the input."""
        return self._dims(input_shape)

    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration."""
        return {**super().get_config(), "logits_shape": self.logits_shape}


def _logits_shape(mask_network: Any) -> tuple[int | None, ...] | None:
    """One row's logits shape, ``None`` sizes following the input; or None.

    None when it cannot be told without running the network: a rank other
    than the input's, or an unknown size where the input's is known.
    """
    in_shape = tuple(mask_network.input_shape[1:])
    out_shape = getattr(mask_network, "output_shape", None)
    if not isinstance(out_shape, tuple) or len(out_shape) != len(in_shape) + 1:
        return None
    out_shape = tuple(out_shape[1:])
    pairs = zip(in_shape, out_shape, strict=True)
    if any(out is None and size is not None for size, out in pairs):
        return None
    return out_shape


def _masked_view(
    mask_network: Any, gate: MaskGate, *, zero_logits: tuple | None = None
) -> tuple[Any, Any, Any, Any]:
    # ``zero_logits``: a logits shape (see `_logits_shape`) to feed the gate
    # zeros of, instead of running the mask network.
    inputs = keras.Input(mask_network.input_shape[1:], name="x")
    if zero_logits is None:
        logits = mask_network(inputs)
    else:
        logits = ZeroLogits(zero_logits, name="zero_logits")(inputs)
    # Padded or missing entries (NaN) are zero and never kept, even by
    # random masks.
    gated = gate(logits)  # per entry: a gate of a group opens all its entries
    mask = gated * _valid_steps(inputs, gated.shape[-1])
    masked = keras.layers.Multiply(name="x_times_m")([_nan_to_zero(inputs), mask])
    full_mask = mask
    if tuple(mask.shape) != tuple(inputs.shape):
        # A mask shared across channels: broadcast it before concatenating.
        full_mask = mask * ops.ones_like(inputs)
    view = keras.layers.Concatenate(axis=-1, name="masked_and_mask")(
        [masked, full_mask]
    )
    return inputs, view, mask, logits


def reconstruction_graph(
    mask_network: Any, decoder: Any, gate: MaskGate
) -> TrainingGraph:
    """Rebuild the input from its masked version (a masked autoencoder).

    Parameters
    ----------
    mask_network : keras.Model
        Maps inputs to mask logits.
    decoder : keras.Model
        Maps the concatenation of ``x * m`` and ``m`` (last axis) to ``x``.
    gate : MaskGate
        Turns logits into masks.

    Returns
    -------
    TrainingGraph
    """
    inputs, view, mask, logits = _masked_view(mask_network, gate)
    model = keras.Model(inputs, [decoder(view), mask, logits], name="reconstruction")
    # The targets are the inputs: NaN (padded) entries are left out.
    loss = _per_row_elementwise(_squared_error)
    return TrainingGraph(
        model=model, loss=loss, sparse=True, companion=decoder, gate=gate, leash=True
    )


def task_loss(target: TargetSpec, *, soft: bool = False) -> Any:
    """Return the per-row data loss for a predictor of ``target``.

    Parameters
    ----------
    target : TargetSpec
        The kind of target.
    soft : bool, default=False
        Targets are probabilities (a teacher's outputs) rather than labels:
        multiclass targets are then one probability per class. Targets with
        ``target.probabilities`` always are.

    Returns
    -------
    callable
        ``loss(y_true, prediction)`` with one value per row; the predictor
        outputs logits for classification and values for regression.
    """
    if target.kind in ("binary", "multilabel"):
        loss = keras.losses.BinaryCrossentropy(from_logits=True, reduction=None)
    elif target.kind == "multiclass" and (soft or target.probabilities):
        loss = keras.losses.CategoricalCrossentropy(from_logits=True, reduction=None)
    elif target.kind == "multiclass":
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=None
        )
    else:
        loss = keras.losses.MeanSquaredError(reduction=None)
    return _per_row(loss)


def teacher_graph(predictor: Any, target: TargetSpec) -> TrainingGraph:
    """Train the predictor on the full input (mask of ones) against labels.

    The trained predictor's outputs become the soft targets of the task
    graph (see :func:`soft_targets`), and its weights the starting point of
    the predictor trained with the mask.

    Parameters
    ----------
    predictor : keras.Model
        Maps ``concat([x * m, m])`` to outputs; here ``m = 1``.
    target : TargetSpec
        The kind of target.

    Returns
    -------
    TrainingGraph
    """
    shape = predictor.input_shape[1:]
    inputs = keras.Input((*shape[:-1], shape[-1] // 2), name="x")
    # The full input: every entry kept, except padding or missing values
    # (NaN, zeroed).
    ones = _valid_steps(inputs)
    view = keras.layers.Concatenate(axis=-1, name="full_and_ones")(
        [_nan_to_zero(inputs), ones]
    )
    model = keras.Model(inputs, [predictor(view), ones, ones], name="teacher")
    return TrainingGraph(model=model, loss=task_loss(target), sparse=False)


def soft_targets(graph: TrainingGraph, x: np.ndarray, target: TargetSpec) -> Any:
    """Return a trained teacher's predictions as targets for the task graph.

    Parameters
    ----------
    graph : TrainingGraph
        A trained :func:`teacher_graph`.
    x : ndarray
        Network input.
    target : TargetSpec
        The kind of target.

    Returns
    -------
    ndarray of float32
        Probabilities (classification) or predicted values (regression).
    """
    parts = []
    rows = _eval_rows(x)
    for start in range(0, x.shape[0], rows):
        out = graph.model(x[start : start + rows], training=False)[0]
        if target.kind in ("binary", "multilabel"):
            out = ops.sigmoid(out)
        elif target.kind == "multiclass":
            out = ops.softmax(out, axis=-1)
        parts.append(np.asarray(out, dtype=np.float32))
    return np.concatenate(parts, axis=0)


def _observed(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a table with NaN into its values (0 where missing) and 1.0/0.0 flags."""
    valid = ~np.isnan(x)
    return np.where(valid, x, 0.0).astype(np.float32), valid.astype(np.float32)


def _subset_views(x0: np.ndarray, valid: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Flatten ``concat([x * m, m])`` for every subset of columns in ``keep``.

    ``x0`` (rows with missing entries at 0) and ``valid`` (1.0 where
    observed) broadcast against ``keep`` of shape ``(..., n_features)``;
    the result has one row per subset, ``2 * n_features`` columns.
    """
    m = keep * valid
    view = np.concatenate([np.broadcast_to(x0, m.shape) * m, m], axis=-1)
    return view.reshape(-1, view.shape[-1]).astype(np.float32, copy=False)


def judge_loss(objective: str, target: TargetSpec | None) -> Any:
    """Return the per-row loss a trained judge is scored with on subsets.

    The task predictor's loss to the labels, or the decoder's squared error
    to the (standardised) input over its observed entries.
    """
    if objective == "reconstruction":
        return _per_row_elementwise(_squared_error)
    return task_loss(target)


def subset_losses(
    judge: Any,
    loss: Any,
    x: np.ndarray,
    targets: np.ndarray,
    subsets: np.ndarray,
    sample_weight: np.ndarray | None = None,
    entries_per_call: int = 1 << 22,
) -> np.ndarray:
    """Score column subsets of a table with a judge trained on random masks.

    Parameters
    ----------
    judge : keras.Model
        A task predictor or decoder: maps ``concat([x * m, m])`` to its
        output.
    loss : callable
        Per-row loss ``loss(targets, output)`` (see :func:`judge_loss`).
    x : ndarray of shape (n_samples, n_features)
        Network input (standardised; NaN where missing, never kept).
    targets : ndarray
        The judge's targets for the rows of ``x``.
    subsets : ndarray of shape (n_subsets, n_features)
        1 where a column is kept.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows in each mean.
    entries_per_call : int, default=4194304
        Entries of the judge's input per call (bounds its memory: 16 MiB of
        float32 at the default).

    Returns
    -------
    ndarray of shape (n_subsets,)
        The (weighted) mean loss of each subset.
    """
    x0, valid = _observed(x)
    n_rows, n_features = x.shape
    weights = np.ones(n_rows) if sample_weight is None else sample_weight
    per_call = max(1, entries_per_call // max(2 * n_rows * n_features, 1))
    means = np.empty(len(subsets), dtype=np.float64)
    for start in range(0, len(subsets), per_call):
        chunk = np.asarray(subsets[start : start + per_call], dtype=np.float32)
        views = _subset_views(x0[None], valid[None], chunk[:, None, :])
        output = judge(views, training=False)
        repeated = np.concatenate([targets] * len(chunk), axis=0)
        per_row = np.asarray(loss(repeated, output), dtype=np.float64)
        per_row = per_row.reshape(len(chunk), n_rows)
        means[start : start + len(chunk)] = (
            per_row @ weights / max(weights.sum(), 1e-12)
        )
    return means


def screen_gates(
    judges: Any,
    loss: Any,
    x: np.ndarray,
    targets: np.ndarray,
    row_groups: Any,
    *,
    groups: Any = None,
    sample_weight: np.ndarray | None = None,
    seed: int = 0,
    contexts: int = SCREEN_CONTEXTS,
    level: float = SCREEN_LEVEL,
    entries_per_call: int = 1 << 22,
) -> tuple[np.ndarray, np.ndarray]:
    """Tell which gates show worth to cross-fitted judges on unseen rows.

    Each row is judged by the one judge that never saw it, on ``contexts``
    random subsets of the gates (each gate kept with probability 1/2, the
    others' keep or drop independent of it). A gate's worth on a row is the
    row's mean loss over the subsets without it minus over those with it: its
    Banzhaf value, every subset reused for every gate (the maximum-sample-reuse
    estimator of Wang & Jia, 2023). Across rows, a one-sided z-test of a
    positive mean worth, at ``level`` over all gates (Bonferroni).

    Parameters
    ----------
    judges : sequence of keras.Model
        Predictors trained on random masks; each maps ``concat([x * m, m])``
        to its output.
    loss : callable
        Per-row loss ``loss(targets, output)`` (see :func:`judge_loss`).
    x : ndarray of shape (n_samples, n_features)
        Network input (standardised; NaN where missing, never kept).
    targets : ndarray
        Targets of the rows of ``x``.
    row_groups : sequence of ndarray of int
        The rows of ``x`` each judge judges (rows it never saw).
    groups : array-like of int of shape (n_features,), default=None
        The gate of each column (None: one gate per column).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows.
    seed : int, default=0
        Seed of the random subsets.
    contexts : int, default=SCREEN_CONTEXTS
        Random subsets per row.
    level : float, default=SCREEN_LEVEL
        Chance that any gate worth nothing passes.
    entries_per_call : int, default=4194304
        Entries of the judge's input per call (bounds its memory).

    Returns
    -------
    passed : ndarray of bool of shape (n_gates,)
        Gates whose mean worth is positive at ``level``.
    z : ndarray of shape (n_gates,)
        The test statistic of each gate (0 where its worth never varies).
    """
    from scipy.stats import norm

    x0, valid = _observed(x)
    n_features = x.shape[1]
    gates = n_gates(groups, n_features)
    members = None if groups is None else np.asarray(groups, dtype=int)
    rng = np.random.default_rng(seed)
    sums, squares = np.zeros(gates), np.zeros(gates)
    total = total_sq = 0.0
    rows_per_call = max(1, entries_per_call // (2 * n_features * contexts))
    for judge, rows in zip(judges, row_groups, strict=True):
        for start in range(0, len(rows), rows_per_call):
            idx = np.asarray(rows[start : start + rows_per_call])
            keep = (rng.random((len(idx), contexts, gates)) < 0.5).astype(np.float32)
            columns = keep if members is None else keep[..., members]
            views = _subset_views(x0[idx][:, None], valid[idx][:, None], columns)
            output = judge(views, training=False)
            repeated = np.repeat(targets[idx], contexts, axis=0)
            per_view = np.asarray(loss(repeated, output), dtype=np.float64)
            per_view = per_view.reshape(len(idx), contexts)
            n_with = keep.sum(axis=1)
            with_sum = np.einsum("rc,rcg->rg", per_view, keep)
            without_sum = per_view.sum(axis=1, keepdims=True) - with_sum
            both = (n_with > 0) & (n_with < contexts)
            worth = np.where(
                both,
                without_sum / np.maximum(contexts - n_with, 1)
                - with_sum / np.maximum(n_with, 1),
                0.0,
            )
            w = np.ones(len(idx)) if sample_weight is None else sample_weight[idx]
            sums += w @ worth
            squares += w @ worth**2
            total += float(w.sum())
            total_sq += float(w @ w)
    if total <= 0:
        return np.zeros(gates, dtype=bool), np.zeros(gates)
    mean = sums / total
    var = np.maximum(squares / total - mean**2, 0.0)
    se = np.sqrt(var * total_sq) / total  # var / effective number of rows
    z = np.divide(mean, se, out=np.zeros(gates), where=se > 0)
    return z > norm.isf(level / gates), z


def resize_selection(
    judge: Any,
    x: np.ndarray,
    start: np.ndarray,
    eligible: np.ndarray,
    k: int,
    *,
    groups: np.ndarray | None = None,
    softmax: bool = False,
    entries_per_call: int = 1 << 22,
) -> np.ndarray:
    """Bring each row's selection to ``k`` entries, guided by a judge.

    From ``start`` (the mask's own choice), a row with more than ``k``
    entries drops, one step at a time, the entry whose removal keeps the
    judge's output on ``concat([x * m, m])`` closest (squared distance) to
    its output on the whole observed row; a row with fewer adds the eligible
    entry that brings it closest. Label-free, so it works at transform.

    Parameters
    ----------
    judge : keras.Model
        A task predictor or decoder trained on random masks.
    x : ndarray of shape (n_samples, n_features)
        Network input (standardised; NaN where missing, never kept).
    start : ndarray of bool of shape (n_samples, n_gates)
        The entries each row starts from (a subset of ``eligible``).
    eligible : ndarray of bool of shape (n_samples, n_gates)
        The entries each row may keep (one per gate: a column, or a group).
    k : int
        Entries per row (fewer where fewer are eligible).
    groups : ndarray of shape (n_features,), default=None
        The gate of each column; None when each column is its own gate.
    softmax : bool, default=False
        The judge outputs the logits of a softmax when it has several
        outputs: they are compared after centring (a softmax ignores shifts).
    entries_per_call : int, default=4194304
        Entries of the judge's input per call (bounds its memory).

    Returns
    -------
    ndarray of bool of shape (n_samples, n_gates)
        The chosen entries. Ties go to the earlier gate.
    """
    x0, valid = _observed(x)
    n_features = x.shape[1]
    to_columns = np.eye(eligible.shape[1], dtype=np.float32)
    if groups is not None:
        to_columns = to_columns[:, np.asarray(groups)]
    views_per_call = max(1, entries_per_call // max(2 * n_features, 1))

    def outputs(rows, subsets):
        # The judge's output on row ``rows[i]`` keeping the gates ``subsets[i]``.
        parts = []
        for begin in range(0, len(rows), views_per_call):
            part = slice(begin, begin + views_per_call)
            columns = subsets[part].astype(np.float32) @ to_columns
            views = _subset_views(x0[rows[part]], valid[rows[part]], columns)
            parts.append(np.asarray(judge(views, training=False), dtype=np.float64))
        out = np.concatenate(parts)
        if softmax and out.shape[-1] > 1:
            out = out - out.mean(axis=-1, keepdims=True)
        return out

    everything = np.ones_like(eligible)
    reference = outputs(np.arange(len(x)), everything)
    chosen = start & eligible
    while True:
        count = chosen.sum(axis=1)
        shrink = count > k
        grow = (count < k) & (eligible & ~chosen).any(axis=1)
        active = np.flatnonzero(shrink | grow)
        if active.size == 0:
            return chosen
        # Only the gates a row may flip are judged (kept ones when shrinking,
        # eligible dropped ones when growing): a few of many on wide tables.
        movable = np.where(
            shrink[active, None],
            chosen[active],
            eligible[active] & ~chosen[active],
        )
        pair_row, pair_gate = np.nonzero(movable)
        subsets = chosen[active[pair_row]]
        subsets[np.arange(pair_row.size), pair_gate] ^= True
        gap = outputs(active[pair_row], subsets) - reference[active[pair_row]]
        distance = np.full(movable.shape, np.inf)
        distance[pair_row, pair_gate] = (gap**2).mean(axis=-1)
        best = np.argmin(distance, axis=1)  # the earlier gate on ties
        chosen[active, best] ^= True


def task_graph(
    mask_network: Any,
    predictor: Any,
    gate: MaskGate,
    target: TargetSpec,
    *,
    soft: bool = False,
) -> TrainingGraph:
    """Predict the target from the masked input, jointly with the mask.

    Parameters
    ----------
    mask_network : keras.Model
        Maps inputs to mask logits.
    predictor : keras.Model
        Maps the concatenation of ``x * m`` and ``m`` to ``target.n_outputs``
        logits (classification) or values (regression).
    gate : MaskGate
        Turns logits into masks.
    target : TargetSpec
        The kind of target.
    soft : bool, default=False
        Train against a teacher's soft targets rather than labels.

    Returns
    -------
    TrainingGraph
    """
    inputs, view, mask, logits = _masked_view(mask_network, gate)
    model = keras.Model(inputs, [predictor(view), mask, logits], name="task")
    random_mask_model = None
    logits_shape = _logits_shape(mask_network)
    if logits_shape is not None:
        inputs, view, mask, logits = _masked_view(
            mask_network, gate, zero_logits=logits_shape
        )
        random_mask_model = keras.Model(
            inputs, [predictor(view), mask, logits], name="task_random_masks"
        )
    return TrainingGraph(
        model=model,
        loss=task_loss(target, soft=soft),
        sparse=True,
        companion=predictor,
        gate=gate,
        mask_network=mask_network,
        random_mask_model=random_mask_model,
    )


def cross_fit_folds(
    order: np.ndarray, n_folds: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split rows into folds for cross-fitted judges.

    Parameters
    ----------
    order : ndarray of int
        A permutation of the row positions; consecutive slices of it are the
        folds.
    n_folds : int
        Number of folds, at least 2 and at most ``len(order)``.

    Returns
    -------
    train_rows : list of ndarray
        Sorted rows predictor k learns on: every fold but fold k + 1.
    judged_rows : list of ndarray
        Sorted rows predictor k judges: fold k + 1 (modulo ``n_folds``), which
        it never saw. With two folds, predictor 0 learns on fold 0 and judges
        fold 1, and back.
    """
    ends = [len(order) * k // n_folds for k in range(n_folds + 1)]
    folds = [np.sort(order[a:b]) for a, b in itertools.pairwise(ends)]
    judged = folds[1:] + folds[:1]
    # Sorted, as setdiff1d returns them.
    return [np.setdiff1d(order, rows) for rows in judged], judged


class FoldSwitch(keras.layers.Layer):
    """Run one of several predictors, chosen by a switch the training loop sets.

    Used while the selector trains with cross-fitting: the rows of each fold
    are judged by a predictor that never saw them (see
    ``BaseMaskTransformer._fit_task``). Only the chosen predictor runs.

    Parameters
    ----------
    predictors : sequence of keras.Model
        The cross-fitted predictors, at least two.
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(self, predictors: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.predictors = list(predictors)

    def build(self, input_shape: Any) -> None:
        """Create the switch: the index (a float) of the predictor to run."""
        self.fold = self.add_weight(
            name="fold", shape=(), initializer="zeros", trainable=False
        )

    def call(self, view: Any) -> Any:
        """Return the chosen predictor's output for ``view``."""
        index = ops.cast(ops.round(self.fold), "int32")
        branches = [lambda v, p=p: p(v) for p in self.predictors]
        return ops.switch(index, branches, view)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Return the predictors' output shape."""
        return self.predictors[0].compute_output_shape(input_shape)


def average_predictor(predictors: Any, name: str = "predictor") -> Any:
    """Return a model whose output is the mean of the predictors' outputs.

    Parameters
    ----------
    predictors : sequence of keras.Model
        Models with the same input and output shapes.
    name : str, default='predictor'
        Name of the model.

    Returns
    -------
    keras.Model
    """
    inputs = keras.Input(predictors[0].input_shape[1:], name="masked_view")
    outputs = keras.layers.Average(name="mean")([p(inputs) for p in predictors])
    return keras.Model(inputs, outputs, name=name)


def local_gradient_applies(graph: TrainingGraph, x: np.ndarray) -> bool:
    """Tell whether :func:`train` can use the local-expectation gradient.

    Parameters
    ----------
    graph : TrainingGraph
        A task graph.
    x : ndarray
        Network input.

    Returns
    -------
    bool
        True for masks over rows with at most ``LOCAL_GRADIENT_MAX_ENTRIES``
        gates, one per feature or per group of features (binary and weighted
        masks alike: both train through the binary gate); and for masks
        over the pixels of images or the steps of series, shared across
        channels or one per channel, trained by blocks (:func:`_block_step`).
    """
    if graph.mask_network is None or graph.gate is None:
        return False
    if x.ndim in (3, 4):
        return _block_gradient_applies(graph, x)
    if x.ndim != 2:
        return False
    gates = n_gates(graph.gate.groups, x.shape[1])
    return gates <= LOCAL_GRADIENT_MAX_ENTRIES and tuple(
        graph.mask_network.output_shape[1:]
    ) == (gates,)


def _local_step(
    graph: TrainingGraph,
    optimizer: Any,
    weight: Any,
    power: float | None,
    block_rows: int | None,
    leash_weight: Any,
) -> Any:
    """Build a selector step with the local-expectation gradient.

    With the predictor frozen, the gradient of ``E[loss] + w * mean(p)``
    with respect to the keep probability ``p_j`` of entry ``j`` is
    ``E[loss | m_j = 1] - E[loss | m_j = 0] + w / d`` over the other entries'
    mask (Titsias and Lázaro-Gredilla 2015). One sample of the other entries
    and two predictor passes per entry give it without bias, and with far
    less variance than straight-through or REINFORCE estimates. With groups
    of features (``gate.groups``) an entry is a group: its gate opens all
    its features at once. With a column cost (``power``), the cost term of
    gate ``j`` on a row is ``w / d`` times :func:`_column_cost_slopes`: the
    slope of :func:`column_cost` at the gate's share of the rows of the
    row's region in the batch. Open logits past ``LOGIT_LEASH`` pay
    ``leash_weight`` (nonzero while the cost warms up).
    """
    mask_network, predictor, gate = graph.mask_network, graph.companion, graph.gate

    def step(xb: Any, yb: Any, wb: Any, rows: Any) -> tuple[Any, Any]:
        b = ops.shape(xb)[0]
        d = xb.shape[-1]
        with tf.GradientTape() as tape:
            logits = mask_network(xb, training=True)
            probs = ops.sigmoid(logits)
            g = probs.shape[-1]  # gates: d, or the number of groups
            u = gate.uniform(ops.shape(probs))
            m = ops.cast(u < ops.stop_gradient(probs), "float32")
            # The gate's drop-out: the other entries' mask loses a share of
            # its kept entries, so each entry is judged with fewer beside it.
            kept = gate.uniform(ops.shape(probs)) >= gate.drop_rate
            m = m * ops.cast(kept, "float32")
            # Missing entries (NaN) are never kept, not even as entry j.
            valid = _valid_steps(xb)
            eye = ops.eye(g)
            if gate.groups is None:
                m = m * valid
            others = ops.expand_dims(m, 1) * (1.0 - eye)  # (b, g, g)
            masks = ops.concatenate([others, others + eye], axis=1)  # (b, 2g, g)
            masks = gate.expand(masks) * ops.expand_dims(valid, 1)  # (b, 2g, d)
            x_rep = ops.expand_dims(_nan_to_zero(xb), 1) * masks
            view = ops.reshape(
                ops.concatenate([x_rep, masks], axis=-1), (b * 2 * g, 2 * d)
            )
            pred = predictor(view, training=False)
            per = ops.reshape(
                graph.loss(ops.repeat(yb, 2 * g, axis=0), pred), (b, 2 * g)
            )
            gain = per[:, :g] - per[:, g:]  # loss without entry j minus with it
            cost = weight / g
            if power is not None:
                slopes, column_costs = _column_cost_slopes(probs, power, block_rows)
                cost = cost * slopes
            coef = ops.stop_gradient(cost - gain * ops.expand_dims(wb, 1))
            excess = ops.relu(logits - LOGIT_LEASH)
            objective = (
                ops.sum(probs * coef) + leash_weight * ops.sum(excess * excess) / g
            ) / rows
        variables = mask_network.trainable_variables
        grads = tape.gradient(objective, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        sampled = ops.where(m[:, 0] > 0, per[:, g], per[:, 0])
        loss = ops.sum(sampled * wb) / rows
        kept_entries = gate.expand(m) * valid
        if power is None:
            penalty = _batch_mean(probs, rows)
        else:  # the shares the slopes came from, not computed again
            penalty = column_costs / rows
        return loss + weight * penalty, _batch_mean(kept_entries, rows)

    return step


def _block_gradient_applies(graph: TrainingGraph, x: np.ndarray) -> bool:
    # Series and images whose mask has one gate per step or pixel (and
    # channel): blocks fit.
    sizes, channels = x.shape[1:-1], x.shape[-1]
    out = tuple(graph.mask_network.output_shape[1:])
    if len(out) != len(sizes) + 1:
        return False
    # A fully convolutional network's sizes follow the input's (None).
    fits = all(o in (None, s) for o, s in zip(out[:-1], sizes, strict=True))
    return (
        BLOCK_DRAWS > 0
        and graph.gate.groups is None
        and fits
        and out[-1] in (1, channels)
    )


def _pre_bound(mask_network: Any) -> tuple[Any, float | None]:
    """Return the network up to its :class:`BoundedLogits` layer, and the bound.

    A network without one (a user's) is returned whole, with ``None``.
    """
    from skmask.networks.image import BoundedLogits

    last = mask_network.layers[-1] if hasattr(mask_network, "layers") else None
    if isinstance(last, BoundedLogits) and len(mask_network.inputs) == 1:
        return keras.Model(mask_network.inputs[0], last.input), last.bound
    return mask_network, None


def _in_passes(fn: Any, tensors: tuple[Any, ...], rows: int | None) -> Any:
    """Return ``fn(*tensors)`` computed on ``rows`` rows at a time.

    ``None`` computes it in one pass. Otherwise the passes run one after
    another (``tf.map_fn`` with ``parallel_iterations=1``), so only one
    pass's intermediate tensors are alive at once; the rows are padded to a
    whole number of passes and the padding's outputs dropped. ``fn`` maps
    tensors of ``rows`` rows to a float32 tensor of ``rows`` rows.
    """
    if rows is None:
        return fn(*tensors)
    n_rows = ops.shape(tensors[0])[0]
    padding = (-n_rows) % rows
    parts = tuple(
        ops.reshape(
            ops.pad(t, [[0, padding]] + [[0, 0]] * (t.ndim - 1)),
            (-1, rows, *t.shape[1:]),
        )
        for t in tensors
    )
    out = tf.map_fn(
        lambda part: fn(*part),
        parts,
        parallel_iterations=1,
        fn_output_signature=tf.float32,
    )
    return ops.reshape(out, (-1, *out.shape[2:]))[:n_rows]


def _block_step(
    graph: TrainingGraph, optimizer: Any, weight: Any, batch_size: int
) -> Any:
    """Build a selector step over images or series with a block gradient.

    The local-expectation gradient of :func:`_local_step` needs two
    predictor passes per gate: 1152 per 24 x 24 canvas. Here, per image and
    step, ``BLOCK_DRAWS`` blocks of ``BLOCK_SIZE x BLOCK_SIZE`` pixels are
    drawn at random places; the frozen predictor judges each with the block
    all dropped and all kept, the other pixels as the mask samples them
    (with the gate's drop-out). The block's gain in loss, shared among its
    pixels, is each pixel's estimate of ``E[loss | m = 0] - E[loss | m = 1]``,
    and the cost ``weight / n_gates`` is charged to the same pixels: a pixel
    stays where its share of a block's gain pays for it. Blocks, not single
    pixels: a pixel of a digit is read with its neighbours, and alone changes
    the loss by less than the noise of the other pixels' draws.

    The step is a natural gradient: the objective ``sum(z * coef)`` moves
    the logits ``z`` before the network's bound (:func:`_pre_bound`) by the
    estimated gradient with respect to the keep probability itself, rather
    than scaled by the sigmoid's and the bound's slopes. Scaled, the gates
    whose logits near the bound stop moving, and every gate of the test
    canvases opened (``docs/design.md``). Logits past ``LOGIT_LEASH`` pay the
    leash cost, so nothing grows without limit.

    The predictor's passes are not recorded on the tape (nothing is
    differentiated through them), and the views are built and judged for as
    many images at a time as ``BLOCK_PASS_ENTRIES`` input entries allow
    (:func:`_in_passes`).

    A series is an image one step wide: its blocks are ``BLOCK_SIZE``
    consecutive steps (``docs/design.md``, "Series task masks train by
    blocks too").
    """
    mask_network, predictor, gate = graph.mask_network, graph.companion, graph.gate
    pre_bound, bound = _pre_bound(mask_network)
    k, draws = BLOCK_SIZE, BLOCK_DRAWS
    # A series (rows, steps, channels) is judged as an image one step wide:
    # its blocks are BLOCK_SIZE steps.
    series = len(mask_network.output_shape) == 3

    def view_losses(xb: Any, yb: Any, m: Any, blocks: Any, valid: Any) -> Any:
        # The predictor's loss on each image with each block dropped, with
        # it kept, and on the sampled mask: (rows, 2 * draws + 1).
        height, width, channels = xb.shape[1:]
        others = ops.expand_dims(m, 1)
        masks = ops.concatenate(
            [
                others * (1.0 - blocks),  # block dropped
                ops.maximum(others, blocks),  # block kept
                others,  # the sampled mask, for the reported loss
            ],
            axis=1,
        )
        masks = masks * ops.expand_dims(valid, 1) * ops.ones((1, 1, 1, 1, channels))
        x_rep = ops.expand_dims(_nan_to_zero(xb), 1) * masks
        views = ops.reshape(
            ops.concatenate([x_rep, masks], axis=-1),
            (-1, height, 2 * channels) if series else (-1, height, width, 2 * channels),
        )
        losses = graph.loss(
            ops.repeat(yb, 2 * draws + 1, axis=0), predictor(views, training=False)
        )
        return ops.reshape(losses, (-1, 2 * draws + 1))

    def judge(xb: Any, yb: Any, wb: Any, probs: Any) -> tuple[Any, Any, Any]:
        # Sample the mask, judge the blocks; return the logits' coefficients,
        # the per-view losses and the sampled mask.
        b = ops.shape(xb)[0]
        height, width, channels = xb.shape[1:]
        gates = math.prod(probs.shape[1:])
        m = ops.cast(gate.uniform(ops.shape(probs)) < probs, "float32")
        kept = gate.uniform(ops.shape(probs)) >= gate.drop_rate
        valid = _valid_steps(xb, probs.shape[-1])
        m = m * ops.cast(kept, "float32") * valid
        # Top-left corners of the blocks, uniform over the image; blocks no
        # larger than the image (a series: one step wide).
        kh, kw = min(k, height), min(k, width)
        top = ops.floor(gate.uniform((b, draws, 1, 1)) * (height - kh + 1))
        left = ops.floor(gate.uniform((b, draws, 1, 1)) * (width - kw + 1))
        r = ops.reshape(ops.arange(height, dtype="float32"), (1, 1, -1, 1))
        c = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, 1, -1))
        inside = (r >= top) & (r < top + kh) & (c >= left) & (c < left + kw)
        blocks = ops.expand_dims(ops.cast(inside, "float32"), -1)  # b,D,H,W,1
        # Each image's 2 * draws + 1 views, judged a bounded number of images
        # at a time: one pass when the largest batch fits the budget.
        views_entries = (2 * draws + 1) * height * width * channels
        fits = batch_size * views_entries <= BLOCK_PASS_ENTRIES
        per_pass = None if fits else max(1, BLOCK_PASS_ENTRIES // views_entries)
        per = _in_passes(view_losses, (xb, yb, m, blocks, valid), per_pass)
        # Loss without the block minus with it, shared by its gates.
        gain = (per[:, :draws] - per[:, draws : 2 * draws]) * ops.expand_dims(wb, 1)
        share = kh * kw * probs.shape[-1]
        spread = ops.reshape(gain / share, (b, draws, 1, 1, 1)) * blocks
        covered = ops.sum(blocks, axis=1)  # (b, H, W, 1): draws over a pixel
        return covered * (weight / gates) - ops.sum(spread, 1), per, m

    def step(xb: Any, yb: Any, wb: Any, rows: Any) -> tuple[Any, Any]:
        with tf.GradientTape() as tape:
            z = pre_bound(xb, training=True)
            logits = z if bound is None else bound * ops.tanh(z / bound)
            probs = ops.sigmoid(logits)
            with tape.stop_recording():  # nothing to differentiate in there
                if series:
                    wide = ops.expand_dims  # (rows, steps, 1, channels)
                    coef, per, m = judge(wide(xb, 2), yb, wb, wide(probs, 2))
                    coef = ops.squeeze(coef, 2)
                else:
                    coef, per, m = judge(xb, yb, wb, probs)
            excess = ops.relu(ops.abs(z) - LOGIT_LEASH)
            gates = math.prod(probs.shape[1:])
            objective = (
                ops.sum(z * coef) + LEASH_WEIGHT * ops.sum(excess * excess) / gates
            ) / rows
        variables = pre_bound.trainable_variables
        grads = tape.gradient(objective, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        loss = ops.sum(per[:, 2 * draws] * wb) / rows
        return loss + weight * _batch_mean(probs, rows), _batch_mean(m, rows)

    return step


def column_cost(share: Any, power: float) -> Any:
    """Return the cost of gates kept on a ``share`` of the rows.

    ``((share + e) ** power - e ** power) / ((1 + e) ** power - e ** power)``
    with ``e = COLUMN_COST_EPS``: 0 at a share of 0 and 1 at a share of 1, as
    the plain mean keep probability, but concave for ``power < 1``. A gate kept
    on most rows costs less per row than one kept on a few, so keeping a
    column pays where it is read across a region, and a column kept on a few
    scattered rows (a judge's fit to noise) pays more. Works on tensors and
    on arrays.
    """
    eps = COLUMN_COST_EPS
    return ((share + eps) ** power - eps**power) / ((1.0 + eps) ** power - eps**power)


def column_cost_slope(share: Any, power: float) -> Any:
    """Return the derivative of :func:`column_cost` at ``share``."""
    eps = COLUMN_COST_EPS
    return power * (share + eps) ** (power - 1.0) / ((1.0 + eps) ** power - eps**power)


def _row_blocks(probs: Any, block_rows: int | None) -> tuple[Any, Any, Any]:
    """Return ``(p, valid, unblock)``: ``probs`` as regions are formed in.

    ``block_rows`` None: one ``(rows, gates)`` matrix, ``valid`` None.
    Otherwise ``(blocks, block_rows, gates)``, the last block padded with
    rows that ``valid`` (shape ``(blocks, block_rows, 1)``) marks 0: pairs of
    rows cost ``O(rows * block_rows)`` instead of ``O(rows^2)`` in large
    batches. ``unblock`` turns a result of that shape back into one row per
    row of ``probs``.
    """
    g = math.prod(probs.shape[1:])
    p = ops.reshape(probs, (-1, g))
    if block_rows is None:
        return p, None, lambda t: t
    n = ops.shape(p)[0]
    pad = (-n) % block_rows
    p = ops.reshape(ops.pad(p, [[0, pad], [0, 0]]), (-1, block_rows, g))
    valid = ops.pad(ops.ones((n, 1)), [[0, pad], [0, 0]])
    valid = ops.reshape(valid, (-1, block_rows, 1))
    return p, valid, lambda t: ops.reshape(t, (-1, g))[:n]


def _regional_shares(p: Any, valid: Any = None) -> tuple[Any, Any, Any, Any]:
    """Return each gate's share of rows over the rows of its row's region.

    ``share[i, j]`` is gate ``j``'s keep probability averaged over the rows
    ``k`` of ``p`` (``(rows, gates)``, or blocks of rows from
    :func:`_row_blocks`, each its own batch) with weights
    ``w_j(i, k) = exp(-dist(i, k) / s) * (1 + (exp(1 / s) - 1) * (p_ij - p_kj)^2)``,
    ``dist`` the squared distance of rows ``i`` and ``k`` over all gates and
    ``s = COLUMN_REGION_SCALE``. For 0/1 masks the second factor undoes the
    first's term of gate ``j``: the weight is ``exp(-dist_j / s)`` with
    ``dist_j`` counting the *other* gates on which the rows disagree, so rows
    that keep the same other columns form a region, whichever way they
    decide column ``j``. The weights are constants for the gradient, so
    ``share`` is linear in ``p``; they are never formed, only matrix
    products with the ``(rows, rows)`` kernel (memory ``O(rows^2 + rows *
    gates)``). Rows that ``valid`` marks 0 (padding) weigh nothing. Rows of
    this replica only, under a ``tf.distribute`` strategy.

    Returns
    -------
    share, norm, q, kernel
        The shares, in ``p``'s shape; each share's sum of weights; the keep
        probabilities as constants; ``exp(-dist / s)``.
    """
    q = ops.stop_gradient(p)
    squares = ops.sum(q * q, axis=-1)
    dist = ops.maximum(
        ops.expand_dims(squares, -1)
        + ops.expand_dims(squares, -2)
        - 2.0 * ops.matmul(q, ops.swapaxes(q, -1, -2)),
        0.0,
    )
    kernel = ops.exp(-dist / COLUMN_REGION_SCALE)
    if valid is not None:
        kernel = kernel * valid * ops.swapaxes(valid, -1, -2)
    norm = _region_sums(kernel, q, ops.ones_like(q))
    if valid is not None:
        norm = ops.maximum(norm, 1e-12)  # a padding row has no weights
    return _region_sums(kernel, q, p) / norm, norm, q, kernel


def _region_sums(kernel: Any, q: Any, v: Any) -> Any:
    """Return ``sum_k w_j(i, k) v[k, j]`` for the weights of ``_regional_shares``.

    ``(p_ij - p_kj)^2`` expands into three products with the kernel; the
    kernel is symmetric, so the same sums over ``i`` give the transpose.
    """
    c = math.exp(1.0 / COLUMN_REGION_SCALE) - 1.0
    q2 = q * q
    return (
        (1.0 + c * q2) * ops.matmul(kernel, v)
        + c * ops.matmul(kernel, q2 * v)
        - 2.0 * c * q * ops.matmul(kernel, q * v)
    )


def _column_cost_slopes(
    probs: Any, power: float, block_rows: int | None = None
) -> tuple[Any, Any]:
    """Return ``d/dp[k, j]`` of the column cost summed over rows, and the cost.

    The derivative of ``sum_i column_cost(share[i, j])`` with the regional
    shares of :func:`_regional_shares`: each row ``i`` passes the slope of
    the curve at its share on to the rows of its region. With every row in
    one region this is :func:`column_cost_slope` at the batch's share. The
    cost is :func:`_sparsity_cost`'s numerator: the sum over rows of the
    mean over gates of :func:`column_cost`. ``block_rows``: see
    :func:`_row_blocks`.
    """
    p, valid, unblock = _row_blocks(probs, block_rows)
    share, norm, q, kernel = _regional_shares(p, valid)
    slopes = _region_sums(kernel, q, column_cost_slope(share, power) / norm)
    return unblock(slopes), _summed_column_cost(unblock(share), power)


def _summed_column_cost(share: Any, power: float) -> Any:
    return ops.sum(ops.mean(column_cost(share, power), axis=1))


def _sparsity_cost(
    probs: Any, rows: Any, power: float | None, block_rows: int | None = None
) -> Any:
    """Return the sparsity cost of a batch of ``rows`` rows (or its share).

    ``power`` None: the mean keep probability. Otherwise the mean over rows
    and gates of :func:`column_cost` of each gate's regional share of rows
    (:func:`_regional_shares`, in blocks of ``block_rows`` rows if given),
    summed over this replica's rows and divided by the batch's, so that the
    replicas add up.
    """
    if power is None:
        return _batch_mean(probs, rows)
    p, valid, unblock = _row_blocks(probs, block_rows)
    return _summed_column_cost(unblock(_regional_shares(p, valid)[0]), power) / rows


def _batch_mean(values: Any, rows: Any) -> Any:
    """Mean over a batch of ``rows`` rows of which ``values`` may be a share.

    A sum divided by the global row count: under a ``tf.distribute``
    strategy each replica sees part of the batch, and the replicas' results
    add up to the mean over the whole batch.
    """
    return ops.sum(values) / (rows * math.prod(values.shape[1:]))


def _batches(
    n: int, batch_size: int, rng: np.random.RandomState, row_groups: Any
) -> list[tuple[int | None, np.ndarray]]:
    """Return one epoch's batches as ``(group, row indices)`` pairs."""
    if row_groups is None:
        order = rng.permutation(n)
        return [(None, order[s : s + batch_size]) for s in range(0, n, batch_size)]
    batches = []
    for group, rows in enumerate(row_groups):
        order = rows[rng.permutation(len(rows))]
        batches += [
            (group, order[s : s + batch_size]) for s in range(0, len(rows), batch_size)
        ]
    return [batches[i] for i in rng.permutation(len(batches))]


def _spec(a: np.ndarray) -> tf.TensorSpec:
    return tf.TensorSpec((None, *a.shape[1:]), tf.as_dtype(a.dtype))


def train(
    graph: TrainingGraph,
    x: np.ndarray,
    y: np.ndarray,
    *,
    sample_weight: np.ndarray | None,
    validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    sparsity: float,
    patience: int | None,
    seed: int,
    verbose: int,
    pretrain_fraction: float = PRETRAIN_FRACTION,
    local_gradient: bool = False,
    label: str = "mask",
    strategy: Any = None,
    row_groups: Any = None,
    select_group: Any = None,
    column_cost_power: float | None = None,
) -> dict[str, list[float]]:
    """Fit a training graph with sparsity warm-up and early stopping.

    Parameters
    ----------
    graph : TrainingGraph
        What to train.
    x, y : ndarray
        Network inputs and targets.
    sample_weight : ndarray or None
        Per-row weights of the data loss; the batch loss is
        ``sum(w * loss) / n_rows``, as in Keras.
    validation : tuple of (x, y, sample_weight) or None
        Held-out rows for early stopping; ``None`` trains for ``epochs``.
    epochs, batch_size : int
        Passes over the data and rows per step.
    learning_rate : float
        Adam's learning rate.
    sparsity : float
        Final weight of the cost on the mean keep probability.
    patience : int or None
        Epochs without improvement of the held-out loss before stopping,
        counted after the warm-up and never fewer than
        ``MIN_PATIENCE_STEPS`` gradient steps; the best weights are restored.
    seed : int
        Seed of the row shuffling.
    verbose : int
        0 silent; 1 or more prints one line per epoch.
    pretrain_fraction : float, default=PRETRAIN_FRACTION
        Fraction of the epochs (first) in which the gate emits random masks:
        only the network beside the mask learns then. ``1.0`` trains a
        surrogate that judges any subset; ``0.0`` trains with learned masks
        throughout.
    local_gradient : bool, default=False
        Train only the mask network, with the local-expectation gradient
        against the (frozen) predictor; see :func:`local_gradient_applies`.
    label : str, default='mask'
        Name of the phase, printed at the start of each verbose line.
    strategy : tf.distribute.Strategy or None, default=None
        Train on its replicas, each on a strided share of every batch (see
        :func:`skmask._distribute.distributed_step`); the graph, and so its
        variables, must have been built in ``strategy.scope()``, and so is the
        optimizer, here. ``None`` trains on one device.
    row_groups : list of ndarray or None, default=None
        Positions of ``x`` in groups: each batch is drawn from one group.
    select_group : callable or None, default=None
        Called with a batch's group (``None`` for the held-out rows) before
        the graph runs on it.
    column_cost_power : float or None, default=None
        ``None``: the sparsity cost is the mean keep probability. A power in
        (0, 1]: it is the mean over rows and gates of :func:`column_cost` of
        the share of the row's region keeping the gate
        (:func:`_regional_shares`; regions within a batch while training,
        within blocks of ``batch_size`` held-out rows for early stopping).

    Returns
    -------
    history : dict of str to list of float
        Per epoch: ``loss`` (data loss plus sparsity cost), ``keep_fraction``
        (mean mask value during training), and ``val_loss`` when held-out
        rows are used.
    """
    model = graph.model
    pretrain_epochs = round(pretrain_fraction * epochs) if graph.gate is not None else 0
    if pretrain_epochs >= epochs and graph.random_mask_model is not None:
        # Random masks throughout: only the companion learns, and the mask
        # network's pass (and its zero gradients) would be wasted work.
        model = graph.random_mask_model
    n = x.shape[0]
    if sample_weight is None:
        sample_weight = np.ones(n, dtype=np.float32)
    # The optimizer's slots and the sparsity weight live with the model's
    # variables: mirrored on every replica under a strategy.
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
        optimizer.build(model.trainable_variables)
        weight = tf.Variable(0.0, trainable=False, dtype=tf.float32)
        leash_weight = tf.Variable(0.0, trainable=False, dtype=tf.float32)
    sparse = graph.sparse and sparsity > 0
    block_step = local_gradient and x.ndim in (3, 4)  # series and images
    local_step = local_gradient and not block_step  # tables
    # The local-expectation step on tables leashes its open logits too.
    leash = sparse and (graph.leash or local_step)
    # Regions of the column cost: the whole batch, or blocks of a large one.
    region_rows = None if batch_size <= REGION_MAX_ROWS else REGION_MAX_ROWS

    def step(xb: Any, yb: Any, wb: Any, rows: Any) -> tuple[Any, Any]:
        # Sums over the rows divided by the batch's row count ``rows``: the
        # batch mean on one device, and its share of it on each replica.
        with tf.GradientTape() as tape:
            prediction, mask, logits = model(xb, training=True)
            per_row = graph.loss(yb, prediction)
            loss = ops.sum(per_row * wb) / rows
            if sparse:
                loss = loss + weight * _sparsity_cost(
                    ops.sigmoid(logits), rows, column_cost_power, region_rows
                )
            if leash:
                excess = ops.relu(logits - LOGIT_LEASH)
                loss = loss + leash_weight * _batch_mean(excess * excess, rows)
        variables = model.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return loss, _batch_mean(mask, rows)

    if block_step:
        step = _block_step(graph, optimizer, weight, batch_size)
    elif local_step:
        step = _local_step(
            graph, optimizer, weight, column_cost_power, region_rows, leash_weight
        )

    steps_per_epoch = math.ceil(n / batch_size)
    if patience is not None:
        patience = max(patience, math.ceil(MIN_PATIENCE_STEPS / steps_per_epoch))
    if strategy is not None:
        step = distributed_step(step, strategy)
    if strategy is not None or epochs * steps_per_epoch > EAGER_MAX_STEPS:
        step = tf.function(
            step,
            input_signature=[
                _spec(x),
                _spec(y),
                _spec(sample_weight),
                tf.TensorSpec((), tf.float32),
            ],
            reduce_retracing=True,
        )

    def evaluate_chunk(xb: Any, yb: Any, wb: Any) -> tuple[Any, Any]:
        # Weighted data loss and keep-probability sum over a chunk of rows.
        prediction, _, logits = model(xb, training=False)
        total = ops.sum(graph.loss(yb, prediction) * wb)
        if not sparse:
            return total, ops.zeros(())
        probs = ops.sigmoid(logits)
        if column_cost_power is not None:
            # The column cost needs the rows' regions: keep probabilities.
            return total, ops.reshape(probs, (-1, math.prod(probs.shape[1:])))
        return total, ops.sum(ops.mean(probs, axis=tuple(range(1, probs.ndim))))

    if validation is not None and strategy is None and epochs > EAGER_MAX_EVALS:
        # An eager pass of the graph costs ~25 ms, a traced one ~1 ms: on
        # small data the held-out loss took half the fit (breast cancer).
        xv, yv, _ = validation
        evaluate_chunk = tf.function(
            evaluate_chunk,
            input_signature=[_spec(xv), _spec(yv), tf.TensorSpec((None,), tf.float32)],
            reduce_retracing=True,
        )

    def block_order(n_rows: int) -> np.ndarray:
        # The same order every epoch, so held-out losses stay comparable.
        return np.random.RandomState(seed).permutation(n_rows)

    def region_cost(probs: Any) -> Any:
        # Column cost summed over a batch-sized block of held-out rows.
        return _sparsity_cost(probs, 1.0, column_cost_power, region_rows)

    if column_cost_power is not None and epochs > EAGER_MAX_EVALS:
        region_cost = tf.function(region_cost, reduce_retracing=True)

    def evaluate(xv: np.ndarray, yv: np.ndarray, wv: np.ndarray | None) -> float:
        if wv is None:
            wv = np.ones(xv.shape[0], dtype=np.float32)
        total = 0.0
        penalty = 0.0
        held_out_probs = []
        rows = _eval_rows(xv)
        for start in range(0, xv.shape[0], rows):
            sl = slice(start, start + rows)
            chunk_loss, chunk_penalty = evaluate_chunk(
                xv[sl], yv[sl], wv[sl].astype(np.float32, copy=False)
            )
            total += float(chunk_loss)
            if sparse and column_cost_power is not None:
                held_out_probs.append(np.asarray(chunk_penalty))
            else:
                penalty += float(chunk_penalty)
        loss = total / xv.shape[0]
        if sparse:
            # Held-out loss always uses the final weight, so it is comparable
            # across epochs once the warm-up is over.
            if column_cost_power is None:
                loss += sparsity * penalty / xv.shape[0]
            else:
                # Regions are formed within batches, as in training: blocks
                # of batch_size held-out rows in one fixed random order.
                probs = np.concatenate(held_out_probs)[block_order(len(xv))]
                cost = sum(
                    float(region_cost(probs[s : s + batch_size]))
                    for s in range(0, len(probs), batch_size)
                )
                loss += sparsity * cost / xv.shape[0]
        return loss

    rng = np.random.RandomState(seed)
    warmup_epochs = round(WARMUP_FRACTION * epochs) if sparse else 0
    settled = pretrain_epochs + warmup_epochs
    history: dict[str, list[float]] = {"loss": [], "keep_fraction": []}
    if validation is not None:
        history["val_loss"] = []
    best_loss, best_weights, waited = np.inf, None, 0
    first_step = True
    for epoch in range(epochs):
        started = time.perf_counter()
        if graph.gate is not None:
            graph.gate.random_rate.assign(1.0 if epoch < pretrain_epochs else 0.0)
        if sparse and epoch >= pretrain_epochs:
            ramp = (epoch - pretrain_epochs + 1) / (warmup_epochs + 1)
            weight.assign(sparsity * float(np.clip(ramp, 0.0, 1.0)))
            leash_weight.assign(LEASH_WEIGHT if leash and ramp < 1.0 else 0.0)
        losses, kept = [], []
        current = None
        for group, idx in _batches(n, batch_size, rng, row_groups):
            if select_group is not None and group != current:
                select_group(group)
                current = group
            rows = np.float32(len(idx))
            if first_step:
                # Kernels are made on the first step: filter their notices.
                with filtered_native_stderr():
                    loss, keep = step(x[idx], y[idx], sample_weight[idx], rows)
                first_step = False
            else:
                loss, keep = step(x[idx], y[idx], sample_weight[idx], rows)
            losses.append(float(loss) * len(idx))
            kept.append(float(keep) * len(idx))
        history["loss"].append(sum(losses) / n)
        history["keep_fraction"].append(sum(kept) / n)
        line = (
            f"[{label}] epoch {epoch + 1}/{epochs} - loss {history['loss'][-1]:.4f} - "
            f"kept {history['keep_fraction'][-1]:.3f}"
        )
        stop = False
        if validation is not None:
            if select_group is not None:
                select_group(None)
            val_loss = evaluate(*validation)
            history["val_loss"].append(val_loss)
            line += f" - val_loss {val_loss:.4f}"
            if patience is not None and (epoch >= settled or pretrain_epochs >= epochs):
                if val_loss < best_loss:
                    best_loss, best_weights, waited = val_loss, model.get_weights(), 0
                else:
                    waited += 1
                    stop = waited >= patience
        if verbose:
            seconds = time.perf_counter() - started
            print(f"{line} - {seconds:.2f}s", file=sys.stdout, flush=True)
        if stop:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return history
