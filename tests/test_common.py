"""scikit-learn's estimator checks over the main configurations."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skmask import (
    ImageMaskTransformer,
    LearnedMaskTransformer,
    SequenceMaskTransformer,
)

# Tiny settings: the checks test the contract, not the quality of the mask.
FAST = {"epochs": 1, "hidden_units": (8,), "predictor_units": (8,), "batch_size": 32}

SAMPLE_WEIGHT_REASON = (
    "Minibatch training: weighting a row by 2 is not bit-equivalent to repeating "
    "it (scikit-learn grants the same to SGD-trained estimators); "
    "tests/test_tabular.py checks that weights shift the mask like repetition."
)


class PairsOfColumns:
    """Group columns x0, x1 | x2, x3 | ... (sklearn's checks pass arrays).

    A class with a fixed repr: a function's repr holds its address, which
    differs between xdist workers and so would the test ids.
    """

    def __call__(self, name):
        return int(name.lstrip("x")) // 2 if name.startswith("x") else name

    def __repr__(self):
        return "PairsOfColumns()"


def _instances():
    # Tables: every pair of (mask_type, granularity, output) values appears in
    # some instance (a pairwise design: 6 instances, not 12), then the two
    # outputs that change the width.
    for mask_type, granularity, output in [
        ("binary", "instance", "multiply"),
        ("binary", "global", "fill"),
        ("binary", "instance", "nan"),
        ("weighted", "global", "multiply"),
        ("weighted", "instance", "fill"),
        ("weighted", "global", "nan"),
    ]:
        yield LearnedMaskTransformer(
            mask_type=mask_type, granularity=granularity, output=output, **FAST
        )
    # max_features on a weighted instance mask and on a selector.
    yield LearnedMaskTransformer(
        mask_type="weighted", output="concat", max_features=0.5, **FAST
    )
    yield LearnedMaskTransformer(
        granularity="global", output="select", max_features=2, **FAST
    )
    # One gate per pair of columns, for any width the checks pass (global
    # groups and 'select': tests/test_groups.py).
    yield LearnedMaskTransformer(feature_groups=PairsOfColumns(), **FAST)
    # Series: sklearn's checks pass 2-D input, i.e. univariate series.
    yield SequenceMaskTransformer(network="conv1d", **FAST)
    yield SequenceMaskTransformer(
        network="gru", mask_type="weighted", output="fill", **FAST
    )
    yield SequenceMaskTransformer(granularity="global", output="select", **FAST)
    yield SequenceMaskTransformer(
        network="lstm", bidirectional=False, output="concat", **FAST
    )
    # Images: 2-D input is flattened images (1 x n_features without image_shape).
    yield ImageMaskTransformer(network="fcn", **FAST)
    yield ImageMaskTransformer(
        network="cnn", mask_type="weighted", output="nan", max_features=3, **FAST
    )
    yield ImageMaskTransformer(granularity="global", output="select", **FAST)


def _expected_failed_checks(estimator):
    return {"check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_REASON}


@parametrize_with_checks(
    list(_instances()), expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
