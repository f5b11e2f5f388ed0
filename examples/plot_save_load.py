"""
=================================================
Saving and loading masks without running code
=================================================

Fitted masks pickle (``pickle``, ``joblib``), but loading a pickle can run
arbitrary code: only load pickles you trust. :func:`skmask.save` writes a
safe file instead: parameters and plain attributes as JSON, arrays without
pickles, and the Keras networks in Keras' native format, which
:func:`skmask.load` reads in Keras' safe mode. The file records the skmask,
Keras and TensorFlow versions, and loading refuses incompatible ones.
"""

import json
import os
import tempfile
import zipfile

import numpy as np

import skmask
from skmask import LearnedMaskTransformer
from skmask.datasets import make_invase

QUICK = bool(os.environ.get("SKMASK_QUICK"))
X, y, _ = make_invase("syn2", n_samples=500 if QUICK else 3000, random_state=0)
mask = LearnedMaskTransformer(epochs=5 if QUICK else 60, random_state=0).fit(X, y)

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "mask.skmask")
    skmask.save(mask, path)
    with zipfile.ZipFile(path) as archive:
        print("file members:", archive.namelist())
        metadata = json.loads(archive.read("metadata.json"))
    print("versions:", metadata["versions"])
    again = skmask.load(path)

same = np.array_equal(again.transform(X), mask.transform(X))
print(f"loaded {type(again).__name__}; identical transform: {same}")
