"""Dropout and the other draws of ``nn.functional`` (re-exported there): ``dropout``,
the channel-wise ``dropout1d/2d/3d``, ``alpha_dropout`` and ``feature_alpha_dropout``
(SELU's), and ``rrelu``, with PyTorch's signatures and defaults. Masks and slopes come
from autograd's default generator (so ``manual_seed`` reproduces them and ``ag.compile``
redraws them); ``inplace=True`` writes as ``relu(inplace=True)`` does."""
import warnings

import numpy as np

from autograd.creation import default_generator
from autograd.errors import ArgumentError, ShapeError
from autograd.functions import where

from .functional_activation import _maybe_inplace, leaky_relu

_SELU_NEGATIVE = 1.7580993408473766            # SELU's scale * alpha


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input, p, inplace, op, mask_shape, alpha):
    """input * mask / (1 - p), or SELU's alpha form: a (input * mask + alpha' (1 - mask))
    + b keeping zero mean and unit variance; `mask_shape` broadcasts over input."""
    dtype = input.data.dtype
    if p == 1.0:
        zeros = np.zeros(input.shape, dtype)
        return _maybe_inplace(input, inplace, op, lambda x: x * zeros)
    keep = (default_generator().random(mask_shape) >= p).astype(dtype)
    if not alpha:
        keep *= dtype.type(1.0 / (1.0 - p))
        return _maybe_inplace(input, inplace, op, lambda x: x * keep)
    a = 1.0 / np.sqrt((_SELU_NEGATIVE ** 2 * p + 1) * (1 - p))
    shift = ((keep - 1) * (_SELU_NEGATIVE * a) + _SELU_NEGATIVE * a * p).astype(dtype)
    scale = (keep * a).astype(dtype)
    return _maybe_inplace(input, inplace, op, lambda x: x * scale + shift)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (in training);
    the identity otherwise."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, inplace, "dropout", input.shape, False)


def _feature_shape(input, op, batched_ndim):
    """The mask's shape of a channel-wise dropout: one draw per (sample, channel), or per
    channel for an unbatched input."""
    nd = input.ndim
    if op == "dropout2d" and nd == 3:
        warnings.warn("dropout2d: received a 3-d input; as PyTorch, it is taken as (N, C, L) "
                      "(channel-wise 1-d dropout); use dropout1d for that", stacklevel=3)
    elif nd not in (batched_ndim - 1, batched_ndim):
        raise ShapeError(f"{op}: expected a {batched_ndim - 1}-d or {batched_ndim}-d input, got "
                         f"shape {input.shape}")
    lead = 1 if nd == batched_ndim - 1 and op != "dropout2d" else 2
    return input.shape[:lead] + (1,) * (nd - lead)


def _feature_dropout(input, p, training, inplace, op, batched_ndim, alpha=False):
    _check_p(p)
    shape = _feature_shape(input, op, batched_ndim)
    if not training or p == 0.0:
        # PyTorch's dropout1d and dropout3d see an unbatched input through unsqueeze(0)
        # and give it back through squeeze(0): a view of it, not the input itself
        unbatched = input.ndim == batched_ndim - 1 and op != "dropout2d"
        return input.view(input.shape) if unbatched and not inplace else input
    return _masked(input, p, inplace, op, shape, alpha)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scale by 1/(1-p)."""
    return _feature_dropout(input, p, training, inplace, "dropout1d", 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability p, scale the rest
    by 1/(1-p) (a 3-d input is taken as (N, C, L), with PyTorch's warning)."""
    return _feature_dropout(input, p, training, inplace, "dropout2d", 4)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""
    return _feature_dropout(input, p, training, inplace, "dropout3d", 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """SELU's dropout: dropped elements take SELU's negative saturation, then an affine
    map keeps the mean and variance (PyTorch's formula)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _masked(input, p, inplace, "alpha_dropout", input.shape, True)


def channelwise(input, p, training, inplace, op, alpha):
    """Dropout (SELU's form if `alpha`) with one draw per (sample, channel) of an input of
    2 dims or more (torch.feature_dropout's and feature_alpha_dropout's rule)."""
    _check_p(p)
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected an input of at least 2 dims (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    return _masked(input, p, inplace, op, tuple(input.shape[:2]) + (1,) * (input.ndim - 2),
                   alpha)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout with one draw per (sample, channel) of an input of 2 dims or more."""
    return channelwise(input, p, training, inplace, "feature_alpha_dropout", True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x where x > 0 (x >= 0 in training), else a x with a drawn U(lower, upper) per
    element in training and (lower + upper) / 2 otherwise (PyTorch's)."""
    if lower > upper:
        raise ArgumentError(f"rrelu: lower ({lower}) must be at most upper ({upper})")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slopes = default_generator().uniform(lower, upper, input.shape).astype(input.data.dtype)
    return _maybe_inplace(input, inplace, "rrelu",
                          lambda x: where(x.data <= 0, x * slopes, x))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu(input, lower, upper, training, inplace=True)."""
    return rrelu(input, lower, upper, training, inplace=True)
