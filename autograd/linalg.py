"""Linear algebra with torch.linalg's names: ``autograd.linalg.inv``, ``det``, ``slogdet``,
``solve``; top-level ``inverse``, ``det``, ``logdet``, ``slogdet`` (also Tensor methods).
Batched over leading dims, float32 or float64. The primitives' backward rules are
written with matmul and these ops themselves, so gradients of any order are right:

    d inv(A) = -inv(A)^T g inv(A)^T          d det(A) = g det(A) inv(A)^T
    d log|det A| = g inv(A)^T                d X = solve(A, B): gB = solve(A^T, g), gA = -gB X^T

A singular matrix: inv and solve raise LinAlgError (PyTorch's rule: a zero pivot of
the LU factorization); det gives 0 and slogdet (0, -inf), whose gradients, which need
inv(A), raise."""
from collections import namedtuple

import numpy as np

from .errors import DtypeError, GradgraphError, ShapeError, describe
from .functions import _t
from .graph import Primitive, apply1, apply2
from .jit.hooks import kernel
from .public import public
from .tensor import Tensor


class LinAlgError(GradgraphError, np.linalg.LinAlgError):
    """A singular matrix given to inv or solve (numpy's LinAlgError, a ValueError)."""


_slogdet = namedtuple("slogdet", ["sign", "logabsdet"])


def _square(op, a):
    """`a` as a Tensor of float32/float64 square matrices (..., n, n), or a clear error."""
    a = _t(a)
    if a.data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating point tensor, got {describe(a.data)}; "
                         f"convert it first (A.double())")
    if a.data.ndim < 2 or a.data.shape[-1] != a.data.shape[-2]:
        raise ShapeError(f"{op}: expected square matrices (..., n, n), got {describe(a.data)}")
    return a


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
def _slogdet_parts(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


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


class Det(Primitive):
    """det(A); d: g det(A) inv(A)^T. Keeps (A, det A): inputs()[0] is A."""
    __slots__ = ()

    def forward(self, a):
        d = np.linalg.det(a)
        self.saved = (a, d)
        return d

    def backward(self, g):
        a = self.inputs()[0]
        d = self.output(self.saved[1])
        return (g * d)[..., None, None] * apply1(Inv, a).mT,


class LogAbsDet(Primitive):
    """log |det A|; d: g inv(A)^T."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, a):
        return _slogdet_parts(a)[1]

    def backward(self, g):
        (a,) = self.inputs()
        return g[..., None, None] * apply1(Inv, a).mT,


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


@public(method=True)
def det(A):
    """The determinant of each square matrix (..., n, n): a tensor of shape (...)."""
    return apply1(Det, _square("linalg.det", A))


@public(method=True)
def slogdet(A):
    """(sign, logabsdet) of det(A), each of shape (...): sign is -1, 0 or 1 (no gradient),
    logabsdet = log |det A| (-inf where A is singular)."""
    a = _square("linalg.slogdet", A)
    sign = _slogdet_parts(a.data)[0]
    return _slogdet(Tensor(sign), apply1(LogAbsDet, a))


@public(method=True)
def logdet(A):
    """log det(A): NaN where det A < 0, -inf where A is singular (torch.logdet)."""
    sign, logabsdet = slogdet(A)
    bad = np.where(sign.data < 0, np.nan, 0.0).astype(logabsdet.data.dtype)
    return logabsdet + bad


def solve(A, B, *, left=True):
    """X with A X = B (left) or X A = B (left=False), for square A (..., n, n) and B
    (..., n, k), batch dims broadcast; B of shape (n,) or A's batch + (n,) is a vector
    (left only). LinAlgError if A is singular."""
    a, b = _square("linalg.solve", A), _t(B)
    if b.data.dtype != a.data.dtype:
        raise DtypeError(f"linalg.solve: expected A and B of one dtype, got {describe(a.data, b.data)}")
    n = a.data.shape[-1]
    vector = b.data.ndim == 1 or (b.data.ndim == a.data.ndim - 1 and b.data.shape == a.data.shape[:-1])
    if vector and not left:
        raise ShapeError(f"linalg.solve: a vector B needs left=True, got {describe(a.data, b.data)}")
    if vector:
        b = b[..., None]
    if b.data.ndim < 2 or b.data.shape[-1 if not left else -2] != n:
        raise ShapeError(f"linalg.solve: A and B do not match, got {describe(a.data, b.data)}"
                         f" (left={left})")
    try:
        np.broadcast_shapes(a.data.shape[:-2], b.data.shape[:-2])
    except ValueError:
        raise ShapeError(f"linalg.solve: batch dims do not broadcast, got "
                         f"{describe(a.data, b.data)}") from None
    if not left:
        return apply2(Solve, a.mT, b.mT).mT
    x = apply2(Solve, a, b)
    return x[..., 0] if vector else x
