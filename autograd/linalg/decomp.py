"""The factorizations, with torch.linalg's names and results: qr (Q, R), eigh (eigenvalues,
eigenvectors), eigvalsh, svd (U, S, Vh), svdvals; top-level ``qr`` and ``svd`` (torch.qr's
``some=``, torch.svd's (U, S, V); also Tensor methods).

Each factor is its own primitive (a _Factor), so a factor the loss does not use sends no
gradient, as PyTorch's undefined gradients; the public function computes the factorization
once and gives it to each. The rules are PyTorch's (A real, the F-matrix form), written
with matmul, solve and the factors themselves, which a rule under create_graph gets as
Tensors of the graph, so second-order gradients are right by construction:

    A = V diag(L) V^T:  gA = V (diag(gL) + skew(V^T gV) / E) V^T,  E_ij = L_j - L_i,
                        skew(X) = (X - X^T) / 2
    A = Q R (m >= n):   gA = (gQ + Q copyltu(M)) R^-T,  M = R gR^T - gQ^T Q,
                        copyltu(M) = tril(M) + tril(M, -1)^T
    A = Q [X | Y] (m < n): gA = [(gQ' + Q copyltu(M)) X^-T | Q gY],  gQ' = gQ + Q Y gY^T,
                        M = X gX^T - gQ'^T Q
    A = U diag(S) Vh:   gA = U (skew(U^T gU) / E S + S skew(V^T gV) / E + diag(gS)) Vh
                        + (I - U U^T) gU S^-1 Vh (m > k) or U S^-1 gVh (I - V V^T) (n > k),
                        E_ij = S_j^2 - S_i^2, skew(X) = X - X^T, k = min(m, n);
                        full_matrices: the first k columns of U (rows of Vh) only

Repeated eigenvalues (singular values) make E zero off its diagonal: the eigenvectors'
(singular vectors') gradient is then inf or NaN, as PyTorch's (such vectors are not
unique, so only a loss that uses them in a basis-independent way has a gradient there,
and the formula cannot tell). The eigenvalues (singular values) alone keep a finite
gradient. A zero singular value of a non-square matrix makes U's (Vh's) gradient inf."""
from collections import namedtuple

import numpy as np

from ..errors import ArgumentError, GraphError, describe
from ..graph import Primitive, apply1, apply2
from ..jit.hooks import kernel
from ..public import public
from ..tensor import Tensor
from .basic import LinAlgError, Solve, _matrices, _square

_QR = namedtuple("linalg_qr", ["Q", "R"])
_QRSome = namedtuple("qr", ["Q", "R"])
_Eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
_SVD = namedtuple("linalg_svd", ["U", "S", "Vh"])
_SVDV = namedtuple("svd", ["U", "S", "V"])


@kernel()
def _qr_parts(a, mode):
    if mode == "r":
        return None, np.linalg.qr(a, mode="r")
    q, r = np.linalg.qr(a, mode=mode)
    return q, r


@kernel()
def _eigh_parts(a, uplo):
    try:
        vals, vecs = np.linalg.eigh(a, UPLO=uplo)
    except np.linalg.LinAlgError:
        raise _not_converged("linalg.eigh", a) from None
    return vals, vecs


@kernel()
def _svd_parts(a, full_matrices):
    try:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        raise _not_converged("linalg.svd", a) from None
    return u, s, vh


def _not_converged(op, a):
    return LinAlgError(f"{op}: the algorithm failed to converge on the input {describe(a)} "
                       f"(non-finite values, or too ill-conditioned)")


class _Factor(Primitive):
    """One factor of a factorization of A that the public function computed once:
    forward(A, parts) gives parts[index] and keeps (A, parts). factors() gives a backward
    rule every factor: arrays, or under create_graph Tensors recorded as this op's
    siblings on A (their own rules then carry the second order)."""
    __slots__ = ()
    index = None
    siblings = ()

    def forward(self, a, parts):
        self.saved = (a, parts)
        return parts[self.index]

    def factors(self):
        a, parts = self.inputs()[0], self.saved[1]
        return tuple(apply1(cls, a, parts) for cls in self.siblings)


def _copyltu(m):
    """tril(m) + tril(m, -1)^T of square matrices (arrays or Tensors)."""
    n = m.shape[-1]
    lower = np.tri(n, dtype=m.dtype)
    return m * lower + (m * (lower - np.eye(n, dtype=m.dtype))).mT


def _solve_right(b, x):
    """b x^-T, x square: solve(x, b^T)^T."""
    return apply2(Solve, x, b.mT).mT


