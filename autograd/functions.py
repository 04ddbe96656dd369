"""Tensor ops as functions and methods: thin wrappers over the primitives in ops.py,
and the composite ops built from them (their gradients come for free). Reductions are
in reductions.py.

Every function here is also a Tensor method (``x.exp()``, ``x.sum(dim=1)``) and a
module-level function (``autograd.exp(x)``), with PyTorch's names and ``dim`` /
``keepdim`` semantics.
"""
import builtins

import numpy as np

from . import ops
from .errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError, describe
from .graph import Primitive, _wrap, apply1, applyn, register_view
from .public import public
from .dtypes import as_dtype, result_type
from .tensor import Tensor, _operand, as_array

def _t(x, like=None):
    """`x` as a Tensor: a number or a list gets PyTorch's inferred dtype, or with `like`
    (a constant operand of a composite) `like`'s dtype."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x) if like is None else _operand(x, like, force=True)


def _axes(x, dim, op):
    """Normalise `dim` (None, int or sequence) to what numpy takes, checking its range."""
    if dim is None:
        return None
    nd = x.data.ndim
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None                 # dim=() reduces over every dim, as PyTorch
    for d in dims:
        if not -builtins.max(nd, 1) <= d < builtins.max(nd, 1):
            raise OutOfRangeError(f"{op}: dim {d} is out of range for a tensor of shape "
                             f"{x.data.shape} ({nd} dims)")
    if nd == 0:
        return None
    out = tuple(d % nd for d in dims)
    return out[0] if isinstance(dim, int) else out


# --- elementwise -----------------------------------------------------------------------
# Elementwise unary ops call apply1 directly: they cannot raise the shape errors that
# Tensor._apply1 rewords, and one call less is ~6% of an op's overhead.
# The functions take the operator's path, so an op gives the same dtype and value
# whichever way it is called: add(0.5, t) is 0.5 + t, that is t.__radd__(0.5).
@public
def add(a, b):
    """a + b, with PyTorch's dtype promotion (a number or a Tensor on either side)."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) + b


@public
def sub(a, b):
    """a - b, with PyTorch's dtype promotion."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) - b


@public
def mul(a, b):
    """a * b, with PyTorch's dtype promotion."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) * b


