"""DeepLift with the Rescale rule (Shrikumar et al., 2017), on the graph's ops.

The inputs and baselines run as one batch [x; baseline]; inside
``autograd.override_backward`` every nonlinear primitive recorded gets a rule that
replaces its derivative by a multiplier m with Σ m Δinput = Δoutput between the two
halves (Δ = input half - baseline half):

- one-input elementwise ops (relu, tanh, sigmoid, exp, log, sin, cos, abs, erf, gelu, x**c):
  m = Δy / Δx (the gradient where |Δx| < eps), Captum's `nonlinear`;
- a * b and a / b: m_a = mean of b over the halves, m_b = mean of a (a / b: m_a =
  mean of 1/b, m_b = -mean(a) / (b b')), exact since Δ(ab) = b̄ Δa + ā Δb;
- maximum / minimum (y = b + relu(a - b)) through the relu rule on a - b;
- max / min over axes (max pooling), Captum's rule: the output's change is split
  between the argmax of the input and that of the baseline, then divided by Δx;
- where(c, a, b) when c differs between the halves: m = Δy / (Δa + Δb) (leaky relu).

Linear ops keep their gradients. Each rule satisfies summation-to-delta locally, so a
composition does too: the attributions add up to F(x) - F(baseline) for any graph of
these ops, whether the nonlinearities are modules (reused or not) or functional calls.
Ops left with their gradient (the fused softmax, log_softmax and layer_norm primitives,
a ** b with both varying) are not exact: the convergence delta shows by how much.
"""
import numpy as np

import autograd as ag
from autograd import ops, ops_nn
from autograd.graph import apply2

from . import _common as C
from .gradient import Attribution

ELEMENTWISE = (ops.Relu, ops.Tanh, ops.Sigmoid, ops.Exp, ops.Log, ops.Sin, ops.Cos, ops.Abs,
               ops.Pow, ops.Softplus, ops_nn.Erf, ops_nn.Gelu)


def _halves(a, out_shape, n):
    a = np.broadcast_to(np.asarray(a), out_shape)
    return a[:n], a[n:]


def _twice(m):
    return np.concatenate([m, m])


def _ratio(num, den, eps):
    small = np.abs(den) < eps
    return num / np.where(small, 1.0, den), small


class _Rules:
    """The override rules for one DeepLift call: `n` samples in the input half."""

    def __init__(self, n, eps):
        self.n = n
        self.eps = eps
        self.fallback = set()       # ops whose batch axis was not first: gradient used

    def table(self):
        t = {cls: self.elementwise for cls in ELEMENTWISE}
        t.update({ops.Mul: self.mul, ops.Div: self.div, ops.Maximum: self.maximum,
                  ops.Minimum: self.minimum, ops.Amax: self.amax, ops.Amin: self.amax,
                  ops.Where: self.where})
        return t

    def _paired(self, node, output):
        if output.ndim and output.shape[0] == 2 * self.n:
            return True
        self.fallback.add(node.name)
        return False

    def elementwise(self, node, g, inputs, output):
        default = node.backward(g)
        if not self._paired(node, output):
            return default
        x, xr = _halves(inputs[0], output.shape, self.n)
        y, yr = output[:self.n], output[self.n:]
        m, small = _ratio(y - yr, x - xr, self.eps)
        return apply2(ops.Where, default[0], g * _twice(m).astype(output.dtype),
                      _twice(small)),

    def _binary(self, node, g, inputs, output, multipliers):
        """A two-input rule: `multipliers(a, a', b, b')` gives (m_a, m_b) for the input
        half, each of the output's shape; Σ m Δ must equal Δ(output)."""
        if not self._paired(node, output):
            return node.backward(g)
        a, ar = _halves(inputs[0], output.shape, self.n)
        b, br = _halves(inputs[1], output.shape, self.n)
        ma, mb = multipliers(a, ar, b, br)
        pa, pb = node.parents
        dt = output.dtype
        return ((g * _twice(ma).astype(dt) if pa is not None else None),
                (g * _twice(mb).astype(dt) if pb is not None else None))

    def mul(self, node, g, inputs, output):
        # Δ(ab) = mean(b) Δa + mean(a) Δb
        return self._binary(node, g, inputs, output,
                            lambda a, ar, b, br: ((b + br) * 0.5, (a + ar) * 0.5))

    def div(self, node, g, inputs, output):
        # Δ(a/b) = mean(1/b) Δa - mean(a) / (b b') Δb
        return self._binary(node, g, inputs, output, lambda a, ar, b, br: (
            (1.0 / b + 1.0 / br) * 0.5, -(a + ar) * 0.5 / (b * br)))

    def _relu_multiplier(self, d, dr):
        """m with Δrelu(d) = m Δd: the Rescale rule, relu' (0.5 at ties) where Δd ~ 0."""
        m, small = _ratio(np.maximum(d, 0) - np.maximum(dr, 0), d - dr, self.eps)
        local = (d > 0) + 0.5 * (d == 0)
        return np.where(small, local, m)

    def maximum(self, node, g, inputs, output):
        # max(a, b) = b + relu(a - b)
        def multipliers(a, ar, b, br):
            m = self._relu_multiplier(a - b, ar - br)
            return m, 1.0 - m
        return self._binary(node, g, inputs, output, multipliers)

    def minimum(self, node, g, inputs, output):
        # min(a, b) = a - relu(a - b)
        def multipliers(a, ar, b, br):
            m = self._relu_multiplier(a - b, ar - br)
            return 1.0 - m, m
        return self._binary(node, g, inputs, output, multipliers)

    def amax(self, node, g, inputs, output):
        x2 = inputs[0]
        axes = node.axes
        if not self._paired(node, output) or axes is None or 0 in axes:
            self.fallback.add(node.name)
            return node.backward(g)
        n = self.n
        pick = np.max if type(node) is ops.Amax else np.min
        y2 = pick(x2, axis=axes, keepdims=True)
        g2 = np.asarray(g.data if isinstance(g, ag.Tensor) else g)
        if not node.keepdim:
            g2 = g2.reshape(y2.shape)
        x, xr, y, yr, gi = x2[:n], x2[n:], y2[:n], y2[n:], g2[:n]
        cross = np.maximum(y, yr) if pick is np.max else np.minimum(y, yr)
        mask, mask_r = (x == y), (xr == yr)
        share = mask / mask.sum(axis=axes, keepdims=True)
        share_r = mask_r / mask_r.sum(axis=axes, keepdims=True)
        contrib = share * (gi * (cross - yr)) + share_r * (gi * (y - cross))
        m, small = _ratio(contrib, x - xr, self.eps)
        (default,) = node.backward(g)
        dflt = np.asarray(default.data if isinstance(default, ag.Tensor) else default)
        new = np.where(_twice(small), dflt, _twice(m)).astype(output.dtype)
        return (ag.from_numpy(new) if isinstance(g, ag.Tensor) else new),

    def where(self, node, g, inputs, output):
        (a2, b2), cond = inputs, node.cond
        if not self._paired(node, output):
            return node.backward(g)
        n = self.n
        c = np.broadcast_to(cond, output.shape)
        a, ar = _halves(a2, output.shape, n)
        b, br = _halves(b2, output.shape, n)
        switched = c[:n] != c[n:]
        if not switched.any():
            return node.backward(g)
        m, small = _ratio(output[:n] - output[n:], (a - ar) + (b - br), self.eps)
        use = _twice(switched & ~small)
        m2 = _twice(m).astype(output.dtype)
        zero = output.dtype.type(0)
        pa, pb = node.parents
        ga = apply2(ops.Where, g * m2, apply2(ops.Where, g, zero, c), use)
        gb = apply2(ops.Where, g * m2, apply2(ops.Where, g, zero, ~c), use)
        return (ga if pa is not None else None), (gb if pb is not None else None)


