"""Index-based tensor functions with PyTorch's names: ``index_select``,
``repeat_interleave``, ``unbind``, ``unflatten``, ``select``, ``narrow``,
``is_contiguous``. All are indexing or reshaping, so their gradients come from
``getitem`` (repeated indices accumulate) and ``reshape``."""
import numpy as np

from .errors import DtypeError, OutOfRangeError, ShapeError
from .functions import _axes, reshape
from .graph import _wrap
from .public import public
from .tensor import Tensor


def _index_array(index, op):
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"{op}: index must be an integer tensor, got {idx.dtype} of shape "
                         f"{idx.shape}")
    return idx


@public(method=True)
def index_select(x, dim, index):
    """The entries of x at `index` (1-d integers) along dim."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise ShapeError(f"index_select: index must be 1-d, got shape {idx.shape}")
    axis = _axes(x, dim, "index_select") or 0
    n = x.data.shape[axis] if x.data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):     # no negative index, as torch
        raise OutOfRangeError(f"index_select: index values in [{idx.min()}, {idx.max()}] are out "
                              f"of range [0, {n}) for dim {dim} (a tensor of shape "
                              f"{x.data.shape})")
    if x.data.ndim == 0:                        # a 0-d tensor stays 0-d, as torch
        if idx.size != 1:
            raise ShapeError(f"index_select: a 0-d tensor takes one index, got {idx.size}")
        return x.clone()
    return x[(slice(None),) * axis + (idx.reshape(-1),)]


@public(method=True)
def repeat_interleave(x, repeats=None, dim=None, output_size=None):
    """Each element of x repeated `repeats` times along dim (x flattened if dim is None).
    `repeats` is an int or a 1-d integer tensor (one count per element). Called with
    one integer tensor only, ``repeat_interleave(counts)`` gives
    ``[0]*counts[0] + [1]*counts[1] + ...``."""
    if repeats is None:
        counts = _index_array(x, "repeat_interleave")
        return _wrap(np.repeat(np.arange(counts.size, dtype=np.int64), counts.reshape(-1)), None)
    if dim is None:
        x, axis = reshape(x, -1), 0
    else:
        axis = _axes(x, dim, "repeat_interleave") or 0
    n = x.data.shape[axis] if x.data.ndim else 1
    counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or counts.size not in (1, n):
        raise ShapeError(f"repeat_interleave: repeats must be an int or 1-d integer counts, one "
                         f"per element of dim {dim} (size {n}), got {counts.dtype} of shape "
                         f"{counts.shape}")
    if (counts < 0).any():
        raise ShapeError("repeat_interleave: repeats must be non-negative")
    idx = np.repeat(np.arange(n), counts.reshape(-1) if counts.size == n else int(counts.reshape(-1)[0]))
    if output_size is not None and output_size != idx.size:
        raise ShapeError(f"repeat_interleave: output_size={output_size} but the repeats give "
                         f"{idx.size}")
    return index_select(x, axis, idx)


def _dim(x, dim, op):
    """The axis `dim` names, for an op that takes one slot of a dimension (select,
    unbind, narrow, unflatten): a 0-d tensor has none, as in PyTorch."""
    if x.data.ndim == 0:
        raise ShapeError(f"{op}: dim {dim} given but the tensor is 0-d (shape ()); "
                         f"it has no dimension to take")
    return _axes(x, dim, op)


@public(method=True)
def select(x, dim, index):
    """x[..., index, ...] at dim (the dim is removed)."""
    axis = _dim(x, dim, "select")
    n = x.data.shape[axis]
    if not -n <= index < n:
        raise OutOfRangeError(f"select: index {index} is out of range for dim {dim} of size {n}")
    return x[(slice(None),) * axis + (index,)]


@public(method=True)
def unbind(x, dim=0) -> tuple[Tensor, ...]:
    """The slices of x along dim, as a tuple of views (the dim removed)."""
    axis = _dim(x, dim, "unbind")
    return tuple(x[(slice(None),) * axis + (i,)] for i in range(x.data.shape[axis]))


@public(method=True)
def narrow(x, dim, start, length):
    """x[..., start:start + length, ...] at dim."""
    axis = _dim(x, dim, "narrow")
    n = x.data.shape[axis]
    start = start + n if start < 0 else start
    if not (0 <= start <= n and 0 <= length <= n - start):
        raise OutOfRangeError(f"narrow: start {start} and length {length} do not fit dim {dim} "
                              f"of size {n}")
    return x[(slice(None),) * axis + (slice(start, start + length),)]


@public(method=True)
def unflatten(x, dim, sizes):
    """Dim `dim` split into `sizes` (one of them may be -1)."""
    axis = _dim(x, dim, "unflatten")
    shape = x.data.shape
    sizes = tuple(int(s) for s in sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or \
            (-1 in sizes and (known == 0 or shape[axis] % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply to {shape[axis]}, the size "
                         f"of dim {dim} of a tensor of shape {shape}")
    return reshape(x, shape[:axis] + sizes + shape[axis + 1:])


@public(method=True)
def is_contiguous(x, memory_format=None) -> bool:
    """True if x's data is laid out in C order without gaps."""
    return bool(x.data.flags.c_contiguous)

