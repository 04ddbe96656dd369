"""The rest of PyTorch's top-level functions: its functional names for Tensor methods
(``torch.abs_(x)``, ``torch.numel(x)``, ...), the dtype queries, and small compositions
over the ops (rsub, isin, combinations, trapezoid, vander, histogram, ...), each
differentiable where PyTorch's is, through the ops it is written with."""
import builtins
import collections
import functools
import inspect
import itertools
import math

import numpy as np

from . import composites as _composites, methods_inplace as _inplace_forms  # noqa: F401
from . import methods_more as _more  # noqa: F401  (their methods)
from . import sorting as _sorting  # noqa: F401  (msort)
from .functions import cat, sub
from .layout import hstack, vstack
from .linalg import matrix_norm, vector_norm
from .scans import cumprod
from .creation import ones_like
from .dtypes import promote_types as _promote, result_type as _result_type
from .errors import ArgumentError, DtypeError, ShapeError
from .graph import _wrap
from .public import METHODS, public
from .tensor import Tensor, _dtype, set_print_options

dtype = np.dtype                    # the class of autograd's dtypes, as torch.dtype
e, pi, inf, nan, newaxis = math.e, math.pi, math.inf, math.nan, None

# torch.NAME(x, ...) is x.NAME(...) for these methods
_METHOD_NAMES = """abs_ neg_ negative_ exp_ exp2_ expm1_ log_ log2_ log10_ log1p_ sqrt_ rsqrt_
    square_ reciprocal_ sin_ cos_ tan_ asin_ acos_ atan_ sinh_ cosh_ tanh_ asinh_ acosh_ atanh_
    arcsin_ arccos_ arctan_ arcsinh_ arccosh_ arctanh_ sigmoid_ relu_ floor_ ceil_ round_
    trunc_ fix_ frac_ erf_ erfc_ logit_ nan_to_num_ deg2rad_ rad2deg_ sinc_ xlogy_ clamp_
    clamp_min_ clamp_max_ clip_ zero_ fill_ detach detach_ numel is_floating_point
    is_complex is_signed is_nonzero is_same_size msort conj resolve_conj resolve_neg
    is_conj is_neg""".split()
_METHOD_NAMES += ["addmv_", "gcd_", "lcm_", "ldexp_", "i0_"]
for _name in _METHOD_NAMES:
    public(METHODS[_name] if _name in METHODS else getattr(Tensor, _name), name=_name)


# torch.NAME_copy(x, ...) is x.NAME(...) copied out of the view
_VIEWS = """diagonal expand permute select split split_with_sizes squeeze t transpose unbind
    unfold unsqueeze view""".split()


def _copy_form(name, view):
    @functools.wraps(view)
    def copy(*args, **kwargs):
        out = view(*args, **kwargs)
        return tuple(o.clone() for o in out) if isinstance(out, (tuple, list)) else out.clone()
    copy.__name__ = copy.__qualname__ = name
    copy.__module__ = __name__
    copy.__doc__ = (f"A copy of ``Tensor.{name[:-5]}``'s result, not a view of the input "
                    f"(differentiable), as ``torch.{name}``.")
    copy.__signature__ = inspect.signature(view)
    del copy.__wrapped__
    public(copy, name=name)


for _name in _VIEWS:
    _copy_form(_name + "_copy", METHODS[_name])


@public
def alias_copy(input) -> Tensor:
    """A copy of `input` (``torch.alias_copy``: its alias, copied)."""
    return input.clone()


@public
def detach_copy(input) -> Tensor:
    """A copy of `input` out of the graph (``torch.detach_copy``)."""
    return input.detach().clone()


@public
def slice_copy(input, dim=0, start=None, end=None, step=1) -> Tensor:
    """A copy of input[..., start:end:step, ...] along `dim`, as ``torch.slice_copy``."""
    return input[(slice(None),) * (dim % input.ndim) + (slice(start, end, step),)].clone()


@public
def is_tensor(obj) -> bool:
    """True if `obj` is a Tensor (a Parameter too), as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


@public
def fill(input, value) -> Tensor:
    """A new tensor of `input`'s shape and dtype filled with `value` (a number or a 0-d
    Tensor, whose gradient is the sum of the result's), as ``torch.fill``."""
    out = input.clone()
    return out.fill_(value)


@public(name="result_type")
def result_type_(tensor1, tensor2):
    """The dtype an op on `tensor1` and `tensor2` (Tensors or numbers) computes in, by
    PyTorch's promotion rules (``torch.result_type``)."""
    return _result_type(tensor1, tensor2)


@public
def promote_types(type1, type2):
    """The smallest dtype both dtypes convert to without leaving their category (bool <
    integer < float), as ``torch.promote_types``."""
    return _promote(_dtype(type1), _dtype(type2))


