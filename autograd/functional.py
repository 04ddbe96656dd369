"""Higher-level derivatives as in ``torch.autograd.functional``: jacobian, hessian,
vjp, jvp (by the double-vjp trick) and hvp. All are built on ``grad``."""
import numpy as np

from .backprop import grad
from .functions import cat, stack
from .graph import _wrap


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """The inputs func is called on: fresh leaves, or, with `create_graph`, a differentiable
    alias of an input that requires grad, so the result's graph reaches the caller's input
    (as PyTorch: a penalty on a jacobian trains what the input came from)."""
    return tuple(x.view(x.shape) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(True) for x in inputs)


def _result(out, create_graph):
    return out if create_graph else out.detach()


def vjp(func, inputs, v=None, create_graph=False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`."""
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    out = func(*xs)
    gs = grad(out, xs, v, create_graph=create_graph, materialize_grads=True)
    return _result(out, create_graph), (gs if multi else gs[0])


def jvp(func, inputs, v=None, create_graph=False):
    """(func(inputs), J v): computed as the vjp of a vjp, so one backward pass each."""
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    vs = _tuple(v)[0] if v is not None else tuple(_wrap(np.ones_like(x.data), None) for x in xs)
    out = func(*xs)
    u = _wrap(np.zeros_like(out.data), None).requires_grad_(True)
    gs = grad(out, xs, u, create_graph=True, allow_unused=True)
    pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None and g.requires_grad]
    if not pairs:
        return _result(out, create_graph), _wrap(np.zeros_like(out.data), None)
    (jv,) = grad([g for g, _ in pairs], [u], [vv for _, vv in pairs],
                 create_graph=create_graph, materialize_grads=True)
    return _result(out, create_graph), jv


def jacobian(func, inputs, create_graph=False):
    """d func(inputs) / d inputs, of shape out.shape + input.shape (one per input)."""
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    out = func(*xs)
    if out._node is None:                # out does not depend on the inputs
        zeros = tuple(_wrap(np.zeros(out.shape + x.shape, out.dtype), None) for x in xs)
        return zeros if multi else zeros[0]
    rows = [[] for _ in xs]
    for k in range(out.data.size):
        e = np.zeros(out.data.size, out.data.dtype)
        e[k] = 1.0
        gs = grad(out, xs, _wrap(e.reshape(out.shape), None), retain_graph=True,
                  create_graph=create_graph, materialize_grads=True)
        for r, g in zip(rows, gs):
            r.append(g)
    jac = tuple(stack(r).reshape(out.shape + x.shape) for r, x in zip(rows, xs))
    return jac if multi else jac[0]


def hessian(func, inputs, create_graph=False):
    """Second derivatives of a scalar func: jacobian of its gradient."""
    xs, multi = _tuple(inputs)

    def gradient(*ys):
        gs = grad(func(*ys), ys, create_graph=True, materialize_grads=True)
        return cat([g.reshape(-1) for g in gs])

    flat = jacobian(gradient, xs, create_graph)
    sizes = [x.data.size for x in xs]
    offs = np.cumsum([0] + sizes)
    blocks = tuple(tuple(flat[j][offs[i]:offs[i + 1]].reshape(xs[i].shape + xs[j].shape)
                         for j in range(len(xs))) for i in range(len(xs)))
    return blocks if multi else blocks[0][0]


def hvp(func, inputs, v, create_graph=False):
    """(func(inputs), H v) for scalar func, by differentiating <grad, v>."""
    xs, multi = _tuple(inputs)
    vs, _ = _tuple(v)
    xs = _prepare(xs, create_graph)
    out = func(*xs)
    gs = grad(out, xs, create_graph=True, materialize_grads=True)
    dot = None
    for g, vv in zip(gs, vs):
        term = (g * vv).sum()
        dot = term if dot is None else dot + term
    if dot.requires_grad:
        hv = grad(dot, xs, create_graph=create_graph, materialize_grads=True)
    else:                                 # func is linear: the Hessian is zero
        hv = tuple(_wrap(np.zeros_like(x.data), None) for x in xs)
    return _result(out, create_graph), (hv if multi else hv[0])

