"""Learned masks over the features of tabular rows."""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import StrOptions

from skmask._base import BaseMaskTransformer


class LearnedMaskTransformer(BaseMaskTransformer):
    """Learn a mask over the features of each row with a Keras network.

    A mask network (an MLP by default; under the task objective one whose
    output for a feature never reads that feature) outputs one keep
    probability per feature. ``fit`` trains it in one of three ways: to
    match given masks (supervised), to keep what a decoder needs to rebuild
    ``X`` (reconstruction), or to keep what a predictor needs to fit ``y``
    (task).
    ``transform`` runs the mask network and applies the mask to ``X``, so the
    transformer slots into a :class:`~sklearn.pipeline.Pipeline` ahead of any
    downstream estimator.

    Missing values (NaN) are allowed: a missing entry reaches the networks as
    its column's mean, is never kept, and stays NaN in every output (nothing
    is imputed); column statistics and default fill values use the observed
    entries.

    Keras and TensorFlow are imported on the first ``fit``, not on
    ``import skmask``.

    Parameters
    ----------
    network : {'auto', 'mlp', 'leave_one_out'}, keras.Model or callable, \
default='auto'
        The instance-wise mask network. ``'mlp'`` builds a ReLU MLP shaped by
        ``hidden_units``. ``'leave_one_out'`` builds one whose logit for a
        feature (a group) never reads that feature's own value: it decides
        from the rest of the row whether the feature is needed, so a dropped
        entry's absence says nothing about its value that the rest of the
        row does not (:func:`~skmask.networks.build_leave_one_out_mask_network`).
        ``'auto'``: ``'leave_one_out'`` under the task objective, ``'mlp'``
        under the others (a supervised mask may be a function of the entry
        itself, as "keep the positive entries" is; a reconstruction mask
        keeps an entry for its value). A ``keras.Model`` (possibly
        pre-trained; it is copied, never trained in place) or a callable
        ``f(input_shape) -> keras.Model`` must map a batch of rows to one
        mask *logit* per feature (per group with ``feature_groups``); a
        subclassed model, which has no shapes until called, is wrapped in a
        functional one.
        Used when ``granularity='instance'``.
    hidden_units : int or tuple of int, default=(64,)
        Hidden layer widths of the built mask network (``'mlp'`` or
        ``'leave_one_out'``).
    mask_type : {'binary', 'weighted'}, default='binary'
        ``'binary'``: keep/drop, the soft mask thresholded at ``threshold``
        (gates train as hard straight-through concrete samples).
        ``'weighted'``: soft values in [0, 1] that attenuate entries. Under
        the reconstruction and task objectives the weights are the keep
        probabilities of gates trained as binary ones (the soft version of
        the binary mask); under the supervised objective they are fitted to
        the given weights.
    threshold : float in [0, 1], default=0.5
        Keep the entries whose soft mask value is at or above it. Used by
        binary masks, and by ``output='nan'``/``'select'`` and
        :meth:`get_support` for either mask type. Changing it needs no refit.
    max_features : int, float or None, default=None
        Keep at most this many features per row (per group with
        ``feature_groups``), among the ones at or above ``threshold``. From
        the features the mask keeps at 0.5, those the trained predictor (or
        decoder) misses least are dropped one at a time, or the ones it
        gains most from added, until k remain: its output stays closest to
        its output on the whole row (at transform, no labels needed).
        Supervised masks, which train no judge, keep the most probable. An
        int counts features, a float in
        (0, 1] is a fraction of them. With ``granularity='global'``, the same
        features for every row: the k best by ``ranking_``, as
        ``SelectFromModel(max_features=k)`` keeps the k most important. Set
        ``threshold=0`` to keep exactly this many, as L2X does. Weighted
        masks give the others weight 0. Training does not depend on it, so
        changing it needs no refit. ``None``: no limit.
    granularity : {'instance', 'global'}, default='instance'
        ``'instance'``: one mask per row, computed from the row.
        ``'global'``: one learned mask shared by all rows (feature selection).
    feature_groups : array-like of shape (n_features,), callable or None, default=None
        A group label per column (any labels: numbers, strings); the columns
        of a group are kept or dropped together, by one gate. For the
        one-hot columns of a categorical feature, or a sensor's readings. A
        callable ``f(column_name) -> label`` is applied at ``fit`` to each
        column name (``feature_names_in_``, or ``'x0'``, ``'x1'``, ... for
        arrays): in a Pipeline after a ``OneHotEncoder``, whose columns are
        known only once it is fitted (and may differ between CV folds),
        e.g. ``lambda name: name.split("_")[0]`` (a module-level function
        pickles; :func:`skmask.save` refuses callables).
        The sparsity cost counts groups, not columns, and a custom
        ``network`` outputs one logit per group, in order of first
        appearance in ``feature_groups``. Given masks (supervised) must
        agree within each group for ``mask_type='binary'`` and are averaged
        over it for ``'weighted'``. ``None``: one gate per column.
    objective : {'auto', 'supervised', 'reconstruction', 'task'}, default='auto'
        How the mask is trained. ``'auto'``: supervised when ``mask`` is
        passed to ``fit``, task when ``y`` is, reconstruction otherwise.
    sparsity : float >= 0, default=0.15
        Weight of the cost on the mean keep probability (the expected fraction
        of entries kept) for the reconstruction and task objectives. Larger
        values keep fewer entries. Unused by the supervised objective.
        Instance-wise task masks pay each column by the share of rows that
        keep it, on a concave curve that runs from 0 (kept on no row) to 1
        (on every row): a column kept on a few scattered rows pays more per
        row than one kept on most (see
        :func:`skmask.objectives.column_cost`). The share is taken over a
        row's region, the rows that keep the same other columns, so a
        column read in one regime of the data pays by its share of that
        regime. On rows of more than 128 columns (gates), a column must
        first show worth to the task's cross-fitted judges on rows they
        never saw, or its gate is closed on every row, whatever the
        sparsity (:func:`skmask.objectives.screen_gates`).
    output : {'multiply', 'fill', 'nan', 'select', 'concat'}, default='multiply'
        How ``transform`` applies the mask: ``'multiply'`` returns ``X * m``;
        ``'fill'`` replaces dropped entries by ``fill_value`` (weighted masks
        move entries toward it); ``'nan'`` sets dropped entries to NaN, for
        NaN-aware downstream models such as
        :class:`~sklearn.ensemble.RandomForestClassifier` or
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (which, in
        scikit-learn 1.9, raises on a column dropped on every row);
        ``'select'`` keeps only the selected columns (global masks only);
        ``'concat'`` returns ``X * m`` followed by the mask as extra columns.
    fill_value : float, array-like of shape (n_features,) or None, default=None
        Baseline for ``output='fill'``; ``None`` uses each column's training
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
    predictor_units : int or tuple of int, default=(64, 64)
        Hidden layer widths of the network trained beside the mask: the
        predictor of ``y`` (task) or the decoder of ``X`` (reconstruction).
    epochs : int, default=100
        Maximum number of passes over the training data.
    batch_size : int, default=128
        Rows per gradient step.
    learning_rate : float, default=0.003
        Adam's learning rate.
    validation_fraction : float in [0, 1) or None, default=0.1
        Fraction of rows held out for early stopping. ``0`` or ``None``
        trains for ``epochs`` epochs.
    patience : int or None, default=10
        Epochs without improvement of the held-out loss before training stops
        (the best weights are kept); on small data, never fewer epochs than
        make 300 gradient steps. Counted after the warm-up of the sparsity
        cost. ``None`` disables early stopping.
    freeze_network : bool, default=False
        Keep the weights of a user-supplied ``network`` fixed (a pre-trained
        mask); only the decoder/predictor trains.
    scale_input : bool, default=True
        Standardise columns before the mask network, decoder and predictor see
        them (masked entries then stand at the column mean). Turn off for a
        pre-trained ``network`` that expects raw values.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, gate noise, shuffling and the validation
        split. An int gives bit-identical fits across processes on the same
        machine type and TensorFlow thread count. ``None`` gives a different
        fit each time.
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
        The trained mask network: maps standardised rows to mask logits.
    objective_ : str
        The objective used (``'auto'`` resolved).
    decoder_ : keras.Model
        The decoder, for ``objective_ == 'reconstruction'`` only; see
        :meth:`reconstruct`.
    predictor_ : keras.Model
        The predictor of ``y`` (from ``concat([x * m, m])`` of standardised
        rows, read as ``x`` with a learned value per column where ``m = 0``;
        see :class:`skmask.gates.MaskTokens`), for ``objective_ == 'task'``
        only: the mean of the two cross-fitted surrogates.
    classes_ : ndarray of shape (n_classes,)
        Class labels, for a task objective on a classification target only.
        With ``target_type='probabilities'``: ``0, ..., n_classes - 1``, the
        columns of ``y``.
    global_mask_ : ndarray of shape (n_features_in_,) or (n_groups_,)
        Soft mask values, for ``granularity='global'`` only (one per group
        with ``feature_groups``).
    ranking_ : ndarray of int of shape (n_features_in_,) or (n_groups_,)
        For a global mask trained on a task or by reconstruction: the rank of
        each gate, 1 = best, found by backward elimination under the trained
        predictor or decoder (the gate whose loss rises least goes first;
        the last survivor ranks 1), over the gates kept at 0.5; the others
        rank after them by keep probability. ``max_features=k`` keeps the
        gates of rank ``<= k``: a set chosen together, where keep
        probabilities near 1 would not order them. See ``skmask.ranking``.
    group_index_ : ndarray of shape (n_features_in_,) or None
        The group (gate) of each column, numbered by first appearance in
        ``feature_groups``; ``None`` without groups.
    n_groups_ : int
        Number of gates: groups, or columns without ``feature_groups``.
    keep_fraction_ : float
        Fraction of training entries kept at ``threshold``.
    fill_values_ : ndarray of shape (n_features_in_,)
        Baseline per column for ``output='fill'``.
    input_mean_, input_scale_ : ndarray of shape (n_features_in_,)
        Standardisation applied before the networks.
    history_ : dict of str to list of float
        Per epoch: ``loss``, ``keep_fraction`` and ``val_loss`` of the mask's
        training; for the task objective also ``teacher0_*``,
        ``surrogate0_*``, ``teacher1_*`` and ``surrogate1_*`` for the first
        two phases on each fold.
    n_iter_ : int
        Number of epochs the mask network trained.
    n_replicas_ : int
        Number of devices the networks trained on (1 unless ``distribute``
        or a strategy scope spread training over several).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : Global feature selection from
        a fitted model's importances.

    Notes
    -----
    Binary gates are trained as hard samples of a relaxed Bernoulli variable
    with the straight-through estimator (Jang et al. 2017; Maddison et al.
    2017), with a sparsity cost on the keep probability (as in L0
    regularisation, Louizos et al. 2018). For the reconstruction objective
    the decoder is first trained alone on inputs under random masks (the
    first 10 % of the epochs), then gates start mostly open and the sparsity
    cost grows from zero over the next 20 %.

    The task objective trains in three phases, each up to ``epochs`` epochs,
    the first two on each half (fold) of the training rows: a predictor
    learns ``y`` from the full input (teacher); it then learns the teacher's
    outputs from inputs under random masks (a surrogate that judges any
    subset, as in REAL-X, Jethani et al. 2021); finally, with both
    surrogates frozen, the mask network learns to keep what predicts the
    labels, each row judged by the surrogate of the *other* fold
    (cross-fitting: a surrogate judging rows it was fitted on rewards the
    features that let it fit their noise). Freezing stops the selector from
    encoding the prediction in the choice of kept features, and the
    predictors read a dropped feature as a learned value (a mask token)
    rather than as an extra input, so a feature they ignore cannot help
    just by being kept. Binary masks
    over at most 128 features are then trained with the local-expectation
    gradient (Titsias and Lázaro-Gredilla 2015), which measures each
    feature's effect on the loss exactly, with a quarter of the other kept
    features dropped at random.

    Examples
    --------
    >>> import numpy as np
    >>> from skmask import LearnedMaskTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> M = (rng.uniform(size=(200, 4)) < 0.5).astype(float)
    >>> t = LearnedMaskTransformer(epochs=2, random_state=0)  # doctest: +SKIP
    >>> t.fit(X, mask=M).transform(X).shape  # doctest: +SKIP
    (200, 4)
    """

    _allow_missing = True
    _ranks_gates = True
    # Columns mean the same on every row: their cost falls with the share of
    # rows that keep them (docs/design.md, "A column's cost falls with the
    # rows that keep it").
    _column_cost_power = 0.5

    _parameter_constraints: dict = {  # noqa: RUF012 (sklearn idiom)
        **BaseMaskTransformer._parameter_constraints,
        "network": [StrOptions({"auto", "mlp", "leave_one_out"}), callable],
        "feature_groups": ["array-like", callable, None],
    }

    def __init__(
        self,
        *,
        network="auto",
        hidden_units=(64,),
        mask_type="binary",
        threshold=0.5,
        max_features=None,
        granularity="instance",
        feature_groups=None,
        objective="auto",
        sparsity=0.15,
        output="multiply",
        fill_value=None,
        target_type="auto",
        predictor_units=(64, 64),
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
        self.mask_type = mask_type
        self.threshold = threshold
        self.max_features = max_features
        self.granularity = granularity
        self.feature_groups = feature_groups
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

    # ---------------------------------------------------------- groups
    def _validate_X(self, X, reset):
        X = super()._validate_X(X, reset)
        if reset:
            self.group_index_ = None  # a callable is resolved anew on each fit
            self.group_index_ = self._check_feature_groups(X.shape[1])
            self.n_groups_ = self._mask_shape(X.shape[1:])[0]
        return X

    def _check_feature_groups(self, n_features):
        """Return the group index of each column, or None without groups."""
        groups = self.feature_groups
        if groups is None:
            return None
        if callable(groups):
            if getattr(self, "group_index_", None) is not None and (
                len(self.group_index_) == n_features
            ):
                # Resolved on this fit's column names (see _validate_X).
                return self.group_index_
            names = getattr(self, "feature_names_in_", None)
            if names is None or len(names) != n_features:
                names = [f"x{i}" for i in range(n_features)]
            groups = [groups(name) for name in names]
        labels = np.asarray(groups, dtype=object)
        if labels.ndim != 1 or labels.shape[0] != n_features:
            raise ValueError(
                f"feature_groups must hold one group label per column of X: "
                f"X has {n_features} columns, feature_groups has shape "
                f"{labels.shape}."
            )
        try:
            # Numbered by first appearance; labels of any hashable type.
            first = {}
            index = np.array([first.setdefault(g, len(first)) for g in labels])
        except TypeError as error:
            raise TypeError(
                f"feature_groups labels must be hashable (numbers, strings); {error}."
            ) from None
        return index.astype(np.int64)

    def _training_clone(self):
        clone = super()._training_clone()
        if callable(self.feature_groups):
            # The clone has no column names: hand it this fit's groups.
            clone.set_params(feature_groups=self.group_index_.tolist())
        return clone

    def _gate_groups(self, input_shape):
        index = self._check_feature_groups(input_shape[0])
        return None if index is None else index.tolist()

    def _mask_shape(self, input_shape):
        index = self._check_feature_groups(input_shape[0])
        return tuple(input_shape) if index is None else (int(index.max()) + 1,)

    def _groups_fitted(self):
        # Estimators saved before feature_groups existed have no group_index_.
        return getattr(self, "group_index_", None)

    def _mask_for_X(self, mask):
        index = self._groups_fitted()
        if index is None:
            return mask
        # One value per group, spread over the group's columns.
        return mask[..., index]

    def _mask_entries(self, values):
        index = self._groups_fitted()
        if index is None:
            return values
        # A group's entry is the largest value over its columns.
        entries = np.zeros((values.shape[0], int(index.max()) + 1), values.dtype)
        for group in range(entries.shape[1]):
            entries[:, group] = values[:, index == group].max(axis=1)
        return entries

    def _check_mask(self, mask, X):
        mask = super()._check_mask(mask, X)
        if self.group_index_ is None:
            return mask
        # Targets per gate: the mean over the group's observed columns.
        members = np.eye(self.n_groups_, dtype=np.float64)[self.group_index_]
        known = ~np.isnan(mask)
        total = np.where(known, mask, 0.0) @ members
        count = known.astype(np.float64) @ members
        with np.errstate(invalid="ignore", divide="ignore"):
            target = total / count  # NaN where a group is missing on a row
        if self.mask_type == "binary":
            spread = np.where(known, mask, np.nan) - target[:, self.group_index_]
            if np.nanmax(np.abs(spread), initial=0.0) > 0:
                raise ValueError(
                    "mask_type='binary' needs given masks that agree within each "
                    "feature group (a group is kept or dropped as a whole); some "
                    "rows keep part of a group. Use mask_type='weighted' to fit "
                    "each group's mean."
                )
        return target.astype(np.float32)

    def _applies_in_graph(self):
        # The compiled transform applies one logit per column; groups take the
        # path that spreads each group's value over its columns first.
        return self._groups_fitted() is None and super()._applies_in_graph()

    def _support_layout(self, support):
        # A group's gate keeps or drops all its columns, as in its masks.
        return self._mask_for_X(support)

    # ---------------------------------------------------------- networks
    def _build_default_network(
        self, input_shape, hidden_units, initial_logit, objective
    ):
        from skmask.networks import (
            build_leave_one_out_mask_network,
            build_mlp_mask_network,
        )

        # A task mask's gate decides from the rest of the row: see
        # docs/design.md, "Task masks on tables do not read the entry they
        # gate". Supervised masks may be functions of the entry itself, and
        # a reconstruction mask keeps an entry because of its value.
        blind = self.network == "leave_one_out" or (
            self.network == "auto" and objective == "task"
        )
        if blind:
            return build_leave_one_out_mask_network(
                input_shape[0],
                hidden_units,
                initial_logit=initial_logit,
                groups=self._gate_groups(input_shape),
            )
        return build_mlp_mask_network(
            input_shape[0],
            hidden_units,
            initial_logit=initial_logit,
            n_logits=self._mask_shape(input_shape)[0],
        )

    def _wrap_mask_network(self, network, input_shape):
        from skmask.networks import guard_padding

        # Missing (NaN) entries reach the network as the column mean, and
        # their gates are closed whatever the network learns (a group's
        # where all its columns are missing).
        return guard_padding(
            network, input_shape, groups=self._gate_groups(input_shape)
        )

    def _build_companion(
        self, input_shape, n_outputs, hidden_units, name, mask_tokens=False
    ):
        from skmask.networks import build_mlp

        # The companion sees concat([x * m, m]): twice the features.
        return build_mlp(
            2 * input_shape[0],
            hidden_units,
            n_outputs,
            mask_tokens=mask_tokens,
            name=name,
        )

    def reconstruct(self, X):
        """Rebuild ``X`` from its masked version with the fitted decoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input.

        Returns
        -------
        X_rebuilt : ndarray of shape (n_samples, n_features)
            The decoder's reconstruction, in the units of ``X``.
        """
        from skmask._base import check_is_fitted

        check_is_fitted(self)
        if self.objective_ != "reconstruction":
            raise ValueError(
                "reconstruct needs a decoder, which only the reconstruction "
                f"objective trains; this mask was fitted with {self.objective_!r}."
            )
        X = self._validate_X(X, reset=False)
        Z = self._network_input(X)
        # X is validated already: apply the mask without validating again.
        keep = self._applied_mask(self._soft_mask(X), X)[1].astype(np.float32)
        # Missing entries have mask 0: the decoder rebuilds them too.
        view = np.concatenate([np.nan_to_num(Z) * keep, keep], axis=1)
        Z_hat = np.asarray(self.decoder_(view, training=False), dtype=np.float64)
        return Z_hat * self.input_scale_ + self.input_mean_
