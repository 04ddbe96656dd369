"""A compiled step's arguments: the key that chooses its program, and the tensors that are
the program's inputs.

A tensor argument is an input, keyed by its shape, dtype and strides (and whether it
requires grad); so is a tensor inside a tuple, a list, a named tuple or a dict (a
DataLoader's batch, ``step((x, y))``), keyed by the container's type, length (a dict's
keys, in order) and the same for each item. Anything else is keyed by its value (and must
be hashable; an object with its own == by its attributes too). The inputs are the
tensors in the order of the arguments, then of the keywords by name, each container's
items in order.
"""
import dataclasses

import numpy as np

from .. import state as engine
from ..tensor import Tensor, get_default_dtype
from . import aliasing
from .discover import FLOATS, _is_scalar

SHARED = object()         # marks the key's last part: how the tensor arguments share memory
DEPTH = 6                 # containers nested deeper than this are keyed by value

_ndarray = np.ndarray


def _kind(a):
    """list, dict or tuple for a container whose tensors are inputs, else None."""
    t = type(a)
    if t is list or t is dict or t is tuple:
        return t
    if isinstance(a, tuple) and hasattr(t, "_fields"):      # a named tuple
        return tuple
    return None


def signature(args, kwargs, e=None):
    """(the key of a call's program, its tensor arguments' arrays in program order, the
    ids of the arrays owning their memory, 0 where it is reached through another
    object): a tensor stands for its shape, dtype and strides, a tuple, list or dict for
    its structure, anything else for its value (key None if unhashable); this thread's
    grad, inference and anomaly modes, whether an override_backward() is active and the
    default dtype are part of the key, and so is how the tensor arguments share memory,
    if two have one owner or one has an owner of another kind (aliasing.pattern). `e`:
    this thread's engine state, if the caller has it."""
    if e is None:
        e = engine.current()
    parts, arrays, owners = [e.grad_enabled, e.inference, e.anomaly,
                             e.backward_rules is None, get_default_dtype()], [], []
    given = args + tuple(kwargs[k] for k in sorted(kwargs)) if kwargs else args
    nested = False
    for a in given:
        if isinstance(a, Tensor):
            d = a.data
            arrays.append(d)
            # one that requires grad chooses a program of its own (whose trace runs eagerly:
            # a program traced with a plain input would give it no gradient)
            parts.append((d.shape, d.dtype, d.strides) if a._node is None else
                         (d.shape, d.dtype, d.strides, True))
            b = d.base          # numpy collapses chains of views onto the owning array
            owners.append(id(d) if b is None else id(b) if type(b) is _ndarray and
                          b.base is None else 0)    # 0: np.frombuffer, as_strided, memmap...
        elif _kind(a) is not None:
            part = _structure(a, arrays, owners, 0)
            if part is None:
                return None, arrays, None
            parts.append(part)
            nested = True
        else:
            try:
                hash(a)
            except TypeError:
                return None, arrays, None
            parts.append(_value(a))
    if kwargs:
        parts.append(tuple(sorted(kwargs)))
    n = len(owners)
    if n > 1 and ((owners[0] == owners[1] if n == 2 else len(set(owners)) < n) or 0 in owners):
        shared = aliasing.pattern(_tensors(given) if nested else
                                  [a for a in given if isinstance(a, Tensor)], arrays)
        if shared is not None:
            parts.append((SHARED, shared))
    return tuple(parts), arrays, owners


def _structure(a, arrays, owners, depth):
    """The key part of argument `a` (signature's, inside containers), None if a value in
    it is not hashable; its tensors' arrays and owners appended."""
    if isinstance(a, Tensor):
        d = a.data
        arrays.append(d)
        b = d.base
        owners.append(id(d) if b is None else id(b) if type(b) is _ndarray and
                      b.base is None else 0)
        return ((d.shape, d.dtype, d.strides) if a._node is None else
                (d.shape, d.dtype, d.strides, True))
    kind = _kind(a) if depth < DEPTH else None
    if kind is dict:
        items = []
        for k, v in a.items():
            part = _structure(v, arrays, owners, depth + 1)
            if part is None:
                return None
            items.append((type(k), k, part))
        return (dict, tuple(items))
    if kind is not None:
        items = []
        for v in a:
            part = _structure(v, arrays, owners, depth + 1)
            if part is None:
                return None
            items.append(part)
        return (type(a), tuple(items))
    try:
        hash(a)
    except TypeError:
        return None
    return _value(a)


