"""Writes at indices with PyTorch's names: ``scatter``, ``scatter_add``,
``scatter_reduce``, ``index_add``, ``index_fill``, ``index_copy``, ``index_reduce``,
``index_put`` (and
their in-place forms), and the reads ``take`` and ``take_along_dim``. Composites, so
their gradients come from the primitives:

- an add at indices is getitem's adjoint (``ops.IndexAdd``): repeated indices
  accumulate, and its backward is a gather;
- a write at indices is setitem's (``methods._set_values``): where an index repeats,
  the value written last in index's C order wins and the values it overwrote get a zero
  gradient (their exact derivative). PyTorch leaves the choice among repeated indices
  unspecified and gives each of them the winner's gradient: the two agree wherever the
  indices are distinct;
- a reduction at indices (scatter_reduce, index_reduce) is an add for sum and mean, a
  scan of products within each index's run for prod, and, for amax/amin, one primitive
  (``ops.ScatterAmax``: the value exact and PyTorch's sharing of the gradient among
  ties, which no composite gives both).
"""
import functools

import numpy as np

from . import ops
from .dtypes import fitted
from .errors import ArgumentError, DtypeError, NotDifferentiableError, OutOfRangeError, ShapeError
from .extras import gather, masked_fill
from .functions import _axes, _t, cat, expand, floor_divide, reshape, where
from .functions.shapes import _index as _as_index
from .graph import apply2
from .indexing import _index_array as _index
from .methods import _inplace, _set_values
from .public import public
from .tensor import Tensor


def _in_range(idx, n, op, dim, shape, negative=False):
    low = -n if negative else 0
    if idx.size and (idx.min() < low or idx.max() >= n):
        raise OutOfRangeError(f"{op}: index values in [{idx.min()}, {idx.max()}] are out of "
                              f"range [{low}, {n}) for dim {dim} of a tensor of shape {shape}")


def _same_dtype(x, src, op):
    if src.data.dtype != x.data.dtype:
        raise DtypeError(f"{op}: src has dtype {src.data.dtype}, the input {x.data.dtype} "
                         f"(shapes {src.data.shape} and {x.data.shape}); convert one, as in "
                         f"PyTorch")


def _scattered(op, x, dim, index, src_shape):
    """(positions, src part): the elements of x a scatter along `dim` writes (index's
    position with its value at dim, a tuple of arrays) and the leading part of src that it
    reads, after PyTorch's checks; (None, None) for an empty index. 0-d tensors are taken
    as 1-element vectors."""
    idx = _index(index, op)
    nd = max(x.data.ndim, 1)
    idx = idx.reshape(1) if idx.ndim == 0 and nd == 1 else idx
    src_shape = (1,) if len(src_shape) == 0 and nd == 1 else src_shape
    axis = _axes(x, dim, op) or 0
    shape = x.data.shape or (1,)
    if idx.size and (idx.ndim != nd or len(src_shape) != nd or any(
            i > s or (d != axis and i > n)
            for d, (i, s, n) in enumerate(zip(idx.shape, src_shape, shape)))):
        raise ShapeError(f"{op}: index of shape {idx.shape} must have the input's number of "
                         f"dims and fit in src (shape {src_shape}) and, but for dim {dim}, in "
                         f"the input (shape {x.data.shape})")
    if not idx.size:
        return None, None
    _in_range(idx, shape[axis], op, dim, x.data.shape)
    grid = list(np.indices(idx.shape, sparse=True))
    grid[axis] = idx
    return tuple(grid), tuple(slice(0, i) for i in idx.shape)


def _on_vectors(fn, x, *others):
    """fn on x (and the Tensors `others`) seen as 1-element vectors if x is 0-d; the
    result has x's shape."""
    if x.data.ndim:
        return fn(x, *others)
    return reshape(fn(reshape(x, 1), *(reshape(o, 1) if o.data.ndim == 0 else o
                                       for o in others)), ())


@public(method=True)
def scatter_add(input, dim, index, src):
    """input with src's values added at `index` along dim: out[index[i][j]][j] +=
    src[i][j] for dim=0, as torch.scatter_add. Repeated indices accumulate."""
    x, src = _t(input), _t(src)
    _same_dtype(x, src, "scatter_add")
    positions, part = _scattered("scatter_add", x, dim, index, src.data.shape)
    if positions is None:
        return x.clone()
    # as a flat index into x's elements: numpy's add.at has a fast path for a 1-d index
    # into a 1-d array, the same sums in the same order (1024 x 128 into 100 rows: 0.10 ms
    # rather than 1.1 ms for the tuple of index arrays)
    shape = x.data.shape or (1,)
    flat = np.ravel_multi_index(np.broadcast_arrays(*positions), shape).reshape(-1)
    return _on_vectors(lambda x, s: x + reshape(reshape(s[part], -1)._apply1(
        ops.IndexAdd, flat, (x.data.size,)), shape), x, src)


