"""Tensor-parallel transformer blocks (Megatron-LM), for GPT-style models.

Attention: the fused q/k/v projection is column-parallel split by heads (rank r
computes the q, k and v of heads ``r*H/p .. (r+1)*H/p``), attention runs on the local
heads, and the output projection is row-parallel: one allreduce in forward (after the
output projection) and one in backward (at the input of the q/k/v projection). The
MLP: first linear column-parallel, activation on the local slice, second linear
row-parallel: again one allreduce each way. Everything outside the blocks' two
sub-blocks (embeddings, LayerNorms, the residual stream, the head) is replicated and
computes the same on every rank of `comm`.

Parameter names are nanoGPT's (``attn.c_attn``, ``attn.c_proj``, ``mlp.c_fc``,
``mlp.c_proj``) and ``state_dict()`` gathers the whole weights, so the checkpoint of
a tensor-parallel model is the unsplit model's, loadable on any number of ranks.

Dropout (``nn.parallel.rng``): the masks are those one process draws with the same
seed. On the replicated activations (after each row-parallel projection) every rank
draws the whole mask; on the attention weights, split by heads, each rank draws only
its heads' part of the whole mask and skips the others' draws. So every rank of the
group must hold the same generator state: the first training forward with dropout
checks it (one allgather) and raises ArgumentError if the ranks were seeded apart.
"""
import math

import numpy as np

from autograd.errors import ArgumentError

from .. import functional as F
from ..activation import GELU
from ..dropout import Dropout
from ..module import Module
from .comm import get_comm
from .rng import check_same_generator, dropout_part
from .tensor_parallel import ColumnParallelLinear, RowParallelLinear


class ParallelCausalSelfAttention(Module):
    """Causal multi-head self-attention with its heads split across the ranks of
    `comm` (`n_head` divisible by their number). ``from_module`` splits an existing
    nanoGPT ``CausalSelfAttention`` (``c_attn``: Linear(C, 3C) laid out as q | k | v,
    heads contiguous; ``c_proj``: Linear(C, C))."""

    def __init__(self, n_embd, n_head, bias=True, dropout=0.0, comm=None, dtype=None,
                 c_attn=None, c_proj=None):
        super().__init__()
        self.comm = comm = get_comm(comm)
        p = comm.Get_size()
        if n_embd % n_head or n_head % p:
            raise ArgumentError(f"ParallelCausalSelfAttention: n_embd ({n_embd}) must be a "
                                f"multiple of n_head ({n_head}) and n_head of the number of "
                                f"ranks ({p})")
        self.n_embd, self.n_head, self.local_heads = n_embd, n_head, n_head // p
        self.dropout = dropout
        self.c_attn = _column(c_attn, n_embd, 3 * n_embd, bias, comm, dtype, stride=3)
        self.c_proj = _row(c_proj, n_embd, n_embd, bias, comm, dtype)
        self.resid_dropout = Dropout(dropout)

    @classmethod
    def from_module(cls, attn, comm=None):
        """This rank's part of `attn` (its weights must be the same on every rank)."""
        bias = attn.c_attn.bias is not None
        return cls(attn.n_embd, attn.n_head, bias, getattr(attn, "dropout", 0.0), comm,
                   c_attn=attn.c_attn, c_proj=attn.c_proj)

    def forward(self, x):
        b, t, _ = x.shape
        h, d = self.local_heads, self.n_embd // self.n_head
        dropout = self.training and self.dropout > 0.0
        if dropout:
            _check_generator(self)
        qkv = self.c_attn(x).reshape(b, t, 3, h, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if dropout:
            # the composite of F.scaled_dot_product_attention, with the weights' mask
            # this rank's heads of the whole (B, H, T, T) mask
            scores = ((q * (1.0 / math.sqrt(d))) @ k.mT).where(np.tri(t, t, dtype=bool),
                                                              -np.inf)
            y = dropout_part(scores.softmax(-1), self.dropout, True, 1, self.comm) @ v
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, h * d)
        return self.resid_dropout(self.c_proj(y))

    def extra_repr(self):
        return (f"n_embd={self.n_embd}, n_head={self.n_head} ({self.local_heads} on each "
                f"of {self.comm.Get_size()} ranks)")


