"""The vocabulary split across ranks (Megatron-LM): embedding, output head, loss.

Rank r of p holds consecutive rows ``start .. end`` of the (V, C) token matrix, the
first ``V % p`` ranks one row more than the others (``numpy.array_split``'s
layout), so any vocabulary size splits (a character vocabulary is often prime).
``VocabParallelEmbedding`` looks up the ids in its range (zero rows elsewhere) and sums
over the ranks: one allreduce in forward. The output head (``vocab_parallel_head``)
multiplies by the same rows without gathering, so each rank has the logits of its own
words only, and ``vocab_parallel_cross_entropy`` computes the loss from those parts (a
max, a sum of exponentials and the target's logit, each summed over the ranks) without
ever forming the (N, V) logits. With a tied head the two share the same rows on every
rank. Gradients equal those of the unsplit layers; ``state_dict()`` holds the whole
matrix and ``load_state_dict`` takes this rank's rows of a whole one.
"""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, OutOfRangeError

from .. import functional as F
from ..losses import _mean
from ..module import Module, Parameter
from .comm import allgather_array, allgather_rows, allreduce_max, broadcast_array, get_comm
from .ops import copy_to_parallel, reduce_from_parallel
from .tensor_parallel import check_replicated_input


def vocab_range(num_embeddings, rank, parts):
    """(start, end): the rows of a `num_embeddings`-row matrix that `rank` of `parts`
    holds, the first ``num_embeddings % parts`` ranks one row more."""
    if num_embeddings < parts:
        raise ArgumentError(f"vocabulary split: {num_embeddings} rows cannot be split over "
                            f"{parts} ranks (each needs at least one)")
    q, extra = divmod(num_embeddings, parts)
    start = rank * q + min(rank, extra)
    return start, start + q + (rank < extra)


class _RowSplit(Module):
    """A (num_embeddings, embedding_dim) weight of which this rank holds its rows."""

    def _split_rows(self, num_embeddings, embedding_dim, comm):
        self.comm = comm
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.start, self.end = vocab_range(num_embeddings, comm.Get_rank(), comm.Get_size())
        self.register_state_dict_post_hook(_gather_rows)
        self.register_load_state_dict_pre_hook(_split_rows)

    def full(self, local=None):
        """The whole (V, C) matrix, or the whole of an array split like it (its
        gradient, its optimizer state), gathered from every rank (a collective)."""
        local = self.weight.data if local is None else local
        rows = [e - s for s, e in (vocab_range(self.num_embeddings, r, self.comm.Get_size())
                                   for r in range(self.comm.Get_size()))]
        return allgather_rows(local, rows, self.comm, f"{type(self).__name__}: gathering the "
                                                      f"whole weight")

    def part(self, full):
        """This rank's rows of the whole (V, C) array `full`."""
        return np.ascontiguousarray(full[self.start:self.end])

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
            state_dict[key] = module.part(arr)


class VocabParallelEmbedding(_RowSplit):
    """``nn.Embedding(num_embeddings, embedding_dim)`` with the rows split across the
    ranks of `comm` (see ``vocab_range``). ``state_dict()`` holds the whole matrix;
    ``from_embedding`` splits an existing one (the same on every rank)."""

    def __init__(self, num_embeddings, embedding_dim, comm=None, dtype=None, weight=None):
        super().__init__()
        comm = get_comm(comm)
        self._split_rows(num_embeddings, embedding_dim, comm)
        if weight is None:
            weight = ag.randn(num_embeddings, embedding_dim, dtype=dtype).data
            broadcast_array(weight, comm, "VocabParallelEmbedding: rank 0's initial weights")
        self.weight = Parameter(np.ascontiguousarray(weight[self.start:self.end]))

    @classmethod
    def from_embedding(cls, embedding, comm=None):
        n, d = embedding.weight.shape
        return cls(n, d, comm, weight=embedding.weight.data)

    def forward(self, idx):
        check_replicated_input(self, idx)
        ids = idx.data if isinstance(idx, ag.Tensor) else np.asarray(idx)
        outside = (ids < self.start) | (ids >= self.end)
        local = np.where(outside, 0, ids - self.start)
        rows = F.embedding(ag.tensor(local), self.weight)
        keep = ag.tensor((~outside)[..., None].astype(self.weight.data.dtype))
        return reduce_from_parallel(rows * keep, self.comm)


