"""The LU factorization with partial pivoting, with torch.linalg's names and results:
lu_factor (LU, pivots), lu_factor_ex (LU, pivots, info), lu (P, L, U), lu_solve; top-level
lu_unpack, and the deprecated torch.lu and torch.lu_solve (also Tensor methods).

A (..., m, n) = P L U, k = min(m, n): P (m, m) a permutation, L (m, k) unit lower
triangular, U (k, n) upper triangular. LU packs L below its diagonal and U on and above
it; pivots (..., k) are LAPACK's, 1-based int32: row j was swapped with row pivots[j] - 1.
The pivot of a column is the first of its largest magnitudes, as LAPACK's; a NaN is passed
over unless it comes first, as LAPACK's reference idamax. A zero pivot is no error: info is
the first j (1-based) with U[j, j] = 0, the factorization goes on (lu_factor raises, as
PyTorch). LU without pivoting is refused, as PyTorch's CPU build refuses it.

The gradient is PyTorch's linalg_lu_backward (the real case), written with matmul and
triangular solves of the factors, so second order is right by construction; with gL, gU
the gradients of L and U (LU's lower and upper parts):

    m = n:  gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
    m > n:  X = L1^-T triu(gU U^T - L^T gL);  gA = P [X + gL1; gL2] U^-T   (L = [L1; L2])
    m < n:  X = tril(L^T gL - triu(gU) U^T, -1) U1^-T;  gA = P L^-T [X + triu(gU1) | gU2]

A zero on U's diagonal makes the triangular solves raise LinAlgError (PyTorch's gradient
is inf / NaN there)."""
from collections import namedtuple

import numpy as np

from ..errors import ArgumentError, DtypeError, ShapeError, describe
from ..functions import _t, cat, where
from ..graph import Primitive, apply1
from ..jit.hooks import kernel
from ..public import public
from ..tensor import Tensor
from .basic import LinAlgError, _matrices
from .solvers import solve_triangular

_LUFactor = namedtuple("linalg_lu_factor", ["LU", "pivots"])
_LUFactorEx = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_LU = namedtuple("linalg_lu", ["P", "L", "U"])
_Unpacked = namedtuple("lu_unpack", ["P", "L", "U"])
_LUWithInfo = namedtuple("_lu_with_info", ["LU", "pivots", "info"])

_PANEL = 32         # columns factored one by one before a blocked update of the rest


