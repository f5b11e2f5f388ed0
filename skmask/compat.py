"""scikeras wrappers with correct scikit-learn tags.

scikeras 0.13 (its last release) declares its estimator type through
``_more_tags``, which scikit-learn >= 1.6 no longer reads: there,
``is_classifier(scikeras.wrappers.KerasClassifier(...))`` is False, so
``GridSearchCV``/``cross_val_score`` silently use plain ``KFold`` instead of
``StratifiedKFold`` and a ``Pipeline`` ending in it is not a classifier. The
subclasses here fix the tags and nothing else, so they are drop-in
replacements for a network *downstream* of a mask.

Importing this module imports scikeras, hence TensorFlow (~5 s).
"""

from __future__ import annotations

from skmask._keras import import_keras

import_keras()  # sets the backend and log level before scikeras loads Keras

from scikeras.wrappers import KerasClassifier as _ScikerasClassifier  # noqa: E402
from scikeras.wrappers import KerasRegressor as _ScikerasRegressor  # noqa: E402
from sklearn.utils import ClassifierTags, RegressorTags  # noqa: E402

__all__ = ["KerasClassifier", "KerasRegressor"]


class KerasClassifier(_ScikerasClassifier):
    """:class:`scikeras.wrappers.KerasClassifier` with scikit-learn >= 1.6 tags.

    Same parameters and behaviour as scikeras' class; ``is_classifier`` is
    True, so searches use stratified folds and classifier scorers.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`scikeras.wrappers.KerasClassifier`.
    """

    def __sklearn_tags__(self):
        """Declare a classifier that requires ``y``."""
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.regressor_tags = None
        tags.target_tags.required = True
        return tags


class KerasRegressor(_ScikerasRegressor):
    """:class:`scikeras.wrappers.KerasRegressor` with scikit-learn >= 1.6 tags.

    Same parameters and behaviour as scikeras' class; ``is_regressor`` is
    True.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`scikeras.wrappers.KerasRegressor`.
    """

    def __sklearn_tags__(self):
        """Declare a regressor that requires ``y``."""
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.classifier_tags = None
        tags.target_tags.required = True
        return tags
