"""Elementwise functions: add/sub/mul/div and pow with PyTorch's dtype promotion, the
functions made from the primitives that name theirs (exp, log, relu, ...), neg, sqrt and
the other constant powers, sign, maximum/minimum, clamp and where."""
import numpy as np

from .. import ops, ops_nn
from ..dtypes import as_dtype, fitted, result_type, wrapped
from ..errors import ArgumentError, DtypeError, ShapeError
from ..graph import Primitive, _wrap, apply1
from ..public import public
from ..tensor import Tensor
from .arguments import _t

# Elementwise unary ops call apply1 directly: they cannot raise the shape errors that
# Tensor._apply1 rewords, and one call less is ~6% of an op's overhead.
# The functions take the operator's path, so an op gives the same dtype and value
# whichever way it is called: add(0.5, t) is 0.5 + t, that is t.__radd__(0.5).
@public
def add(a, b, *, alpha=1):
    """a + alpha * b, with PyTorch's dtype promotion (a number or a Tensor on either side)."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) + _scaled(
        "add", a, b, alpha)


@public
def sub(a, b, *, alpha=1):
    """a - alpha * b, with PyTorch's dtype promotion."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) - _scaled(
        "sub", a, b, alpha)


def _scaled(op, a, b, alpha):
    """alpha * b in the dtype of a and b's result, as PyTorch: an int8 b times 2 in int8
    would wrap before the sum. A float alpha for an integer result and a bool alpha for a
    non-bool one are refused, as PyTorch."""
    if alpha == 1 and type(alpha) is int:
        return b
    dt = result_type(a, b)
    if dt.kind != "b" and isinstance(alpha, (bool, np.bool_)):
        raise ArgumentError(f"{op}: a bool alpha ({alpha}) is only for a bool result, got "
                            f"{dt}; give alpha as a number")
    if dt.kind in "iub" and not isinstance(alpha, (int, np.integer)):
        raise ArgumentError(f"{op}: alpha must not be a float ({alpha!r}) for a result of "
                            f"integer dtype {dt}; convert the tensors to float first")
    if dt.kind == "b":
        return b if alpha else b & False
    if dt.kind in "iu":               # beyond the dtype: refused, as PyTorch
        alpha = int(fitted(alpha, dt, op, np.shape(getattr(a, "data", a))))
    return as_dtype(b, dt) * alpha


