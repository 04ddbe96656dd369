"""Shape functions: reshape and view, flatten, squeeze/unsqueeze, permute, transpose,
expand, cat/stack, split/chunk, and getitem (Tensor.__getitem__). The ones numpy can
give as a view record a view (versions.register_view)."""
import builtins
import sys
import warnings

import numpy as np

from .. import ops
from ..dtypes import result_type
from ..errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError, own_file
from ..graph import _wrap, applyn, register_view
from ..public import public
from ..tensor import Tensor
from ..versions import base_of
from ..views import link
from .arguments import _axes, _t


def _view(x, cls, *args):
    """Run a view op; a result that shares x's memory is linked to the tensor it shows
    and registered with the buffer, so that an in-place write keeps every view of the
    buffer in the graph (autograd/views.py)."""
    out = x._apply1(cls, *args)
    if out._node is not None:
        register_view(out)
    link(out, x, cls, args)
    return out


def fresh(out, x):
    """`out`, or a copy of it where it shares x's memory: the result of an op PyTorch
    always computes into new memory (pixel_shuffle, F.unfold) but that is made here of
    view ops, which are views where they move nothing (a reshape-permute-reshape)."""
    return out.clone() if np.may_share_memory(out.data, x.data) else out


def _whole_view(x):
    """A new tensor on all of x's memory (x.view(x.shape)): what PyTorch's view ops give
    where they change nothing (x.t() of 1 dim, x.expand(x.shape), x.squeeze() without
    size-1 dims), never x itself."""
    return _view(x, ops.Reshape, x.data.shape)


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
def view(x, *shape, dtype=None):
    """reshape that refuses to copy: the result always shares memory with x. view(dtype)
    reads x's bytes as `dtype` instead (no gradient, as PyTorch): the last dim shrinks or
    grows by the ratio of the element sizes, under PyTorch's conditions for that."""
    if dtype is None and len(shape) == 1 and (isinstance(shape[0], np.dtype) or (
            isinstance(shape[0], type) and issubclass(shape[0], np.generic))):
        dtype, shape = shape[0], ()
    if dtype is not None:
        if shape:
            raise ArgumentError(f"view: give a shape or a dtype, not both (got {shape} and "
                                f"{dtype})")
        return _view_as_dtype(x, np.dtype(dtype))
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


_VIEW_DTYPES = {np.dtype(t) for t in (bool, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                      np.float32, np.float64)}


