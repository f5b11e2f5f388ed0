"""Lazy access to Keras, seeding, and pickling of Keras models.

Everything that touches Keras at import time lives behind :func:`import_keras`,
so that ``import skmask`` stays free of TensorFlow (importing it costs ~5 s).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import random
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

_MAX_SEED = 2**31 - 1


# Lines TensorFlow's native code writes to stderr while it starts, before its
# log level applies (absl is not initialised yet, so TF_CPP_MIN_LOG_LEVEL has
# no effect on them): INFO lines, and the CUDA probes of the GPU-enabled wheel
# on a machine without a GPU driver; plus oneDNN's notice, logged as an error
# on the first gradient of a convolutional network, that it leaves int32
# shape arithmetic to Eigen. Nothing else is dropped.
_STARTUP_NOISE = re.compile(
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|^I\d{4} [\d:. ]+\d+ \S+:\d+\] "
    r"|^To enable the following instructions: .* rebuild TensorFlow"
    r"|^E\d{4} [\d:. ]+\d+ cuda_(platform|executor|diagnostics)\.cc:\d+\] "
    r"(failed call to cuInit|.*kernel driver)"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|TF-TRT Warning: Could not find TensorRT"
    r"|util\.cc:\d+\] oneDNN supports DT_INT32 only on platforms with AVX-512\. "
    r"Falling back to the default Eigen-based implementation"
)


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Capture file descriptor 2 and pass on all but TensorFlow's start-up noise.

    Native libraries write to the descriptor, not to ``sys.stderr``; so it is
    redirected to a temporary file for the block, and every captured line
    that is not :data:`_STARTUP_NOISE` (errors, warnings, Python output) is
    written to ``sys.stderr`` afterwards.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
    kept = [line for line in text.splitlines() if not _STARTUP_NOISE.search(line)]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")


def import_keras() -> Any:
    """Import Keras on the TensorFlow backend, quietly, and return the module.

    TensorFlow's start-up lines (INFO, and CUDA probes on machines without a
    GPU driver) are dropped; any other output, errors included, still reaches
    stderr. Later C++ INFO lines are dropped by ``TF_CPP_MIN_LOG_LEVEL=1``
    (unless the user set another level): warnings and errors are never hidden.

    Returns
    -------
    keras : module
        The imported ``keras`` package.
    """
    start_tensorflow()
    import keras

    # Register skmask's custom layers so that models holding them load.
    import skmask.gates
    import skmask.networks  # noqa: F401  (registers the image layers)

    return keras


_started = False


def _size_thread_pools(tf: Any) -> None:
    """Follow ``OMP_NUM_THREADS`` in TensorFlow's own thread pools.

    joblib's process workers and dask's nanny set ``OMP_NUM_THREADS`` so that
    N workers share the cores; TensorFlow ignores it and would start as many
    threads as cores in every worker. Called after ``import tensorflow`` and
    before its first operation (later it cannot change); an explicit
    ``TF_NUM_INTRAOP_THREADS``/``TF_NUM_INTEROP_THREADS`` always wins.
    """
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if not (threads.isdigit() and int(threads) > 0):
        return
    try:
        if "TF_NUM_INTRAOP_THREADS" not in os.environ:
            tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        if "TF_NUM_INTEROP_THREADS" not in os.environ:
            tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except RuntimeError:  # the user's code started TensorFlow already
        pass


def start_tensorflow() -> None:
    """Import TensorFlow and Keras and initialise the devices, quietly, once.

    Every skmask module that imports Keras calls this first, so that
    TensorFlow's start-up lines are filtered whichever module loads first.
    """
    global _started
    if _started:
        return
    # Respect a backend or log level the user chose; default to what we test.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with filtered_native_stderr():
        import keras  # noqa: F401
        import tensorflow as tf

        _size_thread_pools(tf)

        # Devices initialise on first use and print more start-up lines.
        tf.constant(0.0).numpy()
    _started = True


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


def copy_model(model: Any) -> Any:
    """Return an independent copy of a Keras model, weights included.

    A pickle round trip: the copy's variables are made in the current
    context (outside a ``tf.distribute`` scope: ordinary one-device ones).

    Parameters
    ----------
    model : keras.Model
        The model to copy.

    Returns
    -------
    keras.Model
    """
    return pickle.loads(pickle.dumps(PicklableModel(model)))


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
