"""``sort``, ``argsort``, ``topk`` and the order statistics (``kthvalue``, ``median``,
``nanmedian``, ``mode``, ``quantile``, ``nanquantile``): the order comes from the data
(no gradient), the values are ``gather``-ed by it, so their gradient flows to the
selected elements.

NaN sorts as the largest value (as PyTorch): last in ascending order, first in
descending order and in ``topk(largest=True)``. Ties keep their index order (a stable
sort), which ``sort(stable=True)`` promises and PyTorch's ``topk`` leaves open."""
from collections import namedtuple
from typing import Any

import numpy as np

from .errors import ArgumentError, DtypeError, OutOfRangeError
from .extras import gather
from .functions import _axes, _nonempty, where
from .functions.special import lerp
from .graph import _wrap
from .public import public
from .reductions import amax

_Sorted = namedtuple("sort", ["values", "indices"])
_TopK = namedtuple("topk", ["values", "indices"])


def _order(data, axis, descending):
    """Stable argsort along `axis`; NaN counts as the largest value."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    if data.dtype.kind == "f":
        nan = np.isnan(data)
        if nan.any():           # NaN before +inf (a key of -inf for both tied them)
            return np.lexsort((np.where(nan, 0, -data), ~nan), axis=axis)
        key = -data
    else:
        key = ~data                 # bool and integers: decreasing, and never overflows
    return np.argsort(key, axis=axis, kind="stable")


@public(method=True)
def argsort(x, dim=-1, descending=False, stable=False):
    """Indices that sort x along dim (int64)."""
    axis = _axes(x, dim, "argsort")
    if x.data.ndim == 0:
        return _wrap(np.zeros((), np.int64), None)
    return _wrap(_order(x.data, axis, descending).astype(np.int64, copy=False), None)


@public(method=True)
def sort(x, dim=-1, descending=False, stable=False) -> Any:
    """(values, indices) of x sorted along dim."""
    if x.data.ndim == 0:
        return _Sorted(x.clone(), _wrap(np.zeros((), np.int64), None))
    idx = argsort(x, dim, descending)
    return _Sorted(gather(x, dim, idx), idx)


@public(method=True)
def topk(x, k, dim=-1, largest=True, sorted=True) -> Any:
    """(values, indices) of the k largest (or smallest) elements along dim, largest first
    (smallest first with largest=False)."""
    axis = _axes(x, dim, "topk")
    n = x.data.shape[axis] if x.data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise OutOfRangeError(f"topk: k={k!r} is out of range for dim {dim} of size {n} "
                              f"(a tensor of shape {x.data.shape})")
    if x.data.ndim == 0:
        return _TopK(x.clone(), _wrap(np.zeros((), np.int64), None))
    order = _first_k(x.data, axis, k, largest)
    if order is None:
        order = np.take(_order(x.data, axis, largest), np.arange(k), axis=axis)
    idx = _wrap(order.astype(np.int64, copy=False), None)
    return _TopK(gather(x, dim, idx), idx)


def _first_k(data, axis, k, descending):
    """The first k of _order(data, axis, descending) by a partition (O(n) and a sort of
    the k, not of n: the top 3 of 2^20 float32, 100 ms -> ~10 ms) where it gives the
    same: no NaN, and no tie at the k-th value (the stable sort orders ties by index),
    else None. Small k of long rows only."""
    n = data.shape[axis]
    if k == 0 or 4 * k > n or n < 64 or data.dtype.kind not in "fiu" or (
            data.dtype.kind == "f" and np.isnan(data).any()):
        return None
    key = np.moveaxis(data, axis, -1)
    if descending:
        key = -key if data.dtype.kind == "f" else ~key
    kth = np.partition(key, k - 1, axis=-1)[..., k - 1:k]
    below = key <= kth
    if (np.count_nonzero(below, axis=-1) != k).any():
        return None
    picked = np.nonzero(below)[-1].reshape(key.shape[:-1] + (k,))    # increasing per row
    ranks = np.argsort(np.take_along_axis(key, picked, -1), axis=-1, kind="stable")
    return np.moveaxis(np.take_along_axis(picked, ranks, -1), -1, axis)


@public(name="msort", function=False, method=True)
def _msort(x):
    """The values of x sorted along dim 0 (``sort(x, 0).values``)."""
    return sort(x, 0).values


# --- order statistics: the order from the data, the value gathered -------------------------
_Selected = {name: namedtuple(name, ["values", "indices"])
             for name in ("kthvalue", "median", "nanmedian", "mode")}


def _selected(name, x, dim, keepdim, pick):
    """(values, indices) of the element `pick(data, axis)` chooses along dim (its index,
    keepdims), the gradient going to that element; a 0-d x is its own."""
    if x.data.ndim == 0:
        return _Selected[name](x * 1, _wrap(np.zeros((), np.int64), None))
    axis = _axes(x, dim, name)
    _nonempty(x, axis, name)
    idx = _wrap(pick(x.data, axis).astype(np.int64, copy=False), None)
    values = gather(x, axis, idx)
    if not keepdim:
        values, idx = values.squeeze(axis), idx.squeeze(axis)
    return _Selected[name](values, idx)


@public(method=True)
def kthvalue(input, k, dim=-1, keepdim=False) -> Any:
    """(values, indices) of the k-th smallest element along dim (k from 1; NaN is the
    largest)."""
    n = input.data.shape[_axes(input, dim, "kthvalue")] if input.data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise OutOfRangeError(f"kthvalue: k={k!r} is out of range for dim {dim} of size {n} "
                              f"(a tensor of shape {input.data.shape})")
    return _selected("kthvalue", input, dim, keepdim,
                     lambda d, axis: np.take(_order(d, axis, False), [k - 1], axis=axis))


@public(method=True)
def median(input, dim=None, keepdim=False) -> Any:
    """median(x): the lower of the two middle values of all elements (a tensor), its
    gradient shared by the elements equal to it; median(x, dim): (values, indices)
    along dim, the gradient going to the selected element. NaN where the slice has a
    NaN (the first NaN's index), as PyTorch; the median of no element is NaN."""
    if dim is None:
        if input.data.size == 0:
            return _nothing("median", input)
        return _shared(input, _selected("median", input.reshape(-1), 0, False, _median_at))
    return _selected("median", input, dim, keepdim, _median_at)


@public(method=True)
def nanmedian(input, dim=None, keepdim=False) -> Any:
    """median ignoring NaN (NaN only where the slice is all NaN, with index 0: PyTorch's
    index there depends on its selection algorithm)."""
    if dim is None:
        if input.data.size == 0:
            return _nothing("nanmedian", input)
        return _shared(input, _selected("nanmedian", input.reshape(-1), 0, False,
                                        _nanmedian_at))
    return _selected("nanmedian", input, dim, keepdim, _nanmedian_at)


def _nothing(name, x):
    """The whole-tensor median of a tensor with no element: NaN, its gradient empty."""
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{name}: a {x.data.dtype} tensor of shape {x.data.shape} has no "
                         f"element, and its median, NaN, no {x.data.dtype} value")
    return x.sum() * np.nan


