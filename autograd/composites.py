"""Small composites of PyTorch's that gradgraph's ops compute: shapes (``tensor_split``,
``hsplit``, ``diagflat``, ...), writes into a copy (``slice_scatter``, ``masked_scatter``,
``put``, ...), statistics (``cov``, ``corrcoef``, ``histc``, ``bincount``) and products
(``addmv``, ``addr``, ``addbmm``, ``matrix_power``, ...), as functions and Tensor methods.
Their gradients come from the ops they are written with."""
import builtins
import math

import numpy as np

from . import layout, reductions
from .dtypes import as_dtype, fitted, result_type
from .einsum import add_scaled_product
from .errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError, describe
from .methods import _inplace, _set_values
from .methods_more import F, _dim
from .public import FUNCTIONS, public
from .scattering import _inplace_form
from .tensor import Tensor, _wrap


# --- shapes ------------------------------------------------------------------------------
@public(method=True)
def ravel(input):
    """input flattened to 1-d (reshape(-1): a view where possible)."""
    return F.reshape(input, -1)


@public(method=True)
def narrow_copy(input, dim, start, length):
    """narrow(input, dim, start, length) as a copy with its own memory."""
    return F.narrow(input, dim, start, length).clone()


@public(method=True)
def diagflat(input, offset=0):
    """The square matrix with input's elements (flattened) on diagonal `offset`."""
    return layout.diag(F.reshape(input, -1), offset)


@public(method=True)
def split_with_sizes(input, split_sizes, dim=0) -> tuple[Tensor, ...]:
    """input cut along `dim` into pieces of the given sizes (they must add up to the
    dim's size): views."""
    return F.split(input, [int(s) for s in split_sizes], dim)


@public(method=True)
def tensor_split(input, indices_or_sections, dim=0) -> tuple[Tensor, ...]:
    """input cut along `dim` into `sections` pieces (an int: the first n % sections one
    longer) or at the given indices (a list or a 1-d integer tensor: Python's slice
    rules, so an index past the end gives empty pieces): views."""
    if input.data.ndim == 0:
        raise ShapeError("tensor_split: expected at least a 1-d tensor, got a 0-d one")
    axis = _dim(input, dim, "tensor_split")
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts.data.dtype.kind not in "iu" or cuts.data.ndim > 1:
            raise ArgumentError(f"tensor_split: indices_or_sections must be an int or a 0-d "
                                f"or 1-d integer tensor, got {describe(cuts.data)}")
        cuts = cuts.data.item() if cuts.data.ndim == 0 else cuts.data.tolist()
    n = input.data.shape[axis]
    if isinstance(cuts, (int, np.integer)):
        if cuts <= 0:
            raise ArgumentError(f"tensor_split: number of sections must be larger than 0, "
                                f"got {cuts}")
        size, extra = divmod(n, int(cuts))
        bounds = [i * size + builtins.min(i, extra) for i in range(int(cuts) + 1)]
    else:
        bounds = [0] + [int(c) for c in cuts] + [None]
    lead = (slice(None),) * axis
    return tuple(input[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))


def _split_along(name, axis, least):
    def op(input, indices_or_sections):
        if input.data.ndim < least:
            raise ShapeError(f"{name}: requires a tensor with at least {least} dim(s), got "
                             f"shape {input.data.shape}")
        dim = axis if axis is not None else (1 if input.data.ndim > 1 else 0)
        n = input.data.shape[dim]
        if isinstance(indices_or_sections, int) and (
                indices_or_sections == 0 or n % indices_or_sections):
            raise ShapeError(f"{name}: attempted to split dim {dim} of size {n} into "
                             f"{indices_or_sections} equal parts (shape {input.data.shape})")
        return tensor_split(input, indices_or_sections, dim)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"tensor_split along dim {'1 (0 for a 1-d tensor)' if axis is None else axis}"
                  f", where a number of sections must divide the dim's size.")
    op.__annotations__["return"] = tuple[Tensor, ...]
    return public(op, method=True)


_split_along("hsplit", None, 1)
_split_along("vsplit", 0, 2)
_split_along("dsplit", 2, 3)


def _masked(op, input, mask):
    """(input expanded to its broadcast shape with `mask`, the flat positions where the
    broadcast mask is True), or the error naming `op` for a mask that is not bool or
    does not broadcast."""
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype.kind != "b":
        raise DtypeError(f"{op}: the mask must be a bool tensor, got {describe(m)}")
    try:
        shape = np.broadcast_shapes(input.data.shape, m.shape)
    except ValueError:
        raise ShapeError(f"{op}: the mask's shape {m.shape} does not broadcast with the "
                         f"input's {input.data.shape}") from None
    x = F.expand(input, shape) if input.data.shape != shape else input
    return x, np.flatnonzero(np.broadcast_to(m, shape))


