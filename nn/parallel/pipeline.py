"""Pipeline (model) parallelism: consecutive stages on consecutive ranks, GPipe schedule."""
import functools
import operator
from collections import OrderedDict

import numpy as np

from autograd import cat, chunk, graph
from autograd.errors import ArgumentError, ShapeError

from ..containers import Sequential
from ..module import Module
from .comm import check_same, get_comm
from .ops import recv, send, wait_all


def partition(n_stages, n_ranks):
    """[start, stop) stage ranges of each rank: consecutive, sizes differing by <= 1."""
    if n_stages < n_ranks:
        raise ArgumentError(f"Pipeline: {n_stages} stages cannot be spread over {n_ranks} ranks; "
                         f"give at least one stage per rank (or run on fewer ranks)")
    bounds = np.linspace(0, n_stages, n_ranks + 1).round().astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


class Pipeline(Module):
    """Run `stages` (a list of modules, or a ``Sequential``) as a pipeline over the
    ranks of `comm`: rank r holds the r-th consecutive group of stages and only their
    parameters (``pipe.parameters()`` is the local share: give it to the optimizer),
    as ``pipe.stages``, named by their index in the whole model (``stages.2.weight``).

    ``pipe(x)`` splits the batch `x` (read on rank 0, ignored elsewhere) into
    `chunks` micro-batches and runs a GPipe schedule: each rank computes micro-batch
    k as soon as it arrives and sends its activation on without waiting; backward runs
    micro-batches in reverse. On the last rank it returns the output of the whole
    batch (the micro-batch outputs concatenated); on the others, a 0-d *token* that
    stands for what was sent. Every rank calls ``backward()`` on what it has: the last
    rank on its loss, the others on their token, which blocks until the next rank's
    gradients arrive::

        out = pipe(x)
        loss = F.cross_entropy(out, y) if pipe.is_last else out
        loss.backward()
        opt.step()

    Send and receive are nodes of the autograd graph (``nn.parallel.ops``), so the
    gradients equal those of the unsplit model. Tags are micro-batch indices: do not
    use `comm` for other point-to-point traffic meanwhile (pass ``comm.Dup()``)."""

    def __init__(self, stages, chunks=1, comm=None):
        super().__init__()
        self.comm = get_comm(comm)
        stages = list(stages)
        if chunks < 1:
            raise ArgumentError(f"Pipeline: chunks must be >= 1, got {chunks}")
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        check_same(self.comm, [len(stages)], "Pipeline: the number of stages")
        start, stop = partition(len(stages), self.size)[self.rank]
        # named by their index in the whole model: parameters are "stages.2.weight"
        self.stages = Sequential(OrderedDict((str(i), stages[i]) for i in range(start, stop)))
        self.stage_range = (start, stop)
        self.chunks = chunks
        self.is_first = self.rank == 0
        self.is_last = self.rank == self.size - 1
        self._pending = []                 # (request, buffer) of sends in flight

    def forward(self, x=None):
        wait_all(self._pending)            # the previous step's sends
        comm, r, pending = self.comm, self.rank, self._pending
        if self.is_first:
            if x is None:
                raise ArgumentError("Pipeline: rank 0 needs the input batch")
            micro = chunk(x, self.chunks, dim=0)
            n = len(micro)
        outs, tokens, k = [], [], 0
        while k == 0 or k < n:
            if self.is_first:
                h = micro[k]
            else:
                h, n = recv(comm, r - 1, k, pending)
            y = self._run_stage(h)
            if self.is_last:
                outs.append(y)
            else:
                tokens.append(send(y, comm, r + 1, k, extra=n, pending=pending))
            k += 1
        if self.is_last:
            return outs[0] if len(outs) == 1 else cat(outs, 0)
        token = functools.reduce(operator.add, tokens)
        if not token.requires_grad and graph._grad_enabled:
            # nothing here needs a gradient (no parameters before this point): a leaf
            # token, so that backward() on it is a no-op as on the other ranks
            token = token.detach().requires_grad_()
        return token

    def _run_stage(self, h):
        try:
            return self.stages(h)
        except ShapeError as e:
            if self.is_first:
                raise
            raise ShapeError(f"Pipeline: the stages on rank {self.rank} cannot take the "
                             f"activation of shape {h.shape} ({h.dtype}) received from rank "
                             f"{self.rank - 1}: {e}") from e

    def synchronize(self):
        """Wait for this rank's sends in flight (done by the next call anyway)."""
        wait_all(self._pending)

    def extra_repr(self):
        return (f"rank={self.rank}/{self.size}, stages={self.stage_range[0]}..."
                f"{self.stage_range[1] - 1}, chunks={self.chunks}")
