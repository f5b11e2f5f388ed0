"""The scikit-learn contract shared by every skmask estimator.

:class:`BaseMaskTransformer` owns the public flow (template method):

``fit``
    validate parameters and data, resolve the objective, standardise, build the
    mask network (hook), wrap it in a training graph (:mod:`skmask.objectives`),
    train under a seed, keep the mask network and what ``transform`` needs.
``transform``
    validate, run the mask network, turn its output into a mask (soft, or
    thresholded by :func:`skmask.apply.binarize`), and apply it
    (:func:`skmask.apply.apply_mask`).

Subclasses per kind of data fill narrow hooks: the default mask network and
the decoder/predictor builders. This module never builds a Keras layer itself.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    check_memory,
    validate_data,
)

from skmask._channels import channel_stats
from skmask._inference import map_chunks, rows_per_chunk, standardise
from skmask._keras import (
    PicklableModel,
    copy_model,
    draw_seed,
    import_keras,
    is_keras_model,
    seeded,
)
from skmask.apply import (
    SHAPE_KEEPING_OUTPUTS,
    apply_mask,
    binarize,
    largest_entries,
    n_kept_at_most,
)
from skmask.exceptions import EmptyMaskWarning

# Starting keep probability sigmoid(2) ~ 0.88 for gates trained with a
# sparsity cost: the decoder/predictor first sees nearly every entry.
INITIAL_KEEP_LOGIT = 2.0


def _hidden_units_tuple(value, name):
    """Return ``value`` as a tuple of positive ints, or raise a clear error."""
    units = (value,) if isinstance(value, Integral) else tuple(value)
    for u in units:
        if not isinstance(u, Integral) or isinstance(u, bool) or u < 1:
            raise ValueError(
                f"{name} must be a positive int or a sequence of positive ints; "
                f"got {value!r}."
            )
    return tuple(int(u) for u in units)


# How many distinct values class labels plausibly take when target_type is
# guessed: float targets of whole values with at most this many are read as
# float-coded labels (0.0/1.0, 1.0/2.0/3.0), with more (e.g. load_diabetes)
# as regression targets; integer targets with more, and fewer than two rows
# per value, are read as labels with a warning.
MAX_GUESSED_LABELS = 20

# How far probabilities (``target_type='probabilities'``) may stray from
# [0, 1] and their rows' sums from 1: float32 outputs of a model's softmax.
PROBABILITY_TOLERANCE = 1e-3


def _target_kind(y):
    """Return :func:`type_of_target` of ``y``, with floats read as numbers.

    ``type_of_target`` calls floats that are whole numbers class labels,
    however many distinct values they take: ``load_diabetes``'s target would
    be 214 classes. A float target, of one column or several, is continuous
    here unless it has at most ``MAX_GUESSED_LABELS`` distinct values.
    """
    target = type_of_target(y, input_name="y", raise_unknown=True)
    if (
        target in ("multiclass", "multiclass-multioutput")
        and y.dtype.kind == "f"
        and len(np.unique(y)) > MAX_GUESSED_LABELS
    ):
        return target.replace("multiclass", "continuous")
    return target


def _check_numeric_columns(X):
    """Refuse a DataFrame with non-numeric columns, naming them.

    ``check_array`` would fail on the first string it cannot convert
    ("could not convert string to float: 'v'"), without saying where.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    bad = [
        str(col) for col, dt in dtypes.items() if getattr(dt, "kind", "O") not in "biuf"
    ]
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise ValueError(
            f"X has {len(bad)} non-numeric column(s) ({shown}); masks are learned "
            "over numbers. Encode them first, e.g. with OneHotEncoder or "
            "OrdinalEncoder in a ColumnTransformer ahead of the mask."
        )