@public(method=True)
def masked_select(input, mask):
    """The elements of input where the bool `mask` is True (both broadcast), as a 1-d
    tensor in C order; the gradient flows back to those elements."""
    x, positions = _masked("masked_select", input, mask)
    return F.reshape(x, -1)[_wrap(positions, None)]


# --- scatters: input with src written over a part of it --------------------------------
def _scatter_into(op, input, src, part):
    """input with `src` written over input's elements at positions[part], where positions
    numbers input's elements in C order; src must have exactly that part's shape (it
    is cast to input's dtype). The gradient flows to input's other elements and to src."""
    positions = np.arange(input.data.size).reshape(input.data.shape)
    target = part(positions)
    if src.data.shape != target.shape:
        raise ShapeError(f"{op}: src has shape {src.data.shape}, but the part of the input "
                         f"(shape {input.data.shape}) it replaces has shape {target.shape}")
    src = src.to(input.data.dtype)
    flat = _set_values(F.reshape(input, -1), (target.reshape(-1),), F.reshape(src, -1), op)
    return F.reshape(flat, input.data.shape)


@public(method=True)
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with src written over input[..., start:end:step, ...] (at dim)."""
    axis = _dim(input, dim, "slice_scatter")
    if step <= 0:
        raise ArgumentError(f"slice_scatter: step must be positive, got {step}")
    index = (slice(None),) * axis + (slice(start, end, step),)
    return _scatter_into("slice_scatter", input, src, lambda p: p[index])


@public(method=True)
def select_scatter(input, src, dim, index):
    """input with src written over input.select(dim, index)."""
    axis = _dim(input, dim, "select_scatter")
    n = input.data.shape[axis] if input.data.ndim else 1
    if not -n <= index < n:
        raise OutOfRangeError(f"select_scatter: index {index} is out of range for dim {dim} "
                              f"of size {n} (input shape {input.data.shape})")
    return _scatter_into("select_scatter", input, src,
                         lambda p: p[(slice(None),) * axis + (index,)])


@public(method=True)
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """input with src written over input.diagonal(offset, dim1, dim2)."""
    a, b = _dim(input, dim1, "diagonal_scatter"), _dim(input, dim2, "diagonal_scatter")
    if a == b:
        raise ArgumentError(f"diagonal_scatter: dim1 and dim2 cannot be the same dim ({dim1})")
    return _scatter_into("diagonal_scatter", input, src,
                         lambda p: np.diagonal(p, offset, a, b))


# --- statistics ---------------------------------------------------------------------------
@public(method=True)
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (a 1-d input: one variable)
    over the observations in its columns, divided by N - correction (with weights as
    torch.cov: fweights integer repeat counts, aweights relative weights). A single
    variable gives a 0-d result; N - correction <= 0 divides by 0 (inf or NaN)."""
    if input.data.ndim > 2:
        raise ShapeError(f"cov: expected a 1-d or 2-d input, got shape {input.data.shape}")
    x = F.reshape(input, 1, -1) if input.data.ndim < 2 else input
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    n = x.data.shape[1]
    w = None
    for name, wt, kinds in (("fweights", fweights, "iu"), ("aweights", aweights, "f")):
        if wt is None:
            continue
        if wt.data.ndim > 1 or wt.data.size != n or wt.data.dtype.kind not in kinds:
            raise ShapeError(f"cov: {name} must be a 0-d or 1-d "
                             f"{'integer' if kinds == 'iu' else 'float'} tensor of {n} "
                             f"elements (one per observation), got {describe(wt.data)}")
        if (wt.data < 0).any():
            raise ArgumentError(f"cov: {name} cannot be negative")
        w = wt if w is None else w * wt
    if w is None:
        mean = reductions.mean(x, 1, keepdim=True)
        norm = n - correction
    else:
        w_sum = reductions.sum(w)
        mean = reductions.sum(x * w, 1, keepdim=True) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * reductions.sum(w * aweights) / w_sum
    if float(getattr(norm, "data", norm)) <= 0:
        norm = norm * 0
    xm = x - mean
    c = F.matmul(xm, F.transpose(xm * w if w is not None else xm, 0, 1))
    return F.squeeze(c / norm)


