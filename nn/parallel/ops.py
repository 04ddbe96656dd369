"""Differentiable communication: MPI calls as nodes of the autograd graph.

Same contract as ``autograd/ops/`` (forward on arrays, backward on the output's
gradient; send and recv take it as a Tensor, ``arrays = False``). Point to point, for the pipeline: ``send`` is a node whose
backward *receives* the gradient of what it sent; ``recv`` is a source node whose
backward *sends* the gradient back. So ``backward()`` on the last rank feeds
backward on the rank before it, and so on to rank 0. Collectives, for tensor
parallelism (Megatron's f/g), come in dual pairs, each one's backward being the
other, so they differentiate to any order:

    copy_to_parallel       identity      | allreduce-sum
    reduce_from_parallel   allreduce-sum | identity
    gather_from_parallel   allgather     | own slice          (along the last dim)
    scatter_to_parallel    own slice     | allgather
"""
import numpy as np

from autograd import graph
from autograd.creation import from_numpy
from autograd.graph import Node, apply1
from autograd.state import is_grad_enabled
from autograd.tensor import Tensor
from autograd.errors import ArgumentError

from . import watchdog
from .comm import allgather_array, allreduce_sum, contiguous, recv_array

_HEADER = 16          # int64 words: extra, requires grad, dtype char, ndim, shape (<= 12)


def _header(array, extra, requires_grad):
    if array.ndim > _HEADER - 4:
        raise ArgumentError(f"send: at most {_HEADER - 4} dims, got shape {array.shape}")
    head = np.zeros(_HEADER, np.int64)
    head[:4] = extra, requires_grad, ord(array.dtype.char), array.ndim
    head[4:4 + array.ndim] = array.shape
    return head


