"""What a traced step reads from optimizers' param groups and schedulers by itself (not
through the calls a replay makes again): each such value is a constant of the trace, so a
replay needs it unchanged."""
from . import tracer


class Group(dict):
    """An optimizer's param group while a step is traced: notes the keys read by the
    step's own code (not by the optimizer's replayed or inlined calls, which a replay
    runs again). Such a value (``group['lr']`` read in the step) is a constant of the
    trace: it becomes a value the program assumes, so a schedule changing it retraces
    instead of replaying with the traced value."""

    def __getitem__(self, key):
        rec = tracer.active()
        value = dict.__getitem__(self, key)
        if rec is not None and not rec.paused and rec.section is None and key != "params":
            self.read.setdefault(key, value)
        return value

    def get(self, key, default=None):
        return self[key] if key in self else default


def watch_groups(optimizers):
    """(optimizer, its group dicts) for each optimizer, whose groups are swapped for
    ``Group`` copies until ``unwatch_groups``."""
    swapped = []
    for o in optimizers:
        originals = list(o.param_groups)
        for i, g in enumerate(originals):
            o.param_groups[i] = Group(g)
            o.param_groups[i].read = {}
        swapped.append((o, originals))
    return swapped


def unwatch_groups(swapped, rec):
    """Put the original group dicts back, with what the trace wrote into the copies; the
    recorded calls that name a copy name the original instead. Returns (group, key,
    value) of each value the step read, as it read it: a replay needs the same."""
    original, reads = {}, []
    for o, originals in swapped:
        for i, g in enumerate(originals):
            copy = o.param_groups[i]
            if type(copy) is not Group:
                continue
            original[id(copy)] = g
            g.clear()
            g.update(copy)
            o.param_groups[i] = g
            reads += [(g, key, value) for key, value in copy.read.items()]
    if original:
        swap = lambda args: tuple(original.get(id(a), a) for a in args)   # noqa: E731
        rec.code[:] = [(ins[0], ins[1], swap(ins[2])) + ins[3:] if ins[0] in ("numbers", "host")
                       else ins for ins in rec.code]
        rec.inlined[:] = [(inline, swap(args), kwargs, key)
                          for inline, args, kwargs, key in rec.inlined]
    return tuple(reads)


_READS = {}            # id(scheduler) -> {attribute: value} read by the traced step itself
_WATCHING = {}         # scheduler class -> its subclass that notes those reads


def _watching(cls):
    """`cls` with attribute reads noted in ``_READS`` while a step is traced, outside the
    calls a replay makes again (the scheduler's own ``step``)."""
    sub = _WATCHING.get(cls)
    if sub is None:
        def __getattribute__(self, name):
            value = object.__getattribute__(self, name)
            rec = tracer.active()
            if rec is not None and not rec.paused and rec.section is None:
                d = object.__getattribute__(self, "__dict__")
                if name in d and d[name] is value:
                    _READS.setdefault(id(self), {}).setdefault(name, value)
            return value
        sub = _WATCHING[cls] = type(cls.__name__, (cls,), {"__getattribute__": __getattribute__,
                                                          "__module__": cls.__module__})
    return sub


def watch_schedulers(schedulers):
    """A scheduler's state read by the step itself (``get_last_lr()``, ``last_epoch``) is a
    constant of the trace, as a param group's value (``Group``): noted while tracing."""
    for s in schedulers:
        s.__class__ = _watching(type(s))


def unwatch_schedulers(schedulers):
    """(the scheduler's __dict__, attribute, value) of each value the step read."""
    reads = []
    for s in schedulers:
        if type(s) in _WATCHING.values():
            s.__class__ = type(s).__mro__[1]
        reads += [(vars(s), k, v) for k, v in _READS.pop(id(s), {}).items()]
    return tuple(reads)


def still(reads):
    """True if each group holds the values a program's step read from it."""
    for g, key, value in reads:
        now = g.get(key, still)
        if now is not value and (type(now) is not type(value) or now != value):
            return False
    return True
