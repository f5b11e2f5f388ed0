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
Inputs reach these graphs standardised, so a dropped entry is replaced by the
column mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
from keras import ops

from skmask.gates import MaskGate

# Fraction of the epochs over which the sparsity weight grows from 0, so that
# the network beside the mask learns from (nearly) all entries before the gates
# start to close: the guard against the collapse of jointly trained gates.
WARMUP_FRACTION = 0.2


@dataclass
class TargetSpec:
    """What the predictor of a task objective outputs.

    Parameters
    ----------
    kind : {'binary', 'multiclass', 'multilabel', 'regression'}
        The type of target.
    n_outputs : int
        Number of output units (1 for binary, one per class for multiclass).
    """

    kind: str
    n_outputs: int


@dataclass
class TrainingGraph:
    """A compiled-ready training model and what belongs to it.

    Parameters
    ----------
    model : keras.Model
        The model that ``fit`` trains.
    loss : keras.losses.Loss
        Its data loss; the sparsity cost is added by the gate.
    gate : MaskGate or None
        The gate whose sparsity weight is warmed up, if any.
    companion : keras.Model or None
        The decoder or predictor trained beside the mask.
    """

    model: Any
    loss: Any
    gate: Any = None
    companion: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


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
    if mask_type == "binary":
        return TrainingGraph(
            model=mask_network, loss=keras.losses.BinaryCrossentropy(from_logits=True)
        )
    inputs = keras.Input(mask_network.input_shape[1:])
    probs = keras.layers.Activation("sigmoid")(mask_network(inputs))
    model = keras.Model(inputs, probs, name="supervised_mask")
    return TrainingGraph(model=model, loss=keras.losses.MeanSquaredError())


def _masked_view(mask_network: Any, gate: MaskGate) -> tuple[Any, Any]:
    inputs = keras.Input(mask_network.input_shape[1:], name="x")
    mask = gate(mask_network(inputs))
    masked = keras.layers.Multiply(name="x_times_m")([inputs, mask])
    if tuple(mask.shape) != tuple(inputs.shape):
        # A mask shared across channels: broadcast it before concatenating.
        mask = ops.broadcast_to(mask, ops.shape(inputs))
    view = keras.layers.Concatenate(axis=-1, name="masked_and_mask")([masked, mask])
    return inputs, view


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
        Turns logits into masks and adds the sparsity cost.

    Returns
    -------
    TrainingGraph
    """
    inputs, view = _masked_view(mask_network, gate)
    model = keras.Model(inputs, decoder(view), name="reconstruction")
    return TrainingGraph(
        model=model, loss=keras.losses.MeanSquaredError(), gate=gate, companion=decoder
    )


def task_loss(target: TargetSpec) -> Any:
    """Return the data loss for a predictor that outputs logits or values.

    Parameters
    ----------
    target : TargetSpec
        The kind of target.

    Returns
    -------
    keras.losses.Loss
    """
    if target.kind in ("binary", "multilabel"):
        return keras.losses.BinaryCrossentropy(from_logits=True)
    if target.kind == "multiclass":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return keras.losses.MeanSquaredError()


def task_graph(
    mask_network: Any, predictor: Any, gate: MaskGate, target: TargetSpec
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
        Turns logits into masks and adds the sparsity cost.
    target : TargetSpec
        The kind of target.

    Returns
    -------
    TrainingGraph
    """
    inputs, view = _masked_view(mask_network, gate)
    model = keras.Model(inputs, predictor(view), name="task")
    return TrainingGraph(model=model, loss=task_loss(target), gate=gate, companion=predictor)


class SparsityWarmup(keras.callbacks.Callback):
    """Grow a gate's sparsity weight linearly from 0 over the first epochs.

    Parameters
    ----------
    gate : MaskGate
        The gate to drive.
    sparsity : float
        Final weight.
    warmup_epochs : int
        Epochs until the final weight is reached.
    """

    def __init__(self, gate: MaskGate, sparsity: float, warmup_epochs: int) -> None:
        super().__init__()
        self.gate = gate
        self.sparsity = float(sparsity)
        self.warmup_epochs = int(warmup_epochs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Set this epoch's weight."""
        progress = min(1.0, epoch / self.warmup_epochs) if self.warmup_epochs else 1.0
        self.gate.sparsity_weight.assign(self.sparsity * progress)


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
    verbose: int,
) -> dict[str, list[float]]:
    """Compile and fit a training graph, with warm-up and early stopping.

    Parameters
    ----------
    graph : TrainingGraph
        What to train.
    x, y : ndarray
        Network inputs and targets (float32).
    sample_weight : ndarray or None
        Per-row weights of the data loss.
    validation : tuple of (x, y, sample_weight) or None
        Held-out rows for early stopping; ``None`` trains for ``epochs``.
    epochs, batch_size : int
        As in ``keras.Model.fit``.
    learning_rate : float
        Adam's learning rate.
    sparsity : float
        Final weight of the sparsity cost.
    patience : int or None
        Epochs without improvement of the validation loss before stopping,
        counted after the warm-up; ``None`` never stops early.
    verbose : int
        0 silent, 1 or more one line per epoch.

    Returns
    -------
    history : dict of str to list of float
        Per-epoch losses, as ``keras.callbacks.History.history``.
    """
    graph.model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=graph.loss,
    )
    callbacks = []
    warmup_epochs = 0
    if graph.gate is not None:
        warmup_epochs = int(round(WARMUP_FRACTION * epochs))
        callbacks.append(SparsityWarmup(graph.gate, sparsity, warmup_epochs))
    if patience is not None and validation is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=patience,
                restore_best_weights=True,
                start_from_epoch=warmup_epochs,
            )
        )
    history = graph.model.fit(
        x,
        y,
        sample_weight=sample_weight,
        validation_data=None
        if validation is None
        else tuple(v for v in validation if v is not None),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        callbacks=callbacks,
        verbose=2 if verbose else 0,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
