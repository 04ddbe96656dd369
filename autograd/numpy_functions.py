"""numpy functions (``np.sum``, ``np.dot``, ``np.concatenate``...) written with gradgraph's
ops, with numpy's signatures and semantics (``axis``, ``keepdims``, ``ddof``, numpy's
``dot`` and ``transpose``), for ``Tensor.__array_function__`` (see numpy_dispatch.py).
Each one's gradient, to any order, comes from the ops it is written with.

``FUNCTIONS`` maps a numpy function to its implementation; ``NO_GRADIENT`` lists the
functions whose result carries no gradient (they run on the data).
"""
import builtins
import operator

import numpy as np

from . import extras as E
from . import functions as F
from . import reductions as R
from .errors import ArgumentError, ShapeError
from .graph import _wrap
from .numpy_dispatch import Unsupported
from .tensor import Tensor

_NO_VALUE = np._NoValue
FUNCTIONS = {}


def implements(*funcs):
    def register(impl):
        for f in funcs:
            FUNCTIONS[f] = impl
        return impl
    return register


def _t(x, like=None):
    return F._t(x, like)


def _like(args):
    return next((a for a in args if isinstance(a, Tensor)), None)


def _axis(axis, nd):
    """numpy's axis (None, int, tuple) as a tuple of non-negative axes, checked."""
    if axis is None:
        return tuple(range(nd))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -nd <= a < builtins.max(nd, 1):
            raise ShapeError(f"axis {a} is out of bounds for an array of dimension {nd}")
    return tuple(int(a) % builtins.max(nd, 1) for a in axes)


def _unsupported(name, **given):
    """Arguments gradgraph does not implement (where=, order='F'...): numpy's own
    function runs on the data instead, or is refused for a tensor that requires grad."""
    for key, (value, default) in given.items():
        if value is not default and not (isinstance(default, str) and value == default):
            raise Unsupported(f"the argument {key}={value!r} is not implemented")


def _cast(x, dtype):
    return x if dtype is None else x.to(dtype)


# --- reductions -----------------------------------------------------------------------------
@implements(np.sum)
def np_sum(a, axis=None, dtype=None, keepdims=False, initial=_NO_VALUE, where=_NO_VALUE):
    _unsupported("numpy.sum", where=(where, _NO_VALUE))
    out = R.sum(_cast(_t(a), dtype), _dim(axis), keepdims)
    return out if initial is _NO_VALUE else out + initial


def _dim(axis):
    if axis is None or isinstance(axis, (int, np.integer)):
        return None if axis is None else int(axis)
    return tuple(int(a) for a in axis)


@implements(np.mean)
def np_mean(a, axis=None, dtype=None, keepdims=False, where=_NO_VALUE):
    _unsupported("numpy.mean", where=(where, _NO_VALUE))
    return R.mean(_cast(_t(a), dtype), _dim(axis), keepdims)


@implements(np.var)
def np_var(a, axis=None, dtype=None, ddof=0, keepdims=False, where=_NO_VALUE, mean=_NO_VALUE,
           correction=_NO_VALUE):
    _unsupported("numpy.var", where=(where, _NO_VALUE), mean=(mean, _NO_VALUE))
    ddof = ddof if correction is _NO_VALUE else correction
    return R.var(_cast(_t(a), dtype), _dim(axis), keepdim=keepdims, correction=ddof)


@implements(np.std)
def np_std(a, axis=None, dtype=None, ddof=0, keepdims=False, where=_NO_VALUE, mean=_NO_VALUE,
           correction=_NO_VALUE):
    return F.sqrt(np_var(a, axis, dtype, ddof, keepdims, where, mean, correction))


def _extreme(reduce, better, name):
    def fn(a, axis=None, keepdims=False, initial=_NO_VALUE, where=_NO_VALUE):
        _unsupported(name, where=(where, _NO_VALUE))
        a = _t(a)
        out = reduce(a, _dim(axis), keepdims)
        return out if initial is _NO_VALUE else better(out, initial)
    return fn


np_amax = implements(np.max, np.amax)(_extreme(R.amax, F.maximum, "numpy.max"))
np_amin = implements(np.min, np.amin)(_extreme(R.amin, F.minimum, "numpy.min"))


@implements(np.argmax)
def np_argmax(a, axis=None, keepdims=False):
    return R.argmax(_t(a), axis, keepdims)


@implements(np.argmin)
def np_argmin(a, axis=None, keepdims=False):
    return R.argmin(_t(a), axis, keepdims)


