"""Multi-layer perceptrons: the tabular mask network, decoders and predictors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skmask._keras import start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras
from keras import ops

from skmask.gates import GlobalLogits, MaskTokens, n_gates


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


@keras.saving.register_keras_serializable(package="skmask")
class LeaveOneOutDense(keras.layers.Layer):
    """A dense ReLU layer seen once per gate, without that gate's own columns.

    For each gate ``g`` (a column, or a group of columns) the output is
    ``relu(x @ W + b - sum_{i in g} x_i W_i)``: the layer's response to the
    row with gate ``g``'s columns left out. One matrix product serves every
    gate; what grows with the width is the output, ``n_gates`` hidden
    vectors per row (and the cost of any layer after it).

    Parameters
    ----------
    units : int
        Width of the layer.
    groups : list of int or None, default=None
        The gate of each input column; None when each column is its own.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Notes
    -----
    Maps ``(batch, n_features)`` to ``(batch, n_gates, units)``.
    """

    def __init__(self, units: int, groups: Sequence[int] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.groups = None if groups is None else [int(g) for g in groups]

    def build(self, input_shape):
        """Create the weights."""
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), self.units),
            initializer="glorot_uniform",
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer="zeros", name="bias"
        )

    def call(self, x):
        """Apply the layer."""
        whole = ops.matmul(x, self.kernel) + self.bias
        own = x[:, :, None] * self.kernel[None]  # each column's share
        if self.groups is not None:
            # Sum the shares of a group's columns (segment_sum runs over
            # the leading axis).
            own = ops.transpose(
                ops.segment_sum(
                    ops.transpose(own, (1, 0, 2)),
                    ops.convert_to_tensor(list(self.groups), dtype="int32"),
                    num_segments=n_gates(self.groups, x.shape[-1]),
                ),
                (1, 0, 2),
            )
        return ops.relu(whole[:, None, :] - own)

    def compute_output_shape(self, input_shape):
        """Return the output shape for ``input_shape``."""
        return (input_shape[0], n_gates(self.groups, input_shape[-1]), self.units)

    def get_config(self):
        """Return the layer's configuration."""
        return {**super().get_config(), "units": self.units, "groups": self.groups}


def _add_logit_weights(layer: Any, kernel_shape: tuple[int, int], count: int) -> None:
    # Small output weights and a bias at the initial logit, as the plain
    # MLP's output layer has: every gate starts at the same keep probability.
    layer.kernel = layer.add_weight(
        shape=kernel_shape,
        initializer=keras.initializers.VarianceScaling(0.1),
        name="kernel",
    )
    layer.bias = layer.add_weight(
        shape=(count,),
        initializer=keras.initializers.Constant(layer.initial_logit),
        name="bias",
    )


@keras.saving.register_keras_serializable(package="skmask")
class GateLogits(keras.layers.Layer):
    """One logit per gate, each from that gate's own hidden vector.

    Parameters
    ----------
    initial_logit : float, default=0.0
        Starting bias of every gate (its weights start small).
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Notes
    -----
    Maps ``(batch, n_gates, units)`` to ``(batch, n_gates)``.
    """

    def __init__(self, initial_logit: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_logit = float(initial_logit)

    def build(self, input_shape):
        """Create the weights."""
        count, units = int(input_shape[-2]), int(input_shape[-1])
        _add_logit_weights(self, (count, units), count)

    def call(self, hidden):
        """Apply the layer."""
        return ops.einsum("bgu,gu->bg", hidden, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        """Return the output shape for ``input_shape``."""
        return tuple(input_shape[:-1])

    def get_config(self):
        """Return the layer's configuration."""
        return {**super().get_config(), "initial_logit": self.initial_logit}


@keras.saving.register_keras_serializable(package="skmask")
class LeaveOneOutLinear(keras.layers.Layer):
    """Linear gate logits, each blind to its own gate's columns.

    ``logit_g = sum_{i not in g} x_i K_ig + b_g``: the mask network of
    :func:`build_leave_one_out_mask_network` without hidden layers.

    Parameters
    ----------
    groups : list of int or None, default=None
        The gate of each input column; None when each column is its own.
    initial_logit : float, default=0.0
        Starting bias of every gate (its weights start small).
    **kwargs
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(
        self,
        groups: Sequence[int] | None = None,
        initial_logit: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.groups = None if groups is None else [int(g) for g in groups]
        self.initial_logit = float(initial_logit)

    def build(self, input_shape):
        """Create the weights."""
        n_features = int(input_shape[-1])
        groups = list(range(n_features) if self.groups is None else self.groups)
        count = n_gates(self.groups, n_features)
        _add_logit_weights(self, (n_features, count), count)
        # 0 where column i belongs to gate g: a constant, not a weight.
        self._others = 1.0 - ops.one_hot(ops.convert_to_tensor(groups), count)

    def call(self, x):
        """Apply the layer."""
        return ops.matmul(x, self.kernel * self._others) + self.bias

    def compute_output_shape(self, input_shape):
        """Return the output shape for ``input_shape``."""
        return (input_shape[0], n_gates(self.groups, input_shape[-1]))

    def get_config(self):
        """Return the layer's configuration."""
        return {
            **super().get_config(),
            "groups": self.groups,
            "initial_logit": self.initial_logit,
        }


def build_leave_one_out_mask_network(
    n_features: int,
    hidden_units: Sequence[int],
    *,
    initial_logit: float = 0.0,
    groups: Sequence[int] | None = None,
    name: str = "mask_network",
) -> keras.Model:
    """Build a tabular mask network whose logit for a gate never reads it.

    The logit of gate ``g`` is a ReLU MLP of the row with ``g``'s columns
    left out (:class:`LeaveOneOutDense`, then ``hidden_units[1:]`` shared
    dense layers, then :class:`GateLogits`). Whether an entry is kept then
    cannot depend on its own value: a dropped entry's absence says nothing
    about it that the rest of the row does not, and the gate learns the
    entry's worth averaged over the values it may take given the others.

    Parameters
    ----------
    n_features : int
        Number of input features.
    hidden_units : sequence of int
        Width of each hidden layer; empty for linear logits
        (:class:`LeaveOneOutLinear`).
    initial_logit : float, default=0.0
        Starting logit of every gate (see :func:`build_mlp_mask_network`).
    groups : sequence of int, default=None
        The gate of each feature; None for one gate per feature.
    name : str, default='mask_network'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, n_features)`` to logits of shape ``(batch, n_gates)``.
    """
    units = [int(u) for u in hidden_units]
    groups = None if groups is None else [int(g) for g in groups]
    inputs = keras.Input((n_features,), name=f"{name}_input")
    if not units:
        outputs = LeaveOneOutLinear(groups, initial_logit, name=f"{name}_logits")(
            inputs
        )
        return keras.Model(inputs, outputs, name=name)
    x = LeaveOneOutDense(units[0], groups, name=f"{name}_dense_0")(inputs)
    for i, width in enumerate(units[1:], start=1):
        x = keras.layers.Dense(width, activation="relu", name=f"{name}_dense_{i}")(x)
    outputs = GateLogits(initial_logit, name=f"{name}_logits")(x)
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