def _value(a):
    """The key part of a hashable argument: a float's by its bits, so that -0.0 and 0.0
    (equal, hashed alike) choose programs of their own. An object equal by its own ==
    may hold other state the step reads (a dataclass field left out of ==, 1 == 1.0): the
    program assumes the traced object's, so its attributes are part of the key too, each
    number by its type and bits, anything else by identity (kept alive by the key)."""
    if isinstance(a, FLOATS):
        return type(a), float(a).hex()
    if _is_scalar(a) or type(a).__eq__ is object.__eq__:
        return type(a), a
    names = ([f.name for f in dataclasses.fields(a)] if dataclasses.is_dataclass(a)
             else list(getattr(a, "__dict__", ())))
    return type(a), a, tuple((k, _attribute(getattr(a, k))) for k in names)


def _attribute(v):
    if isinstance(v, FLOATS):
        return type(v), float(v).hex()
    return (type(v), v) if _is_scalar(v) else (id(v), v)


def _tensors(given, out=None, depth=0):
    out = [] if out is None else out
    for a in given:
        if isinstance(a, Tensor):
            out.append(a)
        else:
            kind = _kind(a) if depth < DEPTH else None
            if kind is not None:
                _tensors(a.values() if kind is dict else a, out, depth + 1)
    return out


def tensors(args, kwargs):
    """The tensor arguments in program order (signature's arrays are their data)."""
    return _tensors(args + tuple(kwargs[k] for k in sorted(kwargs)))


def others(args, kwargs):
    """The arguments that are not tensors, those in containers included: where the
    step's state may be found too (discover's roots)."""
    out = []

    def walk(a, depth):
        kind = _kind(a) if depth < DEPTH else None
        if kind is not None:
            for v in (a.values() if kind is dict else a):
                walk(v, depth + 1)
        elif not isinstance(a, Tensor):
            out.append(a)
    for a in args + tuple(kwargs.values()):
        walk(a, 0)
    return out


def substitute(a, f, made, depth=0):
    """Argument `a` with each tensor `t` in it (in program order) replaced by f(t), its
    containers rebuilt (the same types); each list and dict rebuilt is noted in `made`
    (the caller's, the copy, the copy's items: ``put_back``)."""
    if isinstance(a, Tensor):
        return f(a)
    kind = _kind(a) if depth < DEPTH else None
    if kind is None:
        return a
    if kind is dict:
        new = {k: substitute(v, f, made, depth + 1) for k, v in a.items()}
        made.append((a, new, list(new.items())))
        return new
    items = [substitute(v, f, made, depth + 1) for v in a]
    if kind is list:
        made.append((a, items, list(items)))
        return items
    return type(a)(*items) if type(a) is not tuple else tuple(items)


def put_back(made, back):
    """The lists and dicts of the arguments that the traced step changed (`made`, from
    ``substitute``: it ran on copies) get the copies' items, `back(v)` for each (the
    caller's object for a copy's); returns what to call the first, or None."""
    what = None
    for orig, new, items in made:
        now = list(new.items()) if type(new) is dict else list(new)
        if len(now) == len(items) and all(
                (a[0] == b[0] and a[1] is b[1]) if type(new) is dict else a is b
                for a, b in zip(now, items)):
            continue
        what = what or f"its argument {type(orig).__name__}"
        if type(new) is dict:
            orig.clear()
            orig.update((k, back(v)) for k, v in new.items())
        else:
            orig[:] = [back(v) for v in new]
    return what
