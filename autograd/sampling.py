"""``multinomial``: category indices drawn from rows of non-negative weights, and
``bernoulli``: 0 or 1 per element, on autograd's default generator (so ``manual_seed``
reproduces them) or a given numpy Generator. No gradient (bernoulli's is zero)."""
import numpy as np

from .creation import default_generator
from .errors import ArgumentError, DtypeError, ShapeError
from .functions import where
from .graph import _wrap
from .public import public
from .tensor import Tensor


@public(method=True)
def multinomial(input, num_samples, replacement=False, generator=None):
    """Draw `num_samples` indices per row of `input` (k,) or (m, k), with probability
    proportional to the row's weights (which need not sum to 1), as ``torch.multinomial``.

    With replacement each draw is independent (inverse CDF of one uniform). Without,
    the draws are those of sampling one at a time and removing what was drawn: the
    indices of the `num_samples` smallest of E_i / w_i with E_i exponential (the
    exponential race, exact and vectorised); a row then needs that many non-zero weights."""
    w = np.asarray(input.data if isinstance(input, Tensor) else input)
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ShapeError(f"multinomial: expected a 1-d or 2-d tensor of weights with at least "
                         f"one category, got shape {w.shape}")
    if w.dtype.kind != "f":
        raise ArgumentError(f"multinomial: weights must be floating point, as in PyTorch; got "
                            f"{w.dtype} of shape {w.shape} (use .float())")
    w = w.astype(np.float64).reshape(-1, w.shape[-1])
    if not np.isfinite(w).all() or (w < 0).any():
        raise ArgumentError("multinomial: weights must be finite and non-negative")
    total = w.sum(axis=1)
    if (total <= 0).any():
        raise ArgumentError(f"multinomial: every row needs a positive total weight; row(s) "
                            f"{np.flatnonzero(total <= 0).tolist()} sum to 0")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 1:
        raise ArgumentError(f"multinomial: num_samples must be a positive int, got "
                            f"{num_samples!r}")
    rng = default_generator() if generator is None else generator
    if replacement:
        out = _with_replacement(w, total, num_samples, rng)
    else:
        nonzero = (w > 0).sum(axis=1)
        if num_samples > nonzero.min():
            raise ArgumentError(f"multinomial: cannot draw {num_samples} samples without "
                                f"replacement from a row with only {nonzero.min()} categories "
                                f"of non-zero weight")
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(w.shape) / w       # weight 0: +inf, never drawn
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64, copy=False)
    return _wrap(out if input.ndim == 2 else out[0], None)


def _with_replacement(w, total, num_samples, rng):
    cdf = np.cumsum(w, axis=1)
    u = rng.random((w.shape[0], num_samples)) * total[:, None]
    idx = np.stack([np.searchsorted(c, row, side="right") for c, row in zip(cdf, u)])
    # u * total can round up to the total: fall back on the last category of non-zero weight
    last = w.shape[1] - 1 - np.argmax(w[:, ::-1] > 0, axis=1)
    return np.minimum(idx, last[:, None])



@public(method=True)
def bernoulli(input, p=None, generator=None):
    """1 with probability `input` (or the number `p`, if given) and 0 otherwise, per
    element, as ``torch.bernoulli``: `input`'s shape and floating dtype, drawn from
    autograd's default generator (``manual_seed`` reproduces them, as dropout's masks) or
    the numpy Generator `generator`. Probabilities outside [0, 1] (or NaN) raise. The
    gradient is zero (the result requires grad where `input` does, as PyTorch's)."""
    if not isinstance(input, Tensor) or input.data.dtype.kind != "f":
        what = f"{input.data.dtype} tensor" if isinstance(input, Tensor) else type(input).__name__
        raise DtypeError(f"bernoulli: expected a floating-point Tensor of probabilities, got "
                         f"a {what}")
    x = input.data
    probs = x if p is None else p
    if not np.all((np.asarray(probs) >= 0) & (np.asarray(probs) <= 1)):
        raise ArgumentError(f"bernoulli: probabilities must be in [0, 1] (no NaN), got "
                            f"{'p=' + repr(p) if p is not None else 'input of shape ' + str(x.shape)}")
    rng = default_generator() if generator is None else generator
    draws = (rng.random(x.shape) < probs).astype(x.dtype)
    if input._node is None:
        return _wrap(draws, None)
    return where(np.zeros(x.shape, bool), input, draws)       # an exact zero gradient
