"""RMSprop, with PyTorch's update rule."""
import numpy as np

from .optimizer import Optimizer, check_hyperparameters, state_buffer


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
                 centered=False, *, maximize=False):
        check_hyperparameters("RMSprop", lr=lr, alpha=alpha, eps=eps,
                              weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, group, params):
        lr, alpha, eps, weight_decay = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
        for p in params:
            x, d = p.data, p.grad.data
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(x)}
            state["step"] += 1
            if maximize:
                d = np.negative(d, out=t1)
            if weight_decay:
                np.multiply(x, weight_decay, out=t2)
                d = np.add(d, t2, out=t1)
            v = state["square_avg"]
            v *= alpha
            np.multiply(d, 1 - alpha, out=t2)
            t2 *= d
            v += t2
            if centered:
                a = state_buffer(state, "grad_avg", x)
                np.subtract(d, a, out=t2)
                t2 *= 1 - alpha
                a += t2
                np.multiply(a, a, out=t2)
                avg = np.sqrt(np.subtract(v, t2, out=t2), out=t2)
            else:
                avg = np.sqrt(v, out=t2)
            avg += eps
            if momentum > 0:
                buf = state_buffer(state, "momentum_buffer", x)
                buf *= momentum
                buf += np.divide(d, avg, out=t2)
                x += np.multiply(buf, -lr, out=t2)
            else:
                np.multiply(d, -lr, out=t1)
                t1 /= avg
                x += t1
