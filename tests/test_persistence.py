"""Persistence: pickle/joblib round trips and the safe ``skmask.save`` format."""

import io
import json
import pickle
import zipfile

import joblib
import numpy as np
import pytest

import skmask
from skmask import ImageMaskTransformer, LearnedMaskTransformer, SequenceMaskTransformer
from skmask.datasets import make_invase
from skmask.persistence import FORMAT_VERSION

FAST = {"epochs": 2, "random_state": 0}
RNG = np.random.RandomState(0)
SERIES = RNG.normal(size=(30, 12, 2))
IMAGES = RNG.normal(size=(30, 64))
TABLE, LABELS, _ = make_invase("syn1", n_samples=150, random_state=0, as_frame=True)
WORDS = np.where(LABELS == 1, "yes", "no")

CASES = {
    "task-strings-frame": (LearnedMaskTransformer(**FAST), (TABLE, WORDS)),
    "global-select": (
        LearnedMaskTransformer(granularity="global", output="select", **FAST),
        (TABLE,),
    ),
    "regression-weighted": (
        LearnedMaskTransformer(mask_type="weighted", output="fill", **FAST),
        (TABLE, TABLE["x1"].to_numpy() * 2.0),
    ),
    "series": (SequenceMaskTransformer(hidden_units=(8,), **FAST), (SERIES,)),
    "images": (
        ImageMaskTransformer(hidden_units=(4, 8), image_shape=(8, 8), **FAST),
        (IMAGES,),
    ),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def fitted(request):
    estimator, args = CASES[request.param]
    return estimator.fit(*args), args[0]


def _same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_safe_format_round_trip_is_exact(fitted, tmp_path):
    estimator, X = fitted
    path = tmp_path / "mask.skmask"
    skmask.save(estimator, path)
    again = skmask.load(path)
    assert type(again) is type(estimator)
    assert again.get_params() == estimator.get_params()
    _same(again.transform(X), estimator.transform(X))
    _same(again.predict_mask(X), estimator.predict_mask(X))
    fitted_keys = {k for k in vars(estimator) if k.endswith("_")}
    assert {k for k in vars(again) if k.endswith("_")} == fitted_keys
    if hasattr(estimator, "classes_"):
        _same(again.classes_, estimator.classes_)
        assert again.classes_.dtype == estimator.classes_.dtype
    if hasattr(estimator, "feature_names_in_"):
        _same(again.feature_names_in_, estimator.feature_names_in_)
    assert again.history_ == estimator.history_
    _same_companion(again, estimator)


def _same_companion(again, estimator):
    # The predictor or decoder (with its learned mask tokens) comes back too.
    for name in ("predictor_", "decoder_"):
        if hasattr(estimator, name):
            net = getattr(estimator, name)
            view = np.random.RandomState(0).uniform(size=(3, *net.input_shape[1:]))
            view = view.astype("float32")
            _same(getattr(again, name)(view), net(view))


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trips_are_exact(fitted, tmp_path, how):
    estimator, X = fitted
    if how == "pickle":
        again = pickle.loads(pickle.dumps(estimator))
    else:
        joblib.dump(estimator, tmp_path / "mask.joblib")
        again = joblib.load(tmp_path / "mask.joblib")
    _same(again.transform(X), estimator.transform(X))
    _same_companion(again, estimator)


@pytest.mark.parametrize("estimator", [c[0] for c in CASES.values()], ids=sorted(CASES))
def test_unfitted_estimators_round_trip(estimator, tmp_path):
    unfitted = type(estimator)(**estimator.get_params())
    skmask.save(unfitted, tmp_path / "u.skmask")
    for again in (
        skmask.load(tmp_path / "u.skmask"),
        pickle.loads(pickle.dumps(unfitted)),
    ):
        assert again.get_params() == unfitted.get_params()
        assert not any(k.endswith("_") for k in vars(again))


def test_save_refuses_what_is_not_plain_data(tmp_path):
    path = tmp_path / "x.skmask"
    with pytest.raises(TypeError, match="skmask's estimators"):
        skmask.save(object(), path)
    with pytest.raises(TypeError, match="parameter 'network'"):
        skmask.save(LearnedMaskTransformer(network=lambda shape: None), path)
    with pytest.raises(TypeError, match="parameter 'random_state'"):
        skmask.save(LearnedMaskTransformer(random_state=np.random.RandomState(0)), path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def _rewrite(path, out, *, metadata=None, extra=None):
    """Copy a saved file, changing its metadata or adding members."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "metadata.json" and metadata is not None:
                data = json.dumps(metadata(json.loads(data))).encode()
            dst.writestr(item, data)
        for item, data in (extra or {}).items():
            dst.writestr(item, data)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "mask.skmask"
    estimator = LearnedMaskTransformer(**FAST).fit(TABLE, WORDS)
    skmask.save(estimator, path)
    return path


def test_a_lambda_layer_is_refused(tmp_path):
    from skmask._keras import import_keras

    keras = import_keras()
    inputs = keras.Input((11,))
    code = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    network = keras.Model(inputs, keras.layers.Dense(11)(code))
    skmask.save(LearnedMaskTransformer(network=network), tmp_path / "lambda.skmask")
    with pytest.raises(ValueError, match="safe mode") as error:
        skmask.load(tmp_path / "lambda.skmask")
    assert "Lambda" in str(error.value)
    # Without the Lambda layer the same kind of file loads.
    plain = keras.Model(inputs, keras.layers.Dense(11)(inputs))
    skmask.save(LearnedMaskTransformer(network=plain), tmp_path / "plain.skmask")
    assert skmask.load(tmp_path / "plain.skmask").network.count_params() == 132


def test_a_pickled_payload_is_refused(saved, tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.array([{"payload": 1}], dtype=object))
    _rewrite(saved, tmp_path / "p.skmask")
    with zipfile.ZipFile(tmp_path / "p.skmask") as src:
        members = {n: src.read(n) for n in src.namelist()}
    members["arrays.npz"] = buffer.getvalue()
    with zipfile.ZipFile(tmp_path / "p2.skmask", "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    with pytest.raises(ValueError, match="pickled"):
        skmask.load(tmp_path / "p2.skmask")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: {**m, "format": FORMAT_VERSION + 1}, "format version"),
        (lambda m: {**m, "versions": {**m["versions"], "keras": "2.15.0"}}, "Keras"),
        (
            lambda m: {**m, "versions": {**m["versions"], "skmask": "99.0"}},
            "newer than",
        ),
        (lambda m: {**m, "estimator": "os.system"}, "loads only"),
        (
            lambda m: {**m, "fitted": {**m["fitted"], "__class__": 1}},
            "Unexpected attribute",
        ),
    ],
    ids=["format", "keras-major", "newer-skmask", "unknown-class", "dunder"],
)
def test_incompatible_or_crafted_files_fail_clearly(saved, tmp_path, change, message):
    out = tmp_path / "changed.skmask"
    _rewrite(saved, out, metadata=change)
    with pytest.raises(ValueError, match=message):
        skmask.load(out)


def test_not_a_skmask_file(tmp_path):
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(ValueError, match="not a skmask file"):
        skmask.load(tmp_path / "plain.txt")


def test_file_records_versions(saved):
    with zipfile.ZipFile(saved) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    assert metadata["versions"]["skmask"] == skmask.__version__
    assert set(metadata["versions"]) == {"skmask", "keras", "tensorflow"}
