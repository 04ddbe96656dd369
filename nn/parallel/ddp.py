"""Data parallelism: one replica per rank, gradients averaged during backward."""
import contextlib

import numpy as np

from autograd.errors import GradgraphError

from ..module import Module
from .comm import broadcast_array, check_same, contiguous, get_comm
from .join import NO_SYNC, SYNC, JoinState
from .reducer import Reducer


class DistributedDataParallel(Module):
    """Wrap `module` so that training it on every rank of `comm` (each on its own
    shard of the batch) is training one model on the whole batch.

    At construction the parameter and buffer layout (names, shapes, dtypes) is
    checked to be the same on every rank (``ShapeError`` otherwise, raised on all
    ranks) and rank 0's values are broadcast. During ``backward()`` gradients are
    averaged across ranks in buckets of at most `bucket_cap_mb` megabytes, each
    started (non-blocking ``Iallreduce``) as soon as its gradients are in, so
    communication overlaps the rest of backward; ``backward()`` returns with
    averaged gradients, so any optimizer's ``step()`` follows as usual. Buffers
    (e.g. running statistics) are broadcast from rank 0 at every forward if
    `broadcast_buffers`.

    ``with ddp.no_sync():`` skips the averaging, for gradient accumulation: the
    first backward outside it averages everything accumulated. With
    `find_unused_parameters`, parameters that a forward did not use are counted as
    ready at once (otherwise the next forward raises, naming them). When ranks have
    different numbers of batches, train inside ``with ddp.join():`` (without it, a
    rank that ends early ends the job with an error naming it).

    Averaging is the whole batch's mean loss only when every rank's loss is a mean
    over the same number of terms (as PyTorch's): equal shards (``DistributedSampler``
    pads them equal) and, with ignored targets, equal counts. Otherwise scale each
    rank's loss by ``world_size * its_count / total_count`` before ``backward()``."""

    def __init__(self, module, comm=None, bucket_cap_mb=25, broadcast_buffers=True,
                 find_unused_parameters=False):
        super().__init__()
        self.module = module
        self.comm = comm = get_comm(comm)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        buffers = [(n, b) for n, b in module.named_buffers() if b is not None]
        layout = [(n, t.shape, str(t.dtype)) for n, t in named + buffers]
        check_same(comm, layout, "DistributedDataParallel: the layout of the parameters "
                                 "and buffers (name, shape, dtype)")
        self._buffers_to_sync = buffers if broadcast_buffers else []
        _broadcast([t for _, t in named + buffers], comm)
        self._params = [p for _, p in named]
        self.reducer = Reducer(named, comm, int(bucket_cap_mb * 2 ** 20))
        self.find_unused_parameters = find_unused_parameters
        self._join = None

    def forward(self, *args, **kwargs):
        reducer = self.reducer
        if reducer.enabled:
            reducer.check_idle()
            reducer.check_dtypes()
        root = 0
        if self._join is not None:
            self._join.round(SYNC if reducer.enabled else NO_SYNC)
            root = self._join.buffer_source()
        self._sync_buffers(root)
        out = self.module(*args, **kwargs)
        if self.find_unused_parameters and reducer.enabled:
            used = _leaf_nodes(out)
            reducer.mark_unused([p for b in reducer.buckets for p in b.params
                                 if p._node not in used])
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Backward inside this block leaves gradients local (accumulating)."""
        prev, self.reducer.enabled = self.reducer.enabled, False
        try:
            yield
        finally:
            self.reducer.enabled = prev

    @contextlib.contextmanager
    def join(self, divide_by_initial_world_size=True, enable=True,
             throw_on_early_termination=False):
        """Train on uneven inputs: inside ``with ddp.join():`` a rank whose loop
        ends before the others' shadows their remaining steps (it takes part in
        their collectives with zero gradients) until every rank is done; then every
        rank holds the parameters of the ranks that trained longest. Gradients are
        divided by the initial world size (PyTorch's default), or by the number of
        ranks still training if not `divide_by_initial_world_size`. With
        `throw_on_early_termination`, every rank raises GradgraphError as soon as one
        has run out instead. Costs one small allgather per forward."""
        if not enable or self.comm.Get_size() == 1:
            yield
            return
        if self._join is not None:
            raise GradgraphError("DistributedDataParallel.join: already inside join()")
        self._join = JoinState(self, divide_by_initial_world_size, throw_on_early_termination)
        try:
            yield
            self._join.shadow_until_all_joined()
        finally:
            self._join = None
            self.reducer.scale = 1.0 / self.comm.Get_size()

    def _sync_buffers(self, root=0):
        if self._buffers_to_sync and self.comm.Get_size() > 1:
            _broadcast([b for _, b in self._buffers_to_sync], self.comm, root)

    def _broadcast_state(self, root):
        """Every rank takes rank `root`'s parameters and buffers."""
        _broadcast(self._params + [b for _, b in self._buffers_to_sync], self.comm, root)

    @property
    def num_buckets(self):
        return len(self.reducer.buckets)

    def extra_repr(self):
        return f"world_size={self.comm.Get_size()}, buckets={self.num_buckets}"


def _broadcast(tensors, comm, root=0):
    """Overwrite each tensor's data with rank `root`'s, in place."""
    if comm.Get_size() == 1:
        return
    for t in tensors:
        buf = contiguous(t.data)
        broadcast_array(buf, comm, f"DistributedDataParallel: broadcast of rank {root}'s "
                                   f"parameters and buffers", root)
        if buf is not t.data:
            np.copyto(t.data, buf)


def _leaf_nodes(out):
    """The AccumulateGrad nodes reachable from the tensors in `out` (a tensor or a
    nested tuple/list/dict of them), by an iterative walk."""
    stack, seen = [], set()
    items = [out]
    while items:
        item = items.pop()
        if isinstance(item, dict):
            items.extend(item.values())
        elif isinstance(item, (list, tuple)):
            items.extend(item)
        elif getattr(item, "_node", None) is not None:
            stack.append(item._node)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(p for p in node.parents if p is not None)
    return seen
