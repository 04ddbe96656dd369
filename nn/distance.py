"""``cosine_similarity`` and ``pairwise_distance`` (re-exported by ``nn.functional``) and
their modules, as PyTorch computes them: composites of norm, clamp and sums."""
import numpy as np

from autograd import where
from autograd.errors import ShapeError

from .module import Module


def _broadcast(x1, x2, op):
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"{op}: x1 of shape {x1.shape} and x2 of shape {x2.shape} do not "
                         f"broadcast") from None
    return (x1 if x1.shape == shape else x1.expand(*shape),
            x2 if x2.shape == shape else x2.expand(*shape))


def _value_clamped(x, low):
    """x with its value clamped below at `low` and its gradient passed unchanged (what
    PyTorch's clamp_min_ under no_grad gives)."""
    held = x.detach()
    return where(held.data < low, (x - held) + low, x)    # x - held is exactly 0


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) along dim, x1 and x2
    broadcast to one shape; each vector is divided by its clamped norm first and the
    clamp is not differentiated (as PyTorch)."""
    x1, x2 = _broadcast(x1, x2, "cosine_similarity")
    n1 = _value_clamped(x1.norm(dim=dim, keepdim=True), eps)
    n2 = _value_clamped(x2.norm(dim=dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (of the broadcast shape), as PyTorch."""
    if x1.ndim == 0 and x2.ndim == 0:
        raise ShapeError("pairwise_distance: expected inputs with at least one dim, got two "
                         "0-d tensors")
    dim = max(x1.ndim, x2.ndim) - 1
    return (x1 - x2 + eps).norm(p=p, dim=dim, keepdim=keepdim)


class CosineSimilarity(Module):
    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
