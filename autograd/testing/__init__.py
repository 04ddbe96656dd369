"""Gradient checks for your own code.

- ``check_grads(f, args, order=2, modes=("rev", "fwd"))``: derivatives of `f` (gradgraph or
  numpy code) against central differences, as JAX's ``check_grads``.
- ``assert_backward_matches(forward, backward, inputs, loss=..., wrt=...)``: a hand-written
  backward pass against gradgraph's gradient of the same numpy forward, with a diagnosis.
- ``assert_close(actual, expected)``: tensors or arrays equal within tolerances.
- ``autograd.testing.strategies``: hypothesis strategies (``tensors``, broadcastable
  shapes, values away from kinks); it imports hypothesis, which this module does not.
- A pytest plugin (``autograd.testing.pytest_plugin``, registered on install) with the
  fixtures ``gradcheck`` and ``check_grads``.
"""
from .backward import assert_backward_matches
from .check_grads import check_grads
from .close import assert_close

__all__ = ["assert_backward_matches", "assert_close", "check_grads"]
