"""Rprop, with PyTorch's update rule."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import Optimizer, check_hyperparameters, cpu_options, floats


class Rprop(Optimizer):
    r"""Resilient backpropagation: each element moves by its own step size, which grows
    while its gradient keeps its sign and shrinks when the sign flips. Per step, g the
    gradient (negated if `maximize`), g' the previous step's (as stored), s the step sizes
    (lr at first):

        f <- etaplus where g g' > 0, etaminus where g g' < 0, 1 where g g' = 0
        s <- clip(s * f, step_size_min, step_size_max)
        g <- 0 where f = etaminus (no move after a sign change)
        p <- p - sign(g) * s;  g' <- g

    `lr` only sets the first step sizes.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_hyperparameters("Rprop", lr=lr)
        etaminus, etaplus = etas
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ArgumentError(f"Rprop: invalid eta values {etaminus!r}, {etaplus!r}; they "
                                f"must satisfy 0 < etaminus < 1 < etaplus")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize,
                                      **cpu_options("Rprop", foreach, None, capturable,
                                                    differentiable,
                                                    ("foreach", "differentiable", "capturable"))))

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state):
        """Counts `state`'s step; the numbers the update passes to numpy: etaminus,
        etaplus, the least and greatest step size, 0 and 1."""
        state["step"] += 1
        (etaminus, etaplus), (least, greatest) = group["etas"], group["step_sizes"]
        return floats(etaminus, etaplus, least, greatest, 0.0, 1.0)

    def _branches(self, group):
        return bool(group["maximize"]),

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            t1, t2 = self.scratch(p)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "prev": np.zeros_like(p.data),
                                         "step_size": np.full_like(p.data, group["lr"])}
            etaminus, etaplus, least, greatest, zero, one = self._numbers(group, state)
            prev, size = state["prev"], state["step_size"]
            if maximize:
                np.negative(p.grad.data, out=t1)
            else:
                np.copyto(t1, p.grad.data)
            factor = np.sign(np.multiply(t1, prev, out=t2), out=t2)
            np.copyto(factor, etaplus, where=factor > zero)
            np.copyto(factor, etaminus, where=factor < zero)
            np.copyto(factor, one, where=factor == zero)
            size *= factor
            np.clip(size, least, greatest, out=size)
            np.copyto(t1, zero, where=factor == etaminus)
            np.copyto(prev, t1)
            np.sign(t1, out=t1)
            t1 *= size
            p.data -= t1
