"""Bucketed, overlapped gradient averaging: the engine of DistributedDataParallel.

Parameters are grouped into buckets in reverse registration order (roughly the order
backward produces their gradients), each bucket one flat buffer of one dtype of at
most `cap_bytes`. A post-accumulate-grad hook counts each bucket down; when a bucket's
last gradient is in, its gradients are copied into the buffer (times 1/world size)
and a non-blocking ``Iallreduce`` starts while backward goes on. Buckets start in
index order on every rank (a ready bucket waits for its predecessors), so the
collectives match across ranks whatever order the engine visits parameters in.
When the last bucket has started, the hook waits for all of them and writes the
averages back into ``.grad``: so when ``backward()`` returns, gradients are averaged
and a plain ``opt.step()`` follows.
"""
import time

import numpy as np

from autograd.errors import GradgraphError
from autograd.graph import _wrap

from . import watchdog
from .comm import mpi


class Bucket:
    __slots__ = ("params", "buffer", "views", "waiting", "request")

    def __init__(self, params):
        self.params = params
        offsets = np.cumsum([0] + [p.data.size for p in params]).tolist()
        self.buffer = np.empty(offsets[-1], params[0].data.dtype)
        # each parameter's slice of the buffer, in its shape
        self.views = [self.buffer[a:b].reshape(p.data.shape)
                      for p, a, b in zip(params, offsets, offsets[1:])]
        self.waiting = len(params)
        self.request = None

    def pack(self, scale):
        """Copy the parameters' gradients (zeros for a missing one) times `scale`."""
        for p, view in zip(self.params, self.views):
            if p.grad is None:
                view.fill(0)
            else:
                np.multiply(p.grad.data, scale, out=view)

    def unpack(self):
        for p, view in zip(self.params, self.views):
            g = p.grad
            if g is not None and g._node is None and g.data.flags.writeable:
                np.copyto(g.data, view)
            else:
                p.grad = _wrap(view.copy(), None)


def make_buckets(params, cap_bytes):
    """Group `params` (in the order given) into buckets of one dtype and at most
    `cap_bytes` (a parameter larger than that gets a bucket of its own)."""
    buckets, current, size = [], [], 0
    for p in params:
        nbytes = p.data.nbytes
        if current and (size + nbytes > cap_bytes or p.data.dtype != current[0].data.dtype):
            buckets.append(Bucket(current))
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(Bucket(current))
    return buckets


class Reducer:
    """Averages the gradients of `params` over `comm` during backward (see module doc)."""

    def __init__(self, named_params, comm, cap_bytes):
        params = [p for _, p in named_params]
        self.names = {id(p): name for name, p in named_params}
        self.comm = comm
        self.MPI = mpi()
        self.scale = 1.0 / comm.Get_size()
        self.params = params
        self.cap_bytes = cap_bytes
        self._make_buckets()
        self.seen = set()            # ids of the parameters counted in this backward
        self.next = 0                # index of the next bucket to start
        self.enabled = True          # False inside no_sync()
        # wait_seconds: time backward waited at its end; done_early_bytes: bytes of the
        # buckets whose allreduce had already completed by then (hidden behind backward)
        self.stats = {"allreduce_calls": 0, "steps": 0, "wait_seconds": 0.0,
                      "done_early_bytes": 0, "bytes": 0}
        for p in params:
            p.register_post_accumulate_grad_hook(self._ready)

    def _make_buckets(self):
        self.buckets = make_buckets(list(reversed(self.params)), self.cap_bytes)
        self.where = {id(p): b for b in self.buckets for p in b.params}
        self.dtypes = [p.data.dtype for p in self.params]

    def check_dtypes(self):
        """Rebuild the buckets if a parameter's dtype changed since they were made
        (``module.double()`` after wrapping): gradients are reduced in their own dtype."""
        if any(p.data.dtype != d for p, d in zip(self.params, self.dtypes)):
            self._make_buckets()

    def _ready(self, param):
        if not self.enabled:
            return
        if self._count(param) == 0:          # its bucket is complete
            self._start_ready_buckets()
        elif self.next:                      # some bucket is in flight
            self._progress()

    def _count(self, param):
        """Count `param` in (once per backward); returns what its bucket still awaits."""
        key = id(param)
        bucket = self.where[key]
        if key not in self.seen:
            self.seen.add(key)
            bucket.waiting -= 1
        return bucket.waiting

    def mark_unused(self, params):
        """Count `params` as ready although backward will not reach them (their
        gradient enters the average as it is, zero if None)."""
        for p in params:
            self._count(p)
        self._start_ready_buckets()

    def _start_ready_buckets(self):
        buckets = self.buckets
        while self.next < len(buckets) and buckets[self.next].waiting == 0:
            b = buckets[self.next]
            b.pack(self.scale)
            MPI = self.MPI
            b.request = self.comm.Iallreduce(MPI.IN_PLACE, b.buffer, op=MPI.SUM)
            self.stats["allreduce_calls"] += 1
            self.next += 1
        if self.next == len(buckets):
            self._finish()

    def _progress(self):
        """Let MPI advance the collectives in flight (no progress thread in MPI)."""
        self.MPI.Request.Testall([b.request for b in self.buckets[:self.next]])

    def _finish(self):
        stats = self.stats
        t0 = time.perf_counter()
        for b in self.buckets:
            stats["bytes"] += b.buffer.nbytes
            if b.request.Test():
                stats["done_early_bytes"] += b.buffer.nbytes
        watchdog.wait([b.request for b in self.buckets],
                      f"DistributedDataParallel: the gradient allreduce of step "
                      f"{stats['steps'] + 1}", self.comm)
        stats["wait_seconds"] += time.perf_counter() - t0
        stats["steps"] += 1
        for b in self.buckets:
            b.unpack()
            b.request = None
            b.waiting = len(b.params)
        self.next = 0
        self.seen.clear()

    def check_idle(self):
        """Raise if the last backward left some buckets unreduced (parameters that
        got no gradient), before the next forward makes it worse."""
        if not self.seen:
            return
        missing = [self.names[id(p)] for b in self.buckets for p in b.params
                   if id(p) not in self.seen]
        raise GradgraphError(
            f"DistributedDataParallel: the previous backward produced no gradient for "
            f"{len(missing)} parameter(s) ({', '.join(missing[:5])}), so no gradient was "
            f"averaged across ranks. Pass find_unused_parameters=True if some parameters "
            f"are not used in forward.")
