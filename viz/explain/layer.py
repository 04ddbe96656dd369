"""Layer attributions: LayerActivation, LayerGradCam, LayerConductance and
LayerIntegratedGradients. A layer is any module with ``register_forward_hook``; its
output (or, with ``attribute_to_layer_input=True``, its first input) is read, or
replaced, by a forward hook that is removed before the call returns.
"""
import numpy as np

import autograd as ag
import nn.functional as F
from autograd.errors import ArgumentError, GraphError, ShapeError

from . import _common as C
from .gradient import Attribution, approximation, integrate


class _Tap:
    """A forward hook on `layer` that records the layer's output (or input) Tensor each
    time it runs and, when `replace` is set, hands the model `replace` instead."""

    def __init__(self, layer, to_input, name):
        if not hasattr(layer, "register_forward_hook"):
            raise ArgumentError(f"{name}: the layer must be a module with register_forward_hook, "
                                f"got {type(layer).__name__}")
        self.layer, self.to_input, self.name = layer, to_input, name
        self.seen, self.replace = [], None

    def __call__(self, module, args, output):
        value = args[0] if self.to_input else output
        if not isinstance(value, ag.Tensor):
            raise ArgumentError(f"{self.name}: the layer's {'input' if self.to_input else 'output'}"
                                f" is a {type(value).__name__}; a Tensor is needed")
        self.seen.append(value)
        if self.replace is not None and not self.to_input:
            if self.replace.shape != output.shape:
                raise ShapeError(f"{self.name}: the layer's output has shape {output.shape}, the "
                                 f"replacement {self.replace.shape}")
            return self.replace
        return None

    def one(self):
        if len(self.seen) != 1:
            raise GraphError(f"{self.name}: the layer ran {len(self.seen)} times in one forward; "
                             f"a layer method needs a layer that runs exactly once")
        value = self.seen[0]
        self.seen = []
        return value

    def __enter__(self):
        self.handle = self.layer.register_forward_hook(self)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


class LayerAttribution(Attribution):
    def __init__(self, forward_func, layer):
        super().__init__(forward_func)
        self.layer = layer

    @staticmethod
    def interpolate(layer_attribution, interpolate_dims, interpolate_mode="nearest"):
        """Resize (N, C, h, w) maps to `interpolate_dims` with F.interpolate in mode
        `interpolate_mode`, as Captum's (no gradient is recorded)."""
        t = (layer_attribution if isinstance(layer_attribution, ag.Tensor)
             else ag.from_numpy(np.asarray(layer_attribution)))
        with ag.no_grad():
            return F.interpolate(t.detach(), size=tuple(interpolate_dims), mode=interpolate_mode)

    def _layer_grads(self, arrays, target, args, name, internal_batch_size, to_input):
        """(layer values, d target / d layer) over the rows of `arrays`."""
        rows = arrays[0].shape[0]
        vals, grads = [], []
        with _Tap(self.layer, to_input, name) as tap, ag.enable_grad():
            for s, e in C.chunks(rows, internal_batch_size):
                xs = [ag.from_numpy(np.ascontiguousarray(a[s:e])) for a in arrays]
                xs = [x.requires_grad_() if x.dtype.kind == "f" else x for x in xs]
                out = self.forward_func(*xs, *C._slice_args(args, rows, s, e))
                value = tap.one()
                sel = target.rows(s, e).select(out, name)
                (g,) = ag.grad(sel.sum(), [value], allow_unused=True)
                vals.append(value.data)
                grads.append(np.zeros_like(value.data) if g is None else g.data)
        return np.concatenate(vals), np.concatenate(grads)


class LayerActivation(LayerAttribution):
    """The layer's output (or input) for the inputs: the module's own Tensor, bit for bit."""

    def attribute(self, inputs, additional_forward_args=None, attribute_to_layer_input=False):
        name = "LayerActivation"
        xs, _ = C.format_inputs(inputs, name, allow_int=True)
        args = C.format_args(additional_forward_args)
        with C.model_guard(self.forward_func), ag.no_grad(), \
                _Tap(self.layer, attribute_to_layer_input, name) as tap:
            self.forward_func(*[ag.from_numpy(x) for x in xs], *args)
            value = tap.one()
        return ag.from_numpy(value.data)


class LayerGradCam(LayerAttribution):
    """Grad-CAM (Selvaraju et al., 2017): the layer's channels (axis 1) weighted by the
    mean of the target's gradient over each channel's positions, summed over channels:
    (N, 1, h, w) for a conv layer. ``relu_attributions`` keeps the positive part;
    ``interpolate`` brings the map to the input's size."""

    def attribute(self, inputs, target=None, additional_forward_args=None,
                  attribute_to_layer_input=False, relu_attributions=False,
                  attr_dim_summation=True):
        name = "LayerGradCam"
        xs, _ = C.format_inputs(inputs, name, allow_int=True)
        tgt = C.Target(target, xs[0].shape[0], name)
        args = C.format_args(additional_forward_args)
        with C.model_guard(self.forward_func):
            acts, grads = self._layer_grads(xs, tgt, args, name, None, attribute_to_layer_input)
        if acts.ndim < 2:
            raise ShapeError(f"{name}: the layer's values have shape {acts.shape}; Grad-CAM needs "
                             f"(N, C, ...)")
        weights = grads.mean(axis=tuple(range(2, grads.ndim)), keepdims=True) if grads.ndim > 2 \
            else grads
        cam = weights * acts
        if attr_dim_summation:
            cam = cam.sum(axis=1, keepdims=True)
        if relu_attributions:
            cam = np.maximum(cam, 0)
        return ag.from_numpy(np.ascontiguousarray(cam))


