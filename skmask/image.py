"""Learned masks over the pixels of images."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import FLOAT_DTYPES, check_array, validate_data

from skmask._base import BaseMaskTransformer
from skmask._channels import channel_fill, channel_stats, channel_targets
from skmask.apply import apply_mask

# Logit window of smoothing='auto' when no ground truth shapes the mask.
AUTO_SMOOTHING = 3
# sparsity='auto': the task objective's weight, chosen with the block
# local-expectation selector on make_image_mask (docs/benchmarks.md, "Images"),
# and the reconstruction objective's.
AUTO_TASK_SPARSITY = 3.0
AUTO_RECONSTRUCTION_SPARSITY = 1.0


class ImageMaskTransformer(BaseMaskTransformer):
    """Learn a mask over the pixels of images with a convolutional network.

    The image counterpart of :class:`skmask.LearnedMaskTransformer`: the same
    objectives (supervised, reconstruction, task), mask types, thresholds,
    outputs and scikit-learn contract, with a convolutional mask network that
    outputs one keep probability per pixel (shared by the channels) or per
    pixel and channel.

    Input is 4-D ``(n, height, width, channels)``, 3-D ``(n, height, width)``
    (grey levels), or flattened 2-D ``(n, height * width * channels)`` with
    ``image_shape`` — so ``load_digits().data`` with ``image_shape=(8, 8)``
    goes straight into a Pipeline before any scikit-learn classifier. Output
    keeps the input's shape. With the default ``network='fcn'``, a fitted
    instance mask also transforms 3-D/4-D images of another height and width.

    Parameters
    ----------
    network : {'fcn', 'cnn'}, keras.Model or callable, default='fcn'
        The instance-wise mask network. ``'fcn'``: fully convolutional
        encoder-decoder with skip connections (a U-Net; one pooling per level
        after the first), a mask at full resolution for any image size.
        ``'cnn'``: convolutions and poolings, then a dense head that outputs
        the whole mask (the classic formulation; fixed size). A
        ``keras.Model`` (copied, never trained in place) or a callable
        ``f(input_shape) -> keras.Model`` must map ``(batch, height, width,
        channels)`` to logits ``(batch, height, width, k)``, ``k`` 1 or
        ``channels`` as ``mask_per_channel`` says; one built on open sizes
        (``keras.Input((None, None, channels))``) also masks images of another
        height and width, as ``'fcn'`` does.
    hidden_units : int or tuple of int, default=(16, 32)
        Filters per level of the mask network.
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of flattened 2-D
        input (C order, channels last); ignored for 3-D/4-D input. ``None``
        with 2-D input reads each row as a ``1 x n_features`` image.
    mask_per_channel : bool, default=False
        ``False``: one mask value per pixel, shared by the channels;
        ``True``: one per pixel and channel.
    smoothing : 'auto' or int >= 1, default='auto'
        The default networks average their mask logits over ``smoothing x
        smoothing`` windows before the gate, so that a mask is a region
        rather than scattered pixels: one pixel alone is averaged away, and a
        pixel amid kept ones is kept (the blank strokes of a digit, not only
        its ink). ``1`` turns it off. ``'auto'``: 3 for the task and
        reconstruction objectives, 1 for supervised masks, whose shape the
        ground truth teaches. Ignored for a user's ``network`` and for
        ``granularity='global'``.
    mask_type : {'binary', 'weighted'}, default='binary'
        ``'binary'``: keep/drop at ``threshold``; ``'weighted'``: soft values
        in [0, 1] that attenuate pixels. Under the reconstruction and task
        objectives the weights are the keep probabilities of gates trained as
        binary ones (the soft version of the binary mask); under the
        supervised objective they are fitted to the given weights.
    threshold : float in [0, 1], default=0.5
        Keep the entries whose soft mask value is at or above it. Changing it
        needs no refit.
    max_features : int, float or None, default=None
        Keep at most this many pixels per image (entries of the mask per
        channel with ``mask_per_channel``): those with the highest keep
        probabilities among the ones at or above ``threshold``. An int counts
        pixels, a float in (0, 1] is a fraction of the image's pixels. Set
        ``threshold=0`` to keep exactly this many. Weighted masks give the
        others weight 0. Changing it needs no refit. ``None``: no limit.
    granularity : {'instance', 'global'}, default='instance'
        ``'instance'``: one mask per image, computed from the image.
        ``'global'``: one learned mask shared by all images (pixel selection).
    objective : {'auto', 'supervised', 'reconstruction', 'task'}, default='auto'
        ``'auto'``: supervised when ``mask`` is passed to ``fit``, task when
        ``y`` is, reconstruction otherwise.
    sparsity : 'auto' or float >= 0, default='auto'
        Weight of the cost on the fraction of entries kept (reconstruction and
        task objectives). Higher than for tables and series: the cost of one
        pixel is ``sparsity / n_pixels``, and images have many pixels.
        ``'auto'``: 3.0 for the task objective, 1.0 for reconstruction. A
        task mask trains by blocks of pixels (see Notes), whose gain in loss
        is measured without the bias of straight-through gradients, and
        needs the higher weight to keep the object's region only.
    output : {'multiply', 'fill', 'nan', 'select', 'concat'}, default='multiply'
        ``'multiply'``: ``X * m``; ``'fill'``: dropped pixels take
        ``fill_value``; ``'nan'``: dropped pixels become NaN; ``'select'``:
        keep only the selected pixel columns (global masks on 2-D input
        only); ``'concat'``: ``X * m`` followed by the mask (extra columns for
        2-D input, extra channels otherwise; 3-D input becomes
        ``(n, height, width, 2)``).
    fill_value : float, array-like of shape (channels,) or None, default=None
        Baseline for ``output='fill'``; ``None`` uses each channel's training
        mean.
    target_type : {'auto', 'classification', 'regression', 'probabilities'}, \
