"""``Conv2d`` (and the base it shares with ``Conv1d``), ``MaxPool2d`` and ``AvgPool2d``."""
from autograd.errors import ArgumentError

from . import functional as F
from .linear import WeightAndBias
from .module import Module


class _Conv(WeightAndBias):
    def _set_channels(self, in_channels, out_channels, groups, padding_mode):
        """The checks and attributes Conv1d and Conv2d share, named as PyTorch's."""
        op = type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{op}: in_channels ({in_channels}) and out_channels "
                                f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ArgumentError(f"{op}: padding_mode must be 'zeros', 'reflect', "
                                f"'replicate' or 'circular', got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode

    def _set_padding(self, padding, as_tuple):
        """`padding` as PyTorch takes it: 'valid', 'same' (stride 1 only: refused here, as
        PyTorch refuses it, where a padding_mode other than 'zeros' padded for it silently)
        or what `as_tuple` turns into a tuple. Call after setting self.stride."""
        op = type(self).__name__
        if not isinstance(padding, str):
            self.padding = as_tuple(padding)
            return
        if padding not in ("valid", "same"):
            raise ArgumentError(f"{op}: invalid padding string {padding!r}, should be 'valid' "
                                f"or 'same'")
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ArgumentError(f"{op}: padding='same' is not supported for strided "
                                f"convolutions (stride {self.stride})")
        self.padding = padding

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.kernel_size):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.kernel_size):
            s += f", dilation={self.dilation}"
        output_padding = getattr(self, "output_padding", None)     # transposed ones'
        if output_padding is not None and output_padding != (0,) * len(output_padding):
            s += f", output_padding={output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_Conv):
    """2-d convolution (cross-correlation) with PyTorch's arguments and layouts:
    weight (out_channels, in_channels / groups, kh, kw), bias (out_channels,); padding
    is an int, a pair, 'valid' or 'same'."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__()
        self._set_channels(in_channels, out_channels, groups, padding_mode)
        self.kernel_size = F._pair(kernel_size, "kernel_size")
        self.stride, self.dilation = F._pair(stride, "stride"), F._pair(dilation, "dilation")
        self._set_padding(padding, lambda p: F._pair(p, "padding"))
        self._create_parameters((out_channels, in_channels // groups) + self.kernel_size, bias,
                                dtype, device)

    def forward(self, input):
        if self.padding_mode == "zeros":
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        return F.conv2d(F.pad(input, self._pad_amounts(), self.padding_mode), self.weight,
                        self.bias, self.stride, 0, self.dilation, self.groups)

    def _pad_amounts(self):
        """F.pad's (left, right, top, bottom) for this layer's padding ('same' puts the
        odd one on the right and bottom, as PyTorch)."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            return (total[1] // 2, total[1] - total[1] // 2, total[0] // 2,
                    total[0] - total[0] // 2)
        (ph, pw) = self.padding
        return (pw, pw, ph, ph)


class _Pool2d(Module):
    def __init__(self, kernel_size, stride, padding, ceil_mode):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode


class MaxPool2d(_Pool2d):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation, self.return_indices = dilation, return_indices

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
