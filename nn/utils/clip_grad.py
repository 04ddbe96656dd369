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


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The `norm_type`-norm of `tensors` (e.g. the gradients) taken as one vector
    (``inf`` for the max-abs norm), as a 0-d Tensor of their dtype; 0 (float32) for
    none. `foreach` is accepted for PyTorch's signature (the same maths either way)."""
    arrays = [t.data if isinstance(t, Tensor) else np.asarray(t)
              for t in ([tensors] if isinstance(tensors, Tensor) else tensors) if t is not None]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(np.zeros((), np.float32))
    dtype = np.result_type(*[a.dtype for a in arrays])
    norms = np.array([np.linalg.vector_norm(a, ord=norm_type) for a in arrays], dtype)
    total = np.linalg.vector_norm(norms, ord=norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise NonFiniteNormError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients of "
            f"{len(arrays)} parameters is {total}, so they cannot be clipped. Set "
            f"error_if_nonfinite=False to scale them by the non-finite norm anyway")
    return Tensor(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Multiply the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``,
    `total_norm` computed beforehand (``get_total_norm``)."""
    _scale(_grads(parameters), max_norm, total_norm)


def _scale(grads, max_norm, total_norm):
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    dtype = np.result_type(*[g.data.dtype for g in grads])
    total = total.astype(dtype, copy=False)
    coef = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for g in grads:
        np.multiply(g.data, coef, out=g.data, casting="unsafe")
        mark_modified(g.data)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients so that their total norm is at most `max_norm`.

    The total norm is the `norm_type`-norm of all gradients taken as one vector (``inf``
    for the max-abs norm). Gradients are multiplied in place by
    ``min(1, max_norm / (total + 1e-6))``. Returns the total norm before clipping, as a
    0-d Tensor of the gradients' dtype."""
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale(grads, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g.data, -clip_value, clip_value, out=g.data)
        mark_modified(g.data)
