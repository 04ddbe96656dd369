"""Each rank's share of a dataset, for ``DataLoader(dataset, sampler=...)``."""
import math

import numpy as np

from autograd.errors import ArgumentError

from .comm import rank as _rank, world_size as _world_size


class DistributedSampler:
    """Indices of `dataset` for rank `rank` of `num_replicas` (default: from `comm`).

    With ``shuffle=True`` all ranks draw the same permutation from ``seed + epoch``
    (call ``set_epoch(e)`` at the start of every epoch to reshuffle) and rank r takes
    every `num_replicas`-th index from position r, so the shards are disjoint and
    cover the dataset. Without ``drop_last`` the permutation is padded with its own
    first indices up to a multiple of `num_replicas` (every rank gets the same number
    of samples, so the ranks run the same number of steps); with it, the tail is
    dropped. PyTorch's semantics, with a numpy generator."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False, comm=None):
        self.num_replicas = _world_size(comm) if num_replicas is None else int(num_replicas)
        self.rank = _rank(comm) if rank is None else int(rank)
        if not 0 <= self.rank < self.num_replicas:
            raise ArgumentError(f"DistributedSampler: rank {self.rank} is outside "
                             f"[0, {self.num_replicas})")
        self.dataset_len = dataset if isinstance(dataset, int) else len(dataset)
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n, k = self.dataset_len, self.num_replicas
        self.num_samples = n // k if drop_last else math.ceil(n / k)
        self.total_size = self.num_samples * k

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def indices(self):
        n = self.dataset_len
        order = (np.random.default_rng(self.seed + self.epoch).permutation(n)
                 if self.shuffle else np.arange(n))
        if self.total_size > n:
            order = np.resize(order, self.total_size)      # repeats from the start
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples
