"""Uneven inputs: ranks that run out of batches shadow the collectives of the others.

PyTorch's ``DistributedDataParallel.join()``. Inside the context, every forward
starts with one small allgather in which each rank says whether it is still
training (and whether this backward will average gradients, i.e. not in
``no_sync``). A rank whose loop has ended goes on answering "done" at the context's
exit, and for every step that some rank still runs it takes part in that step's
collectives with nothing to give: the buffer broadcast and one zero-filled allreduce
per gradient bucket. When every rank is done, the parameters and buffers of the
ranks that trained longest are broadcast to all, so every replica ends the same.
"""
import numpy as np

from autograd.errors import GradgraphError

from . import watchdog
from .comm import allgather_array, mpi

JOINED, NO_SYNC, SYNC = 0, 1, 2


class JoinState:
    """One ``join()`` context: its options and what the last round said."""

    def __init__(self, ddp, divide_by_initial_world_size, throw_on_early_termination):
        self.ddp = ddp
        self.divide_by_initial = divide_by_initial_world_size
        self.throw = throw_on_early_termination
        self.last_active = None          # ranks active in the last round anyone was
        self.uneven = False

    def round(self, code):
        """One round's allgather: every rank's code (JOINED / NO_SYNC / SYNC)."""
        ddp = self.ddp
        codes = allgather_array(np.array([code], np.int8), ddp.comm,
                                "DistributedDataParallel.join: the round in which ranks "
                                "say whether they still train")[:, 0]
        active = np.flatnonzero(codes).tolist()
        if active:
            self.last_active = active
            if len(active) < len(codes):
                self.uneven = True
                if self.throw:
                    raise GradgraphError(
                        f"DistributedDataParallel.join: rank(s) "
                        f"{np.flatnonzero(codes == JOINED).tolist()} ran out of inputs "
                        f"(throw_on_early_termination=True)")
        syncing = int((codes == SYNC).sum())
        if syncing:
            ddp.reducer.scale = 1.0 / (len(codes) if self.divide_by_initial else syncing)
        return codes

    def buffer_source(self):
        """The rank whose buffers this round's broadcast carries: the first active."""
        return self.last_active[0]

    def shadow_until_all_joined(self):
        """Called by a rank whose inputs have run out: mirror the others' collectives
        until every rank is out, then give every rank the same final model."""
        ddp = self.ddp
        while True:
            codes = self.round(JOINED)
            if not codes.any():
                break
            ddp._sync_buffers(self.buffer_source())
            if (codes == SYNC).any():
                shadow_allreduce(ddp.reducer)
        if self.uneven:
            ddp._broadcast_state(self.last_active[0])


def shadow_allreduce(reducer):
    """Take part in one step's gradient allreduces with zeros, bucket by bucket."""
    MPI = mpi()
    requests = []
    for b in reducer.buckets:
        b.buffer.fill(0)
        requests.append(reducer.comm.Iallreduce(MPI.IN_PLACE, b.buffer, op=MPI.SUM))
    watchdog.wait(requests, "DistributedDataParallel.join: a shadowed gradient allreduce",
                  reducer.comm)
