"""Averaged SGD, with PyTorch's update rule."""
import numpy as np

from autograd.jit import numbers

from .optimizer import Optimizer, check_hyperparameters, cpu_options, floats, update_direction


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent. Per step t, g the gradient (negated if
    `maximize`), with the state's step size eta (lr at first) and averaging weight mu
    (1 at first), a the average of the parameters:

        g <- g + weight_decay * p
        p <- p * (1 - lambd * eta) - eta * g
        a <- p  if mu = 1, else  a + mu * (p - a)
        eta <- lr / (1 + lambd * lr * t)^alpha;  mu <- 1 / max(1, t - t0)

    Both cases of the average are one sequence of numpy calls whose numbers pick the
    case: c + mu * (p - c), c = clip(a, lo, hi), with lo = hi = 0 for mu = 1 (p itself,
    whatever a holds) and the whole line otherwise (a). The same values as PyTorch's
    branch, and a compiled step does not retrace when mu leaves 1.
    """

    _scalar_state = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_hyperparameters("ASGD", lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize,
                                      **cpu_options("ASGD", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "differentiable", "capturable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step and sets its eta and mu for the next step; the numbers
        the update passes to numpy: 1 - lambd * eta, -eta, the bounds of the average's
        clip, mu, weight decay (this step's eta and mu)."""
        lr, lambd = group["lr"], group["lambd"]
        eta, mu = state["eta"], state["mu"]
        step = state["step"] = state["step"] + 1
        state["eta"] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"] = 1 / max(1, step - group["t0"])
        bound = 0.0 if mu == 1 else float("inf")
        return floats(1 - lambd * eta, -eta, -bound, bound, mu, group["weight_decay"])

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["maximize"])

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "eta": float(group["lr"]), "mu": 1.0,
                                         "ax": np.zeros_like(p.data)}
            decay, neg_eta, lo, hi, mu, weight_decay = self._numbers(group, state)
            d = update_direction(p, t1, t2, maximize, weight_decay)
            x, ax = p.data, state["ax"]
            x *= decay
            x += np.multiply(d, neg_eta, out=t2)
            c = np.clip(ax, lo, hi, out=t1)
            np.subtract(x, c, out=t2)
            t2 *= mu
            np.add(c, t2, out=ax)
