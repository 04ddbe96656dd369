"""Bernoulli(p): 1 with probability p, as ``torch.distributions.Bernoulli``."""

from ..creation import arange
from ..errors import ArgumentError
from ..functions import where
from ..sampling import bernoulli
from . import constraints
from .distribution import Distribution
from .utils import (batch_shape_of, broadcast_all, lazy_property, logits_to_probs,
                    probs_to_logits)


def one_of(name, probs, logits):
    """The one parameter given of `probs` and `logits`, or ArgumentError naming `name`."""
    if (probs is None) == (logits is None):
        raise ArgumentError(f"{name}: either `probs` or `logits` must be specified, but "
                            f"not both.")
    return (probs, "probs") if probs is not None else (logits, "logits")


class BinaryProbs:
    """`probs` and `logits` of a two-outcome family, each made lazily from the other
    (the one given is in the instance's ``__dict__`` and in ``_param``)."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape


class Bernoulli(BinaryProbs, Distribution):
    """1 with probability `probs` (in [0, 1]), or sigmoid(`logits`); exactly one of the two.
    log p(x) = x * logits - softplus(logits); no rsample (the draws are discrete)."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        value, name = one_of("Bernoulli", probs, logits)
        (param,) = broadcast_all(value)
        self.__dict__[name] = param
        self._param = param
        super().__init__(batch_shape_of(param.shape, value), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expanded(batch_shape, {"probs": 0, "logits": 0}, _instance)
        new._param = new.__dict__["probs" if "probs" in new.__dict__ else "logits"]
        return new

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        probs = self.probs.detach()
        mode = (probs >= 0.5).to(probs.dtype)
        return where(probs == 0.5, float("nan"), mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return bernoulli(self.probs.detach().expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - logits.softplus()

    def entropy(self):
        return self.logits.softplus() - self.probs * self.logits

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
