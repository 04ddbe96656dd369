"""Tensor arguments that share memory with each other or with the step's own state.

Eager sees a write through one argument in every argument that shares its memory
(``step(x, x)``, two views of one array) and keys in-place versions by the array owning
the memory. A trace gives each argument a buffer of its own, so the arguments that
share an owner, or overlap, form a group: the byte offset of each member from the
group's first is part of the program's key (``pattern``), and the trace copies them
into one buffer laid out as the caller's memory, each a view at its offset
(``layout``). A replay copies each argument into its view (where two overlap, they
bring the same values from the caller's memory), so reads and writes see each other
as in eager; the written ones are copied back after the step.

An argument that shares memory with a parameter, a buffer, a gradient or optimizer
state (``step(model.weight.detach())``) is not replayed: the trace reads and writes
those arrays where they are, and a copy of the argument would not see the step's
updates (``lasting``); such a call runs eagerly with a warning.

A plain view of a tensor's memory made in the step is out of the trace's sight (numpy
calls no hook of an ndarray subclass when it converts one): numpy's conversions
(``np.asarray(t.data)``) and ``memoryview(t.data)`` make the step run eagerly. Those
called through the ``numpy`` module are swapped by ``patches.Patched``; the names the
user's code binds to them (``from numpy import asarray`` run before the trace, in its
globals or closure cells) and the builtin ``memoryview`` it calls are swapped for the
trace by ``rebind``. Not seen: a view made by C code or a library outside the step's
code (``ctypes``, ``t.data.data``, ``bytes(t.data)``'s reads).
"""
import numpy as np
from numpy.lib.array_utils import byte_bounds

from .. import versions
from . import tracer
from .discover import _CELL, _CELLS

# A group's buffer may be larger than its members (views far apart in one array): up
# to this many times their bytes, plus SPAN_SLACK, else the step runs eagerly.
SPAN_FACTOR, SPAN_SLACK = 4, 1 << 20


def _root(a):
    """The object at the end of `a`'s chain of bases (the memory's owner)."""
    while True:
        b = getattr(a, "base", None)
        if b is None:
            return a
        a = b


def _address(a):
    return a.__array_interface__["data"][0]


def pattern(tensors, arrays):
    """The sharing among the tensor arguments (`arrays` their data, in key order): a
    tuple with, per argument, None (it shares with no other) or (group, byte offset from
    the group's first member, ("tensor" | "array", index) if it is the same Tensor or
    ndarray as an earlier argument); a string, the reason to run eagerly, if the trace
    cannot reproduce it; None if nothing is shared."""
    n = len(arrays)
    real = [isinstance(d, np.ndarray) for d in arrays]
    owner = [versions.base_of(d) if r else None for d, r in zip(arrays, real)]
    group = list(range(n))

    def find(i):
        while group[i] != i:
            i = group[i]
        return i
    for i in range(n):
        for j in range(i):
            if real[i] and real[j] and (owner[i] is owner[j]
                                        or np.may_share_memory(arrays[i], arrays[j])):
                group[find(i)] = find(j)
    members = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    groups = [m for m in members.values() if len(m) > 1]
    if not groups:
        return None
    out = [None] * n
    for g, m in enumerate(groups):
        if any(owner[i] is not owner[m[0]] for i in m):
            return ("arguments that share memory through different numpy owners (views "
                    "made with np.frombuffer or as_strided): in-place versions would differ")
        lo, hi = _span([arrays[i] for i in m])
        if hi - lo > SPAN_FACTOR * sum(arrays[i].nbytes for i in m) + SPAN_SLACK:
            return (f"arguments that are views far apart in one array ({hi - lo} bytes "
                    f"between them): pass copies, or one array")
        first = _address(arrays[m[0]])
        for i in m:
            same = next((("tensor", j) for j in m if j < i and tensors[j] is tensors[i]),
                        None) or next((("array", j) for j in m
                                       if j < i and arrays[j] is arrays[i]), None)
            out[i] = (g, _address(arrays[i]) - first, same)
    return tuple(out)


