"""Gradient clipping, in place on ``p.grad``, with PyTorch's semantics."""
import numpy as np

from autograd import Tensor
from autograd.errors import GradgraphError
from autograd.graph import mark_modified


class NonFiniteNormError(GradgraphError, RuntimeError):
    """clip_grad_norm_(..., error_if_nonfinite=True) met a NaN or infinite total norm."""


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients so that their total norm is at most `max_norm`.

    The total norm is the `norm_type`-norm of all gradients taken as one vector (``inf``
    for the max-abs norm). Gradients are multiplied in place by
    ``min(1, max_norm / (total + 1e-6))``. Returns the total norm before clipping, as a
    0-d Tensor of the gradients' dtype."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.zeros((), np.float32))
    dtype = np.result_type(*[g.data.dtype for g in grads])
    norms = np.array([np.linalg.vector_norm(g.data, ord=norm_type) for g in grads], dtype)
    total = np.linalg.vector_norm(norms, ord=norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise NonFiniteNormError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients of "
            f"{len(grads)} parameters is {total}, so they cannot be clipped. Set "
            f"error_if_nonfinite=False to scale them by the non-finite norm anyway")
    coef = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for g in grads:
        np.multiply(g.data, coef, out=g.data)
        mark_modified(g.data)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g.data, -clip_value, clip_value, out=g.data)
        mark_modified(g.data)
