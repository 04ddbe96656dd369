"""``F.group_norm``, ``F.instance_norm`` and ``F.normalize``, as PyTorch's. group_norm and
instance_norm normalise with layer_norm's primitive, Normalize, over trailing axes: its
mean corrected by its rounding (float32 rows of a large constant give 0, not their
mean's rounding error scaled up), rows near float32's largest rescaled (their sums
overflow), and its derivatives of every order."""
import math

import numpy as np

from autograd.errors import ArgumentError, ShapeError
from autograd.ops_nn import Normalize

from .functional import _same_dtype, _weak


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, *) inputs over each group of C / num_groups channels and the
    spatial dims (biased variance), then scale and shift each channel by weight and
    bias (C,)."""
    _same_dtype("group_norm", input, weight, bias)
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected an input of at least 2 dims (N, C, *), got "
                         f"shape {input.shape}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ArgumentError(f"group_norm: the {c} channels of input of shape {input.shape} "
                            f"are not divisible into num_groups={num_groups} groups")
    group = c // num_groups * math.prod(input.shape[2:])    # not -1: N may be 0
    y = input.reshape(n, num_groups, group)._apply1(Normalize, (2,), float(eps)) if group \
        else input * 1.0        # groups of no element, no mean (1 / 0): an empty output
    return _affine(y.reshape(input.shape), weight, bias)


def _affine(y, weight, bias):
    """y * weight + bias, the per-channel (dim 1) parameters broadcast over the rest."""
    shape = (y.shape[1],) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample of (N, C, *) inputs over the spatial dims
    (biased variance), then scale and shift each channel. With `use_input_stats` and
    running statistics, these are updated in place as PyTorch's: ``running = (1 -
    momentum) * running + momentum * batch``, batch the mean over the samples of each
    one's mean and unbiased variance; without, the running statistics normalise."""
    _same_dtype("instance_norm", input, weight, bias)
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input of at least 3 dims (N, C, *), got "
                         f"shape {input.shape}")
    n, c = input.shape[:2]
    axes = tuple(range(2, input.ndim))
    count = int(np.prod(input.shape[2:]))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ArgumentError("instance_norm: use_input_stats=False needs running_mean "
                                "and running_var")
        shape = (c,) + (1,) * len(axes)
        rm = running_mean.data.reshape(shape).astype(input.dtype, copy=False)
        invstd = (1.0 / np.sqrt(running_var.data + eps)).astype(input.dtype, copy=False)
        return _affine((input - rm) * invstd.reshape(shape), weight, bias)
    if count <= 1:
        raise ArgumentError(f"instance_norm: expected more than 1 spatial element when "
                            f"training, got input of shape {input.shape}")
    if running_mean is not None or running_var is not None:
        _track(input.data, axes, running_mean, running_var, momentum)
    return _affine(input._apply1(Normalize, axes, float(eps)), weight, bias)


def _track(x, axes, running_mean, running_var, momentum):
    """instance_norm's update of the running statistics (N, C, *) `x` gives, as
    PyTorch's: each by (1 - momentum) * running + momentum * the mean over the samples
    of each one's mean (variance, unbiased), per channel."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    centred -= centred.mean(axis=axes, keepdims=True)       # the mean's rounding
    count = centred.size // mean.size
    var = np.square(centred).mean(axis=axes) * (count / (count - 1))
    for running, batch in ((running_mean, mean.reshape(var.shape)), (running_var, var)):
        if running is not None:
            running.data *= _weak(1.0 - momentum, running.dtype)
            running.data += (_weak(momentum, batch.dtype) * batch.mean(0)).astype(
                running.dtype, copy=False)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) over `dim`, as PyTorch: where the norm is below eps
    the divisor is eps (a constant: the gradient is 1 / eps)."""
    if out is not None:
        raise ArgumentError("normalize: out= is not supported; assign the result")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)