@kernel()
def _getrf(a):
    """(LU, pivots, info) of matrices a (..., m, n): right-looking, in panels of _PANEL
    columns whose update of the columns right of them is one matmul."""
    *batch, m, n = a.shape
    k = min(m, n)
    lu = np.array(a, copy=True).reshape(int(np.prod(batch)), m, n)
    rows = np.arange(lu.shape[0])
    pivots = np.empty((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    for start in range(0, k, _PANEL):
        stop = min(start + _PANEL, k)
        for j in range(start, stop):
            col = lu[:, j:, j]
            size = np.abs(col)
            size[np.isnan(size)] = -1.0                 # passed over ...
            p = np.argmax(size, axis=1)
            p[np.isnan(col[:, 0])] = 0                  # ... unless it comes first
            p += j
            pivots[:, j] = p + 1
            swapped = lu[rows, p].copy()
            lu[rows, p] = lu[:, j]
            lu[:, j] = swapped
            pivot = lu[:, j, j]
            zero = pivot == 0
            info[(info == 0) & zero] = j + 1
            lu[:, j + 1:, j] /= np.where(zero, 1, pivot)[:, None]
            lu[:, j + 1:, j + 1:stop] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:stop]
        if stop < n:        # U's rows of the panel right of it, then the trailing update
            for j in range(start, stop - 1):
                lu[:, j + 1:stop, stop:] -= lu[:, j + 1:stop, j, None] * lu[:, j, None, stop:]
            lu[:, stop:, stop:] -= lu[:, stop:, start:stop] @ lu[:, start:stop, stop:]
    return lu.reshape(a.shape), pivots.reshape(*batch, k), info.reshape(batch)


def _permutation(pivots, m):
    """perm (..., m) of LAPACK pivots (..., k): A[perm] = L U, so A = P L U with
    P[perm[i], i] = 1."""
    flat = pivots.reshape(int(np.prod(pivots.shape[:-1])), pivots.shape[-1]).astype(np.intp) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        swapped = perm[rows, p]
        perm[rows, p] = perm[:, j]
        perm[:, j] = swapped
    return perm.reshape(*pivots.shape[:-1], m)


def _p_matrix(perm, dtype):
    """P (..., m, m) with P[perm[i], i] = 1."""
    m = perm.shape[-1]
    p = np.zeros((*perm.shape, m), dtype)
    np.put_along_axis(p, perm[..., :, None], 1, axis=-1)
    return np.swapaxes(p, -1, -2)


def _parts(lu, k):
    """(L, U) of packed `lu` (array or Tensor), k = min(m, n)."""
    m, n = lu.shape[-2:]
    low = _band(lu[..., :, :k], np.tri(m, k, -1, dtype=bool)) + np.eye(m, k, dtype=lu.dtype)
    return low, _band(lu[..., :k, :], ~np.tri(k, n, -1, dtype=bool))


def _band(x, keep):
    """x where `keep`, else 0 (a NaN or inf outside stays out), array or Tensor alike."""
    return where(keep, x, 0.0) if isinstance(x, Tensor) else np.where(keep, x, x.dtype.type(0))


def _solve_tri(a, b, upper, left=True, unit=False):
    """solve_triangular on arrays or Tensors alike (a rule's mode)."""
    out = solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    return out if isinstance(a, Tensor) or isinstance(b, Tensor) else out.data


class LUFactor(Primitive):
    """The packed LU of A = P L U; saves it and the pivots (P is made by the backward)."""
    __slots__ = ()

    def forward(self, a, parts):
        lu, pivots, _ = parts
        self.saved = (lu, pivots)
        return lu

    def backward(self, g):
        lu_array, pivots = self.saved
        lu = self.output(lu_array)
        m, n = lu_array.shape[-2:]
        p = _p_matrix(_permutation(pivots, m), lu_array.dtype)
        k = min(m, n)
        low, up = _parts(lu, k)
        gl = _band(g[..., :, :k], np.tri(m, k, -1, dtype=bool))
        gu = _band(g[..., :k, :], ~np.tri(k, n, -1, dtype=bool))
        tril1 = np.tri(k, k, -1, dtype=bool)
        if m == n:
            x = _band(low.mT @ gl, tril1) + _band(gu @ up.mT, ~tril1)
            x = _solve_tri(up.mT, x, upper=False, left=False)
            return p @ _solve_tri(low.mT, x, upper=True, unit=True),
        if m > n:
            x = _band(gu @ up.mT - low.mT @ gl, ~tril1)
            x = _solve_tri(low[..., :k, :].mT, x, upper=True, unit=True)
            top = x + gl[..., :k, :]
            x = _cat(top, gl[..., k:, :], -2)
            return p @ _solve_tri(up.mT, x, upper=False, left=False),
        x = _band(low.mT @ gl - gu @ up.mT, tril1)
        x = _solve_tri(up[..., :, :k].mT, x, upper=False, left=False)
        x = _cat(x + gu[..., :, :k], gu[..., :, k:], -1)
        return p @ _solve_tri(low.mT, x, upper=True, unit=True),


def _cat(a, b, dim):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return cat([a, b], dim)
    return np.concatenate([a, b], dim)


def _factor(op, A, pivot):
    if not pivot:
        raise ArgumentError(f"{op}: LU without pivoting is not implemented on the CPU (as "
                            f"PyTorch's CPU build); use pivot=True")
    a = _matrices(op, A)
    parts = _getrf(a.data)
    return apply1(LUFactor, a, parts), parts


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info) of each matrix (..., m, n): LU packed, pivots (..., k) 1-based
    int32, info (...) int32 the first j (1-based) with U[j, j] = 0, else 0. check_errors:
    raise LinAlgError where info is not 0."""
    lu, (_, pivots, info) = _factor("linalg.lu_factor_ex", A, pivot)
    if check_errors:
        _check("linalg.lu_factor_ex", info, lu.data)
    return _LUFactorEx(lu, Tensor(pivots), Tensor(info))


def lu_factor(A, *, pivot=True):
    """(LU, pivots) of each matrix (..., m, n) (see lu_factor_ex); LinAlgError if a U has
    a zero on its diagonal (a solve with it would divide by zero), as PyTorch."""
    lu, (_, pivots, info) = _factor("linalg.lu_factor", A, pivot)
    _check("linalg.lu_factor", info, lu.data)
    return _LUFactor(lu, Tensor(pivots))


def _check(op, info, lu):
    if np.any(info != 0):                  # under ag.compile, a guard before any update
        first = int(np.argmax(info.reshape(-1) != 0))
        where = "" if info.ndim == 0 else f" (batch element {first})"
        j = int(info.reshape(-1)[first])
        hint = "" if op.endswith("_ex") else (". To factor it anyway, call linalg.lu or "
                                                 "linalg.lu_factor_ex")
        raise LinAlgError(f"{op}: U[{j},{j}] is zero{where} in the factorization of "
                          f"{describe(lu)}; a solve with it would divide by zero{hint}")


def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U for each matrix (..., m, n), k = min(m, n): P (..., m, m),
    L (..., m, k) unit lower triangular, U (..., k, n) upper triangular."""
    packed, (_, pivots, _) = _factor("linalg.lu", A, pivot)
    return _LU(*lu_unpack(packed, Tensor(pivots)))