class BaseMaskTransformer(TransformerMixin, BaseEstimator):
    """Base class of the learned-mask transformers; not for direct use.

    Subclasses implement :meth:`_build_default_network` and
    :meth:`_build_companion`; see :class:`skmask.LearnedMaskTransformer` for
    the parameters.
    """

    _parameter_constraints: dict = {  # noqa: RUF012 (sklearn idiom)
        "network": [StrOptions({"mlp"}), callable],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "mask_type": [StrOptions({"binary", "weighted"})],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "max_features": [
            None,
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
        ],
        "granularity": [StrOptions({"instance", "global"})],
        "objective": [StrOptions({"auto", "supervised", "reconstruction", "task"})],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "output": [StrOptions({"multiply", "fill", "nan", "select", "concat"})],
        "fill_value": [None, Real, "array-like"],
        "target_type": [
            StrOptions({"auto", "classification", "regression", "probabilities"})
        ],
        "predictor_units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [None, Interval(Real, 0, 1, closed="left")],
        "patience": [None, Interval(Integral, 1, None, closed="left")],
        "freeze_network": ["boolean"],
        "scale_input": ["boolean"],
        "random_state": ["random_state"],
        "memory": [None, str, HasMethods(["cache"])],
        "distribute": [None, StrOptions({"mirrored"})],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ hooks
    def _build_default_network(
        self, input_shape, hidden_units, initial_logit, objective
    ):
        """Return the default instance-wise mask network (a Keras model)."""
        raise NotImplementedError

    def _build_companion(
        self, input_shape, n_outputs, hidden_units, name, mask_tokens=False
    ):
        """Return the decoder/predictor taking ``concat([x * m, m])``.

        ``mask_tokens``: read dropped entries as learned values
        (:class:`skmask.gates.MaskTokens`) rather than the mask as inputs.
        """
        raise NotImplementedError

    # While the selector trains, this share of the kept entries of the mask
    # the predictor judges is dropped at random: each entry must earn its
    # place with fewer beside it, which breaks the "keep both branches"
    # optimum of the INVASE switch tasks. A quarter, not a half, for rows:
    # an interaction's partner (x1*x2) must stay present often enough.
    _selector_drop_rate = 0.25
    # Task masks: `_n_folds` folds, each row's selector loss judged against
    # its labels by the one surrogate that never saw it (see _fit_task). Two:
    # more folds give each judge more rows, which met more INVASE targets
    # but kept more noise columns on the synthetic wider tables (FDR rising
    # with the fold count; docs/design.md, "More folds"). Series and images keep
    # one surrogate and its teacher's targets (images closed every gate with
    # cross-fitting; series not tried).
    _cross_fit = True
    _n_folds = 2
    # Instance-wise task masks: None charges the sparsity cost on the mean keep
    # probability; a power p < 1 charges each gate on the share of rows that
    # keep it, through a concave curve (`objectives.column_cost`), so a gate
    # kept on a few scattered rows pays more per row than one kept across a
    # region. The share is taken over the rows whose masks agree on the
    # other gates (`objectives._regional_shares`). Tables only: a pixel or a
    # time step means something else on every row, so its share of rows says
    # nothing.
    _column_cost_power = None
    # Task predictors read dropped entries as learned per-feature values
    # (`skmask.gates.MaskTokens`) rather than taking the mask bits as extra
    # inputs, which a selector exploited on wide tables (decoders always
    # take the bits). A class switch so that `benchmarks/wide_tables.py`
    # measures both in one run.
    _mask_tokens = True
    # Task masks over rows wider than the local-expectation gradient takes:
    # close the gates that show no worth to the cross-fitted judges before
    # the selector trains (see `_screen_gates`). A class switch so that
    # `benchmarks/wide_tables.py` measures both in one run.
    _screens_wide_rows = True
    # Tables take NaN as missing values (never kept, NaN in the output);
    # series use NaN for end padding only, images not at all.
    _allow_missing = False
    # Estimators pickled before max_features existed lack the attribute:
    # this default lets them load, and act, as they did.
    max_features = None

    # Hooks with tabular defaults: one mask entry per column of a 2-D X.
    def _mask_shape(self, input_shape):
        """Shape of one mask (network layout) for network input shape."""
        return tuple(input_shape)

    # sparsity='auto', where the constraints allow it: the task objective's
    # weight, and the other objectives'.
    _auto_task_sparsity = None
    _auto_sparsity = None

    def _sparsity(self, objective):
        """Weight of the sparsity cost for ``objective``, ``'auto'`` resolved."""
        if self.sparsity != "auto":
            return self.sparsity
        return self._auto_task_sparsity if objective == "task" else self._auto_sparsity

    def _wrap_mask_network(self, network, input_shape):
        """Adapt a built mask network to the input (e.g. padding)."""
        return network

    def _gate_groups(self, input_shape):
        """Return the gate of each entry of the mask's last axis, or None.

        Training runs on a clone under ``memory``: this, like ``_mask_shape``,
        reads parameters and the input shape only, never fitted attributes.
        """
        return None

    def _input_stats(self, X):
        """Return ``(mean, scale)`` used to standardise validated X."""
        return channel_stats(X)

    def _mask_for_X(self, mask):
        """Turn masks in network layout into X's layout and shape."""
        return mask

    def _mask_entries(self, values):
        """Turn an array in X's layout into the mask's own entries.

        Each mask entry (a feature, a group, a time step, a pixel) takes the
        largest value over the entries of X it covers; the inverse of
        :meth:`_mask_for_X` for masks that were spread out by it.
        """
        layout = self._network_layout(values)
        mask_channels = self._mask_shape(layout.shape[1:])[-1]
        if mask_channels == 1 and layout.shape[-1] > 1:
            # One mask entry shared by the channels of a step or pixel.
            return layout.max(axis=-1, keepdims=True)
        return layout

    def _valid_entries(self, X):
        """Boolean array of X's shape: False on missing or padded entries.

        None when every entry is observed.
        """
        valid = ~np.isnan(X)
        return None if valid.all() else valid

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, mask=None, sample_weight=None):
        """Train the mask network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training input; a DataFrame's column names are remembered.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Target for ``objective='task'`` (class labels of any type, or
            numbers for regression).
        mask : array-like of shape (n_samples, n_features), default=None
            Ground-truth masks for ``objective='supervised'``: 0/1 values for
            ``mask_type='binary'``, values in [0, 1] for ``'weighted'``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the training loss: non-negative, not all
            zero.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        # A failed fit leaves the estimator exactly as it was.
        saved_state = self.__dict__.copy()
        try:
            return self._fit(X, y, mask=mask, sample_weight=sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved_state)
            raise

    def _resolve_objective(self, y, mask):
        objective = self.objective
        if objective == "auto":
            if mask is not None:
                return "supervised"
            return "task" if y is not None else "reconstruction"
        if objective == "supervised" and mask is None:
            raise ValueError(
                "objective='supervised' needs ground-truth masks: call "
                "fit(X, mask=M) (in a Pipeline: fit(X, y, <step>__mask=M))."
            )
        if objective == "task" and y is None:
            raise ValueError("objective='task' needs a target: call fit(X, y).")
        if mask is not None and objective != "supervised":
            raise ValueError(
                f"mask is only used by objective='supervised' (or 'auto'); "
                f"got objective={objective!r}."
            )
        return objective

    def _check_params(self):
        if isinstance(self.max_features, (bool, np.bool_)):
            # bool is an int to Python and to the parameter constraints.
            raise TypeError(
                "max_features must be None, an int >= 1 or a float in (0, 1]; "
                f"got the bool {self.max_features!r}."
            )
        if self.output == "select" and self.granularity != "global":
            raise ValueError(
                "output='select' drops columns, which needs one mask shared by all "
                "rows: use granularity='global', or another output for "
                "instance-wise masks."
            )
        if self.granularity == "global" and not isinstance(self.network, str):
            raise ValueError(
                "granularity='global' learns one mask vector, not a network; "
                "network applies to granularity='instance' only."
            )
        return (
            _hidden_units_tuple(self.hidden_units, "hidden_units"),
            _hidden_units_tuple(self.predictor_units, "predictor_units"),
        )

    def _check_mask(self, mask, X):
        mask = check_array(
            mask, dtype=FLOAT_DTYPES, ensure_all_finite=True, input_name="mask"
        )
        if mask.shape != X.shape:
            raise ValueError(
                f"mask has shape {mask.shape} but X has shape {X.shape}; "
                "they must match."
            )
        if mask.min() < 0 or mask.max() > 1:
            raise ValueError("mask values must lie in [0, 1].")
        if self.mask_type == "binary" and not np.isin(mask, (0.0, 1.0)).all():
            raise ValueError(
                "mask_type='binary' needs 0/1 ground-truth masks; got other values. "
                "Use mask_type='weighted' for masks with values in [0, 1]."
            )
        valid = self._valid_entries(X)
        if valid is not None:
            # No target where X is missing: those gates are closed anyway.
            mask = np.where(valid, mask, np.nan)
        return mask.astype(np.float32)

    def _encode_target(self, y, n_samples):
        """Validate ``y`` and return ``(y_encoded, TargetSpec)``."""
        from skmask.objectives import TargetSpec

        y = np.asarray(y)
        if y.ndim == 0 or y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
        check_consistent_length(np.empty(n_samples), y)
        if y.dtype.kind in "fc":
            # NaN/inf: the clear error first (type_of_target warns on NaN).
            check_array(y, ensure_2d=False, dtype=None, input_name="y")
        kind = self.target_type
        if kind == "probabilities":
            return self._encode_probabilities(y)
        if kind == "auto":
            target = _target_kind(y)
            if target in ("binary", "multiclass"):
                kind = "classification"
            elif target in ("continuous", "continuous-multioutput"):
                kind = "regression"
            elif target == "multilabel-indicator":
                kind = "multilabel"
            else:
                raise ValueError(
                    f"Unknown label type: unsupported target type {target!r} for "
                    "objective='task'; expected class labels, numbers, or a "
                    "multilabel indicator."
                )
        if kind == "regression":
            y = check_array(
                y, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="y"
            ).astype(np.float64)
            y2 = y.reshape(n_samples, -1)
            self.target_mean_ = y2.mean(axis=0)
            scale = y2.std(axis=0)
            self.target_scale_ = np.where(scale > 0, scale, 1.0)
            y_enc = ((y2 - self.target_mean_) / self.target_scale_).astype(np.float32)
            return y_enc, TargetSpec("regression", y2.shape[1])
        if kind == "multilabel":
            y_enc = check_array(y, dtype=FLOAT_DTYPES, input_name="y").astype(
                np.float32
            )
            return y_enc, TargetSpec("multilabel", y_enc.shape[1])
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(
                "Classification targets must be 1-D; got shape "
                f"{y.shape}. Multi-output classification is not supported."
            )
        if y.dtype == object and any(v is None or v != v for v in y):
            raise ValueError("Input y contains missing values (None or NaN).")
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                "y has only one class; a task-driven mask needs at least two "
                f"classes (got {encoder.classes_!r})."
            )
        n_classes = len(encoder.classes_)
        if (
            self.target_type == "auto"
            and y.dtype.kind in "iu"
            and n_classes > MAX_GUESSED_LABELS
            and 2 * n_classes > n_samples
        ):
            # Most "classes" hold one row: more likely counts or measurements.
            warnings.warn(
                f"y holds integers with {n_classes} distinct values for "
                f"{n_samples} rows and is read as class labels; if it is a "
                "numeric target, pass target_type='regression'.",
                UserWarning,
                stacklevel=3,
            )
        self.classes_ = encoder.classes_
        y_enc = encoder.transform(y)
        if len(self.classes_) == 2:
            return y_enc.astype(np.float32).reshape(-1, 1), TargetSpec("binary", 1)
        return y_enc.astype(np.int32), TargetSpec("multiclass", len(self.classes_))

    def _encode_probabilities(self, y):
        """Validate class probabilities (``target_type='probabilities'``).

        One column (or 1-D): the probability of the positive class of a
        binary task. Several columns: one probability per class, each row
        summing to 1, as ``predict_proba`` returns.
        """
        from skmask.objectives import TargetSpec

        if y.dtype.kind not in "fiu":
            raise ValueError(
                "target_type='probabilities' needs numbers in [0, 1] (e.g. a "
                f"fitted classifier's predict_proba(X)); y has dtype {y.dtype}."
            )
        y = check_array(y, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="y")
        low, high = float(y.min()), float(y.max())
        if low < -PROBABILITY_TOLERANCE or high > 1 + PROBABILITY_TOLERANCE:
            raise ValueError(
                "target_type='probabilities' needs values in [0, 1]; y holds "
                f"values from {low:.4g} to {high:.4g}."
            )
        y = np.clip(y.astype(np.float64), 0.0, 1.0)
        if y.ndim == 1 or y.shape[1] == 1:
            self.classes_ = np.arange(2)
            return (
                y.reshape(-1, 1).astype(np.float32),
                TargetSpec("binary", 1, probabilities=True),
            )
        sums = y.sum(axis=1)
        worst = int(np.argmax(np.abs(sums - 1.0)))
        if abs(sums[worst] - 1.0) > PROBABILITY_TOLERANCE:
            raise ValueError(
                "target_type='probabilities' with several columns needs one "
                "probability per class, each row summing to 1 (as predict_proba "
                f"returns); row {worst} sums to {sums[worst]:.4g}. For the "
                "probability of one class pass a single column."
            )
        self.classes_ = np.arange(y.shape[1])
        y = (y / sums[:, None]).astype(np.float32)
        return y, TargetSpec("multiclass", y.shape[1], probabilities=True)

    def _validate_X(self, X, reset):
        _check_numeric_columns(X)
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=FLOAT_DTYPES,
            # Missing values are NaN where the class allows them.
            ensure_all_finite="allow-nan" if self._allow_missing else True,
            ensure_min_samples=1,
        )

    def _network_layout(self, X):
        """Return validated X in the network's layout, not standardised (a view)."""
        return X

    def _network_input(self, X):
        """Standardise validated X into the float32 array the network sees."""
        layout = self._network_layout(X)
        Z = standardise(layout, self.input_mean_, self.input_scale_)
        return np.ascontiguousarray(Z)

    def _copy_user_network(self, input_shape):
        keras = import_keras()
        network = self.network
        if is_keras_model(network):
            # Never train the user's object in place (sklearn: fit must not
            # change parameters); the copy keeps its weights.
            net = copy_model(network)
        else:
            net = network(input_shape)
            if not isinstance(net, keras.Model):
                raise TypeError(
                    "network must be 'mlp', a keras.Model, or a callable that "
                    f"returns a keras.Model; the callable returned {type(net)!r}."
                )
        net = _as_functional(keras, net, input_shape)
        out_shape = tuple(net.output_shape[1:])
        if None in out_shape:
            # Open sizes (a fully convolutional network): read them off a call.
            probe = np.zeros((1, *input_shape), dtype=np.float32)
            out_shape = tuple(int(s) for s in keras.ops.shape(net(probe))[1:])
        expected = self._mask_shape(input_shape)
        if out_shape != expected:
            raise ValueError(
                f"The mask network must output one logit per mask entry, shape "
                f"{expected}, for inputs of shape {tuple(input_shape)}; it "
                f"outputs {out_shape}."
            )
        if self.freeze_network:
            net.trainable = False
        return net

    def _build_mask_network(self, input_shape, hidden_units, initial_logit, objective):
        from skmask.networks import build_global_mask_network

        if self.granularity == "global":
            network = build_global_mask_network(
                input_shape, self._mask_shape(input_shape), initial_logit=initial_logit
            )
        elif isinstance(self.network, str):
            network = self._build_default_network(
                input_shape, hidden_units, initial_logit, objective
            )
        else:
            network = self._copy_user_network(input_shape)
        return self._wrap_mask_network(network, input_shape)

    def _split(self, n_samples, rng):
        """Return (train_idx, val_idx or None) for early stopping."""
        fraction = self.validation_fraction
        if not fraction or self.patience is None:
            return np.arange(n_samples), None
        n_val = round(fraction * n_samples)
        if n_val < 1 or n_samples - n_val < 2:
            return np.arange(n_samples), None
        perm = rng.permutation(n_samples)
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])

    # Fitted attributes that only some fits set: a refit drops them first, so
    # that none is left over from a fit with another objective or target.
    _conditional_fitted = (
        "classes_",
        "target_mean_",
        "target_scale_",
        "predictor_",
        "decoder_",
        "global_mask_",
        "ranking_",
    )

    def _fit(self, X, y, *, mask, sample_weight):
        for name in self._conditional_fitted:
            self.__dict__.pop(name, None)
        hidden_units, predictor_units = self._check_params()
        objective = self._resolve_objective(y, mask)
        X = self._validate_X(X, reset=True)
        n_samples = X.shape[0]
        target_spec = None
        if objective == "task":
            y_enc, target_spec = self._encode_target(y, n_samples)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            sample_weight = sample_weight.astype(np.float32)
        fill_values = self._check_fill_value(X)

        mean, scale = self._input_stats(X)
        if self.scale_input:
            self.input_mean_, self.input_scale_ = mean, scale
        else:
            self.input_mean_, self.input_scale_ = (
                np.zeros_like(mean),
                np.ones_like(scale),
            )
        Z = self._network_input(X)
        if mask is not None:
            mask = self._check_mask(mask, X)

        if objective == "supervised":
            targets = mask
        elif objective == "reconstruction":
            targets = Z
        else:
            targets = y_enc

        train, estimator = _train_networks, self
        if self.memory is not None:
            import_keras()  # registers skmask's layers before a cached load
            train = check_memory(self.memory).cache(_train_networks, ignore=["verbose"])
            estimator = self._training_clone()
        trained = train(
            estimator,
            Z,
            targets,
            sample_weight,
            objective,
            target_spec,
            hidden_units,
            predictor_units,
            verbose=self.verbose,
        )

        mask_network = trained["mask_network"]
        self.objective_ = objective
        self.mask_network_ = mask_network
        self.history_ = trained["history"]
        self.n_replicas_ = trained["n_replicas"]
        self.n_iter_ = len(self.history_["loss"])
        if objective == "reconstruction":
            self.decoder_ = trained["companion"]
        elif objective == "task":
            self.predictor_ = trained["companion"]
        self.fill_values_ = fill_values
        if self.granularity == "global":
            self.global_mask_ = _global_probabilities(mask_network, Z)
            # Networks cached before the ranking existed have none.
            if trained.get("ranking") is not None:
                self.ranking_ = trained["ranking"]
        keep = binarize(self._soft_mask(X), self.threshold)
        valid = self._valid_entries(X)
        self.keep_fraction_ = float(
            keep.mean() if valid is None else keep[valid].mean()
        )
        if not keep.any():
            advice = "Lower `sparsity` or `threshold`, or train longer."
            if self.history_.get("passed_gates") == [0.0]:
                from skmask.objectives import LOCAL_GRADIENT_MAX_ENTRIES

                advice = (
                    "No column showed worth to the judges on rows they never saw "
                    "(the screen of rows wider than "
                    f"{LOCAL_GRADIENT_MAX_ENTRIES} columns): the task "
                    "found no signal; more rows or fewer columns may help."
                )
            warnings.warn(
                "The fitted mask keeps no entry of the training data (threshold="
                f"{self.threshold}); the masked output carries no information. "
                + advice,
                EmptyMaskWarning,
                stacklevel=3,
            )
        return self

    # Parameters that act after the network: a fit that differs only in these
    # trains the same network, which ``memory`` then reuses.
    _post_network_params = (
        "threshold",
        "max_features",
        "output",
        "fill_value",
        "verbose",
        "memory",
    )

    def _training_clone(self):
        """Return an unfitted copy whose parameters say only how it trains."""
        defaults = {
            name: param.default
            for name, param in inspect.signature(type(self).__init__).parameters.items()
            if name in self._post_network_params
        }
        return clone(self).set_params(**defaults)

    def _train(
        self,
        Z,
        targets,
        sample_weight,
        objective,
        target_spec,
        hidden_units,
        predictor_units,
    ):
        """Build and train the networks on network input ``Z``.

        Depends only on the parameters that shape training (never on
        ``threshold``, ``output`` or ``fill_value``), so that its result can
        be cached. Returns a dict with ``mask_network``, ``companion`` (the
        decoder or predictor, or None), ``ranking`` (of a global mask's gates
        on tables, else None; see :meth:`_rank_gates`) and ``history``.
        """
        n_samples = Z.shape[0]
        input_shape = Z.shape[1:]
        seed = draw_seed(self.random_state)
        train_idx, val_idx = self._split(n_samples, np.random.RandomState(seed))

        def rows(a, idx):
            return None if a is None else a[idx]

        from skmask._distribute import resolve_strategy

        strategy, owned = resolve_strategy(self.distribute)
        scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
        with seeded(seed), scope:
            from skmask import objectives
            from skmask.gates import MaskGate

            initial_logit = 0.0 if objective == "supervised" else INITIAL_KEEP_LOGIT
            mask_network = self._build_mask_network(
                input_shape, hidden_units, initial_logit, objective
            )
            gate = companion = None
            if objective == "supervised":
                graph = objectives.supervised_graph(
                    mask_network, mask_type=self.mask_type
                )
            else:
                # Held-out losses threshold the gates at 0.5, not at the
                # `threshold` parameter: training never depends on it.
                # Weighted masks train through this binary gate too, and
                # apply its keep probabilities: a network that sees x * m and
                # m undoes any m > 0, so deterministic weights carry the whole
                # entry at any scale, and the cost drives them all to ~0
                # (docs/design.md, "Weighted masks train as binary gates").
                gate = MaskGate(
                    seed=seed, groups=self._gate_groups(input_shape), name="gate"
                )
                if objective == "reconstruction":
                    decoder = self._build_companion(
                        input_shape, input_shape[-1], predictor_units, "decoder"
                    )
                    graph = objectives.reconstruction_graph(mask_network, decoder, gate)
                    companion = graph.companion

            def build_predictor(name="predictor"):
                return self._build_companion(
                    input_shape,
                    target_spec.n_outputs,
                    predictor_units,
                    name,
                    mask_tokens=self._mask_tokens,
                )

            def fit_graph(graph, targets, sparsity, subset=None, **kwargs):
                # `subset`: positions within the training rows to train on.
                validation = None
                if val_idx is not None:
                    validation = (
                        Z[val_idx],
                        targets[val_idx],
                        rows(sample_weight, val_idx),
                    )
                fit_idx = train_idx if subset is None else train_idx[subset]
                return objectives.train(
                    graph,
                    Z[fit_idx],
                    targets[fit_idx],
                    sample_weight=rows(sample_weight, fit_idx),
                    validation=validation,
                    epochs=self.epochs,
                    batch_size=self.batch_size,
                    learning_rate=self.learning_rate,
                    sparsity=sparsity,
                    patience=self.patience,
                    seed=seed,
                    verbose=self.verbose,
                    strategy=strategy,
                    **kwargs,
                )

            if objective == "task":
                companion, history = self._fit_task(
                    fit_graph,
                    mask_network,
                    build_predictor,
                    gate,
                    target_spec,
                    Z,
                    targets,
                    np.random.RandomState(seed).permutation(len(train_idx)),
                    train_idx=train_idx,
                    sample_weight=sample_weight,
                    seed=seed,
                )
            else:
                history = fit_graph(graph, targets, self._sparsity(objective))
        if owned:
            # Out of the strategy we made: plain single-device copies, so the
            # fitted networks hold no mirrored variables (nor the devices).
            mask_network, companion = (
                None if net is None else copy_model(net)
                for net in (mask_network, companion)
            )
        ranking = None
        if (
            self.granularity == "global"
            and self._ranks_gates
            and objective != "supervised"
        ):
            # Part of the cached result: a search over max_features reuses it.
            ranking = self._rank_gates(
                mask_network,
                companion,
                Z,
                targets,
                objective,
                target_spec,
                sample_weight,
            )
        return {
            "mask_network": mask_network,
            "companion": companion,
            "ranking": ranking,
            "history": history,
            "n_replicas": 1 if strategy is None else strategy.num_replicas_in_sync,
        }

    def _fit_task(
        self,
        fit_graph,
        mask_network,
        build_predictor,
        gate,
        target_spec,
        Z,
        y,
        order,
        *,
        train_idx,
        sample_weight,
        seed,
    ):
        """Train a task-driven mask; return the fitted predictor and history.

        The training rows are split in ``_n_folds`` folds (consecutive slices
        of ``order``, a permutation of their positions). For each fold, on the
        rows of every other fold:

        1. Teacher: a predictor learns ``y`` from the full input.
        2. Surrogate: it goes on learning the teacher's outputs (soft targets,
           far less noisy than labels) from inputs under random masks, so it
           can judge any subset of features.

        3. Selector: with the predictors frozen, the mask network learns to
           keep what predicts the *labels* under the sparsity cost, each row
           judged by the one surrogate that never saw it (cross-fitting). A
           frozen predictor cannot learn to read the prediction from which
           entries are kept, the encoding failure of jointly trained
           selectors (Jethani et al. 2021, REAL-X). A surrogate judging rows
           it was fitted on rewards every feature it used to fit their noise,
           and a teacher's outputs carry the teacher's own errors: both made
           the selector keep spurious features (see ``docs/design.md``).

        On rows wider than the local-expectation gradient takes, the
        selector trains straight-through, and first every gate that shows no
        worth to the judges on the rows they judge is closed for good (see
        :meth:`_screen_gates`).

        The fitted predictor is the mean of the surrogates. Classes with
        ``_cross_fit = False`` train one teacher and one surrogate on all the
        training rows, and the selector against that teacher's outputs.
        """
        from skmask import objectives

        n_folds = self._n_folds if self._cross_fit else 1
        if n_folds > 1 and len(order) >= n_folds:
            train_rows, judged_rows = objectives.cross_fit_folds(order, n_folds)
        else:
            train_rows = [np.sort(order)]
        names = (
            [""] if len(train_rows) == 1 else [str(k) for k in range(len(train_rows))]
        )
        predictors, history = [], {}
        for k, fold in zip(names, train_rows, strict=True):
            predictor = build_predictor(f"predictor_{k}" if k else "predictor")
            teacher = objectives.teacher_graph(predictor, target_spec)
            trained = fit_graph(
                teacher, y, 0.0, subset=fold, label=f"teacher {k}".strip()
            )
            history.update({f"teacher{k}_{key}": v for key, v in trained.items()})
            soft = objectives.soft_targets(teacher, Z, target_spec)
            graph = objectives.task_graph(
                mask_network, predictor, gate, target_spec, soft=True
            )
            trained = fit_graph(
                graph,
                soft,
                0.0,
                subset=fold,
                pretrain_fraction=1.0,
                label=f"surrogate {k}".strip(),
            )
            history.update({f"surrogate{k}_{key}": v for key, v in trained.items()})
            predictors.append(predictor)
        if len(predictors) == 1:
            # One surrogate, judged against its teacher on its own rows.
            judge, targets, cross = predictors[0], soft, {}
        else:
            # Rows of group k are judged by predictor k, which never saw them.
            history.update(
                self._screen_gates(
                    mask_network,
                    predictors,
                    judged_rows,
                    gate,
                    target_spec,
                    Z,
                    y,
                    train_idx,
                    sample_weight,
                    seed,
                )
            )
            judge = objectives.FoldSwitch(predictors, name="cross_fit")
            graph = objectives.task_graph(mask_network, judge, gate, target_spec)

            def select_group(group):
                # Held-out rows (group None), unseen by all, go to predictor 0.
                judge.fold.assign(0.0 if group is None else float(group))

            targets = y
            cross = {"row_groups": judged_rows, "select_group": select_group}
        judge.trainable = False
        gate.drop_rate.assign(self._selector_drop_rate)
        try:
            history.update(
                fit_graph(
                    graph,
                    targets,
                    self._sparsity("task"),
                    pretrain_fraction=0.0,
                    local_gradient=objectives.local_gradient_applies(graph, Z),
                    # A global mask is kept on every row or none: no shares.
                    column_cost_power=(
                        self._column_cost_power
                        if self.granularity == "instance"
                        else None
                    ),
                    **cross,
                )
            )
        finally:
            judge.trainable = True
            gate.drop_rate.assign(0.0)
        if len(predictors) == 1:
            return predictors[0], history
        return objectives.average_predictor(predictors), history

    def _screen_gates(
        self,
        mask_network,
        predictors,
        judged_rows,
        gate,
        target_spec,
        Z,
        y,
        train_idx,
        sample_weight,
        seed,
    ):
        """Close the gates of wide rows that the judges find worth nothing.

        Applies to instance masks over rows with more gates than the
        local-expectation gradient takes (``LOCAL_GRADIENT_MAX_ENTRIES``),
        whose selector trains straight-through at a cost per column that
        shrinks with the width. A gate must show a positive worth to the
        cross-fitted judges on the rows they never saw
        (:func:`~skmask.objectives.screen_gates`); the others are closed in
        the mask network's padding guard, on every row, before the selector
        trains. Returns the history entries: the gates screened and passed.
        """
        from skmask import objectives
        from skmask.gates import PaddingGuard, n_gates

        if (
            not self._screens_wide_rows
            or self.granularity != "instance"
            or Z.ndim != 2
            or n_gates(gate.groups, Z.shape[1]) <= objectives.LOCAL_GRADIENT_MAX_ENTRIES
        ):
            return {}
        guards = [
            layer for layer in mask_network.layers if isinstance(layer, PaddingGuard)
        ]
        if len(guards) != 1:
            return {}
        weights = None if sample_weight is None else sample_weight[train_idx]
        passed, _ = objectives.screen_gates(
            predictors,
            objectives.judge_loss("task", target_spec),
            Z[train_idx],
            y[train_idx],
            judged_rows,
            groups=gate.groups,
            sample_weight=weights,
            seed=seed,
        )
        guards[0].closed = np.flatnonzero(~passed).tolist()
        return {
            "screened_gates": [float(len(passed))],
            "passed_gates": [float(passed.sum())],
        }

    def _check_fill_value(self, X):
        if self.fill_value is None:
            return channel_stats(X)[0]
        fill = np.asarray(self.fill_value, dtype=np.float64)
        if fill.ndim == 0:
            fill = np.full(X.shape[1], float(fill))
        if fill.shape != (X.shape[1],) or not np.isfinite(fill).all():
            raise ValueError(
                "fill_value must be None, a finite number, or one finite number per "
                f"feature ({X.shape[1]}); got {self.fill_value!r}."
            )
        return fill

    # -------------------------------------------------------------- inference
    def _compiled_mask(self):
        """Return the fitted network's compiled forward passes (built once).

        Kept on the network object rather than on the estimator, so that
        ``transform`` leaves the estimator's ``__dict__`` unchanged (an sklearn
        contract) and pickles never carry compiled functions.
        """
        from skmask._inference import CompiledMask

        network = self.mask_network_
        compiled = getattr(network, "_skmask_compiled", None)
        if compiled is None or not compiled.standardises_like(
            self.input_mean_, self.input_scale_
        ):
            import_keras()
            compiled = CompiledMask(network, self.input_mean_, self.input_scale_)
            # Past Keras' attribute tracking: this is not a layer or weight.
            object.__setattr__(network, "_skmask_compiled", compiled)
        return compiled

    def _soft_mask(self, X):
        """Soft mask values (float64) for validated ``X``, in X's shape."""
        if self.granularity == "global":
            # A writable copy per row, as for instance masks.
            soft = np.repeat(self.global_mask_[None], X.shape[0], axis=0)
        else:
            logits = self._compiled_mask().logits(self._network_layout(X))
            soft = expit(logits.astype(np.float64))
        soft = self._mask_for_X(soft)
        valid = self._valid_entries(X)
        return soft if valid is None else np.where(valid, soft, 0.0)

    def predict_mask(self, X):
        """Return the soft mask values for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input.

        Returns
        -------
        mask : ndarray of shape (n_samples, n_features)
            Values in [0, 1]: the keep probability of each entry (binary
            masks keep the entries at or above ``threshold``).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._soft_mask(X)

    def get_mask(self, X):
        """Return the mask ``transform`` applies to ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input.

        Returns
        -------
        mask : ndarray of shape (n_samples, n_features)
            0/1 values for ``mask_type='binary'``, soft values in [0, 1] for
            ``'weighted'``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._applied_mask(self._soft_mask(X), X)[1].astype(np.float64)

    def _applied_mask(self, soft, X=None):
        """Return ``(keep, mask)``: the keep/drop decision and the mask applied.

        ``X`` (validated, the rows of ``soft``) lets tables choose an instance
        mask's ``max_features`` entries with the trained judge.
        """
        keep = binarize(soft, self.threshold)
        if self.max_features is not None:
            if self.granularity == "global":
                # One selection for every row, as get_support reports it.
                largest = self._mask_for_X(self._largest_global()[None])
            else:
                # Ranked over the mask's own entries (groups, time steps,
                # pixels), where missing entries count as 0.
                entries = self._mask_entries(soft)
                k = n_kept_at_most(self.max_features, entries[0].size)
                judge = self._instance_judge() if X is not None else None
                if judge is None:
                    chosen = largest_entries(entries, k)
                else:
                    valid = ~np.isnan(X)
                    eligible = self._mask_entries((keep & valid).astype(np.float64))
                    # The mask's own choice, as training thresholds it.
                    own = self._mask_entries(((soft >= 0.5) & valid).astype(float))
                    chosen = self._judged_entries(judge, X, own > 0, eligible > 0, k)
                largest = self._mask_for_X(chosen)
            keep &= largest
            if self.mask_type == "weighted":
                soft = np.where(largest, soft, 0.0)
        return keep, (keep if self.mask_type == "binary" else soft)

    def _instance_judge(self):
        """Return the trained predictor or decoder that picks an instance mask's k.

        Tables only (``_ranks_gates``); None where no judge was trained
        (supervised masks) or for series and images.
        """
        if not self._ranks_gates:
            return None
        judge = getattr(self, "predictor_", None)
        return getattr(self, "decoder_", None) if judge is None else judge

    def _judged_entries(self, judge, X, own, eligible, k):
        """Bring each row's own selection to ``k`` entries under the judge.

        From the entries the mask keeps at 0.5, drop (or add) one at a time
        the entry that keeps the judge's output closest to its output on the
        whole row (squared distance of logits or values; a softmax's logits
        centred), as L2X's k entries aim to preserve the model's prediction.
        Label-free, so it works at transform time.
        """
        from skmask import objectives

        return objectives.resize_selection(
            judge,
            self._network_input(X),
            own,  # resize_selection keeps only its eligible entries
            eligible,
            k,
            groups=self._groups_fitted(),
            # Class logits of several outputs are a softmax's.
            softmax=hasattr(self, "classes_"),
        )

    def _groups_fitted(self):
        """Return the fitted gate of each column, or None when each is its own."""
        return None

    def _largest_global(self):
        """Mark the ``max_features`` best entries of the global mask (its layout).

        By ``ranking_`` where the fit ranked the gates, else by keep
        probability.
        """
        k = n_kept_at_most(self.max_features, self.global_mask_.size)
        ranking = getattr(self, "ranking_", None)
        if ranking is not None:
            return ranking <= k
        return largest_entries(self.global_mask_[None], k)[0]

    # Whether global masks rank their gates by backward elimination at fit
    # (skmask.ranking): tables; series and images have too many entries.
    _ranks_gates = False

    def _rank_gates(
        self, mask_network, judge, Z, targets, objective, target_spec, sample_weight
    ):
        """Rank the global mask's gates under the trained judge (1 = best).

        Runs inside training (on the clone under ``memory``): it reads the
        trained networks, the data and the parameters, never fitted
        attributes.
        """
        from skmask import objectives
        from skmask.ranking import (
            eliminate_backward,
            elimination_start,
            eval_rows,
            ranking_from_order,
        )

        rows = eval_rows(Z.shape[0])
        loss = objectives.judge_loss(objective, target_spec)
        weights = None if sample_weight is None else sample_weight[rows]
        groups = self._gate_groups(Z.shape[1:])
        probabilities = _global_probabilities(mask_network, Z)

        def evaluate(gate_subsets):
            # A group's gate keeps or drops all its columns.
            columns = gate_subsets if groups is None else gate_subsets[:, groups]
            return objectives.subset_losses(
                judge, loss, Z[rows], targets[rows], columns, weights
            )

        order = eliminate_backward(evaluate, elimination_start(probabilities))
        return ranking_from_order(order, probabilities)

    def _global_keep(self):
        """Return the global mask's keep decision, in the mask's layout."""
        keep = binarize(self.global_mask_, self.threshold)
        return keep if self.max_features is None else keep & self._largest_global()

    def transform(self, X):
        """Apply the learned mask to ``X`` as ``output`` says.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input, with the columns seen in ``fit``.

        Returns
        -------
        X_masked : ndarray
            Shape ``(n_samples, n_features)`` for ``'multiply'``, ``'fill'``
            and ``'nan'``; ``(n_samples, n_kept)`` for ``'select'``;
            ``(n_samples, 2 * n_features)`` for ``'concat'``. Floating input
            keeps its dtype; other input becomes float64.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        self._check_output_container(X)
        if self._applies_in_graph():
            return self._compiled_mask().masked(
                X,
                output=self.output,
                threshold=self.threshold,
                fill_values=self.fill_values_,
            )
        # Chunks of rows bound the memory of masks and intermediate arrays.
        n, rows = X.shape[0], rows_per_chunk(int(np.prod(X.shape[1:], dtype=np.int64)))
        bounds = [(start, min(start + rows, n)) for start in range(0, n, rows)]
        return map_chunks(self._transform_rows, X, bounds or [(0, 0)])

    def fit_transform(self, X, y=None, **fit_params):
        """Fit to ``X`` (and ``y``), then return the masked ``X``.

        Parameters
        ----------
        X : array-like
            Training input, as for :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Target for ``objective='task'``.
        **fit_params : dict
            Further arguments of :meth:`fit` (``mask``, ``sample_weight``).

        Returns
        -------
        X_masked : ndarray or DataFrame
            As :meth:`transform` returns for ``X``.
        """
        # Before the fit: a call that cannot return leaves the estimator as it was.
        self._check_output_container(X)
        return super().fit_transform(X, y, **fit_params)

    def _check_output_container(self, X):
        """Refuse a DataFrame output (``set_output``) for output of 3 or more axes.

        Output keeps the input's number of axes, so ``X`` (raw or validated)
        tells; it is only looked at when a container is configured.
        """
        container = _get_output_config("transform", self)["dense"]
        if container == "default":
            return
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        if ndim > 2:
            raise ValueError(
                f"set_output(transform={container!r}) needs 2-D output, but "
                f"{type(self).__name__} returns arrays shaped like its {ndim}-D "
                "input. Pass flattened 2-D input (with `image_shape` for "
                "images; (n_samples, n_timesteps) for univariate series), or "
                "call set_output(transform='default') on this step."
            )

    # Tables apply binary instance masks inside the compiled graph (one fused
    # pass, as fast as the bare network); other kinds of data in NumPy.
    _graph_outputs = frozenset({"multiply", "fill", "nan"})

    def _applies_in_graph(self):
        return (
            self.granularity == "instance"
            and self.mask_type == "binary"
            and self.max_features is None
            and self.output in self._graph_outputs
        )

    def _transform_rows(self, X):
        keep, mask = self._applied_mask(self._soft_mask(X), X)
        return self._apply(X, keep, mask)

    def _apply(self, X, keep, mask):
        """Apply masks in X's layout to validated X as ``output`` says."""
        return apply_mask(
            X,
            mask,
            output=self.output,
            keep=keep,
            fill_values=self.fill_values_,
            support=self.get_support() if self.output == "select" else None,
        )

    def get_support(self, indices=False):
        """Return which features a global mask keeps.

        Parameters
        ----------
        indices : bool, default=False
            Return integer indices instead of a boolean mask.

        Returns
        -------
        support : ndarray
            Boolean mask of shape ``(n_features_in_,)``, or indices of the
            kept features.
        """
        check_is_fitted(self)
        if self.granularity != "global":
            raise ValueError(
                "get_support needs a global mask (granularity='global'); "
                "instance masks keep a different set per row: use get_mask(X)."
            )
        support = self._support_layout(self._global_keep())
        return np.flatnonzero(support) if indices else support

    def _support_layout(self, support):
        """Turn a support in the global mask's layout into the input's."""
        return support

    @available_if(lambda self: self.output == "select")
    def inverse_transform(self, X):
        """Put the selected columns back in place, zeros in the dropped ones.

        As a scikit-learn feature selector does; only with ``output='select'``
        (for other outputs the mask has discarded values that cannot be
        recovered).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_selected_features)
            Output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
            ``X`` in the kept columns, zeros in the dropped ones.
        """
        check_is_fitted(self)
        support = self.get_support()
        X = check_array(
            X,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan" if self._allow_missing else True,
            input_name="X",
        )
        if X.shape[1] != support.sum():
            raise ValueError(
                f"X has {X.shape[1]} columns, but this mask selects "
                f"{int(support.sum())} of {support.size}; inverse_transform "
                "takes the output of transform."
            )
        X_original = np.zeros((X.shape[0], support.size), dtype=X.dtype)
        X_original[:, support] = X
        return X_original

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for ``transform``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input names for shape-keeping outputs, the kept names for
            ``'select'``, and the input names followed by ``mask_<name>`` for
            ``'concat'``.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if self.output in SHAPE_KEEPING_OUTPUTS:
            return names
        if self.output == "select":
            return names[self.get_support()]
        return np.concatenate([names, np.asarray([f"mask_{n}" for n in names], object)])

    # ---------------------------------------------------------------- pickling
    def __getstate__(self):
        """Pickle Keras models through a proxy that registers our layers."""
        state = super().__getstate__()
        return {
            k: PicklableModel(v) if is_keras_model(v) else v for k, v in state.items()
        }

    def __sklearn_tags__(self):
        """Declare an unsupervised-capable float transformer."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = self._allow_missing
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _global_probabilities(mask_network, Z):
    """Keep probabilities (float64) of a global mask network's gates."""
    # Global logits ignore the values: zeros, so that no entry of the probe
    # row is missing (padding guards would close it).
    probe = np.zeros_like(Z[:1])
    logits = np.asarray(mask_network(probe, training=False))[0]
    return expit(logits.astype(np.float64))


