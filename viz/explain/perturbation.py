"""Perturbation attributions: FeatureAblation, Occlusion and ShapleyValueSampling.

No gradients: each method replaces groups of input elements by their baseline and runs
the model. `perturbations_per_eval` perturbations share one forward (a batch of that
many copies of the samples); the results do not depend on it.
"""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, ShapeError

from . import _common as C
from .gradient import Attribution


def _masks(feature_mask, xs, name):
    """One int array per input, broadcast to the input's shape; the default gives every
    element its own feature, numbered across the inputs."""
    if feature_mask is None:
        out, start = [], 0
        for x in xs:
            size = int(np.prod(x.shape[1:]))
            ids = np.arange(start, start + size).reshape((1,) + x.shape[1:])
            out.append(np.broadcast_to(ids, x.shape))
            start += size
        return out
    items = feature_mask if isinstance(feature_mask, (tuple, list)) else (feature_mask,)
    if len(items) != len(xs):
        raise ArgumentError(f"{name}: {len(items)} feature masks for {len(xs)} inputs")
    out = []
    for i, (m, x) in enumerate(zip(items, xs)):
        arr = np.asarray(m.data if isinstance(m, ag.Tensor) else m)
        if arr.dtype.kind not in "iu":
            raise ArgumentError(f"{name}: feature mask {i} has dtype {arr.dtype}; it must hold "
                                f"integer feature ids")
        if arr.ndim == x.ndim - 1:
            arr = arr[None]
        try:
            out.append(np.broadcast_to(arr, x.shape))
        except ValueError:
            raise ShapeError(f"{name}: feature mask {i} of shape {arr.shape} does not broadcast "
                             f"to its input's shape {x.shape}") from None
    return out


class _Perturbation(Attribution):
    def _setup(self, inputs, baselines, target, args):
        name, xs, was_tuple, bs, tgt, args = self._prepare(inputs, baselines, target, args)
        self._ctx = (name, tgt, args, xs[0].shape[0])
        return name, xs, was_tuple, bs

    def _run(self, batches, perturbations_per_eval):
        """F of each perturbed copy: `batches` is a list of tuples of (n, ...) arrays;
        returns a (len(batches), n) float64 array, ppe copies per forward."""
        name, tgt, args, n = self._ctx
        ppe = max(1, int(perturbations_per_eval))
        out = []
        for s in range(0, len(batches), ppe):
            group = batches[s:s + ppe]
            k = len(group)
            arrays = tuple(np.concatenate([b[j] for b in group]) for j in range(len(group[0])))
            f = C.run_forward(self.forward_func, arrays, tgt.expand(k, "tile"),
                              C.expand_args(args, n, k, "tile"), name)
            out.append(f.reshape(k, n))
        return np.concatenate(out)

    def _f(self, xs):
        return self._run([xs], 1)[0]


class FeatureAblation(_Perturbation):
    """Each feature group (``feature_mask`` ids; default: every element) is set to its
    baseline in turn; every element of the group gets F(x) - F(x with it ablated)."""

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  feature_mask=None, perturbations_per_eval=1):
        name, xs, was_tuple, bs = self._setup(inputs, baselines, target, additional_forward_args)
        masks = _masks(feature_mask, xs, name)
        ids = np.unique(np.concatenate([m.reshape(-1) for m in masks]))
        with C.model_guard(self.forward_func):
            f0 = self._f(xs)
            batches = [tuple(np.where(m == fid, b, x) for m, x, b in zip(masks, xs, bs))
                       for fid in ids]
            fs = self._run(batches, perturbations_per_eval)
        attrs = [np.zeros(x.shape) for x in xs]
        for fid, f in zip(ids, fs):
            d = (f0 - f).reshape((-1,) + (1,) * (xs[0].ndim - 1))
            for a, m in zip(attrs, masks):
                a += np.where(m == fid, d.reshape((-1,) + (1,) * (m.ndim - 1)), 0.0)
        return C.format_output([a.astype(x.dtype) for a, x in zip(attrs, xs)], was_tuple)


def _per_dim(value, shape, what, name):
    if isinstance(value, int):
        return (value,) * len(shape)
    value = tuple(value)
    if len(value) != len(shape):
        raise ShapeError(f"{name}: {what} {value} has {len(value)} dims; the input's "
                         f"sample shape {shape} has {len(shape)}")
    return value


