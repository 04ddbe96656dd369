"""Gamma, Beta and Dirichlet, as torch.distributions'. Their log-densities and entropies
use lgamma and digamma, whose values come from SciPy (``pip install
'gradgraph[special]'``): without it these methods raise MissingDependencyError.

No rsample: PyTorch differentiates its gamma draws by implicit reparameterisation
(d sample / d concentration from the CDF, by its own series and asymptotic
approximations); here ``has_rsample`` is False and rsample raises NotImplementedError,
so a model needing gradients through these draws must use a score-function estimator
(log_prob of a ``sample()``)."""

import numpy as np

from .. import creation
from ..functions.shapes import stack
from ..errors import ArgumentError
from ..functions import where
from ..graph import _wrap
from ..ops.transcendental import scipy_special
from ..special import gammainc
from . import constraints
from .distribution import Distribution
from .utils import batch_shape_of, broadcast_all


def _needs_scipy(dist, method):
    scipy_special(f"{type(dist).__name__}.{method}")


def standard_gamma(concentration, shape):
    """Gamma(concentration, 1) draws of `shape` from the default generator, clamped to
    the dtype's tiny (as PyTorch), without gradient."""
    a = np.broadcast_to(concentration.data, shape)
    draws = creation.default_generator().standard_gamma(a)
    dtype = concentration.data.dtype
    return _wrap(np.maximum(draws, np.finfo(dtype).tiny).astype(dtype, copy=False), None)


class Gamma(Distribution):
    """Gamma(concentration, rate), both > 0: log p(x) = a log b + (a - 1) log x - b x -
    lgamma(a) on x >= 0. Needs SciPy for log_prob, entropy and cdf."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(batch_shape_of(self.concentration.shape, concentration, rate),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(batch_shape, {"concentration": 0, "rate": 0}, _instance)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration, shape) / self.rate.detach().expand(shape)

    def log_prob(self, value):
        _needs_scipy(self, "log_prob")
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        return a.xlogy(b) + (a - 1).xlogy(value) - b * value - a.lgamma()

    def entropy(self):
        _needs_scipy(self, "entropy")
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    def cdf(self, value):
        """gammainc(concentration, rate * value): no derivative in the concentration, as
        PyTorch (which refuses it at backward; here a concentration requiring grad is
        refused at the call with NotDifferentiableError: pass it detached)."""
        _needs_scipy(self, "cdf")
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)


class Dirichlet(Distribution):
    """Dirichlet(concentration) over the simplex of the last dim (K = its size), each
    concentration > 0: log p(x) = sum (a_i - 1) log x_i + lgamma(sum a) - sum lgamma(a_i).
    Needs SciPy for log_prob and entropy."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        if concentration.ndim < 1:
            raise ArgumentError(f"Dirichlet: `concentration` parameter must be at least "
                                f"one-dimensional, got shape {tuple(concentration.shape)}")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(batch_shape, {"concentration": 1}, _instance)

    def sample(self, sample_shape=()):
        g = standard_gamma(self.concentration, self._extended_shape(sample_shape))
        return (g / g.sum(-1, keepdim=True)).clamp(min=float(np.finfo(g.data.dtype).tiny),
                                                    max=1 - float(np.finfo(g.data.dtype).eps))

    def log_prob(self, value):
        _needs_scipy(self, "log_prob")
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (a - 1.0).xlogy(value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        am1 = (self.concentration - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):          # 0/0 where every concentration < 1
            mode = am1 / am1.sum(-1, True)
        below = (self.concentration < 1).all(-1, keepdim=True)
        k = self.concentration.shape[-1]
        corner = creation.eye(k, dtype=mode.dtype)[mode.detach().argmax(-1)]
        return where(below, corner, mode)

    @property
    def variance(self):
        a0 = self.concentration.sum(-1, True)
        return self.concentration * (a0 - self.concentration) / (a0 ** 2 * (a0 + 1))

    def entropy(self):
        _needs_scipy(self, "entropy")
        a = self.concentration
        k, a0 = a.shape[-1], a.sum(-1)
        return (a.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((a - 1.0) * a.digamma()).sum(-1))


class Beta(Distribution):
    """Beta(concentration1, concentration0), both > 0, on [0, 1]: the first coordinate of
    Dirichlet([concentration1, concentration0]). Needs SciPy for log_prob and entropy."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(batch_shape_of(self._dirichlet.batch_shape, concentration1,
                                     concentration0), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def sample(self, sample_shape=()):
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value):
        _needs_scipy(self, "log_prob")
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        _needs_scipy(self, "entropy")
        return self._dirichlet.entropy()
