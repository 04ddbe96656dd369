"""``autograd.distributions``, as ``torch.distributions``: families of probability
distributions with batch and event shapes, ``sample`` / ``rsample`` (reparameterised:
gradients reach the parameters) from the default generator, ``log_prob``, ``entropy``,
moments, ``cdf`` / ``icdf``, validation of arguments, and ``kl_divergence``.

Gamma, Beta, Dirichlet, Poisson and Binomial need SciPy (``gradgraph[special]``) for
their log-probabilities; Gamma, Beta and Dirichlet have no rsample (see gamma.py)."""
from . import constraints  # noqa: F401
from . import kl_pairs as _kl_pairs  # noqa: F401  (registers the rules)
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .continuous import Exponential, Laplace, LogNormal, Uniform
from .counts import Binomial, Poisson
from .distribution import Distribution
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
