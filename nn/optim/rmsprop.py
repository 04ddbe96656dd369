"""RMSprop, with PyTorch's update rule."""
import numpy as np

from autograd.jit import numbers

from .optimizer import (Optimizer, check_hyperparameters, cpu_options, floats, lerp_,
                        square_average_, state_buffer, update_direction)


class RMSprop(Optimizer):
    r"""RMSprop (centered and with momentum as options). Per step, g the gradient
    (negated if `maximize`), v the mean square, a the mean gradient, b the buffer:

        g <- g + weight_decay * p
        v <- alpha * v + (1 - alpha) * g^2
        a <- a + (1 - alpha) * (g - a);  v~ = v - a^2     (centered; else v~ = v)
        r <- g / (sqrt(v~) + eps)
        b <- momentum * b + r;  p <- p - lr * b           (momentum > 0)
        p <- p - lr * r                                   (otherwise)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):      # all positional, in PyTorch's order
        check_hyperparameters("RMSprop", lr=lr, alpha=alpha, eps=eps,
                              weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize,
                                      **cpu_options("RMSprop", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "capturable", "differentiable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: -lr, alpha,
        1 - alpha, eps, weight decay, momentum."""
        state["step"] += 1
        alpha = group["alpha"]
        return floats(-group["lr"], alpha, 1 - alpha, group["eps"], group["weight_decay"],
                      group["momentum"])

    def _branches(self, group):
        return (bool(group["weight_decay"]), group["momentum"] > 0, bool(group["centered"]),
                bool(group["maximize"]))

    def _update(self, group, params):
        centered, maximize = group["centered"], group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(p.data)}
            neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum = self._numbers(group, state)
            d = update_direction(p, t1, t2, maximize, weight_decay)
            v = state["square_avg"]
            square_average_(v, d, alpha, one_minus_alpha, t2)
            if centered:
                a = state_buffer(state, "grad_avg", p.data)
                lerp_(a, d, one_minus_alpha, t2)
                np.multiply(a, a, out=t2)
                avg = np.sqrt(np.subtract(v, t2, out=t2), out=t2)
            else:
                avg = np.sqrt(v, out=t2)
            avg += eps
            if momentum > 0:
                buf = state_buffer(state, "momentum_buffer", p.data)
                buf *= momentum
                buf += np.divide(d, avg, out=t2)
                p.data += np.multiply(buf, neg_lr, out=t2)
            else:
                np.multiply(d, neg_lr, out=t1)
                t1 /= avg
                p.data += t1