default='auto'
        How the task objective reads ``y``. ``'auto'``: strings, booleans and
        integers are class labels; floats are regression targets, unless
        they are whole numbers with at most 20 distinct values (float-coded
        labels such as 0.0/1.0). ``'probabilities'``: ``y`` holds class
        probabilities, e.g. a fitted classifier's ``predict_proba(X)`` (one
        column per class, rows summing to 1; or one column, the positive
        class's): the mask learns what that model's predictions depend on,
        which explains the model rather than the labels.
    predictor_units : int or tuple of int, default=(32, 64)
        Filters per level of the network trained beside the mask: the
        predictor of ``y`` (task; convolutions, then global max and mean
        pooling) or the decoder of ``X`` (reconstruction; a U-Net).
    epochs : int, default=100
        Maximum number of passes over the training data (per phase).
    batch_size : int, default=128
        Images per gradient step.
    learning_rate : float, default=0.003
        Adam's learning rate.
    validation_fraction : float in [0, 1) or None, default=0.1
        Fraction of images held out for early stopping.
    patience : int or None, default=10
        Epochs without improvement of the held-out loss before training stops
        (never fewer than make 300 gradient steps); ``None`` disables early
        stopping.
    freeze_network : bool, default=False
        Keep the weights of a user-supplied ``network`` fixed.
    scale_input : bool, default=True
        Standardise each channel (over all pixels) before the networks see it.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, gate noise, shuffling and the validation
        split; an int gives bit-identical fits on the same machine type and
        thread count.
    memory : str, joblib.Memory or None, default=None
        Cache of trained networks, as in :class:`~sklearn.pipeline.Pipeline`:
        a directory path or a :class:`joblib.Memory`. A fit whose data and
        training parameters match an earlier one loads that network instead
        of training again, so searches over ``threshold``, ``output`` and
        ``fill_value`` (which act after the network) train once per fold,
        also across :class:`~sklearn.model_selection.GridSearchCV`'s clones
        and worker processes. With ``random_state=None`` a cached network is
        reused as well. ``None`` caches nothing.
    distribute : {None, 'mirrored'}, default=None
        Train on several devices. ``'mirrored'`` replicates the networks on
        every GPU (or, with none, every logical CPU) with
        :class:`tf.distribute.MirroredStrategy`; each step splits its batch
        between the replicas and sums their gradients, so it is the same
        step as on one device. The fitted networks are ordinary
        single-device models. With a single device it trains as ``None``.
        A fit called inside ``with strategy.scope():`` uses that strategy
        (leave ``distribute=None`` then).
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch.

    Attributes
    ----------
    mask_network_ : keras.Model
        The trained mask network: maps standardised images (channels last) to
        logits of shape ``(height, width, k)``.
    objective_ : str
        The objective used.
    decoder_ : keras.Model
        The decoder (reconstruction objective only).
    predictor_ : keras.Model
        The predictor of ``y`` (task objective only).
    classes_ : ndarray of shape (n_classes,)
        Class labels (task objective on a classification target).
        With ``target_type='probabilities'``: ``0, ..., n_classes - 1``, the
        columns of ``y``.
    global_mask_ : ndarray of shape (height, width, k)
        Soft mask values, for ``granularity='global'`` only.
    keep_fraction_ : float
        Fraction of training entries kept at ``threshold``.
    fill_values_ : ndarray of shape (channels,)
        Baseline per channel for ``output='fill'``.
    input_mean_, input_scale_ : ndarray of shape (channels,)
        Standardisation per channel.
    image_shape_ : tuple of (height, width, channels)
        Shape of one training image, channels last.
    input_ndim_ : int
        2, 3 or 4: the dimensionality of the training input.
    history_ : dict of str to list of float
        Per-epoch training history (see ``LearnedMaskTransformer``).
    n_iter_ : int
        Number of epochs the mask network trained.
    n_replicas_ : int
        Number of devices the networks trained on (1 unless ``distribute``
        or a strategy scope spread training over several).
    n_features_in_ : int
        ``X.shape[1]`` seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame of flattened images seen during ``fit``.

    See Also
    --------
    skmask.LearnedMaskTransformer : Masks over the features of tabular rows.
    skmask.SequenceMaskTransformer : Masks over the time steps of series.
    skmask.datasets.make_image_mask : Digits in noisy canvases, with masks.

    Notes
    -----
    Training follows :class:`skmask.SequenceMaskTransformer`, including the
    selector's drop-out: while the mask network trains against the frozen
    surrogate, half of the kept pixels are dropped at random, so that an
    object pays to keep whole rather than by its few most telling pixels.
    A task mask's network learns against the surrogate by blocks of 3 x 3
    pixels: for 6 blocks drawn per image and step, the surrogate's loss with
    the block dropped and kept (the other pixels sampled from the mask)
    tells what the block is worth, without the bias of a straight-through
    gradient (a local-expectation gradient, as the tabular selector's, over
    blocks rather than single pixels). The default networks end by averaging
    their logits over ``smoothing`` windows and bounding them to +/-6
    (``6 * tanh(z / 6)``), so that straight-through gates (reconstruction
    masks) never saturate past recovery; the block step moves the logits
    before the bound.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmask import ImageMaskTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> mask = ImageMaskTransformer(image_shape=(8, 8), hidden_units=(4,),
    ...                             predictor_units=(4,), epochs=1, random_state=0)
    >>> mask.fit(X[:100], y[:100]).transform(X[:5]).shape
    (5, 64)
    """

    # Half: the selector keeps whole regions when parts may be lost.
    _selector_drop_rate = 0.5
    # One surrogate: cross-fitting (tabular) collapsed the image test's masks.
    _cross_fit = False
    _auto_task_sparsity = AUTO_TASK_SPARSITY
    _auto_sparsity = AUTO_RECONSTRUCTION_SPARSITY
    # The predictor takes the mask as channels (mask tokens: see docs/design.md).
    _mask_tokens = False
    # Masks broadcast over channels and change layout: applied in NumPy.
    _graph_outputs = frozenset()

    _parameter_constraints: dict = {  # noqa: RUF012 (sklearn idiom)
        **BaseMaskTransformer._parameter_constraints,
        "network": [StrOptions({"fcn", "cnn"}), callable],
        "image_shape": [None, "array-like"],
        "mask_per_channel": ["boolean"],
        "smoothing": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "sparsity": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        network="fcn",
        hidden_units=(16, 32),
        *,
        image_shape=None,
        mask_per_channel=False,
        smoothing="auto",
        mask_type="binary",
        threshold=0.5,
        max_features=None,
        granularity="instance",
        objective="auto",
        sparsity="auto",
        output="multiply",
        fill_value=None,
        target_type="auto",
        predictor_units=(32, 64),
        epochs=100,
        batch_size=128,
        learning_rate=3e-3,
        validation_fraction=0.1,
        patience=10,
        freeze_network=False,
        scale_input=True,
        random_state=None,
        memory=None,
        distribute=None,
        verbose=0,
    ):
        self.network = network
        self.hidden_units = hidden_units
        self.image_shape = image_shape
        self.mask_per_channel = mask_per_channel
        self.smoothing = smoothing
        self.mask_type = mask_type
        self.threshold = threshold
        self.max_features = max_features
        self.granularity = granularity
        self.objective = objective
        self.sparsity = sparsity
        self.output = output
        self.fill_value = fill_value
        self.target_type = target_type
        self.predictor_units = predictor_units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.freeze_network = freeze_network
        self.scale_input = scale_input
        self.random_state = random_state
        self.memory = memory
        self.distribute = distribute
        self.verbose = verbose

    # ------------------------------------------------------------ layouts
    def _flat_shape(self, n_features):
        """(height, width, channels) of a flattened row of n_features."""
        if self.image_shape is None:
            return (1, n_features, 1)
        shape = tuple(self.image_shape)
        if len(shape) not in (2, 3) or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
            for s in shape
        ):
            raise ValueError(
                "image_shape must be (height, width) or (height, width, channels) "
                f"of positive ints; got {self.image_shape!r}."
            )
        shape = tuple(int(s) for s in shape) + ((1,) if len(shape) == 2 else ())
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"image_shape {tuple(self.image_shape)} holds {int(np.prod(shape))} "
                f"values per image, but X has {n_features} columns."
            )
        return shape

    def _to_nhwc(self, X):
        """View validated X as (n, height, width, channels)."""
        if X.ndim == 2:
            return X.reshape(X.shape[0], *self._flat_shape(X.shape[1]))
        if X.ndim == 3:
            return X[..., None]
        return X

    def _from_nhwc(self, A):
        """Turn an (n, height, width, channels) array into X's layout."""
        if self.input_ndim_ == 2:
            return A.reshape(A.shape[0], -1)
        if self.input_ndim_ == 3:
            return A[..., 0]
        return A

    def _resizable(self):
        """Tell whether the fitted mask takes images of another height and width."""
        # The fitted network says: 'fcn', or a user's network, on open sizes.
        return self.granularity == "instance" and tuple(
            self.mask_network_.inputs[0].shape[1:3]
        ) == (None, None)

    # ---------------------------------------------------------- validation
    def _validate_X(self, X, reset):
        checks = {
            "dtype": FLOAT_DTYPES,
            "ensure_all_finite": True,
            "allow_nd": True,
            "ensure_min_samples": 1,
        }
        flat = True
        if not reset:
            # Images of another size are fine for a fully convolutional mask:
            # for them, the shape checks below replace validate_data's
            # n_features check; 2-D input goes through validate_data (names).
            array = check_array(X, input_name="X", **checks)
            flat = array.ndim == 2
            if not flat:
                X = array
        if reset or flat:
            X = validate_data(self, X, reset=reset, **checks)
        if X.ndim not in (2, 3, 4):
            raise ValueError(
                "X must be 2-D (flattened images, with image_shape), 3-D (n, height, "
                f"width) or 4-D (n, height, width, channels); got {X.ndim}-D."
            )
        images = self._to_nhwc(X)
        if reset:
            if self.output == "select" and X.ndim != 2:
                raise ValueError(
                    "output='select' keeps pixel columns, so it needs flattened 2-D "
                    "input (with image_shape); use another output for 3-D/4-D images."
                )
            self.input_ndim_ = X.ndim
            self.image_shape_ = tuple(int(s) for s in images.shape[1:])
            return X
        if X.ndim != self.input_ndim_:
            raise ValueError(
                f"X is {X.ndim}-D, but this transformer was fitted on "
                f"{self.input_ndim_}-D images."
            )
        fitted = self.image_shape_
        if images.shape[3] != fitted[2] or (
            images.shape[1:3] != fitted[:2] and not self._resizable()
        ):
            raise ValueError(
                f"X has images of shape {tuple(images.shape[1:])} (height, width, "
                f"channels), but this transformer was fitted on {fitted}; only "
                "instance masks with network='fcn' (or a user's network built on "
                "open sizes) take another height and width."
            )
        return X

    def _check_mask(self, mask, X):
        mask = check_array(mask, dtype=FLOAT_DTYPES, allow_nd=True, input_name="mask")
        images = self._to_nhwc(X)
        n, height, width, _channels = images.shape
        if mask.shape == X.shape:
            per_entry = self._to_nhwc(mask)
        elif mask.shape in ((n, height, width), (n, height * width)):
            per_entry = mask.reshape(n, height, width, 1)
        else:
            raise ValueError(
                f"mask has shape {mask.shape}; expected X's shape {X.shape} or "
                f"one value per pixel {(n, height, width)}."
            )
        if self.mask_per_channel:
            per_entry = np.broadcast_to(per_entry, images.shape)
        return channel_targets(
            per_entry,
            np.ones(images.shape[:3], dtype=bool),
            per_channel=self.mask_per_channel,
            mask_type=self.mask_type,
            unit="pixel",
        )

    def _check_fill_value(self, X):
        return channel_fill(self.fill_value, self._to_nhwc(X))

    # ---------------------------------------------------------------- hooks
    def _input_stats(self, X):
        return channel_stats(self._to_nhwc(X))

    def _network_layout(self, X):
        return self._to_nhwc(X)

    def _mask_shape(self, input_shape):
        height, width, channels = input_shape
        return (height, width, channels if self.mask_per_channel else 1)

    def _mask_for_X(self, mask):
        shape = (*mask.shape[:3], self.image_shape_[2])
        # A writable array, like the masks of tables.
        return self._from_nhwc(np.broadcast_to(mask, shape)).copy()

    def _build_default_network(
        self, input_shape, hidden_units, initial_logit, objective
    ):
        from skmask.networks import build_image_mask_network

        return build_image_mask_network(
            input_shape,
            self.network,
            hidden_units,
            mask_channels=self._mask_shape(input_shape)[2],
            initial_logit=initial_logit,
            smoothing=self._smoothing(objective),
        )

    def _smoothing(self, objective):
        """Window of the logits' average: ``smoothing``, resolved for ``objective``."""
        if self.smoothing != "auto":
            return self.smoothing
        return 1 if objective == "supervised" else AUTO_SMOOTHING

    def _build_companion(
        self, input_shape, n_outputs, hidden_units, name, mask_tokens=False
    ):
        from skmask.networks import build_image_decoder, build_image_predictor

        # The companion sees concat([x * m, m]) on the channel axis.
        shape = (*input_shape[:2], 2 * input_shape[2])
        if name == "decoder":
            return build_image_decoder(shape, hidden_units, n_outputs, name=name)
        return build_image_predictor(
            shape, hidden_units, n_outputs, mask_tokens=mask_tokens, name=name
        )

    def _apply(self, X, keep, mask):
        fill = self.fill_values_
        if self.input_ndim_ == 2:
            fill = np.tile(fill, X.shape[1] // fill.shape[0])
        elif self.input_ndim_ == 3:
            fill = fill[0]
        if self.output == "concat" and self.input_ndim_ == 3:
            return np.stack([X * mask.astype(X.dtype), mask.astype(X.dtype)], axis=-1)
        return apply_mask(
            X,
            mask,
            output=self.output,
            keep=keep,
            fill_values=fill,
            support=self.get_support() if self.output == "select" else None,
            axis=1 if self.input_ndim_ == 2 else -1,
        )

    def get_support(self, indices=False):
        """Return which pixels (entries of X) a global mask keeps.

        Parameters
        ----------
        indices : bool, default=False
            Return integer indices instead of a boolean mask.

        Returns
        -------
        support : ndarray
            Boolean mask in the layout of one input image (``(n_features,)``
            for flattened input), or the indices of the kept entries.
        """
        super().get_support()  # checks fitted and global
        support = self._mask_for_X(self._global_keep()[None])[0]
        return np.flatnonzero(support) if indices else support