@public
def div(a, b):
    """a / b, true division: integer operands give the default float dtype."""
    return (a if isinstance(a, Tensor) or isinstance(b, Tensor) else Tensor(a)) / b


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
    class declares, see graph.Primitive). It refuses a non-Tensor: apply1 runs the bare
    numpy forward on an array (for backward rules), which a user's array must not get
    silently. A `floating` op computes a bool or integer tensor in the default float
    dtype (dtypes.result_type), as PyTorch."""
    name, floating = cls.function, cls.floating

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
    return public(fn, method=cls.method)


# exp, log, sin, cos, tanh, sigmoid, softplus, relu, abs: made from the primitives that
# name their public function (ops.py)
for _cls in list(vars(ops).values()):
    if isinstance(_cls, type) and issubclass(_cls, Primitive) and _cls.__dict__.get("function"):
        globals()[_cls.function] = _elementwise(_cls)


@public(method=True)
def neg(x):
    """-x; d/dx = -1. Refused for bool tensors (use logical_not)."""
    if x.data.dtype.kind == "f":
        return apply1(ops.MulScalar, x, -1)
    if x.data.dtype.kind == "b":
        raise DtypeError(f"neg: negation of a bool tensor (shape {x.data.shape}) is not "
                         f"supported; use ~x or logical_not(x)")
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
    """1 / sqrt(x), x ** -0.5."""
    return _float_pow(x, -0.5)


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
    for bound, picked in ((min, value == lo), (max, value == hi)):
        if isinstance(bound, Tensor) and bound._node is not None:
            out = where(~keep & picked & ~np.isnan(xd), bound, out)
    return out


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
    try:
        return self._binary(ops.Where, other, cond)
    except ShapeError:
        raise ShapeError(f"where: condition {cond.shape}, x {self.data.shape} and y "
                         f"{np.shape(getattr(other, 'data', other))} do not broadcast") from None


# --- shapes ---
def _view(x, cls, *args):
    """Run a view op; a recorded result that shares memory is registered, so that an
    in-place write to the buffer it sees can be refused (methods._inplace)."""
    out = x._apply1(cls, *args)
    if out._node is not None:
        register_view(out)
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


@public(method=True)
def reshape(x, *shape):
    """x with shape `shape` (one entry may be -1): a view where numpy can make one."""
    shape = _shape_arg(shape)
    try:
        return _view(x, ops.Reshape, shape)
    except ShapeError:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.data.shape} "
                         f"({x.data.size} elements) to {shape}") from None


@public(function=False, method=True)
def view(x, *shape):
    """reshape that refuses to copy: the result always shares memory with x."""
    shape = _shape_arg(shape)
    probe = x.data.view()
    try:
        probe.shape = shape
    except AttributeError:
        raise ShapeError(f"view: a tensor of shape {x.data.shape} and strides "
                         f"{x.data.strides} cannot be viewed as {shape} without copying; "
                         f"use .reshape(...) (or .contiguous().view(...))") from None
    except ValueError:
        pass                        # reshape raises the error that names the sizes
    return reshape(x, *shape)


@public(method=True)
def flatten(x, start_dim=0, end_dim=-1):
    """x with dims start_dim..end_dim merged into one."""
    nd = x.data.ndim
    s, e = _axes(x, (start_dim, end_dim), "flatten") or (0, 0)
    if nd == 0:
        return reshape(x, 1)
    if s > e:
        raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                            f"for a tensor of shape {x.data.shape}")
    shape = x.data.shape
    return reshape(x, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


@public(method=True)
def squeeze(x, dim=None):
    """x without its size-1 dims (only those of `dim` if given)."""
    shape = x.data.shape
    if dim is None:
        new = tuple(n for n in shape if n != 1)
    else:
        _axes(x, dim, "squeeze")
        dims = {d % builtins.max(len(shape), 1) for d in ((dim,) if isinstance(dim, int) else dim)}
        new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return x if new == shape else reshape(x, new)


@public(method=True)
def unsqueeze(x, dim):
    """x with a size-1 dim inserted at `dim`."""
    shape = x.data.shape
    if not -len(shape) - 1 <= dim <= len(shape):
        raise OutOfRangeError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                              f"{shape} (expected -{len(shape) + 1}..{len(shape)})")
    dim = dim % (len(shape) + 1)
    return reshape(x, shape[:dim] + (1,) + shape[dim:])


@public(method=True)
def permute(x, *dims):
    """x with its dims reordered to `dims` (a view)."""
    dims = _shape_arg(dims)
    if sorted(d % builtins.max(x.data.ndim, 1) for d in dims) != list(range(x.data.ndim)):
        raise ShapeError(f"permute: dims {dims} are not a permutation of the {x.data.ndim} "
                         f"dims of a tensor of shape {x.data.shape}")
    return _view(x, ops.Permute, tuple(d % x.data.ndim for d in dims))


@public(method=True)
def transpose(x, dim0, dim1):
    """x with dims dim0 and dim1 swapped (a view)."""
    nd = x.data.ndim
    _axes(x, (dim0, dim1), "transpose")
    if nd < 2:
        return x
    dims = list(range(nd))
    dims[dim0 % nd], dims[dim1 % nd] = dims[dim1 % nd], dims[dim0 % nd]
    return _view(x, ops.Permute, tuple(dims))


@public(method=True)
def expand(x, *sizes):
    """x broadcast to `sizes` (-1 keeps a size), without copying; the gradient is summed
    back."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.data.ndim
    if lead < 0:
        raise ShapeError(f"expand: cannot expand a tensor of shape {x.data.shape} to {sizes}")
    shape = tuple(x.data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    if shape == x.data.shape:
        return x
    return _view(x, ops.Expand, shape)


@public(function=False, method=True)
def expand_as(x, other):
    """x expanded to other's shape."""
    return expand(x, other.shape)


@public(name="concat")
@public
def cat(tensors, dim=0):
    """The tensors joined along existing dim `dim` (dtypes promoted to a common one)."""
    tensors = list(tensors)
    if not tensors:
        raise ArgumentError("cat: expected a non-empty sequence of tensors")
    tensors = [_t(t) for t in tensors]
    dtype = result_type(*tensors)
    tensors = [t.to(dtype) if t.data.dtype != dtype else t for t in tensors]
    nd = tensors[0].data.ndim
    if nd == 0:
        raise ShapeError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    try:
        return applyn(ops.Cat, tensors, dim % nd)
    except ValueError:
        raise ShapeError(f"cat: tensors of shapes {[t.data.shape for t in tensors]} cannot be "
                         f"joined along dim {dim}") from None


@public
def stack(tensors, dim=0):
    """The tensors (all of one shape) joined along a new dim `dim`."""
    tensors = list(tensors)
    if not tensors:
        raise ArgumentError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@public(method=True)
def split(x, split_size, dim=0):
    """x cut along `dim` into pieces of split_size (an int) or of the given sizes: views."""
    n = x.data.shape[dim]
    sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else []) \
        if isinstance(split_size, int) else list(split_size)
    if builtins.sum(sizes) != n:
        raise ShapeError(f"split: sizes {sizes} do not add up to {n}, the size of dim {dim} "
                         f"of a tensor of shape {x.data.shape}")
    lead = (slice(None),) * (dim % x.data.ndim)
    out, start = [], 0
    for s in sizes:
        out.append(x[lead + (slice(start, start + s),)])
        start += s
    return tuple(out)


