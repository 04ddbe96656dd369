"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril), as
``torch.distributions.MultivariateNormal``: everything goes through the lower Cholesky
factor L of the covariance (given, or factored once)."""
import math

import numpy as np

from .. import linalg
from ..creation import eye
from ..errors import ArgumentError, ShapeError
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, standard_normal


def _batch_mahalanobis(L, x):
    """x^T (L L^T)^-1 x over the broadcast batch of L (..., n, n) and x (..., n)."""
    n = x.shape[-1]
    shape = tuple(np.broadcast_shapes(tuple(L.shape[:-2]), tuple(x.shape[:-1])))
    y = linalg.solve_triangular(L.expand(shape + (n, n)), x.expand(shape + (n,)).unsqueeze(-1),
                                upper=False)
    return (y.squeeze(-1) ** 2).sum(-1)


def _precision_to_scale_tril(P):
    """The lower Cholesky factor of P^-1 from P's, without inverting P (PyTorch's)."""
    Lf = linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    return linalg.solve_triangular(L_inv, eye(P.shape[-1], dtype=P.dtype), upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of loc's last dim n, with exactly one of
    `covariance_matrix` (Sigma), `precision_matrix` (Sigma^-1) or `scale_tril` (L, lower
    triangular with a positive diagonal, Sigma = L L^T); batch shapes broadcast.
    rsample is loc + L eps; log p(x) = -(n log 2 pi + |L^-1 (x - loc)|^2) / 2 - log|L|."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.ndim < 1:
            raise ArgumentError(f"MultivariateNormal: loc must be at least one-dimensional, "
                                f"got shape {tuple(loc.shape)}")
        given = {k: v for k, v in (("covariance_matrix", covariance_matrix),
                                   ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)) if v is not None}
        if len(given) != 1:
            raise ArgumentError("MultivariateNormal: exactly one of covariance_matrix or "
                                "precision_matrix or scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.ndim < 2:
            raise ShapeError(f"MultivariateNormal: {name} matrix must be at least "
                             f"two-dimensional, with optional leading batch dimensions; got "
                             f"shape {tuple(matrix.shape)}")
        n = loc.shape[-1]
        if tuple(matrix.shape[-2:]) != (n, n):
            raise ShapeError(f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} "
                             f"does not fit loc of shape {tuple(loc.shape)}: expected "
                             f"(..., {n}, {n})")
        batch_shape = tuple(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        self.__dict__[name] = matrix.expand(batch_shape + (n, n))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._expanded(batch_shape, {"loc": 1, "covariance_matrix": 2,
                                           "precision_matrix": 2, "scale_tril": 2}, _instance)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-2, -1)).expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def precision_matrix(self):
        return self._unbroadcasted_scale_tril.cholesky_inverse().expand(
            self._batch_shape + self._event_shape * 2)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return (self._unbroadcasted_scale_tril ** 2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self):
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return h if not self._batch_shape else h.expand(self._batch_shape)
