"""``F.multi_head_attention_forward``: the computation of ``nn.MultiheadAttention``
as a function of its weights, with PyTorch's signature (sequence-first inputs), and the
merging of PyTorch's attention masks into the scores' (N, H, L, S) layout."""
import numpy as np

from autograd import cat
from autograd.errors import ArgumentError, ShapeError
from autograd.graph import _wrap
from autograd.tensor import Tensor

from .functional_attention import attend, mask_array


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention as ``torch.nn.functional.multi_head_attention_forward``:
    query (L, N, E), key (S, N, kdim), value (S, N, vdim), or unbatched (L, E) ... ->
    (output (L, N, E), weights (N, L, S) averaged over heads, (N, H, L, S), or None).
    See ``nn.MultiheadAttention`` for the masks; ``static_k``/``static_v``
    (N * num_heads, S, E / num_heads) replace the projected keys/values."""
    from . import functional as F
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ShapeError(f"multi_head_attention_forward: query, key and value must all be "
                         f"3-d (batched) or 2-d (unbatched), got shapes {query.shape}, "
                         f"{key.shape} and {value.shape}")
    if not batched:
        query, key, value = _same_identity(lambda t: t.unsqueeze(1), query, key, value)
        if key_padding_mask is not None:
            key_padding_mask = _unsqueeze_mask(key_padding_mask)
    L, N, E = query.shape
    H = num_heads
    if E != embed_dim_to_check or E % H:
        raise ShapeError(f"multi_head_attention_forward: query of shape {query.shape} does not "
                         f"have embed_dim {embed_dim_to_check} divisible by num_heads {H}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
        raise ShapeError(f"multi_head_attention_forward: key {key.shape} and value "
                         f"{value.shape} must have the same length and the query's batch "
                         f"size {N} (query {query.shape}, sequence first)")
    if is_causal and attn_mask is None:
        raise ArgumentError("multi_head_attention_forward: is_causal=True is a hint that "
                            "attn_mask is the causal mask, so it needs attn_mask (e.g. "
                            "nn.Transformer.generate_square_subsequent_mask(L))")
    D = E // H
    q, k, v = _project(query, key, value, E, in_proj_weight, in_proj_bias,
                       (q_proj_weight, k_proj_weight, v_proj_weight)
                       if use_separate_proj_weight else None)
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ArgumentError("multi_head_attention_forward: bias_k/bias_v cannot be added "
                                "to static_k/static_v")
        k, v = cat([k, bias_k.expand(1, N, E)]), cat([v, bias_v.expand(1, N, E)])
    # (len, N, E) -> (N, H, len, D)
    q, k, v = (t.reshape(t.shape[0], N, H, D).permute(1, 2, 0, 3) for t in (q, k, v))
    k, v = _static(static_k, k, N, H, D, "static_k"), _static(static_v, v, N, H, D, "static_v")
    if add_zero_attn:
        zeros = _wrap(np.zeros((N, H, 1, D), q.dtype), None)
        k, v = cat([k, zeros], 2), cat([v, zeros], 2)
    S = k.shape[2]
    extra = (bias_k is not None) + bool(add_zero_attn)   # added keys: never masked
    keep, bias = _merge_masks(attn_mask, key_padding_mask, N, H, L, S, extra, q.dtype)
    out, weights = attend(q, k, v, keep, bias, dropout_p if training else 0.0, None,
                          need_weights)
    out = F.linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


def _project(query, key, value, e, w, b, separate):
    """q, k, v projections: one product for self-attention, two when key is value."""
    from . import functional as F
    bq, bk, bv = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    if separate is None:
        if query is key and key is value:
            return F.linear(query, w, b).chunk(3, dim=-1)
        if key is value:
            q = F.linear(query, w[:e], bq)
            return (q,) + F.linear(key, w[e:], None if b is None else b[e:]).chunk(2, dim=-1)
        wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
    else:
        wq, wk, wv = separate
    return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)


def _static(static, x, N, H, D, name):
    if static is None:
        return x
    if static.ndim != 3 or static.shape[0] != N * H or static.shape[2] != D:
        raise ShapeError(f"multi_head_attention_forward: {name} must be (N * num_heads, S, "
                         f"head_dim) = ({N * H}, S, {D}), got {static.shape}")
    return static.reshape(N, H, static.shape[1], D)


def _same_identity(fn, query, key, value):
    """fn applied to each input, keeping `query is key is value` (self-attention takes
    one fused projection)."""
    q = fn(query)
    k = q if key is query else fn(key)
    v = k if value is key else q if value is query else fn(value)
    return q, k, v


def _unsqueeze_mask(mask):
    return mask.unsqueeze(0) if isinstance(mask, Tensor) else np.asarray(mask)[None]


def _mask(mask, name):
    """(array, is_bool, tensor-or-None): a mask as data, and the Tensor if it needs grad."""
    arr = mask_array(mask, "MultiheadAttention", name)
    t = mask if isinstance(mask, Tensor) and mask.requires_grad else None
    return arr, arr.dtype == bool, t


def _merge_masks(attn_mask, key_padding_mask, N, H, L, S, extra, dtype):
    """attn_mask and key_padding_mask as one bool `keep` (N|1, H|1, L, S) and one float
    `bias`, in the (N, H, L, S) layout of the scores."""
    keep = bias = None
    if attn_mask is not None:
        arr, is_bool, t = _mask(attn_mask, "attn_mask")
        if arr.shape == (L, S - extra) or arr.shape == (N * H, L, S - extra):
            shape = (L, S - extra) if arr.ndim == 2 else (N, H, L, S - extra)
        else:
            raise ShapeError(f"MultiheadAttention: attn_mask must be (L, S) = {(L, S - extra)} "
                             f"or (N * num_heads, L, S) = {(N * H, L, S - extra)}, got {arr.shape}")
        if is_bool:
            keep = _pad_keys(~arr.reshape(shape), extra, True)
        else:
            src = t if t is not None else arr.astype(dtype, copy=False)
            bias = _pad_keys(src.reshape(shape), extra, 0.0)
    if key_padding_mask is not None:
        arr, is_bool, t = _mask(key_padding_mask, "key_padding_mask")
        if arr.shape != (N, S - extra):
            raise ShapeError(f"MultiheadAttention: key_padding_mask must be (N, S) = "
                             f"{(N, S - extra)}, got {arr.shape}")
        if is_bool:
            k = _pad_keys(~arr.reshape(N, 1, 1, S - extra), extra, True)
            keep = k if keep is None else keep & k
        else:
            src = t if t is not None else arr.astype(dtype, copy=False)
            b = _pad_keys(src.reshape(N, 1, 1, S - extra), extra, 0.0)
            bias = b if bias is None else bias + b
    return keep, bias


def _pad_keys(mask, extra, value):
    """A mask with `extra` key columns appended (the bias_kv / zero-attention keys)."""
    if not extra:
        return mask
    if isinstance(mask, Tensor):
        from . import functional as F
        return F.pad(mask, (0, extra), value=value)
    width = [(0, 0)] * (mask.ndim - 1) + [(0, extra)]
    return np.pad(mask, width, constant_values=value)
