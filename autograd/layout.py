"""Rearranging functions with PyTorch's names: diagonals (``diagonal``, ``diag``,
``diag_embed``, ``trace``), ``Tensor.unfold`` (sliding windows, a view), ``roll``, ``tile``, ``rot90``, ``movedim``/``moveaxis``,
``swapaxes``/``swapdims``, ``broadcast_to``, ``atleast_1d``/``2d``/``3d``,
``hstack``/``vstack``/``dstack``, ``meshgrid``, ``block_diag``, ``cartesian_prod``.
Composites of getitem, its adjoint (``ops.IndexAdd``), permute, expand and cat; a
diagonal is a view where numpy can make one (a read-only copy otherwise)."""
import builtins

import numpy as np

from . import ops
from .dtypes import result_type
from .errors import ArgumentError, OutOfRangeError, ShapeError
from .extras import flip, repeat
from .functions import _axes, _t, cat, expand, permute, reshape, stack, transpose
from .functions.shapes import _view
from .ops_nn import Windows
from .public import public
from .state import current
from .versions import register_view
from .reductions import sum as _sum


def _diagonal_cells(n1, n2, offset):
    """The (rows, cols) of diagonal `offset` of an n1 x n2 matrix."""
    i = np.arange(builtins.max(0, builtins.min(n1, n2 - offset) if offset >= 0
                               else builtins.min(n1 + offset, n2)))
    return (i, i + offset) if offset >= 0 else (i - offset, i)


