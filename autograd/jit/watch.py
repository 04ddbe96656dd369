"""What a traced step reads from optimizers (param groups, per-parameter state, defaults,
attributes) and schedulers by itself (not through the calls a replay makes again): each
such value is a constant of the trace, so a replay needs it unchanged. What the step
writes into them is a call a replay makes again, where the trace made it."""
import sys

import numpy as np

from ..errors import user_frame
from . import tracer


class Watched(dict):
    """An optimizer's param group, per-parameter state or ``defaults`` while a step is
    traced: notes the values read by the step's own code (not by the optimizer's
    replayed or inlined calls, which a replay runs again). Such a value (``group['lr']``
    or ``opt.state[p]['step']`` read in the step) is a constant of the trace: it becomes
    a value the program assumes, so a schedule changing it retraces instead of replaying
    with the traced value. A copy of the dict (``dict(g)``, ``{**g}``, ``g.values()``,
    ``copy.copy(g)``) reads every value. Arrays (the state's buffers) are not noted: the
    trace follows them."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if _noting():
            self._note(key, value)
        return value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __setitem__(self, key, value):
        rec = tracer.active()
        if rec is None or rec.paused or rec.section is not None:
            return dict.__setitem__(self, key, value)
        # a write by the step itself (group['lr'] = lr): a replay makes it again where
        # the trace did. Made twice (a replay a guard stopped, then eager) it is made
        # once, unless the step read the key before (g['lr'] = g['lr'] * 0.9)
        rec.host_call(_Write(self, dict.__setitem__), (key, value), {},
                      idempotent=key not in self.read)
        return None

    def __iter__(self):         # a copy (dict(g), {**g}, g | {}) then reads through []
        return dict.__iter__(self)

    def values(self):
        self._note_all()
        return dict.values(self)

    def items(self):
        self._note_all()
        return dict.items(self)

    def copy(self):
        self._note_all()
        return dict(dict.items(self))

    def __reduce_ex__(self, protocol):          # copy.copy, copy.deepcopy, pickle
        self._note_all()
        return dict, (dict(dict.items(self)),)

    def __eq__(self, other):
        self._note_all()
        return dict.__eq__(self, other)

    def __ne__(self, other):
        self._note_all()
        return dict.__ne__(self, other)

    __hash__ = None

    def __repr__(self):
        self._note_all()
        return dict.__repr__(self)

    def _note(self, key, value):
        if key != "params" and key not in self.read and not isinstance(value, np.ndarray):
            self.read[key] = value, _where()

    def _note_all(self):
        if _noting():
            for key, value in dict.items(self):
                self._note(key, value)


class _Write:
    """``method(d, ...)``: the step's write into `d`, an optimizer's dict, as a call a
    replay makes (bound here: the replay passes a dict argument as a new literal)."""
    __slots__ = ("d", "method")

    def __init__(self, d, method):
        self.d, self.method = d, method

    def __call__(self, *args, **kwargs):
        return self.method(self.d, *args, **kwargs)

    def __repr__(self):
        return f"the step's {self.method.__name__} of an optimizer's param group or state"


def _mutator(name):
    """Watched.<name>, a dict method that writes: as a write by the step (see
    ``Watched.__setitem__``) that may read any value first."""
    method = getattr(dict, name)

    def mutate(self, *args, **kwargs):
        rec = tracer.active()
        if rec is None or rec.paused or rec.section is not None:
            return method(self, *args, **kwargs)
        self._note_all()
        return rec.host_call(_Write(self, method), args, kwargs)
    mutate.__name__ = name
    return mutate


for _name in ("update", "setdefault", "pop", "popitem", "clear", "__delitem__", "__ior__"):
    setattr(Watched, _name, _mutator(_name))
del _name


def _where():
    """'file:line' of the user's code that made a read (past gradgraph's frames)."""
    return user_frame(sys._getframe(2))


def _noting():
    """True while the step's own code runs in a trace (not a call a replay makes again)."""
    rec = tracer.active()
    return rec is not None and not rec.paused and rec.section is None


def _watch(d):
    w = Watched(d)
    w.read = {}
    return w


def watch_groups(optimizers):
    """(optimizer, [(container, key, original dict)]) for each optimizer: its param
    groups, per-parameter state dicts and ``defaults`` are swapped for ``Watched``
    copies until ``unwatch_groups``."""
    swapped = []
    for o in optimizers:
        places = [(o.param_groups, i, g) for i, g in enumerate(o.param_groups)]
        places += [(o.state, p, st) for p, st in o.state.items() if type(st) is dict]
        if type(getattr(o, "defaults", None)) is dict:
            places.append((vars(o), "defaults", o.defaults))
        for container, key, d in places:
            container[key] = _watch(d)
        swapped.append((o, places))
        o.__class__ = _watching(type(o))        # its attributes (opt.warmup), as a scheduler's
    return swapped


