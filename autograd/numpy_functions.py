"""numpy functions (``np.sum``, ``np.dot``, ``np.concatenate``...) written with gradgraph's
ops, with numpy's signatures and semantics (``axis``, ``keepdims``, ``ddof``, numpy's
``dot`` and ``transpose``), for ``Tensor.__array_function__`` (see numpy_dispatch.py).
Each one's gradient, to any order, comes from the ops it is written with.

``FUNCTIONS`` maps a numpy function to its implementation (reductions, products and
sorting here, shapes and indexing in numpy_shapes.py); ``NO_GRADIENT`` lists the
functions whose result carries no gradient (they run on the data).
"""
import builtins

import numpy as np

from . import extras as E
from . import functions as F
from . import reductions as R
from . import scans as S
from .errors import ShapeError
from .graph import _wrap
from .tensor import Tensor
from .einsum import einsum
from .layout import diagonal
from . import products as P
from .sorting import quantile, sort

_NO_VALUE = np._NoValue
FUNCTIONS = {}


class Unsupported(Exception):
    """Raised by an implementation for arguments it does not handle (numpy's where=,
    a matrix norm...): the call is then treated as an unsupported function."""


def _zero_gradient(np_fn):
    """A piecewise-constant function (floor, ceil, sign...): numpy's values, gradient
    zero, and the result requires grad when the input does (as in PyTorch)."""
    def fn(x, *args):
        return F.constant_of(x, np_fn(x.data, *args))
    return fn


def implements(*funcs):
    def register(impl):
        for f in funcs:
            FUNCTIONS[f] = impl
        return impl
    return register


_t = F._t


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


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _cast(x, dtype):
    return x if dtype is None else x.to(dtype)


# --- elementwise functions that are not ufuncs ---------------------------------------------
@implements(np.sinc)
def np_sinc(x):
    return F.sinc(_t(x))


@implements(np.nan_to_num)
def np_nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if not copy:
        raise Unsupported("copy=False (in place) is not implemented")
    return F.nan_to_num(_t(x), nan, posinf, neginf)


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
    return _spread(R.var, "numpy.var", a, axis, dtype, ddof, keepdims, where, mean, correction)


@implements(np.std)
def np_std(a, axis=None, dtype=None, ddof=0, keepdims=False, where=_NO_VALUE, mean=_NO_VALUE,
           correction=_NO_VALUE):
    return _spread(R.std, "numpy.std", a, axis, dtype, ddof, keepdims, where, mean, correction)


def _spread(reduce, name, a, axis, dtype, ddof, keepdims, where, mean, correction):
    """np.var / np.std as Tensor.var / Tensor.std (their corrected mean, std's scaling by
    powers of two and zero gradient at a zero spread), numpy's ddof (or correction) as
    the correction."""
    _unsupported(name, where=(where, _NO_VALUE), mean=(mean, _NO_VALUE))
    ddof = ddof if correction is _NO_VALUE else correction
    return reduce(_cast(_t(a), dtype), _dim(axis), keepdim=keepdims, correction=ddof)


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
    if ord < 0:              # numpy's value: 0 when an element is 0 (1/inf)
        return R.sum(F.abs(x) ** float(ord), _dim(axis), keepdims) ** (1.0 / ord)
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
    return P.inner(_t(a, like), _t(b, like))


@implements(np.outer)
def np_outer(a, b):
    like = _like((a, b))
    return F.outer(_t(a, like).reshape(-1), _t(b, like).reshape(-1))


@implements(np.tensordot)
def np_tensordot(a, b, axes=2):
    like = _like((a, b))
    return P.tensordot(_t(a, like), _t(b, like), axes)


@implements(np.kron)
def np_kron(a, b):
    like = _like((a, b))
    return P.kron(_t(a, like), _t(b, like))


@implements(np.cross)
def np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    like = _like((a, b))
    a, b = _t(a, like), _t(b, like)
    if axis is None and not axisa == axisb == axisc:
        raise Unsupported("different axisa, axisb, axisc are not implemented")
    axis = axisa if axis is None else axis
    if a.ndim == 0 or b.ndim == 0 or a.shape[axis] != 3 or b.shape[axis] != 3:
        raise Unsupported("only 3-vectors are implemented")
    return P.cross(a, b, axis)


