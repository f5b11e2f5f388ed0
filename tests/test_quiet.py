"""Quiet by default: no TensorFlow/Keras line on stderr while verbose=0."""

import os
import subprocess
import sys

from skmask._keras import filtered_native_stderr

_SCRIPT = """
import numpy as np
from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer
rng = np.random.RandomState(0)
tiny = dict(epochs=2, hidden_units=(4,), predictor_units=(4,), random_state=0)
X = rng.normal(size=(70, 3))
y = (X[:, 0] > 0).astype(int)
LearnedMaskTransformer(**tiny).fit(X, y).transform(X)
S = rng.normal(size=(70, 9, 2))  # 70 rows: a partial last batch
SequenceMaskTransformer(**tiny).fit(S, y).transform(S)
I = rng.normal(size=(70, 16))
ImageMaskTransformer(image_shape=(4, 4), **{**tiny, "hidden_units": (4, 8)}).fit(
    I, y).transform(I)
print("done")
"""


def test_verbose_0_fit_and_transform_write_nothing_to_stderr():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr == ""


def test_start_up_noise_is_dropped_but_errors_pass(capfd):
    with filtered_native_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is ")
        os.write(2, b"called are written to STDERR\n")
        os.write(2, b"I0000 00:00:1795922820.126906   28893 port.cc:153] oneDNN on.\n")
        os.write(2, b"E0000 00:00:1795922824.305197   28893 foo.cc:52] real failure\n")
        print("python warning", file=sys.stderr)
    err = capfd.readouterr().err
    assert "real failure" in err
    assert "python warning" in err
    assert "oneDNN" not in err and "absl" not in err
