"""The shape and indexing primitives: reshape, permute and expand (views), getitem and
its adjoint index_add (each the other's backward), index_put (x[index] = v),
concatenation, and the helpers that lay out and fill getitem's gradient."""
import numpy as np

from ..errors import GraphError
from ..graph import Primitive, apply1, apply2
from ..jit.hooks import kernel
from ..versions import base_of
from .elementwise import Where


class Reshape(Primitive):
    __slots__ = ()

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.parents[0].shape),


class Permute(Primitive):
    __slots__ = ("dims",)

    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, g):
        return apply1(Permute, g, tuple(np.argsort(self.dims).tolist())),


class Expand(Primitive):
    """Broadcast to a larger shape; the engine's sum_to_shape is its whole backward."""
    __slots__ = ()

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g,


class AsStrided(Primitive):
    """x.as_strided(size, stride, offset): the elements at offset + sum(i_k * stride_k) of
    the buffer x's memory lies in (element strides from its start, as PyTorch's storage):
    a view, read-only where it may see an element twice. The gradient, as PyTorch's: added
    up at each buffer position the view reads (overlapping windows accumulate), then read
    at x's positions, shared equally among x's elements that see the same position."""
    __slots__ = ("geometry",)

    def forward(self, x, size, stride, offset):
        flat, at = buffer_of(x)
        self.geometry = (size, stride, offset, x.shape,
                         tuple(s // x.itemsize for s in x.strides), at)
        return np.lib.stride_tricks.as_strided(
            flat[offset:], size, [s * x.itemsize for s in stride],
            writeable=flat.flags.writeable and not overlaps(size, stride))

    def backward(self, g):
        # positions from the shapes alone (no value read), so ag.compile replays them
        size, stride, offset, shape, strides, at = self.geometry
        lo, hi = _span(shape, strides, at)
        lo_out, hi_out = _span(size, stride, offset)
        lo, n = min(lo, lo_out), max(hi, hi_out) - min(lo, lo_out) + 1
        read = positions(size, stride, offset - lo).reshape(-1)
        seen = positions(shape, strides, at - lo)
        gx = apply1(IndexAdd, g.reshape(-1), read, (n,))[seen]
        if not overlaps(shape, strides):
            return gx,
        count = np.zeros(n, g.dtype)
        np.add.at(count, seen.reshape(-1), 1)
        return gx / count[seen],


def _span(shape, strides, offset):
    """The lowest and highest buffer positions a view of `shape` and `strides` reads."""
    if 0 in shape:
        return offset, offset
    return (offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0),
            offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0))


def overlaps(shape, strides):
    """True if a view of `shape` and element `strides` may see an element twice (each
    stride must pass the reach of all the smaller ones; so it is exact for the views
    of a tensor's dims and a few rare interleavings are taken as overlapping)."""
    if 0 in shape:
        return False
    span = 0
    for s, n in sorted((abs(s), n) for n, s in zip(shape, strides) if n > 1):
        if s <= span:
            return True
        span += s * (n - 1)
    return False


def buffer_of(x):
    """(the buffer `x`'s memory lies in, as a 1-d array of x's dtype from its start; x's
    offset in it, in elements), or (None, None) if that memory is not one buffer of x's
    dtype. Made from x itself by strided views (not from the buffer's owner), so that
    ag.compile's replays follow it."""
    owner = base_of(x)
    step = x.itemsize
    start = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    if not (owner.flags.c_contiguous or owner.flags.f_contiguous) or start % step or \
            any(s % step for s in x.strides):
        return None, None
    at, n = start // step, owner.nbytes // step
    head = np.lib.stride_tricks.as_strided(x, (at + 1,), (-step,))[::-1]   # buffer start .. x
    return np.lib.stride_tricks.as_strided(head, (n,), (step,)), at


def positions(shape, strides, offset):
    """The buffer positions of the elements of a view of `shape` and element `strides`."""
    at = np.full((), offset, np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        at = at[..., None] + np.arange(n, dtype=np.int64) * s
    return at.reshape(shape)


class GetItem(Primitive):
    __slots__ = ("index", "order")
    indexing = True
    adds_into_parent = True

    def forward(self, x, index):
        self.index = index
        self.order = None if x.flags.c_contiguous else memory_order(x)
        out = x[index]
        if isinstance(out, np.generic) and _is_element(index):
            # one element (x[1], x[0, 1], a 0-d x[()]): numpy's scalar is a copy; a 0-d
            # view, as PyTorch's, so that x[1].fill_(7) writes x
            out = x[(index if type(index) is tuple else (index,)) + (Ellipsis,)]
        return out

    def backward(self, g):
        return apply1(IndexAdd, g, self.index, self.parents[0].shape, self.order),


def _is_element(index):
    """True if `index` is integers only (Python's or numpy's, not bools), or ()."""
    for i in index if type(index) is tuple else (index,):
        if type(i) is not int and not isinstance(i, np.integer):
            return False
    return True


class IndexAdd(Primitive):
    """zeros(shape) with g added at `index` (repeated indices accumulate): getitem's
    backward, and getitem is its backward, so both are differentiable to any order."""
    __slots__ = ("index",)

    def forward(self, g, index, shape, order=None):
        self.index = index
        out = _zeros(shape, g.dtype, order)
        if _is_basic(index):
            out[index] = g
        elif isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.size >= 32:
            if out.ndim == 1:       # add.at's fast path wants a 1-d index: 100,000 into
                np.add.at(out, index.reshape(-1), g.reshape(-1))   # 1,000 0.07 ms, 5.5 sorted
            else:
                _add_rows(out, index, g)
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg):
        return gg[self.index],


