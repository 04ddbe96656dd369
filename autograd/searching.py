"""Index-valued functions with PyTorch's names: ``nonzero``/``argwhere``,
``searchsorted``, ``bucketize``, ``unique`` and
``unique_consecutive``. Their results are integers (or, for
unique, values picked by comparisons), so they carry no gradient, as in PyTorch. The
sizes of nonzero's and the uniques' results depend on the values: a step compiled with
ag.compile that calls them runs eagerly (numpy's nonzero and unique fall back)."""
from typing import Any

import numpy as np

from .errors import ArgumentError, ShapeError, describe
from .functions import _axes, _t
from .public import public
from .tensor import Tensor


@public(name="argwhere", method=True)
@public(method=True)
def nonzero(input, *, as_tuple=False) -> Any:
    """The indices of the non-zero elements, in C order: an (n, ndim) int64 tensor, or
    with as_tuple one 1-d tensor per dim (a 0-d input counting as 1-d)."""
    data = _t(input).data
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(data.reshape(data.shape or 1)))
    return Tensor(np.argwhere(data).astype(np.int64))


def _side(right, side, op):
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise ArgumentError(f"{op}: side must be 'left' or 'right' and agree with "
                                f"right={right}, got side={side!r}")
        return side
    return "right" if right else "left"


@public
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value of input, the index in sorted_sequence's last dim where it would be
    inserted keeping the order: the first such place, or the last with right=True or
    side='right'. An N-d sorted_sequence has a row per leading index of input;
    `sorter` holds the indices that sort the rows. int64 (int32 with out_int32)."""
    seq = _t(sorted_sequence).data
    scalar = not isinstance(input, Tensor) and np.ndim(input) == 0
    values = np.asarray(input.data if isinstance(input, Tensor) else input)
    order = None if sorter is None else np.asarray(sorter.data if isinstance(sorter, Tensor)
                                                   else sorter)
    side = _side(right, side, "searchsorted")
    if order is not None and (order.shape != seq.shape or order.dtype.kind not in "iu"):
        raise ShapeError(f"searchsorted: sorter must be integers of the sequence's shape, got "
                         f"{describe(order)} for {describe(seq)}")
    if seq.ndim == 0:
        raise ShapeError("searchsorted: the sorted sequence must have at least 1 dim, got 0-d")
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side, order)
    else:
        if scalar or values.shape[:-1] != seq.shape[:-1]:
            raise ShapeError(f"searchsorted: the leading dims of the sorted sequence "
                             f"{seq.shape} and of the input {values.shape} must be equal")
        rows = seq.reshape(-1, seq.shape[-1])
        sorters = [None] * len(rows) if order is None else order.reshape(rows.shape)
        flat = values.reshape(len(rows), -1)
        out = np.stack([np.searchsorted(r, v, side, s) for r, v, s in zip(rows, flat, sorters)]
                       ).reshape(values.shape) if rows.size or flat.size else \
            np.zeros(values.shape, np.int64)
    return Tensor(np.asarray(out, np.int32 if out_int32 else np.int64))


@public
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """For each value, the index of its bucket among the increasing 1-d `boundaries`:
    boundaries[i-1] < v <= boundaries[i] (<= and < with right=True); searchsorted with
    the arguments swapped."""
    b = _t(boundaries)
    if b.data.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-d, got shape {b.data.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


@public(method=True)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None) -> Any:
    """The distinct values (sorted, also when sorted=False: PyTorch's order is then
    unspecified), or with `dim` the distinct slices along dim; with return_inverse each
    element's (slice's) index among them, with return_counts how often each occurs.
    NaNs are distinct from each other, as in PyTorch."""
    x = _t(input)
    data = x.data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(data.shape)
    else:
        if data.ndim == 0:
            raise ShapeError(f"unique: dim {dim} given for a 0-d tensor")
        axis = _axes(x, dim, "unique")
        if data.shape[axis] == 0:
            values, inverse, counts = data, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            values, inverse, counts = np.unique(data, return_inverse=True,
                                                return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
    out = (Tensor(values),)
    if return_inverse:
        out += (Tensor(inverse.astype(np.int64)),)
    if return_counts:
        out += (Tensor(counts.astype(np.int64)),)
    return out[0] if len(out) == 1 else out


@public(method=True)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None) -> Any:
    """input with each run of equal consecutive values (or slices along dim) kept once,
    as torch.unique_consecutive; return_inverse: each element's (slice's) run, and
    return_counts: each run's length."""
    x = _t(input)
    data = x.data
    if dim is None:
        rows = data.reshape(-1, 1)
    else:
        if data.ndim == 0:
            raise ShapeError(f"unique_consecutive: dim {dim} given for a 0-d tensor")
        axis = _axes(x, dim, "unique_consecutive")
        rows = np.moveaxis(data, axis, 0).reshape(data.shape[axis], -1)
    new = np.ones(len(rows), bool)
    new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    values = data.reshape(-1)[starts] if dim is None else np.take(data, starts, axis)
    out = (Tensor(values),)
    if return_inverse:
        inverse = np.cumsum(new) - 1
        out += (Tensor(inverse.reshape(data.shape if dim is None else -1).astype(np.int64)),)
    if return_counts:
        out += (Tensor(np.diff(np.append(starts, len(rows))).astype(np.int64)),)
    return out[0] if len(out) == 1 else out
