"""Helpers shared by the benchmark scripts (run as ``python benchmarks/x.py``,
which puts this folder on ``sys.path``)."""

from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)


def downstream_score(regression, X_train, y_train, X_test, y_test):
    """Held-out accuracy (R² for regression) of HistGradientBoosting."""
    model = (
        HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    )
    return model(random_state=0).fit(X_train, y_train).score(X_test, y_test)