@implements(np.cumsum)
def np_cumsum(a, axis=None, dtype=None):
    a = _cast(_t(a), dtype)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return E.cumsum(a, int(axis))


@implements(np.nansum)
def np_nansum(a, axis=None, dtype=None, keepdims=False, initial=_NO_VALUE, where=_NO_VALUE):
    a = _t(a)
    return np_sum(F.where(np.isnan(a.data), 0.0, a), axis, dtype, keepdims, initial, where)


@implements(np.nanmean)
def np_nanmean(a, axis=None, dtype=None, keepdims=False, where=_NO_VALUE):
    a = _t(a)
    count = np.sum(~np.isnan(a.data), axis=_dim(axis), keepdims=keepdims)
    return np_nansum(a, axis, dtype, keepdims, where=where) / count.astype(a.dtype)


@implements(np.average)
def np_average(a, axis=None, weights=None, returned=False, keepdims=False):
    """sum(a * w) / sum(w) over axis (the mean without weights); a 1-d `weights` lies
    along `axis`, as in numpy."""
    a = _t(a, weights if isinstance(weights, Tensor) else None)
    if weights is None:
        avg = np_mean(a, axis, keepdims=keepdims)
        total = _wrap(np.full(avg.shape, a.data.size // builtins.max(avg.data.size, 1),
                              a.dtype), None)
    else:
        w = _t(weights, a)
        if w.shape != a.shape:
            if axis is None or w.ndim != 1 or not isinstance(axis, (int, np.integer)):
                raise ShapeError(f"numpy.average: weights of shape {w.shape} need an int "
                                 f"axis= for an array of shape {a.shape}")
            ax = _axis(axis, a.ndim)[0]
            w = F.expand(w.reshape((1,) * ax + w.shape + (1,) * (a.ndim - ax - 1)), a.shape)
        total = np_sum(w, axis, keepdims=keepdims)
        avg = np_sum(a * w, axis, keepdims=keepdims) / total
    return (avg, total) if returned else avg


@implements(np.linalg.norm)
def np_norm(x, ord=None, axis=None, keepdims=False):
    x = _t(x)
    vector = axis is not None and isinstance(axis, (int, np.integer)) or \
        axis is None and x.ndim == 1
    if ord is None or ord == "fro" and not vector or ord == 2 and vector:
        return R.norm(x, 2, _dim(axis), keepdims)
    if not vector:
        raise Unsupported(f"the matrix norm ord={ord!r} is not implemented")
    if ord == np.inf:
        return R.amax(F.abs(x), _dim(axis), keepdims)
    if ord == -np.inf:
        return R.amin(F.abs(x), _dim(axis), keepdims)
    if ord == 0:
        return _wrap(np.asarray(np.sum(x.data != 0, axis=_dim(axis), keepdims=keepdims),
                                x.dtype), None)
    return R.norm(x, ord, _dim(axis), keepdims)


# --- products -------------------------------------------------------------------------------
@implements(np.dot)
def np_dot(a, b):
    """numpy's dot: products of numbers, inner product of vectors, matmul of matrices,
    and for N-d with M-d a sum over a's last axis and b's second-to-last."""
    like = _like((a, b))
    a, b = _t(a, like), _t(b, like)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return F.matmul(a, b)
    return np_tensordot(a, b, ([a.ndim - 1], [b.ndim - 2]))


@implements(np.vdot)
def np_vdot(a, b):
    like = _like((a, b))
    return F.matmul(_t(a, like).reshape(-1), _t(b, like).reshape(-1))


@implements(np.inner)
def np_inner(a, b):
    like = _like((a, b))
    a, b = _t(a, like), _t(b, like)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return np_tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


@implements(np.outer)
def np_outer(a, b):
    like = _like((a, b))
    return _t(a, like).reshape(-1, 1) * _t(b, like).reshape(1, -1)


@implements(np.tensordot)
def np_tensordot(a, b, axes=2):
    """Sum over `axes` of a and b: both permuted and reshaped to matrices, one matmul."""
    like = _like((a, b))
    a, b = _t(a, like), _t(b, like)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [x % builtins.max(a.ndim, 1) for x in ax_a]
    ax_b = [x % builtins.max(b.ndim, 1) for x in ax_b]
    if [a.shape[i] for i in ax_a] != [b.shape[i] for i in ax_b]:
        raise ShapeError(f"numpy.tensordot: shape mismatch for sum: {a.shape} axes {ax_a} "
                         f"and {b.shape} axes {ax_b}")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a]))
    am = F.permute(a, *(free_a + ax_a)).reshape(-1, k) if a.ndim else a.reshape(1, 1)
    bm = F.permute(b, *(ax_b + free_b)).reshape(k, -1) if b.ndim else b.reshape(1, 1)
    return F.matmul(am, bm).reshape(tuple(a.shape[i] for i in free_a) +
                                    tuple(b.shape[i] for i in free_b))


