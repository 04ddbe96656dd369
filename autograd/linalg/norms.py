"""Norms and what singular values measure, with torch.linalg's names: vector_norm,
matrix_norm ("fro", "nuc", 2, -2, 1, -1, inf, -inf), norm, cond, matrix_rank. Composites of
reductions and svdvals: their gradients come from those ops (matrix_rank has none)."""
import numpy as np

from ..errors import ArgumentError, ShapeError, describe
from ..functions import _t, abs, where
from ..reductions import amax, amin, norm as _norm, sum
from ..tensor import Tensor
from .basic import _matrices, _square, inv
from .decomp import _eigh_parts, _svd_parts, svdvals
from .derived import _kept, _tolerances


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The `ord`-norm of x's elements over `dim` (all by default): norm(x, ord, dim, keepdim)
    of x converted to `dtype` first if given."""
    x = _t(x)
    return _norm(x if dtype is None else x.to(dtype), ord, dim, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm over the two dims `dim`: "fro" (the 2-norm of the elements), "nuc"
    (the sum of the singular values), 2 / -2 (the largest / smallest singular value), 1 / -1
    (the largest / smallest column sum of |A|), inf / -inf (row sums)."""
    a = _t(A)
    a = a if dtype is None else a.to(dtype)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2 or a.data.ndim < 2:
        raise ShapeError(f"linalg.matrix_norm: expected two dims of a tensor of 2 or more dims, "
                         f"got dim={dim!r} for {describe(a.data)}")
    rows, cols = (int(d) % a.data.ndim for d in dim)
    if rows == cols:
        raise ShapeError(f"linalg.matrix_norm: dims {dim} name one dim twice")
    if ord == "fro":
        return _norm(a, 2, (rows, cols), keepdim)
    if ord not in ("nuc", 2, -2, 1, -1, np.inf, -np.inf):
        raise ArgumentError(f"linalg.matrix_norm: ord={ord!r} is not a matrix norm (supported: "
                            f"'fro', 'nuc', 2, -2, 1, -1, inf, -inf)")
    if ord in ("nuc", 2, -2):
        values = svdvals(a.movedim((rows, cols), (-2, -1)))
        out = values.sum(-1) if ord == "nuc" else (amax if ord == 2 else amin)(values, -1)
        for d in sorted((rows, cols)) if keepdim else ():
            out = out.unsqueeze(d)
        return out
    summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = sum(abs(a), summed, True)
    out = (amax if ord > 0 else amin)(sums, other, True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a matrix norm (matrix_norm) if `dim` is a pair, or if it is None
    and `ord` is given for a 2-d A (`ord` a string: always); otherwise the vector norm
    (ord 2 by default) over `dim` (an int), or over all elements if dim and ord are None."""
    a = _t(A)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or isinstance(ord, str) or \
            (dim is None and ord is not None and a.data.ndim == 2):
        return matrix_norm(a, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                           keepdim, dtype=dtype)
    if dim is None and ord is not None and a.data.ndim != 1:
        raise ShapeError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-d or "
                         f"2-d, got {describe(a.data)}")
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cond(A, p=None):
    """The condition number of each matrix (..., m, n) in the norm `p`: None or 2 the
    largest singular value over the smallest (-2: the inverse), any other matrix norm
    (square A) matrix_norm(A, p) * matrix_norm(inv(A), p), inf where A is singular."""
    if p in (None, 2, -2):
        values = svdvals(_matrices("linalg.cond", A))
        ratio = values[..., 0] / values[..., -1]
        return 1 / ratio if p == -2 else ratio
    a = _square(f"linalg.cond(ord={p})", A)
    singular = np.linalg.det(a.data) == 0
    safe = where(Tensor(singular[..., None, None]), Tensor(np.eye(a.shape[-1], dtype=a.dtype)), a)
    ratio = matrix_norm(a, p) * matrix_norm(inv(safe), p)
    return where(Tensor(singular), Tensor(np.array(np.inf, a.dtype)), ratio)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The number of singular values (absolute eigenvalues if `hermitian`) of each matrix
    (..., m, n) above max(atol, rtol * the largest), as int64 (...); the tolerances as
    torch.linalg.pinv's."""
    a = (_square if hermitian else _matrices)("linalg.matrix_rank", A)
    size = np.abs(_eigh_parts(a.data, "L")[0]) if hermitian else _svd_parts(a.data, False)[1]
    kept = _kept(size, *_tolerances(a, atol, rtol, "linalg.matrix_rank"))
    return Tensor(kept.sum(-1).astype(np.int64))
