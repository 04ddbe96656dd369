"""``nn.functional`` (import as ``F``): layers as functions, with PyTorch's names and
arguments. Everything here is a composite of autograd primitives (``Linear``, ``Unfold``
``Erf``, ``Gelu`` and ``Normalize`` are in ``autograd/ops_nn.py``), so gradients of every order come from them.
"""
import math

import numpy as np

from autograd import flatten, ops, sigmoid, tanh  # noqa: F401
from autograd.errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError
from autograd.functions.shapes import fresh
from autograd.graph import _wrap, applyn, mark_modified
from autograd.ops_nn import (Erf, Fold, Gelu, LayerNorm, Linear, Normalize, Unfold,
                             mean_rounding)
from autograd.tensor import Tensor

from .functional_activation import (celu, celu_, elu, elu_, glu,  # noqa: F401
                                    gumbel_softmax, hardshrink, hardsigmoid, hardswish,
                                    hardtanh, hardtanh_, leaky_relu, leaky_relu_, log_softmax,
                                    logsigmoid, mish, prelu, relu, relu_, relu6, selu, selu_,
                                    silu, softmax, softmin, softplus, softshrink, softsign,
                                    tanhshrink, threshold, threshold_)
from .functional_dropout import (alpha_dropout, dropout, dropout1d, dropout2d,  # noqa: F401
                                 dropout3d, feature_alpha_dropout, rrelu, rrelu_)
from .functional_spatial import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: F401
                                 adaptive_max_pool1d, adaptive_max_pool1d_with_indices,
                                 adaptive_max_pool2d, adaptive_max_pool2d_with_indices,
                                 avg_pool1d, conv1d, interpolate, max_pool1d,
                                 max_pool1d_with_indices, max_pool2d_with_indices,
                                 pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,
                                 upsample_nearest)
from .functional_spatial import max_indices as _max_indices
from .functional_grid import affine_grid, grid_sample  # noqa: F401
from .distance import cosine_similarity, pairwise_distance  # noqa: F401
from .losses_extra import (cosine_embedding_loss, gaussian_nll_loss,  # noqa: F401
                           hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                           multilabel_margin_loss, multilabel_soft_margin_loss,
                           poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
                           triplet_margin_with_distance_loss)
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                     cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                     smooth_l1_loss)


def _ntuple(v, n, name="argument"):
    """An int repeated n times, or a sequence of n ints; a stride, dilation or kernel_size
    at least 1 and a padding at least 0, as PyTorch checks them (a dilation of 0 gave
    windows of one cell, silently; a stride of 0 divided by 0)."""
    what = {1: "1-tuple", 2: "pair", 3: "triple"}.get(n, f"{n}-tuple")
    if isinstance(v, str):
        raise ArgumentError(f"{name} must be an int or a {what} of ints, got {v!r}")
    v = (v,) * n if isinstance(v, int) else tuple(int(i) for i in v)
    if len(v) != n:
        raise ArgumentError(f"{name} must be an int or a {what} of ints, got {v}")
    least = _LEAST.get(name)
    if least is not None and min(v, default=least) < least:
        raise ArgumentError(f"{name} must be at least {least}, got {v}")
    return v


_LEAST = {"stride": 1, "dilation": 1, "kernel_size": 1, "padding": 0, "output_padding": 0}


def _pair(v, name="argument"):
    return _ntuple(v, 2, name)


def _as_4d(input, op):
    if input.ndim == 4:
        return input, True
    if input.ndim == 3:
        return input.reshape((1,) + input.shape), False
    raise ShapeError(f"{op}: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got shape "
                     f"{input.shape}")


