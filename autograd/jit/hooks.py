"""The two decorators through which gradgraph's own code cooperates with tracing.

They are the only places outside this package that know about ``compile``; each costs
one thread-local read per call when nothing is traced.
"""
import functools

from . import tracer


def replayed(method=None, *, idempotent=False):
    """Decorator for methods a replay calls as Python (``Optimizer.step``,
    ``LRScheduler.step``, ``zero_grad``): while tracing, the call is recorded and run
    with recording paused. Outside tracing it costs one attribute read. An
    `idempotent` one (``zero_grad``) may run before a guard: running it twice, once in a
    replay stopped by the guard and once eagerly, is the same as running it once."""
    if method is None:
        return functools.partial(replayed, idempotent=idempotent)

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        rec = tracer.active()
        if rec is not None and not rec.paused:
            return rec.host_call(method, args, kwargs, idempotent)
        return method(*args, **kwargs)
    wrapper.idempotent = idempotent
    return wrapper


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
