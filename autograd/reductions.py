"""Reductions over dims (PyTorch's `dim` / `keepdim` semantics): sum, mean, var, std,
amax/amin, max/min with indices, argmax/argmin, logsumexp, softmax, log_softmax, norm."""
from collections import namedtuple

import numpy as np

from . import ops
from .functions import _axes, abs, exp, log, maximum, minimum, sqrt, squeeze, where
from .graph import _wrap
from .tensor import Tensor

_MinMax = namedtuple("_MinMax", ["values", "indices"])


def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    return x._apply1(ops.Sum, _axes(x, dim, "sum"), keepdim)


def mean(x, dim=None, keepdim=False):
    if x.data.dtype.kind != "f":
        x = x.to(float)
    axes = _axes(x, dim, "mean")
    n = _count(x, axes)
    return x._apply1(ops.Sum, axes, keepdim) * (1.0 / n if n else float("nan"))


def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance with Bessel's correction by default (correction=1), as PyTorch."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes(x, dim, "var")
    centred = x - mean(x, dim, keepdim=True)
    dof = _count(x, axes) - correction
    return sum(centred * centred, dim, keepdim) * (1.0 / dof if dof > 0 else float("nan"))


def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return sqrt(var(x, dim, unbiased, keepdim, correction))


def amax(x, dim=None, keepdim=False):
    return x._apply1(ops.Amax, _axes(x, dim, "amax"), keepdim)


def amin(x, dim=None, keepdim=False):
    return x._apply1(ops.Amin, _axes(x, dim, "amin"), keepdim)


def max(x, dim=None, keepdim=False):
    """max(x): the largest element; max(x, dim): (values, indices); max(a, b): maximum."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    if dim is None:
        return amax(x)
    return _select_at(x, argmax(x, dim, keepdim=True), dim, keepdim)


def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    if dim is None:
        return amin(x)
    return _select_at(x, argmin(x, dim, keepdim=True), dim, keepdim)


def _select_at(x, indices, dim, keepdim):
    """(values, indices) of max/min over dim: the gradient goes to the one selected
    element, as in PyTorch (amax/amin share it among ties instead)."""
    from .extras import gather
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return _MinMax(values, indices)


def argmax(x, dim=None, keepdim=False):
    axis = _axes(x, dim, "argmax")
    return _wrap(np.argmax(x.data, axis=axis, keepdims=keepdim if axis is not None else False), None)


def argmin(x, dim=None, keepdim=False):
    axis = _axes(x, dim, "argmin")
    return _wrap(np.argmin(x.data, axis=axis, keepdims=keepdim if axis is not None else False), None)


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) over dim, shifted by the (constant) max so it never overflows."""
    axes = _axes(x, dim, "logsumexp")
    m = np.amax(x.data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.data.dtype)
    out = log(sum(exp(x - m), dim, keepdim=True)) + m
    return out if keepdim else out.squeeze(dim)


def log_softmax(x, dim=-1):
    return x._apply1(ops.LogSoftmax, _axes(x, dim, "log_softmax"))


def softmax(x, dim=-1):
    return exp(log_softmax(x, dim))


def norm(x, p=2, dim=None, keepdim=False):
    """p-norm; the 2-norm's gradient at 0 is 0 (double where), not NaN."""
    if p == 2:
        sq = sum(x * x, dim, keepdim)
        pos = sq.data > 0
        return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)
    if p == 1:
        return sum(abs(x), dim, keepdim)
    return sum(abs(x) ** p, dim, keepdim) ** (1.0 / p)


def _count(x, axes):
    if axes is None:
        return x.data.size
    axes = (axes,) if isinstance(axes, int) else axes
    return int(np.prod([x.data.shape[a] for a in axes]))
