"""Multi-layer perceptrons: the tabular mask network, decoders and predictors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skmask._keras import start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras

from skmask.gates import GlobalLogits, MaskTokens


def _dense_stack(x: Any, hidden_units: Sequence[int], name: str) -> Any:
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(int(units), activation="relu", name=f"{name}_dense_{i}")(
            x
        )
    return x


def build_mlp(
    n_inputs: int,
    hidden_units: Sequence[int],
    n_outputs: int,
    *,
    mask_tokens: bool = False,
    name: str = "mlp",
) -> keras.Model:
    """Build a ReLU MLP with a linear output layer.

    Parameters
    ----------
    n_inputs : int
        Width of the input.
    hidden_units : sequence of int
        Width of each hidden layer; empty for a linear model.
    n_outputs : int
        Width of the (linear) output layer.
    mask_tokens : bool, default=False
        The input is ``concat([x * m, m])`` (``n_inputs`` is its width):
        read it through :class:`~skmask.gates.MaskTokens`, so a dropped
        entry becomes a learned value rather than an extra input.
    name : str, default='mlp'
        Model name, also the prefix of its layer names.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_inputs)`` to ``(batch, n_outputs)``.
    """
    inputs = keras.Input((n_inputs,), name=f"{name}_input")
    x = MaskTokens(name=f"{name}_mask_tokens")(inputs) if mask_tokens else inputs
    x = _dense_stack(x, hidden_units, name)
    outputs = keras.layers.Dense(n_outputs, name=f"{name}_output")(x)
    return keras.Model(inputs, outputs, name=name)


def build_mlp_mask_network(
    n_features: int,
    hidden_units: Sequence[int],
    *,
    initial_logit: float = 0.0,
    n_logits: int | None = None,
    name: str = "mask_network",
) -> keras.Model:
    """Build the instance-wise tabular mask network: one logit per feature.

    Parameters
    ----------
    n_features : int
        Number of input features, and of mask logits unless ``n_logits``.
    hidden_units : sequence of int
        Width of each hidden layer.
    initial_logit : float, default=0.0
        Bias of the output layer, with its weights starting small, so that
        every gate starts at keep probability ``sigmoid(initial_logit)``.
        A positive value lets the network trained beside the mask see the
        features before the sparsity cost closes the gates.
    n_logits : int or None, default=None
        Number of mask logits (one per group of features); ``None`` for one
        per feature.
    name : str, default='mask_network'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_features)`` to logits of shape ``(batch, n_logits)``.
    """
    inputs = keras.Input((n_features,), name=f"{name}_input")
    x = _dense_stack(inputs, hidden_units, name)
    outputs = keras.layers.Dense(
        n_features if n_logits is None else int(n_logits),
        kernel_initializer=keras.initializers.VarianceScaling(0.1),
        bias_initializer=keras.initializers.Constant(initial_logit),
        name=f"{name}_logits",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def build_global_mask_network(
    input_shape: tuple[int, ...],
    mask_shape: tuple[int, ...] | None = None,
    *,
    initial_logit: float = 0.0,
    name: str = "mask_network",
) -> keras.Model:
    """Build a global mask network: one learned logit per entry for all rows.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one input, without the batch axis.
    mask_shape : tuple of int, default=None
        Shape of one mask; defaults to ``input_shape``.
    initial_logit : float, default=0.0
        Starting logit of every entry.
    name : str, default='mask_network'
        Model name.

    Returns
    -------
    keras.Model
        Maps a batch of inputs to ``(batch, *mask_shape)`` logits that do not
        depend on the input values.
    """
    mask_shape = tuple(input_shape if mask_shape is None else mask_shape)
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    outputs = GlobalLogits(mask_shape, initial_logit=initial_logit, name="logits")(
        inputs
    )
    return keras.Model(inputs, outputs, name=name)
