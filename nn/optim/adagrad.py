"""Adagrad and Adadelta, with PyTorch's update rules: steps scaled by accumulated
squares of the gradients."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import (Optimizer, check_hyperparameters, cpu_options, floats,
                        square_average_, update_direction)


class Adagrad(Optimizer):
    r"""Adagrad. Per step t, g the gradient (negated if `maximize`), s the sum of squares
    (``initial_accumulator_value`` at first, made for every parameter by the constructor,
    as PyTorch's):

        g <- g + weight_decay * p
        s <- s + g^2
        p <- p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_hyperparameters("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize,
                                      **cpu_options("Adagrad", foreach, fused, False,
                                                    differentiable,
                                                    ("foreach", "differentiable", "fused"))))
        for group in self.param_groups:
            for p in group["params"]:
                self._new_state(p)

    def _new_state(self, p):
        # PyTorch takes the constructor's value, also for a group added later
        value = self.defaults["initial_accumulator_value"]
        state = self.state[p] = {"step": 0, "sum": np.full_like(p.data, value)}
        return state

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: eps,
        -lr / (1 + (t - 1) lr_decay), weight decay."""
        step = state["step"] = state["step"] + 1
        return floats(group["eps"], -group["lr"] / (1 + (step - 1) * group["lr_decay"]),
                      group["weight_decay"])

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["maximize"])

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = self.state.get(p) or self._new_state(p)
            eps, neg_clr, weight_decay = self._numbers(group, state)
            d = update_direction(p, t1, t2, maximize, weight_decay)
            s = state["sum"]
            s += np.multiply(d, d, out=t2)
            std = np.sqrt(s, out=t2)
            std += eps
            np.divide(d, std, out=t1)
            t1 *= neg_clr
            p.data += t1


class Adadelta(Optimizer):
    r"""Adadelta. Per step, g the gradient (negated if `maximize`), v the mean square of
    the gradients, u the mean square of the updates:

        g <- g + weight_decay * p
        v <- rho * v + (1 - rho) * g^2
        d <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * d^2
        p <- p - lr * d
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_hyperparameters("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ArgumentError(f"Adadelta: invalid rho {rho!r}; it must be in [0, 1]")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize,
                                      **cpu_options("Adadelta", foreach, None, capturable,
                                                    differentiable,
                                                    ("capturable", "foreach", "differentiable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: rho, 1 - rho,
        eps, -lr, weight decay."""
        state["step"] += 1
        rho = group["rho"]
        return floats(rho, 1 - rho, group["eps"], -group["lr"], group["weight_decay"])

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["maximize"])

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            t1, t2, t3 = self.scratch(p, 3)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(p.data),
                                         "acc_delta": np.zeros_like(p.data)}
            rho, one_minus_rho, eps, neg_lr, weight_decay = self._numbers(group, state)
            d = update_direction(p, t1, t2, maximize, weight_decay)
            v, u = state["square_avg"], state["acc_delta"]
            square_average_(v, d, rho, one_minus_rho, t2)
            std = np.sqrt(np.add(v, eps, out=t2), out=t2)
            delta = np.sqrt(np.add(u, eps, out=t3), out=t3)
            delta /= std
            delta *= d
            square_average_(u, delta, rho, one_minus_rho, t2)
            p.data += np.multiply(delta, neg_lr, out=t2)
