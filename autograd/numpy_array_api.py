"""numpy 2's array-API functions (``np.linalg.vecdot``, ``np.linalg.matrix_norm``'s
vector sibling ``vector_norm``, ``np.cumulative_sum``, ``np.unstack``, ``np.astype``...)
on Tensors, written with the implementations of their older numpy counterparts and
registered in numpy_functions.FUNCTIONS."""
import numpy as np

from . import functions as F
from . import reductions as R
from .errors import ShapeError
from .indexing import unbind
from .numpy_functions import (Unsupported, _axis, _cast, _like, _t, implements, np_cumsum,
                              np_diagonal, np_norm, np_outer, np_tensordot)


@implements(np.matrix_transpose, np.linalg.matrix_transpose)
def np_matrix_transpose(x):
    return F.transpose(_t(x), -2, -1)


@implements(np.linalg.vecdot)
def np_linalg_vecdot(x1, x2, *, axis=-1):
    like = _like((x1, x2))
    return R.sum(_t(x1, like) * _t(x2, like), int(axis))


@implements(np.linalg.matmul)
def np_linalg_matmul(x1, x2):
    return F.matmul(x1, x2)


@implements(np.linalg.tensordot)
def np_linalg_tensordot(x1, x2, *, axes=2):
    return np_tensordot(x1, x2, axes)


@implements(np.linalg.outer)
def np_linalg_outer(x1, x2):
    return np_outer(x1, x2)


@implements(np.linalg.diagonal)
def np_linalg_diagonal(x, *, offset=0):
    return np_diagonal(x, offset, -2, -1)


@implements(np.linalg.trace)
def np_linalg_trace(x, *, offset=0, dtype=None):
    return R.sum(np_diagonal(_cast(_t(x), dtype), offset, -2, -1), -1)


@implements(np.linalg.vector_norm)
def np_vector_norm(x, *, axis=None, keepdims=False, ord=2):
    """The norm of the elements as one vector (over all of them for axis=None)."""
    x = _t(x)
    if axis is None:
        out = np_norm(x.reshape(-1), ord, 0)
        return out.reshape((1,) * x.ndim) if keepdims else out
    if not isinstance(axis, (int, np.integer)):
        axes = _axis(axis, x.ndim)
        rest = [i for i in range(x.ndim) if i not in axes]
        moved = F.permute(x, *(rest + list(axes)))
        flat = moved.reshape(tuple(x.shape[i] for i in rest) + (-1,))
        out = np_norm(flat, ord, -1)
        if keepdims:
            out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return out
    return np_norm(x, ord, int(axis), keepdims)


@implements(np.cumulative_sum)
def np_cumulative_sum(x, *, axis=None, dtype=None, include_initial=False):
    if include_initial:
        raise Unsupported("include_initial=True is not implemented")
    return np_cumsum(x, axis, dtype)


@implements(np.unstack)
def np_unstack(x, *, axis=0):
    x = _t(x)
    if x.ndim == 0:
        raise ShapeError("numpy.unstack: the input must be at least 1-d, got shape ()")
    (ax,) = _axis(axis, x.ndim)
    return unbind(x, ax)


@implements(np.astype)
def np_astype(x, dtype, *, copy=True, device=None):
    """A cast: differentiable to a float dtype; an integer or bool result has no gradient
    (as Tensor.to)."""
    return _t(x).to(dtype, copy=copy)