@public(method=True)
def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with src's values (or the number `value`) written at `index` along dim:
    out[index[i][j]][j] = src[i][j] for dim=0, as torch.scatter. Where an index repeats
    the last write in index's order wins (PyTorch: unspecified). reduce='add' adds
    (scatter_add's gradient), reduce='multiply' multiplies and has no gradient, as in
    PyTorch."""
    x = _t(input)
    if src is not None and not isinstance(src, Tensor) and np.ndim(src) == 0:
        src, value = None, src
    if (src is None) == (value is None):
        raise ArgumentError("scatter: give one of src (a tensor) and value (a number)")
    idx = _index(index, "scatter")
    if value is not None:
        src = Tensor(np.full(idx.shape, fitted(value, x.data.dtype, "scatter", x.data.shape)))
    src = _t(src)
    _same_dtype(x, src, "scatter")
    if reduce not in (None, "add", "multiply"):
        raise ArgumentError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    if reduce == "add":
        return scatter_add(x, dim, idx, src)
    positions, part = _scattered("scatter", x, dim, idx, src.data.shape)
    if positions is None:
        return x.clone()
    if reduce == "multiply":
        if x._node is not None or src._node is not None:
            raise NotDifferentiableError("scatter: reduce='multiply' has no gradient (as in "
                                         "PyTorch); detach the inputs")
        out = x.data.reshape(x.data.shape or (1,)).copy()
        np.multiply.at(out, positions, src.data.reshape(src.data.shape or (1,))[part])
        return Tensor(out.reshape(x.data.shape))
    return _on_vectors(lambda x, s: _set_values(x, positions, s[part]), x, src)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@public(method=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src's values reduced into it at `index` along dim, as
    torch.scatter_reduce: each element written is the sum, prod, mean, amax or amin of
    the src elements sent to it, and of its own value if include_self. Gradients as
    PyTorch's: amax/amin share g equally among the elements equal to the result
    (counting the input's own even where include_self=False, as PyTorch), prod's are the
    products of the others (exact with zeros), an integer mean rounds down."""
    x, src = _t(input), _t(src)
    _same_dtype(x, src, "scatter_reduce")
    if reduce not in _REDUCES:
        raise ArgumentError(f"scatter_reduce: reduce must be one of {_REDUCES}, got {reduce!r}")
    positions, part = _scattered("scatter_reduce", x, dim, index, src.data.shape)
    if positions is None:
        return x.clone()
    shape = x.data.shape or (1,)
    flat = np.ravel_multi_index(np.broadcast_arrays(*positions), shape).reshape(-1)
    return _on_vectors(lambda x, s: reshape(_reduce_at(
        reshape(x, -1), flat, reshape(s[part], -1), reduce, include_self), shape), x, src)


def _reduce_at(x, flat, src, reduce, include_self):
    """1-d x with the 1-d src reduced into it at positions `flat` (scatter_reduce)."""
    n = x.data.shape[0]
    if reduce in ("amax", "amin"):
        return apply2(ops.ScatterAmax, x, src, flat, reduce == "amax", include_self)
    hit = np.zeros(n, bool)
    hit[flat] = True
    if reduce == "prod":
        totals, at = _segment_products(src, flat)
        placed = totals._apply1(ops.IndexAdd, at, (n,))
        return where(hit, x * placed if include_self else placed, x)
    total = (x if include_self else masked_fill(x, hit, 0)) + src._apply1(ops.IndexAdd, flat, (n,))
    if reduce == "sum":
        return total
    count = np.bincount(flat, minlength=n) + include_self
    count[count == 0] = 1                 # x itself where nothing was written
    if x.data.dtype.kind == "f":
        return total / count.astype(x.data.dtype)
    return floor_divide(total, count.astype(x.data.dtype))


def _segment_products(values, flat):
    """(products, positions): the product of the `values` sent to each position in
    `flat`, by an inclusive scan within the runs of equal positions (log2 of the longest
    run rounds of multiplications, so the gradient is the products of the others,
    exact where values are 0)."""
    order = np.argsort(flat, kind="stable")
    at = flat[order]
    v = values[order]
    shift = 1
    while shift < at.size:
        same = at[shift:] == at[:-shift]         # the element `shift` places back: same run
        if not same.any():
            break
        v = cat([v[:shift], v[shift:] * where(same, v[:-shift], 1)])
        shift *= 2
    last = np.flatnonzero(np.append(at[1:] != at[:-1], True))
    return v[last], at[last]


@public(method=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """input with source's slices reduced into entries `index` of dim ('prod', 'mean',
    'amax' or 'amin'; include_self: the input's own values take part), as
    torch.index_reduce: scatter_reduce with the index repeated over the other dims."""
    x, source = _t(input), _t(source)
    if reduce not in _REDUCES[1:]:
        raise ArgumentError(f"index_reduce: reduce must be one of {_REDUCES[1:]}, got "
                            f"{reduce!r}")
    _same_dtype(x, source, "index_reduce")
    positions = _along("index_reduce", x, dim, index, source.data.shape)
    idx = positions[-1] if isinstance(positions, tuple) else positions
    axis = _axes(x, dim, "index_reduce") or 0
    nd = max(x.data.ndim, 1)
    full = np.broadcast_to(idx.reshape((-1,) + (1,) * (nd - axis - 1)),
                           source.data.shape or (1,))
    return scatter_reduce(x, dim, full if x.data.ndim else full.reshape(()), source, reduce,
                          include_self=include_self)


def _along(op, x, dim, index, source_shape=None):
    """(positions, index) for index_add/index_copy/index_fill: a 1-d index of dim's
    entries, checked against the input's and the source's shapes."""
    idx = _index(index, op)
    if idx.ndim > 1:
        raise ShapeError(f"{op}: index must be 0-d or 1-d, got shape {idx.shape}")
    idx = idx.reshape(-1)
    axis = _axes(x, dim, op) or 0
    shape = x.data.shape or (1,)
    if source_shape is not None:
        want = shape[:axis] + (idx.size,) + shape[axis + 1:]
        if (source_shape or (1,)) != want:
            raise ShapeError(f"{op}: source of shape {source_shape} does not fit an index of "
                             f"{idx.size} entries along dim {dim} of the input of shape "
                             f"{x.data.shape} (expected {want})")
    _in_range(idx, shape[axis], op, dim, x.data.shape, negative=op == "index_fill")
    return (slice(None),) * axis + (idx,) if axis else idx     # IndexAdd's row paths: an array


@public(method=True)
def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source added at entries `index` of dim: out[..., index[i], ...]
    += alpha * source[..., i, ...], as torch.index_add. Repeated indices accumulate."""
    x, source = _t(input), _t(source)
    _same_dtype(x, source, "index_add")
    positions = _along("index_add", x, dim, index, source.data.shape)
    s = source if alpha == 1 else source * alpha
    return _on_vectors(lambda x, s: x + s._apply1(ops.IndexAdd, positions, x.data.shape), x, s)


@public(method=True)
def index_copy(input, dim, index, source):
    """input with source's slices written at entries `index` of dim, as torch.index_copy
    (a repeated index: the last write wins)."""
    x, source = _t(input), _t(source)
    _same_dtype(x, source, "index_copy")
    positions = _along("index_copy", x, dim, index, source.data.shape)
    return _on_vectors(lambda x, s: _set_values(x, positions, s), x, source)


@public(method=True)
def index_fill(input, dim, index, value):
    """input with the number (or 0-d tensor) `value` at entries `index` of dim, as
    torch.index_fill."""
    x = _t(input)
    positions = _along("index_fill", x, dim, index)
    mask = np.zeros(x.data.shape or (1,), bool)
    mask[positions] = True
    return masked_fill(x, mask.reshape(x.data.shape), value)


@public(method=True)
def index_put(input, indices, values, accumulate=False):
    """input with `values` (broadcast) written at input[indices], as torch.index_put:
    `indices` a tuple of integer or bool tensors for the leading dims, broadcast together.
    accumulate=True adds the values (repeated indices sum); else where an index repeats the
    last value wins and, as in PyTorch, every value written there gets that place's
    gradient (their gradient is a gather of the output's)."""
    x = _t(input)
    v = _t(values, like=x)
    if v.data.dtype != x.data.dtype:
        raise DtypeError(f"index_put: values of dtype {v.data.dtype} (shape {v.data.shape}) "
                         f"do not match the input of dtype {x.data.dtype} (shape "
                         f"{x.data.shape}); convert one, as in PyTorch")
    index = _put_index(x, indices)
    return _set_values(x, index, v, "index_put", accumulate, shared=True)


def _put_index(x, indices):
    """index_put's indices as a numpy index, after PyTorch's checks."""
    if not isinstance(indices, (tuple, list)) or not indices:
        raise ArgumentError(f"index_put: indices must be a non-empty tuple of index tensors, "
                            f"got {indices!r}")
    arrays, dims = [], 0
    for i in indices:
        a = i.data if isinstance(i, Tensor) else np.asarray(i)
        if a.dtype.kind not in "iub":
            raise DtypeError(f"index_put: index tensors must be integer or bool, got "
                             f"{a.dtype} of shape {a.shape}")
        if a.dtype == np.uint8:
            a = _as_index(Tensor(a))         # a mask, warned, as in getitem and PyTorch
        if a.dtype == bool and a.shape != x.data.shape[dims:dims + a.ndim]:
            raise ShapeError(f"index_put: a bool index of shape {a.shape} does not match the "
                             f"dims {dims}.. of the tensor of shape {x.data.shape}")
        arrays.append(a)
        dims += a.ndim if a.dtype == bool else 1
    if dims > x.data.ndim or not x.data.ndim:
        raise ShapeError(f"index_put: {len(arrays)} indices for a tensor of shape "
                         f"{x.data.shape} ({x.data.ndim} dims)")
    try:
        np.broadcast_shapes(*((np.count_nonzero(a),) if a.dtype == bool else a.shape
                              for a in arrays))        # a mask indexes by its nonzero()
    except ValueError:
        raise ShapeError(f"index_put: the index tensors of shapes "
                         f"{[a.shape for a in arrays]} do not broadcast together (a bool "
                         f"mask counts as its number of True)") from None
    return tuple(arrays)


def _inplace_form(fn, name, casting="same_kind"):
    @functools.wraps(fn)                   # fn's signature, for the stubs
    def method(x, *args, **kwargs):
        return _inplace(x, name, lambda: fn(x._alias(), *args, **kwargs), casting)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{fn.__name__} in place (see ``Tensor.add_`` for the checks)."
    return public(method, function=False, method=True)


scatter_ = _inplace_form(scatter, "scatter_")
scatter_add_ = _inplace_form(scatter_add, "scatter_add_")
index_add_ = _inplace_form(index_add, "index_add_")
index_copy_ = _inplace_form(index_copy, "index_copy_")
index_fill_ = _inplace_form(index_fill, "index_fill_", "unsafe")
scatter_reduce_ = _inplace_form(scatter_reduce, "scatter_reduce_")
index_reduce_ = _inplace_form(index_reduce, "index_reduce_")
index_put_ = public(_inplace_form(index_put, "index_put_"))     # torch.index_put_ too


def _long(idx, op):
    """idx (an integer array) if it is int64, else the DtypeError PyTorch's take and
    take_along_dim raise (gather and the scatters take int32 as well)."""
    if idx.dtype != np.int64:
        raise DtypeError(f"{op}: indices must be int64 (long), as PyTorch's, got {idx.dtype} "
                         f"of shape {idx.shape}; convert them with .long()")
    return idx


@public(method=True)
def take(input, index):
    """The elements of input (taken as 1-d) at `index`, in index's shape."""
    x = _t(input)
    idx = _long(_index(index, "take"), "take")
    _in_range(idx, x.data.size, "take", 0, (x.data.size,), negative=True)
    return reshape(x, -1)[idx]


@public(method=True)
def take_along_dim(input, indices, dim=None):
    """gather with the input and indices broadcast over the other dims, as
    torch.take_along_dim. Along `dim` an index is taken modulo the dim's size, as
    PyTorch 2.13 takes it (-1 is the last; so is n - 1 + n); with dim=None both are taken
    as 1-d and an index must lie in [0, numel), as gather's."""
    x = _t(input)
    idx = _long(_index(indices, "take_along_dim"), "take_along_dim")
    if dim is None:
        return gather(reshape(x, -1), 0, idx.reshape(-1))
    axis = _axes(x, dim, "take_along_dim") or 0
    if idx.ndim != x.data.ndim:
        raise ShapeError(f"take_along_dim: indices of shape {idx.shape} must have as many "
                         f"dims as the input of shape {x.data.shape}")
    if x.data.ndim == 0:
        return gather(x, 0, idx)
    try:
        shape = np.broadcast_shapes(x.data.shape[:axis] + (1,) + x.data.shape[axis + 1:],
                                    idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    except ValueError:
        raise ShapeError(f"take_along_dim: the input of shape {x.data.shape} and indices of "
                         f"shape {idx.shape} do not broadcast but for dim {dim}") from None
    n = x.data.shape[axis]
    if idx.size and not n:
        raise OutOfRangeError(f"take_along_dim: indices of shape {idx.shape} into dim {dim} "
                              f"of size 0 (input of shape {x.data.shape})")
    idx = idx % (n or 1)
    x = expand(x, shape[:axis] + x.data.shape[axis:axis + 1] + shape[axis + 1:])
    idx = np.broadcast_to(idx, shape[:axis] + idx.shape[axis:axis + 1] + shape[axis + 1:])
    return gather(x, axis, idx)
