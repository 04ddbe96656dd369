"""Activation modules: each forwards to its function in ``nn.functional``, with
PyTorch's constructor arguments stored under PyTorch's attribute names (and PReLU's
``weight``, so state dicts load both ways)."""
import numpy as np

from autograd.errors import ArgumentError, ShapeError

from . import functional as F
from .module import Module
from .parameter import Parameter, float_dtype


class _Activation(Module):
    """forward(input) = F.<_function>(input, *the attributes named in _arguments, in
    the function's order); extra_repr lists them (inplace only when set)."""
    _function = ""
    _arguments = ()

    def forward(self, input):
        return getattr(F, self._function)(input, *(getattr(self, a) for a in self._arguments))

    def extra_repr(self):
        return ", ".join(f"{a}={getattr(self, a)}" for a in self._arguments
                         if a != "inplace" or self.inplace)


class ReLU(_Activation):
    _function, _arguments = "relu", ("inplace",)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class LeakyReLU(_Activation):
    _function, _arguments = "leaky_relu", ("negative_slope", "inplace")

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace


class Threshold(_Activation):
    _function, _arguments = "threshold", ("threshold", "value", "inplace")

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace


class Hardtanh(_Activation):
    _function, _arguments = "hardtanh", ("min_val", "max_val", "inplace")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        min_val = min_val if min_value is None else min_value      # PyTorch's old names
        max_val = max_val if max_value is None else max_value
        if min_val > max_val:
            raise ArgumentError(f"Hardtanh: min_val ({min_val}) cannot be greater than "
                                f"max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class RReLU(_Activation):
    """Leaky ReLU with a slope drawn U(lower, upper) per element in training, their mean in
    eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                            else "")


class ReLU6(Hardtanh):
    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class PReLU(Module):
    """x where x > 0, else weight * x: `num_parameters` learnt slopes (1, or one per
    channel, dim 1 of the input), initialised to `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(np.empty(num_parameters, float_dtype(dtype, device)))
        self.reset_parameters()

    def reset_parameters(self):
        self.weight.data[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(_Activation):
    _function, _arguments = "elu", ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class CELU(ELU):
    _function = "celu"


class SELU(_Activation):
    _function, _arguments = "selu", ("inplace",)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class SiLU(SELU):
    _function = "silu"


class Mish(SELU):
    _function = "mish"


class Hardsigmoid(SELU):
    _function = "hardsigmoid"


class Hardswish(SELU):
    _function = "hardswish"


class Softplus(_Activation):
    _function, _arguments = "softplus", ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold


class Softshrink(_Activation):
    _function, _arguments = "softshrink", ("lambd",)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd


class Hardshrink(Softshrink):
    _function = "hardshrink"


class Tanh(_Activation):
    _function = "tanh"


class Sigmoid(_Activation):
    _function = "sigmoid"


class Softsign(_Activation):
    _function = "softsign"


class Tanhshrink(_Activation):
    _function = "tanhshrink"


class LogSigmoid(_Activation):
    _function = "logsigmoid"


class GELU(_Activation):
    """x * Phi(x), exactly (erf) or with the tanh approximation (approximate='tanh')."""
    _function, _arguments = "gelu", ("approximate",)

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ArgumentError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class GLU(_Activation):
    _function, _arguments = "glu", ("dim",)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim


class Softmax(GLU):
    _function = "softmax"

    def __init__(self, dim=None):
        super().__init__(dim)


class Softmax2d(_Activation):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected a 3-d or 4-d input, got shape {input.shape}")
        return F.softmax(input, -3)


class Softmin(Softmax):
    _function = "softmin"


class LogSoftmax(Softmax):
    _function = "log_softmax"
