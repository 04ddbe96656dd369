"""No hangs: a job whose ranks disagree ends, with the rank and the reason named.

Three things can leave a rank blocked forever in MPI: another rank dies of an
exception, another rank ends (``sys.exit()``, or the end of a script that ran fewer
batches), or another rank never reaches the collective. Installed on every rank (by
``import nn.parallel`` when the process was started by ``mpiexec`` with several
ranks, else by the first communicator with several ranks):

- an uncaught exception prints its traceback and aborts the whole job;
- a rank that ends tells every other rank (a short message on ``COMM_WORLD`` with a
  reserved tag), then waits for the same word from all of them before MPI is
  finalized: the end of the program is a barrier, so ranks that end together end
  cleanly;
- every wait of ``nn.parallel`` (``wait``: collectives and receives are started
  non-blocking and polled) checks for such messages: if a rank of the communicator
  has ended and the wait has not completed within `GRACE` seconds, the job is
  aborted with both ranks and the collective named; a wait longer than the timeout
  (``set_timeout``, environment ``GRADGRAPH_COMM_TIMEOUT``, default 1800 s) aborts too.
"""
import atexit
import os
import sys
import time

from autograd.errors import ArgumentError
from autograd.jit.hooks import communication

TAG = 32767                  # reserved on COMM_WORLD for "this rank has ended"
GRACE = 3.0                  # seconds a wait may go on after a peer has ended
SPIN = 5e-3                  # seconds a wait polls without sleeping (a step's allreduce
                             # is ~0.1-10 ms; a sleep would add up to 1 ms to it)
_yield = getattr(os, "sched_yield", lambda: None)
_NOTICE_BYTES = 512
_LAUNCH_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE")

_state = {"installed": False, "timeout": None, "count": 0, "last": None}
_ended = {}                  # world rank -> (its notice, time we learnt of it)


def mpi():
    from mpi4py import MPI          # imported (and MPI initialized) by then
    return MPI


def get_timeout():
    """Seconds a collective or receive of nn.parallel may wait before the job aborts."""
    if _state["timeout"] is None:
        _state["timeout"] = float(os.environ.get("GRADGRAPH_COMM_TIMEOUT", 1800))
    return _state["timeout"]


def set_timeout(seconds):
    """Set the wait limit (seconds > 0) for every later collective and receive."""
    seconds = float(seconds)
    if not seconds > 0:
        raise ArgumentError(f"set_timeout: seconds must be > 0, got {seconds}")
    _state["timeout"] = seconds


def launched_with_several_ranks():
    """True if the environment says this process is one of several started by an MPI
    launcher (read without initializing MPI)."""
    for var in _LAUNCH_SIZE_VARS:
        try:
            if int(os.environ.get(var, "1")) > 1:
                return True
        except ValueError:
            pass
    return False


def install():
    """Install the exception hook and the end-of-program handshake (idempotent; a
    no-op on a single rank)."""
    if _state["installed"]:
        return
    try:
        world = mpi().COMM_WORLD
    except ImportError:             # comm.mpi() says how to install it when needed
        return
    if world.Get_size() == 1:
        return
    _state["installed"] = True
    previous = sys.excepthook

    def hook(kind, value, tb):
        try:
            sys.stderr.write(f"[rank {world.Get_rank()}/{world.Get_size()}] uncaught "
                             f"{kind.__name__}; aborting the job\n")
            previous(kind, value, tb)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            world.Abort(1)

    sys.excepthook = hook
    atexit.register(_at_exit)


def abort(message):
    """Print `message` prefixed with this rank, then end the whole job."""
    world = mpi().COMM_WORLD
    sys.stdout.flush()
    sys.stderr.write(f"[rank {world.Get_rank()}/{world.Get_size()}] aborting the job: "
                     f"{message}\n")
    sys.stderr.flush()
    world.Abort(1)


def wait(requests, what, comm=None):
    """Complete the MPI request(s) `requests`, polling: aborts the job if a rank of
    `comm` has ended meanwhile or the timeout passes (see module doc). `what` names
    the operation in the message."""
    _complete(requests, what, comm)
    communication(what)     # compile: a traced step communicating runs eagerly (hook)


def _complete(requests, what, comm):
    MPI = mpi()
    reqs = requests if isinstance(requests, list) else [requests]
    _state["count"] += 1
    _state["last"] = what
    if MPI.Request.Testall(reqs):
        return
    start = time.monotonic()
    pause = 1e-5
    while not MPI.Request.Testall(reqs):
        now = time.monotonic()
        if now - start < SPIN:           # as MPI's own blocking waits: poll, yielding the
            _yield()                     # core to a process that wants it; then sleep
            continue
        _collect_notices()
        if _ended:
            _check_peers(comm, what, start, now)
        if now - start > get_timeout():
            abort(f"waited {get_timeout():g} s in {_describe(what)} without the other "
                  f"ranks joining it (timeout: nn.parallel.set_timeout or "
                  f"GRADGRAPH_COMM_TIMEOUT)")
        time.sleep(pause)
        pause = min(2 * pause, 1e-3)


def _describe(what):
    return f"{what} (collective or receive #{_state['count']} of this rank)"


def _collect_notices():
    MPI = mpi()
    world = MPI.COMM_WORLD
    status = MPI.Status()
    while world.Iprobe(source=MPI.ANY_SOURCE, tag=TAG, status=status):
        buf = bytearray(_NOTICE_BYTES)
        world.Recv(buf, source=status.Get_source(), tag=TAG)
        _ended[status.Get_source()] = (bytes(buf).rstrip(b"\0").decode(), time.monotonic())


def _members(comm, world_ranks):
    """The world ranks among `world_ranks` that belong to `comm` (all for None)."""
    MPI = mpi()
    if comm is None or comm == MPI.COMM_WORLD:
        return list(world_ranks)
    mine = MPI.Group.Translate_ranks(MPI.COMM_WORLD.Get_group(), list(world_ranks),
                                     comm.Get_group())
    return [w for w, c in zip(world_ranks, mine) if c != MPI.UNDEFINED]


def _check_peers(comm, what, start, now):
    for r in _members(comm, sorted(_ended)):
        notice, seen = _ended[r]
        if now - max(seen, start) > GRACE:
            me = mpi().COMM_WORLD.Get_rank()
            abort(f"rank {r} {notice}, while rank {me} waits in {_describe(what)}. "
                  f"Every rank must make the same collective calls; if the ranks have "
                  f"different numbers of batches, train inside `with ddp.join():`")


def _at_exit():
    """Tell every rank this one has ended; wait for the same from all of them."""
    MPI = mpi()
    if MPI.Is_finalized():
        return
    world = MPI.COMM_WORLD
    me, size = world.Get_rank(), world.Get_size()
    last = _state["last"]
    notice = (f"ended (end of the script or sys.exit()) after {_state['count']} "
              f"collectives or receives" + (f", the last: {last}" if last else ""))
    buf = bytearray(notice.encode()[:_NOTICE_BYTES - 1].ljust(_NOTICE_BYTES, b"\0"))
    sends = [world.Isend(buf, dest=r, tag=TAG) for r in range(size) if r != me]
    start = time.monotonic()
    pause = 1e-4
    while True:
        _collect_notices()
        waiting = [r for r in range(size) if r != me and r not in _ended]
        if not waiting:
            break
        if time.monotonic() - start > get_timeout():
            abort(f"this rank has ended but rank(s) {waiting} did not end within "
                  f"{get_timeout():g} s")
        time.sleep(pause)
        pause = min(2 * pause, 0.01)
    MPI.Request.Waitall(sends)
