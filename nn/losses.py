"""Losses, as functions (re-exported by ``nn.functional``) and as modules.

All are composites of autograd primitives: cross-entropy is the fused ``log_softmax``,
an integer-index gather and a sum; the logits version of binary cross-entropy goes
through ``softplus``; the Huber family and KL divergence are ``where``/``abs``/``log``
compositions; so their gradients come from the primitives' rules and stay finite for
logits of any size.
"""
import warnings

import numpy as np

from autograd import log_softmax, softplus, where
from autograd.errors import ArgumentError, OutOfRangeError, ShapeError
from autograd.tensor import Tensor, _operand
from autograd.graph import apply1
from autograd.jit.hooks import general_path
from autograd.ops_losses import NegLogLikelihood

from .module import Module


def _reduce(loss, reduction, op):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ArgumentError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average / reduce flags, mapped onto `reduction`."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _target(target, input, op, same_shape=True, strict=False):
    """target as a Tensor; a shape other than input's warns (broadcasting), or with
    `strict` is refused, as PyTorch does for the binary cross-entropies."""
    target = target if isinstance(target, Tensor) else _operand(target, input, force=True)
    if strict and target.shape != input.shape:
        raise ShapeError(f"{op}: target size {target.shape} must be the same as input size "
                         f"{input.shape}")
    if same_shape and target.shape != input.shape:
        warnings.warn(f"{op}: using a target size {target.shape} that is different to the "
                      f"input size {input.shape}; this will likely lead to incorrect results "
                      f"due to broadcasting", stacklevel=3)
    return target


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced; `weight` as in _by_weight."""
    diff = input - _target(target, input, "mse_loss")
    return _by_weight(diff * diff, weight, input,
                      _legacy_reduction(size_average, reduce, reduction), "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced; `weight` as in _by_weight."""
    diff = input - _target(target, input, "l1_loss")
    return _by_weight(diff.abs(), weight, input,
                      _legacy_reduction(size_average, reduce, reduction), "l1_loss")


def _weighted(loss, weight, input, op):
    """loss * weight, `weight` of the input's shape (ShapeError otherwise)."""
    if tuple(weight.shape) != input.shape:
        raise ShapeError(f"{op}: weight of shape {tuple(weight.shape)} must have the input's "
                         f"shape {input.shape}")
    return loss * weight


def _by_weight(loss, weight, input, reduction, op):
    """`loss` reduced; with `weight`, loss * weight, whose 'mean' is its sum over the
    weights' sum, as PyTorch's weighted mse_loss and l1_loss (huber_loss's is the mean)."""
    if weight is None:
        return _reduce(loss, reduction, op)
    loss = _weighted(loss, weight, input, op)
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction, op)


