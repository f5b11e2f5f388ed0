import numpy as np
import pandas as pd
import pytest

from skmask.datasets import INVASE_KINDS, make_invase


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
