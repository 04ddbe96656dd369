"""Reductions over dims (PyTorch's `dim` / `keepdim` semantics): sum, mean, var, std,
amax/amin, aminmax, nansum, nanmean, count_nonzero, max/min with indices, argmax/argmin,
logsumexp, softmax, log_softmax, norm."""
from collections import namedtuple
import builtins
import math
from typing import Any

import numpy as np

from . import ops
from .dtypes import result_type
from .functions import _axes, _nonempty, abs, exp, log, maximum, minimum, sqrt, squeeze, where
from .errors import ArgumentError, DtypeError
from .extras import gather
from .graph import _wrap
from .ops_nn import mean_rounding
from .public import public
from .state import any_or_tracing
from .tensor import Tensor

_MinMax = namedtuple("_MinMax", ["values", "indices"])
_AminMax = namedtuple("aminmax", ["min", "max"])


@public(method=True)
def sum(x, dim=None, keepdim=False, dtype=None):
    """The sum over `dim` (all dims if None), as `dtype` if given; keepdim keeps reduced
    dims as 1."""
    if dtype is not None:
        x = x.to(dtype)
    elif x.data.dtype.kind == "u":     # int64 as PyTorch (numpy sums uint8 to uint64)
        x = x.to(np.int64)
    out = x._apply1(ops.Sum, _axes(x, dim, "sum"), keepdim)
    # numpy sums int8, int16 and int32 in int64: the asked dtype's bits are those modulo 2^k
    return out if dtype is None or out.data.dtype == x.data.dtype else out.to(x.data.dtype)


@public(method=True)
def mean(x, dim=None, keepdim=False, *, dtype=None):
    """The mean over `dim` (all dims if None), computed in `dtype` if given; integers
    computed in the default float dtype; an integer or bool `dtype` is refused, as PyTorch."""
    if dtype is not None:
        x = x.to(dtype)
        if x.data.dtype.kind != "f":
            raise DtypeError(f"mean: dtype must be a floating point dtype, got {x.data.dtype} "
                             f"(input of shape {x.data.shape}), as PyTorch's")
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    axes = _axes(x, dim, "mean")
    n = _count(x, axes)
    return x._apply1(ops.Sum, axes, keepdim) * (1.0 / n if n else float("nan"))


@public(method=True)
def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance with Bessel's correction by default (correction=1), as PyTorch; var(x,
    False) is PyTorch's var(x, unbiased=False) over all elements (not dim 0)."""
    x, dim, unbiased, axes, n = _moment_arguments(x, dim, unbiased, "var")
    centred = _centred(x, dim, axes, n)
    return sum(centred * centred, dim, keepdim) * _inverse_dof(n, unbiased, correction)