def _quadratic_then_linear(input, target, cut, quad_scale, lin_scale, op):
    """Elementwise, with d = input - target: quad_scale * d^2 / 2 where |d| < cut, else
    lin_scale * (|d| - cut / 2): the Huber shape, scaled as each loss defines it."""
    diff = input - _target(target, input, op)
    size = diff.abs()
    small = ~(size.data >= cut)         # NaN too: its gradient is NaN, as PyTorch's
    near = where(small, diff, 0.0)      # not d: the square's 0 * 2d at an infinite d is NaN
    return where(small, near * near * (0.5 * quad_scale), (size - 0.5 * cut) * lin_scale)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """d^2 / 2 where |d| < delta, else delta * (|d| - delta / 2), with d = input - target;
    `weight` (the input's shape) scales each element before the reduction."""
    if not delta > 0:
        raise ArgumentError(f"huber_loss: delta must be positive, got {delta}")
    loss = _quadratic_then_linear(input, target, delta, 1.0, delta, "huber_loss")
    if weight is not None:
        loss = _weighted(loss, weight, input, "huber_loss")
    return _reduce(loss, reduction, "huber_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2, with d = input - target
    (Huber loss divided by beta); beta = 0 is the L1 loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    loss = _quadratic_then_linear(input, target, beta, 1.0 / beta, 1.0, "smooth_l1_loss")
    return _reduce(loss, reduction, "smooth_l1_loss")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",
           log_target=False):
    """Pointwise KL divergence of `target` from the distribution whose log-probabilities
    are `input`: target * (log target - input), taken as 0 where target = 0, where the
    target's gradient is -input (PyTorch's NaN: docs/special_values.md). With
    `log_target`, target holds log-probabilities: exp(target) * (target - input).
    'batchmean' divides the sum by input.shape[0], which is the KL divergence per sample;
    'mean' divides by the number of elements (with PyTorch's warning)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch "
                      "size and the support size; 'batchmean' divides only by the batch "
                      "size, which is the KL divergence", stacklevel=2)
    target = _target(target, input, "kl_div", same_shape=False)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target.data > 0
        safe = where(positive, target, 1.0)
        loss = where(positive, target * safe.log(), 0.0) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        if not input.ndim:
            return total
        n = input.shape[0]          # 0 / 0 = NaN over no sample, as PyTorch
        return total * (1.0 / n if n else float("nan"))
    return _reduce(loss, reduction, "kl_div")


def _class_targets(input, target, op):
    """(log-probs as (M, C), int targets (M,), shape of the per-sample loss)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise ArgumentError(f"{op}: class-index targets must be integers, got {t.dtype}; for "
                        f"class probabilities pass a float target of the input's shape")
    if input.ndim == 0:
        raise ShapeError(f"{op}: input must have a class dim: (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d tensor")
    if input.ndim == 1:                          # unbatched (C,) with a scalar target
        if t.shape != ():
            raise ShapeError(f"{op}: an unbatched input of shape {input.shape} needs a scalar "
                             f"target, got shape {t.shape}")
        return input.reshape(1, -1), t.reshape(1), ()
    expected = input.shape[:1] + input.shape[2:]
    if t.shape != expected:
        raise ShapeError(f"{op}: input of shape {input.shape} needs a target of shape "
                         f"{expected}, got {t.shape}")
    if input.ndim > 2:                           # (N, C, d1, ...): classes last, then flatten
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])
        t = t.reshape(-1)
    return input, t, expected


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] (input holds log-probabilities), weighted by weight[target];
    'mean' divides by the summed weights of the non-ignored targets."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    logp, t, shape = _class_targets(input, target, "nll_loss")
    return _nll(logp, t, shape, weight, ignore_index, reduction, "nll_loss")[0]


def _nll(logp, t, shape, weight, ignore_index, reduction, op):
    """The NLL loss of (M, C) log-probs, the mask of non-ignored targets (None if none is
    ignored) and the divisor of 'mean'; the label-smoothing term reuses the last two."""
    m, c = logp.shape
    keep, safe = None, t
    # No target ignored (the same bits as a mask of nothing): the mask is skipped. For an
    # ignore_index outside [0, c) (the default -100) that, and every target's being a
    # class, is one test: the largest target seen unsigned (a negative one is then above
    # every class) is below c. A compiled step traced with another batch takes the
    # general path for good. benchmarks/mlp_step.py's compiled B=16 step: 2 numpy calls
    # here rather than 4 (7 before the general path's split)
    if not t.size:
        bad = False
    elif 0 <= ignore_index < c or general_path(_unsigned(t).max() >= c):
        lo, hi = t.min(), t.max()
        if general_path((lo <= ignore_index) & (ignore_index <= hi)):
            keep = t != ignore_index
            safe = np.where(keep, t, 0)
            lo, hi = safe.min(), safe.max()
        bad = lo < 0 or hi >= c
    else:
        bad = False
    if bad:
        bad = safe[(safe < 0) | (safe >= c)][0]
        raise OutOfRangeError(f"{op}: target {bad} is out of bounds for {c} classes (targets "
                              f"must lie in [0, {c}) or equal ignore_index={ignore_index})")
    w = None
    if weight is not None:
        wdata = _class_weight(weight, c, op)
        w = wdata[safe].astype(logp.dtype, copy=False)
    if keep is not None:
        w = keep.astype(logp.dtype) if w is None else w * keep
    # the divisor of 'mean': with weights or a mask, their sum as an array (a compiled
    # replay recomputes it; a Python float would be a constant of the trace)
    total = m if w is None else w.sum()
    if reduction == "sum" or (reduction == "mean" and m):
        # One fused node for the pick, weights and reduction (autograd/ops_losses.py NegLogLikelihood).
        scale = (-1.0 if reduction == "sum" else -1.0 / m if w is None
                 else _inverse(total, logp.dtype, -1.0))
        return apply1(NegLogLikelihood, logp, safe, w, scale, keep), keep, total
    picked = logp[np.arange(m), safe]
    if w is None:
        if reduction == "mean":
            return _mean(picked.sum(), -m), None, m
        loss = -picked
    else:
        loss = picked * -w
    if keep is not None:        # an ignored row's logits are not read, as PyTorch
        loss = loss.where(keep, 0.0)
    if reduction == "mean":
        return _mean(loss.sum(), total), keep, total
    if reduction == "sum":
        return loss.sum(), keep, total
    if reduction == "none":
        return loss.reshape(shape), keep, total
    raise ArgumentError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _unsigned(t):
    """Integer array `t` as unsigned 64-bit integers (two's complement: a negative value
    is above every class); a narrower signed array is widened first (int8's -1 viewed as
    uint8 is 255, a class of 300)."""
    if t.dtype.kind == "u":
        return t
    return (t if t.dtype.itemsize == 8 else t.astype(np.int64)).view(np.uint64)


