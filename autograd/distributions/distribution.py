"""``Distribution``, the base of the families, as ``torch.distributions.Distribution``:
batch and event shapes, validation of parameters and values against their constraints,
and sample (no gradient) from rsample (reparameterised) where a family has one."""
import math

from ..errors import ArgumentError, ShapeError
from ..grad_mode import no_grad
from ..tensor import Tensor
from . import constraints
from .utils import lazy_property


def _shape(size):
    return tuple(int(n) for n in size)


class Distribution:
    """A batch of probability distributions of one family: `batch_shape` independent
    ones, each over values of `event_shape`.

    With ``validate_args`` (the default, as PyTorch's: off under ``python -O``, or with
    ``Distribution.set_default_validate_args(False)``) the parameters are checked against
    ``arg_constraints`` on construction and the values given to ``log_prob`` / ``cdf``
    against ``support`` and the shapes; a failure raises ArgumentError (a ValueError)
    naming the distribution, the argument and its shape."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn validation on (True) or off (False) for distributions made after."""
        if value not in (True, False):
            raise ArgumentError(f"set_default_validate_args: expected True or False, got "
                                f"{value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = _shape(batch_shape), _shape(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param),
                                                             lazy_property):
                    continue                         # made lazily from the other parameter
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ArgumentError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        """This distribution with its parameters expanded to `batch_shape` (no copy, and
        no validation again)."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def arg_constraints(self):
        """{parameter name: the constraint its values must satisfy}."""
        raise NotImplementedError

    @property
    def support(self):
        """The constraint a value must satisfy to have a positive probability."""
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """Draws of shape sample_shape + batch_shape + event_shape, without gradient, from
        the default generator (``manual_seed`` repeats them; ``ag.compile`` redraws them)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """Reparameterised draws: a differentiable function of the parameters and of
        noise from the default generator (only where ``has_rsample``)."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample (has_rsample is "
                                  f"False): use sample(), which gives no gradient")

    def sample_n(self, n):
        return self.sample((n,))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand=True):
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  f"enumerate_support")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self):
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape."""
        return _shape(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """Refuse a `value` whose shape does not broadcast with batch_shape + event_shape
        or which is outside the support, as PyTorch."""
        if not isinstance(value, Tensor):
            raise ArgumentError(f"The value argument to log_prob must be a Tensor, got "
                                f"{type(value).__name__} ({type(self).__name__})")
        event_dim_start = value.ndim - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != self._event_shape:
            raise ShapeError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {self._event_shape} "
                             f"({type(self).__name__})")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(value.shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ShapeError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{tuple(value.shape)} vs {expected} ({type(self).__name__})")
        support = self.support
        if not bool(support.check(value).all()):
            raise ArgumentError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support!r}) of the "
                f"distribution {self!r}, but found invalid values:\n{value}")

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {type(self).__name__} of {cls.__name__} "
                                      f"that defines a custom __init__ method must also "
                                      f"define a custom .expand() method.")
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _expanded(self, batch_shape, names, _instance=None, event_shape=None):
        """`expand`'s common body: each parameter of `names` found in the instance
        expanded to batch_shape (+ its event dims), the shapes set, no validation."""
        cls = type(self)
        new = self._get_checked_instance(cls, _instance)
        batch_shape = _shape(batch_shape)
        for name, event_ndim in names.items():
            if name in self.__dict__:
                value = self.__dict__[name]
                tail = tuple(value.shape[value.ndim - event_ndim:]) if event_ndim else ()
                new.__dict__[name] = value.expand(batch_shape + tail)
        Distribution.__init__(new, batch_shape, self._event_shape if event_shape is None
                              else event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self):
        shown = {k: self.__dict__[k] for k in self.arg_constraints if k in self.__dict__}
        args = ", ".join(f"{k}: {v if v.numel() == 1 else tuple(v.shape)}"
                         for k, v in shown.items())
        return f"{type(self).__name__}({args})"


_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))