@public
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True) -> tuple[Tensor, ...]:
    """(P, L, U) of a packed LU (..., m, n) and its pivots (..., k) (see lu_factor); L and
    U empty if not `unpack_data`, P empty if not `unpack_pivots`. L and U carry the
    gradient to LU_data (its lower and upper parts)."""
    packed, pivots = _packed("lu_unpack", LU_data, LU_pivots)
    m, n = packed.data.shape[-2:]
    k = min(m, n)
    empty = Tensor(np.zeros(0, packed.data.dtype))
    low, up = _parts(packed, k) if unpack_data else (empty, empty)
    p = Tensor(_p_matrix(_permutation(pivots, m), packed.data.dtype)) if unpack_pivots \
        else empty
    return _Unpacked(p, low, up)


def _packed(op, lu, pivots):
    """(LU as a Tensor, pivots as an int array), checked against each other."""
    lu = _matrices(op, lu)
    piv = _t(pivots).data
    m, n = lu.data.shape[-2:]
    k = min(m, n)
    if piv.dtype != np.int32:
        raise DtypeError(f"{op}: expected int32 pivots (as lu_factor gives), got "
                         f"{describe(lu.data, piv)}")
    if piv.shape != lu.data.shape[:-2] + (k,):
        raise ShapeError(f"{op}: expected pivots of shape {lu.data.shape[:-2] + (k,)} for LU "
                         f"{describe(lu.data)}, got {describe(piv)}")
    if piv.size and (piv.min() < 1 or piv.max() > m):
        raise ArgumentError(f"{op}: pivots must lie in [1, {m}] for LU {describe(lu.data)}, "
                            f"got values from {piv.min()} to {piv.max()}")
    return lu, piv


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (A^T X = B if `adjoint`; X A = B, X A^T = B if not `left`) for A = P L
    U given as lu_factor's (LU, pivots) (..., n, n) and B (..., n, k) (left) or (..., k, n),
    batch dims broadcast. Differentiable in B and in LU (its lower and upper parts)."""
    packed, piv = _packed("linalg.lu_solve", LU, pivots)
    b = _t(B)
    a = packed.data
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"linalg.lu_solve: A must be batches of square matrices, got LU "
                         f"{describe(a)}")
    if b.data.dtype != a.dtype:
        raise DtypeError(f"linalg.lu_solve: expected LU and B of one dtype, got "
                         f"{describe(a, b.data)}")
    n = a.shape[-1]
    if b.data.ndim < 2 or b.data.shape[-2 if left else -1] != n:
        side = "(..., n, k)" if left else "(..., k, n)"
        raise ShapeError(f"linalg.lu_solve: expected B {side} with n = {n} for LU "
                         f"{describe(a)}, got {describe(b.data)}")
    perm = _permutation(piv, n)
    inverse = np.argsort(perm, axis=-1)
    batch = np.broadcast_shapes(a.shape[:-2], b.data.shape[:-2])
    if left and not adjoint:                    # U^-1 L^-1 P^T B
        y = _rows(b, perm, batch)
        return solve_triangular(packed, solve_triangular(packed, y, upper=False,
                                                         unitriangular=True), upper=True)
    if left:                                    # P L^-T U^-T B
        z = solve_triangular(packed.mT, solve_triangular(packed.mT, b, upper=False),
                             upper=True, unitriangular=True)
        return _rows(z, inverse, batch)
    if not adjoint:                             # B U^-1 L^-1 P^T
        y = solve_triangular(packed, solve_triangular(packed, b, upper=True, left=False),
                             upper=False, left=False, unitriangular=True)
        return _rows(y.mT, inverse, batch).mT
    y = _rows(b.mT, perm, batch).mT             # B P L^-T U^-T
    return solve_triangular(packed.mT, solve_triangular(packed.mT, y, upper=True,
                                                        left=False, unitriangular=True),
                            upper=False, left=False)


def _rows(x, order, batch):
    """x's rows (dim -2) in `order` (..., n), per batch element: x[..., order, :]."""
    x = x.expand(*batch, *x.data.shape[-2:])
    index = np.broadcast_to(order[..., :, None], (*batch, *x.data.shape[-2:]))
    return x.gather(-2, Tensor(np.ascontiguousarray(index).astype(np.int64)))


@public(name="lu", method=True)
def lu_with_info(A, pivot=True, get_infos=False) -> tuple[Tensor, ...]:
    """torch.lu (deprecated there): (LU, pivots), with info if `get_infos`. A zero pivot
    is no error."""
    packed, (_, pivots, info) = _factor("lu", A, pivot)
    if get_infos:
        return _LUWithInfo(packed, Tensor(pivots), Tensor(info))
    return packed, Tensor(pivots)


@public(name="lu_solve", method=True)
def lu_solve_b(input, LU_data, LU_pivots):
    """torch.lu_solve (deprecated there): linalg.lu_solve(LU_data, LU_pivots, input)."""
    return lu_solve(LU_data, LU_pivots, input)
