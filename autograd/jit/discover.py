"""What a step can touch besides its arguments: found once per trace from the function.

The walk starts at the function's closure cells, the globals its code names, its
defaults and its ``__self__``, and goes into containers and user objects (a few levels
deep), collecting modules (with their submodules, parameters and buffers), optimizers
(with their parameters) and tensors. During tracing all of their arrays are traced, so
nothing computed from them is mistaken for a constant; between calls the ``State``
checks what makes a program stale (an array replaced, a module's train/eval mode, an
optimizer's state or groups replaced).
"""
import types
from operator import is_

import numpy as np

from ..tensor import Tensor

_MAX_DEPTH = 4


def _code_names(code, seen):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType) and c not in seen:
            seen.add(c)
            names |= _code_names(c, seen)
    return names


_SCALARS = (int, float, complex, str, bytes, type(None), np.generic)
_CELL = object()            # the key of a closure cell's contents
_CELLS = object()           # the container of all closure cells
_OWN = ("autograd", "nn", "viz")


def _is_scalar(v):
    return isinstance(v, _SCALARS) or (type(v) is tuple and all(_is_scalar(i) for i in v))


class Slots:
    """The places the walk read a value from (a closure cell, a global, a dict's or a
    list's item, a module's public attribute or submodule, parameter or buffer): a value
    there is a constant of the trace, so a change of it makes the program stale."""

    def __init__(self):
        self.places = {}            # id(container) -> (container, [keys], its size matters)

    def add(self, container, key, sized=True):
        """`sized`: a key added to the container (an attribute set on an object, an item
        of a config dict) may change what the step reads (not so for a module's globals)."""
        c = _CELLS if key is _CELL else container
        entry = self.places.setdefault(id(c), (c, [], sized and key is not _CELL))
        if key is not None:
            entry[1].append(container if key is _CELL else key)

    def snapshot(self):
        """A ``Values``: what the places hold now."""
        return Values(self.places.values())


class Values:
    """The values at some places and the sizes of their containers, read by one
    generated function (one call and one identity test per value in C per replay,
    rather than a Python loop over the places)."""

    def __init__(self, places):
        ns, items, sizes = {}, [], []
        for c, keys, sized in places:
            if c is _CELLS:
                for cell in keys:
                    if _readable(cell, _CELL):
                        ns[f"v{len(ns)}"] = cell
                        items.append(f"v{len(ns) - 1}.cell_contents")
                continue
            ns[f"v{len(ns)}"] = c
            name = f"v{len(ns) - 1}"
            if sized:
                sizes.append(f"len({name})")
            for k in keys:
                if not _readable(c, k):
                    continue
                if type(k) in (str, int):
                    items.append(f"{name}[{k!r}]")
                else:
                    ns[f"v{len(ns)}"] = k
                    items.append(f"{name}[v{len(ns) - 1}]")
        # the containers as default arguments: read as locals, not globals
        src = (f"def read({', '.join(f'{n}={n}' for n in ns)}):\n"
               f"    return ({''.join(i + ', ' for i in items)}), "
               f"({''.join(i + ', ' for i in sizes)})\n")
        exec(compile(src, "<compile: values>", "exec"), ns)
        self.read = ns["read"]
        self.values, self.sizes = self.read()
        self.by_value = tuple(_is_scalar(v) for v in self.values)

    def unchanged(self):
        """True if every place holds the same object (or an equal scalar of the same
        type) and every container its number of items."""
        try:
            values, sizes = self.read()
        except (KeyError, IndexError, ValueError):
            return False
        if all(map(is_, values, self.values)):
            return sizes == self.sizes
        return sizes == self.sizes and all(
            a is b or (eq and type(a) is type(b) and a == b)
            for a, b, eq in zip(values, self.values, self.by_value))


def _readable(container, key):
    try:
        _read(container, key)
        return True
    except (KeyError, IndexError, ValueError):
        return False


def _read(container, key):
    return container.cell_contents if key is _CELL else container[key]


