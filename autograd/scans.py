"""prod and the scans along a dim (cumprod, logcumsumexp, cummax, cummin) and diff:
composites of multiplications, gather and slices, so their gradients come from those
ops, to any order; logcumsumexp is one primitive (ops.LogCumSumExp, a running logaddexp,
whose backward is itself reversed).

A product is a tree of multiplications (halving the dim, padded with ones to a power of
two), a cumulative product an inclusive scan by doubling (log2(n) steps of one op
each): every gradient is a product of the other factors, exact with any number
of zeros (PyTorch special-cases one zero and several), and not result / x, which is
inf or NaN where the product overflows while the true derivative is finite. The
multiplications are in another order than a sequential loop: values can differ from
PyTorch's in the last bits, and a zero gradient can have the other sign (the slices'
adjoint adds into zeros: -0 + 0 = +0; docs/special_values.md, "prod(x)")."""
from collections import namedtuple
from typing import Any

import numpy as np

from .dtypes import result_type
from .errors import ArgumentError
from .extras import gather
from . import ops
from .functions import _axes, cat
from .graph import _wrap
from .public import public
from .tensor import Tensor

_CumExtreme = {name: namedtuple(name, ["values", "indices"]) for name in ("cummax", "cummin")}


def _accumulating_dtype(x, dtype):
    """x cast to `dtype`, else integers and bool to int64 (as PyTorch's sum and prod)."""
    if dtype is not None:
        return x.to(dtype)
    return x.to(np.int64) if x.data.dtype.kind in "biu" and x.data.dtype != np.int64 else x


def _dim(x, dim, op):
    """`dim` (one int, as PyTorch's prod and the scans take) checked and made >= 0."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise ArgumentError(f"{op}: dim must be an int, got {dim!r}")
    axis = _axes(x, int(dim), op)
    return 0 if axis is None else axis


@public(method=True)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product over `dim` (all elements if None); integers and bool give int64, as
    PyTorch. d/dx_i is the product of the other elements, exact with zeros: one zero
    gets the product of the rest, the others 0; with two zeros every gradient is 0."""
    x = _accumulating_dtype(input, dtype)
    if dim is None or x.ndim == 0:
        out = _product_of_last(x.reshape(-1))
        return out.reshape((1,) * x.ndim) if keepdim else out
    axis = _dim(x, dim, "prod")
    others = [d for d in range(x.ndim) if d != axis]
    out = _product_of_last(x.permute(*others, axis))
    return out.unsqueeze(axis) if keepdim else out


def _product_of_last(x):
    """The product over the last dim of x by halving (padded with ones to a power of 2)."""
    n = x.shape[-1]
    if n == 0:
        return x.sum(-1) * 0 + 1
    width = 1 << (n - 1).bit_length()
    if width != n:
        x = cat([x, Tensor(np.ones(x.shape[:-1] + (width - n,), x.data.dtype))], -1)
    if n == 1:
        return x[..., 0].clone()            # a new tensor, as PyTorch's (not a view of x)
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        x = x[..., :half] * x[..., half:]
    return x[..., 0]


def _scan(x, axis, op):
    """The inclusive scan of associative `op` along `axis` (Hillis and Steele: step s
    combines each element with the one s before it)."""
    n, lead, step = x.shape[axis], (slice(None),) * axis, 1
    if n < 2:
        return x.clone()                    # a new tensor, as PyTorch's (not x itself)
    while step < n:
        later = op(x[lead + (slice(step, None),)], x[lead + (slice(None, n - step),)])
        x = cat([x[lead + (slice(None, step),)], later], axis)
        step *= 2
    return x


@public(method=True)
def cumprod(input, dim, *, dtype=None):
    """The cumulative product along `dim`; integers and bool give int64. Its gradient is
    exact with zeros (d y_i / d x_j is the product of x_0..x_i but x_j)."""
    x = _accumulating_dtype(input, dtype)
    if x.ndim == 0:
        return x * 1
    # a float32 scan runs in float64, as PyTorch's CPU cumprod accumulates: in float32
    # 10^5 factors near 1 ended 7e-4 off (relative; PyTorch 6e-8)
    wide = x.data.dtype == np.float32
    out = _scan(x.to(np.float64) if wide else x, _dim(x, dim, "cumprod"), lambda a, b: a * b)
    return out.to(np.float32) if wide else out


@public(method=True)
def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along `dim`, without overflow or underflow (a running
    logaddexp in float64: exact where the early elements are far below the later ones;
    NaN and inf as PyTorch)."""
    x = input if input.data.dtype.kind == "f" else input.to(result_type(input, floating=True))
    if x.ndim == 0:
        return x * 1.0
    return x._apply1(ops.LogCumSumExp, _dim(x, dim, "logcumsumexp"))


@public(method=True)
def cummax(input, dim) -> Any:
    """(values, indices): the running maximum along `dim` and where it was found (the
    latest of equal values; from a NaN on, NaN and the latest NaN's index), as PyTorch.
    The gradient goes to the element each value was taken from."""
    return _running_extreme(input, dim, "cummax", np.maximum)


@public(method=True)
def cummin(input, dim) -> Any:
    """(values, indices): the running minimum along `dim`, as cummax."""
    return _running_extreme(input, dim, "cummin", np.minimum)


def _running_extreme(x, dim, name, ufunc):
    if x.ndim == 0:
        return _CumExtreme[name](x * 1, _wrap(np.zeros((), np.int64), None))
    axis = _dim(x, dim, name)
    data = x.data
    running = ufunc.accumulate(data, axis=axis)
    found = data == running                  # a new extreme, or equal to it: the latest
    if data.dtype.kind == "f":
        found |= np.isnan(data)
    shape = [1] * data.ndim
    shape[axis] = data.shape[axis]
    where = np.where(found, np.arange(data.shape[axis]).reshape(shape), 0)
    idx = _wrap(np.maximum.accumulate(where, axis=axis).astype(np.int64), None)
    return _CumExtreme[name](gather(x, axis, idx), idx)


@public(method=True)
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along `dim`, x[i + 1] - x[i] applied n times, after
    `prepend` and `append` are joined on along `dim` (numbers are broadcast to one
    slice); bool tensors give x[i + 1] != x[i], as PyTorch."""
    axis = _dim(input, dim, "diff") if input.ndim else None
    if axis is None:
        raise ArgumentError(f"diff: expected a tensor with at least one dim, got shape "
                            f"{input.shape}")
    if n < 0:
        raise ArgumentError(f"diff: n must be >= 0, got {n}")
    if n == 0:
        return input.clone()             # prepend and append ignored, as PyTorch and numpy
    x = input
    if prepend is not None or append is not None:
        slice_shape = x.shape[:axis] + (1,) + x.shape[axis + 1:]
        parts = [p if isinstance(p, Tensor) and p.ndim else
                 Tensor(np.broadcast_to(np.asarray(getattr(p, "data", p), x.data.dtype),
                                        slice_shape))
                 for p in (prepend, append) if p is not None]
        x = cat(([parts[0]] if prepend is not None else []) + [x] +
                ([parts[-1]] if append is not None else []), axis)
    lead = (slice(None),) * axis
    for _ in range(n):
        later, earlier = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        if x.data.dtype.kind == "b":
            x = _wrap(later.data != earlier.data, None)
        else:
            x = later - earlier
    return x