def _fmt_bytes(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024


class Send(Node):
    """Send `x` to rank `peer`; the output is a 0-d zero token that carries the
    dependency. Backward receives d(loss)/dx from `peer` (its value is what the
    gradient of `x` is: the token's own gradient is ignored)."""
    __slots__ = ("comm", "peer", "tag")
    arrays = False

    def forward(self, x, comm, peer, tag, extra, pending, requires_grad):
        self.comm, self.peer, self.tag = comm, peer, tag
        x = contiguous(x)
        head = _header(x, extra, requires_grad)
        pending.append((comm.Isend(head, dest=peer, tag=2 * tag), head))
        pending.append((comm.Isend(x, dest=peer, tag=2 * tag + 1), x))
        self.saved = ()
        return np.zeros((), x.dtype)

    def communication(self):
        """The label viz shows on this node: what it sends, to whom, how many bytes."""
        parent = self.parents[0]
        return (f"send to rank {self.peer} · {_fmt_bytes(parent.shape, parent.dtype)} "
                f"(backward: recv)")

    def backward(self, g):
        parent = self.parents[0]
        grad = np.empty(parent.shape, parent.dtype)
        recv_array(grad, self.peer, 2 * self.tag + 1, self.comm,
                   f"backward of send: the gradient of micro-batch {self.tag} from rank "
                   f"{self.peer}")
        return from_numpy(grad),


class Recv(Node):
    """The array sent by ``send`` on rank `peer` with the same tag; a source node
    whose backward sends the gradient back to `peer`."""
    __slots__ = ("comm", "peer", "tag", "pending")
    arrays = False

    def communication(self):
        return (f"recv from rank {self.peer} · {_fmt_bytes(self.shape, self.dtype)} "
                f"(backward: send)")

    def backward(self, g):
        buf = contiguous(g.data)
        self.pending.append((self.comm.Isend(buf, dest=self.peer, tag=2 * self.tag + 1), buf))
        return ()


def send(x, comm, peer, tag, extra=0, pending=None):
    """Send Tensor `x` to `peer` without blocking; returns the token (a 0-d Tensor
    that requires grad if `x` does). Requests go to `pending` as (request, buffer)
    pairs: wait them (``wait_all``) before reusing or freeing the buffers. `extra` is
    an integer delivered to the receiver with the header."""
    pending = [] if pending is None else pending
    requires_grad = x._node is not None and is_grad_enabled()
    return apply1(Send, x, comm, peer, tag, extra, pending, requires_grad)


def recv(comm, peer, tag, pending):
    """Receive the Tensor sent by ``send(.., tag)`` on rank `peer`; returns
    ``(tensor, extra)``. If the sent tensor required grad (and grad mode is on here),
    the tensor records a ``Recv`` node, so backward sends its gradient back to `peer`."""
    head = np.empty(_HEADER, np.int64)
    what = f"recv: micro-batch {tag} from rank {peer}"
    recv_array(head, peer, 2 * tag, comm, what)
    extra, requires_grad, code, ndim = (int(v) for v in head[:4])
    data = np.empty(tuple(int(n) for n in head[4:4 + ndim]), np.dtype(chr(code)))
    recv_array(data, peer, 2 * tag + 1, comm, what)
    if not (requires_grad and is_grad_enabled()):
        return from_numpy(data), extra
    node = Recv()
    node.comm, node.peer, node.tag, node.pending = comm, peer, tag, pending
    return graph.record(node, data), extra


def release_done(pending):
    """Drop from `pending` the sends that have completed (their buffers can go)."""
    if pending:
        pending[:] = [(req, buf) for req, buf in pending if not req.Test()]


def wait_all(pending):
    """Complete the non-blocking sends in `pending` and empty it."""
    if pending:
        watchdog.wait([req for req, _ in pending], "the sends of the previous step", None)
        pending.clear()


# --- collectives for tensor parallelism --------------------------------------------

def _allreduce(x, comm):
    out = np.array(x, order="C", copy=True)
    return allreduce_sum(out, comm, f"tensor-parallel allreduce of {x.shape} {x.dtype}")


def _allgather_last(x, comm):
    """Concatenate every rank's `x` along the last dim (ranks in order)."""
    parts = allgather_array(x, comm, f"tensor-parallel allgather of {x.shape} {x.dtype}")
    return np.concatenate(list(parts), axis=-1)


def _own_slice(x, comm):
    n, size = x.shape[-1], comm.Get_size()
    if n % size:
        raise ArgumentError(f"the last dim ({n}) must be divisible by the number of ranks "
                         f"({size}) to split it")
    part = n // size
    r = comm.Get_rank()
    return np.ascontiguousarray(x[..., r * part:(r + 1) * part])


class _Collective(Node):
    """forward: ``run(x, comm)``; backward: the `dual` collective on the gradient."""
    __slots__ = ("comm",)

    def forward(self, x, comm):
        self.comm = comm
        return self.run(x, comm)

    def backward(self, g):
        return apply1(self.dual, g, self.comm),

    def communication(self):
        what = self.label if self.label else f"backward: {self.dual.label}"
        return (f"{what} over {self.comm.Get_size()} ranks · "
                f"{_fmt_bytes(self.shape, self.dtype)}")


class CopyToParallel(_Collective):
    __slots__ = ()
    run = staticmethod(lambda x, comm: x)
    label = None                     # no communication in forward


class ReduceFromParallel(_Collective):
    __slots__ = ()
    run = staticmethod(_allreduce)
    label = "allreduce"


class GatherFromParallel(_Collective):
    __slots__ = ()
    run = staticmethod(_allgather_last)
    label = "allgather"


class ScatterToParallel(_Collective):
    __slots__ = ()
    run = staticmethod(_own_slice)
    label = None


CopyToParallel.dual, ReduceFromParallel.dual = ReduceFromParallel, CopyToParallel
GatherFromParallel.dual, ScatterToParallel.dual = ScatterToParallel, GatherFromParallel


def _collective(cls):
    def op(x, comm):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return x._apply1(cls, comm)
    op.__name__ = cls.__name__
    return op


copy_to_parallel = _collective(CopyToParallel)
reduce_from_parallel = _collective(ReduceFromParallel)
gather_from_parallel = _collective(GatherFromParallel)
scatter_to_parallel = _collective(ScatterToParallel)
