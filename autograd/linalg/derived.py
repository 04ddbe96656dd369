"""What the factorizations give: det and slogdet (their gradients at a singular matrix
from the svd), pinv, matrix_exp, lstsq, householder_product, cross and multi_dot, with torch.linalg's
names; top-level ``det``, ``slogdet``, ``logdet``, ``pinverse``, ``matrix_exp`` (also
Tensor methods).

    d det(A) = g cof(A): det(A) inv(A)^T, or at a singular A det(U) det(Vh) U diag(p) Vh
               with p_i = prod_{j != i} S_j (PyTorch gives 0 at an exactly singular A,
               which is wrong at rank n - 1: d det(diag(1, 1, t)) / dt = 1); its second
               order there goes through the svd's rules: NaN where singular values repeat
    d log|det A| = g inv(A)^T = g cof(A) / det(A): +-inf or NaN at a singular A
    d pinv(A) = PyTorch's pinv_backward (Golub & Pereyra, the rank held fixed)
    d exp(A) = the upper right block of exp([[A^T, g], [0, A^T]]) (as PyTorch)

Each rule is written with matmul and these ops themselves: second order by construction."""
from collections import namedtuple
import math

import numpy as np

from ..errors import ArgumentError, DtypeError, ShapeError, describe
from ..functions import _t, matmul, where
from ..graph import Primitive, apply1
from ..jit.hooks import kernel
from ..products import cross as _cross
from ..public import public
from ..tensor import Tensor
from .basic import Inv, _matrices, _square
from .decomp import SVDU, _svd_parts

_Slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
_Lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_TAYLOR_DEGREE = 18


def _array(x):
    return x.data if isinstance(x, Tensor) else x


def _cofactors(a):
    """The cofactor matrix (adj(A)^T) of each square matrix, from its svd (arrays or,
    under create_graph, Tensors through the svd's primitives)."""
    parts = _svd_parts(_array(a), False)
    u, s, vh = (apply1(cls, a, parts) for cls in SVDU.siblings)
    eye = np.eye(s.shape[-1], dtype=s.dtype)
    others = (s[..., None, :] * (1 - eye) + eye).prod(-1)      # prod_{j != i} S_j
    sign = np.sign(np.linalg.det(parts[0]) * np.linalg.det(parts[2]))
    return (u * (others * sign[..., None])[..., None, :]) @ vh


class Det(Primitive):
    """det(A); d: g det(A) inv(A)^T, the cofactors from the svd if a matrix of the batch
    is singular. Keeps (A, det A): inputs()[0] is A."""
    __slots__ = ()

    def forward(self, a):
        d = np.linalg.det(a)
        self.saved = (a, d)
        return d

    def backward(self, g):
        a, d = self.inputs()[0], self.saved[1]
        if np.all(d != 0):
            return (g * self.output(d))[..., None, None] * apply1(Inv, a).mT,
        return g[..., None, None] * _cofactors(a),


@public(method=True)
def det(A):
    """The determinant of each square matrix (..., n, n): a tensor of shape (...)."""
    return apply1(Det, _square("linalg.det", A))