def _moment_arguments(x, dim, unbiased, name):
    """var's and std's (x, dim, unbiased, axes, n): a bool dim is unbiased over all
    elements, an integer x is taken in the floating dtype, n counts the reduced elements."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    axes = _axes(x, dim, name)
    return x, dim, unbiased, axes, _count(x, axes)


def _centred(x, dim, axes, n):
    """x less its mean over `axes`. The mean is the sum of x / n, not sum(x) / n, whose
    sum overflows for float32 rows near its largest (var's gradient was NaN there), and
    is corrected by its rounding, which the sum of squares would count as variance (a
    float32 row of 5.12e7 seven times: 18.7 for 0)."""
    centred = x - (sum(x * (1.0 / n), dim, keepdim=True) if n else mean(x, dim, True))
    return centred - mean_rounding(centred.data, axes)


def _inverse_dof(n, unbiased, correction):
    """1 / max(n - correction, 0) (PyTorch's correction=1 default, or unbiased=False for
    0): inf without degrees of freedom, so the variance is inf, or NaN (0 * inf) where
    the values are equal, as PyTorch's and numpy's (it was NaN in both cases)."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    dof = n - correction
    return 1.0 / dof if dof > 0 else float("inf")


@public
def var_mean(x, dim=None, unbiased=None, keepdim=False, *,
             correction=None) -> tuple[Tensor, ...]:
    """(var, mean) over `dim`, as torch.var_mean: var's arguments."""
    return var(x, dim, unbiased, keepdim, correction), _plain_mean(x, dim, unbiased, keepdim)


@public
def std_mean(x, dim=None, unbiased=None, keepdim=False, *,
             correction=None) -> tuple[Tensor, ...]:
    """(std, mean) over `dim`, as torch.std_mean: std's arguments."""
    return std(x, dim, unbiased, keepdim, correction), _plain_mean(x, dim, unbiased, keepdim)


def _plain_mean(x, dim, unbiased, keepdim):
    # var(x, False): a bool in dim's place is `unbiased` over every element (var's rule)
    return mean(x, None if isinstance(dim, bool) else dim, keepdim)


@public(method=True)
def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    """sqrt(var); where the variance is 0 (equal values) the gradient is 0, as PyTorch,
    not 0 * inf = NaN (double where: sqrt never sees the zero). Computed as
    2^k 2^j std(w), w = (x / 2^k - mean) / 2^j, 2^k about the largest |x| of the slice
    and 2^j about the root mean square of x / 2^k - mean (so std(w) is in [1, 2)): the
    same bits as sqrt(var), scaling by a power of two being exact, but where the
    squares leave float32's range (|x| beyond ~1e19: std was inf for ~3e37; below
    ~1e-19: 0, and its gradient 0), which PyTorch, summing in double, gets right. The
    backward meets 2^(k+j) <= std first, then divides by std(w) >= 1, so it overflows
    only where std does (it was NaN for rows near float32's largest: 2^k / (std / 2^k)).
    std(x, False) is PyTorch's std(x, unbiased=False) over all elements."""
    x, dim, unbiased, axes, n = _moment_arguments(x, dim, unbiased, "std")
    inv_dof = _inverse_dof(n, unbiased, correction)
    scale = _power_of_two_scale(x.data, axes)
    centred = _centred(x / scale, dim, axes, n)
    spread = _power_of_two_below(np.sqrt(np.sum(np.square(centred.data), axis=axes,
                                                keepdims=True) * inv_dof))
    centred = centred / spread
    v = sum(centred * centred, dim, True) * inv_dof
    nz = v.data != 0
    s = where(nz, sqrt(where(nz, v, 1.0)), 0.0) * (scale * spread)
    if not keepdim:
        dims = range(x.ndim) if axes is None else (axes,) if isinstance(axes, int) else axes
        s = s.reshape(tuple(d for i, d in enumerate(x.shape) if i not in dims))
    return s


def _power_of_two_scale(x, axes):
    """2^k with 2^k <= max |x| < 2^(k+1) over `axes` (kept; 2^(k+1) overflows for
    float32's largest values): 1 where that maximum is 0 or not finite."""
    if not x.size:
        return np.ones(np.shape(np.sum(x, axis=axes, keepdims=True)), x.dtype)
    return _power_of_two_below(np.abs(x).max(axis=axes, keepdims=True))


def _power_of_two_below(m):
    """2^k with 2^k <= m < 2^(k+1), elementwise: 1 where m is 0 or not finite."""
    ok = np.isfinite(m) & (m > 0)
    return np.where(ok, ops.power_of_two(ops.binary_exponent(np.where(ok, m, 1.0)) - 1,
                                         m.dtype), m.dtype.type(1))


@public(method=True)
def amax(x, dim=None, keepdim=False):
    """The maximum over `dim` (all dims if None); tied maxima share the gradient equally."""
    axes = _axes(x, dim, "amax")
    _nonempty(x, axes, "amax")
    return x._apply1(ops.Amax, axes, keepdim)


@public(method=True)
def amin(x, dim=None, keepdim=False):
    """The minimum over `dim` (all dims if None); tied minima share the gradient equally."""
    axes = _axes(x, dim, "amin")
    _nonempty(x, axes, "amin")
    return x._apply1(ops.Amin, axes, keepdim)


@public(method=True)
def aminmax(input, *, dim=None, keepdim=False) -> Any:
    """(min, max): amin and amax over `dim` (one int, or all dims if None) together."""
    return _AminMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


@public(method=True)
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over `dim` with NaN counted as 0 (whose gradient is 0)."""
    x = input
    if x.data.dtype.kind == "f":
        nan_at = np.isnan(x.data)
        if any_or_tracing(nan_at):
            x = where(nan_at, 0.0, x)
    return sum(x, dim, keepdim, dtype)


@public(method=True)
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over `dim` of the elements that are not NaN (NaN where all are); the
    NaNs get gradient 0. Floating-point tensors only, as PyTorch."""
    x = input if dtype is None else input.to(dtype)
    if x.data.dtype.kind != "f":
        raise DtypeError(f"nanmean: expected a floating-point tensor, got {x.data.dtype} "
                         f"(shape {x.shape}); use mean")
    axes = _axes(x, dim, "nanmean")
    count = np.sum(~np.isnan(x.data), axis=axes, keepdims=keepdim).astype(x.data.dtype)
    return nansum(x, dim, keepdim) / count


@public(method=True)
def count_nonzero(input, dim=None):
    """The number of non-zero elements over `dim` (an int or a tuple; all if None): an
    int64 tensor, no gradient."""
    return _wrap(np.asarray(np.count_nonzero(input.data, axis=_axes(input, dim, "count_nonzero")),
                            np.int64), None)


@public(method=True)
def max(x, dim=None, keepdim=False) -> Any:
    """max(x): the largest element; max(x, dim): (values, indices); max(a, b): maximum."""
    return _extreme("max", x, dim, keepdim, maximum, amax, argmax)


@public(method=True)
def min(x, dim=None, keepdim=False) -> Any:
    """min(x): the smallest element; min(x, dim): (values, indices); min(a, b): minimum."""
    return _extreme("min", x, dim, keepdim, minimum, amin, argmin)


def _extreme(name, x, dim, keepdim, pairwise, whole, arg):
    """max or min by its three call forms: `pairwise` of two tensors, `whole` over all
    elements, or (values, indices) along dim from `arg`."""
    if isinstance(dim, Tensor):
        return pairwise(x, dim)
    _nonempty(x, _axes(x, dim, name), name)
    if dim is None:
        if x.data.dtype.kind == "f" and np.isnan(x.data).any():
            # NaN, its gradient shared by the NaNs as PyTorch (amax's ties x == NaN
            # match nothing: 0 / 0)
            nan_at = np.isnan(x.data)
            return sum(where(nan_at, x, 0.0) * (nan_at / nan_at.sum()).astype(x.data.dtype))
        return whole(x)
    return _select_at(x, arg(x, dim, keepdim=True), dim, keepdim)


def _select_at(x, indices, dim, keepdim):
    """(values, indices) of max/min over dim: the gradient goes to the one selected
    element, as in PyTorch (amax/amin share it among ties instead)."""
    if x.data.ndim == 0:                   # a 0-d tensor is its own max over dim 0 or -1
        return _MinMax(x.clone(), indices)
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return _MinMax(values, indices)


@public(method=True)
def argmax(x, dim=None, keepdim=False):
    """The index of the maximum over `dim` (of the flattened tensor if None); no gradient."""
    axis = _axes(x, dim, "argmax")
    _nonempty(x, axis, "argmax")
    return _wrap(np.argmax(x.data, axis=axis, keepdims=keepdim), None)   # None: all dims kept


@public(method=True)
def argmin(x, dim=None, keepdim=False):
    """The index of the minimum over `dim` (of the flattened tensor if None); no gradient."""
    axis = _axes(x, dim, "argmin")
    _nonempty(x, axis, "argmin")
    return _wrap(np.argmin(x.data, axis=axis, keepdims=keepdim), None)   # None: all dims kept


@public(method=True)
def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) over dim, shifted by the (constant) max so it never overflows."""
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    axes = _axes(x, dim, "logsumexp")
    m = np.amax(x.data, axis=axes, keepdims=True, initial=-np.inf)   # -inf over no element
    m = np.where(np.isfinite(m), m, 0).astype(x.data.dtype)
    out = log(sum(exp(x - m), dim, keepdim=True)) + m
    if keepdim:
        return out
    axes = range(x.data.ndim) if axes is None else (axes,) if isinstance(axes, int) else axes
    return out.reshape(tuple(n for i, n in enumerate(x.data.shape) if i not in axes))


def _normalized_exp(op, name, x, dim, dtype):
    """softmax and log_softmax: `dtype` casts x first (PyTorch's argument); a bool or
    integer x is refused, as in PyTorch."""
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{name}: expected a floating-point tensor, got {x.data.dtype} "
                         f"of shape {x.data.shape}; pass dtype=float or call .float() first")
    axes = _axes(x, dim, name)
    if x.data.size == 0:            # nothing to normalise: an empty result, as PyTorch
        return x * 1.0
    return x._apply1(op, axes)


@public(method=True)
def log_softmax(x, dim=-1, dtype=None):
    """x - logsumexp(x) over dim; `dtype` casts x first (PyTorch's argument). A bool or
    integer x is refused, as in PyTorch: pass dtype=float."""
    return _normalized_exp(ops.LogSoftmax, "log_softmax", x, dim, dtype)


@public(method=True)
def softmax(x, dim=-1, dtype=None):
    """exp(x) / sum(exp(x)) over dim; `dtype` casts x first; a bool or integer x is
    refused, as in PyTorch."""
    return _normalized_exp(ops.Softmax, "softmax", x, dim, dtype)


@public(method=True)
def norm(x, p=2, dim=None, keepdim=False):
    """p-norm over dim (all dims by default), as torch.norm: p = inf / -inf is the
    largest / smallest |x|, p = 0 counts the non-zeros (zero gradient), "fro" is 2. NaN
    in the input gives NaN. The gradient at a zero norm is 0 (double where), not NaN.
    For p < 0 a zero in a slice makes its norm 0 (|0|^p = inf), with a zero gradient.
    Unlike torch, tiny and huge values neither underflow nor overflow: a sum of powers
    out of range is redone on x scaled by a power of two, as LAPACK's nrm2 (exact)."""
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"norm: p must be a number, inf or 'fro', got {p!r}")
    if x.data.dtype.kind != "f":
        x = x.to(result_type(x, floating=True))
    if p == np.inf or p == -np.inf:
        # A NaN makes the norm NaN with a zero gradient (PyTorch); amax alone would send
        # NaN gradients (0 / 0 ties): such slices reduce a zero instead, then become NaN.
        nan_at = any_or_tracing(np.isnan(x.data))
        if nan_at:
            bad = np.isnan(x.data).any(axis=_axes(x, dim, "norm"), keepdims=True)
            x = where(bad, 0.0, x)
        reduce = amax if p > 0 else amin
        out = reduce(abs(x), dim, keepdim)
        if nan_at:
            out = where(bad if keepdim else bad.reshape(out.data.shape), np.nan, out)
        return out
    if p == 0:
        dead = np.zeros(x.data.shape, bool)     # where(False, x, c): exact zero gradient
        return sum(where(dead, x, (x.data != 0).astype(x.data.dtype)), dim, keepdim)
    if p == 1:
        return sum(abs(x), dim, keepdim)
    axes = _axes(x, dim, "norm")
    zero = None
    if p < 0:               # a slice with a zero: 0, from the norm of it with 1 there
        zero = (x.data == 0).any(axis=axes, keepdims=True)
        if any_or_tracing(zero):
            x = where(zero, 1.0, x)
        else:
            zero = None
    if p > 0:                   # (for p < 0 the gradient's |x|^(p-1) overflows first)
        out, s = _pnorm(x, p, dim, keepdim)
        lo, hi = _SAFE_SUM[x.data.dtype.type]
        if s.ndim == 0:
            safe = lo <= s <= hi        # False for NaN too (no float(s): a value a trace keeps)
        else:                                       # (ufunc.reduce: ndarray.min's wrapper
            safe = s.size == 0 or (lo <= _min(s, None) and _max(s, None) <= hi)  # costs 4%)
        if safe:
            return out
    # Out of range (or a zero, inf or NaN slice): norm(x) = c * norm(x / c) for c > 0,
    # so the gradients (of any order) are those of norm(x); c = 2^k is exact, k near
    # log2 max|x| (min|x| for p < 0). The gradient passes through magnitude c |g|, so
    # for p > 0 k stays within 85% of the exponent range when the powers allow it
    # (largest |x/c|^p within [lo, hi / n]): subnormal x keeps exact gradients.
    a = np.abs(x.data)
    m = (a.max if p > 0 else a.min)(axis=axes, keepdims=True, initial=0.0 if p > 0 else np.inf)
    m = np.where(np.isfinite(m) & (m > 0), m, 1).astype(a.dtype)
    k = ops.binary_exponent(m)                  # m = f 2^k, 1/2 <= f < 1
    if p > 0:
        lo, hi = _SAFE_SUM[x.data.dtype.type]
        n = builtins.max(a.size // m.size if m.size else 1, 1)     # elements per slice
        # |x/c| >= 2^(e_lo / p - 1) keeps the largest power above lo, and |x/c| <=
        # 2^(e_hi / p) keeps the sum of n powers below hi.
        e_lo, e_hi = int(np.frexp(lo)[1]), int(np.frexp(hi / n)[1]) - 1
        edge = int(-0.85 * np.finfo(a.dtype).minexp)
        k = np.clip(np.clip(k, -edge, edge), k - int(math.floor(e_hi / p)),
                    k - 1 - int(math.ceil(e_lo / p)))
    c = ops.power_of_two(k, m.dtype)
    scaled, _ = _pnorm(x / Tensor(c), p, dim, keepdim)
    out = scaled * Tensor(c if keepdim else c.reshape(scaled.data.shape))
    return out if zero is None else where(zero if keepdim else zero.reshape(out.data.shape),
                                          0.0, out)


# The sum of |x|^p is computed unscaled when every slice's sum lies in [lo, hi]: no term
# overflowed, and those that underflowed (below the smallest normal number) change the
# sum by less than a rounding (lo = tiny / eps).
_min, _max = np.minimum.reduce, np.maximum.reduce
_SAFE_SUM = {t: (float(np.finfo(t).tiny / np.finfo(t).eps), float(np.finfo(t).max))
             for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _pnorm(x, p, dim, keepdim):
    """(sum |x|^p)^(1/p) for p not in {0, 1, ±inf} (no zero in x when p < 0) and the sum's
    array."""
    if 0 < p < 1:                               # |x|^p has an infinite slope at 0
        nz = x.data != 0
        powered = where(nz, abs(where(nz, x, 1.0)) ** p, 0.0)
    else:
        powered = x * x if p == 2 else abs(x) ** p
    s = sum(powered, dim, keepdim)
    nz = s.data != 0                            # NaN counts as non-zero: it stays NaN
    return where(nz, where(nz, s, 1.0) ** (1.0 / p), 0.0), s.data


def _count(x, axes):
    if axes is None:
        return x.data.size
    axes = (axes,) if isinstance(axes, int) else axes
    return int(np.prod([x.data.shape[a] for a in axes]))
