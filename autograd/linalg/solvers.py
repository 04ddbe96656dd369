"""Solves built on solve and cholesky, and torch.linalg's small helpers: solve_triangular,
cholesky_solve, cholesky_inverse, tensorinv, tensorsolve, vecdot, vander, matmul and
diagonal (as torch.linalg's, dims last); top-level cholesky (torch.cholesky),
triangular_solve, cholesky_solve, cholesky_inverse (also Tensor methods) and chain_matmul. Composites: their
gradients (of every order) come from solve, matmul and the elementwise ops. A triangular
matrix with a zero on its diagonal raises LinAlgError (PyTorch returns inf / NaN)."""
from collections import namedtuple

import numpy as np

from ..errors import ArgumentError, DtypeError, ShapeError, describe
from ..functions import _t, cat, matmul as _matmul, where
from ..layout import diagonal as _diagonal
from ..public import public
from ..scans import cumprod
from ..tensor import Tensor
from .basic import _square, cholesky as _cholesky, solve
from .derived import multi_dot


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (A X = B for left, X A = B otherwise) for A (..., n, n) of which
    only the upper or lower triangle is read (its diagonal taken as ones if
    `unitriangular`) and B (..., n, k) (left) or (..., k, n), batch dims broadcast."""
    a, b = _square("linalg.solve_triangular", A), _t(B)
    if b.data.dtype != a.data.dtype:
        raise DtypeError(f"linalg.solve_triangular: expected A and B of one dtype, got "
                         f"{describe(a.data, b.data)}")
    if b.data.ndim < 2:
        raise ShapeError(f"linalg.solve_triangular: expected B (..., n, k), got "
                         f"{describe(a.data, b.data)}")
    n = a.data.shape[-1]
    band = np.triu if upper else np.tril
    keep = band(np.ones((n, n), bool), (1 if upper else -1) if unitriangular else 0)
    tri = where(keep, a, np.eye(n, dtype=a.data.dtype) if unitriangular else 0.0)
    return solve(tri, b, left=left)


_TriangularSolve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


@public(method=True)
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False) \
        -> tuple[Tensor, ...]:
    """torch.triangular_solve (deprecated there): (X, a copy of A) with op(A) X = input,
    op(A) = A^T if `transpose`; `upper` says which triangle of A is read."""
    a = _square("triangular_solve", A)
    x = solve_triangular(a.mT if transpose else a, input, upper=upper != transpose,
                         unitriangular=unitriangular)
    return _TriangularSolve(x, a.clone())


@public(method=True)
def cholesky_solve(input, input2, upper=False):
    """X with (L L^T) X = input (U^T U if `upper`) for the Cholesky factor input2 (..., n, n)
    and input (..., n, k). Its values read only the factor's lower (upper) triangle; its
    gradient is PyTorch's, that of the full factor's product."""
    factor = _square("cholesky_solve", input2)
    n = factor.data.shape[-1]
    other = (np.tril if upper else np.triu)(np.ones((n, n), bool), -1 if upper else 1)
    tri = factor - where(other, factor, 0.0).detach()      # its triangle, gradient to all
    first, second = (tri.mT, tri) if upper else (tri, tri.mT)
    return solve(second, solve(first, input))


@public(method=True)
def cholesky_inverse(input, upper=False):
    """(L L^T)^-1 (U^T U if `upper`) from the Cholesky factor input (..., n, n)."""
    a = _square("cholesky_inverse", input)
    eye = np.broadcast_to(np.eye(a.data.shape[-1], dtype=a.data.dtype), a.data.shape)
    return cholesky_solve(eye.copy(), a, upper)


@public(name="cholesky", method=True)
def cholesky_upper(input, upper=False):
    """torch.cholesky (deprecated there): linalg.cholesky(input, upper=upper)."""
    return _cholesky(input, upper=upper)


@public
def chain_matmul(*matrices):
    """torch.chain_matmul (deprecated there): linalg.multi_dot of 2-d matrices; a copy of
    a single one."""
    if len(matrices) == 1:
        a = _t(matrices[0])
        if a.data.ndim != 2:
            raise ShapeError(f"chain_matmul: expected 2-d matrices, got {describe(a.data)}")
        return a.clone()
    return multi_dot(matrices)


def tensorinv(A, ind=2):
    """The tensor X with tensordot(A, X, ind) the identity: A's first `ind` dims and the
    rest must hold as many elements; X has A's last dims, then its first."""
    a = _t(A)
    front, back = a.data.shape[:ind], a.data.shape[ind:]
    if ind <= 0 or int(np.prod(front)) != int(np.prod(back)):
        raise ShapeError(f"linalg.tensorinv: A's first {ind} dims and the rest must hold as "
                         f"many elements, got {describe(a.data)}")
    n = int(np.prod(front))
    return solve(a.reshape(n, n), np.eye(n, dtype=a.data.dtype)).reshape(back + front)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: A's leading dims are B's shape, its others
    X's (the dims `dims` of A moved last first)."""
    a, b = _t(A), _t(B)
    if dims is not None:
        dims = [d % a.data.ndim for d in dims]
        a = a.permute(*[d for d in range(a.data.ndim) if d not in dims], *dims)
    rest = a.data.shape[b.data.ndim:]
    if a.data.shape[:b.data.ndim] != b.data.shape or \
            int(np.prod(rest)) != int(np.prod(b.data.shape)):
        raise ShapeError(f"linalg.tensorsolve: A must start with B's shape and hold as many "
                         f"more elements, got {describe(a.data, b.data)}")
    n = int(np.prod(b.data.shape))
    return solve(a.reshape(n, n), b.reshape(n)).reshape(rest)


def vecdot(x, y, *, dim=-1):
    """sum(x * y) over `dim` (real tensors), the inputs broadcast."""
    return (_t(x) * _t(y)).sum(dim)


def vander(x, *, N=None):
    """The Vandermonde matrix (..., n, N) of x (..., n): columns x^0, x^1, ..., x^(N-1)
    (N = n by default), by a cumulative product (a finite gradient at x = 0)."""
    x = _t(x)
    if x.data.ndim < 1:
        raise ShapeError(f"linalg.vander: expected x (..., n), got {describe(x.data)}")
    n = x.data.shape[-1] if N is None else N
    if n <= 1:
        raise ArgumentError(f"linalg.vander: N must be greater than 1 (as PyTorch), got {n}")
    return cat([x[..., None] ** 0, cumprod(x[..., None].expand(*x.data.shape, n - 1), -1)], -1)


def matmul(input, other):
    """torch.linalg.matmul: the matrix product, as autograd.matmul."""
    return _matmul(input, other)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: the diagonal over dims dim1, dim2 (the last two by default)."""
    return _diagonal(A, offset, dim1, dim2)