def _class_weight(weight, c, op):
    """The per-class weight as an array, checked to hold one value per class."""
    wdata = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    if wdata.shape != (c,):
        raise ShapeError(f"{op}: weight of shape {wdata.shape} must hold one value per class, "
                         f"shape ({c},)")
    return wdata


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (N, C) or (N, C, d1, ...) against class indices
    (N,) / (N, d1, ...), or against class probabilities of the input's shape.

    With label_smoothing e the target mixes (1 - e) of the class with e/C uniform, as
    PyTorch: loss = (1 - e) * nll + e/C * sum_c w_c * (-log p_c)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f":
        if ignore_index != -100:
            raise ArgumentError(f"cross_entropy: ignore_index ({ignore_index}) is for class-index "
                                f"targets; the target holds class probabilities (dtype "
                                f"{t.dtype}), where no class is ignored: leave it at -100")
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing)
    logp, t, shape = _class_targets(log_softmax(input, 1 if input.ndim > 1 else 0), t,
                                    "cross_entropy")
    loss, keep, total = _nll(logp, t, shape, weight, ignore_index, reduction, "cross_entropy")
    if not label_smoothing:
        return loss
    c = logp.shape[1]
    if weight is not None:
        logp = logp * _class_weight(weight, c, "cross_entropy").astype(logp.dtype, copy=False)
    smooth = -logp.sum(1)
    if keep is not None:
        smooth = smooth.where(keep, 0.0)
    if reduction == "mean":
        smooth = _mean(smooth.sum(), total)
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        smooth = smooth.reshape(shape)
    return loss * (1.0 - label_smoothing) + smooth * (label_smoothing / c)


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing):
    """-sum_c w_c * target_c * log softmax(input)_c per sample; 'mean' divides by the
    number of samples, N * d1 * ... for an (N, C, d1, ...) input (not by the weights)."""
    dim = 1 if input.ndim > 1 else 0
    target = _target(target, input, "cross_entropy")
    if target.shape != input.shape:
        raise ShapeError(f"cross_entropy: probability targets must have the input's shape "
                         f"{input.shape}, got {target.shape}")
    c = input.shape[dim]
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / c
    prod = log_softmax(input, dim) * target
    if weight is not None:
        wdata = _class_weight(weight, c, "cross_entropy")
        prod = prod * wdata.astype(input.dtype).reshape((c,) + (1,) * (input.ndim - 2))
    loss = -prod.sum(dim)
    if reduction == "mean":      # over every sample: N * d1 * ... (NaN for none, as PyTorch)
        return _mean(loss.sum(), loss.data.size)
    return _reduce(loss, reduction, "cross_entropy")


