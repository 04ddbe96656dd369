"""Elementwise math beyond the operators: the binary special functions (atan2, hypot,
logaddexp, logaddexp2, xlogy) on the primitives of ops/special.py, logit, and composites
of existing ops, whose gradients come for free: sinc, copysign, deg2rad, rad2deg,
heaviside, fmax, fmin, lerp, nan_to_num; and numpy's and PyTorch's aliases (arcsin ...
arctan2, sgn). The unary functions (asin, ..., log2, exp2, erf, erfc, erfinv) are made
from their primitives in elementwise.py."""
import builtins
import math

import numpy as np

from .. import ops
from ..dtypes import result_type
from ..errors import DtypeError
from ..public import FUNCTIONS, public
from ..tensor import Tensor
from .arguments import _t
from .elementwise import abs, sin, where

for _name in ("asin", "acos", "atan", "asinh", "acosh", "atanh"):
    public(FUNCTIONS[_name], name="arc" + _name[1:], method=True)
public(FUNCTIONS["sign"], name="sgn", method=True)   # sign and sgn differ for complex only


def _floating(cls, a, b):
    """Binary primitive `cls` of a and b (either one a number or a Tensor) in their result
    dtype, integers and bool computed in the default float dtype (PyTorch refuses
    integers for hypot and logaddexp)."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        return _floating_cast(b, a, b)._binary(cls, a, reverse=True)
    a = _t(a)
    return _floating_cast(a, a, b)._binary(cls, b)


def _floating_cast(x, a, b):
    dt = result_type(a, b, floating=True)
    return x if x.data.dtype == dt else x.to(dt)


@public(name="arctan2", method=True)
@public(method=True)
def atan2(input, other):
    """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting;
    d/dinput = other / r^2, d/dother = -input / r^2 (NaN at the origin, as PyTorch)."""
    return _floating(ops.Atan2, input, other)


@public(method=True)
def hypot(input, other):
    """sqrt(input^2 + other^2) without overflow, elementwise with broadcasting; the
    gradient is (input, other) / hypot (NaN at the origin, as PyTorch)."""
    return _floating(ops.Hypot, input, other)


@public(method=True)
def logaddexp(input, other):
    """log(e^input + e^other) without overflow, elementwise with broadcasting."""
    return _floating(ops.LogAddExp, input, other)


@public(method=True)
def logaddexp2(input, other):
    """log2(2^input + 2^other) without overflow, elementwise with broadcasting."""
    return _floating(ops.LogAddExp2, input, other)


@public(method=True)
def logit(input, eps=None):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] if eps is given. The
    derivative is 1 / (x (1 - x)): NaN outside [0, 1] without eps, 0 outside
    [eps, 1 - eps] with it, as PyTorch."""
    return _floating_cast(input, input, 0)._apply1(ops.Logit, None if eps is None else float(eps))


@public(method=True)
def xlogy(input, other):
    """input * log(other), 0 where input is 0 (unless other is NaN), elementwise with
    broadcasting; d/dinput = log(other) (0 where input is 0 and other <= 0),
    d/dother = input / other, as PyTorch."""
    return _floating(ops.Xlogy, input, other)


@public(method=True)
def sinc(input):
    """sin(pi x) / (pi x), 1 at 0 (the normalised sinc, as PyTorch); its derivative at 0
    is 0."""
    x = _floating_cast(input, input, 0)
    zero = x.data == 0
    px = where(zero, 1.0, x) * math.pi
    return where(zero, 1.0, sin(px) / px)


@public(method=True)
def copysign(input, other):
    """|input| with the sign of other (its sign bit: -0 and -NaN count as negative),
    elementwise with broadcasting; integers give the default float dtype. d/dinput is
    ±1 (0 at 0 and NaN, as abs's), also at ±inf, where PyTorch's result / input gives
    NaN; other gets no gradient (PyTorch's is 0)."""
    x = _t(input, other if isinstance(other, Tensor) else None)
    dt = result_type(x, other, floating=True)
    negative = np.signbit(np.asarray(getattr(other, "data", other), dt))
    return abs(x if x.data.dtype == dt else x.to(dt)) * np.where(negative, -1.0, 1.0).astype(dt)


@public(method=True)
def deg2rad(input):
    """Degrees to radians, x * pi / 180 (integers give the default float dtype)."""
    return _floating_cast(input, input, 0) * (math.pi / 180.0)


@public(method=True)
def rad2deg(input):
    """Radians to degrees, x * 180 / pi (integers give the default float dtype)."""
    return _floating_cast(input, input, 0) * (180.0 / math.pi)


@public(method=True)
def heaviside(input, values):
    """The step function: 0 where input < 0 (and NaN), 1 where input > 0, values (a
    Tensor of input's dtype, broadcast) where input is 0. input gets no gradient (the
    step is flat wherever it has a slope), values gets it where input is 0 (PyTorch
    has no derivative for heaviside: its backward raises)."""
    if not isinstance(values, Tensor) or values.data.dtype != input.data.dtype:
        raise DtypeError(f"heaviside: values must be a Tensor of input's dtype "
                         f"({input.data.dtype}), got "
                         f"{getattr(getattr(values, 'data', values), 'dtype', type(values))}")
    x = input.data
    return where(x == 0, values, (x > 0).astype(x.dtype))


@public(method=True)
def fmax(input, other):
    """The elementwise maximum of input and other, where a NaN loses to a number (NaN
    only where both are); the gradient goes to input where input >= other or other is
    NaN, else to other (PyTorch's choice: all of it to input at a tie)."""
    return _pick(input, other, np.greater_equal)


@public(method=True)
def fmin(input, other):
    """The elementwise minimum of input and other, where a NaN loses to a number; the
    gradient goes to input where input <= other or other is NaN, else to other."""
    return _pick(input, other, np.less_equal)


def _pick(a, b, keep):
    dt = result_type(a, b)
    ad, bd = (np.asarray(getattr(v, "data", v), dt) for v in (a, b))
    return where(keep(ad, bd) | np.isnan(bd), a, b)


@public(method=True)
def lerp(input, end, weight):
    """input + weight * (end - input), computed as PyTorch: end - (end - input) *
    (1 - weight) where |weight| >= 0.5 (exact at weight = 1). weight is a number or a
    Tensor (broadcast); all three get their gradients."""
    dt = result_type(input, end)
    if dt.kind != "f":
        raise DtypeError(f"lerp: expected floating-point input and end, got {dt} (cast with "
                         f".float())")
    start = _t(input)
    end = _t(end, start)
    diff = end - start
    if not isinstance(weight, (Tensor, np.ndarray)):
        return start + weight * diff if builtins.abs(weight) < 0.5 else end - diff * (1 - weight)
    w = _t(weight, start)
    small = np.abs(w.data) < 0.5
    # each branch sees diff only where it is taken: an infinite diff in the other would
    # send weight 0 * inf = NaN (its gradient is diff, ±inf, as PyTorch's)
    return where(small, start + w * where(small, diff, 0.0),
                 end - where(small, 0.0, diff) * (1 - w))


@public(method=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """input with NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default
    0 and the dtype's largest and lowest finite values), as PyTorch; the replaced
    elements get a zero gradient. Integer and bool tensors are returned as a copy."""
    x = input.data
    if x.dtype.kind != "f":
        return input.clone()
    info = np.finfo(x.dtype)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    fixed = np.where(np.isnan(x), nan, np.where(x > 0, high, low)).astype(x.dtype)
    return where(np.isfinite(x), input, fixed)
