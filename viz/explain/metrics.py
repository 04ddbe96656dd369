"""How good an explanation is: infidelity and max-sensitivity (Yeh et al., 2019, as
Captum's ``captum.metrics``), and deletion / insertion curves with their area (Petsiuk
et al., 2018)."""
from collections import namedtuple

import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, ShapeError

from . import _common as C


def infidelity(forward_func, perturb_func, inputs, attributions, baselines=None,
               additional_forward_args=None, target=None, n_perturb_samples=10,
               max_examples_per_batch=None, normalize=False):
    """E_I[(I · attributions - (F(x) - F(x - I)))²] per sample, over `n_perturb_samples`
    draws of ``perturb_func(inputs) -> (I, x - I)`` (``perturb_func(inputs, baselines)``
    when baselines are given); each sample is repeated n_perturb_samples times in the
    batch the function gets. ``normalize`` rescales the attributions by the
    least-squares factor first. Returns a (N,) Tensor."""
    name = "infidelity"
    xs, was_tuple = C.format_inputs(inputs, name)
    attrs, _ = C.format_inputs(attributions, name)
    n, k = xs[0].shape[0], n_perturb_samples
    tgt = C.Target(target, n, name)
    args = C.format_args(additional_forward_args)
    rep = C.expand(xs, k, "repeat")
    given = C.format_output(rep, was_tuple)
    if baselines is None:
        res = perturb_func(given)
    else:
        bs = C.format_baselines(baselines, xs, name)
        res = perturb_func(given, C.format_output(C.expand(bs, k, "repeat"), was_tuple))
    pert, perturbed = res
    pert, _ = C.format_inputs(pert, name)
    perturbed, _ = C.format_inputs(perturbed, name)
    with C.model_guard(forward_func):
        f0 = C.run_forward(forward_func, xs, tgt, args, name)
        f = C.run_forward(forward_func, perturbed, tgt.expand(k, "repeat"),
                          C.expand_args(args, n, k, "repeat"), name,
                          None if max_examples_per_batch is None else max_examples_per_batch * k)
    dot = C.per_sample_sum([p * a for p, a in zip(pert, C.expand(attrs, k, "repeat"))])
    fdiff = np.repeat(f0, k) - f
    dot, fdiff = dot.reshape(n, k), fdiff.reshape(n, k)
    if normalize:
        beta = (dot * fdiff).mean(1) / np.maximum((dot * dot).mean(1), 1e-300)
        dot = dot * beta[:, None]
    return ag.from_numpy(((dot - fdiff) ** 2).mean(1))


def _uniform_perturb(radius):
    def perturb(*xs):
        rng = ag.default_generator()
        out = tuple(ag.from_numpy(x.data + rng.uniform(-radius, radius, x.shape).astype(x.dtype))
                    for x in xs)
        return out if len(out) > 1 else out[0]
    return perturb


def sensitivity_max(explanation_func, inputs, perturb_func=None, perturb_radius=0.02,
                    n_perturb_samples=10, norm_ord="fro", max_examples_per_batch=None,
                    **kwargs):
    """max over `n_perturb_samples` perturbations (default: uniform noise in
    ±perturb_radius, from autograd's generator) of ‖e(x + δ) - e(x)‖ / ‖e(x)‖ per
    sample, e = ``explanation_func(inputs, **kwargs)``. Returns a (N,) Tensor. Each
    perturbation is explained as one batch of the inputs' size, so memory never grows
    with n_perturb_samples; `max_examples_per_batch` is accepted for Captum's call and
    changes nothing."""
    name = "sensitivity_max"
    xs, was_tuple = C.format_inputs(inputs, name)
    perturb = perturb_func or _uniform_perturb(perturb_radius)
    ordv = None if norm_ord == "fro" else norm_ord

    def flat(e):
        e = e if isinstance(e, tuple) else (e,)
        return np.concatenate([np.asarray(a.data, np.float64).reshape(a.shape[0], -1) for a in e],
                              axis=1)

    base = flat(explanation_func(inputs, **kwargs))
    base_norm = np.linalg.norm(base, ord=ordv, axis=1)
    best = np.zeros(xs[0].shape[0])
    for _ in range(n_perturb_samples):
        px = perturb(*[ag.from_numpy(x) for x in xs])
        px = px if was_tuple else (px[0] if isinstance(px, tuple) else px)
        e = flat(explanation_func(px, **kwargs))
        s = np.linalg.norm(e - base, ord=ordv, axis=1) / np.where(base_norm == 0, 1.0, base_norm)
        best = np.maximum(best, s)
    return ag.from_numpy(best)


