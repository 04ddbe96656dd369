"""Triangular masks and masked writes: ``tril``, ``triu``, ``masked_fill_``, as
composites of ``where`` (the entries masked out get an exact zero gradient)."""
import numpy as np

from .errors import ShapeError
from .extras import masked_fill
from .functions import where
from .methods import _inplace
from .public import public


def _triangle(x, diagonal, lower, op):
    if x.data.ndim < 2:
        raise ShapeError(f"{op}: expected a tensor of at least 2 dims, got shape {x.data.shape}")
    n, m = x.data.shape[-2:]
    keep = np.tri(n, m, diagonal, dtype=bool) if lower else ~np.tri(n, m, diagonal - 1, dtype=bool)
    return where(keep, x, x.data.dtype.type(0))


@public(method=True)
def tril(x, diagonal=0):
    """The lower triangle of the last two dims (j <= i + diagonal); zeros above."""
    return _triangle(x, diagonal, True, "tril")


@public(method=True)
def triu(x, diagonal=0):
    """The upper triangle of the last two dims (j >= i + diagonal); zeros below."""
    return _triangle(x, diagonal, False, "triu")


@public(method=True)
def masked_fill_(x, mask, value):
    """Write `value` where mask is True, in place (see ``Tensor.add_`` for the checks)."""
    return _inplace(x, "masked_fill_", lambda: masked_fill(x._alias(), mask, value), "unsafe")


@public(function=False, method=True)
def tril_(x, diagonal=0):
    """tril in place."""
    return _inplace_triangle(x, diagonal, tril, "tril_")


@public(function=False, method=True)
def triu_(x, diagonal=0):
    """triu in place."""
    return _inplace_triangle(x, diagonal, triu, "triu_")


def _inplace_triangle(x, diagonal, fn, name):
    return _inplace(x, name, lambda: fn(x._alias(), diagonal))
