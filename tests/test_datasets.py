import numpy as np
import pandas as pd
import pytest

from skmask.datasets import INVASE_KINDS, invase_proba, make_invase


@pytest.mark.parametrize("kind", INVASE_KINDS)
def test_make_invase_shapes_and_ground_truth(kind):
    X, y, M = make_invase(kind, n_samples=2000, n_features=13, random_state=0)
    assert X.shape == M.shape == (2000, 13)
    assert set(np.unique(y)) == {0, 1}
    assert set(np.unique(M)) == {0.0, 1.0}
    assert not M[:, 11:].any()  # the added features are pure noise
    if kind in ("syn4", "syn5", "syn6"):
        assert M[:, 10].all()
        # The other features depend on the sign of x11.
        assert not np.array_equal(M[X[:, 10] < 0][0], M[X[:, 10] >= 0][0])
    else:
        assert (M == M[0]).all()


def test_make_invase_labels_follow_the_formula():
    X, y, _ = make_invase("syn1", n_samples=20000, random_state=0)
    # P(y = 1) = 1 / (1 + exp(x1 x2)): y = 1 is likelier where x1 x2 < 0.
    assert y[X[:, 0] * X[:, 1] < -1].mean() > 0.75
    assert y[X[:, 0] * X[:, 1] > 1].mean() < 0.25


@pytest.mark.parametrize("kind", INVASE_KINDS)
def test_invase_proba_is_what_the_labels_are_drawn_from(kind):
    X, y, M = make_invase(kind, n_samples=20000, random_state=0)
    p = invase_proba(kind, X)
    assert p.shape == (20000,) and np.all((p >= 0) & (p <= 1))
    # Calibrated: within each decile of p, the label rate matches p.
    bins = np.digitize(p, np.quantile(p, np.linspace(0, 1, 11)[1:-1]))
    for b in np.unique(bins):
        rows = bins == b
        assert abs(y[rows].mean() - p[rows].mean()) < 0.04
    # It reads only the relevant features: changing the others changes nothing.
    noise = np.where(M == 0, np.random.RandomState(1).normal(size=X.shape), X)
    np.testing.assert_allclose(invase_proba(kind, noise), p)


def test_invase_proba_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        invase_proba("syn0", np.zeros((2, 11)))
    with pytest.raises(ValueError, match="at least 11"):
        invase_proba("syn1", np.zeros((2, 5)))
    with pytest.raises(ValueError, match="finite"):
        invase_proba("syn1", np.full((2, 11), np.nan))


def test_make_invase_seed_and_frame():
    a = make_invase("syn3", n_samples=50, random_state=1)
    b = make_invase("syn3", n_samples=50, random_state=1)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    X, y, M = make_invase("syn2", n_samples=10, random_state=0, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert list(X.columns) == [f"x{j}" for j in range(1, 12)] == list(M.columns)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "syn7"}, "kind"),
        ({"kind": "syn1", "n_features": 5}, "n_features"),
        ({"kind": "syn1", "n_samples": 0}, "n_samples"),
    ],
)
def test_make_invase_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_invase(**kwargs)
