"""Rounding: floor, ceil, trunc, round (to `decimals`), frac, floor_divide (``//``) and
div (true division, or rounded by its rounding_mode), as PyTorch. The rounded results'
derivative is 0 (frac's 1) wherever it exists, as PyTorch's: the result of a tensor that
requires grad is where(False, x, rounded), an exact zero gradient (also at inf and NaN,
where x * 0 would give NaN)."""
import numpy as np

from ..dtypes import result_type
from ..errors import ArgumentError, DtypeError
from ..graph import _wrap
from ..public import public
from ..tensor import Tensor
from .elementwise import _division, where


def constant_of(x, values):
    """`values` (computed from x's data, of x's shape or broadcast from it) as a result
    of x: where x requires grad, where(False, x, values), so the result requires grad
    too (as PyTorch's) with an exact zero gradient."""
    if x._node is None:
        return _wrap(values, None)
    return where(False, x, values)


def _rounding(name, fn, what):
    def rounding(x):
        if x.data.dtype.kind == "b":
            raise DtypeError(f"{name}: not implemented for bool tensors (shape "
                             f"{x.data.shape}); convert with .float()")
        if x.data.dtype.kind != "f":                # integers are whole already
            return _wrap(x.data.copy(), None)
        return constant_of(x, fn(x.data))
    rounding.__name__ = rounding.__qualname__ = name
    rounding.__doc__ = (f"{what}, elementwise (integer tensors are returned as they are); "
                        f"the gradient is 0, as PyTorch's.")
    return public(rounding, method=True)


floor = _rounding("floor", np.floor, "The largest integer <= x")
ceil = _rounding("ceil", np.ceil, "The smallest integer >= x")
trunc = _rounding("trunc", np.trunc, "x rounded towards zero")


@public(method=True)
def round(x, decimals=0):
    """x rounded to `decimals` decimal places, halves to even (round(2.5) = 2), as
    PyTorch; integer tensors are returned as they are (decimals=0). The gradient is 0."""
    if x.data.dtype.kind == "b":
        raise DtypeError(f"round: not implemented for bool tensors (shape {x.data.shape})")
    if x.data.dtype.kind != "f":
        if decimals:
            raise DtypeError(f"round: decimals={decimals} is not implemented for integer "
                             f"tensors ({x.data.dtype}), as PyTorch")
        return _wrap(x.data.copy(), None)
    return constant_of(x, np.round(x.data, decimals))


@public(method=True)
def frac(x):
    """x - trunc(x), the fractional part with x's sign; d/dx = 1 (trunc's is 0)."""
    if x.data.dtype.kind != "f":
        raise DtypeError(f"frac: expected a floating-point tensor, got {x.data.dtype} of "
                         f"shape {x.data.shape}")
    return x - np.trunc(x.data)


@public(method=True)
def floor_divide(a, b):
    """floor(a / b), as Python's // and torch.floor_divide (exact: numpy's floor_divide,
    the quotient of remainder); integer division by zero raises. The gradient is 0
    (PyTorch's backward raises)."""
    return _rounded_quotient("floor_divide", np.floor_divide, a, b)


@public(name="divide", method=True)
@public(method=True)
def div(a, b, *, rounding_mode=None):
    """a / b with PyTorch's dtype promotion: true division (integers give the default
    float dtype) by default; rounding_mode="trunc" rounds the quotient towards zero,
    "floor" down (floor_divide), both in the operands' dtype (integers stay integers,
    and an integer division by zero raises), with gradient 0, as PyTorch's."""
    if rounding_mode is None:
        return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) / b
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode != "trunc":
        raise ArgumentError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                            f"{rounding_mode!r}")
    return _rounded_quotient("div", _trunc_divide, a, b)


def _trunc_divide(x, y):
    """The quotient x / y rounded towards zero: trunc for floats, floor_divide made
    exact for integers (one more where the quotient is negative and inexact)."""
    if x.dtype.kind == "f":
        return np.trunc(x / y)
    q = np.floor_divide(x, y)
    return np.where((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)), q + 1, q).astype(q.dtype)


def _rounded_quotient(name, fn, a, b):
    """fn(a, b) in their result dtype (see _division), with a zero gradient to each
    operand that requires grad."""
    a, b, reverse = _division(name, a, b)
    dt = result_type(a, b)
    x, y = a.data.astype(dt, copy=False), np.asarray(getattr(b, "data", b), dt)
    out = fn(y, x) if reverse else fn(x, y)
    for t in (a, b):
        if isinstance(t, Tensor) and t._node is not None:
            out = constant_of(t, out)
    return out if isinstance(out, Tensor) else _wrap(out, None)