def unwatch_groups(swapped, rec):
    """Put the original dicts back, with what the trace wrote into the copies; the
    recorded calls that name a copy name the original instead. Returns (dict, key,
    value, what: "SGD.param_groups[0]['lr'] read at file:line") of each value the step
    read, as it read it: a replay needs the same."""
    original, reads = {}, []
    for o, places in swapped:
        if type(o) in _WATCHING.values():
            o.__class__ = type(o).__mro__[1]
        reads += _attribute_reads(o)
        for container, key, d in places:
            try:
                copy = container[key]
            except (KeyError, IndexError):
                continue
            if type(copy) is not Watched:
                continue
            original[id(copy)] = d
            d.clear()
            d.update(dict.items(copy))
            container[key] = d
            what = _name(o, container, key)
            reads += [(d, k, value, f"{what}[{k!r}] read at {where}")
                      for k, (value, where) in copy.read.items()]
    for ins in rec.code:
        if ins[0] == "host" and type(ins[1]) is _Write:
            ins[1].d = original.get(id(ins[1].d), ins[1].d)
    if original:
        swap = lambda args: tuple(original.get(id(a), a) for a in args)   # noqa: E731
        rec.code[:] = [(ins[0], ins[1], swap(ins[2])) + ins[3:] if ins[0] in ("numbers", "host")
                       else ins for ins in rec.code]
        rec.inlined[:] = [(inline, swap(args), kwargs, key)
                          for inline, args, kwargs, key in rec.inlined]
    return tuple(reads)


def _name(o, container, key):
    """How the user names an optimizer's dict `container[key]`."""
    if container is o.param_groups:
        return f"{type(o).__name__}.param_groups[{key}]"
    if container is o.state:
        return f"{type(o).__name__}.state[<parameter of shape {tuple(key.shape)}>]"
    return f"{type(o).__name__}.{key}"


def _attribute_reads(obj):
    """(its __dict__, attribute, value, what) of each attribute of `obj` the step read."""
    name = type(obj).__name__
    return [(vars(obj), k, v, f"{name}.{'get_last_lr()' if k == '_last_lr' else k} read at "
                              f"{where}") for k, (v, where) in _READS.pop(id(obj), {}).items()]


_READS = {}     # id(scheduler or optimizer) -> {attribute: (value, where)} the step read
_WATCHING = {}  # its class -> the subclass that notes those reads


def _watching(cls):
    """`cls` with attribute reads noted in ``_READS`` while a step is traced, outside the
    calls a replay makes again (the scheduler's own ``step``). Its ``__dict__`` read
    (``vars(s)``, ``state_dict()``) or a copy of it (``copy.copy(s)``) reads every value."""
    sub = _WATCHING.get(cls)
    if sub is None:
        def __getattribute__(self, name):
            value = cls.__getattribute__(self, name)
            if _noting():
                d = object.__getattribute__(self, "__dict__")
                if name == "__dict__":
                    _note_all(self, d)
                elif name in d and d[name] is value and type(value) is not Watched:
                    reads = _READS.setdefault(id(self), {})
                    if name not in reads:
                        reads[name] = value, _where()
            return value

        def __reduce_ex__(self, protocol):
            if _noting():
                _note_all(self, object.__getattribute__(self, "__dict__"))
            rv = cls.__reduce_ex__(self, protocol)
            if type(rv) is tuple and len(rv) > 1 and rv[1] and rv[1][0] is sub:
                rv = (rv[0], (cls,) + tuple(rv[1][1:])) + rv[2:]     # a copy of the class
            return rv
        def __setattr__(self, name, value):
            rec = tracer.active()
            if rec is None or rec.paused or rec.section is not None:
                return cls.__setattr__(self, name, value)
            # a write by the step itself (s.last_epoch = 0): made again by a replay,
            # as a param group's (Watched.__setitem__)
            rec.host_call(_set_attribute, (self, name, value), {},
                          idempotent=name not in _READS.get(id(self), ()))
            return None
        sub = _WATCHING[cls] = type(cls.__name__, (cls,), {"__getattribute__": __getattribute__,
                                                          "__setattr__": __setattr__,
                                                          "__reduce_ex__": __reduce_ex__,
                                                          "__module__": cls.__module__})
    return sub


def _set_attribute(obj, name, value):
    type(obj).__setattr__(obj, name, value)


_set_attribute.__qualname__ = "the step's write into a scheduler's or optimizer's attribute"


def _note_all(obj, d):
    reads = _READS.setdefault(id(obj), {})
    where = _where()
    for k, v in d.items():
        if type(v) is not Watched:
            reads.setdefault(k, (v, where))


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
        reads += _attribute_reads(s)
    return tuple(reads)

