"""Numerical gradient checks: central differences in float64 against the engine."""
import numpy as np

from .backprop import grad
from .errors import GradgraphError
from .graph import _wrap
from .tensor import Tensor


class GradcheckError(GradgraphError, AssertionError):
    """The analytic and numerical gradients disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the gradients of `fn` at `inputs` (float64 Tensors) numerically.

    For each output and each input that requires grad, the vector-Jacobian product
    with a fixed random vector is compared with central differences of step `eps`.
    On failure the error names the input, the worst element and both values."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for x in (inputs[i] for i in diff):
        if x.dtype != np.float64:
            raise GradcheckError(f"gradcheck: inputs must be float64 for a meaningful check, "
                                 f"got {x.dtype} of shape {x.shape}")
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(0)
    for k, out in enumerate(outs):
        if out.dtype.kind != "f":
            continue
        w = rng.standard_normal(out.shape)
        if out.requires_grad:
            analytic = grad([out], [inputs[i] for i in diff], [_wrap(w, None)],
                            retain_graph=True, allow_unused=True)
        else:            # no graph: the engine says "constant"; the differences must agree
            analytic = [None] * len(diff)
        for i, ga in zip(diff, analytic):
            x = inputs[i].data
            ga = np.zeros_like(x) if ga is None else ga.data
            num = np.zeros_like(x)
            flat = x.reshape(-1)     # a view: perturbing it perturbs the input in place
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = float(np.sum(_outputs(fn, inputs)[k].data * w))
                flat[j] = orig - eps
                minus = float(np.sum(_outputs(fn, inputs)[k].data * w))
                flat[j] = orig
                num.reshape(-1)[j] = (plus - minus) / (2 * eps)
            err = np.abs(ga - num) - (atol + rtol * np.abs(num))
            if err.size and err.max() > 0:
                j = np.unravel_index(int(np.argmax(err)), x.shape)
                msg = (f"gradcheck: gradient of output {k} w.r.t. input {i} (shape {x.shape}) "
                       f"differs at element {tuple(int(v) for v in j)}: analytic "
                       f"{ga[j]!r}, numerical {num[j]!r} (atol={atol}, rtol={rtol})")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check second derivatives: gradcheck of (x, w) -> vjp(fn, x, w) built with
    create_graph, as PyTorch's does. The incoming gradient `w` (random, float64) is an
    input of the check too, so a backward rule that detaches its incoming gradient, or
    one that returns a gradient without a graph, fails it. A gradient that is None or has
    no graph counts as constant (zero derivative) and must be so numerically."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(fn, inputs)
    used = [k for k, o in enumerate(outs) if o.dtype.kind == "f" and o.requires_grad]
    rng = np.random.default_rng(1)
    weights = tuple(Tensor(rng.standard_normal(outs[k].shape)).requires_grad_(True)
                    for k in used)
    n = len(inputs)

    def first_grads(*args):
        xs, ws = args[:n], args[n:]
        outs = _outputs(fn, xs)
        return grad([outs[k] for k in used], [xs[i] for i in diff], list(ws),
                    create_graph=True, allow_unused=True, materialize_grads=True)

    if not used:
        return True
    return gradcheck(first_grads, inputs + weights, eps, atol, rtol, raise_exception)
