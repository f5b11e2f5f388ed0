"""Keras builders for mask networks and for the networks trained beside them.

Builders take plain hyperparameters and return uncompiled Keras models; they
know nothing of scikit-learn or pandas.
"""

from skmask.networks.image import (
    build_image_decoder,
    build_image_mask_network,
    build_image_predictor,
)
from skmask.networks.mlp import (
    build_global_mask_network,
    build_leave_one_out_mask_network,
    build_mlp,
    build_mlp_mask_network,
)
from skmask.networks.sequence import (
    build_sequence_decoder,
    build_sequence_mask_network,
    build_sequence_predictor,
    guard_padding,
)

__all__ = [
    "build_global_mask_network",
    "build_image_decoder",
    "build_image_mask_network",
    "build_image_predictor",
    "build_leave_one_out_mask_network",
    "build_mlp",
    "build_mlp_mask_network",
    "build_sequence_decoder",
    "build_sequence_mask_network",
    "build_sequence_predictor",
    "guard_padding",
]