@implements(np.trace)
def np_trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    return R.sum(np_diagonal(_cast(_t(a), dtype), offset, axis1, axis2), -1)


@implements(np.diagonal)
def np_diagonal(a, offset=0, axis1=0, axis2=1):
    a = _t(a)
    ax1, ax2 = _axis((axis1, axis2), a.ndim)
    rest = [i for i in range(a.ndim) if i not in (ax1, ax2)]
    moved = F.permute(a, *(rest + [ax1, ax2]))
    n1, n2 = a.shape[ax1], a.shape[ax2]
    i = np.arange(builtins.max(0, builtins.min(n1, n2 - offset) if offset >= 0
                               else builtins.min(n1 + offset, n2)))
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    return moved[(Ellipsis, rows, cols)]


@implements(np.einsum)
def np_einsum(subscripts, *operands, dtype=None, order="K", casting="safe", optimize=False):
    """numpy's einsum on gradgraph's (subscripts form; the interleaved operand/sublist
    form runs on the data)."""
    if not isinstance(subscripts, str):
        raise Unsupported("the interleaved (operand, sublist) form is not implemented")
    _unsupported("numpy.einsum", order=(order, "K"))
    like = _like(operands)
    from .einsum import einsum
    return _cast(einsum(subscripts, *[_t(o, like) for o in operands]), dtype)


