"""skmask: scikit-learn transformers that learn a mask over their input.

``import skmask`` is nearly free: the estimators load on first access
(``from skmask import LearnedMaskTransformer`` imports scikit-learn, ~1.5 s
cold on 2 cores, most of it pandas and SciPy), and TensorFlow/Keras load on
the first ``fit`` (or when :mod:`skmask.compat` is used).
"""

import importlib

__version__ = "0.1.0"

# Public name -> module that defines it (PEP 562 lazy attributes).
_LAZY = {
    "EmptyMaskWarning": "skmask.exceptions",
    "ImageMaskTransformer": "skmask.image",
    "LearnedMaskTransformer": "skmask.tabular",
    "SequenceMaskTransformer": "skmask.sequence",
    "load": "skmask.persistence",
    "save": "skmask.persistence",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name):
    """Import a public estimator on first access."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'skmask' has no attribute {name!r}")


def __dir__():
    """List the public names, loaded or not."""
    return sorted({*globals(), *_LAZY})