def _clamped_log(x, log_x=None):
    """log x clamped at -100 (PyTorch's BCE value), with the gradient 1/max(x, 1e-12),
    so a prediction of exactly 0 or 1 on the wrong side still gets a learning signal:
    the value comes from a constant correction, the gradient from log(max(x, eps)).
    `log_x`, if given, is the value's log x computed more exactly (log1p(-p) for
    x = 1 - p, as PyTorch: log(1 - 1e-8) is 0 in float32)."""
    d = x.data
    safe = x + (np.maximum(d, 1e-12) - d).astype(d.dtype, copy=False)
    log = safe.log()
    positive = d > 0
    if log_x is None:
        log_x = np.log(np.where(positive, d, 1))
    clamped = np.where(positive, np.maximum(log_x, -100.0), -100.0)
    return log + (clamped - log.data).astype(d.dtype, copy=False)


def _mean(total, count):
    """total / count; for count 0 (every target ignored) NaN with zero gradients, as
    PyTorch, rather than NaN gradients that would poison every parameter; also for a
    total weight of 0, where PyTorch's gradients are NaN (docs/special_values.md).
    `count` is a Python number or a 0-d array of summed weights (see _inverse)."""
    if isinstance(count, (np.ndarray, np.generic)):
        inv = _inverse(count, total.dtype)
        return (total * inv).where(inv != 0, float("nan"))
    return total * (1.0 / count) if count else total * 0.0 + float("nan")


def _inverse(count, dtype, numerator=1.0):
    """numerator / count as a 0-d array of `dtype`, 0 where count is 0, from a 0-d array
    `count` (summed weights, computed from the data so that a compiled replay recomputes
    it): divided in float64 and then cast, the bits of ``numerator / float(count)``
    beside an array of `dtype` (numpy casts a Python float to the array's dtype)."""
    c = count.astype(np.float64)
    nonzero = c != 0
    return np.where(nonzero, numerator / np.where(nonzero, c, 1.0), 0.0).astype(dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p = `input`, with each log
    clamped at -100 so that p = 0 or 1 give a finite loss and gradient."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    target = _target(target, input, "binary_cross_entropy", strict=True)
    p = input.data
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ArgumentError("binary_cross_entropy: all elements of input should be between 0 "
                         "and 1; for logits use binary_cross_entropy_with_logits")
    t = target.data
    if t.size and (t.min() < 0 or t.max() > 1):     # as PyTorch: a loss of no meaning
        raise ArgumentError(f"binary_cross_entropy: all elements of target should be between "
                            f"0 and 1, got values in [{t.min()}, {t.max()}]")
    log1m = np.log1p(np.where(p < 1, -p, 0))          # log(1 - p), exact for small p
    # PyTorch's arrangement, so that its zeros' signs come out (p = t = 0 gives +0)
    loss = (target - 1.0) * _clamped_log(1.0 - input, log1m) - target * _clamped_log(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable expression:
    (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), finite for any logit x."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    target = _target(target, input, "binary_cross_entropy_with_logits", strict=True)
    if pos_weight is None:
        loss = softplus(input) - target * input             # = (1 - t) x + softplus(-x)
    else:
        lw = (target * (pos_weight - 1.0)) + 1.0
        loss = (1.0 - target) * input + lw * softplus(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


# --- modules ---------------------------------------------------------------------------
class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight if weight is None or isinstance(weight, Tensor)
                             else Tensor(np.asarray(weight)))


class MSELoss(_Loss):
    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """NLLLoss under PyTorch's deprecated name for (N, C, H, W) inputs."""


class CrossEntropyLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        for name, value in (("weight", weight), ("pos_weight", pos_weight)):
            self.register_buffer(name, value if value is None or isinstance(value, Tensor)
                                 else Tensor(np.asarray(value)))

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class KLDivLoss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