@public
def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow `from_` into `to` (``torch.can_cast``): no
    float into an integer or bool, no integer into a bool; widening and narrowing within
    a category are allowed."""
    order = "biuf"
    a, b = _dtype(from_).kind, _dtype(to).kind
    return order.index(a) <= order.index(b) or (a == "u" and b == "i") or (a == "i" and b == "u")


@public
def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """How a Tensor's repr prints, as ``torch.set_printoptions``: digits after the point
    (`precision`, 4), the element count above which it summarises with ``...``
    (`threshold`, 1000) and the items shown at each edge then (`edgeitems`, 3), the line
    width (`linewidth`, 75), scientific notation always (`sci_mode=True`), never (False)
    or as numpy picks (None). `profile` 'default', 'short' or 'full' sets them all first."""
    profiles = {"default": (4, 1000, 3, 75), "short": (2, 1000, 2, 75),
                "full": (4, math.inf, 3, 75)}
    if profile is not None and profile not in profiles:
        raise ArgumentError(f"set_printoptions: profile must be one of {sorted(profiles)}, "
                            f"got {profile!r}")
    keys = ("precision", "threshold", "edgeitems", "max_line_width")
    options = dict(zip(keys, profiles[profile])) if profile else {}
    for key, value in zip(keys, (precision, threshold, edgeitems, linewidth)):
        if value is not None and not (isinstance(value, int) and value >= 0 or
                                      key == "threshold" and value == math.inf):
            raise ArgumentError(f"set_printoptions: {key} must be a non-negative int, got "
                                f"{value!r}")
        if value is not None:
            options[key] = value
    set_print_options(sci_mode=sci_mode, **options)


@public
def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input, as ``torch.rsub``."""
    return sub(other, input, alpha=alpha)


