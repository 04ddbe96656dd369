"""The decorators through which gradgraph's own code cooperates with tracing.

They are the only places outside this package that know about ``compile``; each costs
one thread-local read per call when nothing is traced.
"""
import functools
import sys

from ..errors import user_frame
from . import tracer


def replayed(method=None, *, idempotent=False, inline=None, effect=False):
    """Decorator for methods a replay calls as Python (``Optimizer.step``,
    ``LRScheduler.step``, ``zero_grad``): while tracing, the call is recorded and run
    with recording paused. Outside tracing it costs one attribute read. An
    `idempotent` one (``zero_grad``) may run before a guard: running it twice, once in a
    replay stopped by the guard and once eagerly, is the same as running it once.

    `inline`, a function of the call's arguments, says when the call may instead be
    recorded as the numpy calls it makes (a replay then runs those, with no Python in
    between): it returns None when not, else a key (compared with ==) of what the
    recorded calls assume (the branches taken), which must still hold for a replay to run. Such a call
    takes every Python number it passes to numpy from a method marked ``numbers`` and
    its scratch arrays from one marked ``workspace``, and has no other Python effects
    than those of ``numbers`` methods and ``effect`` calls; a number that came from
    elsewhere makes the call a Python call of the replay again.

    An `effect` function (a version-counter bump) is recorded with the arrays it is
    given and called again by a replay with the same arrays."""
    if method is None:
        return functools.partial(replayed, idempotent=idempotent, inline=inline, effect=effect)

    if effect:
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            rec = tracer.active()
            if rec is not None and not rec.paused:
                return rec.effect(method, args, kwargs)
            return method(*args, **kwargs)
        return wrapper

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        rec = tracer.active()
        if rec is not None and not rec.paused:
            return rec.host_call(method, args, kwargs, idempotent, inline)
        return method(*args, **kwargs)
    wrapper.idempotent = idempotent
    return wrapper


def numbers(method):
    """Decorator for a method returning the tuple of Python numbers that an ``inline``
    call passes to numpy this step (a learning rate, Adam's bias corrections; a fixed
    length): while tracing it is recorded, and a replay calls it again where the trace
    did, so these numbers are inputs of the program, never constants. It may update
    Python state (a step count) as it does eagerly."""
    @functools.wraps(method)
    def wrapper(*args):
        rec = tracer.active()
        if rec is not None and not rec.paused:
            return rec.numbers(method, args)
        return method(*args)
    return wrapper


def workspace(method):
    """Decorator for a method returning scratch arrays (a tuple) that a step writes and
    reads: while tracing they come back as traced views of the same memory, so what is
    done to them is recorded, and their contents count as undefined (as ``np.empty``'s:
    a replay may keep them in its own buffers)."""
    @functools.wraps(method)
    def wrapper(*args):
        rec = tracer.active()
        if rec is None or rec.paused:
            return method(*args)
        # made (the first time) with recording paused: plain arrays, not the trace's
        # constants, which the method's cache would keep and every later eager step and
        # program would compute on through TraceArray's Python ufunc hook (an MLP B=16
        # with an Adam step every 4th call, its first in a trace: 0.23 ms a replayed
        # call rather than 0.35-0.43, and 0.39 ms an eager one rather than 0.41-0.47)
        rec.paused = True
        try:
            arrays = tuple(tracer.plain(a) for a in method(*args))
        finally:
            rec.paused = False
        for a in arrays:
            rec.scratch(a)
        return tuple(tracer.traced(a) for a in arrays)
    return wrapper


def general_path(cond):
    """``bool(cond)`` for a test choosing between a general path (True) and a faster
    special case (False) that gives the same bits where it applies (cross-entropy's mask
    of ignored targets, which masks nothing when none is ignored). While tracing, True
    is taken without a guard: the program of the general path is right for every later
    value. False is read as any value (a guard): a replay that needs the general path
    fails it, and the retrace takes the general path for good. Outside tracing it costs
    one thread-local read."""
    rec = tracer.active()
    if rec is None or rec.paused or type(cond) is not tracer.TraceArray:
        return bool(cond)
    return bool(tracer.plain(cond)) or bool(cond)


def kernel(*, writes=()):
    """Decorator for a numpy function whose insides a replay cannot follow (sizes that
    depend on values: boolean masks, ``np.unique``) but whose result has a fixed shape:
    while tracing it is recorded as one call, run on plain arrays, and a replay calls it
    again. `writes` are the positions of the arguments it writes in place. Outside
    tracing it costs one attribute read."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            rec = tracer.active()
            if rec is not None and not rec.paused:
                return rec.kernel(fn, args, kwargs, writes)
            return fn(*args, **kwargs)
        return wrapper
    return decorate


def communication(what):
    """Called by gradgraph's MPI code when an operation completes (``what`` names it):
    while a step is traced (outside the calls a replay makes as Python), the step
    communicated, which a replay cannot repeat: its numpy calls would reuse what the
    trace received (another rank's max, a sum over ranks), so the step runs eagerly
    (under strict=True, Escape is raised once the operation has completed on every
    rank). Outside tracing it costs one thread-local read."""
    rec = tracer.active()
    if rec is None or rec.paused:
        return
    where = user_frame(sys._getframe(1))
    rec.escape(f"MPI communication inside the step ({what}, at {where}): a replay would "
               f"not communicate")
