"""Mask layers: turn mask logits into masks inside a training graph.

A mask network outputs one logit per masked entry. During training the gate
turns logits into the masks that the decoder or predictor sees: *hard* 0/1
samples of a relaxed Bernoulli (concrete) variable with keep probability
``sigmoid(logit)``, trained with the straight-through estimator. The forward
pass uses the hard sample, so the downstream network learns on exactly the
kind of input ``transform`` produces, and the backward pass uses the gradient
of the relaxed sample. Weighted masks train through the same gate and apply
its keep probability (see ``docs/design.md``).

The sparsity cost on ``sigmoid(logit)`` is added by the training loop
(:mod:`skmask.objectives`), not here, so that it can be warmed up and
reported without touching the layers.
"""

from __future__ import annotations

from typing import Any

from skmask._keras import start_tensorflow

start_tensorflow()  # quietly, before Keras loads

import keras
import tensorflow as tf
from keras import ops

from skmask._distribute import replica_index

_EPS = 1e-6
# Added to the first seed word on each replica: separate noise streams.
_REPLICA_SEED_STRIDE = 1_000_003
# Seeds of the random masks that held-out losses are measured on.
_FIXED_SEEDS = (20_171, 20_172)


@keras.saving.register_keras_serializable(package="skmask")
class GlobalLogits(keras.layers.Layer):
    """One trainable logit per masked entry, shared by every row.

    This is the mask network of ``granularity='global'`` (feature selection):
    its output ignores the values of its input and only takes its batch size.

    Parameters
    ----------
    mask_shape : tuple of int
        Shape of one mask, without the batch axis.
    initial_logit : float, default=0.0
        Starting logit of every entry (``2.0`` keeps ~88 % at first).
    scale : float, default=10.0
        The logits are ``scale * w``. Adam moves ``w`` by about the learning
        rate per step whatever the gradient's size, so the scale makes a gate
        cross from keep to drop in tens of steps rather than thousands.
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(
        self,
        mask_shape: tuple[int, ...],
        initial_logit: float = 0.0,
        scale: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mask_shape = tuple(int(s) for s in mask_shape)
        self.initial_logit = float(initial_logit)
        self.scale = float(scale)

    def build(self, input_shape: Any) -> None:
        """Create the logit vector, with a little noise to break ties."""
        self.w = self.add_weight(
            name="w",
            shape=self.mask_shape,
            initializer=keras.initializers.RandomNormal(
                mean=self.initial_logit / self.scale, stddev=0.01 / self.scale
            ),
        )

    def call(self, inputs: Any) -> Any:
        """Return the logits broadcast to the batch of ``inputs``."""
        logits = ops.expand_dims(self.w * self.scale, 0)
        batch = ops.shape(inputs)[0]
        return ops.broadcast_to(logits, (batch, *self.mask_shape))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Return ``(batch, *mask_shape)``."""
        return (input_shape[0], *self.mask_shape)

    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration."""
        config = super().get_config()
        config.update(
            mask_shape=self.mask_shape,
            initial_logit=self.initial_logit,
            scale=self.scale,
        )
        return config


def n_gates(groups: Any, n_entries: int) -> int:
    """Return the number of gates: one per entry, or one per group.

    Parameters
    ----------
    groups : sequence of int or None
        The gate of each entry (``groups[j]``); None when each entry has its own.
    n_entries : int
        Number of entries along the gated axis.

    Returns
    -------
    int
    """
    return n_entries if groups is None else max(groups) + 1


@keras.saving.register_keras_serializable(package="skmask")
class MaskGate(keras.layers.Layer):
    """Turn mask logits into hard straight-through concrete samples.

    Parameters
    ----------
    temperature : float, default=0.5
        Temperature of the relaxed Bernoulli whose gradient trains binary gates.
    threshold : float, default=0.5
        Keep probability above which a binary gate is open outside training
        (validation), as in ``transform``.
    seed : int or None, default=None
        Seed of the gate's noise.
    groups : sequence of int or None, default=None
        One gate per group of entries: ``groups[j]`` is the gate (logit) of
        entry ``j`` on the last axis, and the output has one value per
        entry, equal within a group. ``None``: one gate per logit.
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(
        self,
        temperature: float = 0.5,
        threshold: float = 0.5,
        seed: int | None = None,
        groups: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.temperature = float(temperature)
        self.threshold = float(threshold)
        self.seed = seed
        self.groups = None if groups is None else [int(g) for g in groups]
        self.seed_generator = keras.random.SeedGenerator(seed)

    def expand(self, mask: Any) -> Any:
        """Return a mask over gates as a mask over entries (``groups``).

        Parameters
        ----------
        mask : tensor of shape (..., n_gates)
            One value per gate.

        Returns
        -------
        tensor of shape (..., n_entries)
            ``mask`` itself when every entry has its own gate.
        """
        if self.groups is None:
            return mask
        return ops.take(mask, ops.convert_to_tensor(self.groups), axis=-1)

    def build(self, input_shape: Any) -> None:
        """Create the switch between learned and random masks."""
        # 1.0 while the network beside the mask is pre-trained on random
        # masks (the mask network gets no gradient then), 0.0 afterwards.
        self.random_rate = self.add_weight(
            name="random_rate",
            shape=(),
            initializer="zeros",
            trainable=False,
        )
        # Fraction of kept entries dropped at random while the mask network
        # trains (0 by default); see ``BaseMaskTransformer._selector_drop_rate``.
        self.drop_rate = self.add_weight(
            name="drop_rate",
            shape=(),
            initializer="zeros",
            trainable=False,
        )

    def uniform(self, shape: Any, minval: float = 0.0, maxval: float = 1.0) -> Any:
        """Draw the gate's uniform noise, a different stream on each replica.

        On one device this is ``keras.random.uniform`` with the gate's seed
        generator. Under a ``tf.distribute`` strategy every replica holds the
        same generator state, so the replica's index is folded into the seed:
        otherwise each replica would draw the same noise for its rows.

        Parameters
        ----------
        shape : tuple or tensor
            Shape of the draw.
        minval, maxval : float, default=0.0, 1.0
            Range of the draw.

        Returns
        -------
        tensor of float32
        """
        replica = replica_index()
        if replica is None:
            return keras.random.uniform(
                shape, minval=minval, maxval=maxval, seed=self.seed_generator
            )
        seed = self.seed_generator.next()
        shift = ops.cast(replica, seed.dtype) * _REPLICA_SEED_STRIDE
        offset = ops.stack([shift, ops.zeros_like(shift)])
        return tf.random.stateless_uniform(
            shape, seed=seed + offset, minval=minval, maxval=maxval
        )

    def _random_mask(self, logits: Any, fixed: bool = False) -> Any:
        """Random 0/1 masks, each row with its own keep rate in [0, 1].

        ``fixed=True`` draws from constant seeds: the same masks on every
        call with the same shape (held-out losses comparable across epochs).
        """
        shape = ops.shape(logits)
        row_shape = (shape[0],) + (1,) * (len(logits.shape) - 1)
        if fixed:
            rate = keras.random.uniform(row_shape, seed=_FIXED_SEEDS[0])
            u = keras.random.uniform(shape, seed=_FIXED_SEEDS[1])
        else:
            rate = self.uniform(row_shape)
            u = self.uniform(shape)
        return ops.cast(u < rate, logits.dtype)

    def call(self, logits: Any, training: bool | None = None) -> Any:
        """Return the mask for ``logits``."""
        mask = self._learned_mask(logits, training)
        mix = self.random_rate
        if training:
            mask = mix * self._random_mask(logits) + (1.0 - mix) * mask
            u = self.uniform(ops.shape(logits))
            mask = mask * ops.cast(u >= self.drop_rate, mask.dtype)
        else:
            # A phase trained on random masks (a surrogate's) is judged on
            # random masks too, the same ones at every evaluation: judged on
            # full input, early stopping kept a surrogate from its first epoch.
            mask = mix * self._random_mask(logits, fixed=True) + (1.0 - mix) * mask
        return self.expand(mask)

    def _learned_mask(self, logits: Any, training: bool | None) -> Any:
        if training:
            u = self.uniform(ops.shape(logits), minval=_EPS, maxval=1.0 - _EPS)
            noise = ops.log(u) - ops.log(1.0 - u)
            relaxed = ops.sigmoid((logits + noise) / self.temperature)
            hard = ops.cast(relaxed > 0.5, relaxed.dtype)
            return hard + relaxed - ops.stop_gradient(relaxed)
        probs = ops.sigmoid(logits)
        return ops.cast(probs >= self.threshold, probs.dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration."""
        config = super().get_config()
        config.update(
            temperature=self.temperature,
            threshold=self.threshold,
            seed=self.seed,
            groups=self.groups,
        )
        return config


@keras.saving.register_keras_serializable(package="skmask")
class MaskTokens(keras.layers.Layer):
    """Read ``concat([x * m, m])`` as ``x`` with a learned value where dropped.

    The predictor of a task objective sees, for each entry, its value where
    the mask keeps it and a learned *mask token* (one per feature or
    channel) where it drops it: ``x * m + (1 - m) * token``. Compared with
    feeding the mask bits as extra inputs, a dropped entry can then only
    act through the weights that read the entry's value. A predictor that
    learned to ignore a column also ignores whether it is kept, so a frozen
    surrogate cannot reward a selector for keeping an irrelevant column
    whose mere presence (its mask bit) shifts the prediction (see
    ``docs/design.md``).

    Parameters
    ----------
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def build(self, input_shape: Any) -> None:
        """Create one token per feature (the last axis, halved)."""
        width = int(input_shape[-1]) // 2
        self.token = self.add_weight(name="token", shape=(width,), initializer="zeros")

    def call(self, view: Any) -> Any:
        """Return ``x * m + (1 - m) * token`` from ``view = [x * m, m]``."""
        masked, mask = ops.split(view, 2, axis=-1)
        return masked + (1.0 - mask) * self.token

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """Return the input shape with the last axis halved."""
        return (*input_shape[:-1], int(input_shape[-1]) // 2)


# Logit given to padded entries: sigmoid(-30) ~ 1e-13, so they are never kept
# and add nothing to the sparsity cost.
PADDING_LOGIT = -30.0


@keras.saving.register_keras_serializable(package="skmask")
class PaddingGuard(keras.layers.Layer):
    """Run a mask network on padded input and close the gates of padding.

    Padded time steps are NaN in every channel. The wrapped network sees them
    as zeros, and its logits there are replaced by ``PADDING_LOGIT``, so a
    padded entry is never kept, whatever the network learns.

    Parameters
    ----------
    network : keras.Model
        Maps ``(batch, n_timesteps, n_channels)`` to logits of shape
        ``(batch, n_timesteps, k)``.
    groups : sequence of int or None, default=None
        For logits over groups of the last axis (``groups[j]`` is the group
        of entry ``j``): a group's logit is closed only where every entry of
        the group is missing.
    closed : sequence of int or None, default=None
        Logits closed on every row, whatever the input: the gates a task
        mask over wide rows screened out before its selector trained (see
        :func:`skmask.objectives.screen_gates`).
    **kwargs : dict
        Passed to :class:`keras.layers.Layer`.
    """

    def __init__(
        self, network: Any, groups: Any = None, closed: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.network = network
        self.groups = None if groups is None else [int(g) for g in groups]
        self.closed = None if closed is None else [int(g) for g in closed]

    def build(self, input_shape: Any) -> None:
        """Nothing to create: the wrapped network is built already."""
        self.built = True

    def call(self, inputs: Any) -> Any:
        """Return the network's logits, ``PADDING_LOGIT`` on padded entries."""
        missing = ops.isnan(inputs)
        clean = ops.where(missing, ops.zeros_like(inputs), inputs)
        logits = self.network(clean)
        if self.groups is not None:
            # Observed entries per group: closed where a group has none.
            members = ops.one_hot(ops.convert_to_tensor(self.groups), logits.shape[-1])
            observed = ops.matmul(1.0 - ops.cast(missing, logits.dtype), members)
            missing = observed < 0.5
        elif logits.shape[-1] != inputs.shape[-1]:
            # One gate for all channels of a step: padded when any is NaN.
            missing = ops.any(missing, axis=-1, keepdims=True)
        if self.closed:
            shut = ops.sum(
                ops.one_hot(ops.convert_to_tensor(self.closed), logits.shape[-1]),
                axis=0,
            )
            missing = ops.logical_or(missing, shut > 0.5)
        return ops.where(missing, ops.full_like(logits, PADDING_LOGIT), logits)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Return the wrapped network's output shape."""
        return self.network.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        """Serialise the wrapped network with the layer."""
        config = super().get_config()
        config["network"] = keras.saving.serialize_keras_object(self.network)
        config["groups"] = self.groups
        config["closed"] = self.closed
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PaddingGuard:
        """Rebuild the layer and its wrapped network."""
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)
