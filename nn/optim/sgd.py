"""Stochastic gradient descent, with PyTorch's update rule."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import Optimizer, check_hyperparameters, cpu_options, floats, update_direction


class SGD(Optimizer):
    r"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay.

    Per step, with g the gradient (negated if `maximize`), b the momentum buffer:

        g <- g + weight_decay * p
        b <- g on the first step, else momentum * b + (1 - dampening) * g
        g <- g + momentum * b  if nesterov, else b       (only when momentum != 0)
        p <- p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        check_hyperparameters("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ArgumentError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize,
                                      **cpu_options("SGD", foreach, fused, capturable,
                                                    differentiable,
                                                    ("foreach", "fused", "differentiable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group):
        """The numbers the update passes to numpy: -lr, momentum, 1 - dampening, weight decay."""
        return floats(-group["lr"], group["momentum"], 1 - group["dampening"],
                      group["weight_decay"])

    def _branches(self, group):
        return (bool(group["momentum"]), bool(group["dampening"]), bool(group["weight_decay"]),
                bool(group["nesterov"]), bool(group["maximize"]))

    def _update(self, group, params):
        neg_lr, momentum, undamped, weight_decay = self._numbers(group)
        dampening, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            d = (update_direction(p, t1, t2, maximize, weight_decay)
                 if maximize or weight_decay else p.grad.data)
            if momentum:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(d, order="C", copy=True)
                else:
                    buf *= momentum
                    if dampening:
                        buf += np.multiply(d, undamped, out=t2)
                    else:
                        buf += d
                if nesterov:
                    np.multiply(buf, momentum, out=t2)
                    d = np.add(d, t2, out=t1)
                else:
                    d = buf
            p.data += np.multiply(d, neg_lr, out=t1)
