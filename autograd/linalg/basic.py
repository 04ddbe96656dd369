"""inv, solve, cholesky, matrix_power; top-level ``inverse`` and ``matrix_power`` (also
Tensor methods), and the input checks and LinAlgError the other linalg modules share.
Batched over leading dims, float32 or float64. The primitives' backward rules are written
with matmul and these ops themselves, so gradients of any order are right:

    d inv(A) = -inv(A)^T g inv(A)^T
    d X = solve(A, B): gB = solve(A^T, g), gA = -gB X^T
    d cholesky(A) = L^-T Sym(Phi(L^T g)) L^-1, Phi: the lower triangle, diagonal halved

A singular matrix: inv and solve raise LinAlgError (PyTorch's rule: a zero pivot of
the LU factorization)."""
import numpy as np

from ..errors import ArgumentError, DtypeError, GradgraphError, ShapeError, describe
from ..functions import _t, matmul
from ..graph import Primitive, apply1, apply2
from ..jit.hooks import kernel
from ..public import public
from ..tensor import Tensor


class LinAlgError(GradgraphError, np.linalg.LinAlgError):
    """A singular matrix given to inv or solve (numpy's LinAlgError, a ValueError)."""




def _matrices(op, a):
    """`a` as a Tensor of float32/float64 matrices (..., m, n), or a clear error."""
    a = _t(a)
    if a.data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating point tensor, got {describe(a.data)}; "
                         f"convert it first (A.double())")
    if a.data.ndim < 2:
        raise ShapeError(f"{op}: expected matrices (..., m, n), got {describe(a.data)}")
    return a


def _square(op, a):
    """`a` as a Tensor of float32/float64 square matrices (..., n, n), or a clear error."""
    a = _t(a)
    if a.data.ndim < 2 or a.data.shape[-1] != a.data.shape[-2]:
        raise ShapeError(f"{op}: expected square matrices (..., n, n), got {describe(a.data)}")
    return _matrices(op, a)