def _shared(x, selected):
    """The value of a whole-tensor median, its gradient shared equally by the elements
    equal to it (by the NaNs if it is NaN), as PyTorch: the amax of those elements."""
    value = selected.values
    if x._node is None or x.data.dtype.kind != "f":
        return value
    v = value.data
    tied = np.isnan(x.data) if np.isnan(v) else x.data == v
    if np.isnan(v):     # amax's ties, x == NaN, would match nothing
        return (where(tied, x, 0.0) * (tied / tied.sum()).astype(x.data.dtype)).sum()
    return amax(where(tied, x, -np.inf))


def _median_at(data, axis):
    order = _order(data, axis, False)
    k = (data.shape[axis] - 1) // 2
    idx = np.take(order, [k], axis=axis)
    if data.dtype.kind == "f":
        nan_at = np.isnan(data)
        first_nan = np.argmax(nan_at, axis=axis, keepdims=True)
        idx = np.where(nan_at.any(axis=axis, keepdims=True), first_nan, idx)
    return idx


def _nanmedian_at(data, axis):
    order = _order(data, axis, False)
    count = np.sum(~np.isnan(data), axis=axis, keepdims=True) if data.dtype.kind == "f" \
        else np.full(np.shape(np.take(data, [0], axis=axis)), data.shape[axis])
    return np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis=axis)


