"""The comparisons (eq, ne, lt, le, gt, ge), the tests isnan, isinf, isfinite, isposinf
and isneginf, isclose (bool tensors, no gradient), allclose and equal (Python bools)."""
import numpy as np

from ..dtypes import as_dtype, result_type, wrapped
from ..errors import ArgumentError
from ..graph import _wrap
from ..public import public
from ..tensor import Tensor, as_array


def _compare(name, fn, symbol):
    """A comparison: the operands are compared in their result dtype (dtypes.result_type),
    so float32 x == np.float64(0.1) compares 0.1 rounded to float32, and an int64 tensor
    == 16777216.0 compares in float32, as PyTorch. A Python int beyond an integer tensor's
    range is wrapped around into its dtype, as PyTorch's (-3 is 253 for uint8 x < -3)."""
    def compare(a, b):
        if not isinstance(a, Tensor):
            a = Tensor(a)
        tb = type(b)
        # numpy's own rule agrees with PyTorch's for a float tensor and a Python number,
        # and for an int: it compares an int64 tensor with a float in float64
        if ((tb is float and a.data.dtype.kind == "f") or tb is int
                or (tb is Tensor and b.data.dtype is a.data.dtype)):
            return _wrap(fn(a.data, wrapped(b, a.data.dtype) if tb is int else
                            getattr(b, "data", b)), None)
        dt = result_type(a, b)
        b = as_dtype(b, dt)
        return _wrap(fn(a.data.astype(dt, copy=False), getattr(b, "data", b)), None)
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"a {symbol} b elementwise, a bool tensor (no gradient); the operands "
                       f"are compared in their common dtype, as PyTorch (a Python int "
                       f"beyond an integer tensor's range wrapped around into it, as PyTorch).")
    return public(compare, method=True)


eq = _compare("eq", np.equal, "==")
ne = _compare("ne", np.not_equal, "!=")
lt = _compare("lt", np.less, "<")
le = _compare("le", np.less_equal, "<=")
gt = _compare("gt", np.greater, ">")
ge = _compare("ge", np.greater_equal, ">=")


def _test(name, fn, what):
    """A test of each element, a bool tensor (no gradient); integer and bool tensors are
    finite, never NaN nor infinite, as PyTorch."""
    def test(x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return _wrap(np.asarray(fn(x.data) if x.data.dtype.kind in "fc"
                                else np.full(x.data.shape, name == "isfinite")), None)
    test.__name__ = test.__qualname__ = name
    test.__doc__ = f"True where x is {what}, elementwise: a bool tensor (no gradient)."
    return public(test, method=True)


isnan = _test("isnan", np.isnan, "NaN")
isinf = _test("isinf", np.isinf, "+inf or -inf")
isfinite = _test("isfinite", np.isfinite, "neither infinite nor NaN")
isposinf = _test("isposinf", np.isposinf, "+inf")
isneginf = _test("isneginf", np.isneginf, "-inf")


@public(method=True)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (broadcast), as PyTorch: a bool
    tensor, no gradient. An infinity is close only to itself, NaN to NaN only with
    equal_nan. Operands of different dtypes are compared in their common dtype (PyTorch
    refuses them); bool operands compare equal."""
    if rtol < 0 or atol < 0:
        raise ArgumentError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, "
                            f"atol={atol}")
    a, b = _common(input, other)
    if a.dtype.kind == "b":
        return _wrap(np.asarray(a == b), None)
    return _wrap(np.asarray(np.isclose(a, b, rtol, atol, equal_nan)), None)


@public(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if isclose(input, other, rtol, atol, equal_nan) holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


@public(method=True)
def equal(input, other) -> bool:
    """True if input and other have the same shape and the same values (NaN equals
    nothing), as torch.equal; the dtypes may differ."""
    a, b = as_array(input), as_array(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _common(a, b):
    """The arrays of a and b in their result dtype (dtypes.result_type)."""
    dt = result_type(a, b)
    return (np.asarray(getattr(x, "data", x)).astype(dt, copy=False) for x in (a, b))