def _as_functional(keras, net, input_shape):
    """Return ``net``, or a functional model around it when it has no graph.

    A subclassed ``keras.Model`` knows neither its input nor its output
    shape until it is called; the training graphs need both, and one output.
    """
    try:
        net.input_shape, net.output_shape  # noqa: B018 (probe: raise if unknown)
    except (AttributeError, ValueError):
        inputs = keras.Input(tuple(input_shape), name=f"{net.name}_input")
        try:
            net = keras.Model(inputs, net(inputs), name=net.name)
        except Exception as exc:
            raise ValueError(
                f"The mask network {net.name!r} could not be called on inputs of "
                f"shape {tuple(input_shape)}: {exc}"
            ) from exc
    if len(net.outputs) != 1:
        raise ValueError(
            f"The mask network {net.name!r} must return one tensor of logits; "
            f"it returns {len(net.outputs)}."
        )
    return net


def _train_networks(
    estimator,
    Z,
    targets,
    sample_weight,
    objective,
    target_spec,
    hidden_units,
    predictor_units,
    verbose=0,
):
    """Train ``estimator``'s networks; a module-level function for joblib.Memory.

    ``estimator`` is an unfitted clone whose post-network parameters are at
    their defaults (:meth:`BaseMaskTransformer._training_clone`), so the cache
    key holds only what shapes training; ``verbose`` is not part of the key.
    """
    estimator.verbose = verbose
    return estimator._train(
        Z,
        targets,
        sample_weight,
        objective,
        target_spec,
        hidden_units,
        predictor_units,
    )
