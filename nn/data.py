"""Datasets and batching with PyTorch's ``torch.utils.data`` names (also importable
as ``nn.utils.data``).

Shuffling and ``random_split`` draw from a numpy Generator: the one passed as
`generator`, one made from `seed`, or else autograd's default generator (seeded by
``autograd.manual_seed``), so the order is a function of the seed. A loader draws one
permutation per epoch; its ``state_dict()`` holds its own generator's state and, in
the middle of an epoch, that epoch's order and position, so a resumed run sees the
same batches (save autograd's generator state too if the loader uses it).

Batches come from the main process (``num_workers`` and ``pin_memory`` are accepted for
portability and ignored). A ``TensorDataset`` (or a ``Subset`` of one) with the default
collate is batched by one fancy-indexing per tensor instead of one item at a time.
"""
import collections.abc
import math
import numbers

import numpy as np

from autograd import Tensor, stack
from autograd.creation import default_generator
from autograd.errors import ArgumentError, ShapeError


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are ``(t[i] for t in tensors)``; all tensors share their first dim.
    ndarrays are wrapped as Tensors sharing their memory."""

    def __init__(self, *tensors):
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t))
                             for t in tensors)
        sizes = {len(t) for t in self.tensors}
        if len(sizes) > 1:
            raise ShapeError(f"TensorDataset: all tensors need the same first dim, got shapes "
                             f"{[tuple(t.shape) for t in self.tensors]}")

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0]) if self.tensors else 0



class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)



def _generator(generator=None, seed=None):
    if generator is not None and seed is not None:
        raise ArgumentError("pass either a generator or a seed, not both")
    if generator is not None:
        return generator
    return np.random.default_rng(seed) if seed is not None else default_generator()


def random_split(dataset, lengths, generator=None, seed=None):
    """Split `dataset` into non-overlapping random ``Subset``s of the given `lengths`.

    `lengths` are counts summing to ``len(dataset)``, or fractions summing to 1 (the
    remainder of rounding down goes one by one to the first subsets, as PyTorch)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n or any(x < 0 for x in lengths):
        raise ArgumentError(f"random_split: the lengths {lengths} must be non-negative and sum to "
                         f"the dataset's length {n} (or be fractions summing to 1)")
    perm = _generator(generator, seed).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`.

    ``shuffle=True`` draws a new permutation each epoch (from `generator`, a generator
    made from `seed`, or autograd's default generator); `sampler` is an alternative
    iterable of indices. ``drop_last`` drops a final incomplete batch. `collate_fn`
    turns a list of samples into a batch (default: ``default_collate``)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, drop_last=False,
                 collate_fn=None, generator=None, seed=None, num_workers=0, pin_memory=False):
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ArgumentError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler and shuffle=True are mutually exclusive")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.sampler = sampler
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = (None if generator is None and seed is None
                          else _generator(generator, seed))
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self._epoch_order = None      # the order of the epoch being iterated
        self._batches_done = 0
        self._resume = None           # (order, batches done) from load_state_dict

    def _order(self):
        if self.sampler is not None:
            return np.fromiter(self.sampler, dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            rng = self.generator if self.generator is not None else default_generator()
            return rng.permutation(n)
        return np.arange(n)

    def __iter__(self):
        if self._resume is not None:
            (order, start), self._resume = self._resume, None
        else:
            order, start = self._order(), 0
        bs = self.batch_size
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        fetch = self._fetcher()
        self._epoch_order = order
        for begin in range(start * bs, stop, bs):
            self._batches_done = begin // bs + 1
            yield fetch(order[begin:begin + bs])
        self._epoch_order = None

    def _fetcher(self):
        """indices -> batch: one fancy index per tensor for a TensorDataset (or a Subset
        of one) under the default collate, else the dataset's ``__getitems__`` or one
        ``__getitem__`` per sample, then collate."""
        collate = self.collate_fn or default_collate
        ds, remap = self.dataset, None
        while isinstance(ds, Subset):
            remap = ds.indices if remap is None else ds.indices[remap]
            ds = ds.dataset
        if self.collate_fn is None and isinstance(ds, TensorDataset):
            tensors = ds.tensors
            if remap is None:
                return lambda idx: [t[idx] for t in tensors]
            return lambda idx: [t[remap[idx]] for t in tensors]
        if hasattr(self.dataset, "__getitems__"):
            return lambda idx: collate(self.dataset.__getitems__(idx.tolist()))
        return lambda idx: collate([self.dataset[int(i)] for i in idx])

    def __len__(self):
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def state_dict(self):
        """Where the loader is: its own generator's state (if it has one) and, in the
        middle of an epoch, that epoch's order and the number of batches yielded."""
        state = {}
        if self.generator is not None:
            state["generator"] = self.generator.bit_generator.state
        if self._epoch_order is not None and self._batches_done < len(self):
            state["order"] = self._epoch_order
            state["batches_done"] = self._batches_done
        return state

    def load_state_dict(self, state_dict):
        """Continue from a ``state_dict()``: the next iteration finishes the interrupted
        epoch (if any), and later epochs draw the same orders as the saved loader."""
        if "generator" in state_dict:
            if self.generator is None:
                raise ArgumentError("DataLoader.load_state_dict: this loader has no generator of "
                                 "its own; create it with seed= or generator=")
            self.generator.bit_generator.state = state_dict["generator"]
        if "order" in state_dict:
            self._resume = (np.asarray(state_dict["order"], dtype=np.int64),
                            int(state_dict["batches_done"]))


def default_collate(batch):
    """Stack a list of samples into a batch: Tensors and ndarrays are stacked into a
    Tensor, Python floats give float64 and ints int64 Tensors, strings stay a list, and
    dicts, tuples and lists are collated field by field (tuples give a list, as PyTorch)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor(np.stack(batch))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (bool, int)):
        return Tensor(np.array(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if len({len(b) for b in batch}) > 1:
            raise ShapeError("default_collate: each sample in the batch must have the same "
                             "number of fields")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise ArgumentError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                    f"pass a collate_fn")
