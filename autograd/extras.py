"""More PyTorch tensor functions, as composites of the primitives (their gradients
come for free): gather, masked_fill, flip, repeat, cumsum, mm/bmm, t, any/all, and
the logical functions and the bitwise operators."""
import numpy as np

from . import ops
from .errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError
from .dtypes import fitted, result_type
from .functions import _axes, matmul, transpose, where
from .graph import _wrap
from .public import public
from .tensor import Tensor


@public(method=True)
def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim=0 (and so on), as torch.gather. Index values
    lie in [0, n), as PyTorch's: a negative one (an ignore_index of -100 gathered from
    log-probabilities) is refused, not counted from the end."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"gather: index must be an integer tensor, got {idx.dtype}")
    if idx.ndim != x.data.ndim:
        raise ShapeError(f"gather: index of shape {idx.shape} must have as many dims as the "
                         f"input of shape {x.data.shape}")
    axis = _axes(x, dim, "gather")
    n = x.data.shape[axis] if x.data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        raise OutOfRangeError(f"gather: index values must lie in [0, {n}) for dim {dim} of a "
                              f"tensor of shape {x.data.shape}, got values in [{idx.min()}, "
                              f"{idx.max()}]")
    if x.data.ndim == 0:                   # 0-d: index 0 picks the one value
        return x.reshape(1)[idx]
    grid = list(np.indices(idx.shape, sparse=True))
    grid[axis] = idx
    return x[tuple(grid)]


@public(method=True)
def masked_fill(x, mask, value):
    """x with `value` where mask is True (mask broadcasts). The result keeps x's dtype, as
    torch: the value is converted to it (2.7 into an int tensor writes 2)."""
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise DtypeError(f"masked_fill: the mask must be bool, as in PyTorch; got {m.dtype} "
                         f"of shape {m.shape} (for a tensor of shape {x.data.shape}); use "
                         f"mask != 0 or mask.bool()")
    dtype = x.data.dtype
    if isinstance(value, Tensor):
        if value.data.dtype != dtype:
            value = value.to(dtype) if dtype.kind == "f" else value.detach().data.astype(dtype)
    else:
        value = fitted(value, dtype, "masked_fill", x.data.shape)
    return where(m, value, x)


@public(method=True)
def flip(x, dims):
    """x with the order of elements along `dims` reversed: a new tensor, as PyTorch's
    (numpy's reversed view is copied, so a write into either does not reach the other)."""
    dims = (dims,) if isinstance(dims, int) else dims
    axes = _axes(x, tuple(dims), "flip") or ()
    if len(set(axes)) != len(axes):     # numpy's reversal would take a repeated dim once
        raise ArgumentError(f"flip: dims {tuple(dims)} name a dim more than once (a tensor of "
                            f"shape {x.data.shape})")
    index = tuple(slice(None, None, -1) if i in axes else slice(None)
                  for i in range(x.data.ndim))
    return x[index].clone()


@public(method=True)
def fliplr(x):
    """x (at least 2-d) with the order of its columns (dim 1) reversed: flip(x, 1)."""
    if x.data.ndim < 2:
        raise ShapeError(f"fliplr: expected a tensor of at least 2 dims, got shape "
                         f"{x.data.shape}")
    return flip(x, 1)


@public(method=True)
def flipud(x):
    """x (at least 1-d) with the order of its rows (dim 0) reversed: flip(x, 0)."""
    if x.data.ndim < 1:
        raise ShapeError("flipud: expected a tensor of at least 1 dim, got a 0-d one")
    return flip(x, 0)