# --- linear and convolution --------------------------------------------------------------
def linear(input, weight, bias=None):
    """input @ weight.T + bias: input (*, in), weight (out, in), bias (out,) -> (*, out);
    a 1-d weight (in,) with a 0-d bias gives (*), as PyTorch."""
    shape = input.data.shape
    if not shape or shape[-1] != weight.data.shape[-1]:
        raise ShapeError(f"linear: input of shape {shape} does not match weight of shape "
                         f"{weight.data.shape} (expected input (*, {weight.data.shape[-1]}))")
    if input.data.dtype != weight.data.dtype:
        raise DtypeError(f"linear: input of dtype {input.data.dtype} (shape {shape}) does not "
                         f"match weight of dtype {weight.data.dtype}; convert the input with "
                         f".to({str(weight.data.dtype)!r}) (or the model with .to(...))")
    if weight.ndim == 1:
        if bias is not None and bias.ndim != 0:
            raise ShapeError(f"linear: a 1-d weight (shape {weight.shape}) takes a 0-d bias, "
                             f"got shape {bias.shape}")
        out = linear(input, weight.unsqueeze(0)).squeeze(-1)
        return out if bias is None else out + bias
    x = input if len(shape) == 2 else input.reshape(-1, shape[-1])
    out = applyn(Linear, (x, weight) if bias is None else (x, weight, bias))
    return out if len(shape) == 2 else out.reshape(shape[:-1] + (weight.data.shape[0],))


def bilinear(input1, input2, weight, bias=None):
    """y_o = sum_ij x1_i weight_oij x2_j + bias_o: input1 (*, in1), input2 (*, in2),
    weight (out, in1, in2), bias (out,) -> (*, out)."""
    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or \
            input2.shape[-1:] != weight.shape[2:] or input1.shape[:-1] != input2.shape[:-1]:
        raise ShapeError(f"bilinear: input1 of shape {input1.shape} and input2 of shape "
                         f"{input2.shape} do not match weight of shape {weight.shape} (expected "
                         f"(*, in1), (*, in2) and (out, in1, in2))")
    out_features, in1, in2 = weight.shape
    mixed = input1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    y = (mixed.reshape(input1.shape[:-1] + (out_features, in2)) * input2.unsqueeze(-2)).sum(-1)
    return y + bias if bias is not None else y


