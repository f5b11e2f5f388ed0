"""LearnedMaskTransformer on tabular data: quality, pipelines, pandas, errors."""

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import f1_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline

from skmask import EmptyMaskWarning, LearnedMaskTransformer

SMALL = {"epochs": 3, "hidden_units": (8,), "predictor_units": (8,), "batch_size": 32}


def _rows_with_masks(n, d=8, seed=0):
    """Rows whose ground-truth mask is 'the entry is positive'."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    return X, (X > 0).astype(float)


def _duplicates_and_constants(n, seed=0):
    rng = np.random.RandomState(seed)
    base = rng.normal(size=(n, 5)) * rng.uniform(0.5, 3, size=5) + 1.0
    return np.hstack([base, base, np.full((n, 5), 3.0)])


@pytest.fixture(scope="module")
def supervised_fit():
    X, M = _rows_with_masks(2000)
    est = LearnedMaskTransformer(epochs=30, random_state=0)
    est.fit(X[:1500], mask=M[:1500])
    return est, X[1500:], M[1500:]


@pytest.fixture(scope="module")
def reconstruction_fit():
    X = _duplicates_and_constants(2000)
    est = LearnedMaskTransformer(granularity="global", random_state=0)
    est.fit(X[:1500])
    return est, X[1500:]


@pytest.fixture(scope="module")
def small_fit():
    """A cheap fitted transformer used read-only by the error tests."""
    X, M = _rows_with_masks(100, d=4)
    est = LearnedMaskTransformer(random_state=0, **SMALL).fit(X, mask=M)
    return est, X


# ------------------------------------------------------------------ quality
def test_supervised_binary_mask_matches_ground_truth(supervised_fit):
    est, X_test, M_test = supervised_fit
    assert est.objective_ == "supervised"
    pred = est.get_mask(X_test)
    assert set(np.unique(pred)) <= {0.0, 1.0}
    assert f1_score(M_test.ravel(), pred.ravel()) >= 0.95


def test_reconstruction_keeps_one_of_each_duplicate_and_no_constant(
    reconstruction_fit,
):
    est, X_test = reconstruction_fit
    assert est.objective_ == "reconstruction"
    kept = set(est.get_support(indices=True))
    assert 5 <= len(kept) <= 7
    for j in range(5):
        assert j in kept or j + 5 in kept
    assert not kept & set(range(10, 15))
    rebuilt = est.reconstruct(X_test)
    for j in range(10):
        assert r2_score(X_test[:, j], rebuilt[:, j]) >= 0.95


@pytest.mark.parametrize("objective", ["reconstruction", "task"])
def test_weighted_masks_keep_what_matters_at_full_weight(objective):
    # Weighted masks train as binary gates and apply their keep
    # probabilities. Trained as deterministic weights, every weight sank
    # to ~0.03 under reconstruction (a decoder that sees m undoes x * m),
    # and to ~0.45 on the relevant columns of a task.
    rng = np.random.RandomState(0)
    if objective == "reconstruction":
        X, y = _duplicates_and_constants(1200), None
    else:
        X = rng.normal(size=(1200, 8))
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
    est = LearnedMaskTransformer(mask_type="weighted", epochs=40, random_state=0)
    W = est.fit(X, y).predict_mask(X)
    if objective == "reconstruction":
        # At least one of each duplicate pair at full weight; constants dropped.
        assert np.maximum(W[:, :5], W[:, 5:10]).mean() >= 0.9
        assert W[:, 10:].mean() <= 0.05
    else:
        assert W[:, :2].mean() >= 0.9
        assert W[:, 2:].mean() <= 0.1
    # Soft values, applied as they are.
    np.testing.assert_allclose(est.transform(X), X * W, rtol=1e-6)


def test_select_output_and_feature_names(reconstruction_fit):
    est, X_test = reconstruction_fit
    selected = clone(est).set_params(output="select")
    # Post-network parameters act at transform time on the fitted network.
    selected.__dict__.update({k: v for k, v in est.__dict__.items() if k.endswith("_")})
    Xt = selected.transform(X_test)
    support = est.get_support()
    np.testing.assert_array_equal(Xt, X_test[:, support])
    names = selected.get_feature_names_out()
    assert list(names) == [f"x{j}" for j in np.flatnonzero(support)]
    # As a scikit-learn selector: kept columns back in place, zeros elsewhere.
    back = selected.inverse_transform(Xt)
    np.testing.assert_array_equal(back[:, support], X_test[:, support])
    assert back.shape == X_test.shape and not back[:, ~support].any()
    with pytest.raises(ValueError, match="inverse_transform takes the output"):
        selected.inverse_transform(X_test)
    # Other outputs discard values: no inverse, so Pipelines do not offer one.
    assert not hasattr(est, "inverse_transform")
    assert not hasattr(make_pipeline(est), "inverse_transform")
    assert hasattr(make_pipeline(selected), "inverse_transform")


def test_weighted_mask_values_in_unit_interval(supervised_fit):
    X, M = _rows_with_masks(300)
    est = LearnedMaskTransformer(mask_type="weighted", random_state=0, **SMALL)
    soft = est.fit(X, mask=M).get_mask(X)
    assert soft.shape == X.shape
    assert (soft >= 0).all() and (soft <= 1).all()
    np.testing.assert_allclose(est.transform(X), X * soft)


# -------------------------------------------------------------- the outputs
@pytest.mark.parametrize("output", ["multiply", "fill", "nan", "concat"])
def test_outputs_apply_the_same_mask(supervised_fit, output):
    est, X_test, _ = supervised_fit
    keep = est.get_mask(X_test).astype(bool)
    est = clone(est).set_params(output=output)
    est.__dict__.update(
        {k: v for k, v in supervised_fit[0].__dict__.items() if k.endswith("_")}
    )
    Xt = est.transform(X_test)
    if output == "multiply":
        np.testing.assert_array_equal(Xt, np.where(keep, X_test, 0.0))
    elif output == "fill":
        expected = np.where(keep, X_test, est.fill_values_)
        np.testing.assert_allclose(Xt, expected)
        np.testing.assert_allclose(est.fill_values_, X_test.mean(0), atol=0.2)
    elif output == "nan":
        assert np.isnan(Xt).sum() == (~keep).sum()
        np.testing.assert_array_equal(Xt[keep], X_test[keep])
    else:
        assert Xt.shape == (X_test.shape[0], 2 * X_test.shape[1])
        np.testing.assert_array_equal(Xt[:, X_test.shape[1] :], keep)
        assert est.get_feature_names_out()[-1] == f"mask_x{X_test.shape[1] - 1}"


def test_nan_output_feeds_hist_gradient_boosting(supervised_fit):
    est, X_test, _ = supervised_fit
    y = (X_test[:, 0] > 0).astype(int)
    pipe = Pipeline(
        [
            ("mask", clone(est).set_params(output="nan")),
            ("clf", HistGradientBoostingClassifier(max_iter=20)),
        ]
    )
    M = (X_test > 0).astype(float)
    pipe.fit(X_test, y, mask__mask=M)
    assert pipe.score(X_test, y) > 0.9


def test_float32_input_keeps_dtype(supervised_fit):
    est, X_test, _ = supervised_fit
    assert est.transform(X_test.astype(np.float32)).dtype == np.float32
    assert est.transform(X_test).dtype == np.float64


# --------------------------------------------------- pipelines and searches
def test_pipeline_routes_mask_old_style_and_with_metadata_routing():
    X, M = _rows_with_masks(120, d=4)
    y = (X[:, 0] > 0).astype(int)
    pipe = Pipeline(
        [
            ("mask", LearnedMaskTransformer(random_state=0, **SMALL)),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, y, mask__mask=M)
    assert pipe.named_steps["mask"].objective_ == "supervised"

    with config_context(enable_metadata_routing=True):
        mask = LearnedMaskTransformer(random_state=0, **SMALL).set_fit_request(
            mask=True, sample_weight=False
        )
        routed = Pipeline([("mask", mask), ("clf", LogisticRegression())])
        routed.fit(X, y, mask=M)
        assert routed.named_steps["mask"].objective_ == "supervised"
        np.testing.assert_array_equal(
            routed.named_steps["mask"].get_mask(X),
            pipe.named_steps["mask"].get_mask(X),
        )


def test_grid_search_over_mask_parameters(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    # memory: thresholds and outputs reuse the network (4 trainings, not 16).
    mask = LearnedMaskTransformer(random_state=0, memory=str(tmp_path), **SMALL)
    pipe = Pipeline(
        [
            ("mask", mask),
            ("clf", LogisticRegression()),
        ]
    )
    grid = {
        "mask__threshold": [0.3, 0.7],
        "mask__hidden_units": [(4,), (8, 4)],
        "mask__output": ["multiply", "concat"],
    }
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    scores = cross_val_score(search.best_estimator_, X, y, cv=2)
    assert scores.shape == (2,)


def test_task_objective_with_string_labels_and_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    labels = np.where(X[:, 0] > 0, "yes", "no")
    pipe = Pipeline(
        [
            ("mask", LearnedMaskTransformer(random_state=0, **SMALL)),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, labels)
    assert pipe.named_steps["mask"].objective_ == "task"
    assert list(pipe.named_steps["mask"].classes_) == ["no", "yes"]
    assert set(pipe.predict(X)) <= {"no", "yes"}

    reg = Pipeline(
        [
            ("mask", LearnedMaskTransformer(random_state=0, **SMALL)),
            ("lin", LinearRegression()),
        ]
    )
    reg.fit(X, 3 * X[:, 1] + 0.5)
    assert reg.named_steps["mask"].predictor_.output_shape == (None, 1)


def test_whole_number_float_target_is_regression():
    # load_diabetes' target is whole numbers stored as floats: 214 "classes"
    # to type_of_target, a regression target to a user.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = np.round(50 + 20 * X[:, 0] + rng.normal(size=120))
    est = LearnedMaskTransformer(random_state=0, **SMALL).fit(X, y)
    assert est.predictor_.output_shape == (None, 1)
    assert not hasattr(est, "classes_")
    assert est.target_mean_ == pytest.approx(y.mean())
    # Float-coded labels (few whole values) stay labels.
    codes = (X[:, 1] > 0).astype(float) + (X[:, 2] > 0)
    _, spec = LearnedMaskTransformer()._encode_target(codes, 120)
    assert (spec.kind, spec.n_outputs) == ("multiclass", 3)
    _, spec = LearnedMaskTransformer()._encode_target(y, 120)
    assert spec.kind == "regression"
    # Two such targets: a two-output regression, not multi-output classes.
    _, spec = LearnedMaskTransformer()._encode_target(np.c_[y, y + 7], 120)
    assert (spec.kind, spec.n_outputs) == ("regression", 2)
    _, spec = LearnedMaskTransformer(target_type="classification")._encode_target(
        y, 120
    )
    assert spec.kind == "multiclass"


def test_integer_target_with_a_class_per_row_warns():
    counts = np.arange(100) % 60
    with pytest.warns(UserWarning, match="target_type='regression'"):
        LearnedMaskTransformer()._encode_target(counts, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LearnedMaskTransformer()._encode_target(np.arange(100) % 10, 100)
        LearnedMaskTransformer(target_type="classification")._encode_target(counts, 100)


# ------------------------------------------------------------------- pandas
def test_dataframe_in_and_out(small_fit):
    X, M = _rows_with_masks(100, d=4)
    df = pd.DataFrame(X, columns=list("abcd"), index=np.arange(100) + 1000)
    est = LearnedMaskTransformer(random_state=0, **SMALL).set_output(transform="pandas")
    out = est.fit(df, mask=M).transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list("abcd")
    assert (out.index == df.index).all()
    np.testing.assert_array_equal(est.feature_names_in_, list("abcd"))
    with pytest.raises(ValueError, match="feature names"):
        est.transform(df[list("bacd")])


# ------------------------------------------------------------- bad input
def _bad_inputs():
    # NaN is a missing value in tables, not bad input (tests/test_missing.py).
    X, _ = _rows_with_masks(100, d=4)
    inf = X.copy()
    inf[1, 1] = np.inf
    strings = X.astype(object)
    strings[0, 0] = "a"
    return {
        "inf": (inf, ValueError, "infinity"),
        "strings": (strings, ValueError, "could not convert|string"),
        "empty": (np.empty((0, 4)), ValueError, "0 sample"),
        "1-D": (X[:, 0], ValueError, "2D array"),
        "wrong width": (X[:, :3], ValueError, "features"),
        "sparse": (sp.csr_matrix(X), TypeError, "[Ss]parse"),
        "complex": (X.astype(complex), ValueError, "[Cc]omplex"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_bad_input_at_transform_is_clear_and_harmless(small_fit, case):
    est, X = small_fit
    before = est.transform(X)
    bad, error, match = _bad_inputs()[case]
    with pytest.raises(error, match=match):
        est.transform(bad)
    np.testing.assert_array_equal(est.transform(X), before)


@pytest.mark.parametrize("case", ["inf", "strings", "empty", "1-D", "sparse"])
def test_bad_input_at_fit_leaves_estimator_unchanged(small_fit, case):
    est, X = small_fit
    est = pickle.loads(pickle.dumps(est))
    before = est.transform(X)
    state = set(est.__dict__)
    bad, error, match = _bad_inputs()[case]
    with pytest.raises(error, match=match):
        est.fit(bad)
    assert set(est.__dict__) == state
    np.testing.assert_array_equal(est.transform(X), before)


@pytest.mark.parametrize(
    ("params", "fit_kwargs", "match"),
    [
        ({"threshold": 1.5}, {}, "threshold"),
        ({"threshold": -0.1}, {}, "threshold"),
        ({"output": "select"}, {}, "granularity='global'"),
        ({"epochs": 0}, {}, "epochs"),
        ({"hidden_units": (8, -1)}, {}, "hidden_units"),
        ({}, {"mask": np.ones((100, 3))}, "shape"),
        ({}, {"mask": np.full((100, 4), 0.5)}, "0/1"),
        ({"objective": "supervised"}, {}, "ground-truth masks"),
        ({"objective": "task"}, {}, "needs a target"),
        ({}, {"y": np.zeros(100)}, "one class|Unknown"),
    ],
)
def test_bad_parameters_and_masks_raise_before_training(
    small_fit, params, fit_kwargs, match
):
    est, X = small_fit
    est = pickle.loads(pickle.dumps(est))
    before = est.transform(X)
    est.set_params(**params)
    fit_kwargs = dict(fit_kwargs)
    y = fit_kwargs.pop("y", None)
    if y is not None:
        y = y.astype(int).astype(str)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, **fit_kwargs)
    est.set_params(**{k: LearnedMaskTransformer().get_params()[k] for k in params})
    est.set_params(**SMALL)
    np.testing.assert_array_equal(est.transform(X), before)


def test_reconstruct_needs_the_reconstruction_objective(small_fit):
    est, X = small_fit
    with pytest.raises(ValueError, match="reconstruction objective"):
        est.reconstruct(X)


def test_empty_mask_warns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    est = LearnedMaskTransformer(
        sparsity=50.0, epochs=40, learning_rate=0.05, random_state=0
    )
    with pytest.warns(EmptyMaskWarning, match="keeps no entry"):
        est.fit(X)
    assert est.keep_fraction_ == 0.0


# ------------------------------------------------ persistence, determinism
def test_pickle_and_joblib_round_trip(small_fit, tmp_path):
    est, X = small_fit
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))
    joblib.dump(est, tmp_path / "mask.joblib")
    again = joblib.load(tmp_path / "mask.joblib")
    np.testing.assert_array_equal(again.predict_mask(X), est.predict_mask(X))
    unfitted = pickle.loads(pickle.dumps(LearnedMaskTransformer(threshold=0.2)))
    assert unfitted.threshold == 0.2


def test_fit_does_not_disturb_global_numpy_random_state(small_fit):
    X, M = _rows_with_masks(60, d=4)
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    LearnedMaskTransformer(random_state=0, **SMALL).fit(X, mask=M)
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_import_skmask_does_not_import_tensorflow():
    code = (
        "import sys, skmask; "
        "from skmask import ImageMaskTransformer, LearnedMaskTransformer, "
        "SequenceMaskTransformer, load, save; "
        "bad = [m for m in ('tensorflow', 'keras', 'matplotlib', 'scikeras') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------ user networks
def test_user_keras_model_is_copied_and_can_be_frozen():
    import keras

    X, M = _rows_with_masks(200, d=4)
    inputs = keras.Input((4,))
    net = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    weights = [w.copy() for w in net.get_weights()]
    est = LearnedMaskTransformer(network=net, random_state=0, **SMALL).fit(X, mask=M)
    # The user's model is never trained in place ...
    for a, b in zip(net.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)
    # ... but the fitted copy is.
    assert not np.array_equal(est.mask_network_.get_weights()[0], weights[0])
    frozen = LearnedMaskTransformer(
        network=net, freeze_network=True, random_state=0, **SMALL
    ).fit(X)
    np.testing.assert_array_equal(frozen.mask_network_.get_weights()[0], weights[0])
    assert clone(est).network is not net


def test_network_builder_callable_and_shape_check():
    import keras

    def builder(input_shape):
        inputs = keras.Input(input_shape)
        return keras.Model(inputs, keras.layers.Dense(input_shape[0])(inputs))

    X, M = _rows_with_masks(100, d=4)
    est = LearnedMaskTransformer(network=builder, random_state=0, **SMALL)
    assert est.fit(X, mask=M).get_mask(X).shape == X.shape

    def wrong(input_shape):
        inputs = keras.Input(input_shape)
        return keras.Model(inputs, keras.layers.Dense(2)(inputs))

    with pytest.raises(ValueError, match="one logit per mask entry"):
        LearnedMaskTransformer(network=wrong, **SMALL).fit(X, mask=M)

    def two_outputs(input_shape):
        inputs = keras.Input(input_shape)
        heads = [keras.layers.Dense(input_shape[0])(inputs) for _ in range(2)]
        return keras.Model(inputs, heads)

    with pytest.raises(ValueError, match="must return one tensor of logits"):
        LearnedMaskTransformer(network=two_outputs, **SMALL).fit(X, mask=M)


def test_subclassed_keras_models_work_as_mask_networks():
    # Subclassed models know no shapes until called; the estimator wraps
    # them in a functional model. Task objective: the surrogate graph needs
    # the logits' shape too.
    from subclassed_network import TwoLayerLogits, build

    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 4))
    y = X[:, 0] > 0
    for network in (TwoLayerLogits(4), build):
        est = LearnedMaskTransformer(network=network, random_state=0, **SMALL)
        mask = est.fit(X, y).get_mask(X)
        assert mask.shape == X.shape
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).get_mask(X), mask)
    with pytest.raises(ValueError, match="one logit per mask entry"):
        LearnedMaskTransformer(network=TwoLayerLogits(2), **SMALL).fit(X, y)


# --------------------------------------------------------- sample weights
def test_sample_weights_shift_the_mask_like_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    # Rows of group A keep feature 0, rows of group B drop it.
    M = np.ones_like(X)
    M[100:, 0] = 0
    params = {"granularity": "global", "epochs": 60, "random_state": 0}
    weights = np.r_[np.full(100, 3.0), np.ones(100)]
    weighted = LearnedMaskTransformer(**params).fit(X, mask=M, sample_weight=weights)
    repeated = LearnedMaskTransformer(**params).fit(
        np.r_[X[:100], X[:100], X[:100], X[100:]],
        mask=np.r_[M[:100], M[:100], M[:100], M[100:]],
    )
    unweighted = LearnedMaskTransformer(**params).fit(X, mask=M)
    # Feature 0 is kept in 3/4 of the weighted rows, 1/2 of the plain rows.
    assert weighted.global_mask_[0] == pytest.approx(0.75, abs=0.05)
    assert repeated.global_mask_[0] == pytest.approx(0.75, abs=0.05)
    assert unweighted.global_mask_[0] == pytest.approx(0.5, abs=0.05)


def test_verbose_prints_one_line_per_epoch_and_phase(capsys):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    LearnedMaskTransformer(epochs=2, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    folds = range(LearnedMaskTransformer._n_folds)
    phases = [f"[{phase} {k}" for k in folds for phase in ("teacher", "surrogate")]
    phases.append("[mask")
    assert [ln.split("]")[0] for ln in lines] == [p for p in phases for _ in range(2)]
    assert all("loss" in ln and "kept" in ln for ln in lines)


def test_no_warnings_from_a_quiet_fit(capfd):
    X, M = _rows_with_masks(100, d=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LearnedMaskTransformer(random_state=0, **SMALL).fit(X, mask=M).transform(X)
    out, _ = capfd.readouterr()
    assert out == ""


def test_refit_leaves_nothing_of_the_previous_fit():
    X = np.random.RandomState(0).normal(size=(80, 4))
    est = LearnedMaskTransformer(granularity="global", **SMALL)
    est.fit(X, (X[:, 0] > 0).astype(int))
    assert {"classes_", "predictor_", "global_mask_", "ranking_"} <= set(vars(est))
    est.set_params(granularity="instance").fit(X)  # reconstruction
    stale = {"classes_", "predictor_", "global_mask_", "ranking_", "target_mean_"}
    left = stale & set(vars(est))
    assert not left, left
    assert hasattr(est, "decoder_")
    est.fit(X, X[:, 0])  # regression
    assert "decoder_" not in vars(est) and "classes_" not in vars(est)
    assert est.target_mean_.shape == (1,)


@pytest.mark.parametrize("hidden_units", [(), (6,), (6, 4)])
@pytest.mark.parametrize("groups", [None, [0, 1, 1, 2, 0]])
def test_leave_one_out_logits_never_read_their_own_gate(hidden_units, groups):
    from skmask.networks import build_leave_one_out_mask_network

    net = build_leave_one_out_mask_network(
        5, hidden_units, initial_logit=1.0, groups=groups
    )
    gate_of = np.arange(5) if groups is None else np.asarray(groups)
    n_gates = gate_of.max() + 1
    X = np.random.RandomState(0).normal(size=(64, 5)).astype("float32")
    logits = np.asarray(net(X))
    assert logits.shape == (64, n_gates)
    for column in range(5):
        moved = X.copy()
        moved[:, column] += 3.0
        change = np.abs(np.asarray(net(moved)) - logits).max(axis=0)
        own = gate_of[column]
        assert change[own] < 1e-5
        # The other gates do read it.
        assert (np.delete(change, own) > 1e-4).all()


def test_task_masks_decide_without_the_entry_they_gate():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    task = LearnedMaskTransformer(random_state=0, **SMALL).fit(X, y)
    supervised = LearnedMaskTransformer(random_state=0, **SMALL).fit(
        X, mask=(X > 0).astype(float)
    )
    moved = X.copy()
    moved[:, 2] *= -3.0
    # network='auto': under the task objective, x2's keep probability is
    # a function of the other columns only; a supervised mask reads x2.
    np.testing.assert_allclose(
        task.predict_mask(moved)[:, 2], task.predict_mask(X)[:, 2], atol=1e-6
    )
    assert np.abs(task.predict_mask(moved)[:, 0] - task.predict_mask(X)[:, 0]).max() > 0
    assert (
        supervised.predict_mask(moved)[:, 2] != supervised.predict_mask(X)[:, 2]
    ).any()
    # 'mlp' asks for the plain network under any objective.
    plain = LearnedMaskTransformer(network="mlp", random_state=0, **SMALL).fit(X, y)
    assert (
        np.abs(plain.predict_mask(moved)[:, 2] - plain.predict_mask(X)[:, 2]).max() > 0
    )
