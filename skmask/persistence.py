"""A safe file format for skmask estimators: loading a file never runs code.

A pickle executes whatever its author put in it when it is loaded. The
``.skmask`` format holds only data:

``metadata.json``
    Format version; skmask, Keras and TensorFlow versions; the estimator's
    class (one of skmask's, by name, from a fixed list); its parameters and
    fitted attributes as JSON, with numeric arrays and Keras models stored
    beside it and referenced by name.
``arrays.npz``
    Numeric arrays, read with ``allow_pickle=False``.
``<name>.keras``
    Each Keras model (the mask network, decoder or predictor, or a
    ``network`` parameter) in Keras' native format, loaded with
    ``safe_mode=True``, which refuses layers that carry Python code
    (``Lambda``).

Object arrays (class labels, feature names) are stored as JSON lists of
strings and numbers; anything else that is not plain data is refused when
saving, with the name of the attribute.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "load", "save"]

# Bump when the layout of the file changes; loading checks it.
FORMAT_VERSION = 1
_ESTIMATORS = {
    "LearnedMaskTransformer": "skmask.tabular",
    "SequenceMaskTransformer": "skmask.sequence",
    "ImageMaskTransformer": "skmask.image",
}


def _versions() -> dict[str, str]:
    import skmask

    versions = {"skmask": skmask.__version__}
    try:
        from importlib.metadata import version

        versions["keras"] = version("keras")
        versions["tensorflow"] = version("tensorflow")
    except Exception:  # a renamed or vendored wheel: recorded as unknown
        versions.setdefault("keras", "unknown")
        versions.setdefault("tensorflow", "unknown")
    return versions


class _Writer:
    """Turn attribute values into JSON, collecting arrays and models."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.models: dict[str, Any] = {}

    def encode(self, value: Any, where: str) -> Any:
        from skmask._keras import is_keras_model

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"__tuple__": items} if isinstance(value, tuple) else items
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError(f"{where}: only dicts with str keys can be saved.")
            return {
                "__dict__": {
                    k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()
                }
            }
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                key = f"a{len(self.arrays)}"
                self.arrays[key] = value
                return {"__array__": key}
            if value.dtype.kind in "OU" and all(
                isinstance(v, (str, int, float, np.integer, np.floating))
                for v in value.ravel()
            ):
                return {
                    "__objects__": [self.encode(v, where) for v in value.ravel()],
                    "dtype": value.dtype.str,
                    "shape": list(value.shape),
                }
            raise TypeError(f"{where}: arrays of dtype {value.dtype} cannot be saved.")
        if is_keras_model(value):
            key = f"model{len(self.models)}"
            self.models[key] = value
            return {"__keras__": key}
        raise TypeError(
            f"{where} is a {type(value).__name__}, which the safe format cannot "
            "hold (it stores data, never code); use pickle/joblib for it, or "
            "pass plain values (e.g. an int random_state, a keras.Model network)."
        )


class _Reader:
    """Inverse of :class:`_Writer`, reading from an opened archive."""

    def __init__(self, arrays: Any, models: dict[str, Any]) -> None:
        self.arrays = arrays
        self.models = models

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: self.decode(v) for k, v in value["__dict__"].items()}
        if "__array__" in value:
            return self.arrays[value["__array__"]]
        if "__objects__" in value:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "OU":
                raise ValueError(f"Unexpected object-array dtype {dtype}.")
            out = np.empty(len(value["__objects__"]), dtype=dtype)
            out[:] = value["__objects__"]
            return out.reshape(value["shape"])
        if "__keras__" in value:
            return self.models[value["__keras__"]]
        raise ValueError(f"Unknown entry in the saved file: {sorted(value)}.")


def save(estimator: Any, path: str | os.PathLike) -> None:
    """Save a skmask estimator (fitted or not) in the safe ``.skmask`` format.

    Parameters
    ----------
    estimator : LearnedMaskTransformer, SequenceMaskTransformer or ImageMaskTransformer
        The estimator to save.
    path : str or path-like
        File to write (a zip archive; ``.skmask`` is the usual suffix).

    Raises
    ------
    TypeError
        If ``estimator`` is not a skmask estimator, or a parameter or fitted
        attribute is not plain data (e.g. a callable ``network`` or a
        ``RandomState`` instance); the message names it.
    """
    name = type(estimator).__name__
    if _ESTIMATORS.get(name) != type(estimator).__module__:
        raise TypeError(
            f"skmask.save saves skmask's estimators ({', '.join(_ESTIMATORS)}); "
            f"got {type(estimator).__module__}.{name}. Save a Pipeline's steps "
            "one by one, or use joblib for other objects."
        )
    writer = _Writer()
    params = {
        key: writer.encode(value, f"parameter {key!r}")
        for key, value in estimator.get_params(deep=False).items()
        if key != "memory"  # a cache location is not part of the model
    }
    fitted = {
        key: writer.encode(value, f"attribute {key!r}")
        for key, value in vars(estimator).items()
        if key.endswith("_") and not key.startswith("_")
    }
    metadata = {
        "format": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": name,
        "params": params,
        "fitted": fitted,
    }
    buffer = io.BytesIO()
    np.savez(buffer, **writer.arrays)
    with tempfile.TemporaryDirectory() as tmp:
        model_files = {}
        for key, model in writer.models.items():
            model_path = os.path.join(tmp, f"{key}.keras")
            model.save(model_path)
            model_files[key] = model_path
        # Write to a temporary name first: a failed save leaves no half file.
        target = os.fspath(path)
        partial = f"{target}.partial"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("metadata.json", json.dumps(metadata, indent=1))
            zf.writestr("arrays.npz", buffer.getvalue())
            for key, model_path in model_files.items():
                zf.write(model_path, f"{key}.keras")
        os.replace(partial, target)


