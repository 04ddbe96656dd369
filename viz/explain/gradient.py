"""Gradient-based attributions: Saliency, InputXGradient, IntegratedGradients,
GradientShap and NoiseTunnel (SmoothGrad, SmoothGrad², VarGrad), with Captum's calls.

Every method computes d(explained output)/d(input) row by row with `autograd.grad` on
one batch that holds all the points it needs (steps x samples for IG), so one forward
and one backward do the work; `internal_batch_size` splits that batch to bound memory.
"""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError

from . import _common as C


class Attribution:
    """Base of every method: `forward_func` is any callable returning a Tensor (a Module
    or a function) whose first axis is the sample."""

    name = "Attribution"

    def __init__(self, forward_func):
        if not callable(forward_func):
            raise ArgumentError(f"{type(self).__name__}: forward_func must be callable, got "
                                f"{type(forward_func).__name__}")
        self.forward_func = forward_func

    def has_convergence_delta(self):
        return False

    def _prepare(self, inputs, baselines, target, additional_forward_args):
        name = type(self).__name__
        xs, was_tuple = C.format_inputs(inputs, name)
        bs = C.format_baselines(baselines, xs, name) if baselines is not False else None
        tgt = C.Target(target, xs[0].shape[0], name)
        return name, xs, was_tuple, bs, tgt, C.format_args(additional_forward_args)

    def _endpoint_delta(self, attrs, xs, bs, tgt, args, name, internal_batch_size=None):
        """Σ attributions - (F(x) - F(baseline)) per sample, from one forward of both."""
        n = xs[0].shape[0]
        both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
        f = C.run_forward(self.forward_func, both, tgt.expand(2, "tile"),
                          C.expand_args(args, n, 2, "tile"), name, internal_batch_size)
        return C.convergence_delta(attrs, f[:n], f[n:], name)


class Saliency(Attribution):
    """The gradient of the target output with respect to the input (Simonyan et al.,
    2013). Signed by default; ``abs=True`` gives its magnitude (Captum's default)."""

    def attribute(self, inputs, target=None, abs=False, additional_forward_args=None):
        name, xs, was_tuple, _, tgt, args = self._prepare(inputs, False, target,
                                                          additional_forward_args)
        with C.model_guard(self.forward_func):
            grads = C.gradients(self.forward_func, xs, tgt, args, name)
        return C.format_output([np.abs(g) if abs else g for g in grads], was_tuple)


class InputXGradient(Attribution):
    """input ⊙ gradient (Shrikumar et al., 2016)."""

    def attribute(self, inputs, target=None, additional_forward_args=None):
        name, xs, was_tuple, _, tgt, args = self._prepare(inputs, False, target,
                                                          additional_forward_args)
        with C.model_guard(self.forward_func):
            grads = C.gradients(self.forward_func, xs, tgt, args, name)
        return C.format_output([x * g for x, g in zip(xs, grads)], was_tuple)


METHODS = ("riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid",
           "gausslegendre")


def approximation(method, n_steps):
    """(step sizes, alphas) of an integration rule over [0, 1], as Captum's
    ``approximation_parameters``: Gauss-Legendre is exact for polynomials of degree
    <= 2 n_steps - 1."""
    if method not in METHODS:
        raise ArgumentError(f"IntegratedGradients: method must be one of {METHODS}, got "
                            f"{method!r}")
    if method == "gausslegendre":
        if n_steps < 1:
            raise ArgumentError(f"IntegratedGradients: n_steps must be >= 1, got {n_steps}")
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * weights, 0.5 * (1.0 + nodes)
    if n_steps < 2:
        raise ArgumentError(f"IntegratedGradients: {method} needs n_steps >= 2, got {n_steps}")
    sizes = np.full(n_steps, 1.0 / n_steps)
    kind = method[len("riemann_"):]
    if kind == "trapezoid":
        sizes[0] /= 2
        sizes[-1] /= 2
        alphas = np.linspace(0.0, 1.0, n_steps)
    elif kind == "left":
        alphas = np.linspace(0.0, 1.0 - 1.0 / n_steps, n_steps)
    elif kind == "middle":
        alphas = np.linspace(1.0 / (2 * n_steps), 1.0 - 1.0 / (2 * n_steps), n_steps)
    else:
        alphas = np.linspace(1.0 / n_steps, 1.0, n_steps)
    return sizes, alphas


def path_points(xs, bs, alphas):
    """baseline + alpha (x - baseline) for every alpha: (steps x samples, ...) arrays."""
    return tuple(np.concatenate([b + (x - b) * x.dtype.type(a) for a in alphas])
                 for x, b in zip(xs, bs))