@implements(np.trace)
def np_trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    return R.sum(np_diagonal(_cast(_t(a), dtype), offset, axis1, axis2), -1)


@implements(np.diagonal)
def np_diagonal(a, offset=0, axis1=0, axis2=1):
    return diagonal(_t(a), offset, axis1, axis2)


@implements(np.einsum)
def np_einsum(subscripts, *operands, dtype=None, order="K", casting="safe", optimize=False):
    """numpy's einsum on gradgraph's (subscripts form; the interleaved operand/sublist
    form runs on the data)."""
    if not isinstance(subscripts, str):
        raise Unsupported("the interleaved (operand, sublist) form is not implemented")
    _unsupported("numpy.einsum", order=(order, "K"))
    like = _like(operands)
    return _cast(einsum(subscripts, *[_t(o, like) for o in operands]), dtype)


# --- sorting ---------------------------------------------------------------------------------
@implements(np.sort)
def np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted values; the gradient goes back to where each value came from."""
    _unsupported("numpy.sort", order=(order, None))
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return sort(a, int(axis)).values


@implements(np.prod)
def np_prod(a, axis=None, dtype=None, keepdims=False, initial=_NO_VALUE, where=_NO_VALUE):
    _unsupported("numpy.prod", where=(where, _NO_VALUE))
    if not (axis is None or isinstance(axis, (int, np.integer))):
        raise Unsupported("a tuple of axes is not implemented")
    a = _cast(_t(a), dtype)
    out = S.prod(a, keepdim=keepdims) if axis is None else S.prod(a, int(axis), keepdims)
    return out if initial is _NO_VALUE else out * initial


@implements(np.cumprod)
def np_cumprod(a, axis=None, dtype=None):
    a = _cast(_t(a), dtype)
    return S.cumprod(a.reshape(-1), 0) if axis is None else S.cumprod(a, int(axis))


_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint")  # numpy's nearest rounds otherwise


@implements(np.quantile)
def np_quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    if out is not None or weights is not None or interpolation is not None or \
            method not in _QUANTILE_METHODS or not (axis is None or isinstance(
                axis, (int, np.integer))):
        raise Unsupported(f"out=, weights=, a tuple of axes and method={method!r} are not "
                          f"implemented")
    a = _t(a)
    if a.dtype.kind != "f":
        a = a.to(np.float64)                # numpy computes integers in float64
    q = np.asarray(_data(q), a.dtype)
    return quantile(a, _wrap(q, None) if q.ndim else float(q),
                            None if axis is None else int(axis), keepdims, interpolation=method)


@implements(np.percentile)
def np_percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    return np_quantile(a, np.asarray(_data(q), np.float64) / 100, axis, out, overwrite_input,
                       method, keepdims, weights=weights, interpolation=interpolation)


@implements(np.median)
def np_median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle value (the mean of the two middle ones for an even count), as numpy;
    the gradient goes to the selected elements."""
    if out is not None or not (axis is None or isinstance(axis, (int, np.integer))):
        raise Unsupported("out= and a tuple of axes are not implemented")
    a = _t(a)
    x, ax = (a.reshape(-1), 0) if axis is None else (a, _axis(axis, a.ndim)[0])
    n = x.shape[ax]
    ordered = np_sort(x, ax)
    middle = ordered[(slice(None),) * ax + (slice((n - 1) // 2, n // 2 + 1),)]
    m = R.mean(middle, ax, keepdim=True)
    # numpy: NaN if the slice holds a NaN (sorted last); its gradient goes to that NaN
    last = ordered[(slice(None),) * ax + (slice(n - 1, n),)]
    m = F.where(np.isnan(last.data), last, m)
    if keepdims:
        return m.reshape((1,) * a.ndim) if axis is None else m
    return m.reshape(()) if axis is None else F.squeeze(m, ax)


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