@public(method=True)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal `offset` (above the main one if > 0) of the matrices in dims dim1 and
    dim2, as the last dim of the result (the other dims first, in order)."""
    x = _t(input)
    if x.data.ndim < 2:
        raise ShapeError(f"diagonal: expected a tensor of at least 2 dims, got shape "
                         f"{x.data.shape}")
    d1, d2 = _axes(x, (dim1, dim2), "diagonal")
    if d1 == d2:
        raise ShapeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2}) "
                         f"of a tensor of shape {x.data.shape}")
    rest = [i for i in range(x.data.ndim) if i not in (d1, d2)]
    length = len(_diagonal_cells(x.data.shape[d1], x.data.shape[d2], offset)[0])
    # diagonal (offset, d1, d2) is diagonal (-offset, d2, d1): one of the two orders may
    # lay the matrices out as rows (a transposed matrix's diagonal is a view so)
    for a, b, k in ((d1, d2, offset), (d2, d1, -offset)):
        m = permute(x, *rest, a, b)
        n1, n2 = m.data.shape[-2:]
        if length and m.data.strides[-2] == n2 * m.data.strides[-1]:
            # a view, as PyTorch's: the matrices as rows of n1 * n2, every (n2 + 1)-th
            start = k if k >= 0 else -k * n2
            flat = reshape(m, m.data.shape[:-2] + (n1 * n2,))
            return flat[..., start:start + (length - 1) * (n2 + 1) + 1:n2 + 1]
    out = _diagonal(x, offset, d1, d2)
    if length and current().recorder is None:
        # the dims are not adjacent in memory: numpy's read-only diagonal view of x, so
        # that x's writes show in it as in PyTorch's view, and a write into it is refused
        # rather than lost; registered, so that a write into x in grad mode while it is in
        # a graph is refused (versions.other_views) rather than leaving its node stale
        out.data = np.diagonal(x.data, offset, d1, d2)
        register_view(out)
    else:
        out.data.flags.writeable = not length      # a copy (while ag.compile traces)
    return out


def _diagonal(x, offset, d1, d2):
    """A copy of diagonal `offset` of dims d1, d2 (diagonal's contract)."""
    rest = [i for i in range(x.data.ndim) if i not in (d1, d2)]
    rows, cols = _diagonal_cells(x.data.shape[d1], x.data.shape[d2], offset)
    return permute(x, *rest, d1, d2)[(Ellipsis, rows, cols)]


@public(method=True)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2 of the result) with input's last dim on their diagonal
    `offset`, zeros elsewhere."""
    x = _t(input)
    if x.data.ndim == 0:
        raise ShapeError("diag_embed: expected a tensor of at least 1 dim, got a 0-d one")
    n = x.data.shape[-1]
    m = n + builtins.abs(offset)
    nd = x.data.ndim + 1
    if not (-nd <= dim1 < nd and -nd <= dim2 < nd) or dim1 % nd == dim2 % nd:
        raise ShapeError(f"diag_embed: dim1 {dim1} and dim2 {dim2} must be two different dims "
                         f"of the {nd}-d result (input of shape {x.data.shape})")
    rows, cols = _diagonal_cells(m, m, offset)
    out = x._apply1(ops.IndexAdd, (Ellipsis, rows, cols), x.data.shape[:-1] + (m, m))
    return movedim(out, (nd - 2, nd - 1), (dim1 % nd, dim2 % nd))


@public(method=True)
def diag(input, diagonal=0):
    """A 1-d input: the square matrix with it on diagonal `diagonal`; a 2-d input: that
    diagonal of it."""
    x = _t(input)
    if x.data.ndim == 2:
        return _diagonal(x, diagonal, 0, 1)
    if x.data.ndim != 1:
        raise ShapeError(f"diag: expected a 1-d or 2-d tensor, got shape {x.data.shape}")
    return diag_embed(x, diagonal)


@public(method=True)
def trace(input):
    """The sum of the main diagonal of a 2-d tensor."""
    x = _t(input)
    if x.data.ndim != 2:
        raise ShapeError(f"trace: expected a 2-d tensor, got shape {x.data.shape}")
    return _sum(_diagonal(x, 0, 0, 1))


@public(function=False, method=True)
def unfold(input, dimension, size, step):
    """The windows of `size` elements starting every `step` along `dimension`, as a new
    last dim: shape (..., (n - size) // step + 1, ..., size). A view of the input, as
    PyTorch's (read-only where windows overlap); a 0-d input gives shape (size,).
    Gradient: each element gets the sum over the windows holding it."""
    x = _t(input)
    d = _axes(x, dimension, "unfold")
    if size < 0 or step <= 0:
        raise ArgumentError(f"unfold: size must be >= 0 and step > 0, got size {size} and "
                            f"step {step} (tensor of shape {x.data.shape})")
    flat = reshape(x, 1) if d is None else x
    n = flat.data.shape[d or 0]
    if size > n:
        raise ShapeError(f"unfold: size {size} is larger than dim {dimension} of the tensor "
                         f"of shape {x.data.shape} ({n})")
    out = _view(flat, Windows, d or 0, size, step)
    return out if d is not None else reshape(out, size)


@public(method=True)
def as_strided(input, size, stride, storage_offset=None):
    """A view of the memory input lies in: element i of the result is the buffer's element
    storage_offset + sum(i_k * stride_k), in elements from the buffer's start as PyTorch's
    storage (storage_offset defaults to input's own). Read-only where it sees an element
    twice; writing through it in a graph is refused, as through unfold's windows. Gradient
    as PyTorch's: summed at each buffer position (overlapping windows accumulate), then
    read at input's elements."""
    x = _t(input)
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    a = x.data
    flat, at = ops.shapes.buffer_of(a)
    what = f"(a tensor of shape {a.shape}, {a.dtype}, size {size}, stride {stride})"
    if flat is None:
        raise ShapeError(f"as_strided: the memory of this tensor is not one buffer of its "
                         f"dtype {what}; .contiguous() it first")
    offset = at if storage_offset is None else int(storage_offset)
    if len(size) != len(stride):
        raise ShapeError(f"as_strided: size and stride must have as many entries {what}")
    if builtins.min(size + stride + (offset,), default=0) < 0:
        raise ArgumentError(f"as_strided: negative sizes, strides and storage offsets are not "
                            f"supported, as in PyTorch {what}, storage_offset {offset}")
    need = 0 if 0 in size else offset + 1 + builtins.sum(
        (n - 1) * s for n, s in zip(size, stride))
    if need > flat.size:
        raise OutOfRangeError(f"as_strided: storage_offset {offset} with size {size} and "
                              f"stride {stride} needs {need} elements, beyond the {flat.size} "
                              f"of the buffer {what[1:-1].split(', size')[0]} lies in")
    return _view(x, ops.AsStrided, size, stride, offset)


@public(method=True)
def roll(input, shifts, dims=None):
    """input with its elements moved `shifts` places along `dims` (wrapping around); all
    elements as one row, in order, if dims is None. A new tensor, as PyTorch's."""
    x = input = _t(input)
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise ShapeError(f"roll: {len(shifts)} shifts without dims; give one shift")
        shift = shifts if isinstance(shifts, int) else shifts[0]
        return reshape(roll(reshape(x, -1), shift, 0), x.data.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    for shift, d in zip(shifts, dims):
        axis = _axes(x, d, "roll") or 0
        n = x.data.shape[axis] if x.data.ndim else 1
        s = shift % n if n else 0
        if s and x.data.ndim:
            lead = (slice(None),) * axis
            x = cat([x[lead + (slice(n - s, None),)], x[lead + (slice(0, n - s),)]], axis)
    return x.clone() if x is input else x


@public(method=True)
def tile(input, dims):
    """input repeated dims[i] times along each dim i (dims padded with leading 1s)."""
    x = _t(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(x, *((1,) * (x.data.ndim - len(dims)) + dims))


@public(method=True)
def rot90(input, k=1, dims=(0, 1)):
    """input rotated by k quarter turns in the plane of `dims`, from the first dim towards
    the second."""
    x = _t(input)
    dims = tuple(dims)
    if len(dims) != 2 or x.data.ndim < 2:
        raise ShapeError(f"rot90: expected two dims of a tensor of at least 2 dims, got dims "
                         f"{dims} for shape {x.data.shape}")
    d0, d1 = _axes(x, dims, "rot90")
    if d0 == d1:
        raise ShapeError(f"rot90: the two dims must differ, got {dims}")
    k %= 4            # a new tensor, as PyTorch's rot90 (flip copies)
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return x.clone()


@public(name="moveaxis", method=True)
@public(method=True)
def movedim(input, source, destination):
    """input with its dims `source` moved to positions `destination` (the others keep
    their order)."""
    x = _t(input)
    source = (source,) if isinstance(source, int) else tuple(source)
    destination = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(source) != len(destination):
        raise ShapeError(f"movedim: {len(source)} source dims for {len(destination)} "
                         f"destinations")
    src = _axes(x, source, "movedim") or ()
    dst = _axes(x, destination, "movedim") or ()
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(f"movedim: repeated dims in source {source} or destination "
                         f"{destination}")
    order = [n for n in range(x.data.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


@public(name="swapdims", method=True)
@public(method=True)
def swapaxes(input, axis0, axis1):
    """input with dims axis0 and axis1 exchanged (transpose)."""
    return transpose(_t(input), axis0, axis1)


@public(method=True)
def broadcast_to(input, size):
    """input broadcast to shape `size` (expand)."""
    return expand(_t(input), tuple(size) if not isinstance(size, int) else (size,))


def _atleast(nd, pad, name):
    def fn(*tensors):
        one = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
        items = tensors[0] if len(tensors) == 1 and not one else tensors
        out = tuple(reshape(t, pad(t.shape)) if t.ndim < nd else t for t in map(_t, items))
        return out[0] if one else out
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Each tensor with at least {nd} dims (size-1 dims added as "
                  f"numpy.{name} does): one tensor, or a tuple for several.")
    return public(fn)


atleast_1d = _atleast(1, lambda s: (1,), "atleast_1d")
atleast_2d = _atleast(2, lambda s: (1,) * (2 - len(s)) + s, "atleast_2d")
atleast_3d = _atleast(3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)],
                      "atleast_3d")


@public
def hstack(tensors):
    """The tensors joined along dim 1 (dim 0 for 1-d ones); 0-d ones count as 1-d."""
    items = atleast_1d(list(tensors))
    return cat(items, 0 if items[0].ndim == 1 else 1)


@public
def vstack(tensors):
    """The tensors (at least 2-d: a 1-d one is a row) joined along dim 0."""
    return cat(atleast_2d(list(tensors)), 0)


@public
def dstack(tensors):
    """The tensors (at least 3-d, as numpy.atleast_3d) joined along dim 2."""
    return cat(atleast_3d(list(tensors)), 2)


@public
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 1-d tensors: the i-th output varies along dim i ('ij', the
    default) or, for the first two, along dims swapped ('xy', as numpy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    tensors = [_t(t) for t in tensors]
    if any(t.ndim > 1 for t in tensors):
        raise ShapeError(f"meshgrid: expected 0-d or 1-d tensors, got shapes "
                         f"{[t.shape for t in tensors]}")
    where = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        where[0], where[1] = 1, 0
    shape = [0] * len(tensors)
    for t, w in zip(tensors, where):
        shape[w] = t.numel()
    return tuple(expand(reshape(t, tuple(-1 if i == w else 1 for i in range(len(shape)))),
                        *shape) for t, w in zip(tensors, where))


@public
def block_diag(*tensors):
    """The tensors (0-d, 1-d as a row, or 2-d) on the diagonal of one matrix, zeros
    elsewhere; dtypes promoted to a common one."""
    tensors = [_t(t) for t in tensors]
    if any(t.ndim > 2 for t in tensors):
        raise ShapeError(f"block_diag: expected tensors of at most 2 dims, got shapes "
                         f"{[t.shape for t in tensors]}")
    if not tensors:
        return _t(np.zeros((1, 0), np.float32))
    dtype = result_type(*tensors)
    blocks = [reshape(t.to(dtype), (1, -1) if t.ndim < 2 else t.shape) for t in tensors]
    shape = (builtins.sum(b.shape[0] for b in blocks), builtins.sum(b.shape[1] for b in blocks))
    out, r, c = None, 0, 0
    for b in blocks:
        n, m = b.shape
        placed = b._apply1(ops.IndexAdd, (slice(r, r + n), slice(c, c + m)), shape)
        out = placed if out is None else out + placed
        r, c = r + n, c + m
    return out


@public
def cartesian_prod(*tensors):
    """All combinations of the 1-d tensors' elements, one per row (in the order of
    nested loops, the last tensor innermost); one tensor is returned as it is."""
    tensors = [_t(t) for t in tensors]
    if any(t.ndim != 1 for t in tensors):
        raise ShapeError(f"cartesian_prod: expected 1-d tensors, got shapes "
                         f"{[t.shape for t in tensors]}")
    if len(tensors) == 1:
        return tensors[0]
    dtype = result_type(*tensors)
    grids = meshgrid(*[t.to(dtype) for t in tensors], indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)
