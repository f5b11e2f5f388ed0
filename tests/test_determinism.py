"""Determinism: the same random_state gives bit-identical masks in new processes.

Scope (see docs/reliability.md): the same machine type, library versions and
TensorFlow thread count. Both processes here inherit the same environment.
"""

import hashlib
import subprocess
import sys

import numpy as np

from skmask import LearnedMaskTransformer

_SCRIPT = """
import hashlib, sys
import numpy as np
from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer
from skmask.datasets import make_invase

tiny = dict(epochs=3, hidden_units=(8,), predictor_units=(8,), random_state=7)
rng = np.random.RandomState(0)
X, y, _ = make_invase("syn1", n_samples=300, random_state=0)
S = rng.normal(size=(60, 10, 2))
I = rng.normal(size=(60, 36))
cases = [
    (LearnedMaskTransformer(**tiny), (X, y), X),
    (LearnedMaskTransformer(granularity="global", **tiny), (X,), X),
    (SequenceMaskTransformer(**tiny), (S, (S[:, :3, 0].sum(1) > 0).astype(int)), S),
    (ImageMaskTransformer(image_shape=(6, 6), **{**tiny, "hidden_units": (4, 8)}),
     (I,), I),
]
for est, args, Xt in cases:
    est.fit(*args)
    digest = hashlib.sha256()
    for array in (est.predict_mask(Xt), est.transform(Xt)):
        digest.update(np.ascontiguousarray(array).tobytes())
    print(type(est).__name__, digest.hexdigest())
"""


def test_same_random_state_is_bit_identical_in_two_processes():
    runs = [
        subprocess.run(
            [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert len(runs[0].splitlines()) == 4


def test_random_state_none_gives_different_fits():
    X, y = np.random.RandomState(1).normal(size=(80, 4)), None
    tiny = {"epochs": 2, "hidden_units": (8,), "predictor_units": (8,)}
    a = LearnedMaskTransformer(**tiny).fit(X, y).predict_mask(X)
    b = LearnedMaskTransformer(**tiny).fit(X, y).predict_mask(X)
    assert hashlib.sha256(a.tobytes()).digest() != hashlib.sha256(b.tobytes()).digest()
