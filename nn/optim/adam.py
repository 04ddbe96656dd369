"""Adam and AdamW, with PyTorch's update rules (bias correction, AMSGrad)."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import (Optimizer, check_hyperparameters, cpu_options, floats, lerp_,
                        square_average_, state_buffer, update_direction)


class Adam(Optimizer):
    r"""Adam; with ``amsgrad=True`` the AMSGrad variant. Per step t, g the gradient
    (negated if `maximize`), m and v the moment estimates:

        g <- g + weight_decay * p                  (Adam: L2 penalty in the gradient)
        p <- p * (1 - lr * weight_decay)           (AdamW, or decoupled_weight_decay=True:
                                                    decoupled decay, instead)
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        v_max <- max(v_max, v)                     (amsgrad; then v_max replaces v below)
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        name = type(self).__name__
        check_hyperparameters(name, lr=lr, eps=eps, weight_decay=weight_decay)
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ArgumentError(f"{name}: invalid betas {betas!r}; each must be in [0, 1)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      **cpu_options(name, foreach, fused, capturable,
                                                    differentiable),
                                      decoupled_weight_decay=bool(decoupled_weight_decay)))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: 1 - beta1,
        beta2, 1 - beta2, eps c, -lr c / (1 - beta1^t), 1 - lr * weight decay, weight
        decay, where c = sqrt(1 - beta2^t)."""
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        step = state["step"] = state["step"] + 1
        correction2 = (1 - beta2 ** step) ** 0.5
        return floats(1 - beta1, beta2, 1 - beta2, group["eps"] * correction2,
                      -lr * correction2 / (1 - beta1 ** step), 1 - lr * weight_decay,
                      weight_decay)

    def _branches(self, group):
        return (bool(group["weight_decay"]), bool(group["amsgrad"]), bool(group["maximize"]),
                bool(group["decoupled_weight_decay"]))

    def _update(self, group, params):
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in params:
            x = p.data
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(x),
                                         "exp_avg_sq": np.zeros_like(x)}
            (one_minus_beta1, beta2, one_minus_beta2, eps, step_size, decay,
             weight_decay) = self._numbers(group, state)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            if weight_decay and decoupled:
                x *= decay
            d = update_direction(p, t1, t2, maximize, 0 if decoupled else weight_decay)
            lerp_(m, d, one_minus_beta1, t2)
            square_average_(v, d, beta2, one_minus_beta2, t2)
            if amsgrad:
                v_max = state_buffer(state, "max_exp_avg_sq", x)
                v = np.maximum(v_max, v, out=v_max)
            # m / (sqrt(v) + eps c) * (-lr c / (1 - beta1^t)), c = sqrt(1 - beta2^t):
            # PyTorch's m / (sqrt(v) / c + eps) * (-lr / (1 - beta1^t)) with its division
            # by c folded into the two numbers (13 passes instead of 14)
            denom = np.sqrt(v, out=t2)
            denom += eps
            np.divide(m, denom, out=t1)
            t1 *= step_size
            x += t1


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p <- p * (1 - lr * weight_decay)`` before the
    Adam step, instead of adding ``weight_decay * p`` to the gradient (Adam with
    ``decoupled_weight_decay=True``, as in PyTorch)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
