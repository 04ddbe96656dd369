"""``backward`` and ``grad``: the public entry points to the engine."""
import numpy as np

from .engine import run_backward
from .errors import ArgumentError, GraphError, ShapeError
from .graph import _wrap
from .tensor import Tensor


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs, grad_outputs, op):
    roots, grads = [], []
    grad_outputs = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ArgumentError(f"{op}: got {len(outputs)} outputs but {len(grad_outputs)} gradients")
    for out, g in zip(outputs, grad_outputs):
        if out._node is None:
            raise GraphError(f"{op}: element of shape {out.shape} does not require grad and "
                             f"has no grad_fn; was it computed under no_grad(), or from "
                             f"tensors without requires_grad=True?")
        if g is None:
            if out.data.size != 1:
                raise GraphError(f"{op}: grad can be created implicitly only for scalar "
                                 f"outputs, but the output has shape {out.shape}; pass a "
                                 f"`gradient` of that shape (e.g. torch-style "
                                 f"out.backward(ones_like(out)))")
            shape, dtype = out.data.shape, out.data.dtype
            g = _wrap(np.array(1, dtype) if shape == () else np.ones(shape, dtype), None)
        else:
            g = g if isinstance(g, Tensor) else Tensor(np.asarray(g, out.data.dtype))
            if g.shape != out.shape:
                raise ShapeError(f"{op}: the gradient has shape {g.shape} but the output has "
                                 f"shape {out.shape}; they must match")
            if g.dtype != out.dtype:
                g = g.to(out.dtype)
        roots.append(out._node)
        grads.append(g)
    return roots, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's ``.grad`` (PyTorch semantics).

    Non-scalar outputs need `grad_tensors`. Saved buffers are freed unless
    `retain_graph` (default: `create_graph`). `inputs` limits accumulation to them."""
    outputs = _as_list(tensors)
    roots, grads = _root_grads(outputs, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    nodes = None
    if inputs is not None:
        nodes = []
        for t in _as_list(inputs):
            if t._node is None:
                raise GraphError(f"backward: an input of shape {t.shape} does not require grad")
            nodes.append(t._node)
    captured = run_backward(roots, grads, retain_graph, create_graph, nodes)
    for t in _as_list(inputs) if inputs is not None else ():
        g = captured.get(t._node)
        # leaves were accumulated by the engine, a retained gradient too (by its hook)
        if g is not None and not t.is_leaf and not t.retains_grad:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or t._node is None:
            raise GraphError(f"grad: input {i} (shape {getattr(t, 'shape', '?')}) does not "
                             f"require grad")
    roots, grads = _root_grads(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(roots, grads, retain_graph, create_graph,
                            [t._node for t in inputs], accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(t._node)
        if g is None:
            if materialize_grads:
                g = _wrap(np.zeros_like(t.data), None)
            elif not allow_unused:
                raise GraphError(f"grad: input {i} (shape {t.shape}) was not used to compute "
                                 f"the outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
