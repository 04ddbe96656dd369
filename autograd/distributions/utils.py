"""Helpers of the distributions: parameters broadcast together, probabilities and logits
turned into each other, and the standard draws from the default generator."""
import numbers

import numpy as np

from .. import creation
from ..errors import ArgumentError
from ..graph import _wrap
from ..functions.shapes import broadcast_tensors
from ..tensor import Tensor, get_default_dtype


def broadcast_all(*values):
    """The values (Tensors or numbers) as Tensors of one broadcast shape, as
    ``torch.distributions.utils.broadcast_all``: numbers take the first Tensor's dtype,
    or the default dtype."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ArgumentError("Input arguments must all be instances of numbers.Number or "
                            f"Tensor, got {[type(v).__name__ for v in values]}")
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0].dtype if tensors else get_default_dtype()
    values = [v if isinstance(v, Tensor) else creation.tensor(v, dtype=dtype) for v in values]
    return tuple(broadcast_tensors(*values)) if len(values) > 1 else tuple(values)


class lazy_property:
    """A property computed on first read and then kept in the instance's ``__dict__``
    (Bernoulli's logits when made from probs): ``arg_constraints`` skips it until read."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def batch_shape_of(shape, *given):
    """A distribution's batch shape: () if every given parameter is a Python number (PyTorch
    gives those a batch shape of ()), else `shape`, that of the broadcast parameters."""
    return () if all(isinstance(g, numbers.Number) for g in given) else shape


def clamp_probs(probs):
    """`probs` clamped to [eps, 1 - eps] of its dtype."""
    eps = float(np.finfo(probs.data.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (or log p - log(1 - p) if `is_binary`), with p clamped away from 0 and 1."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) if `is_binary`, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def standard_normal(shape, like):
    """N(0, 1) draws of `shape` in `like`'s dtype, from the default generator."""
    return creation.randn(shape, dtype=like.dtype)


def standard_uniform(shape, like):
    """U[0, 1) draws of `shape` in `like`'s dtype, from the default generator."""
    return creation.rand(shape, dtype=like.dtype)


def standard_exponential(shape, like):
    """Exp(1) draws of `shape` in `like`'s dtype, from the default generator."""
    draws = creation.default_generator().exponential(1.0, shape)
    return _wrap(draws.astype(like.data.dtype, copy=False), None)