# --- sorting ---------------------------------------------------------------------------------
@implements(np.sort)
def np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted values; the gradient goes back to where each value came from."""
    _unsupported("numpy.sort", order=(order, None))
    from .sorting import sort
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return sort(a, int(axis)).values


@implements(np.median)
def np_median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle value (the mean of the two middle ones for an even count), as numpy;
    the gradient goes to the selected elements."""
    if out is not None or not (axis is None or isinstance(axis, (int, np.integer))):
        raise Unsupported("out= and a tuple of axes are not implemented")
    a = _t(a)
    x, ax = (a.reshape(-1), 0) if axis is None else (a, _axis(axis, a.ndim)[0])
    n = x.shape[ax]
    middle = np_sort(x, ax)[(slice(None),) * ax + (slice((n - 1) // 2, n // 2 + 1),)]
    m = R.mean(middle, ax, keepdim=True)
    if keepdims:
        return m.reshape((1,) * a.ndim) if axis is None else m
    return m.reshape(()) if axis is None else F.squeeze(m, ax)


# --- shapes ---------------------------------------------------------------------------------
@implements(np.reshape)
def np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    _unsupported("numpy.reshape", order=(order, "C"))
    shape = newshape if shape is None else shape
    return F.reshape(_t(a), (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))


@implements(np.ravel)
def np_ravel(a, order="C"):
    _unsupported("numpy.ravel", order=(order, "C"))
    return F.reshape(_t(a), -1)


@implements(np.transpose)
def np_transpose(a, axes=None):
    a = _t(a)
    return F.permute(a, *(range(a.ndim - 1, -1, -1) if axes is None else axes))


@implements(np.swapaxes)
def np_swapaxes(a, axis1, axis2):
    return F.transpose(_t(a), axis1, axis2)


@implements(np.moveaxis)
def np_moveaxis(a, source, destination):
    a = _t(a)
    src, dst = _axis(source, a.ndim), _axis(destination, a.ndim)
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return F.permute(a, *order)


@implements(np.squeeze)
def np_squeeze(a, axis=None):
    a = _t(a)
    if axis is not None:
        for ax in _axis(axis, a.ndim):
            if a.shape[ax] != 1:
                raise ShapeError(f"numpy.squeeze: cannot select an axis to squeeze out "
                                 f"which has size not equal to one (axis {ax} of {a.shape})")
    return F.squeeze(a, axis)


@implements(np.expand_dims)
def np_expand_dims(a, axis):
    a = _t(a)
    axes = _axis(axis, a.ndim + (1 if isinstance(axis, (int, np.integer)) else len(axis)))
    shape = list(a.shape)
    for ax in sorted(axes):
        shape.insert(ax, 1)
    return F.reshape(a, tuple(shape))


def _atleast(nd, pad):
    def fn(*arys):
        out = []
        for x in arys:
            x = _t(x, _like(arys))
            if x.ndim < nd:
                x = x.reshape(pad(x.shape))
            out.append(x)
        return out[0] if len(out) == 1 else tuple(out)
    return fn


np_atleast_1d = implements(np.atleast_1d)(_atleast(1, lambda s: (1,)))
np_atleast_2d = implements(np.atleast_2d)(_atleast(2, lambda s: (1,) * (2 - len(s)) + s))
np_atleast_3d = implements(np.atleast_3d)(_atleast(
    3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]))


@implements(np.broadcast_to)
def np_broadcast_to(array, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return F.expand(_t(array), shape)


@implements(np.broadcast_arrays)
def np_broadcast_arrays(*args, subok=False):
    like = _like(args)
    shape = np.broadcast_shapes(*[np.shape(_data(a)) for a in args])
    return tuple(F.expand(_t(a, like), shape) for a in args)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _joinable(arrays, dtype=None):
    arrays = list(arrays)
    if not arrays:
        raise ArgumentError("need at least one array to concatenate")
    like = _like(arrays)
    return [_cast(_t(x, like), dtype) for x in arrays]


@implements(np.concatenate)
def np_concatenate(arrays, axis=0, dtype=None, casting="same_kind"):
    arrays = _joinable(arrays, dtype)
    if axis is None:
        arrays, axis = [x.reshape(-1) for x in arrays], 0
    return F.cat(arrays, int(axis))


@implements(np.stack)
def np_stack(arrays, axis=0, dtype=None, casting="same_kind"):
    return F.stack(_joinable(arrays, dtype), int(axis))


@implements(np.vstack)
def np_vstack(tup, *, dtype=None, casting="same_kind"):
    return F.cat([np_atleast_2d(x) for x in _joinable(tup, dtype)], 0)


@implements(np.hstack)
def np_hstack(tup, *, dtype=None, casting="same_kind"):
    arrays = [np_atleast_1d(x) for x in _joinable(tup, dtype)]
    return F.cat(arrays, 0 if arrays[0].ndim == 1 else 1)


@implements(np.column_stack)
def np_column_stack(tup):
    arrays = [x.reshape(-1, 1) if x.ndim < 2 else x for x in _joinable(tup)]
    return F.cat(arrays, 1)


def _split_at(a, bounds, axis):
    lead = (slice(None),) * (axis % builtins.max(a.ndim, 1))
    return [a[lead + (slice(s, e),)] for s, e in zip(bounds[:-1], bounds[1:])]


@implements(np.split, np.array_split)
def np_split(ary, indices_or_sections, axis=0):
    a = _t(ary)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        size, extra = divmod(n, k)
        sizes = [size + 1] * extra + [size] * (k - extra)
        bounds = list(np.cumsum([0] + sizes))
    else:
        bounds = [0] + [builtins.min(int(i), n) for i in indices_or_sections] + [n]
    return _split_at(a, bounds, axis)


def _np_split_strict(ary, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, (int, np.integer)):
        n = np.shape(_data(ary))[axis]
        if n % indices_or_sections:
            raise ShapeError(f"numpy.split: array split does not result in an equal "
                             f"division ({n} into {indices_or_sections})")
    return np_split(ary, indices_or_sections, axis)


FUNCTIONS[np.split] = _np_split_strict


@implements(np.where)
def np_where(condition, x=_NO_VALUE, y=_NO_VALUE):
    if x is _NO_VALUE and y is _NO_VALUE:
        return np.nonzero(_data(condition))
    return F.where(_data(condition), x, y)


@implements(np.clip)
def np_clip(a, a_min=_NO_VALUE, a_max=_NO_VALUE, *, min=_NO_VALUE, max=_NO_VALUE, **kw):
    """clip as numpy (NaN stays NaN; with min > max every value is max), with the
    gradient passing where a_min <= a <= a_max as in PyTorch; Tensor bounds get the
    gradient where they are selected."""
    lo = a_min if min is _NO_VALUE else min
    hi = a_max if max is _NO_VALUE else max
    lo = None if lo is _NO_VALUE else lo
    hi = None if hi is _NO_VALUE else hi
    if kw:
        raise Unsupported(f"the arguments {sorted(kw)} are not implemented")
    out = _t(a, _like((lo, hi)))
    if lo is not None:
        out = F.where(out.data < _data(lo), lo, out)
    if hi is not None:
        out = F.where(out.data > _data(hi), hi, out)
    return out


@implements(np.round, np.around)
def np_round(a, decimals=0):
    from .numpy_dispatch import _zero_gradient
    return _zero_gradient(np.round)(_t(a), decimals)


@implements(np.flip)
def np_flip(m, axis=None):
    m = _t(m)
    return E.flip(m, _axis(axis, m.ndim))


@implements(np.fliplr)
def np_fliplr(m):
    return E.flip(_t(m), 1)


@implements(np.flipud)
def np_flipud(m):
    return E.flip(_t(m), 0)


@implements(np.take)
def np_take(a, indices, axis=None, mode="raise"):
    _unsupported("numpy.take", mode=(mode, "raise"))
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    idx = np.asarray(_data(indices))
    return a[(slice(None),) * (axis % a.ndim) + (idx,)]


@implements(np.take_along_axis)
def np_take_along_axis(arr, indices, axis):
    arr = _t(arr)
    if axis is None:
        arr, axis = arr.reshape(-1), 0
    return E.gather(arr, axis, np.asarray(_data(indices)))


@implements(np.roll)
def np_roll(a, shift, axis=None):
    a = _t(a)
    if axis is None:
        return np_roll(a.reshape(-1), shift, 0).reshape(a.shape)
    shifts = np.broadcast_to(shift, np.shape(axis)).tolist() if not isinstance(
        axis, (int, np.integer)) else [shift]
    for s, ax in zip(shifts, _axis(axis, a.ndim)):
        a = np_take(a, np.roll(np.arange(a.shape[ax]), s), ax)
    return a


@implements(np.tile)
def np_tile(A, reps):
    A = _t(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    reps = (1,) * (A.ndim - len(reps)) + reps
    return E.repeat(A, *reps)


@implements(np.repeat)
def np_repeat(a, repeats, axis=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    index = np.repeat(np.arange(a.shape[axis]), _data(repeats))
    return np_take(a, index, axis)


@implements(np.diff)
def np_diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    a = _t(a)
    ax = _axis(axis, a.ndim)[0]
    if prepend is not _NO_VALUE or append is not _NO_VALUE:
        parts = [a]
        for value, at in ((prepend, 0), (append, 1)):
            if value is not _NO_VALUE:
                v = _t(value, a)
                if v.ndim == 0:
                    v = F.expand(v, a.shape[:ax] + (1,) + a.shape[ax + 1:])
                parts.insert(0 if at == 0 else len(parts), v)
        a = F.cat(parts, ax)
    lead = (slice(None),) * ax
    for _ in range(n):
        a = a[lead + (slice(1, None),)] - a[lead + (slice(None, -1),)]
    return a


def _tri(keep):
    def fn(m, k=0):
        m = _t(m)
        rows, cols = m.shape[-2:]
        mask = keep(np.arange(rows)[:, None] + k, np.arange(cols)[None, :])
        return F.where(mask, m, 0.0)
    return fn


np_tril = implements(np.tril)(_tri(operator.ge))
np_triu = implements(np.triu)(_tri(operator.le))


@implements(np.diag)
def np_diag(v, k=0):
    v = _t(v)
    if v.ndim == 2:
        return np_diagonal(v, k)
    if v.ndim != 1:
        raise ShapeError(f"numpy.diag: input must be 1- or 2-d, got shape {v.shape}")
    n = v.shape[0] + builtins.abs(k)
    index = np.arange(v.shape[0])
    rows, cols = (index, index + k) if k >= 0 else (index - k, index)
    mask = np.zeros((n, n), bool)
    mask[rows, cols] = True
    spread = np.zeros((n, n), np.int64)
    spread[rows, cols] = index
    return F.where(mask, v[spread], 0.0)


@implements(np.copy)
def np_copy(a, order="K", subok=False):
    return _t(a).clone()


@implements(np.real)
def np_real(val):
    return _t(val)


def _like_constructor(np_fn):
    def fn(a, *args, **kwargs):
        return _wrap(np_fn(_data(a), *args, **kwargs), None)
    return fn


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    FUNCTIONS[_f] = _like_constructor(_f)

# Functions whose result does not depend smoothly on the values (shapes, counts, indices,
# bools): numpy runs them on the data, whatever the tensors' requires_grad.
NO_GRADIENT = {
    np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.min_scalar_type,
    np.isclose, np.allclose, np.array_equal, np.array_equiv, np.nonzero, np.argwhere,
    np.flatnonzero, np.count_nonzero, np.argsort, np.argpartition, np.searchsorted,
    np.any, np.all, np.may_share_memory, np.shares_memory, np.iscomplexobj, np.isrealobj,
    np.iscomplex, np.isreal, np.isneginf, np.isposinf, np.digitize, np.bincount,
    np.lexsort, np.unravel_index, np.ravel_multi_index,
}