def _qr_grad(q, r, gq, gr):
    """PyTorch's linalg_qr_backward (real A) for one of gq, gr (the other factor unused)."""
    m, n = q.shape[-2], r.shape[-1]
    x = r if m >= n else r[..., :m]                        # R's square part
    if gr is not None and m >= n:
        return _solve_right(q @ _copyltu(r @ gr.mT), r)
    if gr is None:
        out = _solve_right(gq - q @ _copyltu(gq.mT @ q), x)
        return out if m >= n else out @ np.eye(m, n, dtype=r.dtype)     # [out | 0]
    gx, gy = gr[..., :m], gr[..., m:]
    gq = q @ (r[..., m:] @ gy.mT)                          # Y = Q^T A_2: gY reaches Q
    out = _solve_right(gq + q @ _copyltu(x @ gx.mT - gq.mT @ q), x)
    return out @ np.eye(m, n, dtype=r.dtype) + (q @ gy) @ np.eye(n, dtype=r.dtype)[m:]


def _qr_backward(node, gq, gr):
    a, (q, r, mode) = node.saved
    if mode == "r":
        raise GraphError("linalg.qr: the derivative of linalg.qr depends on Q, which is not "
                         "computed when mode='r'; use mode='reduced' to differentiate it")
    if mode == "complete" and a.shape[-2] > a.shape[-1]:
        raise GraphError(f"linalg.qr: the QR decomposition is not differentiable when "
                         f"mode='complete' and nrows > ncols (A {describe(a)}); use "
                         f"mode='reduced'")
    return _qr_grad(*node.factors(), gq, gr),


class QRQ(_Factor):
    """Q of A = QR; parts (Q, R, mode)."""
    __slots__ = ()
    index = 0

    def backward(self, g):
        return _qr_backward(self, g, None)


class QRR(_Factor):
    """R of A = QR; parts (Q, R, mode)."""
    __slots__ = ()
    index = 1

    def backward(self, g):
        return _qr_backward(self, None, g)


QRQ.siblings = QRR.siblings = (QRQ, QRR)


class EighValues(_Factor):
    """The eigenvalues L of symmetric A = V diag(L) V^T; d: V diag(gL) V^T."""
    __slots__ = ()
    index = 0

    def backward(self, g):
        _, vecs = self.factors()
        return (vecs * g[..., None, :]) @ vecs.mT,


