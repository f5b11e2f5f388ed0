"""Beyond one process: dask collections, worker threads, several devices.

Searches scale out through joblib, unchanged: skmask estimators pickle into
worker processes, and a worker that starts TensorFlow sizes its thread pools
from ``OMP_NUM_THREADS``, which joblib's process workers and dask's nanny set
for each worker (TensorFlow itself ignores that variable; see
:func:`skmask._keras.start_tensorflow`). So ``GridSearchCV(n_jobs=-1)``, or
the same search under ``joblib.parallel_backend("dask")`` with a
``dask.distributed`` client, does not oversubscribe the cores.

:func:`transform_dask` applies a fitted mask to a ``dask.array`` or
``dask.dataframe`` chunk by chunk (out of core), with results equal to the
in-memory transform.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

__all__ = ["transform_dask"]

_METHODS = ("transform", "predict_mask", "get_mask")


class _BlockApply:
    """Apply one fitted estimator's method to a chunk, with a token of its own.

    Dask names tasks by hashing their function and arguments, pickling what
    it cannot hash otherwise. A Keras model pickles through a ``.keras`` zip
    whose entries carry the time they were written, so two pickles of the
    same estimator a second apart differ, and dask raised "cannot be
    deterministically hashed" (seen once in CI). A token drawn once per
    :func:`transform_dask` call is stable and never shared between calls.
    """

    def __init__(
        self, estimator: Any, method: str, columns: Any = None, dtype: Any = None
    ) -> None:
        self.estimator = estimator
        self.method = method
        # For DataFrame partitions: the output's names, and its dtype when empty.
        self.columns = columns
        self.dtype = dtype
        self.token = uuid.uuid4().hex

    def __dask_tokenize__(self) -> tuple[str, str]:
        return ("skmask.transform_dask", self.token)

    def __call__(self, block: Any) -> Any:
        if self.columns is None:
            if block.shape[0] == 0:
                kind = block.dtype.kind
                return block.astype(np.float64 if kind not in "f" else block.dtype)
            return getattr(self.estimator, self.method)(block)
        import pandas as pd

        if not len(block):
            values = np.empty((0, len(self.columns)), dtype=self.dtype)
        else:
            values = np.asarray(getattr(self.estimator, self.method)(block))
        return pd.DataFrame(values, columns=self.columns, index=block.index)


def transform_dask(estimator: Any, X: Any, *, method: str = "transform") -> Any:
    """Apply a fitted skmask estimator to a dask collection, chunk by chunk.

    Parameters
    ----------
    estimator : fitted skmask estimator
        Any of skmask's transformers whose output keeps the rows of ``X``.
        It is sent to the workers once (pickled), and each chunk of rows is
        transformed there.
    X : dask.array.Array or dask.dataframe.DataFrame
        Rows to transform; arrays may be chunked along rows only.
    method : {'transform', 'predict_mask', 'get_mask'}, default='transform'
        What to compute per chunk.

    Returns
    -------
    dask.array.Array or dask.dataframe.DataFrame
        A lazy collection; ``.compute()`` equals ``getattr(estimator,
        method)(X.compute())``. DataFrames come back as DataFrames with the
        output's column names (``get_feature_names_out``) for ``transform``.

    Raises
    ------
    ValueError
        If ``method`` is unknown or a dask array is chunked along a column
        axis.
    TypeError
        If ``X`` is not a dask collection.
    """
    from sklearn.utils.validation import check_is_fitted

    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    check_is_fitted(estimator)
    import dask
    import dask.array as da

    if isinstance(X, da.Array):
        if any(len(c) > 1 for c in X.chunks[1:]):
            raise ValueError(
                "Chunk the dask array along rows only (X.rechunk({1: -1, ...})): "
                "a mask needs whole rows."
            )
        # One row tells the output's width and dtype ('select', 'concat').
        sample = getattr(estimator, method)(np.asarray(X[:1].compute()))
        return X.map_blocks(
            _BlockApply(estimator, method),
            dtype=sample.dtype,
            chunks=(X.chunks[0], *((s,) for s in sample.shape[1:])),
            meta=np.empty((0, *sample.shape[1:]), dtype=sample.dtype),
        )
    if dask.is_dask_collection(X) and hasattr(X, "map_partitions"):
        import pandas as pd

        head = X.head(1, npartitions=-1)
        sample = np.asarray(getattr(estimator, method)(head))
        if method == "transform":
            columns = list(estimator.get_feature_names_out())
        else:
            columns = list(head.columns)
        empty = np.empty((0, len(columns)), dtype=sample.dtype)
        meta = pd.DataFrame(empty, columns=columns)
        block = _BlockApply(estimator, method, columns, sample.dtype)
        return X.map_partitions(block, meta=meta)
    raise TypeError(
        f"transform_dask takes a dask array or dataframe; got {type(X).__name__}. "
        "For NumPy or pandas input call the estimator's method directly."
    )