@public(method=True)
def repeat(x, *sizes):
    """Tile x: repeat(2, 3) on a (a, b) tensor gives (2a, 3b), as torch.repeat (a new
    tensor)."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(sizes) < x.data.ndim:
        raise ShapeError(f"repeat: {len(sizes)} repeat counts for a tensor of {x.data.ndim} dims")
    if [r for r in sizes if r < 0]:     # expand would take -1 as "keep this size"
        raise ArgumentError(f"repeat: repeat counts must not be negative, got {sizes} (a "
                            f"tensor of shape {x.data.shape})")
    shape = (1,) * (len(sizes) - x.data.ndim) + x.data.shape
    inter = []
    for r, n in zip(sizes, shape):
        inter += [r, n]
    y = x.reshape(*[v for n in shape for v in (1, n)]).expand(*inter)
    y = y.reshape(*[r * n for r, n in zip(sizes, shape)])
    # a new tensor, as PyTorch's: where the reshape could keep a view of x (counts of 1,
    # or repeats of size-1 dims, read-only with stride 0), it is copied
    return y.clone() if np.may_share_memory(y.data, x.data) else y


@public(method=True)
def cumsum(x, dim, *, dtype=None):
    """The cumulative sum along `dim`, as `dtype` if given (integers and bool give int64)."""
    axis = _axes(x, dim, "cumsum")
    if dtype is not None:
        x = x.to(dtype)
    elif x.data.dtype.kind == "u":           # int64 as PyTorch (numpy gives uint64)
        x = x.to(np.int64)
    if x.data.ndim == 0:                   # numpy would flatten to shape (1,)
        return x.clone()
    out = x._apply1(ops.Cumsum, axis)
    # numpy sums int8, int16 and int32 in int64: the asked dtype's bits are those modulo 2^k
    return out if dtype is None or out.data.dtype == x.data.dtype else out.to(x.data.dtype)


@public(method=True)
def mm(a, b):
    """The matrix product of 2-d tensors a and b."""
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"mm: both operands must be 2-d, got {a.shape} and {b.shape}")
    return matmul(a, b)


@public(method=True)
def bmm(a, b):
    """The batched matrix product of 3-d tensors a (B, n, m) and b (B, m, p)."""
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"bmm: both operands must be 3-d, got {a.shape} and {b.shape}")
    return matmul(a, b)


@public(method=True)
def t(x):
    """The transpose of a tensor of at most 2 dims (a view of x as it is for 0 and 1
    dims)."""
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor of at most 2 dims, got shape {x.shape}")
    return transpose(x, 0, -1)


@public(method=True)
def any(x, dim=None, keepdim=False):
    """True where any element over `dim` is non-zero (all dims if None); a bool tensor
    (uint8 for a uint8 input, as PyTorch)."""
    axis = _axes(x, dim, "any")
    return _truth(x, np.any(x.data, axis=axis, keepdims=keepdim))


@public(method=True)
def all(x, dim=None, keepdim=False):
    """True where every element over `dim` is non-zero (all dims if None); a bool tensor
    (uint8 for a uint8 input, as PyTorch)."""
    axis = _axes(x, dim, "all")
    return _truth(x, np.all(x.data, axis=axis, keepdims=keepdim))


def _truth(x, result):
    """all's or any's bool `result` as a tensor: 1/0 in uint8 for a uint8 `x`, PyTorch's
    legacy rule for byte masks."""
    return _wrap(np.asarray(result, dtype=np.uint8 if x.data.dtype == np.uint8 else bool), None)


def _bitwise(fn, name):
    """Operator `name`, in the dtype type promotion gives (u8 | tensor(3) is uint8; numpy
    took the 0-d int64 for a peer and gave int64)."""
    def op(a, b):
        if not isinstance(a, Tensor):            # bitwise_or(300, t): the ops commute
            a, b = b, a
        bd = b.data if isinstance(b, Tensor) else np.asarray(b)
        if a.data.dtype.kind not in "biu" or bd.dtype.kind not in "biu":
            raise DtypeError(f"{name}: only bool and integer tensors, got {a.data.dtype} "
                             f"and {bd.dtype}")
        dtype = result_type(a, b)
        return _wrap(np.asarray(fn(a.data.astype(dtype, copy=False),
                                   bd.astype(dtype, copy=False))), None)
    return op


def _invert(x):
    if x.data.dtype.kind not in "biu":
        raise DtypeError(f"~: only bool and integer tensors, got {x.data.dtype}")
    return _wrap(np.invert(x.data), None)


def _logical(fn, name, public_name):
    def op(a, b):
        return _wrap(np.asarray(fn(a.data, b.data if isinstance(b, Tensor) else b)), None)
    op.__name__ = op.__qualname__ = public_name
    op.__doc__ = (f"a {name} b elementwise, any dtype taken as a truth value (non-zero is "
                  f"True, as PyTorch); a bool tensor, no gradient.")
    return op


logical_and = public(_logical(np.logical_and, "and", "logical_and"))
logical_or = public(_logical(np.logical_or, "or", "logical_or"))
logical_xor = public(_logical(np.logical_xor, "xor", "logical_xor"))


@public
def logical_not(x):
    """not x elementwise, any dtype taken as a truth value (zero is False); a bool tensor,
    no gradient."""
    return _wrap(np.asarray(np.logical_not(x.data)), None)


# the operators are bitwise for integers, as PyTorch's
Tensor.__and__ = Tensor.__rand__ = _bitwise(np.bitwise_and, "&")
Tensor.__or__ = Tensor.__ror__ = _bitwise(np.bitwise_or, "|")
Tensor.__xor__ = Tensor.__rxor__ = _bitwise(np.bitwise_xor, "^")
Tensor.__invert__ = _invert
