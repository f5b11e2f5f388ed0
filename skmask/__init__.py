"""skmask: scikit-learn transformers that learn a mask over their input.

``import skmask`` does not import TensorFlow or Keras; they load on the first
``fit`` (or when :mod:`skmask.compat` is used).
"""

from skmask.exceptions import EmptyMaskWarning
from skmask.image import ImageMaskTransformer
from skmask.sequence import SequenceMaskTransformer
from skmask.tabular import LearnedMaskTransformer

__version__ = "0.1.0"

__all__ = [
    "EmptyMaskWarning",
    "ImageMaskTransformer",
    "LearnedMaskTransformer",
    "SequenceMaskTransformer",
    "__version__",
]
