"""Networks over time steps for series of shape ``(n_timesteps, n_channels)``.

Recurrent and convolutional mask networks, a convolutional decoder and a
pooled convolutional predictor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skmask._keras import start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras

from skmask.gates import MaskTokens, PaddingGuard

# Width of the convolution windows of the 'conv1d' stacks.
KERNEL_SIZE = 3


def _conv_stack(x: Any, hidden_units: Sequence[int], *, causal: bool, name: str) -> Any:
    # Dilations 1, 2, 4, ...: the receptive field doubles with each layer.
    for i, units in enumerate(hidden_units):
        x = keras.layers.Conv1D(
            int(units),
            KERNEL_SIZE,
            dilation_rate=2**i,
            padding="causal" if causal else "same",
            activation="relu",
            name=f"{name}_conv_{i}",
        )(x)
    return x


def _recurrent_stack(
    x: Any, hidden_units: Sequence[int], *, kind: str, bidirectional: bool, name: str
) -> Any:
    cell = keras.layers.LSTM if kind == "lstm" else keras.layers.GRU
    for i, units in enumerate(hidden_units):
        layer = cell(int(units), return_sequences=True, name=f"{name}_{kind}_{i}")
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{name}_bi{kind}_{i}")
        x = layer(x)
    return x


def build_sequence_mask_network(
    input_shape: tuple[int, int],
    kind: str,
    hidden_units: Sequence[int],
    *,
    mask_channels: int = 1,
    bidirectional: bool = True,
    initial_logit: float = 0.0,
    name: str = "mask_network",
) -> keras.Model:
    """Build a mask network over time steps: one logit per step (and channel).

    Parameters
    ----------
    input_shape : tuple of (n_timesteps, n_channels)
        Shape of one series.
    kind : {'conv1d', 'lstm', 'gru'}
        ``'conv1d'``: dilated convolutions (dilation ``2**i`` in layer ``i``);
        ``'lstm'``/``'gru'``: stacked recurrent layers returning sequences.
    hidden_units : sequence of int
        Filters or units of each layer.
    mask_channels : int, default=1
        1 for one mask value per time step (shared across channels), or the
        number of channels for one per step and channel.
    bidirectional : bool, default=True
        Recurrent layers read the series both ways; convolutions look at both
        sides of a step (``'same'`` padding). ``False`` makes the mask of a step
        depend on the past only (forward recurrence, causal convolutions),
        for streaming use.
    initial_logit : float, default=0.0
        Starting bias of the output layer.
    name : str, default='mask_network'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_timesteps, n_channels)`` to ``(batch, n_timesteps,
        mask_channels)`` logits, for any ``n_timesteps`` (convolutions and
        recurrences are the same at every step: a mask fitted on short
        windows masks longer recordings). It expects NaN-free input: wrap it
        with :func:`guard_padding` for padded series.
    """
    # An open length: nothing in the network depends on the number of steps.
    inputs = keras.Input((None, int(input_shape[1])), name=f"{name}_input")
    if kind == "conv1d":
        x = _conv_stack(inputs, hidden_units, causal=not bidirectional, name=name)
    else:
        x = _recurrent_stack(
            inputs, hidden_units, kind=kind, bidirectional=bidirectional, name=name
        )
    logits = keras.layers.Dense(
        mask_channels,
        bias_initializer=keras.initializers.Constant(initial_logit),
        name=f"{name}_logits",
    )(x)
    return keras.Model(inputs, logits, name=name)


def guard_padding(
    network: keras.Model,
    input_shape: tuple[int, ...],
    *,
    groups: Sequence[int] | None = None,
    name: str = "mask_network",
) -> keras.Model:
    """Wrap a mask network so that padded (NaN) steps are zero and closed.

    Parameters
    ----------
    network : keras.Model
        A mask network over series.
    input_shape : tuple of int
        Shape of one series.
    groups : sequence of int or None, default=None
        The group of each entry of the last axis, for a network with one
        logit per group (see :class:`~skmask.gates.PaddingGuard`).
    name : str, default='mask_network'
        Name of the returned model.

    Returns
    -------
    keras.Model
        Same outputs as ``network`` on unpadded series.
    """
    inputs = keras.Input(tuple(input_shape), name=f"{name}_padded_input")
    outputs = PaddingGuard(network, groups=groups, name="padding_guard")(inputs)
    return keras.Model(inputs, outputs, name=name)


def build_sequence_decoder(
    input_shape: tuple[int, int],
    hidden_units: Sequence[int],
    n_outputs: int,
    *,
    name: str = "decoder",
) -> keras.Model:
    """Build a fully convolutional decoder: a value per step and channel.

    Parameters
    ----------
    input_shape : tuple of (n_timesteps, n_inputs)
        Shape of one input, here ``concat([x * m, m])`` on the channel axis.
    hidden_units : sequence of int
        Filters of each dilated convolution.
    n_outputs : int
        Channels to rebuild.
    name : str, default='decoder'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_timesteps, n_inputs)`` to ``(batch, n_timesteps,
        n_outputs)``.
    """
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    x = _conv_stack(inputs, hidden_units, causal=False, name=name)
    outputs = keras.layers.Conv1D(n_outputs, 1, name=f"{name}_output")(x)
    return keras.Model(inputs, outputs, name=name)


def build_sequence_predictor(
    input_shape: tuple[int, int],
    hidden_units: Sequence[int],
    n_outputs: int,
    *,
    mask_tokens: bool = False,
    name: str = "predictor",
) -> keras.Model:
    """Build a convolutional predictor of a per-series target.

    Dilated convolutions, then global max and mean pooling over time (a
    pattern counts wherever it appears), then a linear output layer.

    Parameters
    ----------
    input_shape : tuple of (n_timesteps, n_inputs)
        Shape of one input, here ``concat([x * m, m])`` on the channel axis.
    hidden_units : sequence of int
        Filters of each dilated convolution.
    n_outputs : int
        Output units.
    mask_tokens : bool, default=False
        Read the input through :class:`~skmask.gates.MaskTokens` (a learned
        value per channel where an entry is dropped) instead of taking the
        mask as channels of its own.
    name : str, default='predictor'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_timesteps, n_inputs)`` to ``(batch, n_outputs)``.
    """
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    x = MaskTokens(name=f"{name}_mask_tokens")(inputs) if mask_tokens else inputs
    x = _conv_stack(x, hidden_units, causal=False, name=name)
    pooled = keras.layers.Concatenate(name=f"{name}_pooled")(
        [
            keras.layers.GlobalMaxPooling1D(name=f"{name}_max")(x),
            keras.layers.GlobalAveragePooling1D(name=f"{name}_mean")(x),
        ]
    )
    outputs = keras.layers.Dense(n_outputs, name=f"{name}_output")(pooled)
    return keras.Model(inputs, outputs, name=name)
