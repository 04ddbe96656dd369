"""``Conv1d``, the 1-d and adaptive pooling layers, ``PixelShuffle``/``PixelUnshuffle``,
``Upsample`` and the padding layers, with PyTorch's constructor arguments and
attribute names (Conv1d's ``weight`` (out, in / groups, k) and ``bias``)."""
from autograd.errors import ArgumentError

from . import functional as F
from .conv import MaxPool2d, _Conv
from .module import Module


def _one(v):
    return (int(v[0]) if isinstance(v, (tuple, list)) else int(v),)


class Conv1d(_Conv):
    """1-d convolution (cross-correlation): weight (out_channels, in_channels / groups,
    k), bias (out_channels,); padding an int, 'valid' or 'same'."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__()
        self._set_channels(in_channels, out_channels, groups, padding_mode)
        self.kernel_size, self.stride, self.dilation = (_one(kernel_size), _one(stride),
                                                        _one(dilation))
        self._set_padding(padding, _one)
        self._create_parameters((out_channels, in_channels // groups) + self.kernel_size, bias,
                                dtype, device)

    def forward(self, input):
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            amounts = (total // 2, total - total // 2)
        else:
            amounts = (0, 0) if self.padding == "valid" else self.padding * 2
        return F.conv1d(F.pad(input, amounts, self.padding_mode), self.weight, self.bias,
                        self.stride, 0, self.dilation, self.groups)


class Unfold(Module):
    """F.unfold as a layer: (N, C, H, W) -> (N, C * kh * kw, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Unfold):
    """F.fold as a layer: (N, C * kh * kw, L) -> (N, C, H, W), unfold's adjoint."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return f"output_size={self.output_size}, " + super().extra_repr()


class MaxPool1d(MaxPool2d):
    """MaxPool2d's arguments and attributes, over the last dim of (N, C, L) or (C, L)."""

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class AvgPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _one(kernel_size)
        self.stride = _one(stride if stride is not None else kernel_size)
        self.padding, self.ceil_mode = _one(padding), ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _Adaptive(Module):
    _function = ""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return getattr(F, self._function)(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    _function = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_Adaptive):
    _function = "adaptive_avg_pool2d"


class AdaptiveMaxPool1d(_Adaptive):
    _function = "adaptive_max_pool1d"

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return getattr(F, self._function)(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    _function = "adaptive_max_pool2d"


class PixelShuffle(Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class Upsample(Module):
    """F.interpolate as a layer."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = (float(scale_factor) if isinstance(scale_factor, (int, float))
                             else tuple(float(s) for s in scale_factor) if scale_factor
                             else None)
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        what = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


# --- padding ---------------------------------------------------------------------------------
class _Pad(Module):
    """F.pad(input, padding, mode, value) with `padding` (left, right[, top, bottom]); an
    int pads every side by it."""
    _mode, _sides = "constant", 2

    def __init__(self, padding):
        super().__init__()
        self.padding = ((int(padding),) * self._sides if isinstance(padding, int)
                        else tuple(int(p) for p in padding))
        if len(self.padding) != self._sides:
            raise ArgumentError(f"{type(self).__name__}: padding must be an int or a "
                                f"{self._sides}-tuple, got {padding}")

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(_Pad):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    _sides = 4


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    _sides = 4


class ReflectionPad1d(_Pad):
    _mode = "reflect"


class ReflectionPad2d(_Pad):
    _mode, _sides = "reflect", 4


class ReplicationPad1d(_Pad):
    _mode = "replicate"


class ReplicationPad2d(_Pad):
    _mode, _sides = "replicate", 4


class CircularPad1d(_Pad):
    _mode = "circular"


class CircularPad2d(_Pad):
    _mode, _sides = "circular", 4