class IndexPut(IndexAdd):
    """zeros(shape) with g *assigned* at `index` (x[index] = v): where an index repeats,
    the last value wins, as in numpy and PyTorch, and the values it overwrote get a zero
    gradient (their exact derivative), or with `shared` the winner's, as PyTorch's
    index_put gives them (its backward a gather, as IndexAdd's)."""
    __slots__ = ("winners",)

    def forward(self, g, index, shape, shared=False):
        self.index = index
        out = np.zeros(shape, dtype=g.dtype)
        out[index] = g
        self.winners = None
        if not shared and not _is_basic(index):
            writer = np.full(shape, -1, dtype=np.intp)
            ids = np.arange(g.size).reshape(g.shape)
            writer[index] = ids
            winners = writer[index] == ids
            if not winners.all():
                self.winners = winners
        return out

    def backward(self, gg):
        g = gg[self.index]
        return (g if self.winners is None else apply2(Where, g, g.dtype.type(0), self.winners)),


class CopySlices(Primitive):
    """The tensor a view shows after a write through the view (PyTorch's CopySlices): its
    values are its buffer's, already written, so forward computes nothing. Its gradient
    goes to the old tensor outside the view's region (an exact zero inside) and, seen
    through the view's ops (`chain`, from autograd/views.py), to the written values."""
    __slots__ = ("chain", "order")

    def forward(self, base, chain):
        self.chain = chain
        self.order = None if base.flags.c_contiguous else memory_order(base)
        return base

    def backward(self, g):
        old, written = self.parents
        return (apply2(Where, g, g.dtype.type(0), self._outside()) if old is not None else None,
                through(g, self.chain) if written is not None else None)

    def _outside(self):
        """A bool mask of the base's shape: False where the view sees it. Laid out as the
        base was, so that the chain's reshapes are views of it, as they were of the base."""
        mask = _zeros(self.shape, np.bool_, self.order)
        mask[...] = True
        seen = through(mask, self.chain)
        if seen.size and not np.shares_memory(seen, mask):
            raise GraphError(f"CopySlices: the view {self.chain} of a tensor of shape "
                               f"{self.shape} is no view of a mask laid out as the tensor")
        seen[...] = False
        return mask


def through(x, chain):
    """Array or Tensor `x` seen through the view ops `chain` [(op class, args), ...]."""
    for cls, args in chain:
        x = apply1(cls, x, *args)
    return x


class Cat(Primitive):
    __slots__ = ("axis", "sizes")

    def forward(self, arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        grads, start = [], 0
        lead = (slice(None),) * (self.axis % g.ndim)
        for parent, size in zip(self.parents, self.sizes):
            grads.append(g[lead + (slice(start, start + size),)] if parent is not None else None)
            start += size
        return tuple(grads)


@kernel(writes=(0,))        # ag.compile: sizes inside depend on values; replayed as one call
def _add_rows(out, index, g):
    """np.add.at(out, index, g) for one integer array indexing rows (an embedding's
    backward): sort the rows by index and sum each run with one reduceat (equal to add.at
    up to rounding). 1024 rows of 128 into 100: 0.17 ms against add.at's 2.0 ms."""
    n = out.shape[0]
    flat = index.reshape(-1)
    flat = np.where(flat < 0, flat + n, flat) if flat.dtype.kind == "i" else flat
    order = np.argsort(flat, kind="stable")
    rows = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    width = out.size // n if n else 0
    out.reshape(n, width)[rows[starts]] = np.add.reduceat(
        g.reshape(flat.size, width)[order], starts, axis=0)


def memory_order(x):
    """The axes of array `x` from the outermost in memory to the innermost (largest
    stride first; ties in axis order)."""
    strides = x.strides
    return tuple(sorted(range(x.ndim), key=lambda i: -abs(strides[i])))


def _zeros(shape, dtype, order=None):
    """np.zeros(shape) laid out in memory with its axes in `order` (memory_order's; None:
    C order). getitem of a permuted view (q, k, v of GPT's (B, T, 3, H, D) projection seen
    as (3, B, H, T, D)) sends its gradient in the layout the view has, so the
    permutation's backward gives a C-contiguous array and the reshape after it is free
    instead of a strided copy (0.9 ms per layer of the transformer step)."""
    if order is None:
        return np.zeros(shape, dtype=dtype)
    return np.zeros([shape[i] for i in order], dtype=dtype).transpose(np.argsort(order))


def _is_basic(index):
    """True if `index` uses only basic indexing (no element can be hit twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer))
               or (isinstance(i, np.ndarray) and i.dtype == bool) for i in items)
