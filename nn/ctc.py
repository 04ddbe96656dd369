"""``ctc_loss`` (re-exported by ``nn.functional``) and ``CTCLoss``: the connectionist
temporal classification loss, as PyTorch's.

The forward recursion over the blank-extended targets runs in log space, one step per
time step, each a log-sum-exp of the (up to) three states that lead into a state, so its
gradient (PyTorch's, which runs the backward recursion) comes from the steps' rules. A
log-sum-exp of states that are all unreachable stays -inf with no gradient, so no NaN
enters the walk; an impossible alignment gives inf (0 with ``zero_infinity``).
"""
import numpy as np

from autograd import cat, logsumexp, stack, where
from autograd.errors import ArgumentError, ShapeError
from autograd.tensor import Tensor

from .losses import _Loss


def _as_array(v, name):
    a = np.asarray(v.data if isinstance(v, Tensor) else v)
    if a.dtype.kind not in "iu":
        raise ArgumentError(f"ctc_loss: {name} must be integers, got {a.dtype}")
    return a


def _log_add(parts):
    """log(sum(exp(parts))) over the list's items, -inf (without a gradient) where all
    are -inf."""
    a = stack(parts, -1)
    dead = (a.data == -np.inf).all(-1)       # (no branch on it: ag.compile replays this)
    return where(dead, -np.inf, logsumexp(where(dead[..., None], 0.0, a), -1))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """-log p(target | input) summed over the alignments: log_probs (T, N, C) (or (T, C)),
    targets (N, S) padded or 1-d concatenated, input_lengths and target_lengths (N,).
    'mean' divides each sample's loss by its target length, then averages (PyTorch's)."""
    lp = log_probs if log_probs.ndim == 3 else log_probs.unsqueeze(1)
    if lp.ndim != 3:
        raise ShapeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape "
                         f"{log_probs.shape}")
    t_max, n, c = lp.shape
    in_len = _as_array(input_lengths, "input_lengths").reshape(-1)
    tg_len = _as_array(target_lengths, "target_lengths").reshape(-1)
    tg = _as_array(targets, "targets")
    if in_len.shape != (n,) or tg_len.shape != (n,) or (in_len > t_max).any():
        raise ShapeError(f"ctc_loss: input_lengths {in_len.tolist()} and target_lengths "
                         f"{tg_len.tolist()} must have one entry per sample ({n}), input "
                         f"lengths at most T = {t_max}")
    s_max = int(tg_len.max(initial=0))
    if tg.ndim == 1 and log_probs.ndim == 3:            # concatenated: pad to (N, S)
        ends = np.cumsum(tg_len)
        padded = np.full((n, max(s_max, 1)), blank, np.int64)
        for i, (e, k) in enumerate(zip(ends, tg_len)):
            padded[i, :k] = tg[e - k:e]
        tg = padded
    tg = tg.reshape(n, -1)[:, :max(s_max, 1)] if s_max else np.full((n, 1), blank, np.int64)
    if tg.size and ((tg < 0) | (tg >= c)).any():
        raise ArgumentError(f"ctc_loss: target values must be in [0, {c}), got "
                            f"[{tg.min()}, {tg.max()}]")
    width = 2 * tg.shape[1] + 1
    labels = np.full((n, width), blank, np.int64)
    labels[:, 1::2] = tg
    skip = np.zeros((n, width), bool)              # s - 2 -> s: a label unlike the one before
    skip[:, 3::2] = tg[:, 1:] != tg[:, :-1]
    rows = np.arange(n)[:, None]
    emit = lp[:, rows, labels]                     # (T, N, width)
    start = np.full((n, width), -np.inf)
    start[:, :2] = 0.0
    start[:, 1] = np.where(tg_len > 0, 0.0, -np.inf)
    alpha = emit[0] + start.astype(lp.dtype)
    pad = Tensor(np.full((n, 1), -np.inf, lp.dtype))
    for t in range(1, t_max):
        one = alpha[:, :-1]
        two = where(skip[:, 2:], alpha[:, :-2], -np.inf)
        prev = [alpha, cat([pad, one], 1), cat([pad, pad, two], 1)]
        step = _log_add(prev) + emit[t]
        alpha = where((t < in_len)[:, None], step, alpha)
    last = 2 * tg_len
    final = np.arange(n)
    end = [alpha[final, last],
           where(tg_len > 0, alpha[final, np.maximum(last - 1, 0)], -np.inf)]
    loss = -_log_add(end)
    if zero_infinity:
        loss = where(loss.data == np.inf, 0.0, loss)
    if reduction == "none":
        return loss if log_probs.ndim == 3 else loss.reshape(())
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return (loss / np.maximum(tg_len, 1).astype(lp.dtype)).mean()
    raise ArgumentError(f"ctc_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


class CTCLoss(_Loss):
    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