class EighVectors(_Factor):
    """The eigenvectors V; d: V (skew(V^T gV) / E) V^T, E_ij = L_j - L_i (1 on the
    diagonal): inf or NaN where eigenvalues repeat, as PyTorch's."""
    __slots__ = ()
    index = 1

    def backward(self, g):
        vals, vecs = self.factors()
        vg = vecs.mT @ g
        n = vals.shape[-1]
        gap = vals[..., None, :] - vals[..., :, None] + np.eye(n, dtype=vals.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = ((vg - vg.mT) * 0.5) / gap
        return vecs @ inner @ vecs.mT,


EighValues.siblings = EighVectors.siblings = (EighValues, EighVectors)

def _svd_grad(node, gu, gs, gvh):
    """PyTorch's svd_backward (real A), one of gu, gs, gvh given."""
    u, s, vh = node.factors()
    k = s.shape[-1]
    if u.shape[-1] > k:                  # full_matrices: the first k vectors only
        u, gu = u[..., :k], gu if gu is None else gu[..., :k]
    if vh.shape[-2] > k:
        vh, gvh = vh[..., :k, :], gvh if gvh is None else gvh[..., :k, :]
    m, n = u.shape[-2], vh.shape[-1]
    if gs is not None:
        return (u * gs[..., None, :]) @ vh
    s2 = s * s
    gap = s2[..., None, :] - s2[..., :, None] + np.eye(k, dtype=s.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        if gu is not None:
            x = u.mT @ gu
            inner = u @ ((x - x.mT) / gap * s[..., None, :])
            if m > k:                    # + (I - U U^T) gU S^-1
                gus = gu / s[..., None, :]
                inner = inner + gus - u @ (u.mT @ gus)
            return inner @ vh
        gv = gvh.mT
        x = vh @ gv
        inner = s[..., :, None] * ((x - x.mT) / gap) @ vh
        if n > k:                        # + S^-1 gVh (I - V V^T)
            sgvh = gvh / s[..., :, None]
            inner = inner + sgvh - (sgvh @ vh.mT) @ vh
        return u @ inner


class SVDU(_Factor):
    """U of A = U diag(S) Vh; parts (U, S, Vh)."""
    __slots__ = ()
    index = 0

    def backward(self, g):
        return _svd_grad(self, g, None, None),


class SVDS(_Factor):
    """The singular values S (descending); d: U diag(gS) Vh."""
    __slots__ = ()
    index = 1

    def backward(self, g):
        return _svd_grad(self, None, g, None),


class SVDVh(_Factor):
    """Vh of A = U diag(S) Vh; parts (U, S, Vh)."""
    __slots__ = ()
    index = 2

    def backward(self, g):
        return _svd_grad(self, None, None, g),


SVDU.siblings = SVDS.siblings = SVDVh.siblings = (SVDU, SVDS, SVDVh)


_QR_MODES = ("reduced", "complete", "r")


def qr(A, mode="reduced"):
    """(Q, R) with A = QR of each matrix (..., m, n), k = min(m, n): mode "reduced" Q
    (..., m, k), R (..., k, n); "complete" Q (..., m, m), R (..., m, n); "r" R only (Q an
    empty tensor; no gradient). Not differentiable for "complete" with m > n (as PyTorch)."""
    if mode not in _QR_MODES:
        raise ArgumentError(f"linalg.qr: mode must be one of {_QR_MODES}, got {mode!r}")
    a = _matrices("linalg.qr", A)
    parts = _qr_parts(a.data, mode) + (mode,)
    q = Tensor(np.zeros(0, a.data.dtype)) if mode == "r" else apply1(QRQ, a, parts)
    return _QR(q, apply1(QRR, a, parts))


@public(name="qr", method=True)
def qr_some(input, some=True) -> tuple[Tensor, ...]:
    """torch.qr: linalg.qr(input, "reduced" if some else "complete"), as (Q, R)."""
    q, r = qr(input, "reduced" if some else "complete")
    return _QRSome(q, r)


def eigh(A, UPLO="L"):
    """(eigenvalues, eigenvectors) of each symmetric matrix (..., n, n), from its lower
    (UPLO="L") or upper ("U") triangle: eigenvalues (..., n) ascending, eigenvectors the
    columns of (..., n, n). The gradient is symmetric; see the module's note on repeated
    eigenvalues."""
    a = _hermitian("linalg.eigh", A, UPLO)
    parts = _eigh_parts(a.data, UPLO)
    return _Eigh(apply1(EighValues, a, parts), apply1(EighVectors, a, parts))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (..., n), ascending, of each symmetric matrix (..., n, n) (its lower
    or upper triangle, UPLO "L" / "U"); d: V diag(gL) V^T, finite at repeated ones."""
    a = _hermitian("linalg.eigvalsh", A, UPLO)
    return apply1(EighValues, a, _eigh_parts(a.data, UPLO))


def _hermitian(op, a, uplo):
    if uplo not in ("L", "U"):
        raise ArgumentError(f"{op}: UPLO must be 'L' or 'U', got {uplo!r}")
    return _square(op, a)


def svd(A, full_matrices=True):
    """(U, S, Vh) with A = U diag(S) Vh of each matrix (..., m, n), k = min(m, n): S
    (..., k) descending; U (..., m, m) and Vh (..., n, n) if `full_matrices`, else (..., m, k)
    and (..., k, n). LinAlgError if it does not converge (non-finite input). See the
    module's note on repeated singular values."""
    a = _matrices("linalg.svd", A)
    parts = _svd_parts(a.data, full_matrices)
    return _SVD(*(apply1(cls, a, parts) for cls in SVDU.siblings))


def svdvals(A):
    """The singular values (..., min(m, n)) of each matrix (..., m, n), descending; d: U
    diag(gS) Vh, finite at repeated ones."""
    a = _matrices("linalg.svdvals", A)
    return apply1(SVDS, a, _svd_parts(a.data, False))


@public(name="svd", method=True)
def svd_v(input, some=True, compute_uv=True) -> tuple[Tensor, ...]:
    """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not Vh); `some` is not full_matrices.
    compute_uv=False: U and V are zeros (..., m, m) and (..., n, n), as PyTorch's."""
    a = _matrices("svd", input)
    if not compute_uv:
        *batch, m, n = a.data.shape
        return _SVDV(Tensor(np.zeros((*batch, m, m), a.data.dtype)), svdvals(a),
                     Tensor(np.zeros((*batch, n, n), a.data.dtype)))
    u, s, vh = svd(a, full_matrices=not some)
    return _SVDV(u, s, vh.mT)
