"""
==========================================
DataFrames in, DataFrames out
==========================================

``set_output(transform="pandas")`` makes the mask return a DataFrame with the
input's index and column names; ``output='concat'`` appends the mask itself
as ``mask_<column>`` columns, and ``output='nan'`` hands dropped entries to a
NaN-aware model.
"""

# %%
import os

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline

from skmask import LearnedMaskTransformer

QUICK = bool(os.environ.get("SKMASK_QUICK"))
rng = np.random.RandomState(0)
df = pd.DataFrame(rng.normal(size=(600, 4)), columns=["age", "bp", "hr", "spo2"])
y = (df["age"] + df["bp"] > 0).astype(int)

# %%
# A supervised mask: here the ground truth says "keep the positive entries".
truth = (df.to_numpy() > 0).astype(float)
mask = LearnedMaskTransformer(
    output="concat", epochs=5 if QUICK else 40, random_state=0
).set_output(transform="pandas")
out = mask.fit(df, mask=truth).transform(df)
print(out.head())

# %%
# The same mask as NaN for a gradient-boosted tree, in a Pipeline; the ground
# truth reaches the mask step as ``<step>__mask``.
pipe = make_pipeline(
    LearnedMaskTransformer(output="nan", epochs=5 if QUICK else 40, random_state=0),
    HistGradientBoostingClassifier(max_iter=50),
)
pipe.fit(df, y, learnedmasktransformer__mask=truth)
print(f"training accuracy with NaN-masked input: {pipe.score(df, y):.3f}")
