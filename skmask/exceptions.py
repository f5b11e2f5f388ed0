"""Warnings and errors raised by skmask.

Unfitted estimators raise scikit-learn's own ``NotFittedError`` (re-exported
here), so handlers written for scikit-learn keep working.
"""

from sklearn.exceptions import NotFittedError

__all__ = ["EmptyMaskWarning", "NotFittedError"]


class EmptyMaskWarning(UserWarning):
    """The fitted mask drops every entry of the training data.

    Usually the sparsity cost is too strong for the signal, or the threshold
    too high; the masked output then carries no information.
    """