def _view_as_dtype(x, dtype):
    """x.view(dtype): x's memory read as `dtype`, as PyTorch's view.dtype (in elements: a
    size change needs a last dim of stride 1; to a larger dtype, by a factor k, the last
    size, the storage offset and the other strides divisible by k)."""
    a = x.data
    old, new = a.dtype, dtype
    if new not in _VIEW_DTYPES:
        raise DtypeError(f"view: gradgraph has no dtype {new} to view a tensor of shape "
                         f"{a.shape} ({old}) as")
    if new.itemsize != old.itemsize:
        what = f"to view {old} as {new} (different element sizes)"
        if a.ndim == 0:
            raise ShapeError(f"view: a 0-d tensor cannot be viewed {what[3:]}; view it as "
                             f"1-d first: x.view(1).view(dtype)")
        strides = [st // old.itemsize for st in a.strides] if a.size else \
            [int(np.prod([max(n, 1) for n in a.shape[i + 1:]])) for i in range(a.ndim)]
        if strides[-1] != 1 or a.strides[-1] % old.itemsize:
            raise ShapeError(f"view: the last dim of a tensor of shape {a.shape} and strides "
                             f"{tuple(strides)} must have stride 1 {what}; .contiguous() it")
        k = new.itemsize // old.itemsize
        if k > 1:
            offset = (a.__array_interface__["data"][0] -
                      base_of(a).__array_interface__["data"][0]) // old.itemsize
            bad = [f"the last size {a.shape[-1]}"] if a.shape[-1] % k else []
            bad += [f"the storage offset {offset}"] if offset % k else []
            bad += [f"the stride {st} of dim {i}" for i, st in enumerate(strides[:-1]) if st % k]
            if bad:
                raise ShapeError(f"view: {', '.join(bad)} of a tensor of shape {a.shape} "
                                 f"must be divisible by {k} {what}")
    return _wrap(a.view(new), None)


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
    if s == e:
        return x                        # as PyTorch: nothing to flatten gives x itself
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
    return _whole_view(x) if new == shape else reshape(x, new)


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
    _axes(x, dims, "permute")           # in range: d % ndim would take 5 as 1
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
        return _whole_view(x)
    dims = list(range(nd))
    dims[dim0 % nd], dims[dim1 % nd] = dims[dim1 % nd], dims[dim0 % nd]
    return _view(x, ops.Permute, tuple(dims))


@public
def clone(x, *, memory_format=None) -> Tensor:
    """A copy with its own memory (x.clone()); the gradient flows back to x."""
    return x.clone()


@public
def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape the given shapes broadcast to (numpy's rule, PyTorch's), as a tuple."""
    shapes = tuple(tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in shapes)
    if not all(isinstance(n, (int, np.integer)) for s in shapes for n in s):
        raise ArgumentError(f"broadcast_shapes: expected shapes (ints or sequences of ints), "
                            f"got {shapes}")
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"broadcast_shapes: shapes {', '.join(map(str, shapes))} do not "
                         f"broadcast together") from None


@public
def broadcast_tensors(*tensors) -> tuple[Tensor, ...]:
    """The tensors expanded to their common shape (views, as torch.broadcast_tensors; a
    tensor of that shape itself)."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


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
        return _whole_view(x)
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
    # PyTorch's legacy rule: a tensor of shape (0,) joins any others (an accumulator's
    # start, cat([tensor([]), x])), as a tensor of their shape with 0 along dim
    like = next((t for t in tensors if t.data.shape != (0,)), tensors[0])
    if like.data.ndim == 0:
        raise ShapeError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    dim = _axes(like, dim, "cat")     # in range: dim % ndim joined 2-d rows at dim 2
    if like.data.ndim > 1:
        empty = like.data.shape[:dim] + (0,) + like.data.shape[dim + 1:]
        tensors = [t.reshape(empty) if t.data.shape == (0,) else t for t in tensors]
    try:
        return applyn(ops.Cat, tensors, dim)
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
def split(x, split_size, dim=0) -> tuple[Tensor, ...]:
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
def chunk(x, chunks, dim=0) -> tuple[Tensor, ...]:
    """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""
    n = x.data.shape[dim]
    return split(x, -(-n // chunks), dim)


def getitem(x, index):
    index = _index(index)
    try:
        return _view(x, ops.GetItem, torch_order(index, x.data.shape))
    except IndexError as e:
        raise OutOfRangeError(f"getitem: index {_show_index(index)} is out of range for a tensor "
                         f"of shape {x.data.shape}: {e}") from None


def _index(index):
    """Tensors and lists in an index become arrays, so numpy indexes as PyTorch does. A
    list shorter than 32 holding a tensor, a sequence, a slice, Ellipsis or None is a
    tuple of indices, as PyTorch (numpy's old rule): x[[rows, cols]] is x[rows, cols]. A
    uint8 tensor is a mask, as PyTorch (which deprecates it), not numpy's indices."""
    if type(index) is list and len(index) < 32 and any(
            isinstance(i, (Tensor, np.ndarray, list, tuple, slice)) or i is None or i is ...
            for i in index):
        index = tuple(index)
        warnings.warn("indexing with a list of indices is taken as a tuple of them, as by "
                      "PyTorch, which deprecates it (numpy takes the list as one array "
                      "index): write x[tuple(seq)]", UserWarning, stacklevel=_user_level())
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, Tensor) and i.data.ndim == 0 and i.data.dtype.kind in "iu" \
                and i.data.dtype != np.uint8:
            i = i.__index__()       # an int, as PyTorch's: x[i] is a view (a compiled step
                                    # guards on the value, as on a slice's bounds)
        elif isinstance(i, Tensor):
            i = i.data
            if i.dtype == np.uint8:
                warnings.warn("indexing with a uint8 tensor takes it as a mask, as PyTorch, "
                              "which deprecates it: index with a bool tensor (mask.bool())",
                              UserWarning, stacklevel=_user_level())
                i = i.astype(bool)
        elif type(i) is slice and any(isinstance(v, Tensor) for v in (i.start, i.stop, i.step)):
            # the bounds read here, as numpy would (a compiled step guards on them; inside
            # numpy's call they would be constants of the trace)
            i = slice(*(v.__index__() if isinstance(v, Tensor) else v
                        for v in (i.start, i.stop, i.step)))
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0:
                i = i.astype(np.intp)          # x[[]]: an empty integer index, as PyTorch
        if isinstance(i, np.ndarray) and i.dtype.kind == "f":
            raise DtypeError(f"getitem: tensors used as indices must be integer or bool, got "
                             f"{i.dtype} of shape {i.shape}")
        out.append(i)
    return tuple(out) if isinstance(index, tuple) else out[0]


def torch_order(index, shape):
    """`index` (as _index gives it) for numpy, so that it selects what PyTorch's does in
    the order PyTorch's does. They differ where an integer stands beside an advanced index
    (an array, a list, a mask): numpy takes the integer as one more advanced index, so
    x[0, :, [0, 1]] on (2, 3, 4) is (2, 3); PyTorch applies integers first, as basic
    indexing, giving (3, 2). Such an index becomes the integer arrays (one per dim) of the
    elements x[ints][rest] picks, in its order; any other index is returned as it is."""
    items = index if isinstance(index, tuple) else (index,)
    ints = [type(i) is int or isinstance(i, np.integer) for i in items]
    if not any(ints) or not any(isinstance(i, np.ndarray) and i.ndim > 0 for i in items):
        return index
    first, rest = [], []
    for i, is_int in zip(items, ints):
        if is_int:
            first.append(i)
        elif i is None:
            first.append(None)
            rest.append(slice(None))
        elif i is Ellipsis:
            first.append(i)
            rest.append(i)
        elif isinstance(i, np.ndarray) and i.dtype == bool:
            first.extend([slice(None)] * i.ndim)
            rest.append(i)
        else:
            first.append(slice(None))
            rest.append(i)
    positions = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    return np.unravel_index(positions[tuple(first)][tuple(rest)], shape)


def _user_level():
    """The stacklevel of a warning raised by the caller, which names the user's line."""
    f, level = sys._getframe(2), 2
    while f is not None and own_file(f.f_code.co_filename):
        f, level = f.f_back, level + 1
    return level


def _show_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return ", ".join(f"array{i.shape}" if isinstance(i, np.ndarray) else repr(i) for i in items)
