"""The 3-d ops: ``conv3d``, ``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d`` and
``adaptive_max_pool3d`` (re-exported by ``nn.functional``) and their modules, with the
3-d padding layers.

All are the 2-d ops arranged: a 3-d convolution is the sum over the kernel's depth of
2-d convolutions of the depth slices it reads (batched over the output depth); max and
mean over a box are separable, so a 3-d pool is a 2-d pool over (H, W) then one over D
(the divisor of a mean, padding and ceil_mode windows included, is the product of the
per-dim ones, as PyTorch's). Gradients come from the 2-d ops'.
"""
import numpy as np

from autograd.errors import ArgumentError, ShapeError
from autograd.graph import _wrap

from . import functional as F
from .conv import AvgPool2d, MaxPool2d, _Conv
from .functional_spatial import (_adaptive_avg, _adaptive_max_along, _adaptive_sizes,
                                 adaptive_max_indices, max_indices)
from .spatial import ConstantPad1d, ZeroPad1d, _Adaptive, _Pad


def _triple(v, name):
    return F._ntuple(v, 3, name)


def _as_5d(input, op):
    if input.ndim == 5:
        return input, True
    if input.ndim == 4:
        return input.unsqueeze(0), False
    raise ShapeError(f"{op}: expected a 4-d (C, D, H, W) or 5-d (N, C, D, H, W) input, got "
                     f"shape {input.shape}")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation as PyTorch: input (N, C, D, H, W), weight
    (O, C/groups, kd, kh, kw), bias (O,); padding an int, a triple, 'valid' or 'same'."""
    x, batched = _as_5d(input, "conv3d")
    if weight.ndim != 5:
        raise ShapeError(f"conv3d: weight must be 5-d (out_channels, in_channels / groups, kd, "
                         f"kh, kw), got shape {weight.shape}")
    kernel = weight.shape[2:]
    stride, dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "same" and stride != (1, 1, 1):
            raise ArgumentError("conv3d: padding='same' is not supported for strided "
                                "convolutions")
        total = [d * (k - 1) if padding == "same" else 0 for k, d in zip(kernel, dilation)]
        x = F.pad(x, tuple(a for t in reversed(total) for a in (t // 2, t - t // 2)))
        padding = (0, 0, 0)
    pd, ph, pw = _triple(padding, "padding")
    if pd:
        x = F.pad(x, (0, 0, 0, 0, pd, pd))
    n, depth = x.shape[0], x.shape[2]
    out_depth = (depth - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    if out_depth <= 0:
        raise ShapeError(f"conv3d: kernel {kernel} (dilation {dilation}) is larger than the "
                         f"padded input of shape {x.shape}")
    out = None
    for kd in range(kernel[0]):
        rows = np.arange(out_depth) * stride[0] + kd * dilation[0]
        slices = x[:, :, rows].permute(0, 2, 1, 3, 4)
        slices = slices.reshape((n * out_depth,) + tuple(slices.shape[2:]))
        try:
            part = F.conv2d(slices, weight[:, :, kd], None, stride[1:], (ph, pw), dilation[1:],
                            groups)
        except (ShapeError, ArgumentError) as e:
            raise type(e)(f"conv3d: input of shape {input.shape}, weight of shape "
                          f"{weight.shape}: {e}") from None
        out = part if out is None else out + part
    out = out.reshape((n, out_depth) + tuple(out.shape[1:])).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out if batched else out.reshape(out.shape[1:])


def _separable(input, op, pool2d, kernel, stride, padding, **kw):
    """pool2d over (H, W) of every depth slice, then over D, of a 4-d or 5-d input."""
    x, batched = _as_5d(input, op)
    k, p = _triple(kernel, "kernel_size"), _triple(padding, "padding")
    s = k if stride in (None, ()) else _triple(stride, "stride")
    n, c, d, h, w = x.shape
    dil = kw.pop("dilation", None)
    extra = {} if dil is None else {"dilation": _triple(dil, "dilation")[1:]}
    plane = pool2d(x.reshape(n * c, d, h, w), k[1:], s[1:], p[1:], **extra, **kw)
    oh, ow = plane.shape[-2:]
    extra = {} if dil is None else {"dilation": (_triple(dil, "dilation")[0], 1)}
    out = pool2d(plane.reshape(n * c, 1, d, oh * ow), (k[0], 1), (s[0], 1), (p[0], 0), **extra,
                 **kw)
    out = out.reshape(n, c, out.shape[2], oh, ow)
    return out if batched else out.reshape(out.shape[1:])


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over 3-d windows (max_pool2d's rules: padding is -inf, ties share the gradient);
    ``return_indices=True`` also returns, as PyTorch, each window's flat index in its
    (D, H, W) volume (int64)."""
    out = _separable(input, "max_pool3d", F.max_pool2d, kernel_size, stride, padding,
                     dilation=dilation, ceil_mode=ceil_mode)
    if not return_indices:
        return out
    k = _triple(kernel_size, "kernel_size")
    s = k if stride in (None, ()) else _triple(stride, "stride")
    return out, _wrap(max_indices(input.data, out.data, k, s, _triple(padding, "padding"),
                                  _triple(dilation, "dilation"), ceil_mode), None)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool3d(..., return_indices=True): (values, indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over 3-d windows with avg_pool2d's divisor rules; `divisor_override` divides
    each window's sum instead."""
    if divisor_override:
        total = _separable(input, "avg_pool3d", F.avg_pool2d, kernel_size, stride, padding,
                           ceil_mode=ceil_mode, count_include_pad=True, divisor_override=1)
        return total * (1.0 / divisor_override)
    return _separable(input, "avg_pool3d", F.avg_pool2d, kernel_size, stride, padding,
                      ceil_mode=ceil_mode, count_include_pad=count_include_pad)


def adaptive_avg_pool3d(input, output_size):
    """(N, C, D, H, W) or (C, D, H, W) -> (..., od, oh, ow): the mean of each adaptive box."""
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 3, "adaptive_avg_pool3d"))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """(N, C, D, H, W) or (C, D, H, W) -> (..., od, oh, ow): the max of each adaptive box
    (and PyTorch's indices with ``return_indices``)."""
    od, oh, ow = _adaptive_sizes(input, output_size, 3, "adaptive_max_pool3d")
    out = _adaptive_max_along(input, -3, od)
    out = _adaptive_max_along(_adaptive_max_along(out, -2, oh), -1, ow)
    if not return_indices:
        return out
    return out, _wrap(adaptive_max_indices(input.data, (od, oh, ow)), None)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool3d(..., return_indices=True): (values, indices)."""
    return adaptive_max_pool3d(input, output_size, True)


# --- modules ----------------------------------------------------------------------------------
class Conv3d(_Conv):
    """3-d convolution: weight (out_channels, in_channels / groups, kd, kh, kw)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__()
        self._set_channels(in_channels, out_channels, groups, padding_mode)
        self.kernel_size = _triple(kernel_size, "kernel_size")
        self.stride, self.dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
        self._set_padding(padding, lambda p: _triple(p, "padding"))
        self._create_parameters((out_channels, in_channels // groups) + self.kernel_size, bias,
                                dtype, device)

    def forward(self, input):
        if self.padding_mode == "zeros":
            return conv3d(input, self.weight, self.bias, self.stride, self.padding,
                          self.dilation, self.groups)
        if self.padding == "same":
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            amounts = tuple(a for t in reversed(total) for a in (t // 2, t - t // 2))
        else:
            pad = (0, 0, 0) if self.padding == "valid" else self.padding
            amounts = tuple(a for p in reversed(pad) for a in (p, p))
        return conv3d(F.pad(input, amounts, self.padding_mode), self.weight, self.bias,
                      self.stride, 0, self.dilation, self.groups)


class MaxPool3d(MaxPool2d):
    """MaxPool2d's arguments and attributes, over the last three dims."""

    def forward(self, input):
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool3d(AvgPool2d):
    """AvgPool2d's arguments and attributes, over the last three dims."""

    def forward(self, input):
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_Adaptive):
    def forward(self, input):
        return adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_Adaptive):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)


class ConstantPad3d(ConstantPad1d):
    _sides = 6


class ZeroPad3d(ZeroPad1d):
    _sides = 6


class ReflectionPad3d(_Pad):
    _mode, _sides = "reflect", 6


class ReplicationPad3d(_Pad):
    _mode, _sides = "replicate", 6


class CircularPad3d(_Pad):
    _mode, _sides = "circular", 6
