"""Multi-device training: which ``tf.distribute`` strategy a fit runs under.

A fit trains on several devices in two ways:

- ``distribute='mirrored'``: the estimator builds a
  :class:`tf.distribute.MirroredStrategy` over all GPUs, or over all logical
  CPUs when there is no GPU (a CPU split into logical devices is how this is
  tested), and hands back networks with ordinary single-device weights;
- ``fit`` called inside the caller's own ``with strategy.scope():`` (the Keras
  idiom): that strategy is used, and the networks keep its variables.

The training loop (:func:`skmask.objectives.train`) runs each step with
``strategy.run`` on a strided share of the batch per replica; see there for
how the loss is scaled.
"""

from __future__ import annotations

import functools
from typing import Any

from skmask._keras import start_tensorflow


def mirrored_devices() -> list[str]:
    """Return the devices ``distribute='mirrored'`` replicates over.

    Returns
    -------
    list of str
        The logical GPUs if there is one, else the logical CPUs.
    """
    start_tensorflow()
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


def resolve_strategy(distribute: str | None) -> tuple[Any, bool]:
    """Return the strategy a fit trains under.

    Parameters
    ----------
    distribute : {None, 'mirrored'}
        The estimator's ``distribute`` parameter.

    Returns
    -------
    strategy : tf.distribute.Strategy or None
        ``None`` trains on one device with the plain loop.
    owned : bool
        True when the strategy was made here (its networks are copied to
        single-device weights after training), False when it is the caller's.

    Raises
    ------
    ValueError
        If ``distribute`` is given inside a caller's strategy scope.
    """
    start_tensorflow()
    import tensorflow as tf

    if tf.distribute.has_strategy():
        if distribute is not None:
            raise ValueError(
                f"distribute={distribute!r} was given, but fit was called inside "
                "a tf.distribute strategy scope; use one or the other (inside a "
                "scope, leave distribute=None and the scope's strategy is used)."
            )
        return tf.distribute.get_strategy(), False
    if distribute is None:
        return None, False
    devices = mirrored_devices()
    if len(devices) < 2:
        # One device: a one-replica strategy only adds overhead.
        return None, False
    return _mirrored_strategy(tuple(devices)), True


@functools.cache
def _mirrored_strategy(devices: tuple[str, ...]) -> Any:
    """One MirroredStrategy per device set and process.

    Two strategies over the same devices share TensorFlow's collective
    instance keys: the second one's all-reduce then meets the first one's
    (measured: "Shape mismatch in the collective instance" on the second fit).
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(list(devices))


def replica_index() -> Any:
    """Return this replica's index when training on several, else None.

    Returns
    -------
    int, tensor or None
        ``None`` outside a replica context of more than one replica.
    """
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context.replica_id_in_sync_group


def distributed_step(step: Any, strategy: Any) -> Any:
    """Run a training step on every replica, each on its share of the batch.

    Parameters
    ----------
    step : callable
        ``step(xb, yb, wb, rows) -> tuple of scalars``, where ``rows`` is the
        number of rows of the *global* batch: a step divides its sums by it,
        so the per-replica losses add up to the single-device loss and the
        optimizer's cross-replica sum of gradients is the single-device
        gradient.
    strategy : tf.distribute.Strategy
        The strategy whose scope built the variables.

    Returns
    -------
    callable
        Same signature as ``step``; returns the sums over replicas.
    """
    import tensorflow as tf

    def replica_step(xb: Any, yb: Any, wb: Any, rows: Any) -> Any:
        context = tf.distribute.get_replica_context()
        i, r = context.replica_id_in_sync_group, context.num_replicas_in_sync
        # A strided share: replicas differ by at most one row, and every row
        # of the global batch is used once.
        return step(xb[i::r], yb[i::r], wb[i::r], rows)

    def run(xb: Any, yb: Any, wb: Any, rows: Any) -> tuple[Any, ...]:
        parts = strategy.run(replica_step, args=(xb, yb, wb, rows))
        return tuple(
            strategy.reduce(tf.distribute.ReduceOp.SUM, part, axis=None)
            for part in parts
        )

    return run
