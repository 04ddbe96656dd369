"""The one rule that decides the dtype of an op's result: PyTorch's type promotion.

Every op that takes more than one operand (``+ - * / **``, their reflected forms, the
module functions ``add/sub/mul/div/pow/maximum/minimum/where``, the methods, the
comparisons, ``matmul``, ``cat``), and every op that computes in floating point
(``sqrt``, ``exp``, ``sigmoid``, ``/``... on integers), asks ``result_type``. The
operator fast paths in tensor.py (a float tensor with a Python number, two tensors of
one dtype) are the cases where the rule gives the tensor's own dtype.

The rule (PyTorch's, "Type promotion" in its docs): categories bool < integer < float.
Operands fall in three priority groups: tensors with dims, 0-d tensors, and numbers
(Python or numpy scalars; a float number counts as the default float dtype, an int as
int64, a bool as bool). Each group's dtypes promote among themselves; a lower group
changes the result only if its category is higher than every higher group's, and then
to the promotion of both (int32 tensor * 2.5 is float32, * tensor(2.5, float64) float64,
float32 tensor * tensor(1.0, float64) float32, int32 tensor * 3 int32).
"""
import numbers

import numpy as np

from .errors import DtypeError, IntegerOverflowError, OutOfRangeError
from .tensor import Tensor, get_default_dtype

_BOOL = np.dtype(bool)
_INT64 = np.dtype(np.int64)


def promote_types(a, b):
    """PyTorch's promotion of two dtypes: an integer or bool with a float gives the
    float (numpy would widen int32 + float32 to float64), else numpy's promotion."""
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa != fb:
        return a if fa else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """A higher-priority group's dtype with a lower one's (PyTorch's combine_categories)."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def operand_dtype(x):
    """(priority, dtype) of one operand: 2 a tensor or array with dims, 1 a 0-d one,
    0 a number."""
    if isinstance(x, Tensor):
        arr = x.data
        return (2 if arr.ndim else 1), arr.dtype
    if isinstance(x, (bool, np.bool_)):
        return 0, _BOOL
    if isinstance(x, (numbers.Integral, np.integer)):
        return 0, _INT64
    if isinstance(x, (numbers.Real, np.floating)):
        return 0, get_default_dtype()
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise DtypeError(f"cannot use an operand of type {type(x).__name__} (dtype "
                         f"{arr.dtype}) in a tensor op")
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 4:
        arr = arr.astype(np.float32)
    return (2 if arr.ndim else 1), arr.dtype


def result_type(*operands, floating=False):
    """The dtype of an op's result on `operands` (Tensors, arrays, lists, numbers).
    `floating=True` for ops that compute in floating point (true division, sqrt, exp,
    sigmoid...): a bool or integer result becomes the default float dtype."""
    groups = [None, None, None]
    for x in operands:
        priority, dt = operand_dtype(x)
        cur = groups[priority]
        groups[priority] = dt if cur is None else promote_types(cur, dt)
    out = _combine(groups[2], _combine(groups[1], groups[0]))
    if floating and out.kind != "f":
        return get_default_dtype()
    return out


def as_dtype(x, dtype):
    """Operand `x` converted for an op computing in `dtype`: a Tensor cast (a float
    cast is differentiable), a Python number kept as is (numpy keeps the array's dtype
    for it; an int beyond an integer dtype wrapped around, see `wrapped`), anything else
    a constant array of `dtype`."""
    if isinstance(x, Tensor):
        return x if x.data.dtype == dtype else x.to(dtype)
    if type(x) is int:
        return wrapped(x, dtype)
    if type(x) is float:
        return x
    if type(x) is bool:
        return int(x) if dtype.kind != "b" else x
    return np.asarray(x, dtype=dtype)


def fitted(value, dtype, op, shape):
    """The number `value` as a scalar of `dtype` (the dtype of a tensor of `shape` it goes
    into), as PyTorch converts it: refused where it overflows (1000 into int8, 1e39 into
    float32, NaN into an integer, a negative float into an unsigned dtype; numpy wrapped
    them silently), a negative int into an unsigned dtype wrapping around (-1 is 255 in
    uint8) and a float into an integer truncated, as PyTorch's."""
    x = value.item() if isinstance(value, (np.generic, np.ndarray)) and not np.ndim(value) \
        else value
    if dtype.kind in "iu" and isinstance(x, (int, float)) and not isinstance(x, bool):
        info = np.iinfo(dtype)
        low = -int(info.max) if dtype.kind == "u" and type(x) is int else int(info.min)
        ok = (x == x and abs(x) != float("inf")) and low <= x <= int(info.max)
    elif dtype.kind == "f" and isinstance(x, (int, float)):
        ok = x != x or abs(x) == float("inf") or abs(x) <= float(np.finfo(dtype).max)
    else:
        ok = True
    if not ok:
        raise OutOfRangeError(f"{op}: value {value!r} cannot be converted to the {dtype} of "
                              f"the input (shape {shape}) without overflow")
    return np.asarray(x).astype(dtype)[()]


_INT_RANGES = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def wrapped(x, dtype):
    """Python int `x` as an operand of an op computing in `dtype`, as PyTorch converts it:
    kept where it fits (or dtype is not an integer one), else wrapped around modulo
    2**bits as C casts its int64 (from 2**63 its uint64) value: 300 is 44 in int8, -1 is
    255 in uint8, so int8 1 + 300 is 45 and uint8 44 == 300 is True. Beyond
    [-2**63, 2**64) IntegerOverflowError (an OverflowError), as PyTorch's."""
    bounds = _INT_RANGES.get(dtype)
    if bounds is None or bounds[0] <= x <= bounds[1]:
        return x
    if not -2 ** 63 <= x < 2 ** 64:
        raise IntegerOverflowError(f"the Python integer {x} is beyond int64 and uint64, so it "
                                   f"cannot be an operand of a {dtype} tensor op, as in PyTorch")
    return np.asarray(x % 2 ** 64, np.uint64).astype(dtype)[()]
