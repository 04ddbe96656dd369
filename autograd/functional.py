"""Higher-level derivatives as in ``torch.autograd.functional``: jacobian, hessian,
vjp, jvp (by the double-vjp trick), hvp and vhp. All are built on ``grad``. As in
PyTorch, `inputs` and func's outputs may each be one tensor or a tuple of them, and
``strict=True`` refuses an output that does not depend on an input."""
import numpy as np

from .backprop import grad
from .errors import GraphError
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


def _result(outs, multi, create_graph):
    outs = outs if create_graph else tuple(o.detach() for o in outs)
    return outs if multi else outs[0]


def _zeros(x):
    return _wrap(np.zeros_like(x.data), None)


def _grads(op, outs, xs, vs, strict, **kwargs):
    """grad(outs, xs, vs) with an input no output depends on given zeros, or, if
    `strict`, refused naming `op` and the input, as PyTorch's strict mode."""
    live = [(o, v) for o, v in zip(outs, vs) if o._node is not None]
    gs = grad([o for o, _ in live], xs, [v for _, v in live], allow_unused=True,
              **kwargs) if live else (None,) * len(xs)
    if strict:
        for i, g in enumerate(gs):
            if g is None:
                raise GraphError(f"{op}: the outputs of the function are independent of input "
                                 f"{i} (shape {xs[i].shape}), which strict=True does not allow")
    return tuple(_zeros(x) if g is None else g for g, x in zip(gs, xs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs` (v may be None for
    a single output of one element)."""
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    outs, multi_out = _tuple(func(*xs))
    vs = _tuple(v)[0] if v is not None else (None,) * len(outs)
    gs = _grads("vjp", outs, xs, vs, strict, create_graph=create_graph)
    return _result(outs, multi_out, create_graph), (gs if multi else gs[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): computed as the vjp of a vjp, so one backward pass each."""
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    vs = _tuple(v)[0] if v is not None else tuple(_wrap(np.ones_like(x.data), None) for x in xs)
    outs, multi_out = _tuple(func(*xs))
    us = tuple(_zeros(o).requires_grad_(True) for o in outs)
    gs = _grads("jvp", outs, xs, us, strict, create_graph=True)
    pairs = [(g, vv) for g, vv in zip(gs, vs) if g.requires_grad]
    if pairs:
        jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs], allow_unused=True,
                  create_graph=create_graph, materialize_grads=True)
    else:
        jv = tuple(_zeros(o) for o in outs)
    return _result(outs, multi_out, create_graph), (jv if multi_out else jv[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs, of shape output.shape + input.shape: one tensor, or a
    tuple over the inputs, or over the outputs (of tuples over the inputs), as PyTorch.
    `vectorize` changes nothing here (each row is one backward pass); only
    reverse mode."""
    if strategy != "reverse-mode":
        raise GraphError(f"jacobian: strategy {strategy!r} is not supported; gradgraph "
                         f"computes jacobians in 'reverse-mode'")
    xs, multi = _tuple(inputs)
    xs = _prepare(xs, create_graph)
    outs, multi_out = _tuple(func(*xs))
    jac = []
    for out in outs:
        rows = [[] for _ in xs]
        for k in range(out.data.size):
            e = np.zeros(out.data.size, out.data.dtype)
            e[k] = 1.0
            gs = _grads("jacobian", [out], xs, [_wrap(e.reshape(out.shape), None)], strict,
                        retain_graph=True, create_graph=create_graph)
            for r, g in zip(rows, gs):
                r.append(g)
        jac.append(tuple(stack(r).reshape(out.shape + x.shape) if r else
                         _wrap(np.zeros(out.shape + x.shape, out.dtype), None)
                         for r, x in zip(rows, xs)))
    jac = [j if multi else j[0] for j in jac]
    return tuple(jac) if multi_out else jac[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar func: jacobian of its gradient."""
    xs, multi = _tuple(inputs)

    def gradient(*ys):
        gs = _grads("hessian", [func(*ys)], ys, [None], strict, create_graph=True)
        return cat([g.reshape(-1) for g in gs])

    flat = jacobian(gradient, xs, create_graph, strict, vectorize, outer_jacobian_strategy)
    sizes = [x.data.size for x in xs]
    offs = np.cumsum([0] + sizes)
    blocks = tuple(tuple(flat[j][offs[i]:offs[i + 1]].reshape(xs[i].shape + xs[j].shape)
                         for j in range(len(xs))) for i in range(len(xs)))
    return blocks if multi else blocks[0][0]


def hvp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), H v) for scalar func, by differentiating <grad, v>."""
    xs, multi = _tuple(inputs)
    vs, _ = _tuple(v)
    xs = _prepare(xs, create_graph)
    out = func(*xs)
    gs = _grads("hvp", [out], xs, [None], strict, create_graph=True)
    dot = None
    for g, vv in zip(gs, vs):
        term = (g * vv).sum()
        dot = term if dot is None else dot + term
    if dot.requires_grad:
        hv = _grads("hvp", [dot], xs, [None], strict, create_graph=create_graph)
    else:                                 # func is linear: the Hessian is zero
        hv = tuple(_zeros(x) for x in xs)
    return _result((out,), False, create_graph), (hv if multi else hv[0])


def vhp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), v^T H) for scalar func: hvp's <grad, v> differentiated is v^T H,
    the same vector as H v for the symmetric Hessian of a twice-differentiable func."""
    return hvp(func, inputs, v, create_graph, strict)