class DeepLift(Attribution):
    """DeepLift, Rescale rule: (x - baseline) ⊙ the multipliers that the override rules
    propagate (see the module docstring). ``multiply_by_inputs=False`` returns the
    multipliers. Satisfies completeness exactly for graphs of the supported ops."""

    def __init__(self, model, multiply_by_inputs=True, eps=1e-10):
        super().__init__(model)
        self.multiply_by_inputs = multiply_by_inputs
        self.eps = eps

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  return_convergence_delta=False, custom_attribution_func=None):
        name, xs, was_tuple, bs, tgt, args = self._prepare(inputs, baselines, target,
                                                           additional_forward_args)
        n = xs[0].shape[0]
        rules = _Rules(n, self.eps)
        both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
        args2 = C.expand_args(args, n, 2, "tile")
        with C.model_guard(self.forward_func), ag.enable_grad():
            leaves = [ag.from_numpy(a).requires_grad_() for a in both]
            with ag.override_backward(rules.table()):
                out = self.forward_func(*leaves, *args2)
            sel = tgt.expand(2, "tile").select(out, name)
            f = np.asarray(sel.data, dtype=np.float64)
            grads = ag.grad(sel[:n].sum(), leaves, allow_unused=True)
        mult = [np.zeros_like(x) if g is None else g.data[:n] for g, x in zip(grads, xs)]
        if rules.fallback:
            import warnings
            warnings.warn(f"DeepLift: {sorted(rules.fallback)} had no sample axis first; "
                          f"their gradients were used", C.ConvergenceWarning, stacklevel=2)
        if custom_attribution_func is not None:
            attrs = [a.data if isinstance(a, ag.Tensor) else a for a in
                     _custom(custom_attribution_func, mult, xs, bs)]
        elif self.multiply_by_inputs:
            attrs = [m * (x - b) for m, x, b in zip(mult, xs, bs)]
        else:
            attrs = mult
        result = C.format_output(attrs, was_tuple)
        if not return_convergence_delta:
            return result
        return result, C.convergence_delta(attrs, f[:n], f[n:], name)


def _custom(fn, mult, xs, bs):
    import inspect
    k = len(inspect.signature(fn).parameters)
    wrap = lambda arrs: tuple(ag.from_numpy(a) for a in arrs)   # noqa: E731
    return fn(*(wrap(mult), wrap(xs), wrap(bs))[:k])
