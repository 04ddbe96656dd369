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


def discover(fn):
    """(tensors, modules, optimizers, schedulers) reachable from function `fn`, each in
    walk order."""
    from nn.module import Module
    from nn.optim.lr_scheduler import LRScheduler
    from nn.optim.optimizer import Optimizer
    found = {"tensors": {}, "modules": {}, "optimizers": {}, "schedulers": {}}
    seen = set()

    def visit(obj, depth):
        if id(obj) in seen or depth > _MAX_DEPTH:
            return
        seen.add(id(obj))
        if isinstance(obj, Tensor):
            found["tensors"][id(obj)] = obj
        elif isinstance(obj, Module):
            for m in obj.modules():
                found["modules"][id(m)] = m
            for t in list(obj.parameters()) + list(obj.buffers()):
                found["tensors"][id(t)] = t
            for v in vars(obj).values():
                if not isinstance(v, (dict, Module)):
                    visit(v, depth + 1)
        elif isinstance(obj, Optimizer):
            found["optimizers"][id(obj)] = obj
            for g in obj.param_groups:
                for p in g["params"]:
                    found["tensors"][id(p)] = p
        elif isinstance(obj, LRScheduler):
            found["schedulers"][id(obj)] = obj
            visit(vars(obj), depth + 1)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for v in list(obj)[:1000]:
                visit(v, depth + 1)
        elif isinstance(obj, dict):
            for v in list(obj.values())[:1000]:
                visit(v, depth + 1)
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            visit_function(obj, depth + 1)
        elif isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes, int, float)):
            return
        elif hasattr(obj, "__dict__"):
            visit(vars(obj), depth + 1)

    def visit_function(f, depth):
        if isinstance(f, types.MethodType):
            visit(f.__self__, depth)
            f = f.__func__
        for cell in f.__closure__ or ():
            try:
                visit(cell.cell_contents, depth)
            except ValueError:                  # an empty cell
                pass
        g = f.__globals__
        for name in _code_names(f.__code__, set()):
            if name in g:
                visit(g[name], depth)
        for d in f.__defaults__ or ():
            visit(d, depth)

    if isinstance(fn, (types.FunctionType, types.MethodType)):
        visit_function(fn, 0)
    else:
        visit(fn, 0)
    return tuple(list(found[k].values())
                 for k in ("tensors", "modules", "optimizers", "schedulers"))


class State:
    """What a program assumed about the world when it was traced; ``current()`` is
    True while that still holds."""

    def __init__(self, tensors, modules, optimizers):
        self.arrays = [(t, t.data) for t in tensors]
        self.modes = [(m, m.training) for m in modules]
        self.opts = [(o, o.state, o.param_groups, [g["params"] for g in o.param_groups])
                     for o in optimizers]
        self.grads = ()         # (tensor, .grad) pairs a program expects on entry
        self.inlined = ()       # (inline, args, kwargs, key): calls replayed as numpy
        self.slots = ()         # (container, key, value) those calls' records name

    def current(self):
        for t, a in self.arrays:
            if t.data is not a:
                return False
        for m, mode in self.modes:
            if m.training is not mode:
                return False
        for o, state, groups, params in self.opts:
            if o.state is not state or o.param_groups is not groups:
                return False
            for g, p in zip(groups, params):
                if g["params"] is not p:
                    return False
        for t, g in self.grads:
            if t.grad is not g:
                return False
        for c, k, v in self.slots:
            if c.get(k) is not v:
                return False
        for inline, args, kwargs, key in self.inlined:
            if inline(*args, **kwargs) != key:
                return False
        return True