def _array(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


@public
def isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor:
    """A bool tensor of `elements`' shape: True where the element is one of
    `test_elements` (False with `invert`), as ``torch.isin``; either may be a number."""
    a, b = _array(elements), _array(test_elements)
    if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        raise DtypeError(f"isin: expected numeric elements and test_elements, got {a.dtype} "
                         f"and {b.dtype}")
    return _wrap(np.isin(a, b, assume_unique=assume_unique, invert=invert), None)


@public
def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    """The coordinates of flat `indices` in a tensor of `shape` (row-major), as
    ``torch.unravel_index``: a tuple of int64 tensors of `indices`' shape, one per
    dimension. A negative index counts from the end; one outside [-numel, numel) raises."""
    idx = _array(indices)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"unravel_index: expected an integer tensor of indices, got {idx.dtype}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(int(s) < 0 for s in shape):
        raise ArgumentError(f"unravel_index: 'shape' cannot have negative values, got {shape}")
    size = math.prod(shape)
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise ArgumentError(f"unravel_index: an index is out of range for shape {shape} "
                            f"({size} elements): found {int(idx.min())} .. {int(idx.max())}")
    flat = np.where(idx < 0, idx + size, idx).astype(np.int64)
    return tuple(_wrap(c.astype(np.int64), None) for c in np.unravel_index(flat, shape)) \
        if shape else ()


def _indices(name, which, row, col, offset, dtype):
    dtype = np.dtype(np.int64) if dtype is None else _dtype(dtype)
    if dtype.kind not in "iu":
        raise DtypeError(f"{name}: dtype must be an integer dtype, got {dtype}")
    if row < 0 or col < 0:
        raise ArgumentError(f"{name}: row and col must be non-negative, got {row} and {col}")
    return _wrap(np.stack(which(row, offset, col)).astype(dtype).reshape(2, -1), None)


@public
def tril_indices(row, col, offset=0, *, dtype=None, device=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle (on and below diagonal
    `offset`) of a `row` x `col` matrix, row by row, as ``torch.tril_indices``."""
    return _indices("tril_indices", np.tril_indices, row, col, offset, dtype)


@public
def triu_indices(row, col, offset=0, *, dtype=None, device=None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle (on and above diagonal
    `offset`) of a `row` x `col` matrix, row by row, as ``torch.triu_indices``."""
    return _indices("triu_indices", np.triu_indices, row, col, offset, dtype)


@public
def combinations(input, r=2, with_replacement=False) -> Tensor:
    """The length-`r` combinations of a 1-d tensor's elements, one per row (k, r), in
    itertools' order, as ``torch.combinations``; differentiable (an index of `input`)."""
    if input.ndim != 1:
        raise ShapeError(f"combinations: expects a 1-d tensor, got shape {tuple(input.shape)}")
    if r < 0:
        raise ArgumentError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return input[np.zeros(0, np.int64)]
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(make(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[idx]


@public
def concatenate(tensors, axis=0) -> Tensor:
    """``cat(tensors, dim=axis)``, as ``torch.concatenate``."""
    return cat(tensors, axis)


@public
def column_stack(tensors) -> Tensor:
    """The tensors side by side as columns, as ``torch.column_stack``: a 0-d or 1-d
    tensor of n elements becomes an (n, 1) column, then ``hstack``."""
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


@public
def row_stack(tensors) -> Tensor:
    """``vstack(tensors)``, as ``torch.row_stack``."""
    return vstack(tensors)


@public
def vander(x, N=None, increasing=False) -> Tensor:
    """The Vandermonde matrix of a 1-d tensor: column j is x^(N-1-j) (x^j if `increasing`),
    N = len(x) by default, as ``torch.vander`` (an integer x stays int64); differentiable."""
    if x.ndim != 1:
        raise ShapeError(f"vander: x must be a 1-d tensor, got shape {tuple(x.shape)}")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise ArgumentError(f"vander: N must be non-negative, got {N}")
    dt = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
    x = x.to(dt)
    ones = ones_like(x).reshape(-1, 1)
    if N <= 1:
        out = ones[:, :N]
    else:
        out = cat([ones, cumprod(x.reshape(-1, 1).expand(-1, N - 1), 1)], 1)
    return out if increasing else out.flip(1)


_histogram = collections.namedtuple("histogram", "hist bin_edges")
_histogramdd = collections.namedtuple("histogramdd", "hist bin_edges")


def _histogram_input(name, input, weight):
    a = _array(input)
    if a.dtype.kind != "f":
        raise DtypeError(f"{name}: expects a floating-point input, got {a.dtype} of shape "
                         f"{a.shape}")
    w = None if weight is None else _array(weight)
    if w is not None and w.shape != a.shape[:a.ndim - (name == "histogramdd")]:
        raise ShapeError(f"{name}: weight of shape {w.shape} does not match input {a.shape}")
    return a, w


def _edges(name, a, bins):
    edges = _array(bins)
    if edges.dtype != a.dtype:
        raise DtypeError(f"{name}: the bin edges ({edges.dtype}) must have the input's dtype "
                         f"({a.dtype}), as PyTorch's")
    return edges


@public
def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of a float tensor's values, as ``torch.histogram``: `bins` equal
    bins over `range` (min to max by default) or the edges a 1-d tensor `bins` gives, each
    counting its values (or summing `weight`), divided to a density if `density`. Not
    differentiable."""
    a, w = _histogram_input("histogram", input, weight)
    edges = _edges("histogram", a, bins) if isinstance(bins, Tensor) else bins
    hist, edges = np.histogram(a.ravel(), edges, range=range,
                               weights=None if w is None else w.ravel(), density=density)
    return _histogram(_wrap(hist.astype(a.dtype), None), _wrap(edges.astype(a.dtype), None))


@public
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of the points in the rows of a (..., D) float tensor, as
    ``torch.histogramdd``: `bins` an int, D ints or D 1-d edge tensors; `range` a flat
    list (min_0, max_0, min_1, ...). Not differentiable."""
    a, w = _histogram_input("histogramdd", input, weight)
    d = a.shape[-1]
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        bins = [_edges("histogramdd", a, b) for b in bins]
    if range is not None:
        range = [tuple(range[2 * i:2 * i + 2]) for i in builtins.range(d)]
    hist, edges = np.histogramdd(a.reshape(-1, d), bins, range=range,
                                 weights=None if w is None else w.ravel(), density=density)
    return _histogramdd(_wrap(hist.astype(a.dtype), None),
                        tuple(_wrap(e.astype(a.dtype), None) for e in edges))


@public
def frobenius_norm(input, dim=(-2, -1), keepdim=False) -> Tensor:
    """sqrt(sum x^2) over `dim`, as ``torch.frobenius_norm``."""
    return vector_norm(input, 2, dim, keepdim)


@public
def nuclear_norm(input, dim=None, keepdim=False) -> Tensor:
    """The sum of the singular values of the matrices in `dim` (the last two by default),
    as ``torch.nuclear_norm``; nuclear_norm(x, True) keeps the dims."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


@public
def norm_except_dim(v, pow=2, dim=0) -> Tensor:
    """The `pow`-norm of `v` over every dim but `dim`, those dims kept as 1 (weight
    normalisation's norm, ``torch.norm_except_dim``); dim=-1: of the whole tensor."""
    if dim == -1:
        return vector_norm(v, pow)
    return vector_norm(v, pow, tuple(d for d in builtins.range(v.ndim) if d != dim % v.ndim),
                       True)

