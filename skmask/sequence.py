"""Learned masks over the time steps of series."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import FLOAT_DTYPES, check_array, validate_data

from skmask._base import BaseMaskTransformer
from skmask._channels import channel_fill, channel_stats, channel_targets
from skmask.apply import apply_mask

# sparsity='auto': the task objective's weight, chosen with the block
# local-expectation selector on make_sequence_mask (docs/benchmarks.md,
# "Series"), and the other objectives'.
AUTO_TASK_SPARSITY = 0.6
AUTO_SPARSITY = 0.4


def flatten_series(X):
    """Flatten series ``(n, n_timesteps, n_channels)`` into rows for 2-D models.

    Use it after a :class:`SequenceMaskTransformer` on 3-D input, ahead of a
    downstream estimator that takes 2-D input:
    ``make_pipeline(SequenceMaskTransformer(), FunctionTransformer(flatten_series),
    LogisticRegression())``. 2-D input is returned unchanged.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Series.

    Returns
    -------
    ndarray of shape (n_samples, n_timesteps * n_channels)
        Each series as one row (C order: all channels of a step together).

    Examples
    --------
    >>> import numpy as np
    >>> from skmask.sequence import flatten_series
    >>> flatten_series(np.zeros((3, 5, 2))).shape
    (3, 10)
    """
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(f"flatten_series needs at least 2-D input; got {X.ndim}-D.")
    return X.reshape(X.shape[0], -1)


class SequenceMaskTransformer(BaseMaskTransformer):
    """Learn a mask over the time steps of series with a Keras network.

    The series counterpart of :class:`skmask.LearnedMaskTransformer`: the same
    objectives (supervised, reconstruction, task), mask types, thresholds,
    outputs and scikit-learn contract, with a recurrent or convolutional mask
    network that outputs one keep probability per time step (shared by all
    channels) or per time step and channel. A new series is masked in one
    forward pass.

    Input is 3-D ``(n_series, n_timesteps, n_channels)`` (Keras' channels-last
    order; ``data_format='channels_first'`` takes sktime/aeon's ``(n_series,
    n_channels, n_timesteps)``) or 2-D ``(n_series, n_timesteps)`` for
    univariate series. Output has the input's shape and layout, so 2-D in
    gives 2-D out, ready for any scikit-learn estimator; flatten 3-D output
    with :func:`skmask.sequence.flatten_series` for a 2-D downstream model.

    Series of different lengths are padded with NaN at the end (all channels
    of a padded step NaN). Padded steps always get mask 0, are never counted
    as kept, stay NaN in the output, and are left out of every training
    loss. NaN anywhere else is an error.

    An instance mask fitted on 3-D series masks 3-D series of any length:
    the default networks are the same at every step, so a mask trained on
    short windows runs over whole recordings. Train on windows longer than
    the network's view (31 steps for the default ``'conv1d'``), so that it
    sees steps far from either end. Global masks and 2-D input, whose
    columns are the time steps, keep the fitted length.

    Parameters
    ----------
    network : {'conv1d', 'lstm', 'gru'}, keras.Model or callable, default='conv1d'
        The instance-wise mask network. ``'conv1d'``: dilated 1-D
        convolutions (dilation ``2**i`` in layer ``i``, kernel 3), fast on
        CPUs; ``'lstm'``/``'gru'``: stacked recurrent layers. A
        ``keras.Model`` (copied, never trained in place) or a callable
        ``f(input_shape) -> keras.Model`` must map ``(batch, n_timesteps,
        n_channels)`` to logits of shape ``(batch, n_timesteps, k)``, ``k`` 1
        or ``n_channels`` as ``mask_per_channel`` says; built on inputs of
        shape ``(None, n_channels)``, it takes series of any length too.
    hidden_units : int or tuple of int, default=(32, 32, 32, 32)
        Filters (``'conv1d'``) or units (recurrent) of each layer of the mask
        network. Four dilated convolutions see 31 steps around each step.
    bidirectional : bool, default=True
        The mask of a step may depend on the whole series: recurrent layers
        run both ways, convolutions look at both sides. ``False`` makes it
        depend on the past only (forward recurrence, causal convolutions).
    mask_per_channel : bool, default=False
        ``False``: one mask value per time step, shared by all channels;
        ``True``: one per time step and channel.
    data_format : {'channels_last', 'channels_first'}, default='channels_last'
        Axis order of 3-D input: ``(n, n_timesteps, n_channels)`` or
        ``(n, n_channels, n_timesteps)``. Output keeps it.
    mask_type : {'binary', 'weighted'}, default='binary'
        ``'binary'``: keep/drop at ``threshold``; ``'weighted'``: soft values
        in [0, 1] that attenuate steps. Under the reconstruction and task
        objectives the weights are the keep probabilities of gates trained as
        binary ones (the soft version of the binary mask); under the
        supervised objective they are fitted to the given weights.
    threshold : float in [0, 1], default=0.5
        Keep the entries whose soft mask value is at or above it. Changing it
        needs no refit.
    max_features : int, float or None, default=None
        Keep at most this many time steps per series (entries of the mask per
        channel with ``mask_per_channel``): those with the highest keep
        probabilities among the ones at or above ``threshold``. An int counts
        steps, a float in (0, 1] is a fraction of each series' length. Set
        ``threshold=0`` to keep exactly this many. Weighted masks give the
        others weight 0. Changing it needs no refit. ``None``: no limit.
    granularity : {'instance', 'global'}, default='instance'
        ``'instance'``: one mask per series, computed from the series.
        ``'global'``: one learned mask over time steps shared by all series
        (for aligned series).
    objective : {'auto', 'supervised', 'reconstruction', 'task'}, default='auto'
        ``'auto'``: supervised when ``mask`` is passed to ``fit``, task when
        ``y`` is, reconstruction otherwise.
    sparsity : 'auto' or float >= 0, default='auto'
        Weight of the cost on the fraction of entries kept (reconstruction and
        task objectives). Higher than the tabular default: with the selector's
        drop-out (see Notes) it keeps whole patterns and little else.
        ``'auto'``: 0.6 for the task objective, whose mask trains by blocks
        of steps (see Notes), 0.4 for reconstruction.
    output : {'multiply', 'fill', 'nan', 'select', 'concat'}, default='multiply'
        ``'multiply'``: ``X * m``; ``'fill'``: dropped steps take
        ``fill_value``; ``'nan'``: dropped steps become NaN; ``'select'``:
        keep only the selected time steps (global masks shared by channels
        only); ``'concat'``: ``X * m`` followed by the mask, on the channel
        axis (on the time axis for 2-D input, as extra columns).
    fill_value : float, array-like of shape (n_channels,) or None, default=None
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
    predictor_units : int or tuple of int, default=(32, 32)
        Filters of the dilated convolutions of the network trained beside the
        mask: the predictor of ``y`` (task; then global max and mean pooling
        over time) or the decoder of ``X`` (reconstruction).
    epochs : int, default=100
        Maximum number of passes over the training data (per phase).
    batch_size : int, default=128
        Series per gradient step.
    learning_rate : float, default=0.003
        Adam's learning rate.
    validation_fraction : float in [0, 1) or None, default=0.1
        Fraction of series held out for early stopping.
    patience : int or None, default=10
        Epochs without improvement of the held-out loss before training stops
        (never fewer than make 300 gradient steps); ``None`` disables early
        stopping.
    freeze_network : bool, default=False
        Keep the weights of a user-supplied ``network`` fixed.
    scale_input : bool, default=True
        Standardise each channel (over all observed steps) before the networks
        see it.
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
        The trained mask network: maps standardised series (channels last,
        NaN padding) to logits of shape ``(n_timesteps, k)``; the default
        networks take any ``n_timesteps``.
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
    global_mask_ : ndarray of shape (n_timesteps, k)
        Soft mask values, for ``granularity='global'`` only.
    keep_fraction_ : float
        Fraction of observed training entries kept at ``threshold``.
    fill_values_ : ndarray of shape (n_channels,)
        Baseline per channel for ``output='fill'``.
    input_mean_, input_scale_ : ndarray of shape (n_channels,)
        Standardisation per channel.
    series_shape_ : tuple of (n_timesteps, n_channels)
        Shape of one training series, channels last.
    input_ndim_ : int
        2 or 3, the dimensionality of the training input.
    history_ : dict of str to list of float
        Per-epoch training history (see ``LearnedMaskTransformer``).
    n_iter_ : int
        Number of epochs the mask network trained.
    n_replicas_ : int
        Number of devices the networks trained on (1 unless ``distribute``
        or a strategy scope spread training over several).
    n_features_in_ : int
        ``X.shape[1]`` seen during ``fit`` (time steps for 2-D and
        channels-last input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame of univariate series seen during ``fit``.

    See Also
    --------
    skmask.LearnedMaskTransformer : Masks over the features of tabular rows.
    skmask.datasets.make_sequence_mask : Series with ground-truth windows.

    Notes
    -----
    Training follows :class:`skmask.LearnedMaskTransformer`: binary gates are
    straight-through concrete samples; the reconstruction and task objectives
    first train the decoder/predictor on randomly masked series, and the task
    objective trains a teacher, a surrogate on random masks, then the mask
    network against the frozen surrogate. While the mask network trains,
    half of the kept steps are dropped at random before the surrogate sees
    them: a pattern then pays to keep whole (any surviving part of it still
    predicts), where without drop-out the cheapest sufficient mask keeps a
    few of its steps only.

    A task mask of one gate per step (or per step and channel) trains by
    blocks, as :class:`skmask.ImageMaskTransformer`'s do: per series and
    step, 6 blocks of 3 consecutive steps are judged by the frozen
    surrogate with the block dropped and kept, and each step is credited a
    third of its block's gain in loss against its cost. This measures the
    gain without the bias of straight-through gradients.

    Examples
    --------
    >>> from skmask import SequenceMaskTransformer
    >>> from skmask.datasets import make_sequence_mask
    >>> X, y, M = make_sequence_mask(n_samples=64, n_timesteps=16, window=4,
    ...                              random_state=0)
    >>> mask = SequenceMaskTransformer(hidden_units=8, epochs=2, random_state=0)
    >>> mask.fit(X, mask=M).transform(X).shape
    (64, 16)
    """

    # See Notes: the selector keeps whole patterns when parts may be lost.
    _selector_drop_rate = 0.5
    # One surrogate: cross-fitting (tabular) is not yet measured on series.
    _cross_fit = False
    _auto_task_sparsity = AUTO_TASK_SPARSITY
    _auto_sparsity = AUTO_SPARSITY

    # The predictor takes the mask as channels (mask tokens: see docs/design.md).
    _mask_tokens = False
    # Masks broadcast over channels and change layout: applied in NumPy.
    _graph_outputs = frozenset()

    _parameter_constraints: dict = {  # noqa: RUF012 (sklearn idiom)
        **BaseMaskTransformer._parameter_constraints,
        "network": [StrOptions({"conv1d", "lstm", "gru"}), callable],
        "bidirectional": ["boolean"],
        "mask_per_channel": ["boolean"],
        "data_format": [StrOptions({"channels_last", "channels_first"})],
        "sparsity": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        network="conv1d",
        hidden_units=(32, 32, 32, 32),
        *,
        bidirectional=True,
        mask_per_channel=False,
        data_format="channels_last",
        mask_type="binary",
        threshold=0.5,
        max_features=None,
        granularity="instance",
        objective="auto",
        sparsity="auto",
        output="multiply",
        fill_value=None,
        target_type="auto",
        predictor_units=(32, 32),
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
        self.bidirectional = bidirectional
        self.mask_per_channel = mask_per_channel
        self.data_format = data_format
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
    def _series_shape(self, shape):
        """Return ``(n_timesteps, n_channels)`` of input shaped ``shape``."""
        if len(shape) == 2:
            return (int(shape[1]), 1)
        if self.data_format == "channels_first":
            return (int(shape[2]), int(shape[1]))
        return (int(shape[1]), int(shape[2]))

    def _resizable(self):
        """Tell whether the fitted mask takes 3-D series of another length."""
        # Instance masks whose network is open in time: the default networks,
        # or a user's network built on (None, n_channels).
        return (
            self.granularity == "instance"
            and self.input_ndim_ == 3
            and self.mask_network_.inputs[0].shape[1] is None
        )

    def _check_series_shape(self, ndim, series_shape):
        fitted = self.series_shape_
        same = series_shape == fitted or (
            series_shape[1] == fitted[1] and self._resizable()
        )
        if ndim != self.input_ndim_ or not same:
            raise ValueError(
                f"X has {ndim}-D series of shape {series_shape} "
                "(n_timesteps, n_channels), but this transformer was fitted on "
                f"{self.input_ndim_}-D series of shape {fitted}; only 3-D series "
                "and instance masks on networks open in time (the default "
                "networks) take another number of time steps."
            )

    def _to_ntc(self, X):
        """View validated X as (n, n_timesteps, n_channels)."""
        if X.ndim == 2:
            return X[:, :, None]
        if self.data_format == "channels_first":
            return X.transpose(0, 2, 1)
        return X

    def _from_ntc(self, A):
        """Turn an (n, n_timesteps, n_channels) array into X's layout."""
        if self.input_ndim_ == 2:
            return A[:, :, 0]
        if self.data_format == "channels_first":
            return A.transpose(0, 2, 1)
        return A

    def _time_axis(self):
        return (
            2 if self.input_ndim_ == 3 and self.data_format == "channels_first" else 1
        )

    def _channel_axis(self):
        if self.input_ndim_ == 2:
            return 1
        return 1 if self.data_format == "channels_first" else 2

    # ---------------------------------------------------------- validation
    def _check_params(self):
        if self.output == "select" and self.mask_per_channel:
            raise ValueError(
                "output='select' drops whole time steps, which needs one mask "
                "value per step: use mask_per_channel=False."
            )
        return super()._check_params()

    def _validate_X(self, X, reset):
        shape = getattr(X, "shape", None)
        if (
            not reset
            and shape is not None
            and len(shape) in (2, 3)
            and 3 in (len(shape), self.input_ndim_)
        ):
            # Before validate_data, whose message would count the time steps
            # of 3-D series as "features" (2-D rows keep sklearn's message).
            self._check_series_shape(len(shape), self._series_shape(shape))
        checks = {
            "dtype": FLOAT_DTYPES,
            "ensure_all_finite": "allow-nan",
            "allow_nd": True,
            "ensure_min_samples": 1,
        }
        array = None if reset else check_array(X, input_name="X", **checks)
        if array is not None and array.ndim == 3:
            # 3-D series have no column names, and their shape is checked
            # below, where another length is fine for a mask open in time
            # (validate_data would count time steps as "features").
            X = array
        else:
            X = validate_data(self, X, reset=reset, **checks)
        if X.ndim not in (2, 3):
            raise ValueError(
                "X must be 2-D (n_series, n_timesteps) univariate series or 3-D "
                f"series; got a {X.ndim}-D array of shape {X.shape}."
            )
        if np.isinf(X).any():
            raise ValueError("Input X contains infinity; series must be finite.")
        series = self._to_ntc(X)
        if reset:
            self.input_ndim_ = X.ndim
            self.series_shape_ = self._series_shape(X.shape)
        else:
            self._check_series_shape(X.ndim, self._series_shape(X.shape))
        nan = np.isnan(series)
        padded = nan.all(axis=2)
        if nan.any():
            if (nan.any(axis=2) != padded).any():
                raise ValueError(
                    "Input X contains NaN in some but not all channels of a time "
                    "step; only whole padded steps (every channel NaN) are allowed."
                )
            if (np.diff(padded.astype(np.int8), axis=1) < 0).any():
                raise ValueError(
                    "Input X contains NaN inside a series; NaN is only allowed as "
                    "padding at the end of a series."
                )
            if padded[:, 0].any():
                raise ValueError(
                    "Input X contains a series with no observed time step (all NaN)."
                )
        return X

    def _check_mask(self, mask, X):
        mask = check_array(
            mask,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            allow_nd=True,
            input_name="mask",
        )
        series = self._to_ntc(X)
        n, steps, _ = series.shape
        if mask.shape == X.shape:
            per_entry = self._to_ntc(mask)
        elif mask.shape == (n, steps):
            per_entry = mask[:, :, None]
        else:
            raise ValueError(
                f"mask has shape {mask.shape}; expected {(n, steps)} (one value per "
                f"time step) or X's shape {X.shape}."
            )
        if self.mask_per_channel:
            per_entry = np.broadcast_to(per_entry, series.shape)
        return channel_targets(
            per_entry,
            ~np.isnan(series[:, :, 0]),
            per_channel=self.mask_per_channel,
            mask_type=self.mask_type,
            unit="time step",
        )

    def _check_fill_value(self, X):
        return channel_fill(self.fill_value, self._to_ntc(X))

    # ---------------------------------------------------------------- hooks
    def _input_stats(self, X):
        return channel_stats(self._to_ntc(X))

    def _network_layout(self, X):
        return self._to_ntc(X)

    def _mask_shape(self, input_shape):
        steps, channels = input_shape
        return (steps, channels if self.mask_per_channel else 1)

    def _wrap_mask_network(self, network, input_shape):
        from skmask.networks import guard_padding

        # A network open in time stays open behind the guard.
        shape = tuple(network.inputs[0].shape[1:]) if network.inputs else input_shape
        return guard_padding(network, shape)

    def _mask_for_X(self, mask):
        # The mask's own length: series may be longer or shorter than in fit.
        shape = (*mask.shape[:2], self.series_shape_[1])
        # A writable array, like the masks of tables.
        return self._from_ntc(np.broadcast_to(mask, shape)).copy()

    def _build_default_network(
        self, input_shape, hidden_units, initial_logit, objective
    ):
        from skmask.networks import build_sequence_mask_network

        return build_sequence_mask_network(
            input_shape,
            self.network,
            hidden_units,
            mask_channels=self._mask_shape(input_shape)[1],
            bidirectional=self.bidirectional,
            initial_logit=initial_logit,
        )

    def _build_companion(
        self, input_shape, n_outputs, hidden_units, name, mask_tokens=False
    ):
        from skmask.networks import build_sequence_decoder, build_sequence_predictor

        # The companion sees concat([x * m, m]) on the channel axis.
        shape = (input_shape[0], 2 * input_shape[1])
        if name == "decoder":
            return build_sequence_decoder(shape, hidden_units, n_outputs, name=name)
        return build_sequence_predictor(
            shape, hidden_units, n_outputs, mask_tokens=mask_tokens, name=name
        )

    def _apply(self, X, keep, mask):
        fill = self.fill_values_
        if self.input_ndim_ == 3 and self.data_format == "channels_first":
            fill = fill[:, None]
        support = None
        if self.output == "select":
            support = self.get_support()
        axis = self._time_axis() if self.output == "select" else self._channel_axis()
        return apply_mask(
            X,
            mask,
            output=self.output,
            keep=keep,
            fill_values=fill,
            support=support,
            axis=axis,
        )

    def get_support(self, indices=False):
        """Return which time steps a global mask keeps.

        Parameters
        ----------
        indices : bool, default=False
            Return integer indices instead of a boolean mask.

        Returns
        -------
        support : ndarray
            Boolean mask of shape ``(n_timesteps,)`` (or ``(n_timesteps,
            n_channels)`` with ``mask_per_channel=True``), or the indices of
            the kept steps.
        """
        support = super().get_support()
        if support.ndim == 2 and support.shape[1] == 1:
            support = support[:, 0]
        return np.flatnonzero(support) if indices else support
