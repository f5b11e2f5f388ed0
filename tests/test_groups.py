"""Feature groups: columns kept or dropped together by one gate."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder

import skmask
from skmask import LearnedMaskTransformer

FAST = {"epochs": 30, "random_state": 0}


def _categorical_table(n=1000, seed=0):
    """One-hot 'color' (decides y with n0), one-hot 'shape' and two noise columns."""
    rng = np.random.RandomState(seed)
    color = rng.choice(["red", "green", "blue", "gray"], n)
    shape = rng.choice(["a", "b", "c"], n)
    numeric = rng.normal(size=(n, 3))
    y = np.isin(color, ["red", "blue"]) ^ (numeric[:, 0] > 0)
    encoder = OneHotEncoder(sparse_output=False).fit(np.c_[color, shape])
    names = [*encoder.get_feature_names_out(["color", "shape"]), "n0", "n1", "n2"]
    X = pd.DataFrame(
        np.c_[encoder.transform(np.c_[color, shape]), numeric], columns=names
    )
    groups = [name.split("_")[0] for name in names]
    return X, y.astype(int), groups


@pytest.fixture(scope="module")
def table():
    return _categorical_table(n=600)


@pytest.fixture(scope="module")
def grouped_fits(table):
    X, y, groups = table
    return {
        granularity: LearnedMaskTransformer(
            feature_groups=groups, granularity=granularity, **FAST
        ).fit(X, y)
        for granularity in ("instance", "global")
    }


@pytest.mark.parametrize("granularity", ["instance", "global"])
def test_a_group_is_kept_or_dropped_whole(grouped_fits, table, granularity):
    X, _, _ = table
    est = grouped_fits[granularity]
    assert est.n_groups_ == 5
    assert est.group_index_.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 3, 4]
    mask = est.get_mask(X)
    for group in range(est.n_groups_):
        columns = mask[:, est.group_index_ == group]
        assert (columns == columns[:, :1]).all()
    # 'color' and n0 decide y; 'shape', n1 and n2 are noise.
    kept = mask.mean(axis=0)
    assert (kept[:4] >= 0.9).all() and kept[7] >= 0.9
    assert (kept[4:7] <= 0.1).all() and (kept[8:] <= 0.1).all()


def test_global_groups_select_whole_categoricals(grouped_fits, table):
    X, _, _ = table
    est = grouped_fits["global"]
    assert est.global_mask_.shape == (5,)
    support = est.get_support()
    assert support.shape == (10,)
    assert est.get_support(indices=True).tolist() == np.flatnonzero(support).tolist()
    select = pickle.loads(pickle.dumps(est)).set_params(output="select")
    names = select.get_feature_names_out().tolist()
    assert names == [n for n, s in zip(X.columns, support, strict=True) if s]
    assert select.transform(X).shape == (len(X), len(names))


def test_without_groups_an_instance_mask_splits_the_one_hot_columns(table):
    # What the groups are for: one gate per dummy column keeps some of a
    # categorical's columns on some rows.
    X, y, _ = table
    mask = LearnedMaskTransformer(**FAST).fit(X, y).get_mask(X)
    assert (mask[:, :4].min(axis=1) != mask[:, :4].max(axis=1)).mean() > 0.1


def test_missing_entries_stay_closed_inside_a_kept_group(table):
    X, y, groups = table
    X = X.to_numpy().copy()
    X[:40, 0] = np.nan  # one column of 'color' missing
    X[40:60, :4] = np.nan  # all of 'color' missing
    est = LearnedMaskTransformer(feature_groups=groups, epochs=10, random_state=0)
    mask = est.fit(X, y).get_mask(X)
    assert not mask[np.isnan(X)].any()
    assert mask[:40, 1:4].all()  # the rest of the group is still kept
    soft = est.predict_mask(X)
    assert soft[40:60, :4].max() < 1e-6


def test_supervised_masks_must_agree_within_a_binary_group(table):
    X, _, groups = table
    M = np.zeros(X.shape)
    M[:, :4] = 1.0
    M[:, 7] = 1.0
    est = LearnedMaskTransformer(feature_groups=groups, epochs=20, random_state=0)
    assert (est.fit(X, mask=M).get_mask(X) == M).mean() > 0.99
    M[0, 0] = 0.0
    with pytest.raises(ValueError, match="agree within each feature group"):
        LearnedMaskTransformer(feature_groups=groups, epochs=1).fit(X, mask=M)
    weighted = LearnedMaskTransformer(
        feature_groups=groups, mask_type="weighted", epochs=1, random_state=0
    )
    weighted.fit(X, mask=M)  # a group's target is its mean: 0.75 on row 0


@pytest.mark.parametrize(
    ("groups", "error", "message"),
    [
        (["a"] * 9, ValueError, "one group label per column"),
        ([[0, 1]] * 10, ValueError, "one group label per column"),
        ([{}] * 10, TypeError, "hashable"),
    ],
)
def test_bad_feature_groups_are_named_and_harmless(
    grouped_fits, table, groups, error, message
):
    X, y, _ = table
    est = pickle.loads(pickle.dumps(grouped_fits["instance"]))
    before = est.transform(X)
    with pytest.raises(error, match=message):
        est.set_params(feature_groups=groups, epochs=1).fit(X, y)
    assert est.n_groups_ == 5
    np.testing.assert_array_equal(est.transform(X), before)


def test_a_custom_network_outputs_one_logit_per_group(table):
    import keras

    X, y, groups = table

    def network(input_shape):
        inputs = keras.Input(input_shape)
        return keras.Model(inputs, keras.layers.Dense(input_shape[0])(inputs))

    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        LearnedMaskTransformer(network=network, feature_groups=groups, epochs=1).fit(
            X, y
        )


def test_grouped_masks_survive_save_and_load(grouped_fits, table, tmp_path):
    X, _, _ = table
    est = grouped_fits["instance"]
    skmask.save(est, tmp_path / "grouped.skmask")
    loaded = skmask.load(tmp_path / "grouped.skmask")
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    assert loaded.get_params()["feature_groups"] == est.feature_groups


def test_grouped_training_is_the_same_through_memory(table, tmp_path):
    # Under `memory` the networks train on a clone: groups come from the
    # parameters, not from fitted attributes.
    X, y, groups = table
    X, y = X.iloc[:300], y[:300]
    params = {"feature_groups": groups, "epochs": 3, "random_state": 0}
    plain = LearnedMaskTransformer(**params).fit(X, y)
    cached = LearnedMaskTransformer(memory=str(tmp_path), **params).fit(X, y)
    np.testing.assert_array_equal(cached.predict_mask(X), plain.predict_mask(X))


def group_of(name):
    """Feature of a one-hot column ``<feature>_<level>``; numeric columns alone."""
    return name.split("_")[0]


def test_groups_from_column_names_in_a_searched_pipeline(table):
    # The encoder's columns exist only once it is fitted, and a fold without
    # a rare level has fewer: a callable reads the names at each fit.
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    rng = np.random.RandomState(1)
    X = pd.DataFrame(
        {
            "color": rng.choice(["red", "blue", "gray"], 300, p=[0.45, 0.45, 0.1]),
            "n0": rng.normal(size=300),
            "n1": rng.normal(size=300),
        }
    )
    X.loc[:4, "color"] = "violet"  # a level only the first fold has
    y = ((X["color"] == "red") ^ (X["n0"] > 0)).astype(int)
    encode = ColumnTransformer(
        [
            (
                "color",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ["color"],
            )
        ],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    mask = LearnedMaskTransformer(
        feature_groups=group_of, granularity="global", output="select", **FAST
    )
    search = GridSearchCV(
        make_pipeline(encode, mask, LogisticRegression()),
        {"learnedmasktransformer__threshold": [0.5]},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    fitted = search.best_estimator_[1]
    names = fitted.feature_names_in_.tolist()
    assert names == [
        "color_blue",
        "color_gray",
        "color_red",
        "color_violet",
        "n0",
        "n1",
    ]
    assert fitted.group_index_.tolist() == [0, 0, 0, 0, 1, 2]
    support = pickle.loads(pickle.dumps(fitted)).get_support()
    assert support[:5].all()  # 'color', all four levels, and n0 decide y
    kept = [name for name, keep in zip(names, support, strict=True) if keep]
    assert fitted.get_feature_names_out().tolist() == kept
    with pytest.raises(TypeError, match="feature_groups"):
        skmask.save(fitted, "unused.skmask")
