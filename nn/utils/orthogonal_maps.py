"""``nn.utils.parametrizations.orthogonal``, as PyTorch's: a matrix (or batch) kept
orthogonal through the matrix exponential or the Cayley map of a skew-symmetric matrix,
or a product of Householder reflections, times the orthogonal ``base`` (buffer) of its
value at registration (``use_trivialization=True``). Their gradients (of every order)
come from the engine:

- ``matrix_exp``: autograd.linalg.matrix_exp.
- ``cayley``: (I + A/2)(I - A/2)^-1, the inverse two Newton steps X (2I - M X) from
  numpy's inverse as a constant: exact in value, and in first and second derivatives
  (the error after them is of fourth order in a change of M).
- ``householder``: autograd.linalg.householder_product.
"""
import numpy as np

from autograd import cat, eye, no_grad
from autograd.creation import default_generator
from autograd.errors import ArgumentError, ShapeError
from autograd.graph import _wrap
from autograd.linalg import householder_product, matrix_exp
from autograd.tensor import Tensor

from ..module import Module
from . import parametrize

def _inverse(m):
    """m^-1 of square matrices: two Newton steps from numpy's inverse (a constant)."""
    two = eye(m.shape[-1], dtype=m.dtype) * 2.0
    x = _wrap(np.linalg.inv(m.data), None)
    for _ in range(2):
        x = x @ (two - m @ x)
    return x


def _make_orthogonal(a):
    """The Q of a = QR (numpy's QR) with diag(R) made positive: an array."""
    q, r = np.linalg.qr(a)
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _is_orthogonal(q):
    n, k = q.shape[-2:]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    return np.allclose(np.swapaxes(q, -1, -2) @ q, np.eye(k), rtol=1e-5, atol=eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:                               # embedded in a square matrix
                X = cat([X, _wrap(np.zeros(X.shape[:-1] + (n - k,), X.dtype), None)], -1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype)
                Q = (identity + A * 0.5) @ _inverse(identity - A * 0.5)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = householder_product(A, tau)
            Q = Q * _wrap(np.diagonal(X.data, axis1=-2, axis2=-1).astype(np.int32)[..., None, :]
                          .astype(Q.dtype), None)
        base = self._buffers.get("base")
        if base is not None:
            Q = base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ShapeError(f"orthogonal: expected a matrix or batch of matrices of shape "
                             f"{self.shape}, got a tensor of shape {Q.shape}")
        with no_grad():
            q = Q.data
            transpose = q.shape[-2] < q.shape[-1]
            if transpose:
                q = np.swapaxes(q, -1, -2)
            n, k = q.shape[-2:]
            if "base" not in self._buffers:
                if self.orthogonal_map != "householder":
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False.")
                h, tau = np.linalg.qr(q, mode="raw")              # LAPACK's geqrf
                a = np.swapaxes(h, -1, -2).copy()
                diag = np.einsum("...ii->...i", a[..., :k, :k])
                diag[...] = np.sign(diag) * np.where(tau == 0.0, -1.0, 1.0)
                return _wrap(np.swapaxes(a, -1, -2) if transpose else a, None)
            if n == k:
                base = q.copy() if _is_orthogonal(q) else _make_orthogonal(q)
            else:                                  # completed to an n x n orthogonal matrix
                extra = default_generator().standard_normal(q.shape[:-1] + (n - k,))
                base = _make_orthogonal(np.concatenate([q, extra.astype(q.dtype)], -1))
            self.base = _wrap(base.astype(q.dtype), None)
            neg_identity = np.zeros(Q.shape, Q.dtype)
            np.einsum("...ii->...i", neg_identity[..., :min(Q.shape[-2:]),
                                                  :min(Q.shape[-2:])])[...] = -1.0
            return _wrap(neg_identity, None)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Keep ``module.<name>`` (a matrix or batch of matrices) orthogonal (its columns
    orthonormal, or its rows if it is wide): `orthogonal_map` 'matrix_exp' (the default
    for square ones), 'cayley' or 'householder' (the default otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ArgumentError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ShapeError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1]
                          else "householder")
    if orthogonal_map not in ("matrix_exp", "cayley", "householder"):
        raise ArgumentError(f'orthogonal_map has to be one of "matrix_exp", "cayley", '
                            f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