class ParallelMLP(Module):
    """``c_proj(act(c_fc(x)))`` with the hidden features split across the ranks:
    ``c_fc`` column-parallel, ``c_proj`` row-parallel. ``from_module`` splits a
    nanoGPT ``MLP`` (``c_fc``, an activation module, ``c_proj``, ``dropout``)."""

    def __init__(self, n_embd, hidden, bias=True, dropout=0.0, activation=None, comm=None,
                 dtype=None, c_fc=None, c_proj=None):
        super().__init__()
        self.comm = comm = get_comm(comm)
        self.c_fc = _column(c_fc, n_embd, hidden, bias, comm, dtype)
        self.act = activation if activation is not None else GELU()
        self.c_proj = _row(c_proj, hidden, n_embd, bias, comm, dtype)
        self.dropout = Dropout(dropout)

    @classmethod
    def from_module(cls, mlp, comm=None):
        hidden, n_embd = mlp.c_fc.weight.shape
        act = next((m for name, m in mlp.named_children()
                    if name not in ("c_fc", "c_proj", "dropout")), None)
        drop = getattr(mlp, "dropout", None)
        return cls(n_embd, hidden, mlp.c_fc.bias is not None,
                   drop.p if isinstance(drop, Dropout) else 0.0, act, comm,
                   c_fc=mlp.c_fc, c_proj=mlp.c_proj)

    def forward(self, x):
        if self.training and self.dropout.p > 0.0:
            _check_generator(self)
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


def _check_generator(module):
    """Once per module: the ranks' generators agree (else replicated masks differ)."""
    if not getattr(module, "_generator_checked", False):
        check_same_generator(module.comm, type(module).__name__)
        module._generator_checked = True


def _column(linear, n_in, n_out, bias, comm, dtype, stride=1):
    if linear is not None:
        return ColumnParallelLinear.from_linear(linear, comm=comm, gather_output=False,
                                                stride=stride)
    return ColumnParallelLinear(n_in, n_out, bias, gather_output=False, comm=comm,
                                dtype=dtype, stride=stride)


def _row(linear, n_in, n_out, bias, comm, dtype):
    if linear is not None:
        return RowParallelLinear.from_linear(linear, comm=comm, input_is_parallel=True)
    return RowParallelLinear(n_in, n_out, bias, input_is_parallel=True, comm=comm,
                             dtype=dtype)


def _is_attention(m):
    return all(hasattr(m, a) for a in ("c_attn", "c_proj", "n_head", "n_embd"))


def _is_mlp(m):
    return hasattr(m, "c_fc") and hasattr(m, "c_proj")


def parallelize_transformer(model, comm=None):
    """Split, in place, every nanoGPT-style attention (``c_attn``, ``c_proj``,
    ``n_head``) and MLP (``c_fc``, ``c_proj``) of `model` across the ranks of `comm`
    (tensor parallelism); returns `model`. Its weights must be the same on every rank
    beforehand (same seed, or a loaded checkpoint). Call it before building the
    optimizer. Raises ArgumentError if nothing was found to split."""
    comm = get_comm(comm)
    found = 0
    for name, parent in list(model.named_modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, (ParallelCausalSelfAttention, ParallelMLP)):
                continue
            if _is_attention(child):
                setattr(parent, child_name, ParallelCausalSelfAttention.from_module(child, comm))
                found += 1
            elif _is_mlp(child):
                setattr(parent, child_name, ParallelMLP.from_module(child, comm))
                found += 1
    if not found:
        raise ArgumentError(f"parallelize_transformer: {type(model).__name__} has no "
                            f"attention (c_attn, c_proj, n_head) or MLP (c_fc, c_proj) "
                            f"submodule to split")
    return model
