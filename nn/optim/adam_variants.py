"""Adamax, NAdam and RAdam: Adam's moments with PyTorch's other update rules."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import (Optimizer, check_hyperparameters, cpu_options, floats, lerp_,
                        square_average_, update_direction)


def _check_betas(name, betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ArgumentError(f"{name}: invalid beta parameter at index {i}: {beta!r}; "
                                f"each beta must be in [0, 1)")
    return tuple(betas)


def _moments(opt, p, *names):
    """`p`'s state, made with a step count of 0 and zero buffers `names` if absent."""
    state = opt.state.get(p)
    if state is None:
        state = opt.state[p] = {"step": 0, **{k: np.zeros_like(p.data) for k in names}}
    return state


class Adamax(Optimizer):
    r"""Adamax, Adam with the infinity norm. Per step t, g the gradient (negated if
    `maximize`), m the mean gradient, u the decayed maximum of |g|:

        g <- g + weight_decay * p
        m <- m + (1 - beta1) * (g - m)
        u <- max(beta2 * u, |g| + eps)
        p <- p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_hyperparameters("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas("Adamax", betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      **cpu_options("Adamax", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "differentiable", "capturable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: 1 - beta1,
        beta2, eps, -lr / (1 - beta1^t), weight decay."""
        (beta1, beta2), step = group["betas"], state["step"] + 1
        state["step"] = step
        return floats(1 - beta1, beta2, group["eps"], -group["lr"] / (1 - beta1 ** step),
                      group["weight_decay"])

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["maximize"])

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = _moments(self, p, "exp_avg", "exp_inf")
            one_minus_beta1, beta2, eps, neg_clr, weight_decay = self._numbers(group, state)
            d = update_direction(p, t1, t2, maximize, weight_decay)
            m, u = state["exp_avg"], state["exp_inf"]
            lerp_(m, d, one_minus_beta1, t2)
            u *= beta2
            norm = np.abs(d, out=t2)
            norm += eps
            np.maximum(u, norm, out=u)
            np.divide(m, u, out=t1)
            t1 *= neg_clr
            p.data += t1


class NAdam(Optimizer):
    r"""NAdam, Adam with Nesterov momentum. Per step t, g the gradient (negated if
    `maximize`), m and v the moment estimates, mu_t = beta1 (1 - 0.96^(t psi) / 2) with
    psi the `momentum_decay`, and mu_product = mu_1 ... mu_t (kept in the state):

        g <- g + weight_decay * p                  (L2 penalty in the gradient)
        p <- p * (1 - lr * weight_decay)           (decoupled_weight_decay=True, instead)
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        q <- sqrt(v / (1 - beta2^t)) + eps
        p <- p - lr (1 - mu_t) / (1 - mu_product) * g / q
               - lr mu_(t+1) / (1 - mu_product mu_(t+1)) * m / q
    """

    _scalar_state = ("mu_product",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_hyperparameters("NAdam", lr=lr, eps=eps, weight_decay=weight_decay,
                              momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas("NAdam", betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize,
                                      **cpu_options("NAdam", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "capturable", "differentiable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step and multiplies its mu_product by mu_t; the numbers the
        update passes to numpy: 1 - beta1, beta2, 1 - beta2, 1 - beta2^t, eps, the two
        step factors, 1 - lr * weight decay, weight decay."""
        lr, (beta1, beta2), psi = group["lr"], group["betas"], group["momentum_decay"]
        step = state["step"] = state["step"] + 1
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = state["mu_product"] = state["mu_product"] * mu
        return floats(1 - beta1, beta2, 1 - beta2, 1 - beta2 ** step, group["eps"],
                      -lr * (1.0 - mu) / (1.0 - mu_product),
                      (-lr * mu_next) / (1.0 - mu_product * mu_next),
                      1 - lr * group["weight_decay"], group["weight_decay"])

    def _branches(self, group):
        return (bool(group["weight_decay"]), bool(group["decoupled_weight_decay"]),
                bool(group["maximize"]))

    def _update(self, group, params):
        maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "mu_product": 1.0,
                                         "exp_avg": np.zeros_like(p.data),
                                         "exp_avg_sq": np.zeros_like(p.data)}
            (one_minus_beta1, beta2, one_minus_beta2, correction2, eps, grad_factor,
             avg_factor, decay, weight_decay) = self._numbers(group, state)
            if weight_decay and decoupled:
                p.data *= decay
            d = update_direction(p, t1, t2, maximize, 0 if decoupled else weight_decay)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            lerp_(m, d, one_minus_beta1, t2)
            square_average_(v, d, beta2, one_minus_beta2, t2)
            denom = np.sqrt(np.divide(v, correction2, out=t2), out=t2)
            denom += eps
            np.divide(d, denom, out=t1)
            t1 *= grad_factor
            p.data += t1
            np.divide(m, denom, out=t1)
            t1 *= avg_factor
            p.data += t1


class RAdam(Optimizer):
    r"""RAdam, Adam with the variance of its adaptive step rectified. Per step t, g the
    gradient (negated if `maximize`), m and v the moment estimates,
    rho_inf = 2 / (1 - beta2) - 1 and rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t):

        g <- g + weight_decay * p                  (L2 penalty in the gradient)
        p <- p * (1 - lr * weight_decay)           (decoupled_weight_decay=True, instead)
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        p <- p - lr m / (1 - beta1^t) * r_t sqrt(1 - beta2^t) / (sqrt(v) + eps)
                                                   (rho_t > 5; r_t the rectification)
        p <- p - lr m / (1 - beta1^t)              (otherwise: an SGD step with momentum)

    Both cases are one sequence of numpy calls whose numbers pick the case, the second
    with sqrt(v) capped at 0, 1 for eps and for r_t sqrt(1 - beta2^t): each case's
    formula bit for bit (these change no bits), and a compiled step does not retrace
    when rho_t passes 5.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_hyperparameters("RAdam", lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas("RAdam", betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      **cpu_options("RAdam", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "capturable", "differentiable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: 1 - beta1,
        beta2, 1 - beta2, 1 - beta1^t, lr, the cap of sqrt(v), eps (or 1),
        sqrt(1 - beta2^t) (or 1), r_t (or 1), 1 - lr * weight decay, weight decay."""
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        step = state["step"] = state["step"] + 1
        correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (float("inf"), group["eps"], correction2 ** 0.5, rect)
        else:
            adaptive = (0.0, 1.0, 1.0, 1.0)
        return floats(1 - beta1, beta2, 1 - beta2, 1 - beta1 ** step, lr, *adaptive,
                      1 - lr * weight_decay, weight_decay)

    _branches = NAdam._branches

    def _update(self, group, params):
        maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = _moments(self, p, "exp_avg", "exp_avg_sq")
            (one_minus_beta1, beta2, one_minus_beta2, correction1, lr, cap, eps, scale, rect,
             decay, weight_decay) = self._numbers(group, state)
            if weight_decay and decoupled:
                p.data *= decay
            d = update_direction(p, t1, t2, maximize, 0 if decoupled else weight_decay)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            lerp_(m, d, one_minus_beta1, t2)
            square_average_(v, d, beta2, one_minus_beta2, t2)
            # PyTorch's m / (1 - beta1^t) * lr * (sqrt(1 - beta2^t) / (sqrt(v) + eps)) * r_t
            np.divide(m, correction1, out=t1)
            t1 *= lr
            denom = np.minimum(np.sqrt(v, out=t2), cap, out=t2)
            denom += eps
            t1 *= np.divide(scale, denom, out=t2)
            t1 *= rect
            p.data -= t1
