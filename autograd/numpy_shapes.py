"""numpy's shape, joining and indexing functions (``np.reshape``, ``np.concatenate``,
``np.take``, ``np.clip``, ``np.where``...) with gradgraph's ops, registered in
numpy_functions.FUNCTIONS for ``Tensor.__array_function__``."""
import builtins

import numpy as np

from . import extras as E
from . import functions as F
from . import layout as L
from .errors import ArgumentError, ShapeError
from .masking import tril, triu
from .scans import diff
from .numpy_functions import (FUNCTIONS, _NO_VALUE, Unsupported, _axis, _cast, _data, _like, _t,
                              _unsupported, _zero_gradient, implements)
from .tensor import Tensor

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
    def dims(v):
        return int(v) if np.ndim(v) == 0 else tuple(int(i) for i in v)
    return L.movedim(_t(a), dims(source), dims(destination))


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


@implements(np.dstack)
def np_dstack(tup):
    return L.dstack(_joinable(tup))


@implements(np.meshgrid)
def np_meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    _unsupported("numpy.meshgrid", sparse=(sparse, False))
    like = _like(xi)
    return L.meshgrid(*[_t(x, like).reshape(-1) for x in xi], indexing=indexing)


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
    return _zero_gradient(np.round)(_t(a), decimals)


@implements(np.flip)
def np_flip(m, axis=None):
    m = _t(m)
    return E.flip(m, _axis(axis, m.ndim))


@implements(np.fliplr)
def np_fliplr(m):
    return E.fliplr(_t(m))


@implements(np.flipud)
def np_flipud(m):
    return E.flipud(_t(m))


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
    if axis is None:
        return L.roll(_t(a), shift)
    shifts, axes = np.broadcast_arrays(shift, axis)
    return L.roll(_t(a), tuple(shifts.reshape(-1).tolist()), tuple(axes.reshape(-1).tolist()))


@implements(np.tile)
def np_tile(A, reps):
    return L.tile(_t(A), reps)


@implements(np.rot90)
def np_rot90(m, k=1, axes=(0, 1)):
    return L.rot90(_t(m), k, axes)


@implements(np.repeat)
def np_repeat(a, repeats, axis=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    index = np.repeat(np.arange(a.shape[axis]), _data(repeats))
    return np_take(a, index, axis)


@implements(np.diff)
def np_diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    return diff(_t(a), n, axis, None if prepend is _NO_VALUE else prepend,
                None if append is _NO_VALUE else append)


@implements(np.tril)
def np_tril(m, k=0):
    return tril(_t(m), k)


@implements(np.triu)
def np_triu(m, k=0):
    return triu(_t(m), k)


@implements(np.diag)
def np_diag(v, k=0):
    return L.diag(_t(v), k)


@implements(np.copy)
def np_copy(a, order="K", subok=False):
    return _t(a).clone()


@implements(np.real)
def np_real(val):
    return _t(val)