# numpy's calls, as kernels: a compiled step replays each as one call (slogdet's
# namedtuple result is no array to trace) and raises the eager step's error.
@kernel()
def _inv(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular("linalg.inv", a) from None


@kernel()
def _solve(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _singular("linalg.solve", a) from None


@kernel()
def _cholesky(a):
    try:
        low = np.linalg.cholesky(a)
        # LAPACK's reference potrf stops at a NaN pivot (PyTorch raises); OpenBLAS's
        # goes on and gives NaN: a NaN on L's diagonal is that failure
        if np.isnan(np.diagonal(low, 0, -2, -1)).any():
            raise np.linalg.LinAlgError
        return low
    except np.linalg.LinAlgError:
        raise LinAlgError(f"linalg.cholesky: the input {describe(a)} holds a matrix that is not "
                          f"positive-definite, the factorization could not be completed") from None


def _singular(op, a):
    return LinAlgError(f"{op}: the input {describe(a)} holds a singular matrix (a zero pivot in "
                       f"its LU factorization), the inversion could not be completed")


class Inv(Primitive):
    """inv(A); d: -inv(A)^T g inv(A)^T (from its saved output)."""
    __slots__ = ()

    def forward(self, a):
        self.saved = y = _inv(a)
        return y

    def backward(self, g):
        yt = self.output(self.saved).mT
        return -(yt @ g @ yt),


class Cholesky(Primitive):
    """L lower triangular with L L^T = A (A symmetric positive-definite; its lower triangle
    is read); d: the symmetric L^-T P L^-1, P = (T + tril(T, -1)^T) / 2, T = tril(L^T g)
    (PyTorch's cholesky_backward, Murray 2016)."""
    __slots__ = ()

    def forward(self, a):
        self.saved = y = _cholesky(a)
        return y

    def backward(self, g):
        low = self.output(self.saved)
        n = self.saved.shape[-1]
        lower = np.tri(n, dtype=self.saved.dtype)
        t = (low.mT @ g) * lower
        p = (t + (t * (lower - np.eye(n, dtype=lower.dtype))).mT) * 0.5
        inv_low = apply1(Inv, low)
        return inv_low.mT @ p @ inv_low,


class Solve(Primitive):
    """X = inv(A) B for matrices B (..., n, k), batch dims broadcast; d: gB = solve(A^T, g),
    gA = -gB X^T. Keeps (A, X): inputs()[0] is A, and X is its output."""
    __slots__ = ()

    def forward(self, a, b):
        x = _solve(a, b)
        self.saved = (a, x)
        return x

    def backward(self, g):
        a = self.inputs()[0]
        x = self.output(self.saved[1])
        gb = apply2(Solve, a.mT, g)
        return -(gb @ x.mT), gb


@public(name="inverse", method=True)
def inv(A):
    """inv(A): the inverse of each square matrix (..., n, n); LinAlgError if one is singular."""
    return apply1(Inv, _square("linalg.inv", A))


def solve(A, B, *, left=True):
    """X with A X = B (left) or X A = B (left=False), for square A (..., n, n) and B
    (..., n, k), batch dims broadcast; B of shape (n,) or A's batch + (n,) is a vector
    (left only). LinAlgError if A is singular."""
    a, b, vector = solve_operands("linalg.solve", A, B, left)
    x = apply2(Solve, a, b)
    return x[..., 0] if vector else x.mT if not left else x


def solve_operands(op, A, B, left):
    """(a, b, vector) checked for solve: X = solve's a^-1 b (a and b transposed if not
    `left`), whose last dim is to be dropped if `vector`."""
    a, b = _square(op, A), _t(B)
    if b.data.dtype != a.data.dtype:
        raise DtypeError(f"{op}: expected A and B of one dtype, got {describe(a.data, b.data)}")
    n = a.data.shape[-1]
    vector = b.data.ndim == 1 or (b.data.ndim == a.data.ndim - 1 and b.data.shape == a.data.shape[:-1])
    if vector and not left:
        raise ShapeError(f"{op}: a vector B needs left=True, got {describe(a.data, b.data)}")
    if vector:
        b = b[..., None]
    if b.data.ndim < 2 or b.data.shape[-1 if not left else -2] != n:
        raise ShapeError(f"{op}: A and B do not match, got {describe(a.data, b.data)}"
                         f" (left={left})")
    try:
        np.broadcast_shapes(a.data.shape[:-2], b.data.shape[:-2])
    except ValueError:
        raise ShapeError(f"{op}: batch dims do not broadcast, got "
                         f"{describe(a.data, b.data)}") from None
    return (a, b, vector) if left else (a.mT, b.mT, False)


def cholesky(A, *, upper=False):
    """L (lower triangular, L L^T = A) of each symmetric positive-definite matrix A (..., n, n)
    (only its lower triangle is read), L^T if `upper`; the gradient is symmetric.
    LinAlgError if a matrix is not positive-definite."""
    low = apply1(Cholesky, _square("linalg.cholesky", A))
    return low.mT if upper else low


@public(method=True)
def matrix_power(A, n):
    """A @ A @ ... (n times) of each square matrix (..., n, n), by squaring; the identity
    for n = 0 (no gradient), inv(A) ** -n for n < 0 (float only)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ArgumentError(f"linalg.matrix_power: n must be an int, got {n!r}")
    a = _t(A)
    if a.data.ndim < 2 or a.data.shape[-1] != a.data.shape[-2]:
        raise ShapeError(f"linalg.matrix_power: expected square matrices (..., n, n), got "
                         f"{describe(a.data)}")
    if n == 0:
        return Tensor(np.broadcast_to(np.eye(a.data.shape[-1], dtype=a.data.dtype),
                                      a.data.shape).copy())
    if n < 0:
        a, n = inv(a), -n
    out = None
    while True:
        if n & 1:
            out = a if out is None else matmul(out, a)
        n >>= 1
        if not n:
            return out.clone() if out is A else out   # n = 1: a new tensor, as PyTorch
        a = matmul(a, a)
