"""The ``_ex`` forms of torch.linalg: cholesky_ex, inv_ex, solve_ex. Each returns its
result and ``info`` (int32, one per matrix): 0 where the matrix was factored, else the
first failing step, 1-based (cholesky: the order of the leading minor that is not
positive-definite; inv and solve: the first zero pivot of the LU factorization). They
raise LinAlgError only if `check_errors`.

Where info is 0 the result and its gradient are those of cholesky, inv and solve. Where
it is not, the matrix has no factor to differentiate: cholesky_ex gives LAPACK's partial
factor (the columns before the failing one factored, the failing diagonal entry, the rest
of the lower triangle as given, as PyTorch's), inv_ex and solve_ex give NaN (PyTorch's
are ±inf or garbage), and no gradient reaches that matrix (PyTorch's is that of the
partial factor, no derivative of anything)."""
from collections import namedtuple

import numpy as np

from ..errors import describe
from ..functions import where
from ..graph import apply1, apply2
from ..jit.hooks import kernel
from ..tensor import Tensor
from .basic import Cholesky, Inv, LinAlgError, Solve, _cholesky, _square, solve_operands
from .lu import _getrf

_CholeskyEx = namedtuple("linalg_cholesky_ex", ["L", "info"])
_InvEx = namedtuple("linalg_inv_ex", ["inverse", "info"])
_SolveEx = namedtuple("linalg_solve_ex", ["result", "info"])


class _CholeskyOf(Cholesky):
    """Cholesky's rule for the factor `low` the kernel computed."""
    __slots__ = ()

    def forward(self, a, low):
        self.saved = low
        return low


class _InvOf(Inv):
    """Inv's rule for the inverse `y` the kernel computed."""
    __slots__ = ()

    def forward(self, a, y):
        self.saved = y
        return y


class _SolveOf(Solve):
    """Solve's rule for the solution `x` the kernel computed."""
    __slots__ = ()

    def forward(self, a, b, x):
        self.saved = (a, x)
        return x


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): linalg.cholesky's L (L^T if `upper`) of each matrix (..., n, n), and where
    a matrix is not positive-definite its partial factor and info > 0 (see the module)."""
    a = _square("linalg.cholesky_ex", A)
    low, partial, info = _cholesky_parts(a.data)
    if np.any(info != 0):           # under ag.compile, a guard
        _check("linalg.cholesky_ex", info, a.data, check_errors, "not positive-definite")
        low = where(_ok(info, 2), apply1(_CholeskyOf, _fixed(a, info), low), partial)
    else:
        low = apply1(_CholeskyOf, a, low)
    return _CholeskyEx(low.mT if upper else low, Tensor(info))


def inv_ex(A, *, check_errors=False):
    """(inverse, info): linalg.inv of each matrix (..., n, n), NaN and info > 0 where one is
    singular (see the module)."""
    a = _square("linalg.inv_ex", A)
    y, info = _inv_parts(a.data)
    if np.any(info != 0):
        _check("linalg.inv_ex", info, a.data, check_errors, "singular")
        return _InvEx(where(_ok(info, 2), apply1(_InvOf, _fixed(a, info), y), np.nan),
                      Tensor(info))
    return _InvEx(apply1(_InvOf, a, y), Tensor(info))


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info): linalg.solve(A, B, left=left), NaN and info > 0 where a matrix of A
    is singular (see the module)."""
    a, b, vector = solve_operands("linalg.solve_ex", A, B, left)
    x, info = _solve_parts(a.data, b.data)
    if np.any(info != 0):
        _check("linalg.solve_ex", info, a.data, check_errors, "singular")
        x = where(_ok(info, 2), apply2(_SolveOf, _fixed(a, info), b, x), np.nan)
    else:
        x = apply2(_SolveOf, a, b, x)
    return _SolveEx(x[..., 0] if vector else x if left else x.mT, Tensor(info))


def _check(op, info, a, check_errors, what):
    if check_errors:
        first = int(np.argmax(info.reshape(-1) != 0))
        where_ = "" if info.ndim == 0 else f" (batch element {first})"
        raise LinAlgError(f"{op}: the input {describe(a)} holds a matrix that is {what}"
                          f"{where_}, info {int(info.reshape(-1)[first])}")


def _ok(info, trailing):
    return (info == 0).reshape(info.shape + (1,) * trailing)


def _fixed(a, info):
    """a (array or Tensor) with its failing matrices replaced by the identity (their
    gradient is 0)."""
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    if isinstance(a, Tensor):
        return where(_ok(info, 2), a, eye)
    return np.where(_ok(info, 2), a, eye)


@kernel()
def _inv_parts(a):
    """(inv of each matrix of a, the identity's where singular; info)."""
    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        info = _lu_info(a)
        return np.linalg.inv(_fixed(a, info)), info


@kernel()
def _solve_parts(a, b):
    """(a^-1 b, with the identity for the singular matrices of a; info)."""
    try:
        return np.linalg.solve(a, b), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        info = _lu_info(a)
        return np.linalg.solve(_fixed(a, info), b), info


def _lu_info(a):
    """LU's info of each matrix of a: the first zero pivot, 1-based; n where our
    factorization found none but LAPACK's did (a pivot that rounds to zero)."""
    info = _getrf(a)[2]
    n = a.shape[-1]
    for index in np.ndindex(a.shape[:-2]):
        if info[index] == 0:
            try:
                np.linalg.inv(a[index])
            except np.linalg.LinAlgError:
                info[index] = n
    return info


@kernel()
def _cholesky_parts(a):
    """(L of each matrix of a, the identity where it is not positive-definite; LAPACK's
    partial factor there; info)."""
    try:
        low = _cholesky(a)              # linalg.cholesky's values and refusals (NaN too)
        return low, low, np.zeros(a.shape[:-2], np.int32)
    except LinAlgError:
        pass
    partial, info = _partial_cholesky(a)
    return np.linalg.cholesky(_fixed(a, info)), partial, info


def _partial_cholesky(a):
    """(the factor, info) of each matrix of a by LAPACK's unblocked Cholesky (potf2, lower):
    it stops at the first diagonal entry that is not positive (or NaN), stores it there
    and leaves the rest of the lower triangle as given; the upper triangle is 0. info n
    where this went through but numpy's (LAPACK's blocked) cholesky fails."""
    out = np.tril(a)
    info = np.zeros(a.shape[:-2], np.int32)
    n = a.shape[-1]
    for index in np.ndindex(a.shape[:-2]):
        low = out[index]
        for j in range(n):
            d = low[j, j] - low[j, :j] @ low[j, :j]
            if not d > 0:               # also NaN
                low[j, j] = d
                info[index] = j + 1
                break
            low[j, j] = d = np.sqrt(d)
            low[j + 1:, j] = (low[j + 1:, j] - low[j + 1:, :j] @ low[j, :j]) / d
        else:           # LAPACK's blocked factorization may still fail where this did not
            try:
                np.linalg.cholesky(a[index])
            except np.linalg.LinAlgError:
                info[index] = n
    return out, info
