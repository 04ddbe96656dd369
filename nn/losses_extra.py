"""The margin, embedding and likelihood losses (re-exported by ``nn.functional`` and
``nn``), written as PyTorch's ATen and Python code writes them, from composites of
autograd primitives: their gradients come from the primitives' rules.

Where PyTorch's kernel clamps with ``clamp_min`` the gradient passes at the bound (as
``clamp``'s); where its own backward tests ``z > 0`` (multi_margin_loss) the composite
uses ``relu``, whose derivative at 0 is 0.
"""
import math

import numpy as np

from autograd import softplus, where
from autograd.errors import ArgumentError, OutOfRangeError, ShapeError
from autograd.tensor import Tensor

from .distance import _value_clamped, pairwise_distance
from .functional_activation import logsigmoid
from .losses import _Loss, _WeightedLoss, _legacy_reduction, _reduce, _target


def _same_shapes(op, **tensors):
    shapes = {name: t.shape for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ShapeError(f"{op}: expected inputs of one shape, got "
                         + ", ".join(f"{k} {v}" for k, v in shapes.items()))


def _labels(target):
    """A +-1 or class target as an array (it gets no gradient)."""
    return target.data if isinstance(target, Tensor) else np.asarray(target)


# --- likelihoods ----------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target * input (log_input), else input - target * log(input + eps);
    `full` adds Stirling's target log target - target + log(2 pi target) / 2 where
    target > 1."""
    target = _target(target, input, "poisson_nll_loss", same_shape=False)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target.data > 1
        t = where(big, target, 2.0)             # a safe input where the term is not taken
        stirling = t * t.log() - t + (t * (2 * math.pi)).log() * 0.5
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log(var) + (input - target)^2 / var) / 2 (+ log(2 pi) / 2 with `full`), var
    clamped below at eps for the value only (the gradient passes, as PyTorch's clamp_
    under no_grad); var may have input's shape, lack its last dim, or have size 1 in
    one dim. A negative var is refused."""
    if not isinstance(var, Tensor):
        if var < 0:
            raise ArgumentError("gaussian_nll_loss: var has negative entry/entries")
        var = Tensor(np.full(input.shape, var, input.dtype))
    elif (var.data < 0).any():
        raise ArgumentError("gaussian_nll_loss: var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(
                b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ShapeError(f"gaussian_nll_loss: var of shape {var.shape} does not fit input "
                             f"of shape {input.shape}")
    if reduction not in ("none", "mean", "sum"):
        raise ArgumentError(f"gaussian_nll_loss: reduction must be 'mean', 'sum' or 'none', "
                            f"got {reduction!r}")
    var = _value_clamped(var, eps)
    diff = input - _target(target, input, "gaussian_nll_loss", same_shape=False)
    loss = (var.log() + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


# --- margins ----------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target (input1 - input2) + margin), target +-1; a target that requires
    grad gets its gradient, as PyTorch's."""
    _same_shapes("margin_ranking_loss", input1=input1, input2=input2, target=target)
    target = target if isinstance(target, Tensor) else _labels(target)
    loss = ((input1 - input2) * -target + margin).clamp_min(0.0)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "margin_ranking_loss")


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where target is 1, max(0, margin - x) where it is -1 (elementwise)."""
    t = _labels(target)
    loss = where(t != 1, (margin - input).clamp_min(0.0), 0.0) + where(t != -1, input, 0.0)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "hinge_embedding_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), computed stably (softplus)."""
    target = _target(target, input, "soft_margin_loss", same_shape=False)
    _same_shapes("soft_margin_loss", input=input, target=target)
    loss = softplus(-(input * target))
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-(t log sigmoid(x) + (1 - t) log sigmoid(-x)), times `weight`, averaged over the
    classes (the last dim): one loss per sample."""
    target = _target(target, input, "multilabel_soft_margin_loss", same_shape=False)
    loss = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "multilabel_soft_margin_loss")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """For each sample with class y: sum over i != y of max(0, margin - x[y] + x[i])^p
    (times weight[y]) / C; input (N, C) or (C,), p 1 or 2."""
    if p not in (1, 2):
        raise ArgumentError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    if input.ndim not in (1, 2):
        raise ShapeError(f"multi_margin_loss: expected a 1-d or 2-d input, got shape "
                         f"{input.shape}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = np.asarray(_labels(target)).reshape(-1)
    n, c = x.shape
    if y.dtype.kind not in "iu" or y.shape != (n,):
        raise ShapeError(f"multi_margin_loss: target of shape {np.shape(target)} and dtype "
                         f"{y.dtype} does not fit input of shape {input.shape} (expected "
                         f"{n} integer class indices)")
    if y.size and (y.min() < 0 or y.max() >= c):
        raise OutOfRangeError(f"multi_margin_loss: target values in [{y.min()}, {y.max()}] "
                              f"out of range for {c} classes")
    rows = np.arange(n)
    z = (x - x[rows, y].reshape(n, 1) + margin).relu()
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[y].reshape(n, 1)
    other = np.ones((n, c), bool)
    other[rows, y] = False
    loss = where(other, z, 0.0).sum(1) / c
    loss = loss if input.ndim == 2 else loss.reshape(np.shape(_labels(target)))
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "multi_margin_loss")


# --- embeddings ------------------------------------------------------------------------------
_EPSILON = 1e-12


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1;
    rows of (N, D) inputs or two (D,) vectors (cos with 1e-12 added to each |x|^2)."""
    _same_shapes("cosine_embedding_loss", input1=input1, input2=input2)
    if input1.ndim not in (1, 2):
        raise ShapeError(f"cosine_embedding_loss: expected 1-d or 2-d inputs, got shape "
                         f"{input1.shape}")
    dim = input1.ndim - 1
    t = _labels(target)
    if np.shape(t) != input1.shape[:dim]:
        raise ShapeError(f"cosine_embedding_loss: target of shape {np.shape(t)} does not fit "
                         f"inputs of shape {input1.shape}")
    prod = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + _EPSILON) * ((input2 * input2).sum(dim) + _EPSILON)
    cos = prod / mag.sqrt()
    loss = where(t == 1, 1.0 - cos, 0.0) + where(t == -1, (cos - margin).clamp_min(0.0), 0.0)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "cosine_embedding_loss")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance; with `swap`,
    d(a, n) is min(d(a, n), d(p, n))."""
    if margin <= 0:
        raise ArgumentError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim or anchor.ndim not in (1, 2):
        raise ShapeError(f"triplet_margin_loss: expected anchor, positive and negative of one "
                         f"number of dims, 1 or 2, got shapes {anchor.shape}, {positive.shape}, "
                         f"{negative.shape}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    loss = (d_pos - d_neg + margin).clamp_min(0.0)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "triplet_margin_loss")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d `distance_function` (pairwise_distance by
    default); with `swap`, d(a, n) is min(d(a, n), d(p, n))."""
    if margin <= 0:
        raise ArgumentError(f"triplet_margin_with_distance_loss: margin must be greater than 0, "
                            f"got {margin}")
    d = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = d(anchor, positive), d(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(d(positive, negative))
    loss = (d_pos - d_neg + margin).clamp_min(0.0)
    return _reduce(loss, reduction, "triplet_margin_with_distance_loss")


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """For each sample: sum over its target classes j (the leading entries of `target` up to
    the first -1) and the other classes i of max(0, 1 - (x[j] - x[i])), over C."""
    if input.ndim not in (1, 2):
        raise ShapeError(f"multilabel_margin_loss: expected a 1-d or 2-d input, got shape "
                         f"{input.shape}")
    t = np.asarray(_labels(target))
    if t.shape != input.shape or t.dtype.kind not in "iu":
        raise ShapeError(f"multilabel_margin_loss: target of shape {t.shape} and dtype {t.dtype} "
                         f"must be integers of the input's shape {input.shape}")
    x, t = (input, t) if input.ndim == 2 else (input.reshape(1, -1), t.reshape(1, -1))
    n, c = x.shape
    if t.size and (t.max() >= c or t.min() < -1):
        raise OutOfRangeError(f"multilabel_margin_loss: target values in [{t.min()}, {t.max()}] "
                              f"out of range for {c} classes (-1 ends a list)")
    valid = np.cumprod(t >= 0, axis=1).astype(bool)          # the slots before the first -1
    rows = np.arange(n)[:, None]
    is_target = (valid[:, :, None] & (t[:, :, None] == np.arange(c))).any(1)   # (N, C)
    picked = x[rows, np.where(valid, t, 0)]                  # (N, C): x[target slot j]
    z = (x.unsqueeze(1) - picked.unsqueeze(2) + 1.0).relu()  # (N, j, i)
    keep = valid[:, :, None] & ~is_target[:, None, :]
    loss = where(keep, z, 0.0).sum((1, 2)) / c
    loss = loss if input.ndim == 2 else loss.reshape(())
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction),
                   "multilabel_margin_loss")


# --- modules ----------------------------------------------------------------------------------
class PoissonNLLLoss(_Loss):
    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(MarginRankingLoss):
    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ArgumentError(f"TripletMarginWithDistanceLoss: margin must be greater than "
                                f"0, got {margin}")
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    def forward(self, input, target):
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    def forward(self, input, target):
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        if p not in (1, 2):
            raise ArgumentError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}")
        super().__init__(weight, size_average, reduce, reduction)
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                 reduction=self.reduction)
