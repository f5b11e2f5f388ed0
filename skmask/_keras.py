"""Lazy access to Keras, seeding, and pickling of Keras models.

Everything that touches Keras at import time lives behind :func:`import_keras`,
so that ``import skmask`` stays free of TensorFlow (importing it costs ~5 s).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

_MAX_SEED = 2**31 - 1


def import_keras() -> Any:
    """Import Keras on the TensorFlow backend, quietly, and return the module.

    Returns
    -------
    keras : module
        The imported ``keras`` package.
    """
    # Respect a backend or log level the user chose; default to what we test.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # Level 1 drops TensorFlow's C++ INFO lines once its logging is set up,
    # never warnings or errors. (The lines TensorFlow 2.21 prints *while it is
    # imported* come before absl's logging starts and are not filtered.)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    import keras

    # Register skmask's custom layers so that models holding them load.
    import skmask.gates
    import skmask.networks  # noqa: F401  (registers the image layers)

    return keras


def draw_seed(random_state: Any) -> int:
    """Turn an sklearn ``random_state`` into one integer seed for Keras.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As in scikit-learn. ``None`` draws a fresh seed from NumPy's global
        generator, so unseeded fits differ from each other.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**31 - 1)``.
    """
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(_MAX_SEED))


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed Keras and TensorFlow for a block, keeping the caller's RNG states.

    ``keras.utils.set_random_seed`` also reseeds Python's ``random`` and
    NumPy's global generator; we restore both afterwards so that fitting a mask
    does not change the random numbers the user's own code draws next.

    Parameters
    ----------
    seed : int
        Seed for Keras' global seed generator and TensorFlow.

    Yields
    ------
    None
    """
    keras = import_keras()
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (restoring the legacy global state)
    try:
        keras.utils.set_random_seed(seed)
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002


def _unpickle_model(payload: bytes) -> Any:
    import_keras()
    return pickle.loads(payload)


class PicklableModel:
    """Pickle proxy that registers skmask's layers before a model is rebuilt.

    Keras 3 models pickle natively, but loading one that holds a custom layer
    needs that layer's class registered first. Estimators put their models in
    this proxy when pickled; unpickling returns the Keras model itself.

    Parameters
    ----------
    model : keras.Model
        The model to pickle.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        """Pickle as a call that imports skmask's layers, then loads the model."""
        return _unpickle_model, (pickle.dumps(self.model),)


def is_keras_model(obj: Any) -> bool:
    """Tell whether ``obj`` is a Keras model, without importing Keras.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        True when Keras is loaded and ``obj`` is a ``keras.Model``.
    """
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)
