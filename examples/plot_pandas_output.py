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

# %%
# In a ColumnTransformer: the mask sees the numeric columns only, a one-hot
# encoder the categorical one, and ``set_output`` keeps every name.
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

df["ward"] = rng.choice(["A", "B", "C"], size=len(df))
columns = ColumnTransformer(
    [
        (
            "mask",
            LearnedMaskTransformer(
                granularity="global",
                output="select",
                epochs=20 if QUICK else 100,
                random_state=0,
            ),
            ["age", "bp", "hr", "spo2"],
        ),
        ("ward", OneHotEncoder(sparse_output=False), ["ward"]),
    ]
).set_output(transform="pandas")
model = make_pipeline(columns, LogisticRegression()).fit(df, y)
print("columns after the mask:", list(model[0].get_feature_names_out()))
print(f"training accuracy: {model.score(df, y):.3f}")

# %%
# One-hot columns *before* the mask: ``feature_groups`` gives each categorical
# feature one gate, so the mask keeps or drops all of "ward" at once, never
# some of its dummy columns (here "ward" is noise, dropped whole).
encode = ColumnTransformer(
    [("ward", OneHotEncoder(sparse_output=False), ["ward"])],
    remainder="passthrough",
    verbose_feature_names_out=False,
).set_output(transform="pandas")
encoded = encode.fit_transform(df)
groups = ["ward" if name.startswith("ward_") else name for name in encoded.columns]
grouped = LearnedMaskTransformer(
    granularity="global",
    output="select",
    feature_groups=groups,
    epochs=20 if QUICK else 100,
    random_state=0,
).set_output(transform="pandas")
kept = grouped.fit(encoded, y).transform(encoded)
print("groups:", dict(zip(encoded.columns, groups, strict=True)))
print("kept columns:", list(kept.columns))