def _span(arrays):
    """(lowest, highest + 1) byte address of the memory of `arrays`."""
    bounds = [byte_bounds(d) if d.size else (_address(d),) * 2 for d in arrays]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def layout(tensors, arrays, shared):
    """The trace's input buffers for arguments sharing memory as `shared` (pattern's
    tuple) says: per argument, None (a buffer of its own) or its view into its group's
    buffer, which holds the caller's values at the caller's relative offsets (and
    alignment modulo 64)."""
    views = [None] * len(arrays)
    groups = {}
    for i, s in enumerate(shared):
        if s is not None:
            groups.setdefault(s[0], []).append(i)
    for m in groups.values():
        lo, hi = _span([arrays[i] for i in m])
        raw = np.empty(hi - lo + 64, np.uint8)
        start = (lo - _address(raw)) % 64
        for i in m:
            same = shared[i][2]
            if same is not None:
                views[i] = views[same[1]]
                continue
            d = arrays[i]
            views[i] = np.ndarray(d.shape, d.dtype, buffer=raw,
                                  offset=start + _address(d) - lo, strides=d.strides)
            np.copyto(views[i], d)
            if not d.flags.writeable:
                views[i].flags.writeable = False    # a write is refused as in eager
    return views


def owners(tensors, optimizers):
    """The objects owning the memory of the step's own state (its tensors' data and
    gradients, optimizer state): for an ndarray, the array that owns its memory (what
    arguments.signature reads for an argument), else the end of its chain of bases.
    Their ids are the step's `lasting` owners (``touches``)."""
    arrays = []
    for t in tensors:
        arrays.append(t.data)
        if t.grad is not None:
            arrays.append(t.grad.data)
    for o in optimizers:
        for st in o.state.values():
            arrays.extend(v for v in st.values() if isinstance(v, np.ndarray))
    return [_root(a) for a in arrays if isinstance(a, np.ndarray)]


def touches(arrays, lasting):
    """Why the call cannot be replayed if one of `arrays` shares memory with the step's
    state (`lasting`: the ids of ``owners``'s objects), else None."""
    for d in arrays:
        b = d.base
        if id(d if b is None else _root(b)) in lasting:
            return (f"an argument of shape {d.shape} shares memory with a parameter, "
                    f"buffer, gradient or optimizer state that the step reads (pass a copy)")
    return None


class _MemoryviewType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, memoryview)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, memoryview)

    def __call__(cls, obj):
        rec = tracer.active()
        if (rec is not None and not rec.paused
                and (type(obj) is tracer.TraceArray
                     or type(getattr(obj, "data", None)) is tracer.TraceArray)):
            own, where, _ = tracer.reader_frame()
            if not own:
                rec.escape(f"memoryview() of a tensor's memory (at {where}): its reads and "
                           f"writes are not traced (use the tensor, or numpy calls on t.data)")
        return memoryview(obj)


class Memoryview(metaclass=_MemoryviewType):
    """``memoryview`` as the user's code sees it while a step is traced (``rebind``): a
    view of a traced array makes the step fall back; ``isinstance`` works as before."""


_UNSET = object()


def rebind(slots, exports):
    """While a step is traced (inside ``patches.Patched``, whose `exports` maps the names
    of numpy's conversions to the originals): the user's names bound to those originals
    (``from numpy import asarray`` run before the trace, in its globals or closure cells,
    as discover's `slots` found them) and the builtin ``memoryview`` its code calls are
    bound to the tracing versions. Returns what ``unbind`` puts back."""
    swap = {id(original): getattr(np, name) for name, original in exports.items()}
    undo = []
    for c, keys, _ in slots.places.values():
        if c is _CELLS:
            for cell in keys:
                try:
                    v = cell.cell_contents
                except ValueError:
                    continue
                if id(v) in swap:
                    cell.cell_contents = swap[id(v)]
                    undo.append((cell, _CELL, v))
        elif type(c) is dict:
            for k in keys:
                v = c.get(k)
                if id(v) in swap:
                    c[k] = swap[id(v)]
                    undo.append((c, k, v))
    for g, name in slots.builtins:
        if name not in g:
            g[name] = Memoryview
            undo.append((g, name, _UNSET))
    return undo


def unbind(undo):
    """Put back what ``rebind`` swapped."""
    for c, k, v in reversed(undo):
        if k is _CELL:
            c.cell_contents = v
        elif v is _UNSET:
            if c.get(k) is Memoryview:
                del c[k]
        else:
            c[k] = v
