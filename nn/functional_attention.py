"""``F.scaled_dot_product_attention`` and the attention core that
``nn.MultiheadAttention`` shares with it, as composites of autograd ops (so gradients of
every order come from the primitives).

softmax(q k^T * scale + mask) v over the last two dims; masks follow PyTorch: a bool mask
says which positions *take part* (True = attend), a float mask is added to the scores,
``is_causal`` keeps key j <= query i (top-left aligned). A query row whose keys are all
masked out attends to nothing: its output and weights are 0 and it passes no gradient
(PyTorch's SDPA does the same; its MultiheadAttention with need_weights=True gives NaN).
"""
import math

import numpy as np

from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd.graph import applyn
from autograd.ops_nn import Attention
from autograd.state import any_or_tracing
from autograd.tensor import Tensor


def mask_array(mask, op, name="attn_mask"):
    """A mask (Tensor or array-like) as an ndarray; DtypeError unless bool or floating."""
    arr = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype.kind not in "bf":
        raise DtypeError(f"{op}: {name} must be bool or floating, got {arr.dtype} of shape "
                         f"{arr.shape}")
    return arr


def attend(q, k, v, keep=None, bias=None, dropout_p=0.0, scale=None, need_weights=False,
           rows_alive=False):
    """(softmax(q k^T * scale + bias, masked to `keep`) v, weights or None).

    `keep`: a bool ndarray broadcastable to (..., L, S), True where a query may attend;
    `bias`: a float Tensor or ndarray added to the scores. Rows with no key left give 0;
    `rows_alive=True` says none can be (a causal mask keeps key 0), which saves a pass
    over the scores looking for them."""
    from . import functional as F
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    if (dropout_p == 0.0 and not need_weights and bias is None
            and q.dtype == k.dtype == v.dtype and q.dtype.kind == "f"
            and q.shape[:-2] == k.shape[:-2] == v.shape[:-2] and q.shape[-2] and k.shape[-2]
            and (keep is None or rows_alive or keep.any(axis=-1).all())):
        return applyn(Attention, (q, k, v), scale, _dropped(keep)), None
    scores = (q * scale) @ k.mT
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        scores = scores.where(keep, -np.inf)
    dead = None
    if (keep is not None or bias is not None) and not rows_alive:
        dead = np.isneginf(scores.data).all(axis=-1, keepdims=True)
        if any_or_tracing(dead):
            scores = scores.where(~dead, 0.0)
        else:
            dead = None
    weights = scores.softmax(-1)
    if dead is not None:
        weights = weights.where(~dead, 0.0)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return weights @ v, (weights if need_weights else None)


def _dropped(keep):
    """The fused Attention's mask: True where a key is hidden, in its transposed
    (..., S, L) layout; None for no mask. Causal masks are made once per shape."""
    if keep is None:
        return None
    if keep.ndim < 2:
        keep = keep.reshape((1,) * (2 - keep.ndim) + keep.shape)
    cached = keep is _CAUSAL.get(keep.shape)
    key = ("drop",) + keep.shape
    if cached and key in _CAUSAL:
        return _CAUSAL[key]
    drop = np.ascontiguousarray(np.logical_not(keep).swapaxes(-1, -2))
    if cached:
        drop.flags.writeable = False
        _CAUSAL[key] = drop
    return drop


def _causal(L, S):
    """Bool (L, S), True where query i may attend to key j (j <= i): made once per shape
    (read-only)."""
    keep = _CAUSAL.get((L, S))
    if keep is None:
        keep = _CAUSAL[(L, S)] = np.tri(L, S, dtype=bool)
        keep.flags.writeable = False
    return keep


_CAUSAL = {}


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """Attention as ``torch.nn.functional.scaled_dot_product_attention``: query
    (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev).

    attn_mask: bool (True = take part) or float (added), broadcastable to (..., L, S);
    is_causal: a lower-triangular mask (not together with attn_mask); scale: defaults to
    1/sqrt(E); dropout_p: dropout on the weights (always applied when > 0, as PyTorch);
    enable_gqa: key/value with fewer heads (dim -3) than the query are shared by groups
    of query heads."""
    op = "scaled_dot_product_attention"
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError(f"{op}: query, key and value need at least 2 dims, got shapes "
                         f"{query.shape}, {key.shape} and {value.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{op}: query (..., L, E) {query.shape}, key (..., S, E) {key.shape} "
                         f"and value (..., S, Ev) {value.shape} do not fit")
    if not 0.0 <= dropout_p <= 1.0:
        raise ArgumentError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa:
        key, value = _share_heads(key, query.shape, op), _share_heads(value, query.shape, op)
    L, S = query.shape[-2], key.shape[-2]
    keep = bias = None
    if is_causal:
        if attn_mask is not None:
            raise ArgumentError(f"{op}: pass either attn_mask or is_causal=True, not both")
        keep = _causal(L, S)                   # every row keeps key 0: none is empty
    elif attn_mask is not None:
        arr = mask_array(attn_mask, op)
        try:
            np.broadcast_shapes(arr.shape, query.shape[:-2] + (L, S))
        except ValueError:
            raise ShapeError(f"{op}: attn_mask of shape {arr.shape} does not broadcast to the "
                             f"scores' shape {query.shape[:-2] + (L, S)}") from None
        if arr.dtype == bool:
            keep = arr
        elif isinstance(attn_mask, Tensor) and attn_mask.requires_grad:
            bias = attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)
        else:
            bias = arr.astype(query.dtype, copy=False)
    return attend(query, key, value, keep, bias, dropout_p, scale, rows_alive=is_causal)[0]


def _share_heads(x, qshape, op):
    """Repeat each of x's heads (dim -3) so that it has as many as the query."""
    if x.ndim < 3 or len(qshape) < 3 or qshape[-3] % x.shape[-3]:
        raise ShapeError(f"{op}: enable_gqa needs the query's heads (dim -3 of {qshape}) to be "
                         f"a multiple of the key/value heads (dim -3 of {x.shape})")
    groups = qshape[-3] // x.shape[-3]
    if groups == 1:
        return x
    lead, (h, s, e) = x.shape[:-3], x.shape[-3:]
    return x.unsqueeze(-3).expand(*lead, h, groups, s, e).reshape(*lead, h * groups, s, e)
