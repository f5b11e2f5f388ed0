"""Image benchmark: supervised and task-driven masks on make_image_mask.

For each seed: fit ``ImageMaskTransformer`` with its defaults on n_train
24x24 canvases (an 8x8 digit pasted at a random position into noise), then
on n_test fresh canvases report the IoU of the supervised mask with the
digit's square, the TPR/FDR of the task-driven mask (per-image means, %),
fit seconds, the IoU of the supervised mask on 32x32 canvases (a size it was
not trained on), and the held-out accuracy of the same downstream model
on unmasked vs task-masked canvases: LogisticRegression on flattened pixels,
and a small CNN (two convolutions, global max pooling; translation-invariant)
through ``skmask.compat.KerasClassifier``.

    python benchmarks/image.py            # n_train = n_test = 1000, 3 seeds
    python benchmarks/image.py --quick    # CI smoke run
"""

import argparse
import time

from sklearn.linear_model import LogisticRegression

from skmask import ImageMaskTransformer
from skmask._keras import import_keras
from skmask.compat import KerasClassifier
from skmask.datasets import make_image_mask
from skmask.metrics import mask_fdr, mask_iou, mask_tpr

keras = import_keras()  # TensorFlow starts quietly (skmask._keras)


def _flat(a):
    return a.reshape(len(a), -1)


def _accuracy(X_train, y_train, X_test, y_test):
    model = LogisticRegression(max_iter=3000).fit(_flat(X_train), y_train)
    return model.score(_flat(X_test), y_test)


def _build_cnn(meta):
    """A small translation-invariant CNN over flattened square canvases."""
    side = round(meta["n_features_in_"] ** 0.5)
    inputs = keras.Input((meta["n_features_in_"],))
    x = keras.layers.Reshape((side, side, 1))(inputs)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _cnn_accuracy(X_train, y_train, X_test, y_test, seed, epochs):
    keras.utils.set_random_seed(seed)
    model = KerasClassifier(model=_build_cnn, epochs=epochs, batch_size=64, verbose=0)
    model.fit(_flat(X_train), y_train)
    return model.score(_flat(X_test), y_test)


def run(seed, n, quick):
    X, y, M = make_image_mask(n_samples=2 * n, random_state=seed)
    X_tr, y_tr, M_tr, X_te, y_te, M_te = X[:n], y[:n], M[:n], X[n:], y[n:], M[n:]
    params = {"epochs": 2} if quick else {}
    row = {"seed": seed}
    started = time.perf_counter()
    sup = ImageMaskTransformer(random_state=seed, **params).fit(X_tr, mask=M_tr)
    row["sup_seconds"] = time.perf_counter() - started
    row["iou"] = mask_iou(_flat(M_te), _flat(sup.get_mask(X_te)))
    X_big, _, M_big = make_image_mask(n_samples=n, canvas_size=32, random_state=seed)
    row["iou_32"] = mask_iou(_flat(M_big), _flat(sup.get_mask(X_big)))
    started = time.perf_counter()
    task = ImageMaskTransformer(random_state=seed, **params).fit(X_tr, y_tr)
    row["task_seconds"] = time.perf_counter() - started
    pred = task.get_mask(X_te)
    row["tpr"] = 100 * mask_tpr(_flat(M_te), _flat(pred))
    row["fdr"] = 100 * mask_fdr(_flat(M_te), _flat(pred))
    row["acc_plain"] = _accuracy(X_tr, y_tr, X_te, y_te)
    row["acc_masked"] = _accuracy(
        task.transform(X_tr), y_tr, task.transform(X_te), y_te
    )
    epochs = 2 if quick else 30
    row["cnn_plain"] = _cnn_accuracy(X_tr, y_tr, X_te, y_te, seed, epochs)
    row["cnn_masked"] = _cnn_accuracy(
        task.transform(X_tr), y_tr, task.transform(X_te), y_te, seed, epochs
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    parser.add_argument("--n", type=int, default=1000, help="train (and test) images")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    n = 60 if args.quick else args.n
    seeds = 1 if args.quick else args.seeds
    print(
        "| seed | sup IoU | sup IoU 32x32 | sup fit s | task TPR % | task FDR % "
        "| task fit s | LR acc plain | LR acc masked | CNN acc plain "
        "| CNN acc masked |"
    )
    print("| ---: " * 11 + "|")
    for seed in range(seeds):
        r = run(seed, n, args.quick)
        print(
            f"| {r['seed']} | {r['iou']:.3f} | {r['iou_32']:.3f} "
            f"| {r['sup_seconds']:.1f} | {r['tpr']:.1f} | {r['fdr']:.1f} "
            f"| {r['task_seconds']:.1f} | {r['acc_plain']:.3f} "
            f"| {r['acc_masked']:.3f} | {r['cnn_plain']:.3f} "
            f"| {r['cnn_masked']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
