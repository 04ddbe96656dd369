"""``autograd.distributions``, as ``torch.distributions``: families of probability
distributions with batch and event shapes, ``sample`` / ``rsample`` (reparameterised:
gradients reach the parameters) from the default generator, ``log_prob``, ``entropy``,
moments, ``cdf`` / ``icdf``, validation of arguments, and ``kl_divergence``."""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import Normal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "constraints",
           "kl_divergence", "register_kl"]