class VocabParallelHead(_RowSplit):
    """The output head ``x @ W^T`` tied to a VocabParallelEmbedding's W: its weight
    *is* the embedding's rows on this rank, and it returns this rank's logits
    (..., end - start), for ``vocab_parallel_cross_entropy``. In backward, the
    gradient of x is summed over the ranks (one allreduce)."""

    def __init__(self, embedding, comm=None):
        super().__init__()
        comm = get_comm(comm if comm is not None else embedding.comm)
        self._split_rows(embedding.num_embeddings, embedding.embedding_dim, comm)
        if (self.start, self.end) != (embedding.start, embedding.end):
            raise ArgumentError(f"VocabParallelHead: the embedding holds rows "
                                f"{embedding.start}...{embedding.end - 1}, the head's "
                                f"communicator gives rows {self.start}...{self.end - 1}")
        self.weight = embedding.weight

    def forward(self, x):
        check_replicated_input(self, x)
        return F.linear(copy_to_parallel(x, self.comm), self.weight)


def vocab_parallel_head(embedding, comm=None):
    """The output head tied to `embedding` (a VocabParallelEmbedding): a
    ``VocabParallelHead`` returning this rank's logits (..., rows here)."""
    return VocabParallelHead(embedding, comm)


def vocab_parallel_cross_entropy(logits, target, comm, ignore_index=-100):
    """Mean cross-entropy of `logits` (N, rows here: this rank's slice of the
    vocabulary, in rank order) against int `target` (N,) over the whole vocabulary,
    targets equal to `ignore_index` left out of the mean (as ``F.cross_entropy``; all
    left out: NaN, with zero gradients); the same value on every rank of `comm`. d/dlogits is this rank's
    slice of softmax - onehot. One small allgather learns where the slice starts."""
    n, part = logits.shape
    t = target.data if isinstance(target, ag.Tensor) else np.asarray(target)
    if t.shape != (n,):
        raise ArgumentError(f"vocab_parallel_cross_entropy: target of shape {t.shape} for "
                            f"logits of shape {logits.shape}")
    widths = allgather_array(np.array([part], np.int64), comm,
                             "vocab_parallel_cross_entropy: the slices' widths")[:, 0]
    start, vocab = int(widths[:comm.Get_rank()].sum()), int(widths.sum())
    counted = t != ignore_index
    bad = t[counted & ((t < 0) | (t >= vocab))]
    if bad.size:
        raise OutOfRangeError(f"vocab_parallel_cross_entropy: target {bad[0]} is out of "
                              f"bounds for {vocab} classes (targets must lie in [0, {vocab}) "
                              f"or equal ignore_index={ignore_index})")
    # the max is only for range: it cancels in value and gradient, so it is constant
    peak = allreduce_max(logits.data.max(axis=-1, keepdims=True), comm,
                         "vocab_parallel_cross_entropy: the max of the logits")
    shifted = logits - ag.tensor(peak)
    total = reduce_from_parallel(shifted.exp().sum(-1), comm)
    mine = (t >= start) & (t < start + part)
    pick = np.where(mine, t - start, 0)
    picked = shifted[np.arange(n), pick] * ag.tensor(mine.astype(logits.data.dtype))
    losses = total.log() - reduce_from_parallel(picked, comm)
    if counted.all():
        return losses.mean()
    # every target ignored: NaN with zero gradients, as F.cross_entropy (was NaN gradients)
    return _mean((losses * ag.tensor(counted.astype(logits.data.dtype))).sum(),
                 int(counted.sum()))
