"""``sort``, ``argsort`` and ``topk``: the order comes from the data (no gradient), the
values are ``gather``-ed by it, so their gradient flows to the selected elements.

NaN sorts as the largest value (as PyTorch): last in ascending order, first in
descending order and in ``topk(largest=True)``. Ties keep their index order (a stable
sort), which ``sort(stable=True)`` promises and PyTorch's ``topk`` leaves open."""
from collections import namedtuple
from typing import Any

import numpy as np

from .errors import OutOfRangeError
from .extras import gather
from .functions import _axes
from .graph import _wrap
from .public import public

_Sorted = namedtuple("sort", ["values", "indices"])
_TopK = namedtuple("topk", ["values", "indices"])


def _order(data, axis, descending):
    """Stable argsort along `axis`; NaN counts as the largest value."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    if data.dtype.kind == "f":
        key = np.where(np.isnan(data), -np.inf, -data)
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
        return _Sorted(x, _wrap(np.zeros((), np.int64), None))
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
        return _TopK(x, _wrap(np.zeros((), np.int64), None))
    order = _order(x.data, axis, largest)
    idx = np.take(order, np.arange(k), axis=axis).astype(np.int64, copy=False)
    idx = _wrap(idx, None)
    return _TopK(gather(x, dim, idx), idx)


@public(name="msort", function=False, method=True)
def _msort(x):
    """The values of x sorted along dim 0 (``sort(x, 0).values``)."""
    return sort(x, 0).values
