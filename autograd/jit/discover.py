"""What a step can touch besides its arguments: found once per trace from the function.

The walk starts at the function's closure cells, the globals its code names, its
defaults and its ``__self__``, and goes into containers and user objects (a few levels
deep), collecting modules (with their submodules, parameters and buffers), optimizers
(with their parameters) and tensors. During tracing all of their arrays are traced, so
nothing computed from them is mistaken for a constant; between calls the ``State``
checks what makes a program stale (an array replaced, a module's train/eval mode, an
optimizer's state or groups replaced).
"""
import functools
import operator
import sys
import types
import warnings
from collections import deque

import numpy as np

from ..node import AccumulateGrad
from ..tensor import Tensor
from .. import versions
from . import kept
from .bytecode import global_names, increments, length_reads

_MAX_DEPTH = 4


def _code_names(code, seen):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType) and c not in seen:
            seen.add(c)
            names |= _code_names(c, seen)
    return names


_SCALARS = (int, float, complex, str, bytes, type(None), np.generic)
SHADOWED = ("memoryview",)  # builtins that a trace replaces in the user's globals (aliasing.py)
_CELL = object()            # the key of a closure cell's contents
_CELLS = object()           # the container of all closure cells
_OWN = ("autograd", "nn", "viz")


def _is_scalar(v):
    return isinstance(v, _SCALARS) or (type(v) in (tuple, frozenset)
                                       and all(_is_scalar(i) for i in v))


class _Contents:
    """A set's contents, as a place for ``Slots``: ``[0]`` is a frozenset of its items
    (each object that is not a scalar by identity), compared by ``==``."""
    __slots__ = ("set",)

    def __init__(self, s):
        self.set = s

    def __getitem__(self, _):
        return frozenset(v if _is_scalar(v) else ("id", id(v)) for v in self.set)


class Slots:
    """The places the walk read a value from (a closure cell, a global, a dict's or a
    list's item, a module's public attribute or submodule, parameter or buffer): a value
    there is a constant of the trace, so a change of it makes the program stale."""

    def __init__(self):
        self.places = {}            # id(container) -> (container, [keys], its size matters)
        self.generators = []        # numpy Generators and RandomStates (patches.Patched)
        self.iterators = []         # generators and builtin iterators (advanced)
        self.names = {}             # id(cell) -> its variable's name, id(module's dict) -> class
        self.builtins = []          # (globals, name): a builtin in SHADOWED the user's code calls
        self.lists = {}             # id(list) -> list: carried.rebound
        self.labels = {}            # id(list or dict) -> what to call it ("the list 'log'")
        self.increments = {}        # name -> the constant the code only ever adds to it

    def add(self, container, key, sized=True):
        """`sized`: a key added to the container (an attribute set on an object, an item
        of a config dict) may change what the step reads (not so for a module's globals)."""
        c = _CELLS if key is _CELL else container
        entry = self.places.setdefault(id(c), (c, [], sized and key is not _CELL))
        if key is not None:
            entry[1].append(container if key is _CELL else key)

    def snapshot(self):
        """A ``Values``: what the places hold now."""
        values = Values(self.places.values(), self.names, self.lists.values(), self.labels)
        values.increments = self.increments
        return values