Curve = namedtuple("Curve", ["fractions", "scores", "auc"])
Curve.__doc__ = """fractions (k+1,) of features changed, scores (N, k+1) of the explained
output after changing them, auc (N,) the area under each curve (trapezoid rule)."""


def _curve(kind, forward_func, inputs, attributions, target, baselines, n_steps,
           additional_forward_args, internal_batch_size):
    name = f"{kind}_curve"
    xs, was_tuple = C.format_inputs(inputs, name)
    if was_tuple:
        raise ArgumentError(f"{name}: one input Tensor, not a tuple")
    x = xs[0]
    n = x.shape[0]
    bs = C.format_baselines(baselines, xs, name)[0]
    if isinstance(attributions, str):
        if attributions != "random":
            raise ArgumentError(f"{name}: attributions must be a Tensor or 'random'")
        rng = ag.default_generator()
        score = rng.permuted(np.tile(np.arange(x[0].size, dtype=np.float64), (n, 1)), axis=1)
    else:
        a = attributions.data if isinstance(attributions, ag.Tensor) else np.asarray(attributions)
        if a.shape != x.shape:
            raise ShapeError(f"{name}: attributions of shape {a.shape} for inputs of shape "
                             f"{x.shape}")
        score = a.reshape(n, -1).astype(np.float64)
    # most important first; equal scores (e.g. the zeros of a clipped map) in random
    # order, so that ties are not broken by raster position
    tie = ag.default_generator().random(score.shape)
    order = np.lexsort((tie, -score), axis=-1)
    m = order.shape[1]
    counts = np.round(np.linspace(0, m, n_steps + 1)).astype(np.int64)
    flat_x, flat_b = x.reshape(n, -1), bs.reshape(n, -1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(m)[None].repeat(n, 0), axis=1)
    rows = []
    for c in counts:
        changed = rank < c
        if kind == "deletion":
            rows.append(np.where(changed, flat_b, flat_x).reshape(x.shape))
        else:
            rows.append(np.where(changed, flat_x, flat_b).reshape(x.shape))
    tgt = C.Target(target, n, name)
    args = C.format_args(additional_forward_args)
    with C.model_guard(forward_func):
        f = C.run_forward(forward_func, (np.concatenate(rows),), tgt.expand(len(counts), "tile"),
                          C.expand_args(args, n, len(counts), "tile"), name, internal_batch_size)
    scores = f.reshape(len(counts), n).T
    fractions = counts / m
    return Curve(fractions, scores, auc(fractions, scores))


def auc(fractions, scores):
    """Area under curve(s) `scores` (..., k) over `fractions` (k,) by the trapezoid rule."""
    s = np.asarray(scores, np.float64)
    dx = np.diff(np.asarray(fractions, np.float64))
    return ((s[..., 1:] + s[..., :-1]) * 0.5 * dx).sum(axis=-1)


def deletion_curve(forward_func, inputs, attributions, target=None, baselines=None,
                   n_steps=20, additional_forward_args=None, internal_batch_size=None):
    """Set input elements to the baseline in order of decreasing attribution ("random":
    a random order; ties are broken at random too, from autograd's generator), in
    `n_steps` equal steps, and record the explained output. A faithful explanation
    makes it fall fast: a low area."""
    return _curve("deletion", forward_func, inputs, attributions, target, baselines, n_steps,
                  additional_forward_args, internal_batch_size)


def insertion_curve(forward_func, inputs, attributions, target=None, baselines=None,
                    n_steps=20, additional_forward_args=None, internal_batch_size=None):
    """Start from the baseline and put input elements back in order of decreasing
    attribution: a faithful explanation makes the output rise fast (a high area)."""
    return _curve("insertion", forward_func, inputs, attributions, target, baselines, n_steps,
                  additional_forward_args, internal_batch_size)