@public(method=True)
def chunk(x, chunks, dim=0):
    """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""
    n = x.data.shape[dim]
    return split(x, -(-n // chunks), dim)


def getitem(x, index):
    index = _index(index)
    try:
        return _view(x, ops.GetItem, index)
    except IndexError as e:
        raise OutOfRangeError(f"getitem: index {_show_index(index)} is out of range for a tensor "
                         f"of shape {x.data.shape}: {e}") from None


def _index(index):
    """Tensors and lists in an index become arrays, so numpy indexes as PyTorch does."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0:
                i = i.astype(np.intp)          # x[[]]: an empty integer index, as PyTorch
        if isinstance(i, np.ndarray) and i.dtype.kind == "f":
            raise DtypeError(f"getitem: tensors used as indices must be integer or bool, got "
                             f"{i.dtype} of shape {i.shape}")
        out.append(i)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _show_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return ", ".join(f"array{i.shape}" if isinstance(i, np.ndarray) else repr(i) for i in items)


@public(method=True)
def matmul(a, b):
    """Matrix product with numpy's rules: 1-d operands are vectors, batch dims broadcast."""
    a, b = _t(a), _t(b)
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dim, got {describe(a.data, b.data)}")
    k_a = a.data.shape[-1]
    k_b = b.data.shape[-2] if b.data.ndim > 1 else b.data.shape[0]
    if k_a != k_b:
        raise ShapeError(f"matmul: inner dimensions differ: {a.data.shape} @ {b.data.shape} "
                         f"({k_a} != {k_b}); operands {describe(a.data, b.data)}")
    if a.data.dtype != b.data.dtype:
        dt = result_type(a, b)
        a, b = a.to(dt), b.to(dt)
    va, vb = a.data.ndim == 1, b.data.ndim == 1
    if va:
        a = a.reshape(1, k_a)
    if vb:
        b = b.reshape(k_b, 1)
    try:
        out = a._binary(ops.MatMul, b)
    except ShapeError:
        raise ShapeError(f"matmul: batch dimensions do not broadcast: {a.data.shape} @ "
                         f"{b.data.shape}") from None
    if va or vb:
        shape = out.data.shape
        out = out.reshape(shape[:-2] + (() if va else shape[-2:-1]) + (() if vb else shape[-1:]))
    return out


@public
def outer(a, b):
    """The outer product of vectors a and b: a[i] * b[j]."""
    return a.reshape(-1, 1) * b.reshape(1, -1)


# --- comparisons (no gradient) ----------------------------------------------------------
def _compare(name, fn, symbol):
    """A comparison: the operands are compared in their result dtype (dtypes.result_type),
    so float32 x == np.float64(0.1) compares 0.1 rounded to float32, as PyTorch."""
    def compare(a, b):
        if not isinstance(a, Tensor):
            a = Tensor(a)
        tb = type(b)
        if tb is float or tb is int or (tb is Tensor and b.data.dtype is a.data.dtype):
            return _wrap(fn(a.data, getattr(b, "data", b)), None)
        dt = result_type(a, b)
        b = as_dtype(b, dt)
        return _wrap(fn(a.data.astype(dt, copy=False), getattr(b, "data", b)), None)
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"a {symbol} b elementwise, a bool tensor (no gradient); the operands "
                       f"are compared in their common dtype, as PyTorch.")
    return public(compare, method=True)


eq = _compare("eq", np.equal, "==")
ne = _compare("ne", np.not_equal, "!=")
lt = _compare("lt", np.less, "<")
le = _compare("le", np.less_equal, "<=")
gt = _compare("gt", np.greater, ">")
ge = _compare("ge", np.greater_equal, ">=")


@public
def allclose(a, b, rtol=1e-5, atol=1e-8):
    """True if |a - b| <= atol + rtol * |b| everywhere (numpy's allclose on the data)."""
    return bool(np.allclose(as_array(a), as_array(b), rtol=rtol, atol=atol))