class Occlusion(_Perturbation):
    """A window of `sliding_window_shapes` slides over each sample by `strides` (window
    positions as Captum's: the last one may be cut by the edge); each element gets the
    mean, over the windows that cover it, of F(x) - F(x with the window at baseline)."""

    def attribute(self, inputs, sliding_window_shapes, strides=None, baselines=None,
                  target=None, additional_forward_args=None, perturbations_per_eval=1):
        name, xs, was_tuple, bs = self._setup(inputs, baselines, target, additional_forward_args)
        if len(xs) == 1 and not (sliding_window_shapes and
                                 isinstance(sliding_window_shapes[0], (tuple, list))):
            sliding_window_shapes = (sliding_window_shapes,)
            strides = (strides,)
        elif strides is None or isinstance(strides, int):
            strides = (strides,) * len(xs)
        windows = []                             # (input index, slices)
        for i, (x, w, s) in enumerate(zip(xs, sliding_window_shapes, strides)):
            shape = x.shape[1:]
            w = _per_dim(w, shape, "sliding_window_shapes", name)
            s = _per_dim(1 if s is None else s, shape, "strides", name)
            if any(wi > d for wi, d in zip(w, shape)):
                raise ShapeError(f"{name}: window {w} is larger than the sample shape {shape}")
            if any(si > wi and d > wi for si, wi, d in zip(s, w, shape)):
                raise ArgumentError(f"{name}: strides {s} larger than the window {w} would "
                                    f"leave elements uncovered")
            counts = [int(np.ceil((d - wi) / si)) + 1 for d, wi, si in zip(shape, w, s)]
            for pos in np.ndindex(*counts):
                windows.append((i, tuple(slice(p * si, p * si + wi)
                                         for p, si, wi in zip(pos, s, w))))
        with C.model_guard(self.forward_func):
            f0 = self._f(xs)
            batches = []
            for i, sl in windows:
                pert = list(xs)
                pert[i] = x2 = xs[i].copy()
                x2[(slice(None),) + sl] = bs[i][(slice(None),) + sl]
                batches.append(tuple(pert))
            fs = self._run(batches, perturbations_per_eval)
        total = [np.zeros(x.shape) for x in xs]
        count = [np.zeros(x.shape[1:]) for x in xs]
        for (i, sl), f in zip(windows, fs):
            d = (f0 - f).reshape((-1,) + (1,) * (xs[i].ndim - 1))
            total[i][(slice(None),) + sl] += d
            count[i][sl] += 1
        return C.format_output([(t / c).astype(x.dtype) for t, c, x in zip(total, count, xs)],
                               was_tuple)


class ShapleyValueSampling(_Perturbation):
    """Shapley values estimated over `n_samples` random orderings of the features (from
    autograd's generator): in each, the features go from baseline to input one by one
    and each gets the change of F it causes. Per ordering the changes add up to
    F(x) - F(baseline), so the estimate does for any `n_samples`."""

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  feature_mask=None, n_samples=25, perturbations_per_eval=1):
        name, xs, was_tuple, bs = self._setup(inputs, baselines, target, additional_forward_args)
        masks = _masks(feature_mask, xs, name)
        ids = np.unique(np.concatenate([m.reshape(-1) for m in masks]))
        rng = ag.default_generator()
        attrs = [np.zeros(x.shape) for x in xs]
        with C.model_guard(self.forward_func):
            for _ in range(n_samples):
                order = ids[rng.permutation(len(ids))]
                on = [np.zeros(x.shape, bool) for x in xs]
                batches = [tuple(bs)]
                for fid in order:
                    for o, m in zip(on, masks):
                        o |= m == fid
                    batches.append(tuple(np.where(o, x, b) for o, x, b in zip(on, xs, bs)))
                fs = self._run(batches, perturbations_per_eval)
                for fid, gain in zip(order, np.diff(fs, axis=0)):
                    for a, m in zip(attrs, masks):
                        a += np.where(m == fid, gain.reshape((-1,) + (1,) * (m.ndim - 1)), 0.0)
        return C.format_output([(a / n_samples).astype(x.dtype) for a, x in zip(attrs, xs)],
                               was_tuple)