@public(method=True)
def mode(input, dim=-1, keepdim=False) -> Any:
    """(values, indices): the most frequent value along dim (the smallest of equally
    frequent ones) and its last index, as PyTorch."""
    return _selected("mode", input, dim, keepdim, _mode_at)


def _mode_at(data, axis):
    rows = np.moveaxis(data, axis, -1)
    s = np.sort(rows, axis=-1)
    n = s.shape[-1]
    position = np.broadcast_to(np.arange(n), s.shape)
    starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], -1)
    ends = np.concatenate([s[..., 1:] != s[..., :-1], np.ones(s.shape[:-1] + (1,), bool)], -1)
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    run_end = np.flip(np.minimum.accumulate(np.flip(np.where(ends, position, n), -1), -1), -1)
    best = np.argmax(run_end - run_start, axis=-1)[..., None]   # the first: the smallest
    value = np.take_along_axis(s, best, -1)
    last = n - 1 - np.argmax(np.flip(rows == value, -1), axis=-1)[..., None]
    return np.moveaxis(last, -1, axis)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@public(method=True)
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input along dim (of all elements if None), q a number or a
    1-d tensor in [0, 1] (its dim then comes first), as PyTorch: the sorted values at
    rank q (n - 1), between two ranks by `interpolation` (linear, lower, higher,
    midpoint, nearest: half to even). NaN where the slice has a NaN. The gradient goes
    to the two elements interpolated (PyTorch's lerp weights)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@public(method=True)
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN only where the slice is all NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def _quantile(name, x, q, dim, keepdim, interpolation, ignore_nan):
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{name}: expected a floating-point input, got {x.data.dtype}")
    if x.data.size == 0:
        raise ArgumentError(f"{name}: the input has no element (shape {x.data.shape}), "
                            f"as PyTorch refuses it")
    qs = np.asarray(getattr(q, "data", q), x.data.dtype)
    if qs.ndim > 1 or not np.all((qs >= 0) & (qs <= 1)):
        raise ArgumentError(f"{name}: q must be a number or a 1-d tensor in [0, 1], got {q!r}")
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, got "
                            f"{interpolation!r}")
    if dim is None:
        rows, axis = x.reshape(-1), None
    else:
        axis = _axes(x, dim, name)
        axis = 0 if axis is None else axis
        rows = x.permute(*[d for d in range(x.ndim) if d != axis], axis) if x.ndim else \
            x.reshape(1)
    ordered = sort(rows, -1).values
    data = ordered.data
    n = data.shape[-1]
    nan_at = np.isnan(data)
    if ignore_nan:
        last = np.sum(~nan_at, axis=-1, keepdims=True) - 1
        ranks = np.maximum(qs.reshape(-1) * last.astype(data.dtype), 0)
    else:
        ranks = np.broadcast_to(qs.reshape(-1) * data.dtype.type(n - 1),
                                data.shape[:-1] + (qs.size,))
        ranks = np.where(nan_at.any(axis=-1, keepdims=True), data.dtype.type(n - 1), ranks)
    ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(
        interpolation, lambda r: r)(ranks).astype(data.dtype)
    below = gather(ordered, -1, _wrap(ranks.astype(np.int64), None))
    if interpolation in ("linear", "midpoint"):
        above = gather(ordered, -1, _wrap(np.ceil(ranks).astype(np.int64), None))
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else \
            ranks - np.trunc(ranks)
        below = lerp(below, above, _wrap(weights, None))
    out = below.permute(below.ndim - 1, *range(below.ndim - 1))    # q's dim first
    if keepdim:
        kept = (1,) * x.ndim if axis is None or not x.ndim else \
            x.shape[:axis] + (1,) + x.shape[axis + 1:]
        out = out.reshape((qs.size,) + kept)
    return out.reshape(out.shape[1:]) if qs.ndim == 0 else out
