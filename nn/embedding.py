"""``Embedding``: a lookup table of vectors; ``EmbeddingBag`` (and ``F.embedding_bag``):
the sum, mean or max of the vectors of each bag of indices."""
import numpy as np

from autograd.graph import mark_modified
from autograd.errors import ArgumentError, ShapeError
from autograd.functions import where
from autograd.tensor import Tensor

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter, empty_parameter


class Embedding(Module):
    """weight (num_embeddings, embedding_dim) ~ N(0, 1); the row at `padding_idx` starts
    at zero and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        if sparse:
            raise NotImplementedError("Embedding: sparse=True (sparse gradients) is not "
                                      "supported; gradients are dense")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ArgumentError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dtype, device)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ArgumentError(f"Embedding: _weight of shape {tuple(_weight.shape)} does "
                                 f"not match ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0
            mark_modified(self.weight.data)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding holding `embeddings` (2-d), frozen unless ``freeze=False``."""
        rows, dim = _pretrained_shape("Embedding", embeddings)
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def _options(self):
        """PyTorch's repr of the lookup options that differ from their defaults."""
        return "".join(s for s, shown in (
            (f", max_norm={self.max_norm}", self.max_norm is not None),
            (f", norm_type={self.norm_type}", self.norm_type != 2),
            (", scale_grad_by_freq=True", self.scale_grad_by_freq)) if shown)

    def _padding(self):
        return f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}" + self._padding() + self._options()


def _pretrained_shape(cls, embeddings):
    """The (rows, dim) of from_pretrained's `embeddings`, or ShapeError naming `cls`."""
    shape = np.shape(embeddings.data if hasattr(embeddings, "data") else embeddings)
    if len(shape) != 2:
        raise ShapeError(f"{cls}.from_pretrained: embeddings must be 2-d (num_embeddings, "
                         f"embedding_dim), got shape {shape}")
    return shape


def _bags(idx, offsets, include_last_offset):
    """(flat indices, the bag of each, the number of bags) of a 2-d input (one bag per
    row) or a 1-d input cut at `offsets` (PyTorch's layout)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ArgumentError("embedding_bag: offsets must be None when the input is 2-d "
                                "(each row is a bag)")
        return idx.reshape(-1), np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.shape[0]
    if idx.ndim != 1 or offsets is None:
        raise ShapeError(f"embedding_bag: expected a 2-d input, or a 1-d input with 1-d "
                         f"offsets, got input of shape {idx.shape} and offsets "
                         f"{'None' if offsets is None else np.shape(offsets)}")
    starts = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets).reshape(-1)
    if starts.size and (starts[0] != 0 or (np.diff(starts) < 0).any() or starts[-1] > idx.size):
        raise ArgumentError(f"embedding_bag: offsets must start at 0 and increase up to the "
                            f"input's length {idx.size}, got {starts.tolist()}")
    count = starts.size - 1 if include_last_offset else starts.size
    bag = np.searchsorted(starts[:count], np.arange(idx.size), side="right") - 1
    if include_last_offset and starts.size:
        bag = np.where(np.arange(idx.size) < starts[-1], bag, -1)      # past the last bag
    return idx, bag, max(count, 0)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The sum, mean or max (mode) of the rows of `weight` looked up by each bag: the rows
    of a 2-d `input`, or the runs of a 1-d one starting at `offsets` -> (bags, dim). Rows at
    `padding_idx` are left out (also of the mean's count); an empty bag gives zeros;
    `per_sample_weights` scale each row (mode 'sum'). max shares the gradient among ties."""
    if mode not in ("sum", "mean", "max"):
        raise ArgumentError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise ArgumentError(f"embedding_bag: per_sample_weights are only supported for "
                            f"mode='sum', got mode={mode!r}")
    if scale_grad_by_freq and mode == "max":
        raise ArgumentError("embedding_bag: mode='max' does not support scale_grad_by_freq "
                            "(as PyTorch); use mode='sum' or 'mean'")
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    flat, bag, count = _bags(idx, offsets, include_last_offset)
    rows = F.embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    keep = bag >= 0
    if padding_idx is not None:
        keep &= flat != padding_idx % weight.shape[0]
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    member = (np.arange(count)[:, None] == bag[None, :]) & keep[None, :]     # (bags, n)
    sizes = member.sum(1)
    if mode != "max":
        out = Tensor(member.astype(weight.dtype)) @ rows
        if mode == "mean":
            out = out * (1.0 / np.maximum(sizes, 1)).astype(weight.dtype)[:, None]
        return out
    width = max(int(sizes.max(initial=0)), 1)
    slot = np.cumsum(member, axis=1) - 1                                    # rank in its bag
    table = np.zeros((count, width), np.intp)
    filled = np.zeros((count, width), bool)
    b, i = np.nonzero(member)
    table[b, slot[b, i]], filled[b, slot[b, i]] = i, True
    picked = where(filled[:, :, None], rows[table], -np.inf).amax(1)
    return where(sizes[:, None] > 0, picked, 0.0)


class EmbeddingBag(Embedding):
    """weight (num_embeddings, embedding_dim) ~ N(0, 1) (the padding row zero); forward
    is F.embedding_bag with this layer's mode and options."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, device=device, dtype=dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag holding `embeddings` (2-d), frozen unless ``freeze=False``."""
        rows, dim = _pretrained_shape("EmbeddingBag", embeddings)
        bag = cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        return (f"{self.num_embeddings}, {self.embedding_dim}" + self._options()
                + f", mode={self.mode!r}" + self._padding())