def _check_versions(metadata: dict[str, Any]) -> None:
    import skmask

    fmt = metadata.get("format")
    if fmt != FORMAT_VERSION:
        raise ValueError(
            f"This file has skmask format version {fmt!r}; this skmask "
            f"({skmask.__version__}) reads version {FORMAT_VERSION}. Load it "
            "with the skmask version that wrote it "
            f"({metadata.get('versions', {}).get('skmask', 'unknown')})."
        )
    saved = metadata.get("versions", {})
    current = _versions()
    saved_keras = str(saved.get("keras", "unknown")).split(".")[0]
    if saved_keras != current["keras"].split(".")[0]:
        raise ValueError(
            f"This file was saved with Keras {saved.get('keras')}; Keras "
            f"{current['keras']} is installed, a different major version whose "
            "model format is not compatible."
        )
    if _version_tuple(saved.get("skmask", "0")) > _version_tuple(current["skmask"]):
        raise ValueError(
            f"This file was saved with skmask {saved.get('skmask')}, newer than "
            f"the installed {current['skmask']}; upgrade skmask to load it."
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load(path: str | os.PathLike) -> Any:
    """Load an estimator saved by :func:`save`, without running any code.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`skmask.save`.

    Returns
    -------
    estimator
        The estimator, with its parameters and (if it was fitted) its fitted
        networks and attributes; ``transform`` gives the same output as
        before saving.

    Raises
    ------
    ValueError
        If the file is not a skmask file, was written by an incompatible
        version, names an unknown estimator, or holds a Keras model with a
        layer that carries code (refused by Keras' safe mode) or a pickled
        array.
    """
    import importlib

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{os.fspath(path)!r} is not a skmask file.") from error
    with archive:
        names = set(archive.namelist())
        if "metadata.json" not in names:
            raise ValueError(f"{os.fspath(path)!r} is not a skmask file.")
        metadata = json.loads(archive.read("metadata.json"))
        _check_versions(metadata)
        name = metadata.get("estimator")
        if name not in _ESTIMATORS:
            raise ValueError(
                f"The file names estimator {name!r}; skmask loads only "
                f"{', '.join(_ESTIMATORS)}."
            )
        try:
            arrays = dict(
                np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False)
            )
        except ValueError as error:
            raise ValueError(
                "The file holds a pickled array, which skmask refuses to load "
                "(loading a pickle can run code)."
            ) from error
        models = _load_models(archive, names)
    reader = _Reader(arrays, models)
    cls = getattr(importlib.import_module(_ESTIMATORS[name]), name)
    estimator = cls(**{k: reader.decode(v) for k, v in metadata["params"].items()})
    for key, value in metadata["fitted"].items():
        if not (key.endswith("_") and key.isidentifier() and not key.startswith("_")):
            raise ValueError(f"Unexpected attribute name {key!r} in the file.")
        setattr(estimator, key, reader.decode(value))
    return estimator


def _load_models(archive: zipfile.ZipFile, names: set[str]) -> dict[str, Any]:
    from skmask._keras import import_keras

    wanted = sorted(n for n in names if n.endswith(".keras"))
    if not wanted:
        return {}
    keras = import_keras()
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for member in wanted:
            key = member[: -len(".keras")]
            if not key.isidentifier():
                raise ValueError(f"Unexpected member {member!r} in the file.")
            model_path = os.path.join(tmp, member)
            with open(model_path, "wb") as f:
                f.write(archive.read(member))
            try:
                models[key] = keras.saving.load_model(
                    model_path, safe_mode=True, compile=False
                )
            except Exception as error:
                raise ValueError(
                    f"Keras refused to load model {key!r} from the file in safe "
                    f"mode: {error}"
                ) from error
    return models
