"""The vocabulary split across ranks (Megatron-LM): embedding, output head, loss.

Rank r of p holds the rows ``r*V/p .. (r+1)*V/p`` of the (V, C) token matrix.
``VocabParallelEmbedding`` looks up the ids in its range (zero rows elsewhere) and sums
over the ranks: one allreduce in forward. The output head is a ColumnParallelLinear
over the vocabulary without gathering (``vocab_parallel_head``), so each rank has the
logits of its own words only, and ``vocab_parallel_cross_entropy`` computes the loss
from those parts (a max, a sum of exponentials and the target's logit, each summed
over the ranks) without ever forming the (N, V) logits. With a tied head the two
share the same rows on every rank. Gradients equal those of the unsplit layers.
"""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError

from .. import functional as F
from ..module import Module, Parameter
from .comm import allgather_array, allreduce_max, broadcast_array, get_comm
from .ops import reduce_from_parallel
from .tensor_parallel import ColumnParallelLinear, _split


class VocabParallelEmbedding(Module):
    """``nn.Embedding(num_embeddings, embedding_dim)`` with the rows split across the
    ranks of `comm` (`num_embeddings` divisible by their number). ``state_dict()``
    holds the whole matrix; ``from_embedding`` splits an existing one."""

    def __init__(self, num_embeddings, embedding_dim, comm=None, dtype=None, weight=None):
        super().__init__()
        self.comm = comm = get_comm(comm)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        part = _split(num_embeddings, comm.Get_size(), "VocabParallelEmbedding: "
                                                       "num_embeddings")
        self.start = comm.Get_rank() * part
        self.end = self.start + part
        if weight is None:
            weight = ag.randn(num_embeddings, embedding_dim, dtype=dtype).data
            broadcast_array(weight, comm, "VocabParallelEmbedding: rank 0's initial weights")
        self.weight = Parameter(np.ascontiguousarray(weight[self.start:self.end]))
        self.register_state_dict_post_hook(_gather_rows)
        self.register_load_state_dict_pre_hook(_split_rows)

    @classmethod
    def from_embedding(cls, embedding, comm=None):
        n, d = embedding.weight.shape
        return cls(n, d, comm, weight=embedding.weight.data)

    def forward(self, idx):
        ids = idx.data if isinstance(idx, ag.Tensor) else np.asarray(idx)
        outside = (ids < self.start) | (ids >= self.end)
        local = np.where(outside, 0, ids - self.start)
        rows = F.embedding(ag.tensor(local), self.weight)
        keep = ag.tensor((~outside)[..., None].astype(self.weight.data.dtype))
        return reduce_from_parallel(rows * keep, self.comm)

    def full(self, local=None):
        """The whole (V, C) matrix (or of an array split like it), from every rank."""
        local = self.weight.data if local is None else local
        parts = allgather_array(local, self.comm, "VocabParallelEmbedding: gathering the "
                                                  "whole weight")
        return parts.reshape(-1, local.shape[-1])

    def extra_repr(self):
        return (f"{self.num_embeddings}, {self.embedding_dim} (rows {self.start}..."
                f"{self.end - 1} here)")


def _gather_rows(module, state_dict, prefix, _):
    if prefix + "weight" in state_dict:
        state_dict[prefix + "weight"] = ag.tensor(module.full())


def _split_rows(module, state_dict, prefix, *_):
    key = prefix + "weight"
    if key in state_dict:
        value = state_dict[key]
        arr = value.data if isinstance(value, ag.Tensor) else np.asarray(value)
        if arr.shape == (module.num_embeddings, module.embedding_dim):
            state_dict[key] = np.ascontiguousarray(arr[module.start:module.end])


def vocab_parallel_head(embedding, comm=None):
    """The output head tied to `embedding` (a VocabParallelEmbedding): a
    ColumnParallelLinear(C, V, bias=False, gather_output=False) whose weight *is* the
    embedding's rows on this rank; it returns this rank's logits (..., V/p)."""
    comm = get_comm(comm if comm is not None else embedding.comm)
    head = ColumnParallelLinear(embedding.embedding_dim, embedding.num_embeddings, bias=False,
                                gather_output=False, comm=comm,
                                weight=np.zeros((embedding.num_embeddings,
                                                 embedding.embedding_dim),
                                                embedding.weight.data.dtype))
    head.weight = embedding.weight
    return head


def vocab_parallel_cross_entropy(logits, target, comm):
    """Mean cross-entropy of `logits` (N, V/p: this rank's slice of the vocabulary, in
    rank order) against int `target` (N,) over the whole vocabulary; the same value on
    every rank of `comm`. d/dlogits is this rank's slice of softmax - onehot."""
    n, part = logits.shape
    t = target.data if isinstance(target, ag.Tensor) else np.asarray(target)
    if t.shape != (n,):
        raise ArgumentError(f"vocab_parallel_cross_entropy: target of shape {t.shape} for "
                            f"logits of shape {logits.shape}")
    start = comm.Get_rank() * part
    # the max is only for range: it cancels in value and gradient, so it is constant
    peak = allreduce_max(logits.data.max(axis=-1, keepdims=True), comm,
                         "vocab_parallel_cross_entropy: the max of the logits")
    shifted = logits - ag.tensor(peak)
    total = reduce_from_parallel(shifted.exp().sum(-1), comm)
    mine = (t >= start) & (t < start + part)
    pick = np.where(mine, t - start, 0)
    picked = shifted[np.arange(n), pick] * ag.tensor(mine.astype(logits.data.dtype))
    return (total.log() - reduce_from_parallel(picked, comm)).mean()