def discover(fn, roots=()):
    """(tensors, modules, optimizers, schedulers, Slots) reachable from function `fn`
    and from `roots` (the step's arguments other than tensors), each in walk order."""
    from nn.module import Module
    from nn.optim.lr_scheduler import LRScheduler
    from nn.optim.optimizer import Optimizer
    found = {"tensors": {}, "modules": {}, "optimizers": {}, "schedulers": {}}
    slots = Slots()
    seen = set()

    def visit_in(container, key, depth, record=True, sized=True):
        """Visit the value at `container[key]`, noting the place (unless not `record`)."""
        try:
            v = _read(container, key)
        except ValueError:                  # an empty cell
            return
        if record and not isinstance(v, (types.ModuleType, type)):
            slots.add(container, key, sized)
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
                    for k in d:
                        slots.add(d, k)
                d = vars(m)
                for k, v in d.items():
                    if k[0] != "_" and k != "training" and not isinstance(v, (dict, Module)):
                        slots.add(d, k)
            for t in list(obj.parameters()) + list(obj.buffers()):
                found["tensors"][id(t)] = t
            for v in vars(obj).values():
                if not isinstance(v, (dict, Module)):
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
        elif isinstance(obj, list):
            # its items are checked, not its length: a list the user appends to between
            # calls (a log of losses) is not a reason to trace again
            for i in range(min(len(obj), 1000)):
                visit_in(obj, i, depth + 1, record, sized=False)
        elif isinstance(obj, (tuple, set, frozenset)):
            for v in list(obj)[:1000]:
                visit(v, depth + 1, record)
        elif isinstance(obj, dict):
            if record:
                slots.add(obj, None)            # a key added later is seen too
            for k in list(obj)[:1000]:
                visit_in(obj, k, depth + 1, record)
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            visit_function(obj, depth + 1, record)
        elif isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes, int, float)):
            return
        elif hasattr(obj, "__dict__"):
            visit(vars(obj), depth + 1, record)

    def visit_function(f, depth, record=True):
        if isinstance(f, types.MethodType):
            visit(f.__self__, depth, record)
            f = f.__func__
        # gradgraph's own functions: their globals are its state (version counters), not
        # the user's settings
        record = record and f.__globals__.get("__name__", "").split(".")[0] not in _OWN
        for cell in f.__closure__ or ():
            visit_in(cell, _CELL, depth, record)
        g = f.__globals__
        for name in _code_names(f.__code__, set()):
            if name in g:
                visit_in(g, name, depth, record, sized=False)
        for d in f.__defaults__ or ():
            visit(d, depth, record)
        if f.__dict__:                          # attributes set on the function
            visit(f.__dict__, depth, record)

    if isinstance(fn, (types.FunctionType, types.MethodType)):
        visit_function(fn, 0)
    else:
        visit(fn, 0)
    for r in roots:
        visit(r, 1)
    return tuple(list(found[k].values())
                 for k in ("tensors", "modules", "optimizers", "schedulers")) + (slots,)


class State:
    """What a program assumed about the world when it was traced; ``stale()`` is None
    while that still holds."""

    def __init__(self, tensors, modules, optimizers):
        self.arrays = [(t, t.data) for t in tensors]
        self.nodes = [(t, t._node) for t in tensors]     # requires_grad_ flips a leaf's node
        self.modes = [(m, m.training) for m in modules]
        self.opts = [(o, o.state, o.param_groups, [g["params"] for g in o.param_groups])
                     for o in optimizers]
        self.grads = ()         # (leaf, its .grad, that .grad's array) at the trace's entry
        self.inlined = ()       # (inline, args, kwargs, key): calls replayed as numpy
        self.slots = ()         # (container, key, value) those calls' records name
        self.values = None      # Slots.snapshot(): Python values the program assumes
        self.modules = modules

    def stale(self):
        """None while what the program assumed still holds, else what changed (a
        retrace's cause, which the max_programs warning reports)."""
        for t, a in self.arrays:
            if t.data is not a:
                return "a tensor's array was replaced (p.data = ..., load_state_dict)"
        for t, node in self.nodes:
            if t._node is not node:
                return "a tensor's requires_grad changed"
            meta = node.meta if node is not None else None
            if meta and (meta.get("hooks") or meta.get("post_hooks")):
                return "a hook was registered"      # see step._hooked
        for m, mode in self.modes:
            if m.training is not mode:
                return "a module switched train/eval mode"
            if m._forward_hooks or m._forward_pre_hooks:
                return "a hook was registered"
        if self.values is not None and not self.values.unchanged():
            return "a Python value the step reads changed"
        for o, state, groups, params in self.opts:
            if o.state is not state or o.param_groups is not groups or len(groups) != len(params):
                return "an optimizer's state or param_groups were replaced"
            for g, p in zip(groups, params):
                if g["params"] is not p:
                    return "an optimizer's state or param_groups were replaced"
        for t, g, a in self.grads:
            now = t.grad
            if g is None or now is None:
                if now is not g:            # a gradient the trace did not have, or lacks one
                    return "a .grad the step accumulates into was set or set to None"
            elif now is not g and (type(a) is not np.ndarray or type(now.data) is not np.ndarray
                                   or now.data.shape != a.shape or now.data.dtype != a.dtype):
                return "a .grad the step accumulates into changed shape or dtype"
        for c, k, v in self.slots:
            if c.get(k) is not v:
                return "an optimizer's state was replaced"
        for inline, args, kwargs, key in self.inlined:
            if inline(*args, **kwargs) != key:
                return "an optimizer's options changed (momentum, weight decay, ...)"
        return None

    def prepare(self):
        """Before a replay: the gradients the step accumulates into hold what the leaves'
        ``.grad`` hold now (the program reads the arrays the trace found there)."""
        for t, g, a in self.grads:
            if g is not None:
                now = t.grad.data
                if now is not a:
                    np.copyto(a, now)