def integrate(grads, sizes, n):
    """Σ_k size_k grad_k for a (steps x samples, ...) gradient array."""
    g = grads.reshape((len(sizes), n) + grads.shape[1:])
    return np.tensordot(np.asarray(sizes, dtype=grads.dtype), g, axes=1)


class IntegratedGradients(Attribution):
    """(x - baseline) ⊙ ∫₀¹ ∇F(baseline + α (x - baseline)) dα (Sundararajan et al.,
    2017), the integral by `method` over `n_steps` points. Completeness: the
    attributions of a sample sum to F(x) - F(baseline); ``return_convergence_delta``
    gives the error of that sum."""

    def __init__(self, forward_func, multiply_by_inputs=True):
        super().__init__(forward_func)
        self.multiply_by_inputs = multiply_by_inputs

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  n_steps=50, method="gausslegendre", internal_batch_size=None,
                  return_convergence_delta=False):
        name, xs, was_tuple, bs, tgt, args = self._prepare(inputs, baselines, target,
                                                           additional_forward_args)
        sizes, alphas = approximation(method, n_steps)
        n = xs[0].shape[0]
        with C.model_guard(self.forward_func):
            grads = C.gradients(self.forward_func, path_points(xs, bs, alphas),
                                tgt.expand(n_steps, "tile"),
                                C.expand_args(args, n, n_steps, "tile"), name,
                                internal_batch_size)
            total = [integrate(g, sizes, n) for g in grads]
            attrs = [t * (x - b) if self.multiply_by_inputs else t
                     for t, x, b in zip(total, xs, bs)]
            if not return_convergence_delta:
                return C.format_output(attrs, was_tuple)
            delta = self._endpoint_delta(attrs, xs, bs, tgt, args, name, internal_batch_size)
        return C.format_output(attrs, was_tuple), delta


class GradientShap(Attribution):
    """Expected gradients (Lundberg and Lee, 2017): for each of `n_samples` draws per
    sample, a baseline from the `baselines` distribution (rows), a point at a uniform
    random fraction of the way from it to the input (plus Gaussian noise of `stdevs`),
    gradient ⊙ (input - baseline); the mean over the draws. Random numbers come from
    autograd's generator (``ag.manual_seed``); `internal_batch_size` splits the
    samples x draws rows."""

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines, n_samples=5, stdevs=0.0, target=None,
                  additional_forward_args=None, return_convergence_delta=False,
                  internal_batch_size=None):
        name = "GradientShap"
        xs, was_tuple = C.format_inputs(inputs, name)
        dist, _ = C.format_inputs(baselines if isinstance(baselines, (tuple, list))
                                  else (baselines,), name)
        n, k = xs[0].shape[0], n_samples
        rng = ag.default_generator()
        tgt = C.Target(target, n, name).expand(k, "repeat")
        args = C.expand_args(C.format_args(additional_forward_args), n, k, "repeat")
        noisy = []
        for x, sd in zip(C.expand(xs, k, "repeat"), _per_input(stdevs, len(xs), name)):
            noisy.append(x + rng.normal(0.0, sd, x.shape).astype(x.dtype) if sd else x)
        pick = rng.integers(0, dist[0].shape[0], n * k)
        bs = tuple(np.broadcast_to(d[pick], x.shape).astype(x.dtype) for d, x in
                   zip(dist, noisy))
        alpha = rng.uniform(0.0, 1.0, n * k)
        points = tuple(b + (x - b) * alpha.reshape((-1,) + (1,) * (x.ndim - 1)).astype(x.dtype)
                       for x, b in zip(noisy, bs))
        with C.model_guard(self.forward_func):
            grads = C.gradients(self.forward_func, points, tgt, args, name,
                                internal_batch_size)
            rows = [g * (x - b) for g, x, b in zip(grads, noisy, bs)]
            attrs = [r.reshape((n, k) + r.shape[1:]).mean(axis=1) for r in rows]
            if not return_convergence_delta:
                return C.format_output(attrs, was_tuple)
            both = tuple(np.concatenate([x, b]) for x, b in zip(noisy, bs))
            f = C.run_forward(self.forward_func, both, tgt.expand(2, "tile"),
                              C.expand_args(args, n * k, 2, "tile"), name)
            # completeness holds only in expectation over the draws: no warning
            delta = C.convergence_delta(rows, f[:n * k], f[n * k:], name, warn=False)
        return C.format_output(attrs, was_tuple), delta


def _per_input(value, count, name):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count:
        raise ArgumentError(f"{name}: {len(values)} stdevs for {count} inputs")
    return values


NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")