@kernel()
def _slogdet_parts(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


class LogAbsDet(Primitive):
    """log |det A|; d: g inv(A)^T, or g cof(A) / det(A) if a matrix of the batch is
    singular: +-inf where a cofactor is not 0, NaN where it is (PyTorch: inf and NaN too,
    in a pattern of its LU). Keeps (A, sign, log |det A|)."""
    __slots__ = ()

    def forward(self, a):
        sign, logabsdet = _slogdet_parts(a)
        self.saved = (a, sign, logabsdet)
        return logabsdet

    def backward(self, g):
        a, sign, logabsdet = self.inputs()[0], self.saved[1], self.saved[2]
        if np.all(sign != 0):
            return g[..., None, None] * apply1(Inv, a).mT,
        d = (sign * np.exp(logabsdet))[..., None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return g[..., None, None] * (_cofactors(a) / d),


@public(method=True)
def slogdet(A):
    """(sign, logabsdet) of det(A), each of shape (...): sign is -1, 0 or 1 (no gradient),
    logabsdet = log |det A| (-inf where A is singular)."""
    a = _square("linalg.slogdet", A)
    sign = _slogdet_parts(a.data)[0]
    return _Slogdet(Tensor(sign), apply1(LogAbsDet, a))


@public(method=True)
def logdet(A):
    """log det(A): NaN where det A < 0, -inf where A is singular (torch.logdet)."""
    sign, logabsdet = slogdet(A)
    bad = np.where(sign.data < 0, np.nan, 0.0).astype(logabsdet.data.dtype)
    return logabsdet + bad


@kernel()
def _pinv(a, atol, rtol, hermitian):
    if hermitian:
        vals, vecs = np.linalg.eigh(a)
        size = np.abs(vals)
    else:
        u, size, vh = np.linalg.svd(a, full_matrices=False)
    keep = _kept(size, atol, rtol)
    if hermitian:
        inverse = np.where(keep, 1 / np.where(keep, vals, 1), 0).astype(a.dtype)
        return (vecs * inverse[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    inverse = np.where(keep, 1 / np.where(keep, size, 1), 0).astype(a.dtype)
    return np.swapaxes(vh, -1, -2) * inverse[..., None, :] @ np.swapaxes(u, -1, -2)


class Pinv(Primitive):
    """pinv(A) from the svd (eigh if hermitian) with small singular values cut; d:
    PyTorch's pinv_backward, from A and pinv(A). Keeps (A, pinv A)."""
    __slots__ = ()

    def forward(self, a, atol, rtol, hermitian):
        p = _pinv(a, atol, rtol, hermitian)
        self.saved = (a, p)
        return p

    def backward(self, g):
        a, p = self.inputs()[0], self.output(self.saved[1])
        ph, gh = p.mT, g.mT
        if a.shape[-2] <= a.shape[-1]:
            k = gh @ p
            kph = k @ ph
            return -(p @ k).mT + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a),
        k = p @ gh
        phk = ph @ k
        return -(k @ p).mT + (gh - a @ k) @ p @ ph + phk - phk @ p @ a,


def _kept(size, atol, rtol):
    """Which singular values (absolute eigenvalues) `size` (..., k) count: those above
    max(atol, rtol * the largest), atol and rtol of the batch's shape."""
    top = size.max(-1, keepdims=True) if size.shape[-1] else np.zeros(size.shape[:-1] + (1,))
    return size > np.maximum(atol[..., None], rtol[..., None] * top)


def _tolerances(a, atol, rtol, op):
    """atol and rtol as arrays of A's batch shape (numbers or Tensors; PyTorch's defaults:
    atol 0, rtol eps * max(m, n), or 0 when atol > 0 is given)."""
    if rtol is None:
        positive = atol is not None and np.all(_array(atol) > 0)
        rtol = 0.0 if positive else np.finfo(a.data.dtype).eps * max(a.data.shape[-2:])
    out = []
    for value in (0.0 if atol is None else atol, rtol):
        value = np.asarray(_array(value), dtype=a.data.dtype)
        try:
            out.append(np.broadcast_to(value, a.data.shape[:-2]))
        except ValueError:
            raise ShapeError(f"{op}: a tolerance of shape {value.shape} does not broadcast over "
                             f"the batch of A {describe(a.data)}") from None
    return out


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The pseudo-inverse (..., n, m) of each matrix (..., m, n): singular values (absolute
    eigenvalues if `hermitian`, reading A's lower triangle) at or below max(atol, rtol *
    the largest) count as zero; rtol defaults to eps * max(m, n), or 0 when atol > 0 is
    given (as torch.linalg.pinv). The gradient holds the rank fixed."""
    a = (_square if hermitian else _matrices)("linalg.pinv", A)
    return apply1(Pinv, a, *_tolerances(a, atol, rtol, "linalg.pinv"), hermitian)


@public(method=True)
def pinverse(input, rcond=1e-15):
    """torch.pinverse: linalg.pinv(input, rtol=rcond)."""
    return pinv(input, rtol=rcond)


@kernel()
def _expm(a):
    """exp of square matrices: the degree-18 Taylor polynomial of X = A / 2^s (||X||_1 <= 1/2,
    truncation below 1e-22) by Paterson-Stockmeyer, 7 products (X^2, X^3, X^4, then Horner
    in X^4 over blocks of four terms), squared s times; NaN where A is not finite."""
    size = np.abs(a).sum(-2).max() if a.size else 0.0
    if not np.isfinite(size):
        return np.full_like(a, np.nan)
    s = max(0, math.ceil(math.log2(size / 0.5))) if size > 0.5 else 0
    x = a * a.dtype.type(0.5 ** s)
    powers = [np.eye(a.shape[-1], dtype=a.dtype), x, x @ x]
    powers.append(powers[2] @ x)
    fourth = powers[2] @ powers[2]
    coef = [1.0 / math.factorial(k) for k in range(_TAYLOR_DEGREE + 1)]
    out = None
    for j in range(_TAYLOR_DEGREE // 4, -1, -1):
        block = sum(a.dtype.type(coef[4 * j + i]) * powers[i]
                    for i in range(4) if 4 * j + i <= _TAYLOR_DEGREE)
        out = block if out is None else out @ fourth + block
    for _ in range(s):
        out = out @ out
    return out


def _rows(c, x):
    """c @ x for a constant matrix c (an array) and x an array or Tensor."""
    return (x.mT @ c.T).mT


class MatrixExp(Primitive):
    """exp(A); d: exp([[A^T, g], [0, A^T]])[:n, n:] (the adjoint of the Frechet
    derivative)."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, a):
        return _expm(a)

    def backward(self, g):
        (a,) = self.inputs()
        n = a.shape[-1]
        top, bottom = np.eye(2 * n, n, dtype=g.dtype), np.eye(2 * n, n, -n, dtype=g.dtype)
        at = a.mT
        block = _rows(top, at @ top.T + g @ bottom.T) + _rows(bottom, at @ bottom.T)
        return apply1(MatrixExp, block)[..., :n, n:],


@public(method=True)
def matrix_exp(A):
    """exp(A) = sum_k A^k / k! of each square matrix (..., n, n)."""
    return apply1(MatrixExp, _square("linalg.matrix_exp", A))


def lstsq(A, B, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B|| for A (..., m, n) and
    B (..., m, k) (or (m,)), batch dims broadcast: solution = pinv(A) B (the minimum-norm
    one; its gradient is pinv's, as PyTorch's). As torch.linalg.lstsq's drivers: rank for
    'gelsy' (the default), 'gelsd', 'gelss'; the singular values for 'gelsd' and 'gelss';
    the squared residuals per column for every driver but 'gelsy' when m > n and each A
    has full rank; an empty tensor otherwise."""
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise ArgumentError(f"linalg.lstsq: driver must be one of 'gels', 'gelsy', 'gelsd', "
                            f"'gelss', got {driver!r}")
    a, b = _matrices("linalg.lstsq", A), _t(B)
    if b.data.dtype != a.data.dtype:
        raise DtypeError(f"linalg.lstsq: expected A and B of one dtype, got "
                         f"{describe(a.data, b.data)}")
    vector = b.data.ndim == 1
    b = b[:, None] if vector else b
    m, n = a.data.shape[-2:]
    if b.data.ndim < 2 or b.data.shape[-2] != m:
        raise ShapeError(f"linalg.lstsq: A (..., m, n) and B (..., m, k) do not match, got "
                         f"{describe(a.data, b.data)}")
    driver = driver or "gelsy"
    eps = np.finfo(a.data.dtype).eps
    rcond = eps * max(m, n) if rcond is None or rcond < 0 else rcond
    solution = pinv(a) @ b
    empty = Tensor(np.zeros(0, a.data.dtype))
    values = np.linalg.svd(a.data, compute_uv=False)
    rank = (values > rcond * values[..., :1]).sum(-1) if values.shape[-1] else \
        np.zeros(a.data.shape[:-2], np.int64)
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = ((a @ solution - b) ** 2).sum(-2)
    return _Lstsq(solution[..., 0] if vector else solution,
                  residuals,
                  empty.long() if driver == "gels" else Tensor(np.asarray(rank, np.int64)),
                  Tensor(values) if driver in ("gelsd", "gelss") else empty)


def householder_product(A, tau):
    """The first n columns of H_1 ... H_k for A (..., m, n), m >= n, and tau (..., k),
    k <= n: H_i = I - tau_i v_i v_i^T, v_i column i of A below the diagonal with 1 on it
    (as torch.linalg.householder_product, LAPACK's orgqr); reflections applied in turn."""
    a, tau = _matrices("linalg.householder_product", A), _t(tau)
    (m, n), k = a.data.shape[-2:], tau.data.shape[-1] if tau.data.ndim else -1
    if tau.data.ndim != a.data.ndim - 1 or not m >= n >= k or \
            tau.data.shape[:-1] != a.data.shape[:-2]:
        raise ShapeError(f"linalg.householder_product: expected A (..., m, n) and tau (..., k) "
                         f"with m >= n >= k and one batch, got {describe(a.data, tau.data)}")
    if tau.data.dtype != a.data.dtype:
        raise DtypeError(f"linalg.householder_product: expected A and tau of one dtype, got "
                         f"{describe(a.data, tau.data)}")
    eye = np.eye(m, n, dtype=a.data.dtype)
    below = a.tril(-1) + eye
    q = where(np.zeros(a.data.shape, bool), a, eye)       # in A's graph: k = 0 gives I
    for i in range(k - 1, -1, -1):
        v = below[..., :, i:i + 1]                                  # (..., m, 1)
        q = q - (v * tau[..., i:i + 1, None]) @ (v.mT @ q)
    return q


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along `dim` (-1 by default, not torch.cross's first dim
    of size 3); the inputs broadcast."""
    return _cross(input, other, dim)


def multi_dot(tensors):
    """tensors[0] @ tensors[1] @ ... in the order of fewest multiplications (as numpy and
    PyTorch); the first may be a vector (a row), the last a vector (a column), the others
    are matrices."""
    ts = [_t(t) for t in tensors]
    if len(ts) < 2:
        raise ArgumentError(f"linalg.multi_dot: expected at least 2 tensors, got {len(ts)}")
    first, last = ts[0].data.ndim == 1, ts[-1].data.ndim == 1
    mats = [ts[0][None] if first else ts[0], *ts[1:-1], ts[-1][:, None] if last else ts[-1]]
    for i, t in enumerate(mats):
        if t.data.ndim != 2:
            raise ShapeError(f"linalg.multi_dot: tensor {i} must be 2-d (the first and last may "
                             f"be 1-d), got {describe(*(t.data for t in ts))}")
        if t.data.dtype != mats[0].data.dtype:
            raise DtypeError(f"linalg.multi_dot: expected one dtype, got "
                             f"{describe(*(t.data for t in ts))}")
    dims = [mats[0].data.shape[0]] + [t.data.shape[1] for t in mats]
    for i in range(len(mats) - 1):
        if mats[i].data.shape[1] != mats[i + 1].data.shape[0]:
            raise ShapeError(f"linalg.multi_dot: tensors {i} and {i + 1} cannot be multiplied, "
                             f"got {describe(*(t.data for t in ts))}")
    out = _chain(mats, _chain_order(dims), 0, len(mats) - 1)
    out = out[0] if first else out
    return out[..., 0] if last else out


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (dynamic programming)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return matmul(_chain(mats, split, i, k), _chain(mats, split, k + 1, j))
