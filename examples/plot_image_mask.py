"""
==========================================
Masking pixels of images
==========================================

:class:`~skmask.ImageMaskTransformer` learns which pixels of an image to
keep. Here scikit-learn's own 8x8 digits are pasted at random positions into
noisy 24x24 canvases (:func:`skmask.datasets.make_image_mask`, nothing is
downloaded), and a fully convolutional mask is trained from the digits'
squares. Because it is fully convolutional, the same fitted mask also works
on larger canvases. The figure shows canvases, their masks and the masked
canvases side by side.
"""

# %%
import os

from skmask import ImageMaskTransformer
from skmask.datasets import make_image_mask
from skmask.metrics import mask_iou

QUICK = bool(os.environ.get("SKMASK_QUICK"))
n = 200 if QUICK else 1000
X, y, truth = make_image_mask(n_samples=2 * n, random_state=0)

mask = ImageMaskTransformer(epochs=20 if QUICK else 100, random_state=0)
mask.fit(X[:n], mask=truth[:n])
predicted = mask.get_mask(X[n:])
iou = mask_iou(truth[n:].reshape(n, -1), predicted.reshape(n, -1))
print(f"held-out IoU with the digit's square: {iou:.3f}")

# %%
# A canvas size the mask never saw.
X_big, _, truth_big = make_image_mask(n_samples=100, canvas_size=32, random_state=1)
big = mask.get_mask(X_big)
iou_big = mask_iou(truth_big.reshape(100, -1), big.reshape(100, -1))
print(f"IoU on 32x32 canvases: {iou_big:.3f}")

# %%
# Canvases, masks and masked canvases.
import matplotlib.pyplot as plt

masked = mask.transform(X[n:])
fig, axes = plt.subplots(3, 4, figsize=(8, 6))
for j in range(4):
    for ax, image, title in zip(
        axes[:, j],
        (X[n + j], predicted[j], masked[j]),
        (f"digit {y[n + j]}", "mask", "masked"),
        strict=True,
    ):
        ax.imshow(image, cmap="gray")
        ax.set_title(title)
        ax.axis("off")
fig.tight_layout()
if not QUICK:
    plt.show()
