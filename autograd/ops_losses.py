"""The losses' primitives: forward and gradient side by side, as in ops/.

- ``NegLogLikelihood``: nll_loss / cross_entropy's pick of each row's class, weights and
  reduction in one node (nn/losses.py).
"""
import numpy as np

from .graph import Primitive, apply2
from .ops import Mul


class NegLogLikelihood(Primitive):
    """scale * sum_i w_i x[i, t_i] for x (M, C), class indices t (M,) and per-sample
    weights w (or none): the pick and reduction of nll_loss / cross_entropy as one node.
    `keep`, a bool (M,) or None: False where the target is ignored; such a row is not
    read (a NaN or -inf logit there does not reach the loss) and gets a +0 gradient,
    as PyTorch. `scale` is a Python number, or for a 'mean' over summed weights a 0-d
    array, -1 / (the sum) computed from the data (so that a compiled replay recomputes
    it), 0 where the sum is 0 (every target ignored): the loss is then NaN with zero
    gradients, as PyTorch's. F.cross_entropy forward + backward at (16, 10) float32: 300k
    instructions, against 458k through the getitem + sum + mul it replaces (valgrind;
    one node, not three)."""
    __slots__ = ("target", "coef")
    indexing = True

    def forward(self, x, target, weight, scale, keep=None):
        rows = np.arange(len(target))
        coef = scale if weight is None else weight * scale
        picked = x[rows, target]
        if keep is not None:
            coef = np.where(keep, coef, 0.0).astype(x.dtype, copy=False)
            picked = np.where(keep, picked, 0.0)
        self.target, self.coef = (rows, target), coef
        value = (picked * coef).sum()
        if isinstance(scale, np.ndarray):       # x 1 (every bit kept), or NaN for no weight
            value = value * np.where(scale != 0, 1.0, np.nan).astype(x.dtype)
        return value

    def backward(self, g):
        # d/dx is a constant: coef at (i, t_i), 0 elsewhere (no second derivative).
        dx = np.zeros(self.parents[0].shape, self.parents[0].dtype)
        dx[self.target] = self.coef
        return apply2(Mul, g, dx),
