"""Networks over pixels for images of shape ``(height, width, channels)``.

A convolutional encoder with a dense mask head (``'cnn'``, fixed image size),
a fully convolutional encoder-decoder with skip connections (``'fcn'``, any
image size), a fully convolutional decoder and a pooled convolutional
predictor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skmask._keras import start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras
from keras import ops

from skmask.gates import MaskTokens

KERNEL_SIZE = 3
# Bound on the default networks' mask logits (keep probability at most
# sigmoid(6) ~ 0.9975): straight-through gates whose logits run far past it
# stop getting a gradient, and a fit froze with every pixel kept.
LOGIT_BOUND = 6.0


@keras.saving.register_keras_serializable(package="skmask")
class PadToMultiple(keras.layers.Layer):
    """Zero-pad height and width (bottom, right) up to a multiple of ``multiple``.

    Lets an encoder-decoder with ``k`` poolings take any image size.

    Parameters
    ----------
    multiple : int
        The multiple, ``2 ** k``.
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(self, multiple: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiple = int(multiple)

    def call(self, inputs: Any) -> Any:
        """Return the padded images."""
        shape = ops.shape(inputs)
        pad_h = (-shape[1]) % self.multiple
        pad_w = (-shape[2]) % self.multiple
        return ops.pad(inputs, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]])

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Height and width round up to the multiple (unknown stays unknown)."""

        def up(s: Any) -> Any:
            return None if s is None else -(-s // self.multiple) * self.multiple

        return (input_shape[0], up(input_shape[1]), up(input_shape[2]), input_shape[3])

    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration."""
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="skmask")
class CropLike(keras.layers.Layer):
    """Crop the first input's height and width to those of the second."""

    def call(self, inputs: Any) -> Any:
        """Return ``inputs[0][:, :H, :W]`` with ``H, W`` from ``inputs[1]``."""
        x, reference = inputs
        shape = ops.shape(reference)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Height and width of the reference, channels of the first input."""
        x, reference = input_shape
        return (x[0], reference[1], reference[2], x[3])


@keras.saving.register_keras_serializable(package="skmask")
class BoundedLogits(keras.layers.Layer):
    """Squash logits smoothly into ``(-bound, bound)``: ``bound * tanh(z / bound)``.

    Monotone, so the 0.5 threshold and the order of entries are unchanged.

    Parameters
    ----------
    bound : float
        Largest absolute logit.
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(self, bound: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bound = float(bound)

    def call(self, inputs: Any) -> Any:
        """Return the bounded logits."""
        return self.bound * ops.tanh(inputs / self.bound)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Return the input's shape."""
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration."""
        return {**super().get_config(), "bound": self.bound}


def _mask_head(logits: Any, smoothing: int, name: str) -> Any:
    """Average the logits over ``smoothing x smoothing`` windows, then bound them."""
    if smoothing > 1:
        # Stride 1, 'same' padding: borders average their in-image neighbours.
        logits = keras.layers.AveragePooling2D(
            smoothing, strides=1, padding="same", name=f"{name}_smooth"
        )(logits)
    return BoundedLogits(LOGIT_BOUND, name=f"{name}_bound")(logits)


def _conv(x: Any, units: int, name: str) -> Any:
    return keras.layers.Conv2D(
        int(units), KERNEL_SIZE, padding="same", activation="relu", name=name
    )(x)


def _unet(inputs: Any, hidden_units: Sequence[int], name: str) -> Any:
    """Encoder-decoder with skip connections; output at the input's size."""
    levels = len(hidden_units)
    x = PadToMultiple(2 ** (levels - 1), name=f"{name}_pad")(inputs)
    skips = []
    for i, units in enumerate(hidden_units):
        x = _conv(x, units, f"{name}_enc_{i}")
        if i < levels - 1:
            skips.append(x)
            x = keras.layers.MaxPooling2D(2, name=f"{name}_pool_{i}")(x)
    for i in reversed(range(levels - 1)):
        x = keras.layers.UpSampling2D(2, name=f"{name}_up_{i}")(x)
        x = keras.layers.Concatenate(name=f"{name}_skip_{i}")([x, skips[i]])
        x = _conv(x, hidden_units[i], f"{name}_dec_{i}")
    x = CropLike(name=f"{name}_crop")([x, inputs])
    return x


def build_image_mask_network(
    input_shape: tuple[int, int, int],
    kind: str,
    hidden_units: Sequence[int],
    *,
    mask_channels: int = 1,
    initial_logit: float = 0.0,
    smoothing: int = 1,
    name: str = "mask_network",
) -> keras.Model:
    """Build a mask network over pixels: one logit per pixel (and channel).

    Parameters
    ----------
    input_shape : tuple of (height, width, channels)
        Shape of one image.
    kind : {'fcn', 'cnn'}
        ``'fcn'``: fully convolutional encoder-decoder with skip connections
        (``len(hidden_units) - 1`` poolings), built for any height and width.
        ``'cnn'``: convolutions and poolings, then a dense head that outputs
        the whole mask (the classic formulation; fixed size).
    hidden_units : sequence of int
        Filters per level.
    mask_channels : int, default=1
        1 for a mask per pixel shared by the channels, or the number of
        channels for one per pixel and channel.
    initial_logit : float, default=0.0
        Starting bias of the output layer.
    smoothing : int, default=1
        The logits are averaged over ``smoothing x smoothing`` windows (1:
        not at all), so that masks are regions rather than scattered pixels.
        Either way they are then bounded to ``(-LOGIT_BOUND, LOGIT_BOUND)``.
    name : str, default='mask_network'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, height, width, channels)`` to ``(batch, height, width,
        mask_channels)`` logits.
    """
    height, width, channels = input_shape
    bias = keras.initializers.Constant(initial_logit)
    if kind == "fcn":
        inputs = keras.Input((None, None, channels), name=f"{name}_input")
        x = _unet(inputs, hidden_units, name)
        logits = keras.layers.Conv2D(
            mask_channels, 1, bias_initializer=bias, name=f"{name}_logits"
        )(x)
        return keras.Model(inputs, _mask_head(logits, smoothing, name), name=name)
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    x = inputs
    for i, units in enumerate(hidden_units):
        x = _conv(x, units, f"{name}_conv_{i}")
        x = keras.layers.MaxPooling2D(2, padding="same", name=f"{name}_pool_{i}")(x)
    x = keras.layers.Flatten(name=f"{name}_flat")(x)
    x = keras.layers.Dense(
        max(hidden_units) * 2, activation="relu", name=f"{name}_dense"
    )(x)
    x = keras.layers.Dense(
        height * width * mask_channels, bias_initializer=bias, name=f"{name}_logits"
    )(x)
    logits = keras.layers.Reshape((height, width, mask_channels), name=f"{name}_map")(x)
    return keras.Model(inputs, _mask_head(logits, smoothing, name), name=name)


def build_image_decoder(
    input_shape: tuple[int, int, int],
    hidden_units: Sequence[int],
    n_outputs: int,
    *,
    name: str = "decoder",
) -> keras.Model:
    """Build a fully convolutional decoder: a value per pixel and channel.

    Parameters
    ----------
    input_shape : tuple of (height, width, n_inputs)
        Shape of one input, here ``concat([x * m, m])`` on the channel axis.
    hidden_units : sequence of int
        Filters per level of the encoder-decoder.
    n_outputs : int
        Channels to rebuild.
    name : str, default='decoder'
        Model name.

    Returns
    -------
    keras.Model
        Maps ``(batch, height, width, n_inputs)`` to ``(batch, height, width,
        n_outputs)``.
    """
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    x = _unet(inputs, hidden_units, name)
    outputs = keras.layers.Conv2D(n_outputs, 1, name=f"{name}_output")(x)
    return keras.Model(inputs, outputs, name=name)


def build_image_predictor(
    input_shape: tuple[int, int, int],
    hidden_units: Sequence[int],
    n_outputs: int,
    *,
    mask_tokens: bool = False,
    name: str = "predictor",
) -> keras.Model:
    """Build a convolutional predictor of a per-image target.

    Convolutions (a pooling between levels), then global max and mean pooling
    (an object counts wherever it is), then a linear output layer.

    Parameters
    ----------
    input_shape : tuple of (height, width, n_inputs)
        Shape of one input, here ``concat([x * m, m])`` on the channel axis.
    hidden_units : sequence of int
        Filters per level.
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
        Maps ``(batch, height, width, n_inputs)`` to ``(batch, n_outputs)``.
    """
    inputs = keras.Input(tuple(input_shape), name=f"{name}_input")
    x = MaskTokens(name=f"{name}_mask_tokens")(inputs) if mask_tokens else inputs
    for i, units in enumerate(hidden_units):
        if i:
            x = keras.layers.MaxPooling2D(2, padding="same", name=f"{name}_pool_{i}")(x)
        x = _conv(x, units, f"{name}_conv_{i}")
    pooled = keras.layers.Concatenate(name=f"{name}_pooled")(
        [
            keras.layers.GlobalMaxPooling2D(name=f"{name}_max")(x),
            keras.layers.GlobalAveragePooling2D(name=f"{name}_mean")(x),
        ]
    )
    outputs = keras.layers.Dense(n_outputs, name=f"{name}_output")(pooled)
    return keras.Model(inputs, outputs, name=name)
