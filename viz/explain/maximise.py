"""What a unit responds to: activation maximisation (Erhan et al., 2009; as Lucid and
tf-keras-vis), gradient ascent on the input with jitter and a norm constraint."""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError

from . import _common as C
from .layer import _Tap


def maximize_activation(model, layer, unit, input_shape, steps=200, lr=0.1, jitter=1,
                        norm=None, bounds=None, init=None, seed=None):
    """An input of shape `input_shape` (one sample, without the batch axis) that makes
    `unit` of `layer`'s output large, and the unit's activation at each step.

    unit: an int (a channel, axis 1: its mean over the other axes, or a neuron of a
        (N, features) output) or a tuple index into one sample's output.
    Each step rolls the input by up to `jitter` positions along its last two axes (so
    the result does not rely on exact pixel positions), takes a step of length `lr`
    along the normalised gradient, then projects the input onto the L2 ball of radius
    `norm` and into `bounds` (lo, hi) when given. The model runs in eval mode; its mode
    and parameters' .grad are restored. Start: `init`, else small noise from `seed`
    (or autograd's generator). Returns (input Tensor, activations array)."""
    if not hasattr(model, "eval"):
        raise ArgumentError("maximize_activation: model must be a Module")
    rng = np.random.default_rng(seed) if seed is not None else ag.default_generator()
    dtype = next(iter(model.parameters())).dtype if list(model.parameters()) else np.float32
    if init is not None:
        x = np.array(init.data if isinstance(init, ag.Tensor) else init, dtype=dtype)
    else:
        x = (0.01 * rng.standard_normal(input_shape)).astype(dtype)
    x = x.reshape((1,) + tuple(input_shape))
    history = []
    with C.model_guard(model), _Tap(layer, False, "maximize_activation") as tap:
        model.eval()
        for _ in range(steps):
            shifts = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, 2)) if jitter \
                else (0, 0)
            xt = ag.from_numpy(np.roll(x, shifts, axis=(-2, -1)) if x.ndim >= 3 else x)
            xt.requires_grad_()
            with ag.enable_grad():
                model(xt)
                act = _unit(tap.one(), unit)
                (g,) = ag.grad(act, xt)
            history.append(float(act.data))
            g = np.roll(g.data, tuple(-s for s in shifts), axis=(-2, -1)) if x.ndim >= 3 \
                else g.data
            x = x + lr * g / (np.linalg.norm(g) + 1e-12)
            if norm is not None:
                size = np.linalg.norm(x)
                if size > norm:
                    x = x * (norm / size)
            if bounds is not None:
                x = np.clip(x, bounds[0], bounds[1])
    return ag.from_numpy(x[0].astype(dtype)), np.array(history)


def _unit(out, unit):
    if isinstance(unit, tuple):
        return out[(0,) + unit]
    if out.ndim == 2:
        return out[0, unit]
    return out[0, unit].mean()