@public(method=True)
def corrcoef(input):
    """Pearson's correlation coefficients of the variables in input's rows: cov(input)
    divided by the outer product of the standard deviations, clipped to [-1, 1]."""
    c = cov(input)
    if c.data.ndim == 0:
        return c / c
    std = F.sqrt(layout.diagonal(c))
    c = c / F.reshape(std, -1, 1) / std
    return F.clamp(c, -1, 1)


@public(method=True)
def histc(input, bins=100, min=0, max=0):
    """The histogram of input's values in `bins` equal bins between min and max (the data's
    min and max if both are 0, widened by 1 each way if equal); values outside are left
    out, max falls in the last bin. A float tensor of input's dtype, no gradient."""
    d = input.data
    if d.dtype.kind != "f":
        raise DtypeError(f"histc: only float tensors, got {describe(d)}")
    if bins <= 0:
        raise ArgumentError(f"histc: bins must be > 0, got {bins}")
    lo, hi = builtins.float(min), builtins.float(max)
    if lo == hi and d.size:
        lo, hi = builtins.float(d.min()), builtins.float(d.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ArgumentError(f"histc: range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise ArgumentError(f"histc: max must be larger than min, got [{lo}, {hi}]")
    # in input's dtype, as PyTorch computes
    lo, hi, v = d.dtype.type(lo), d.dtype.type(hi), d.reshape(-1)
    v = v[(v >= lo) & (v <= hi)]
    pos = np.minimum(((v - lo) * d.dtype.type(bins) / (hi - lo)).astype(np.int64), bins - 1)
    return _wrap(np.bincount(pos, minlength=bins).astype(d.dtype), None)


@public(method=True)
def bincount(input, weights=None, minlength=0):
    """The number of times each value 0, 1, ..., max(input) occurs in the 1-d non-negative
    integer input (the sum of their `weights` if given), at least `minlength` long; no
    gradient."""
    d = input.data
    if d.ndim != 1 or d.dtype.kind not in "iu":
        raise ShapeError(f"bincount: only 1-d integer tensors, got {describe(d)}")
    if d.size and d.min() < 0:
        raise ArgumentError("bincount: the input cannot have negative values")
    if minlength < 0:
        raise ArgumentError(f"bincount: minlength must be non-negative, got {minlength}")
    if weights is None:
        return _wrap(np.bincount(d, minlength=minlength).astype(np.int64), None)
    wd = weights.data
    if wd.shape != d.shape:
        raise ShapeError(f"bincount: weights ({describe(wd)}) must have the input's shape "
                         f"{d.shape}")
    dt = np.float32 if wd.dtype == np.float32 else np.float64
    return _wrap(np.bincount(d, wd.astype(np.float64), minlength).astype(dt), None)


# --- products -----------------------------------------------------------------------------
def _matrices(op, *pairs):
    """Refuse the operands (name, tensor, ndim) of `op` whose dims are not ndim."""
    for name, t, ndim in pairs:
        if t.data.ndim != ndim:
            raise ShapeError(f"{op}: {name} must be {ndim}-d, got "
                             f"{describe(*[p[1].data for p in pairs])}")


@public(method=True)
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec) for a 2-d mat and a 1-d vec; with beta=0 the
    input is ignored (its NaN and Inf do not propagate), as PyTorch."""
    _matrices("addmv", ("mat", mat, 2), ("vec", vec, 1))
    return add_scaled_product("addmv", input, F.matmul(mat, vec), beta, alpha)


@public(method=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2) for 1-d vec1, vec2; with beta=0 the input
    is ignored, as PyTorch."""
    _matrices("addr", ("vec1", vec1, 1), ("vec2", vec2, 1))
    return add_scaled_product("addr", input, F.outer(vec1, vec2), beta, alpha)


@public(method=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i] (3-d
    batch1, batch2); with beta=0 the input is ignored, as PyTorch."""
    _matrices("addbmm", ("batch1", batch1, 3), ("batch2", batch2, 3))
    prod = reductions.sum(F.bmm(batch1, batch2), 0)
    return add_scaled_product("addbmm", input, prod, beta, alpha)


@public(method=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, broadcast, computed in the three's result dtype."""
    tensor1, tensor2, value = _pointwise(input, tensor1, tensor2, value)
    return input + value * tensor1 * tensor2


def _pointwise(input, tensor1, tensor2, value):
    """tensor1, tensor2 and value of addcmul/addcdiv in the dtype of the three tensors'
    result, as PyTorch computes them (int8 100 * 100 would wrap to 16 first, float32
    factors round before a float64 sum); a float value for an integer result truncated to
    an int, as PyTorch converts it; a value beyond an integer dtype refused, as PyTorch."""
    dt = result_type(input, tensor1, tensor2)
    if dt.kind in "iu" and isinstance(value, float):
        value = int(value)
    if dt.kind in "iu":
        value = int(fitted(value, dt, "addcmul/addcdiv", input.data.shape))
    return as_dtype(tensor1, dt), as_dtype(tensor2, dt), value


@public(method=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, broadcast; refused for integer tensor1 and
    tensor2, as PyTorch."""
    if tensor1.data.dtype.kind in "biu" and tensor2.data.dtype.kind in "biu":
        raise DtypeError(f"addcdiv: integer division is not supported; use a float tensor1 "
                         f"or tensor2 (got {describe(tensor1.data, tensor2.data)})")
    tensor1, tensor2, value = _pointwise(input, tensor1, tensor2, value)
    return input + value * tensor1 / tensor2


# --- writes and indices ----------------------------------------------------------------------
@public(method=True)
def masked_scatter(input, mask, source):
    """input (broadcast with the bool mask) with source's first elements, in C order,
    written where mask is True; the gradient flows to input's other elements and to
    the elements of source used."""
    if source.data.dtype != input.data.dtype:
        raise DtypeError(f"masked_scatter: source ({describe(source.data)}) must have the "
                         f"input's dtype ({describe(input.data)})")
    x, positions = _masked("masked_scatter", input, mask)
    if positions.size > source.data.size:
        raise ShapeError(f"masked_scatter: source has {source.data.size} elements, fewer than "
                         f"the mask's {positions.size} True ones")
    values = F.reshape(source, -1)[:positions.size]
    flat = _set_values(F.reshape(x, -1), (positions,), values, "masked_scatter")
    return F.reshape(flat, x.data.shape)


@public(method=True)
def put(input, index, source, accumulate=False):
    """input with source's elements written at the flat positions `index` (an integer
    tensor with as many elements; negative from the end), or added there with
    `accumulate` (repeated positions sum); source must have input's dtype, as in
    PyTorch."""
    idx, n = index.data, input.data.size
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"put: index must be an integer tensor, got {describe(idx)}")
    if source.data.dtype != input.data.dtype:
        raise DtypeError(f"put: source must have the input's dtype, as in PyTorch (got "
                         f"{describe(input.data, source.data)}); convert it: source.to(dtype)")
    if idx.size != source.data.size:
        raise ShapeError(f"put: index and source must have as many elements, got "
                         f"{describe(idx, source.data)}")
    if idx.size and not (-n <= idx.min() and idx.max() < n):
        raise OutOfRangeError(f"put: an index in {idx.reshape(-1).tolist()} is out of range "
                              f"for a tensor of {n} elements (shape {input.data.shape})")
    flat = _set_values(F.reshape(input, -1), (idx.reshape(-1) % builtins.max(n, 1),),
                       F.reshape(source, -1), "put", accumulate)
    return F.reshape(flat, input.data.shape)


put_ = _inplace_form(put, "put_")


@public(function=False, method=True)
def fill_diagonal_(self, fill_value, wrap=False):
    """self with fill_value written on its main diagonal (a 2-d tensor, or one whose dims
    are all equal), in place; with `wrap`, a tall matrix's diagonal starts again N + 1
    rows down, as PyTorch's. The overwritten elements get a zero gradient."""
    shape = self.data.shape
    if len(shape) < 2 or (len(shape) > 2 and len(set(shape)) > 1):
        raise ShapeError(f"fill_diagonal_: the tensor must be 2-d or have dims of equal "
                         f"length, got shape {shape}")
    mask = np.zeros(shape, bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return _inplace(self, "fill_diagonal_",
                    lambda: F.masked_fill(self._alias(), mask, fill_value), "unsafe")


@public(method=True)
def nonzero_static(input, *, size, fill_value=-1):
    """nonzero(input) as exactly `size` rows: cut, or padded with rows of fill_value."""
    if size < 0:
        raise ArgumentError(f"nonzero_static: size must be non-negative, got {size}")
    found = np.argwhere(np.asarray(input.data))[:size]
    out = np.full((size, input.data.ndim), fill_value, np.int64)
    out[:len(found)] = found
    return _wrap(out, None)


for _name, _fn in (("unsafe_split", "split"), ("unsafe_chunk", "chunk"),
                   ("unsafe_split_with_sizes", "split_with_sizes")):
    _method = FUNCTIONS[_fn]
    public(_method, name=_name, method=True)