@public
def mul(a, b):
    """a * b, with PyTorch's dtype promotion."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) * b


@public(method=True)
def pow(x, exponent):
    """x ** exponent: a number exponent records Pow, a Tensor one (or base) PowT. An
    integer tensor to a negative integer number is refused, as in PyTorch."""
    if not isinstance(x, Tensor):
        if isinstance(exponent, Tensor):
            return exponent._binary(ops.PowT, x, reverse=True)
        x = Tensor(x)
    if isinstance(exponent, (Tensor, np.ndarray, list, tuple)):
        return x._binary(ops.PowT, exponent)
    if x.data.dtype.kind == "f":
        return x._apply1(ops.Pow, exponent if type(exponent) is int else float(exponent))
    dt = result_type(x, exponent)
    if dt.kind == "f":
        return x.to(dt)._apply1(ops.Pow, float(exponent))
    if exponent < 0:
        raise ArgumentError(f"pow: integers to negative integer powers are not allowed (a "
                            f"tensor of shape {x.data.shape} and dtype {x.data.dtype} ** "
                            f"{exponent}); use a float tensor")
    if dt.kind == "b":                      # bool ** bool is bool, as PyTorch
        return _wrap(x.data | (not exponent), None)
    return x.to(dt)._apply1(ops.Pow, int(exponent))


def _elementwise(cls):
    """The public function of one-input primitive `cls` (exp for Exp, ...: the name its
    class declares, see graph.Primitive), declared."""
    return public(unary(cls, cls.function), method=cls.method)


def unary(cls, name):
    """The function `name` of one-input primitive `cls`. It refuses a non-Tensor: apply1
    runs the bare numpy forward on an array (for backward rules), which a user's array
    must not get silently. A `floating` op computes a bool or integer tensor in the
    default float dtype (dtypes.result_type), as PyTorch."""
    floating = cls.floating

    def fn(x):
        if isinstance(x, Tensor):
            if x.data.dtype.kind != "f":
                if not floating and x.data.dtype.kind == "b":
                    raise DtypeError(f"{name}: bool tensors are not supported (shape "
                                     f"{x.data.shape}); convert with .long() or .float()")
                if floating:
                    x = x.to(result_type(x, floating=True))
            return apply1(cls, x)
        raise ArgumentError(f"{name}: expected a Tensor, got {type(x).__name__}; make one "
                            f"with autograd.tensor(...)")
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}(x), elementwise: {cls.__doc__}"
    return fn


# exp, log, sin, cos, tanh, sigmoid, softplus, relu, abs, asin, ..., erf: made from the
# primitives that name their public function (ops/, ops_nn.py)
for _cls in [*vars(ops).values(), *vars(ops_nn).values()]:
    if isinstance(_cls, type) and issubclass(_cls, Primitive) and _cls.__dict__.get("function") \
            and _cls.function not in globals():
        globals()[_cls.function] = _elementwise(_cls)


@public(method=True)
def neg(x):
    """-x; d/dx = -1. Unsigned integers wrap around (-1 is 255 in uint8); refused for
    bool tensors (use logical_not)."""
    if x.data.dtype.kind == "f":
        return apply1(ops.MulScalar, x, -1)
    if x.data.dtype.kind == "b":
        raise DtypeError(f"neg: negation of a bool tensor (shape {x.data.shape}) is not "
                         f"supported; use ~x or logical_not(x)")
    if x.data.dtype.kind == "u":              # wraps around, as PyTorch: -1 is the max value
        return x._binary(ops.Mul, np.array(-1).astype(x.data.dtype)[()])
    return x._binary(ops.Mul, -1)


def _float_pow(x, c):
    """x ** c for a constant that makes the result floating (sqrt, rsqrt, reciprocal)."""
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    return x._apply1(ops.Pow, c)


@public(method=True)
def sqrt(x):
    """Square root, x ** 0.5 (integers computed in the default float dtype)."""
    return _float_pow(x, 0.5)


@public(method=True)
def rsqrt(x):
    """1 / sqrt(x), as PyTorch (its bits; NaN at -inf and -inf at -0, where x ** -0.5
    gives 0 and inf)."""
    return _float_pow(_float_pow(x, 0.5), -1)


@public(method=True)
def square(x):
    """x * x, x ** 2 (a bool tensor gives int64)."""
    return x._apply1(ops.Pow, 2) if x.data.dtype.kind != "b" else x.long()._apply1(ops.Pow, 2)


@public(method=True)
def reciprocal(x):
    """1 / x, x ** -1 (integers computed in the default float dtype)."""
    return _float_pow(x, -1)


@public(method=True)
def sign(x):
    """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch). Its gradient is zero
    (where x requires grad, so does the result)."""
    if x.data.dtype.kind == "b":
        return _wrap(x.data.copy(), None)       # sign of a bool is itself, as PyTorch
    return apply1(ops.Sign, x)


@public(method=True)
def maximum(a, b):
    """The elementwise maximum of a and b (NaN wins); at a tie each side gets half the
    gradient."""
    return _t(a)._binary(ops.Maximum, b) if isinstance(a, Tensor) or not isinstance(b, Tensor) \
        else b._binary(ops.Maximum, a, reverse=True)


@public(method=True)
def minimum(a, b):
    """The elementwise minimum of a and b (NaN wins); at a tie each side gets half the
    gradient."""
    return _t(a)._binary(ops.Minimum, b) if isinstance(a, Tensor) or not isinstance(b, Tensor) \
        else b._binary(ops.Minimum, a, reverse=True)


@public(method=True)
def remainder(a, b):
    """a mod b with the sign of b (Python's `%`, as torch.remainder), computed exactly;
    d/da = 1, d/db = -floor(a / b). An integer divisor of 0 raises, as PyTorch."""
    return _modulo(ops.Remainder, "remainder", a, b)


@public(method=True)
def fmod(a, b):
    """a mod b with the sign of a (C's fmod, as torch.fmod), computed exactly; d/da = 1,
    d/db = -trunc(a / b). An integer divisor of 0 raises, as PyTorch."""
    return _modulo(ops.Fmod, "fmod", a, b)


def _modulo(cls, name, a, b):
    """remainder / fmod of a and b in their result dtype (see _division)."""
    a, b, reverse = _division(name, a, b)
    return a._binary(cls, b, reverse=reverse)


def _division(name, a, b, reverse=False):
    """(a, b, reverse) for an op of a by b (of b by a if `reverse`), a a Tensor; bool is
    refused and an integer division by zero raises, as PyTorch (numpy gives 0)."""
    if not isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _division(name, b, a, not reverse)
        a = Tensor(a)
    dt = result_type(a, b)
    if dt.kind == "b":
        raise DtypeError(f"{name}: not implemented for bool tensors (shape {a.data.shape}); "
                         f"convert with .long() or .float()")
    if dt.kind != "f":
        b = wrapped(b, dt) if type(b) is int else b    # int8 // 256 divides by 0, as PyTorch
        divisor = a if reverse else b
        if (np.asarray(getattr(divisor, "data", divisor)) == 0).any():
            raise ArgumentError(f"{name}: integer division by zero ({dt} operands of shapes "
                                f"{a.data.shape} and {np.shape(getattr(b, 'data', b))})")
    return a, b, reverse


@public(name="clip", method=True)
@public(method=True)
def clamp(x, min=None, max=None):
    """min(max(x, min), max), as PyTorch: max wins when min > max, NaN stays NaN. The
    gradient passes where min <= x <= max (bounds included), else goes to the bound
    that was picked, if it is a Tensor; a NaN input gets a zero gradient."""
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must be given")
    dt = result_type(x, *[b for b in (min, max) if b is not None])
    if x.data.dtype != dt:
        x = x.to(dt)
    xd = x.data
    lo = min.data if isinstance(min, Tensor) else min
    hi = max.data if isinstance(max, Tensor) else max
    keep = (xd >= lo) if lo is not None else True
    if hi is not None:
        keep = keep & (xd <= hi)
    value = np.maximum(xd, lo) if lo is not None else xd
    if hi is not None:
        value = np.minimum(value, hi)
    out = where(keep, x, np.asarray(value).astype(dt, copy=False))
    for bound, edge in ((min, lo), (max, hi)):
        if isinstance(bound, Tensor) and bound._node is not None:
            out = where(~keep & (value == edge) & ~np.isnan(xd), bound, out)
    return out


@public(method=True)
def clamp_min(x, min):
    """max(x, min), as clamp(x, min=min): the gradient passes where x >= min."""
    return clamp(x, min=min)


@public(method=True)
def clamp_max(x, max):
    """min(x, max), as clamp(x, max=max): the gradient passes where x <= max."""
    return clamp(x, max=max)


@public
def where(condition, x, y):
    """Elements of x where condition holds, else of y; the unselected side gets zero
    gradient (see README on NaN in unselected branches)."""
    raw = condition.data if isinstance(condition, Tensor) else condition
    if isinstance(raw, (np.ndarray, np.generic)) and raw.dtype != bool:
        raise DtypeError(f"where: the condition must be bool, got a {raw.dtype} condition of "
                         f"shape {raw.shape} (as PyTorch; compare it, e.g. `c != 0`)")
    cond = np.asarray(raw, dtype=bool)
    if not isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            return Tensor(np.where(cond, x, y).astype(result_type(x, y), copy=False))
        return _where(y, x, ~cond)
    return _where(x, y, cond)


@public(name="where", function=False, method=True)
def _where_method(self, condition, other):
    """x.where(condition, y): elements of x where condition holds, else of y."""
    return where(condition, self, other)


def _where(self, other, cond):
    if type(other) is int and self.data.dtype.kind in "iu" or \
            type(other) is float and not -3.4e38 <= other <= 3.4e38:     # it may overflow
        other = fitted(other, result_type(self, other), "where", self.data.shape)
    try:
        return self._binary(ops.Where, other, cond)
    except ShapeError:
        raise ShapeError(f"where: condition {cond.shape}, x {self.data.shape} and y "
                         f"{np.shape(getattr(other, 'data', other))} do not broadcast") from None
