"""``MultiheadAttention`` with PyTorch's signature, parameter names and layouts, so a
PyTorch state_dict loads into it directly."""
from autograd.errors import ArgumentError, ShapeError

from . import functional as F
from . import init
from .functional_mha import _same_identity
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
    then required and used, with ``add_bias_kv`` / ``add_zero_attn`` padded to let every
    query see the added keys, as PyTorch's need_weights=True path; its need_weights=False
    path without key_padding_mask drops attn_mask for a top-left causal mask over the
    extended keys, which hides them). A query that can attend to no key gives 0 (PyTorch's
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
        if self.batch_first and query.ndim == 3:
            query, key, value = _same_identity(lambda t: t.transpose(0, 1), query, key, value)
        if (query.shape[-1], key.shape[-1], value.shape[-1]) != (self.embed_dim, self.kdim,
                                                                 self.vdim):
            raise ShapeError(f"MultiheadAttention: expected query, key and value of sizes "
                             f"{self.embed_dim}, {self.kdim} and {self.vdim} in their last dim, "
                             f"got shapes {query.shape}, {key.shape} and {value.shape}")
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and query.ndim == 3:
            out = out.transpose(0, 1)
        return out, weights

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")