def _conv_padding(input, padding, kernel, dilation, stride):
    """Resolve 'valid' / 'same' / int / pair padding to a symmetric pair, padding the
    input first where 'same' needs one more on the bottom/right (even kernels)."""
    if padding == "valid":
        return input, (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ArgumentError("conv2d: padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        lo = [t // 2 for t in total]
        if any(t % 2 for t in total):
            input = pad(input, (lo[1], total[1] - lo[1], lo[0], total[0] - lo[0]))
            return input, (0, 0)
        return input, tuple(lo)
    return input, _pair(padding, "padding")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation as PyTorch: input (N, C, H, W), weight (O, C/groups, kh, kw),
    bias (O,) -> (N, O, OH, OW). Windows come from Unfold (im2col as a strided view) and
    meet the weight in one matrix product per group."""
    x, batched = _as_4d(input, "conv2d")
    n, c = x.shape[:2]
    if weight.ndim != 4:
        raise ShapeError(f"conv2d: weight must be 4-d (out_channels, in_channels / groups, kh, "
                         f"kw), got shape {weight.shape}")
    o, cg, kh, kw = weight.shape
    if x.data.dtype != weight.data.dtype:
        raise DtypeError(f"conv2d: input of dtype {x.data.dtype} (shape {x.shape}) does not "
                         f"match weight of dtype {weight.data.dtype}; convert the input with "
                         f".to({str(weight.data.dtype)!r}) (or the model with .to(...))")
    if c != cg * groups or o % groups:
        raise ShapeError(f"conv2d: input of shape {x.shape} with groups={groups} does not match "
                         f"weight of shape {weight.shape} (expected {cg * groups} input channels "
                         f"and out_channels divisible by groups)")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    x, padding = _conv_padding(x, padding, (kh, kw), dilation, stride)
    win = _unfold(x, (kh, kw), stride, padding, dilation, "conv2d")   # (N, C, OH, OW, kh, kw)
    oh, ow = win.shape[2:4]
    k = cg * kh * kw
    cols = win.permute(0, 2, 3, 1, 4, 5)
    if groups == 1:
        out = linear(cols.reshape(n * oh * ow, k), weight.reshape(o, k), bias)
    else:
        cols = cols.reshape(n * oh * ow, groups, k).permute(1, 0, 2)
        out = cols @ weight.reshape(groups, o // groups, k).permute(0, 2, 1)
        out = out.permute(1, 0, 2).reshape(n * oh * ow, o)
        if bias is not None:
            out = out + bias
    out = out.reshape(n, oh, ow, o).permute(0, 3, 1, 2)
    return out if batched else out.reshape(out.shape[1:])


def _unfold(x, kernel, stride, padding, dilation, op, value=0.0):
    try:
        return x._apply1(Unfold, kernel, stride, padding, dilation, value)
    except ShapeError as e:
        raise ShapeError(f"{op}: input of shape {x.shape}: {e}") from None


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks as columns (PyTorch's ``F.unfold``): (N, C, H, W) ->
    (N, C * kh * kw, L), L the number of window positions; (C, H, W) -> (C * kh * kw, L)."""
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 4:
        raise ShapeError(f"unfold: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got "
                         f"shape {input.shape}")
    k = _pair(kernel_size, "kernel_size")
    win = _unfold(input, k, _pair(stride, "stride"), _pair(padding, "padding"),
                  _pair(dilation, "dilation"), "unfold")
    n, c, oh, ow = win.shape[:4]
    return fresh(win.permute(0, 1, 4, 5, 2, 3).reshape(n, c * k[0] * k[1], oh * ow), input)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of ``unfold``: sums columns (N, C * kh * kw, L) into (N, C, H, W), or
    (C * kh * kw, L) into (C, H, W)."""
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding,
                    stride).squeeze(0)
    if input.ndim != 3:
        raise ShapeError(f"fold: expected a 2-d (C * kh * kw, L) or 3-d (N, C * kh * kw, L) "
                         f"input, got shape {input.shape}")
    (kh, kw), (sh, sw) = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
    (ph, pw), (dh, dw) = _pair(padding, "padding"), _pair(dilation, "dilation")
    h, w = _pair(output_size, "output_size")
    oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    n, ck, length = input.shape
    if ck % (kh * kw) or length != oh * ow:
        raise ShapeError(f"fold: input of shape {input.shape} does not match kernel "
                         f"{(kh, kw)} and {oh * ow} blocks for output size {(h, w)}")
    c = ck // (kh * kw)
    cols = input.reshape(n, c, kh, kw, oh, ow).permute(0, 1, 4, 5, 2, 3)
    return cols._apply1(Fold, (n, c, h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))


# --- pooling -----------------------------------------------------------------------------
def _pool_extent(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output length along one dim, and the extra padding its last
    window needs past the end (ceil_mode); a window must start inside the input or
    its left padding."""
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out, max(0, (out - 1) * s + span - (size + 2 * p))


def _pool_windows(input, kernel_size, stride, padding, dilation, ceil_mode, op, value):
    """(windows (N, C, OH, OW, kh, kw), batched, geometry): a reshape view for
    non-overlapping windows, else Unfold; `value` fills the padding (and, with ceil_mode,
    the part of the last windows past the end)."""
    x, batched = _as_4d(input, op)
    k = _pair(kernel_size, "kernel_size")
    s = _pair(stride, "stride") if stride not in (None, ()) else k
    p, d = _pair(padding, "padding"), _pair(dilation, "dilation")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ArgumentError(f"{op}: padding {p} should be at most half the kernel size {k}")
    n, c, h, w = x.shape
    (oh, eh), (ow, ew) = (_pool_extent(size, *a, ceil_mode)
                          for size, a in zip((h, w), zip(k, s, p, d)))
    if oh <= 0 or ow <= 0:
        raise ShapeError(f"{op}: kernel {k} (stride {s}, padding {p}, dilation {d}) gives an "
                         f"empty output for the input of shape {x.shape}")
    geometry = ((h, w), k, s, p, d, (oh, ow))
    if p == (0, 0) and d == (1, 1) and s == k and not (eh or ew):
        if h % k[0] or w % k[1]:
            x = x[:, :, :oh * k[0], :ow * k[1]]
        return x.reshape(n, c, oh, k[0], ow, k[1]).permute(0, 1, 2, 4, 3, 5), batched, geometry
    if eh or ew:
        x = pad(x, (0, ew, 0, eh), value=value)
    win = _unfold(x, k, s, p, d, op, value)
    if win.shape[2:4] != (oh, ow):        # ceil_mode dropped a window starting in the padding
        win = win[:, :, :oh, :ow]
    return win, batched, geometry


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows (padding counts as -inf). Gradient: to the maximum of each window;
    exact ties share it equally, as ``amax`` (PyTorch's max_pool2d gives it all to the
    first; kept so that DeepLift's max rule applies). ``return_indices=True`` also
    returns PyTorch's indices (functional_spatial.max_indices: the flat index in its
    (H, W) plane of each window's first maximum, int64)."""
    win, batched, geometry = _pool_windows(input, kernel_size, stride, padding, dilation,
                                           ceil_mode, "max_pool2d", -np.inf)
    out = win.amax((4, 5))
    if not return_indices:
        return out if batched else out.reshape(out.shape[1:])
    _, k, s, p, d, _ = geometry
    idx = _max_indices(input.data, out.data, k, s, p, d, ceil_mode)
    if not batched:
        out, idx = out.reshape(out.shape[1:]), idx.reshape(idx.shape[1:])
    return out, _wrap(idx, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over windows, as PyTorch: the divisor counts the padding (unless
    ``count_include_pad=False``) but never the part of a ceil_mode window past the
    padded end; ``divisor_override`` replaces it."""
    win, batched, geometry = _pool_windows(input, kernel_size, stride, padding, 1,
                                           ceil_mode, "avg_pool2d", 0.0)
    total = win.sum((4, 5))
    if divisor_override:
        out = total * (1.0 / divisor_override)
    else:
        (h, w), k, s, p, _, (oh, ow) = geometry
        sizes = []
        for size, ki, si, pi, o in zip((h, w), k, s, p, (oh, ow)):
            start = np.arange(o) * si - pi
            end = np.minimum(start + ki, size + pi)
            sizes.append(end - start if count_include_pad
                         else np.minimum(end, size) - np.maximum(start, 0))
        divisor = sizes[0][:, None] * sizes[1][None, :]
        if (divisor == k[0] * k[1]).all():
            out = total * (1.0 / (k[0] * k[1]))
        else:
            out = total * (1.0 / divisor).astype(total.dtype)
    return out if batched else out.reshape(out.shape[1:])


# --- activations (the others are in functional_activation.py) ---------------------------
def erf(input):
    return input._apply1(Erf)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input, approximate="none"):
    """x * Phi(x) with Phi the normal CDF: 0.5 x (1 + erf(x / sqrt 2)); with
    ``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    The exact form is one fused node (autograd/ops_nn.py's Gelu); in float32 it is
    within 1.5e-7 |x| of the true value, as PyTorch's CPU kernel. Floating inputs only
    (an integer input gave truncated integers)."""
    if input.data.dtype.kind != "f":
        raise DtypeError(f"gelu: expected a floating-point tensor, got {input.data.dtype} of "
                         f"shape {input.data.shape}")
    if approximate == "none":
        return input._apply1(Gelu)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * (inner.tanh() + 1.0) * 0.5
    raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# --- normalisation ---------------------------------------------------------
def _normalize(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over `axes`, with the biased variance, that var and
    the mean (an array). The mean is corrected by its rounding (mean_rounding), which
    would otherwise count as variance."""
    mean = x.mean(axes, keepdim=True)
    centred = x - mean
    correction = mean_rounding(centred.data, axes)
    centred = centred - correction
    var = (centred * centred).mean(axes, keepdim=True)
    return centred * (var + eps).rsqrt(), var, mean.data + correction


def _same_dtype(op, input, *params):
    """The mixed-dtype check of the norm layers: PyTorch refuses float64 input with
    float32 weights (and the reverse) rather than promoting."""
    for p in params:
        if p is not None and p.data.dtype != input.data.dtype:
            raise DtypeError(f"{op}: input of dtype {input.data.dtype} (shape {input.shape}) "
                             f"does not match weight of dtype {p.data.dtype}; convert the "
                             f"input with .to({str(p.data.dtype)!r}) (or the model with "
                             f".to(...))")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims `normalized_shape`, then scale and shift."""
    _same_dtype("layer_norm", input, weight, bias)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape):] != shape:
        raise ShapeError(f"layer_norm: input of shape {input.shape} does not end with the "
                         f"normalized_shape {shape}")
    if 0 in shape:      # rows of no element, no mean (1 / 0): an empty output, as PyTorch
        y = input * 1.0
    elif (len(shape) == 1 and isinstance(weight, Tensor) and isinstance(bias, Tensor)
            and weight.shape == bias.shape == shape
            and input.dtype == weight.dtype == bias.dtype and input.dtype.kind == "f"):
        return applyn(LayerNorm, (input, weight, bias), float(eps))
    else:
        y = input._apply1(Normalize, tuple(range(input.ndim - len(shape), input.ndim)),
                          float(eps))
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims `normalized_shape`, times
    `weight`; eps defaults to the input dtype's machine epsilon, as PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape):] != shape:
        raise ShapeError(f"rms_norm: input of shape {input.shape} does not end with the "
                         f"normalized_shape {shape}")
    _same_dtype("rms_norm", input, weight)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims. In training, use
    the batch statistics and update the running ones in place:
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance for
    running_var, as PyTorch); in eval, use the running statistics. An empty batch gives
    an empty result and leaves the running statistics alone, as PyTorch."""
    _same_dtype("batch_norm", input, weight, bias)
    c = input.shape[1] if input.ndim > 1 else 0
    shape = (c,) + (1,) * (input.ndim - 2)
    axes = (0,) + tuple(range(2, input.ndim))
    count = input.data.size // max(c, 1)
    if training and count == 0:               # an empty batch: nothing to normalise or track
        y = input
    elif training:
        if count == 1:
            raise ArgumentError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape}")
        y, var, mean = _normalize(input, axes, eps)
        if running_mean is not None:
            _update_running(running_mean, mean.reshape(c), momentum)
        if running_var is not None:
            _update_running(running_var, var.data.reshape(c) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ArgumentError("batch_norm: running_mean and running_var must be given in "
                                "evaluation mode (training=False), or pass training=True to "
                                "normalise with the batch's statistics")
        rm, rv = running_mean.data, running_var.data
        invstd = (1.0 / np.sqrt(rv + eps)).astype(input.dtype, copy=False)
        y = (input - rm.reshape(shape).astype(input.dtype, copy=False)) * invstd.reshape(shape)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _update_running(running, value, momentum):
    """A running statistic, in place: running = (1 - momentum) * running + momentum * value,
    in the running tensor's dtype (batch_norm's, SyncBatchNorm's)."""
    running.data *= _weak(1.0 - momentum, running.dtype)
    running.data += (_weak(momentum, value.dtype) * value).astype(running.dtype, copy=False)


def _weak(x, dtype):
    """`x` as numpy takes a Python number beside an array of `dtype`: cast to it. A numpy
    number or 0-d array (BatchNorm's cumulative-average momentum, computed from its
    count so that a compiled replay recomputes it) would promote the array instead."""
    return x.astype(dtype) if isinstance(x, (np.ndarray, np.generic)) else x


# --- embeddings and shapes -------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` at the integer indices `input`: (*) -> (*, embedding_dim). Rows
    looked up at `padding_idx` get no gradient. As PyTorch: with `max_norm`, the rows
    looked up whose `norm_type`-norm exceeds it are first rescaled in place (without
    recording) to norm max_norm (divided by norm + 1e-7); with `scale_grad_by_freq`,
    each row's gradient is divided by how often it occurs in `input`."""
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not "
                                  "supported; gradients are dense")
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise ArgumentError(f"embedding: indices must be integers, got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        # negative indices too, as PyTorch (a -100 "ignore" id would pick row n - 100)
        raise OutOfRangeError(f"embedding: index out of range: indices in [{idx.min()}, "
                              f"{idx.max()}] for a table of {n} rows (0 to {n - 1})")
    if max_norm is not None and idx.size:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
    out = weight[idx]
    if scale_grad_by_freq and idx.size:
        rows, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        scale = (1.0 / counts[inverse.reshape(idx.shape)]).astype(out.dtype)[..., None]
        held = out.detach()
        out = held + (out - held) * scale      # the value exactly, the gradient scaled
    if padding_idx is not None:
        keep = (idx != padding_idx % n)[..., None]
        out = out.where(keep, out.detach())
    return out


def _renorm_rows(weight, rows, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows of `weight` with norm > max_norm scaled in place
    to max_norm / (norm + 1e-7) of it; a change the graph sees (mark_modified)."""
    table = weight.data
    norms = np.linalg.vector_norm(table[rows], ord=float(norm_type), axis=1)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(table.dtype)
        table[rows[over]] *= scale[:, None]
        mark_modified(table, "embedding(max_norm=...)")


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: (*) -> (*, num_classes)."""
    if not isinstance(num_classes, (int, np.integer)):
        # (a tensor's value would size the result: a data-dependent shape, as in PyTorch)
        raise ArgumentError(f"one_hot: num_classes must be an int, got "
                            f"{type(num_classes).__name__}")
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise ArgumentError(f"one_hot: expected an integer tensor, got {idx.dtype}")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ArgumentError(f"one_hot: class values must be in [0, {num_classes}), got "
                         f"[{idx.min()}, {idx.max()}]")
    return _wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64), None)


_INDEX_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """Pad with `value` (mode 'constant'), or by reflecting ('reflect', without the
    edge), repeating the edge ('replicate') or wrapping around ('circular'), as PyTorch.
    `pad` gives (left, right) amounts from the last dim backwards, e.g. (1, 1, 2, 0) pads
    the last dim by 1 on each side and the one before by 2 on top. Negative amounts crop
    (first, then the other modes pad what is left). Unlike PyTorch, the other modes take
    any number of padded dims on any input."""
    nd = input.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise ArgumentError(f"pad: padding length {len(pad)} must be even and at most twice "
                         f"the number of dims ({nd})")
    if mode != "constant":
        return _pad_by_index(input, pad, mode)
    crop, inner, shape = [slice(None)] * nd, [slice(None)] * nd, list(input.shape)
    for i in range(len(pad) // 2):
        d, lo, hi = nd - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        kept = shape[d] - max(-lo, 0) - max(-hi, 0)
        if kept < 0:
            raise ShapeError(f"pad: padding {tuple(pad)} crops more than dim {d} of size "
                             f"{shape[d]} of input shape {input.shape}")
        crop[d] = slice(max(-lo, 0), max(-lo, 0) + kept)
        inner[d] = slice(max(lo, 0), max(lo, 0) + kept)
        shape[d] = kept + max(lo, 0) + max(hi, 0)
    x = input if all(s == slice(None) for s in crop) else input[tuple(crop)]
    out = x._apply1(ops.IndexAdd, tuple(inner), tuple(shape))
    if value:
        border = np.full(shape, value, input.dtype)
        border[tuple(inner)] = 0
        out = out + border
    return out


def _pad_by_index(input, pad, mode):
    """The non-constant modes: one integer index per padded dim (its gradient adds up
    the repeated elements)."""
    if mode not in _INDEX_PAD_MODES:
        raise ArgumentError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                            f"'circular', got {mode!r}")
    out = input
    for i in range(len(pad) // 2):
        d, lo, hi = input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        n = input.shape[d]
        kept = np.arange(max(-lo, 0), n - max(-hi, 0))
        most = max(lo, hi, 0)
        if (most and (kept.size == 0 or (mode == "reflect" and most >= kept.size)
                      or (mode == "circular" and most > kept.size))):
            raise ShapeError(f"pad: {mode} padding ({lo}, {hi}) of dim {d} must be "
                             f"{'smaller than' if mode == 'reflect' else 'at most'} its size "
                             f"{kept.size} (input shape {input.shape})")
        index = np.pad(kept, (max(lo, 0), max(hi, 0)), mode=_INDEX_PAD_MODES[mode])
        if index.size != n or (index != np.arange(n)).any():
            out = out[(slice(None),) * d + (index,)]
    return input.clone() if out is input else out     # a new tensor, as PyTorch's


from .conv_transpose import (conv_transpose1d, conv_transpose2d,  # noqa: E402,F401
                             conv_transpose3d)
from .embedding import embedding_bag  # noqa: E402,F401
from .ctc import ctc_loss  # noqa: E402,F401
from .volumetric import (adaptive_avg_pool3d, adaptive_max_pool3d,  # noqa: E402,F401
                         adaptive_max_pool3d_with_indices, avg_pool3d, conv3d, max_pool3d,
                         max_pool3d_with_indices)
from .pooling_extra import (channel_shuffle, local_response_norm, lp_pool1d,  # noqa: E402,F401
                            lp_pool2d, lp_pool3d, max_unpool1d, max_unpool2d, max_unpool3d,
                            pdist)
from .pooling_fractional import (fractional_max_pool2d,  # noqa: E402,F401
                                 fractional_max_pool2d_with_indices, fractional_max_pool3d,
                                 fractional_max_pool3d_with_indices)
from .functional_attention import scaled_dot_product_attention  # noqa: E402,F401
from .functional_mha import multi_head_attention_forward  # noqa: E402,F401
from .functional_norm import group_norm, instance_norm, normalize  # noqa: E402,F401
