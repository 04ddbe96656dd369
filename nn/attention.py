"""``MultiheadAttention`` with PyTorch's signature, parameter names and layouts, so a
PyTorch state_dict loads into it directly."""
import numpy as np

from autograd import cat
from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd.graph import _wrap
from autograd.tensor import Tensor

from . import functional as F
from . import init
from .functional_attention import attend
from .linear import Linear
from .module import Module
from .parameter import empty_parameter


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017), as ``torch.nn.MultiheadAttention``.

    Parameters: ``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E,) when key and value
    have the query's size E, else ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim),
    ``v_proj_weight`` (E, vdim); ``out_proj`` a Linear(E, E); ``bias_k``/``bias_v``
    (1, 1, E) with ``add_bias_kv``. Inputs are (L, N, E), or (N, L, E) with
    ``batch_first``, or unbatched (L, E).

    Masks as PyTorch: ``key_padding_mask`` (N, S), True (or -inf) = ignore that key;
    ``attn_mask`` (L, S) or (N * num_heads, L, S), bool True = not allowed, float added to
    the scores. ``is_causal`` is a hint that attn_mask is the causal mask (attn_mask is
    then required and used). A query that can attend to no key gives 0 (PyTorch's
    need_weights=True path gives NaN there)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ArgumentError(f"MultiheadAttention: embed_dim ({embed_dim}) must be positive "
                                f"and divisible by num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first, self.add_zero_attn = batch_first, add_zero_attn
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter((3 * e, e), dtype, device)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = empty_parameter((e, e), dtype, device)
            self.k_proj_weight = empty_parameter((e, self.kdim), dtype, device)
            self.v_proj_weight = empty_parameter((e, self.vdim), dtype, device)
        if bias:
            self.in_proj_bias = empty_parameter((3 * e,), dtype, device)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty_parameter((1, 1, e), dtype, device)
            self.bias_v = empty_parameter((1, 1, e), dtype, device)
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self._reset_parameters()

    def _reset_parameters(self):
        """Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """(output, weights): output of the query's shape; weights (N, L, S) averaged over
        heads, or (N, num_heads, L, S), post-dropout as PyTorch, or None if not
        `need_weights`."""
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(f"MultiheadAttention: query, key and value must all be 3-d "
                             f"(batched) or 2-d (unbatched), got shapes {query.shape}, "
                             f"{key.shape} and {value.shape}")
        if not batched:
            query, key, value = _same_identity(lambda t: t.unsqueeze(1), query, key, value)
            if key_padding_mask is not None:
                key_padding_mask = _unsqueeze_mask(key_padding_mask)
        elif self.batch_first:
            query, key, value = _same_identity(lambda t: t.transpose(0, 1), query, key, value)
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights,
                                    attn_mask, average_attn_weights, is_causal)
        if not batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average_attn_weights, is_causal):
        """The batched sequence-first core: (L, N, E) query, (S, N, kdim/vdim) key/value."""
        L, N, E = query.shape
        H, D = self.num_heads, self.head_dim
        self._check_shapes(query, key, value)
        if is_causal and attn_mask is None:
            raise ArgumentError("MultiheadAttention: is_causal=True is a hint that attn_mask "
                                "is the causal mask, so it needs attn_mask (e.g. "
                                "nn.Transformer.generate_square_subsequent_mask(L))")
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(1, N, E)])
            v = cat([v, self.bias_v.expand(1, N, E)])
        # (len, N, E) -> (N, H, len, D)
        q, k, v = (t.reshape(t.shape[0], N, H, D).permute(1, 2, 0, 3) for t in (q, k, v))
        if self.add_zero_attn:
            zeros = _wrap(np.zeros((N, H, 1, D), q.dtype), None)
            k, v = cat([k, zeros], 2), cat([v, zeros], 2)
        S = k.shape[2]
        extra = S - key.shape[0]          # columns added by bias_kv / zero_attn: never masked
        keep, bias = _merge_masks(attn_mask, key_padding_mask, N, H, L, S, extra, q.dtype)
        p = self.dropout if self.training else 0.0
        out, weights = attend(q, k, v, keep, bias, p, None, need_weights)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(L, N, E))
        if weights is not None and average_attn_weights:
            weights = weights.mean(1)
        return out, weights

    def _check_shapes(self, query, key, value):
        L, N, E = query.shape
        if E != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ShapeError(f"MultiheadAttention: expected query, key and value of sizes "
                             f"{self.embed_dim}, {self.kdim} and {self.vdim} in their last dim, "
                             f"got shapes {query.shape}, {key.shape} and {value.shape}")
        if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
            raise ShapeError(f"MultiheadAttention: key {key.shape} and value {value.shape} "
                             f"must have the same length and the query's batch size {N} "
                             f"(query {query.shape}; batch_first={self.batch_first})")

    def _project(self, query, key, value):
        b = self.in_proj_bias
        e = self.embed_dim
        bq, bk, bv = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:           # self-attention: one product
                return F.linear(query, w, b).chunk(3, dim=-1)
            if key is value:
                q = F.linear(query, w[:e], bq)
                return (q,) + F.linear(key, w[e:], None if b is None else b[e:]).chunk(2, dim=-1)
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")


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
    arr = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype.kind not in "bf":
        raise DtypeError(f"MultiheadAttention: {name} must be bool or floating, got "
                         f"{arr.dtype} of shape {arr.shape}")
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
        return F.pad(mask, (0, extra), value=value)
    width = [(0, 0)] * (mask.ndim - 1) + [(0, extra)]
    return np.pad(mask, width, constant_values=value)