class NoiseTunnel(Attribution):
    """Run another method on `nt_samples` noisy copies of each sample (Gaussian noise of
    standard deviation `stdevs`) and combine: the mean ("smoothgrad", Smilkov et al.,
    2017), the mean of squares ("smoothgrad_sq") or the variance ("vargrad"). Noise
    comes from autograd's generator, so ``ag.manual_seed`` makes it reproducible."""

    def __init__(self, attribution_method):
        if not hasattr(attribution_method, "attribute"):
            raise ArgumentError("NoiseTunnel: give an attribution method instance, e.g. "
                                "NoiseTunnel(Saliency(model))")
        super().__init__(attribution_method.forward_func)
        self.attribution_method = attribution_method

    def has_convergence_delta(self):
        return self.attribution_method.has_convergence_delta()

    def attribute(self, inputs, nt_type="smoothgrad", nt_samples=5, stdevs=1.0,
                  nt_samples_batch_size=None, **kwargs):
        name = "NoiseTunnel"
        if nt_type not in NT_TYPES:
            raise ArgumentError(f"{name}: nt_type must be one of {NT_TYPES}, got {nt_type!r}")
        xs, was_tuple = C.format_inputs(inputs, name)
        n, k = xs[0].shape[0], nt_samples
        rng = ag.default_generator()
        noisy = tuple(x + rng.normal(0.0, sd, x.shape).astype(x.dtype) if sd else x
                      for x, sd in zip(C.expand(xs, k, "repeat"),
                                       _per_input(stdevs, len(xs), name)))
        kw = dict(kwargs)
        if "target" in kw:
            kw["target"] = _expand_raw_target(kw["target"], n, k)
        if kw.get("baselines") is not None:
            kw["baselines"] = _expand_baselines(kw["baselines"], n, k)
        if "additional_forward_args" in kw:
            kw["additional_forward_args"] = C.expand_args(
                C.format_args(kw["additional_forward_args"]), n, k, "repeat")
        want_delta = kw.get("return_convergence_delta", False)
        batch = nt_samples_batch_size or k
        full = [np.empty((n, k) + x.shape[1:], x.dtype) for x in xs]   # sample x draw
        delta = np.empty(n * k)
        for s in range(0, k, batch):               # noise draws batch by batch
            e = min(s + batch, k)
            rows = (np.arange(n)[:, None] * k + np.arange(s, e)).reshape(-1)
            out = self.attribution_method.attribute(
                tuple(ag.from_numpy(v[rows]) for v in noisy), **_take_rows(kw, rows, n * k))
            if want_delta:
                out, d = out
                delta[rows] = d.data
            for f, o in zip(full, out):
                f[:, s:e] = o.data.reshape((n, e - s) + f.shape[2:])
        if nt_type == "smoothgrad":
            attrs = [f.mean(axis=1) for f in full]
        elif nt_type == "smoothgrad_sq":
            attrs = [(f * f).mean(axis=1) for f in full]
        else:
            attrs = [(f * f).mean(axis=1) - f.mean(axis=1) ** 2 for f in full]
        result = C.format_output(attrs, was_tuple)
        return (result, ag.from_numpy(delta)) if want_delta else result


def _expand_raw_target(target, n, k):
    if target is None or (callable(target) and not isinstance(target, ag.Tensor)):
        return target
    return C.Target(target, n, "NoiseTunnel").expand(k, "repeat").index


def _expand_baselines(baselines, n, k):
    items = baselines if isinstance(baselines, tuple) else (baselines,)
    out = []
    for b in items:
        arr = b.data if isinstance(b, ag.Tensor) else b
        if isinstance(arr, np.ndarray) and arr.ndim and arr.shape[0] == n and n > 1:
            arr = np.repeat(arr, k, axis=0)
        out.append(arr)
    return tuple(out) if isinstance(baselines, tuple) else out[0]


def _take_rows(kw, rows, total):
    """The keyword arguments restricted to `rows` where they hold one entry per row."""
    out = {}
    for key, v in kw.items():
        if key == "target" and isinstance(v, np.ndarray):
            out[key] = v[rows]
        elif key == "baselines":
            items = v if isinstance(v, tuple) else (v,)
            taken = tuple(b[rows] if isinstance(b, np.ndarray) and b.ndim and
                          b.shape[0] == total else b for b in items)
            out[key] = taken if isinstance(v, tuple) else taken[0]
        elif key == "additional_forward_args":
            out[key] = tuple(ag.from_numpy(a.data[rows]) if isinstance(a, ag.Tensor)
                             and a.ndim and a.shape[0] == total else
                             a[rows] if isinstance(a, np.ndarray) and a.ndim and
                             a.shape[0] == total else a for a in v)
        else:
            out[key] = v
    return out