class Values:
    """The values at some places and the sizes of their containers (as the trace found
    them, carried.py); ``emit`` writes the test that they still hold into a generated
    check."""

    def __init__(self, places, names, lists=(), labels=None):
        self.names, self.labels = names, labels or {}
        self.items, self.sizes = [], []     # (container, key, value), (container, size)
        self.lists = [(v, list(v)) for v in lists]          # (list, its items)
        for c, keys, sized in places:
            if c is _CELLS:
                self.items += [(cell, _CELL, cell.cell_contents) for cell in keys
                               if _readable(cell, _CELL)]
                continue
            if sized:
                self.sizes.append((c, len(c)))
            self.items += [(c, k, c[k]) for k in keys if _readable(c, k)]

    def emit(self, check, counted=()):
        """Conditions: every place holds the same object (or an equal scalar of the same
        type, or tensors that ``Fits``) and every container its number of items. Reading
        a place may raise KeyError, IndexError or ValueError (an emptied cell): see
        ``_Check.guarded``. (those on containers in `counted`, the ids of dicts whose
        changes ``versions.structure`` counts, where no value is looked into; the rest)"""
        fast, conds = [], []
        for c, n in self.sizes:
            (fast if id(c) in counted else conds).append(f"len({check.name(c)}) == {n}")
        for c, k, v in self.items:
            if k is _CELL:
                read = f"{check.name(c)}.cell_contents"
            else:
                read = _item(check, c, k)
            if type(v) in (Fits, Counter):
                conds.append(f"{check.name(v)}.holds({read})")
            elif _is_scalar(v):
                (fast if id(c) in counted else conds).append(
                    f"(w := {read}) is {check.name(v)} or _equal(w, {check.name(v)})")
            else:
                (fast if id(c) in counted else conds).append(f"{read} is {check.name(v)}")
        return fast, conds

    def changed(self):
        """What changed, named ('the global 'scale' of train'), for a retrace's reason."""
        for c, n in self.sizes:
            if len(c) != n:
                return f"the keys of {self._name(c, None)}"
        for c, k, v in self.items:
            try:
                now = _read(c, k)
            except (KeyError, IndexError, ValueError):
                return self._name(c, k)
            if type(v) in (Fits, Counter):
                if not v.holds(now):
                    return self._name(c, k)
            elif now is not v and not (_is_scalar(v) and _equal(now, v)):
                return self._name(c, k)
        return None

    def _name(self, c, k):
        label = self.labels.get(id(c))
        if label is not None:
            return label if k is None else f"item {k!r} of {label}"
        name = self.names.get(id(c))
        if k is _CELL:
            return f"the closure variable {name!r}" if name else "a closure variable"
        if name is not None:
            return f"{name}.{k}" if type(k) is str else f"an item of {name}"
        if type(c) is dict and "__builtins__" in c:
            return f"the global {k!r} of {c.get('__name__')}" if k is not None else "a module"
        return f"item {k!r} of a {type(c).__name__}" if k is not None else f"a {type(c).__name__}"


class Fits:
    """What a place that carries tensors from call to call must hold (carried.py): a
    Tensor, or a tuple or list of them, of the shapes and dtypes of `value`'s."""
    __slots__ = ("kind", "forms")

    def __init__(self, value):
        self.kind = None if isinstance(value, Tensor) else type(value)
        self.forms = [(t.data.shape, t.data.dtype)
                      for t in ((value,) if self.kind is None else value)]

    def holds(self, v):
        if self.kind is None:
            v = (v,)
        elif type(v) is not self.kind or len(v) != len(self.forms):
            return False
        return all(isinstance(t, Tensor) and type(t.data) is np.ndarray
                   and t.data.shape == shape and t.data.dtype == dtype
                   for t, (shape, dtype) in zip(v, self.forms))


class Counter:
    """What a counter the step only adds a constant to (``self.calls += 1``, read
    nowhere else: ``bytecode.increments``) must hold: a number of its type (each replay
    adds the constant, carried.py)."""
    __slots__ = ("type",)

    def __init__(self, value):
        self.type = type(value)

    def holds(self, v):
        return type(v) is self.type


def _equal(a, b):
    """Whether a Python value the program assumes still holds: floats by their bits, so that
    -0.0 is not 0.0 (a product's sign) and a NaN still holds."""
    if type(a) is not type(b):
        return False
    if isinstance(a, FLOATS):
        return float(a).hex() == float(b).hex()
    return a == b


FLOATS = (float, np.floating)


GRAD_SET = "a .grad the step accumulates into was set or set to None"
ARRAY_REPLACED = "a tensor's array was replaced (p.data = ..., load_state_dict)"
MODE = "a module switched train/eval mode"
HOOKED = "a hook was registered"
_HOOKS = ("_forward_hooks", "_forward_pre_hooks",
          "_backward_hooks", "_backward_pre_hooks")
_MISSING = ("KeyError", "IndexError", "ValueError")
READ_CHANGED = ("an optimizer's (param group, state, defaults) or scheduler's value the step "
                "reads changed")
VALUE_CHANGED = "a Python value the step reads changed"


def _changed_read(reads):
    """The reason a param group's or scheduler's value (``State.reads``) fails: which."""
    for d, k, v, what in reads:
        now = d.get(k, _changed_read)
        if now is not v and not _equal(now, v):
            return f"{READ_CHANGED}: {what}"
    return READ_CHANGED


def _changed_value(values):
    what = values.changed()
    return VALUE_CHANGED if what is None else f"{VALUE_CHANGED}: {what}"


