"""check_grads: JAX's ``jax.test_util.check_grads`` for gradgraph. Reverse mode (vjp) and
forward mode (jvp) against central differences along random directions, and the same
checks on the derivative functions themselves up to `order`."""
import numpy as np

from ..backprop import grad
from ..gradcheck import GradcheckError
from ..graph import _wrap
from ..tensor import Tensor
from ._report import as_array, describe_mismatch, mismatches

# (eps, rtol, atol) of the central differences, per dtype of the inputs. float32 keeps
# about 7 digits: a step of 1e-3 balances rounding (~1e-7/eps) against the truncation
# error (~eps^2), so only relative errors above ~1e-2 are reliably caught.
DEFAULTS = {np.dtype(np.float64): (1e-6, 1e-5, 1e-5),
            np.dtype(np.float32): (1e-3, 2e-2, 2e-2)}


def _outputs(f, xs):
    out = f(*xs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise GradcheckError(f"check_grads: output {i} of the function is a "
                                 f"{type(o).__name__}, not a Tensor")
    return outs


def _random_like(rng, xs):
    return [_wrap(rng.standard_normal(x.shape).astype(x.dtype), None) for x in xs]


def _numerical_jvp(f, xs, vs, eps):
    """Central differences of f along the direction vs: (f(x + eps v) - f(x - eps v)) / 2eps.
    The shifted inputs require grad: f may itself be a derivative function."""
    def at(sign):
        return _outputs(f, [_wrap(x.data + sign * eps * v.data, None).requires_grad_(True)
                            for x, v in zip(xs, vs)])
    plus, minus = at(1.0), at(-1.0)
    return [(p.data.astype(np.float64) - m.data.astype(np.float64)) / (2 * eps)
            for p, m in zip(plus, minus)]


def _jvp(f, xs, vs, create_graph):
    """(outputs, J v): J v as the vjp of a vjp (d/du <J^T u, v>), differentiable in xs
    and vs when `create_graph`."""
    outs = _outputs(f, xs)
    us = [_wrap(np.zeros_like(o.data), None).requires_grad_(True) for o in outs]
    diff = [o for o in outs if o.requires_grad]
    if not diff:
        return outs, [_wrap(np.zeros_like(o.data), None) for o in outs]
    gs = grad(diff, xs, [u for o, u in zip(outs, us) if o.requires_grad],
              create_graph=True, allow_unused=True)
    pairs = [(g, v) for g, v in zip(gs, vs) if g is not None and g.requires_grad]
    if not pairs:
        return outs, [_wrap(np.zeros_like(o.data), None) for o in outs]
    jv = grad([g for g, _ in pairs], us, [v for _, v in pairs], create_graph=create_graph,
              allow_unused=True, materialize_grads=True)
    return outs, list(jv)


def _vjp(f, xs, us, create_graph):
    outs = _outputs(f, xs)
    used = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    if not used:
        return [_wrap(np.zeros_like(x.data), None) for x in xs]
    return list(grad([o for o, _ in used], xs, [u for _, u in used], create_graph=create_graph,
                     allow_unused=True, materialize_grads=True))


def _fail(what, detail, tol):
    eps, rtol, atol = tol
    raise GradcheckError(f"check_grads: {what} disagrees with central differences "
                         f"(eps={eps:g}, rtol={rtol:g}, atol={atol:g}):\n{detail}")


def _check_fwd(f, xs, tol, rng, label):
    eps, rtol, atol = tol
    vs = _random_like(rng, xs)
    _, jv = _jvp(f, xs, vs, create_graph=False)
    num = _numerical_jvp(f, xs, vs, eps)
    for k, (a, n) in enumerate(zip(jv, num)):
        a = as_array(a).astype(np.float64)
        if a.shape != n.shape:
            _fail(f"{label} (jvp), output {k}", f"shape {a.shape}, expected {n.shape}", tol)
        if mismatches(a, n, rtol, atol).any():
            detail = describe_mismatch(a, n, rtol, atol, names=("jvp", "numerical"))
            if not a.any():
                detail += ("\n  the jvp is zero everywhere: forward mode is the vjp of the "
                           "vjp, so a backward that uses its incoming gradient as numbers "
                           "(g.data, a custom Function computing on arrays) makes it zero; "
                           "write the backward with Tensor ops on g")
            _fail(f"{label} (jvp), output {k} of shape {a.shape}", detail, tol)


def _check_rev(f, xs, tol, rng, label):
    """<v, J^T u> (reverse mode) against <J v, u> (central differences): one scalar per
    random pair (u, v), as JAX."""
    eps, rtol, atol = tol
    us = _random_like(rng, _outputs(f, xs))
    vs = _random_like(rng, xs)
    gs = _vjp(f, xs, us, create_graph=False)
    for i, (g, x) in enumerate(zip(gs, xs)):
        if g.shape != x.shape:
            _fail(f"{label} (vjp)", f"the gradient of input {i} has shape {g.shape}, the "
                  f"input {x.shape}", tol)
    num = _numerical_jvp(f, xs, vs, eps)
    ip = sum(float(np.sum(g.data.astype(np.float64) * v.data)) for g, v in zip(gs, vs))
    ip_num = sum(float(np.sum(n * u.data)) for n, u in zip(num, us))
    scale = sum(float(np.sum(np.abs(n * u.data))) for n, u in zip(num, us))
    if abs(ip - ip_num) > atol * max(scale, 1.0) + rtol * abs(ip_num):
        ratio = f"{ip / ip_num:.6g}" if ip_num else "—"
        _fail(f"{label} (vjp)", f"    <v, vjp(u)> = {ip:.9g}, <jvp_numerical(v), u> = "
              f"{ip_num:.9g} (ratio {ratio}) for random directions u, v", tol)


def check_grads(f, args, order=2, modes=("rev", "fwd"), eps=None, atol=None, rtol=None,
                seed=0):
    """Check the derivatives of `f` at `args` against central differences, as JAX's
    ``check_grads``: reverse mode (``"rev"``: <v, J^T u> against <J v, u> for random u, v)
    and forward mode (``"fwd"``: J v by ``functional.jvp``'s double-vjp, elementwise),
    then the same checks on the derivative functions up to `order`. `f` takes Tensors
    (numpy code works, see numpy_dispatch) and returns a Tensor or a tuple of them; float
    ndarrays in `args` become Tensors that require grad. Default ``eps``/``rtol``/``atol``
    by dtype: float64 1e-6 / 1e-5 / 1e-5; float32 1e-3 / 2e-2 / 2e-2 (float32 catches only
    errors above about 2%: check in float64 where you can). Raises ``GradcheckError`` (an
    AssertionError) naming the mode, order, output and worst elements.

    >>> import numpy as np
    >>> check_grads(lambda x: np.tanh(x) * x, (np.linspace(-1.0, 1.0, 5),), order=2)
    """
    __tracebackhide__ = True
    xs = [a.detach().requires_grad_(True) if isinstance(a, Tensor) and a.dtype.kind == "f"
          else _wrap(np.asarray(a), None).requires_grad_(True)
          if np.asarray(a).dtype.kind == "f" else a for a in args]
    if not all(isinstance(x, Tensor) for x in xs):
        raise GradcheckError("check_grads: every argument must be a float Tensor or array; "
                             "bind the others with a lambda")
    dtype = np.result_type(*[x.dtype for x in xs])
    d_eps, d_rtol, d_atol = DEFAULTS.get(np.dtype(dtype), DEFAULTS[np.dtype(np.float64)])
    tol = (d_eps if eps is None else eps, d_rtol if rtol is None else rtol,
           d_atol if atol is None else atol)
    bad = set(modes) - {"rev", "fwd"}
    if bad:
        raise GradcheckError(f"check_grads: unknown modes {sorted(bad)}; use 'rev' and 'fwd'")
    rng = np.random.default_rng(seed)
    _check(f, xs, order, tuple(modes), tol, rng, "")


def _check(f, xs, order, modes, tol, rng, path):
    n = len(path.split()) + 1 if path else 1
    if "fwd" in modes:
        label = f"forward mode, order {n}{' of ' + path if path else ''}"
        _check_fwd(f, xs, tol, rng, label)
        if order > 1:
            k = len(xs)
            vs = [v.requires_grad_(True) for v in _random_like(rng, xs)]

            def f_jvp(*zs):
                return tuple(_jvp(f, list(zs[:k]), list(zs[k:]), create_graph=True)[1])
            _check(f_jvp, xs + vs, order - 1, modes, tol, rng, ("jvp " + path).strip())
    if "rev" in modes:
        label = f"reverse mode, order {n}{' of ' + path if path else ''}"
        _check_rev(f, xs, tol, rng, label)
        if order > 1:
            us = _random_like(rng, _outputs(f, xs))

            def f_vjp(*zs):
                return tuple(_vjp(f, list(zs), us, create_graph=True))
            _check(f_vjp, xs, order - 1, modes, tol, rng, ("vjp " + path).strip())