class LayerConductance(LayerAttribution):
    """Conductance of the layer's units (Dhamdhere et al., 2018), Captum's estimate:
    Σ_k dF/dlayer(α_k) (layer(α_{k+1}) - layer(α_k)) over the `n_steps + 1` points of
    `method` on the path from the baseline to the input. The attributions of a sample
    add up to about F(x) - F(baseline)."""

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  n_steps=50, method="gausslegendre", internal_batch_size=None,
                  return_convergence_delta=False, attribute_to_layer_input=False):
        name = "LayerConductance"
        xs, was_tuple = C.format_inputs(inputs, name)
        bs = C.format_baselines(baselines, xs, name)
        n = xs[0].shape[0]
        tgt = C.Target(target, n, name)
        args = C.format_args(additional_forward_args)
        _, alphas = approximation(method, n_steps + 1)
        points = tuple(np.concatenate([b + (x - b) * x.dtype.type(a) for a in alphas])
                       for x, b in zip(xs, bs))
        with C.model_guard(self.forward_func):
            vals, grads = self._layer_grads(points, tgt.expand(n_steps + 1, "tile"),
                                            C.expand_args(args, n, n_steps + 1, "tile"), name,
                                            internal_batch_size, attribute_to_layer_input)
            steps = (vals[n:] - vals[:-n]) * grads[:-n]
            attr = steps.reshape((n_steps, n) + vals.shape[1:]).sum(axis=0)
            if not return_convergence_delta:
                return ag.from_numpy(np.ascontiguousarray(attr))
            both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
            f = C.run_forward(self.forward_func, both, tgt.expand(2, "tile"),
                              C.expand_args(args, n, 2, "tile"), name, internal_batch_size)
            delta = C.convergence_delta([attr], f[:n], f[n:], name)
        return ag.from_numpy(np.ascontiguousarray(attr)), delta


class LayerIntegratedGradients(LayerAttribution):
    """Integrated gradients with respect to the layer's output: the path runs from the
    layer's output for the baselines to its output for the inputs, fed to the rest of the
    model in place of the layer's own output. For an embedding layer the inputs are token
    ids (baselines: e.g. padding ids) and summing the result over the embedding axis gives
    one attribution per token."""

    def __init__(self, forward_func, layer, multiply_by_inputs=True):
        super().__init__(forward_func, layer)
        self.multiply_by_inputs = multiply_by_inputs

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  n_steps=50, method="gausslegendre", internal_batch_size=None,
                  return_convergence_delta=False, attribute_to_layer_input=False):
        name = "LayerIntegratedGradients"
        if attribute_to_layer_input:
            raise ArgumentError(f"{name}: attribute_to_layer_input is not supported: the path "
                                f"is taken over the layer's output")
        xs, _ = C.format_inputs(inputs, name, allow_int=True)
        bs = C.format_baselines(baselines, xs, name)
        n = xs[0].shape[0]
        tgt = C.Target(target, n, name)
        args = C.format_args(additional_forward_args)
        sizes, alphas = approximation(method, n_steps)
        both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
        args2 = C.expand_args(args, n, 2, "tile")
        with C.model_guard(self.forward_func):
            with ag.no_grad(), _Tap(self.layer, False, name) as tap:
                out = self.forward_func(*[ag.from_numpy(a) for a in both], *args2)
                f = np.asarray(tgt.expand(2, "tile").select(out, name).data, np.float64)
                lay = tap.one().data
            lx, lb = lay[:n], lay[n:]
            path = np.concatenate([lb + (lx - lb) * lx.dtype.type(a) for a in alphas])
            rows = n * n_steps
            xs_k = C.expand(xs, n_steps, "tile")
            args_k = C.expand_args(args, n, n_steps, "tile")
            tgt_k = tgt.expand(n_steps, "tile")
            grads = []
            with _Tap(self.layer, False, name) as tap, ag.enable_grad():
                for s, e in C.chunks(rows, internal_batch_size):
                    tap.replace = ag.from_numpy(np.ascontiguousarray(path[s:e])).requires_grad_()
                    out = self.forward_func(*[ag.from_numpy(a[s:e]) for a in xs_k],
                                            *C._slice_args(args_k, rows, s, e))
                    tap.one()
                    sel = tgt_k.rows(s, e).select(out, name)
                    (g,) = ag.grad(sel.sum(), [tap.replace], allow_unused=True)
                    grads.append(np.zeros_like(path[s:e]) if g is None else g.data)
            total = integrate(np.concatenate(grads), sizes, n)
            attr = total * (lx - lb) if self.multiply_by_inputs else total
        result = ag.from_numpy(np.ascontiguousarray(attr))
        if not return_convergence_delta:
            return result
        return result, C.convergence_delta([attr], f[:n], f[n:], name)