def changed_value(reason):
    """The value named by a retrace's `reason` if a value the step reads changed (what a
    step reading a value that changes on every call retraces for), else None."""
    if reason.startswith(READ_CHANGED) or reason.startswith(VALUE_CHANGED):
        what = reason.partition(": ")[2]
        return what or reason[:-len(" changed")]
    return None


class _Check:
    """The source of one generated test (``if not (<condition> and ...): return <reason>``
    lines, None at the end), the objects it names bound as default arguments: read as
    locals."""

    def __init__(self):
        self.ns = {"_equal": _equal, "_has_hooks": _has_hooks, "_grad_fits": _grad_fits,
                   "_changed_read": _changed_read, "_changed_value": _changed_value}
        self.names = {}
        self.lines = []
        self.prefix = ""        # the lines' indent inside a block (State._counted)

    def name(self, obj):
        got = self.names.get(id(obj))
        if got is None:
            got = self.names[id(obj)] = f"o{len(self.names)}"
            self.ns[got] = obj
        return got

    def add(self, conds, reason, indent="", why=None):
        """Lines returning `reason` unless every condition holds (`why`: an expression
        returned instead, naming what failed)."""
        # `a and b and ...`, 50 a line: 151 instructions a test rather than 189 as
        # `if not a: return ...` lines
        for i in range(0, len(conds), 50):
            test = " and ".join(f"({c})" for c in conds[i:i + 50])
            self.lines.append(f"    {self.prefix}{indent}if not ({test}): "
                              f"return {why or repr(reason)}")

    def guarded(self, conds, reason, errors, why=None):
        """Conditions whose reads may raise one of `errors`: `reason` then."""
        if not conds:
            return
        p = self.prefix
        self.lines.append(f"    {p}try:")
        self.add(conds, reason, "    ", why)
        self.lines += [f"    {p}except ({', '.join(errors)}):",
                       f"    {p}    return {why or repr(reason)}"]

    def function(self):
        bound = ", ".join(f"{n}={n}" for n in self.names.values())
        src = "\n".join([f"def check({bound}):"] + self.lines + ["    return None"]) + "\n"
        exec(compile(src, "<compile: state check>", "exec"), self.ns)
        return self.ns["check"]


def _attr(check, obj, attr):
    """The expression reading `obj.attr`: through its ``__dict__`` when it is an instance
    attribute the class does not define (a class with ``__getattr__``, as Module, reads
    attributes on a slower path: 510 instructions a read rather than 330). An attribute
    deleted since then raises KeyError: the check fails, the step is traced again."""
    if attr in getattr(obj, "__dict__", ()) and not hasattr(type(obj), attr):
        return f"{check.name(vars(obj))}[{attr!r}]"
    return f"{check.name(obj)}.{attr}"


def _item(check, container, key):
    """The expression reading `container[key]`."""
    return f"{check.name(container)}[{repr(key) if type(key) in (str, int) else check.name(key)}]"


def _has_hooks(meta):
    return bool(meta.get("hooks") or meta.get("post_hooks"))


def _grad_fits(now, a):
    """True if `now`, a leaf's ``.grad`` other than the trace's, can stand for it: a
    replay copies it into the trace's array `a` (``State.prepare``)."""
    return (now is not None and type(a) is np.ndarray and type(now.data) is np.ndarray
            and now.data.shape == a.shape and now.data.dtype == a.dtype)


