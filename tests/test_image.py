"""ImageMaskTransformer: quality, layouts, sizes, pipelines, errors."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline

from skmask import ImageMaskTransformer
from skmask.datasets import make_image_mask
from skmask.metrics import mask_fdr, mask_iou, mask_tpr

SMALL = {"epochs": 2, "hidden_units": (4,), "predictor_units": (4,), "batch_size": 32}


def _flat(a):
    return a.reshape(len(a), -1)


@pytest.fixture(scope="module")
def canvases():
    X, y, M = make_image_mask(n_samples=700, canvas_size=16, random_state=0)
    return X[:500], y[:500], M[:500], X[500:], y[500:], M[500:]


@pytest.fixture(scope="module")
def supervised_fit(canvases):
    X, _, M, *_ = canvases
    return ImageMaskTransformer(epochs=40, random_state=0).fit(X, mask=M)


@pytest.fixture(scope="module")
def small_fit():
    X, _, M = make_image_mask(n_samples=40, canvas_size=12, random_state=1)
    return ImageMaskTransformer(random_state=0, **SMALL).fit(X, mask=M), X


def test_supervised_mask_covers_the_digit(supervised_fit, canvases):
    *_, X_test, _, M_test = canvases
    assert mask_iou(_flat(M_test), _flat(supervised_fit.get_mask(X_test))) >= 0.85


def test_fcn_masks_a_canvas_size_it_was_not_trained_on(supervised_fit):
    X, _, M = make_image_mask(n_samples=100, canvas_size=28, random_state=5)
    mask = supervised_fit.get_mask(X)
    assert mask.shape == X.shape
    assert mask_iou(_flat(M), _flat(mask)) >= 0.8
    assert supervised_fit.transform(X).shape == X.shape


def test_cnn_and_global_masks_refuse_another_size(small_fit):
    est, X = small_fit
    X_big = np.zeros((2, 14, 14))
    cnn = ImageMaskTransformer(network="cnn", random_state=0, **SMALL).fit(
        X, mask=(X > 0.5)
    )
    with pytest.raises(ValueError, match="network='fcn'"):
        cnn.transform(X_big)
    with pytest.raises(ValueError, match="fitted on 3-D"):
        est.transform(X_big[..., None])


@pytest.mark.parametrize("network", ["fcn", "cnn"])
def test_layouts_keep_their_shape(network):
    X, y, _ = make_image_mask(n_samples=30, canvas_size=10, random_state=0)
    rgb = np.repeat(X[..., None], 3, axis=3)
    for data in (X, rgb, _flat(X)):
        params = {"image_shape": (10, 10)} if data.ndim == 2 else {}
        est = ImageMaskTransformer(network=network, random_state=0, **SMALL, **params)
        out = est.fit(data, y).transform(data)
        assert out.shape == data.shape
        assert est.image_shape_[:2] == (10, 10)


def test_a_users_fully_convolutional_network_is_accepted(small_fit):
    # Its output shape has open sizes until called on the fitted image size.
    from skmask._keras import import_keras

    keras = import_keras()
    _, X = small_fit

    def fcn(input_shape):
        inputs = keras.Input((None, None, input_shape[-1]))
        return keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))

    est = ImageMaskTransformer(network=fcn, random_state=0, **SMALL)
    est.fit(X, mask=X > 0.5)
    assert est.get_mask(X).shape == X.shape
    # Built on open sizes, it masks another canvas size, as 'fcn' does.
    assert est.transform(np.zeros((2, 14, 10))).shape == (2, 14, 10)

    def wrong(input_shape):
        inputs = keras.Input((None, None, input_shape[-1]))
        return keras.Model(inputs, keras.layers.Conv2D(2, 3, strides=2)(inputs))

    with pytest.raises(ValueError, match=r"shape \(12, 12, 1\).*outputs \(5, 5, 2\)"):
        ImageMaskTransformer(network=wrong, **SMALL).fit(X, mask=X > 0.5)


def test_mask_is_shared_by_channels_unless_asked(small_fit):
    X, y, _ = make_image_mask(n_samples=30, canvas_size=10, random_state=0)
    rgb = np.stack([X, -X, X], axis=3)
    shared = ImageMaskTransformer(random_state=0, **SMALL).fit(rgb, y).get_mask(rgb)
    assert (shared == shared[..., :1]).all()
    per = ImageMaskTransformer(mask_per_channel=True, random_state=0, **SMALL)
    assert per.fit(rgb, y).get_mask(rgb).shape == rgb.shape


def test_digits_data_drop_into_a_pipeline():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        ImageMaskTransformer(image_shape=(8, 8), random_state=0, **SMALL),
        LogisticRegression(max_iter=200),
    )
    pipe.fit(X[:200], y[:200])
    assert pipe.predict(X[:10]).shape == (10,)
    assert pickle.loads(pickle.dumps(pipe)).score(X[:50], y[:50]) == pipe.score(
        X[:50], y[:50]
    )


def test_image_shape_must_fit_the_columns():
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="holds 49 values"):
        ImageMaskTransformer(image_shape=(7, 7), **SMALL).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="positive ints"):
        ImageMaskTransformer(image_shape=(8, 0), **SMALL).fit(X[:20], y[:20])


def test_reconstruction_drops_a_constant_border():
    rng = np.random.RandomState(0)
    X = np.zeros((400, 12, 12))
    X[:, 3:9, 3:9] = rng.normal(size=(400, 6, 6))  # only the centre varies
    est = ImageMaskTransformer(epochs=30, random_state=0).fit(X)
    mask = est.get_mask(X)
    border = np.ones((12, 12), bool)
    border[3:9, 3:9] = False
    assert mask[:, border].mean() <= 0.1
    assert mask[:, ~border].mean() >= 0.8


def test_global_mask_selects_pixel_columns():
    X, _y = load_digits(return_X_y=True)
    est = ImageMaskTransformer(
        image_shape=(8, 8),
        granularity="global",
        output="select",
        epochs=20,
        random_state=0,
    ).fit(X[:400])
    support = est.get_support()
    assert support.shape == (64,)
    assert est.transform(X[:5]).shape == (5, support.sum())
    assert len(est.get_feature_names_out()) == support.sum()


def test_select_needs_flat_input():
    X = np.zeros((10, 6, 6))
    with pytest.raises(ValueError, match="flattened 2-D"):
        ImageMaskTransformer(granularity="global", output="select", **SMALL).fit(X)


def test_wrong_mask_shape_is_refused():
    X = np.random.RandomState(0).normal(size=(10, 6, 6))
    with pytest.raises(ValueError, match="one value per pixel"):
        ImageMaskTransformer(**SMALL).fit(X, mask=np.zeros((10, 5, 6)))


def test_pickle_round_trip(small_fit):
    est, X = small_fit
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), est.transform(X))


def test_grid_search_over_network_and_threshold():
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline(
        [
            ("mask", ImageMaskTransformer(image_shape=(8, 8), random_state=0, **SMALL)),
            ("clf", LogisticRegression(max_iter=200)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"mask__network": ["fcn", "cnn"], "mask__threshold": [0.3, 0.7]},
        cv=2,
    ).fit(X[:120], y[:120])
    assert set(grid.best_params_) == {"mask__network", "mask__threshold"}


def test_make_image_mask():
    X, y, M = make_image_mask(n_samples=20, canvas_size=12, n_classes=3, random_state=0)
    assert X.shape == M.shape == (20, 12, 12)
    assert set(np.unique(y)) <= {0, 1, 2}
    assert (M.sum(axis=(1, 2)) == 64).all()
    # Inside the square: the digit, values in [0, 1]; the noise is outside.
    inside = X[M == 1]
    assert inside.min() >= 0 and inside.max() <= 1
    with pytest.raises(ValueError, match="canvas_size"):
        make_image_mask(canvas_size=7)


def test_task_mask_prefers_the_digit():
    X, y, M = make_image_mask(n_samples=800, canvas_size=16, random_state=0)
    est = ImageMaskTransformer(epochs=40, random_state=0).fit(X[:600], y[:600])
    mask = _flat(est.get_mask(X[600:]))
    truth = _flat(M[600:])
    # The square is a quarter of the canvas: a mask blind to the digit would
    # have an FDR near 0.75. Measured with 40 epochs and the block selector
    # (2026-12-02): TPR 0.63 / FDR 0.07, 0.82 / 0.13, 0.76 / 0.15
    # (random_state 0, 1, 2); half the square is blank. Straight-through,
    # 30 epochs closed every gate on one machine (seeds 0-2), where another
    # had measured 0.79 / 0.16 and 0.76 / 0.16.
    tpr, fdr = mask_tpr(truth, mask), mask_fdr(truth, mask)
    assert tpr >= 0.6, (tpr, fdr)
    assert fdr <= 0.3, (tpr, fdr)


def test_masks_are_writable_arrays(small_fit):
    est, X = small_fit
    for mask in (est.predict_mask(X), est.get_mask(X)):
        mask[0] = 0.0  # a plain NumPy array the caller owns


@pytest.mark.parametrize("kind", ["fcn", "cnn"])
def test_default_networks_average_their_logits_then_bound_them(kind):
    import keras
    from scipy.ndimage import uniform_filter

    from skmask.networks import build_image_mask_network
    from skmask.networks.image import LOGIT_BOUND

    net = build_image_mask_network((8, 8, 1), kind, (4,), smoothing=3)
    net.get_layer("mask_network_logits").set_weights(
        [w * 50 for w in net.get_layer("mask_network_logits").get_weights()]
    )
    last = "mask_network_logits" if kind == "fcn" else "mask_network_map"
    raw = keras.Model(net.input, net.get_layer(last).output)
    x = np.random.RandomState(0).normal(size=(2, 8, 8, 1)).astype("float32")
    z = np.asarray(raw(x))[..., 0]
    # 3x3 means over the in-image neighbours (borders exclude the padding).
    total = uniform_filter(z, size=(1, 3, 3), mode="constant") * 9
    count = uniform_filter(np.ones_like(z), size=(1, 3, 3), mode="constant") * 9
    expected = LOGIT_BOUND * np.tanh(total / count / LOGIT_BOUND)
    out = np.asarray(net(x))[..., 0]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert np.abs(out).max() <= LOGIT_BOUND
    assert np.abs(z).max() > LOGIT_BOUND  # the bound did something


def _smooths(est):
    return any("smooth" in layer.name for layer in est.mask_network_.layers)


def test_smoothing_auto_smooths_unless_ground_truth_shapes_the_mask():
    X, y, M = make_image_mask(n_samples=40, canvas_size=12, n_classes=2, random_state=0)
    assert _smooths(ImageMaskTransformer(random_state=0, **SMALL).fit(X, y))
    assert not _smooths(ImageMaskTransformer(random_state=0, **SMALL).fit(X, mask=M))
    est = ImageMaskTransformer(smoothing=1, random_state=0, **SMALL).fit(X, y)
    assert not _smooths(est)
    est = ImageMaskTransformer(smoothing=3, random_state=0, **SMALL).fit(X, mask=M)
    assert _smooths(est)
    with pytest.raises(ValueError, match="smoothing"):
        ImageMaskTransformer(smoothing=0).fit(X, y)