class _Recording(dict):
    """A copy of a param group noting the keys read through ``[]`` (``read``: key ->
    value); any other use of it sets ``whole`` (what was read is then unknown)."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        self.read[key] = value
        return value


def _whole(name):
    method = getattr(dict, name)

    def use(self, *args, **kwargs):
        self.whole = True
        return method(self, *args, **kwargs)
    use.__name__ = name
    return use


for _name in ("get", "items", "values", "keys", "__iter__", "__contains__", "__len__", "copy",
              "__eq__", "__ne__", "__reduce__", "__reduce_ex__", "__or__", "__ror__",
              "__repr__", "__reversed__", "setdefault", "pop", "popitem", "update", "clear",
              "__setitem__", "__delitem__", "__ior__"):
    setattr(_Recording, _name, _whole(_name))
del _name


def _inline_guard(check, inline, args, kwargs, key):
    """A condition implying ``inline(*args, **kwargs) == key`` without the call, for
    gradgraph's own optimizers' replay key (``Optimizer._replay_key``: the branches each
    param group's update takes, ``_branches(group)`` of a few of its values): the
    optimizer's class, its param_groups list, each group and each value ``_branches``
    reads (through ``[]``, noted by a call on a copy) are the objects they were when the
    key last matched. None where that cannot be said (a user's ``_branches``, which may
    read anything). benchmarks/mlp_step.py's SGD: 2,100 instructions a call rather than
    7,100 (callgrind)."""
    if (getattr(inline, "__qualname__", None) != "Optimizer._replay_key" or kwargs
            or len(args) != 1):
        return None
    o = args[0]
    cls = type(o)
    branches = getattr(cls, "_branches", None)
    groups = getattr(o, "param_groups", None)
    if (not isinstance(branches, types.FunctionType)
            or branches.__module__.split(".")[:2] != ["nn", "optim"]
            or type(groups) is not list or any(type(g) is not dict for g in groups)):
        return None
    reads = []
    try:
        for g in groups:
            copy = _Recording(g)
            copy.read, copy.whole = {}, False
            if branches(o, copy) != branches(o, g) or copy.whole:
                return None
            reads.append((g, copy.read))
        if inline(*args) != key:
            return None
    except Exception:                       # noqa: BLE001 (the call itself then says)
        return None
    name = check.name
    conds = [f"type({name(o)}) is {name(cls)}",
             f"{_attr(check, o, 'param_groups')} is {name(groups)}",
             f"len({name(groups)}) == {len(groups)}"]
    for i, (g, read) in enumerate(reads):
        conds.append(f"{name(groups)}[{i}] is {name(g)}")
        conds += [f"{_item(check, g, k)} is {name(v)}" for k, v in read.items()]
    return " and ".join(conds)


class _Attributes:
    """An object's ``__slots__`` attributes as a mapping, a place for ``Slots``."""
    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __getitem__(self, key):
        try:
            return getattr(self.obj, key)
        except AttributeError:
            raise KeyError(key) from None


def _own(v):
    """True for gradgraph's, numpy's and Python's own modules and classes."""
    name = (v.__name__ if isinstance(v, types.ModuleType)
            else getattr(v, "__module__", None) or "").split(".")[0]
    return name in _OWN or name in _LIBRARIES or name in sys.stdlib_module_names


_LIBRARIES = ("numpy", "scipy", "torch", "mpi4py")
_BASE = set()               # the attributes of every Module (Module.__init__'s)


def _readable(container, key):
    try:
        _read(container, key)
        return True
    except (KeyError, IndexError, ValueError):
        return False


def _read(container, key):
    return container.cell_contents if key is _CELL else container[key]


def positions(iterators):
    """Where each of `iterators` is, to compare after a trace (``advanced``)."""
    return [(it, _position(it, 0)) for it in iterators]


def advanced(before):
    """Why the step cannot be replayed if it advanced an iterator it reaches (`before`:
    ``positions`` at the trace's start), else None. A ``for`` loop, ``islice`` or ``zip``
    over it takes the next items without ``next()`` (patches.py): a replay would take
    none, and train on the traced batch again."""
    for it, was in before:
        if not _same(_position(it, 0), was):
            name = getattr(it, "__qualname__", None)
            return (f"a {type(it).__name__}{f' ({name})' if name else ''} the step reaches "
                    f"was advanced (a for loop, islice or zip over it): a replay would not "
                    f"take its next items (pass them to the step as arguments)")
    return None


def _position(it, depth):
    """A generator's resume point and locals (its loop's variable), a builtin iterator's
    length hint or, without one (zip, map, islice), its ``__reduce__``'s parts with the
    iterators among them as their positions; None when unknown."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(it, types.GeneratorType):
        f = it.gi_frame
        inner = it.gi_yieldfrom
        return None if f is None else (f.f_lasti, list(f.f_locals.values()),
                                       None if inner is None else _position(inner, depth + 1))
    if not hasattr(type(it), "__next__") or hasattr(it, "__dict__"):
        return it
    hint = operator.length_hint(it, -1)
    if hint >= 0:
        return hint
    try:
        with warnings.catch_warnings():         # (itertools' pickling, deprecated in 3.12)
            warnings.simplefilter("ignore")
            parts = it.__reduce__()
    except Exception:
        return None
    return [_position(p, depth + 1) if type(p) is not tuple else
            [_position(q, depth + 1) for q in p] for p in parts[1:]]


def _same(a, b):
    """Positions `a` and `b` alike: numbers by ==, other objects by identity."""
    if type(a) in (tuple, list):
        return type(b) is type(a) and len(a) == len(b) and all(map(_same, a, b))
    return a is b or (_is_scalar(a) and type(a) is type(b) and a == b)


def discover(fn, roots=()):
    """(tensors, modules, optimizers, schedulers, Slots) reachable from function `fn`
    and from `roots` (the step's arguments other than tensors), each in walk order."""
    from nn.module import Module
    from nn.optim.lr_scheduler import LRScheduler
    from nn.optim.optimizer import Optimizer
    base = _BASE or _BASE.update(vars(Module())) or _BASE    # _scope_token: a naming pass's
    found = {"tensors": {}, "modules": {}, "optimizers": {}, "schedulers": {}}
    slots = Slots()
    seen = set()
    lengths = set()             # names whose length the code reads (length_reads)
    steps = {}                  # name -> how the code uses it (bytecode.increments)

    def visit_in(container, key, depth, record=True, sized=True, name=None):
        """Visit the value at `container[key]`, noting the place (unless not `record`)."""
        try:
            v = _read(container, key)
        except ValueError:                  # an empty cell
            return
        if record and not isinstance(v, (types.ModuleType, type)):
            slots.add(container, key, sized)
            label = name or key
            if type(v) in (list, deque, dict) and type(label) is str:
                slots.labels.setdefault(id(v), f"the {type(v).__name__} {label!r}")
            if type(v) is list and (name or key) in lengths:
                slots.add(v, None)      # a list whose length the code reads (len(log))
            if key is _CELL and name is not None:
                slots.names[id(container)] = name
        visit(v, depth, record)

    def visit(obj, depth, record=True):
        if id(obj) in seen or depth > _MAX_DEPTH:
            return
        seen.add(id(obj))
        if isinstance(obj, Tensor):
            found["tensors"][id(obj)] = obj
        elif isinstance(obj, Module):
            for m in obj.modules():
                found["modules"][id(m)] = m
                for d in (m._modules, m._parameters, m._buffers):
                    slots.names[id(d)] = type(m).__name__
                    for k in d:
                        slots.add(d, k)
                d = vars(m)
                slots.names[id(d)] = type(m).__name__
                user = type(m).__module__.split(".")[0] not in _OWN
                for k, v in d.items():
                    # a public dict (self.cfg = {...} replaced) and a user's module's private
                    # attributes (self._scale, self._mask) too, not Module's own
                    if (k != "training" and not isinstance(v, Module)
                            and (k[0] != "_" or user and k not in base)):
                        slots.add(d, k)
                if user:
                    visit_class(type(m), depth + 1, record)
            for t in list(obj.parameters()) + list(obj.buffers()):
                found["tensors"][id(t)] = t
            for m in obj.modules():
                user = type(m).__module__.split(".")[0] not in _OWN
                for k, v in vars(m).items():
                    # a public dict (self.cfg) too, and a user's module's private one; not
                    # Module's own (_buffers, ...)
                    if not isinstance(v, Module) and (k[0] != "_" or k not in base and (
                            user or not isinstance(v, (dict, set)))):
                        visit(v, depth + 1, record)
        elif isinstance(obj, Optimizer):
            found["optimizers"][id(obj)] = obj
            for g in obj.param_groups:
                for p in g["params"]:
                    found["tensors"][id(p)] = p
        elif isinstance(obj, LRScheduler):
            found["schedulers"][id(obj)] = obj      # its numbers change every step
            visit(vars(obj), depth + 1, False)
        elif (isinstance(getattr(obj, "__wrapped__", None), types.FunctionType)
              and not isinstance(obj, types.FunctionType)):
            # a compiled step (or another wrapper object): what it calls, not its counters
            visit_function(obj.__wrapped__, depth + 1, record)
        elif isinstance(obj, (list, deque)):
            # its items are checked, not its length: a list the user appends to between
            # calls (a log of losses) is not a reason to trace again. One the step
            # appends to is appended to by replays too (carried.rebound)
            if record and type(obj) in (list, deque):
                slots.lists[id(obj)] = obj
            for i in range(min(len(obj), 1000)):
                visit_in(obj, i, depth + 1, record, sized=False)
        elif isinstance(obj, (tuple, set, frozenset)):
            if type(obj) is set and record:     # what it holds (`name in frozen_layers`)
                slots.add(_Contents(obj), 0, sized=False)
            for v in list(obj)[:1000]:
                visit(v, depth + 1, record)
        elif isinstance(obj, dict):
            if record:
                slots.add(obj, None)            # a key added later is seen too
            for k in list(obj)[:1000]:
                visit_in(obj, k, depth + 1, record)
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            visit_function(obj, depth + 1, record)
        elif isinstance(obj, functools.partial):
            visit(obj.func, depth, record)
            visit(obj.args, depth, record)
            visit(obj.keywords, depth, record)
        elif isinstance(obj, (np.random.Generator, np.random.RandomState)):
            slots.generators.append(obj)        # its draws would be constants: Patched
        elif hasattr(type(obj), "__next__") and not hasattr(obj, "__dict__"):
            slots.iterators.append(obj)         # a for loop over it takes new data: advanced
        elif isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes, int, float)):
            return
        elif hasattr(obj, "__dict__"):
            slots.names.setdefault(id(vars(obj)), type(obj).__name__)    # (Trainer.calls)
            visit(vars(obj), depth + 1, record)
            visit_class(type(obj), depth + 1, record)
        elif any(getattr(c, "__slots__", None) for c in type(obj).__mro__):
            attrs = _Attributes(obj)
            for c in type(obj).__mro__:
                for k in (c.__dict__.get("__slots__") or ()) if not _own(c) else ():
                    if hasattr(obj, k):
                        visit_in(attrs, k, depth + 1, record, sized=False)
            visit_class(type(obj), depth + 1, record)

    def visit_class(cls, depth, record):
        """A user's class (of a module or object the step reaches): its numbers
        (``cls.scale``, their places) and its methods (what they read: the globals of
        ``forward``)."""
        for c in cls.__mro__:
            if id(c) in seen or _own(c):
                continue
            seen.add(id(c))
            c_dict = vars(c)
            for k, v in c_dict.items():
                if _is_scalar(v) and k[:2] != "__" or isinstance(v, (Tensor, np.ndarray)):
                    if record:
                        slots.add(c_dict, k, sized=False)
                    visit(v, depth, record)         # (a tensor: traced)
                    continue
                f = v.fget if isinstance(v, property) else getattr(v, "__func__", v)
                if isinstance(f, types.FunctionType):
                    visit_function(f, depth, record)

    def visit_attributes(v, names, depth):
        """What the code may read of a user's module or class it names (``config.SCALE``,
        ``Config.scale``, ``utils.loss_fn``): the numbers (their places), the functions
        (walked), the modules and classes (the same, once more)."""
        if not isinstance(v, (types.ModuleType, type)) or _own(v) or depth > _MAX_DEPTH:
            return
        d = vars(v)
        for a in names:
            w = d.get(a, d)
            if _is_scalar(w) or isinstance(w, (Tensor, np.ndarray)):
                slots.add(d, a, sized=False)
                visit(w, depth + 1)
            elif isinstance(w, types.FunctionType):
                visit(w, depth + 1)
            elif isinstance(w, (types.ModuleType, type)):
                visit_attributes(w, names, depth + 1)

    def visit_function(f, depth, record=True):
        if isinstance(f, types.MethodType):
            visit(f.__self__, depth, record)
            f = f.__func__
        # gradgraph's own functions: their globals are its state (version counters), not
        # the user's settings
        record = record and f.__globals__.get("__name__", "").split(".")[0] not in _OWN
        if record:
            lengths.update(length_reads(f.__code__))
            for name, uses in increments(f.__code__).items():
                steps.setdefault(name, set()).update(uses)
        for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
            visit_in(cell, _CELL, depth, record, name=name)
        g = f.__globals__
        names = _code_names(f.__code__, set())      # (attributes of a module it names)
        for name in global_names(f.__code__):
            if name in g:
                visit_in(g, name, depth, record, sized=False)
                if record:
                    visit_attributes(g[name], names, depth)
            elif record and name in SHADOWED:
                slots.builtins.append((g, name))
        for d in (f.__defaults__ or ()) + tuple((f.__kwdefaults__ or {}).values()):
            visit(d, depth, record)
        if f.__dict__:                          # attributes set on the function
            visit(f.__dict__, depth, record)

    if isinstance(fn, (types.FunctionType, types.MethodType)):
        visit_function(fn, 0)
    else:
        visit(fn, 0)
    for r in roots:
        visit(r, 1)
    slots.increments = {name: next(iter(u)) for name, u in steps.items()
                        if len(u) == 1 and None not in u}
    return tuple(list(found[k].values())
                 for k in ("tensors", "modules", "optimizers", "schedulers")) + (slots,)


class State:
    """What a program assumed about the world when it was traced; ``stale()`` is None
    while that still holds."""

    def __init__(self, tensors, modules, optimizers):
        self.arrays = [(t, t.data) for t in tensors]
        self.nodes = [(t, t._node) for t in tensors]     # requires_grad_ flips a leaf's node
        self.flips = ()         # (leaf, requires grad at the end): set again by each replay
        self.modes = [(m, m.training) for m in modules]
        self.opts = [(o, o.state, o.param_groups, [(g["params"], tuple(g["params"]))
                                                   for g in o.param_groups])
                     for o in optimizers]
        self.grads = ()         # (leaf, its .grad, that .grad's array) at the trace's entry
        self.read = ()          # those of them whose arrays the program reads (prepare)
        self.inlined = ()       # (inline, args, kwargs, key): calls replayed as numpy
        self.slots = ()         # (container, key, value) those calls' records name
        self.values = None      # Slots.snapshot(): Python values the program assumes
        self.reads = ()         # (dict, key, value, what) read from optimizers, schedulers
        self.modules = modules

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name != "stale":
            self.__dict__.pop("stale", None)        # generated again on its next call

    def stale(self):
        """None while what the program assumed still holds, else what changed (a
        retrace's cause, which the max_programs warning reports). The first call
        generates one function testing it all (straight-line Python, one comparison per
        object) and puts it in this method's place: 25,900 instructions a call (7,800 of
        them the optimizer's replay key) rather than 42,500 for benchmarks/mlp_step.py's
        step at B=16 (the whole compiled step: 1,459,000 rather than 1,475,700)."""
        before = kept.counts()      # the references it holds are not the user's
        check = self.stale = self._generate()
        kept.shift(before)
        return check()

    def _generate(self):
        check = _Check()
        name = check.name
        self.seen = [-1]        # versions.structure when the counted block last passed
        counted = self._counted(check)
        check.add([f"{name(t)}.data is {name(a)}" for t, a in self.arrays
                   if id(t) not in counted], ARRAY_REPLACED)
        for t, node in self.nodes:
            if type(node) is AccumulateGrad:
                # a leaf that requires grad: any node of that kind (a program holds no
                # node; requires_grad_(False) then (True) makes a new one: see renew)
                check.add([f"(w := {name(t)}._node) is {name(node)} "
                           f"or type(w) is {name(AccumulateGrad)}"],
                          "a tensor's requires_grad changed")
            else:
                check.add([f"(w := {name(t)}._node) is {name(node)}"],
                          "a tensor's requires_grad changed")
            if node is not None:            # a hook registered since: see step._hooked
                check.add(["not ((w := w.meta) and _has_hooks(w))"], HOOKED)
        if self.modules:                    # a global module hook: see step._hooked
            from nn.module import _global_hooks
            check.add([f"not {name(_global_hooks)}"], HOOKED)
        self._modules_part(check, [(m, mode) for m, mode in self.modes if id(m) not in counted],
                           self.values.emit(check, counted)[1] if self.values is not None else [])
        check.guarded([f"(w := {_item(check, d, k)}) is {name(v)} or _equal(w, {name(v)})"
                       for d, k, v, _ in self.reads], READ_CHANGED, _MISSING,
                      f"_changed_read({name(self.reads)})")
        for o, state, groups, params in self.opts:
            o, g = name(o), name(groups)
            check.add([f"{o}.state is {name(state)}", f"{o}.param_groups is {g}",
                       f"len({g}) == {len(params)}"]
                      + [f"{g}[{i}]['params'] is {name(p)}" for i, (p, _) in enumerate(params)],
                      "an optimizer's state or param_groups were replaced")
            # a params list changed in place (unfreezing by extend, pop): its items
            check.add([f"len({name(p)}) == {len(items)}" for p, items in params]
                      + [f"{name(p)}[{j}] is {name(t)}" for p, items in params
                         for j, t in enumerate(items)],
                      "a param group's params list changed")
        for t, g, a in self.grads:
            if g is None:
                check.add([f"{name(t)}.grad is None"], GRAD_SET)
            else:
                check.add([f"{name(t)}.grad is not None"], GRAD_SET)
                check.add([f"(w := {name(t)}.grad) is {name(g)} or _grad_fits(w, {name(a)})"],
                          "a .grad the step accumulates into changed shape or dtype")
        check.add([f"{name(c)}.get({name(k)}) is {name(v)}" for c, k, v in self.slots],
                  "an optimizer's state was replaced")
        conds = []
        for inline, args, kwargs, key in self.inlined:
            call = f"not ({name(inline)}(*{name(args)}, **{name(kwargs)}) != {name(key)})"
            fast = _inline_guard(check, inline, args, kwargs, key)
            conds.append(call if fast is None else f"({fast}) or {call}")
        check.add(conds, "an optimizer's options changed (momentum, weight decay, ...)")
        return check.function()

    def _counted(self, check):
        """Writes the block of the check that runs only when ``versions.structure`` moved
        since it last passed: what the modules hold (their attributes, registries, hooks
        and modes) and their parameters' arrays, every change of which is counted
        (``Module.__setattr__``, ``nn.module._Registry``, ``Parameter.data``). Returns the
        ids of the dicts, modules and parameters it covers. benchmarks/mlp_step.py's B=16
        step: the check takes 0.4 us rather than 1.6 when nothing moved."""
        from nn.module import Module, _Registry
        from nn.parameter import Parameter
        dicts = set()
        for m in self.modules:
            cls = type(m)
            if cls.__setattr__ is Module.__setattr__ and cls.__delattr__ is Module.__delattr__:
                d = vars(m)
                dicts.add(id(d))
                dicts.update(id(r) for r in d.values() if type(r) is _Registry)
        modes = [(m, mode) for m, mode in self.modes
                 if id(vars(m)) in dicts and "training" in vars(m)
                 and not hasattr(type(m), "training")
                 and all(id(vars(m).get(h)) in dicts for h in _HOOKS)]
        arrays = [(t, a) for t, a in self.arrays if type(t).data is Parameter.data]
        values = self.values.emit(check, dicts)[0] if self.values is not None else []
        if not (modes or arrays or values):
            return set()
        name = check.name
        count, seen = name(versions.structure), name(self.seen)
        check.lines.append(f"    if (c := {count}[0]) != {seen}[0]:")
        check.prefix = "    "
        check.add([f"{name(t)}.data is {name(a)}" for t, a in arrays], ARRAY_REPLACED)
        self._modules_part(check, modes, values)
        check.lines.append(f"        {seen}[0] = c")
        check.prefix = ""
        return dicts | {id(m) for m, _ in modes} | {id(t) for t, _ in arrays}

    def _modules_part(self, check, modes, values):
        """The tests of `modes` ((module, its train/eval mode)), of their forward hooks
        and of `values` (Values.emit's conditions), in the counted block or after it."""
        name = check.name
        check.guarded([f"{_attr(check, m, 'training')} is {name(mode)}" for m, mode in modes],
                      MODE, _MISSING)
        check.guarded([f"not {_attr(check, m, h)}" for m, _ in modes for h in _HOOKS],
                      HOOKED, _MISSING)
        if values:
            check.guarded(values, VALUE_CHANGED, _MISSING,
                          f"_changed_value({name(self.values)})")

    def renew(self):
        """After the trace: the leaves whose node the step changed by ``requires_grad_``
        (a GAN step freezing the discriminator, and its other step unfreezing it), which
        each replay leaves as the trace did (``settle``): without a node, or with a new
        one, as eager. A leaf that requires grad is checked by its node's kind, not its
        identity (each ``requires_grad_(True)`` makes a new node): a program holds no node
        (it records numpy calls and binds ``.grad`` Tensors)."""
        self.flips = tuple((t, type(t._node) is AccumulateGrad) for t, node in self.nodes
                           if (node is None or type(node) is AccumulateGrad)
                           and t._node is not node
                           and (t._node is None or type(t._node) is AccumulateGrad))

    def settle(self):
        """After a replay: the leaves' requires_grad as the traced step left it."""
        for t, requires_grad in self.flips:
            t._node = AccumulateGrad(t) if requires_grad else None

    def prepare(self):
        """Before a replay: the gradients the step accumulates into hold what the leaves'
        ``.grad`` hold now (the program reads the arrays the trace found there)."""
        for t, g, a in self.read:
            now = t.grad.data
            if now is not a:
                np.copyto(a, now)
