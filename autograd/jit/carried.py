"""What a traced step leaves behind that its replays must leave too.

A step may rebind a place that the state check reads (``discover.Slots``: an attribute,
a dict item, a closure cell, a global): truncated BPTT carries its hidden state in
``self.h = h``, a step caches an activation in ``self.last = out.detach()`` or counts
its calls in ``self.t += 1``. The check compares each place with the value the trace
found there before it ran, and a replay binds there what the trace left, made again:

- a Python scalar: the same value (what the step's Python computed from the values
  the check holds);
- a tensor the program computes: a fresh Tensor over a copy of the program's array;
  one over a view of a parameter's memory: a fresh Tensor over that view; the step's
  argument tensor: the caller's. A tuple or list of those (an LSTM's ``(h, c)``) alike.

Where the place held tensors, the check asks for tensors of the same shapes and
dtypes, and a replay first copies their arrays into the arrays the program reads
there: the tensors are carried from call to call as program inputs (the tensor the
trace found keeps its values on a copy, so that no replay writes it). Anything else
(a new list, module or object, a key added) cannot be made again: the step runs
eagerly, with a warning naming the place.

A step may also change its argument Tensors themselves (``x.requires_grad_()`` for a
saliency map, ``x.data = ...``); the trace ran on a stand-in (step.py, ``as_input``),
so the caller's Tensor gets the same change after the trace and after each replay (a
.grad or .data over a copy of the program's array).
"""
import gc
import types
import weakref

import numpy as np

from ..graph import _wrap
from ..node import AccumulateGrad, Node
from ..tensor import Tensor
from .discover import _CELL, _MAX_DEPTH, Counter, _Attributes, _Contents, Fits, _equal, _is_scalar
from .recorder import _base, _mentions
from .tracer import TraceArray, alive, plain


def made_bases(code, consts=(), undefined=()):
    """The ids of the base buffers that the instructions `code` compute (and of the
    arrays made while tracing, `consts` and `undefined`)."""
    made = set(consts) | set(undefined)
    for ins in code:
        if ins[0] == "call":
            made.update(id(_base(o)) for o in ins[4])
        elif ins[0] == "draw":
            made.add(id(_base(ins[4])))
    return made


class Carried:
    """The places a replay reads tensors from (``before``) and rebinds (``after``)."""

    def __init__(self):
        self.inputs = []        # (container, key, j, the array the program reads)
        self.outputs = []       # (container, key, how to make the value: _make's spec)
        self.kept = []          # arrays the program must keep (plan.py may reuse others)

    def __bool__(self):
        return bool(self.inputs or self.outputs)

    def before(self):
        """Before a replay: the carried tensors' values into the program's arrays."""
        for c, k, j, a in self.inputs:
            v = _read(c, k)
            d = (v if j is None else v[j]).data
            if d is not a:
                np.copyto(a, d)

    def after(self, given):
        """After a replay (`given`: the call's tensor arguments): the places rebound."""
        made = {}
        for c, k, spec in self.outputs:
            _write(c, k, _read(c, k) + spec[1] if spec[0] == "add" else _make(spec, given, made))


def _read(c, k):
    return c.cell_contents if k is _CELL else c[k]


_APPEND = object()          # the key of an item a replay appends to a list


def _write(c, k, v):
    if k is _CELL:
        c.cell_contents = v
    elif k is _APPEND:
        c.append(v)
    elif type(c) is _Attributes:
        setattr(c.obj, k, v)
    else:
        c[k] = v


def _make(spec, given, made):
    kind = spec[0]
    if kind == "value":
        return spec[1]
    if kind == "seq":
        return spec[1](_make(s, given, made) for s in spec[2])
    if kind == "argument":
        return given[spec[1]]
    key = id(spec)
    t = made.get(key)           # one Tensor for one traced Tensor in two places
    if t is None:
        a = spec[1]
        t = made[key] = _wrap(a.copy() if kind == "copy" else a, None)
    return t


def _tensors(v):
    """`v`'s tensors if it is a Tensor or a tuple or list of Tensors, else None."""
    if isinstance(v, Tensor):
        return [v]
    if type(v) in (tuple, list) and v and all(isinstance(t, Tensor) for t in v):
        return list(v)
    return None


class Spec:
    """How the trace's value at a place is made again; ``fix`` makes the trace's own
    value what eager leaves (plain arrays, the caller's argument tensors)."""

    def __init__(self, standins, made, shared, given):
        self.standins = {id(s): i for i, s in standins}
        self.made, self.shared, self.given = made, shared, given
        self.specs = {}         # id(traced Tensor) -> its spec (one per Tensor)
        self.kept = []

    def of(self, v):
        """(spec, None) or (None, why it cannot be made again)."""
        if _is_scalar(v):
            return ("value", v), None
        ts = _tensors(v)
        if ts is None:
            return None, (f"a new {type(v).__name__} (a replay cannot make it again: keep "
                          f"tensors, a tuple or list of tensors, or Python numbers there)")
        specs = []
        for t in ts:
            s = self.specs.get(id(t))
            if s is None:
                s, why = self._tensor(t)
                if why is not None:
                    return None, why
                self.specs[id(t)] = s
            specs.append(s)
        return (specs[0] if isinstance(v, Tensor) else ("seq", type(v), specs)), None

    def _tensor(self, t):
        i = self.standins.get(id(t))
        if i is not None:
            return ("argument", i), None
        d = t.data
        if type(t) is not Tensor:
            return None, f"a {type(t).__name__} (a replay makes plain Tensors)"
        if type(d) is not TraceArray:
            return None, (f"a tensor of shape {d.shape} on an array the trace does not "
                          f"follow (made with numpy outside the step's ops)")
        a = plain(d)
        b = id(_base(a))
        if b in self.made:
            self.kept.append(a)
            return ("copy", a), None
        if b in self.shared:
            return ("view", a), None
        return None, (f"a tensor of shape {d.shape} sharing memory with an argument (a "
                      f"replay's would not see the caller's array)")

    def fix(self, c, k, v):
        """Make the trace's value `v` at c[k] what eager leaves: its tensors on plain
        arrays (the program's arrays copied: replays write them), stand-ins replaced
        by the caller's tensors."""
        ts = _tensors(v)
        if ts is None:
            return
        swap = False
        for t in ts:
            s = self.specs[id(t)]
            if s[0] == "argument":
                swap = True
            elif type(t.data) is TraceArray:
                t.data = s[1].copy() if s[0] == "copy" else s[1]
        if swap:
            new = [self.given[self.specs[id(t)][1]] if self.specs[id(t)][0] == "argument" else t
                   for t in ts]
            _write(c, k, new[0] if isinstance(v, Tensor) else type(v)(new))


def rebound(before, after, read, spec, holds, leaves):
    """The places the trace rebound: (Carried, dropped, why the step cannot be replayed
    or None).
    `before` and `after` are ``discover.Values`` of the same places (before.items'
    values become the check's: ``Fits`` where tensors are carried); `read` the ids of
    the base buffers the program reads; `spec` a ``Spec``; `holds(t)` whether other
    state of the step shares tensor t's memory (a carried tensor's array must be its
    own); `leaves` the ids of the leaves that require grad. Returns also the tensors
    the trace found at carried places (no longer part of the step's state)."""
    carried, dropped = Carried(), []
    for (c, n), (_c, m) in zip(before.sizes, after.sizes):
        if n != m:
            return carried, dropped, (f"the step adds or removes "
                                      f"{'items' if type(c) is list else 'keys'} of "
                                      f"{after._name(c, None)}")
    why = _appended(before.lists, after, read, spec, carried)
    before.lists = after.lists = ()             # (the items are no longer needed)
    if why is not None:
        return carried, dropped, why
    now = {(id(c), k): v for c, k, v in after.items}
    added = set()
    for i, (c, k, v0) in enumerate(before.items):
        v1 = now.get((id(c), k), _GONE)
        if v1 is v0 or (_is_scalar(v0) and _is_scalar(v1) and _equal(v0, v1)):
            continue
        name = after._name(c, k)
        step = _increment(before, c, k, v0, v1)
        if step is not None:        # self.calls += 1, read nowhere else: a replay adds too
            if (id(c), k) not in added:         # (a place the walk noted twice)
                added.add((id(c), k))
                carried.outputs.append((c, k, ("add", step)))
            before.items[i] = (c, k, Counter(v0))
            continue
        if v1 is _GONE:
            return carried, dropped, f"the step deletes {name}"
        if type(c) is _Contents:
            return carried, dropped, f"the step changes the set {name}"
        s, why = spec.of(v1)
        if why is not None:
            return carried, dropped, f"the step sets {name} to {why}"
        spec.fix(c, k, v1)
        carried.outputs.append((c, k, s))
        ts = _tensors(v0)
        if ts is None or s[0] == "value":
            continue
        before.items[i] = (c, k, Fits(v0))
        for j, t in enumerate(ts):
            a = t.data
            if type(a) is not np.ndarray or id(_base(a)) not in read:
                continue
            if id(t) in leaves or holds(t) or _elsewhere(t, now, (id(c), k)):
                return carried, dropped, (f"the step reads and rebinds {name}, whose tensor "
                                          f"of shape {a.shape} is also other state")
            t.data = a.copy()       # the tensor found there keeps its values
            dropped.append(t)
            carried.inputs.append((c, k, None if isinstance(v0, Tensor) else j, a))
    carried.kept = spec.kept
    return carried, dropped, None


_GONE = object()


def _increment(values, c, k, v0, v1):
    """The constant the step added to the number at c[k] (from v0 to v1), if the step's
    code only ever adds that constant to that name (``values.increments``), else None."""
    name = values.names.get(id(c)) if k is _CELL else k
    step = values.increments.get(name) if type(name) is str else None
    if (step is None or type(v0) not in (int, float) or type(v1) is not type(v0)
            or not _equal(v0 + step, v1)):
        return None
    return step


def _appended(before, after, read, spec, carried):
    """The items the step appended to the lists the walk reached (a log of losses,
    ``history.append(loss.detach())``), which each replay appends made again (a tensor
    on a copy of the program's array), as carried.outputs; or why it cannot: a list
    changed otherwise (an item removed or inserted), an item that cannot be made again,
    or a list whose tensors the program reads (it would read the trace's, not the
    last one appended)."""
    for (v, items), (_v, now) in zip(before, after.lists):
        n, label = len(items), after._name(v, None)
        if len(now) == n:
            continue            # unchanged, or items rebound: places, as any other
        if len(now) < n or any(a is not b for a, b in zip(items, now)):
            return f"the step changes {label} other than by appending to it"
        for t in items:
            ts = _tensors(t) or ()
            if any(type(x.data) is np.ndarray and id(_base(x.data)) in read for x in ts):
                return (f"the step appends to {label} and its program reads a tensor "
                        f"appended before (a replay would read the same one every call)")
        for i in range(n, len(now)):
            s, why = spec.of(now[i])
            if why is not None:
                return f"the step appends to {label} {why}"
            spec.fix(v, i, now[i])
            carried.outputs.append((v, _APPEND, s))
    return None


def _elsewhere(t, now, place):
    """True if tensor `t` is (in) the value of another place than `place` in `now`."""
    return any(p != place and (v is t or type(v) in (tuple, list) and any(x is t for x in v))
               for p, v in now.items())


def argument_changes(given, standins, inputs, made):
    """What the step did to its argument Tensors themselves, through the stand-ins the
    trace gave it (`standins`: (position, stand-in)): (changes, kept arrays, reason).
    A change is (position, the stand-in's node if it became a leaf that requires grad, its
    .grad array or None, its new .data array or None); `reason` says why a replay
    cannot make them (the trace's own call makes them all), else None."""
    changes, kept, reason = [], [], None
    for i, s in standins:
        a = given[i]
        node, grad, data = s._node, s.grad, plain(s.data)
        requires = node is not a._node
        if (not requires and grad is None and data is inputs[i]) or a._node is not None:
            continue            # (an input that requires grad: eager anyway, step.py)
        shape = a.data.shape
        g = None if grad is None else plain(grad.data)
        d = None if data is inputs[i] else data
        changes.append((i, node if requires else None, g, d))
        if requires and type(node) is not AccumulateGrad:
            reason = reason or f"the step makes its argument tensor of shape {shape} a non-leaf"
        elif node is not None and node.meta and (node.meta.get("hooks")
                                                 or node.meta.get("post_hooks")):
            reason = reason or (f"a hook on the step's argument tensor of shape {shape} "
                                f"(Python a replay would not run)")
        for what, x in ((".grad", g), (".data", d)):
            if x is None:
                continue
            if isinstance(x, np.ndarray) and id(_base(x)) in made:
                kept.append(x)
            else:
                reason = reason or (f"the step sets {what} of its argument tensor of shape "
                                    f"{shape} to an array the program does not compute (a "
                                    f"view of the argument, or numpy's own)")
    return changes, kept, reason


def apply_changes(changes, given, trace):
    """The changes `argument_changes` found, made to the caller's tensors `given`: after
    the trace (`trace`: the stand-in's leaf node moves to the caller's tensor, so that
    a graph the step returns reaches it) or after a replay."""
    for i, node, g, d in changes:
        t = given[i]
        if d is not None:
            t.data = np.array(d, copy=True)
        if node is not None:
            if trace:
                t._node = node
                if type(node) is AccumulateGrad:
                    node.leaf = weakref.ref(t)
            elif t._node is None:
                t.requires_grad_()
        if g is not None:
            t.grad = _wrap(np.array(g, copy=True), None)


def stray(older):
    """Why the step cannot be replayed if its trace left a traced array alive (`older`:
    those alive before it) held by a tensor or a list or dict of the user's, else None.
    Such a tensor is kept where the walk (discover.py) does not look: more than
    _MAX_DEPTH objects from what the step names, a class's dict or list, a list of a
    user's module, a private attribute of gradgraph's module; a replay neither rebinds nor leaves it: the program writes its array.
    Those tensors get a plain copy (the trace's values, as eager left them). An array
    only a graph's nodes hold (a loss kept with its graph) is not the user's."""
    left = _left(older)
    if not left or not _held(left):
        return None
    gc.collect()                # a graph's cycles (a node saving its output), unused
    left = _left(older)
    found = _held(left)
    if not found:
        return None
    tensors = [x for x in found if isinstance(x, Tensor)]
    for t in tensors:
        t.data = plain(t.data).copy()
    x = found[0]
    what = "a tensor" if isinstance(x, Tensor) else "an array"
    return (f"it keeps {what} of shape {x.shape} {_holder(x, (left, found, tensors))}, where compile "
            f"does not look (more than {_MAX_DEPTH} objects from what the step names, a "
            f"container of a class or of a module): each "
            f"replay would change it; keep it in a public attribute of a module or object "
            f"the step names, or return it")


def unseen(code, known, found):
    """Why the step cannot be replayed if the instructions `code` read the array of a
    Tensor that the walk (discover.py) did not find (`found`: those it found; `known`:
    the ids of the base buffers it traced, the inputs and what the trace made), else
    None. Such an array is
    a constant of the program, read where the trace found it: a new tensor or array put
    in its place (`t.data = ...`, the next item of an iterator the step loops over) would
    not be seen. A plain array of gradgraph's (a cached column of ones) is held by no
    Tensor."""
    foreign = {}
    for ins in code:
        for a in _mentions(ins):
            b = _base(a)
            if id(b) not in known:
                foreign[id(a)] = a
                foreign[id(b)] = b
    if not foreign:
        return None
    refs = gc.get_referrers(*foreign.values())
    found = {id(t) for t in found}
    tensors = [r for r in refs if isinstance(r, Tensor) and id(r.data) in foreign
               and id(r) not in found]
    if not tensors:
        return None
    t = tensors[0]
    return (f"it reads a tensor of shape {t.shape} {_holder(t, (refs, tensors))}, where "
            f"compile does not look (more than {_MAX_DEPTH} objects from what the step "
            f"names, an item an iterator gives to a for loop): a "
            f"replay would read the array the trace found there; pass it to the step as an "
            f"argument, or keep it in a module or a public attribute of an object the step "
            f"names")


def _left(older):
    old = {id(a) for a in older}
    return [a for a in alive() if id(a) not in old]


def _held(left):
    """The Tensors over arrays `left`, and those arrays, that something of the user's
    holds: not only a graph's nodes (their fields, tuples of them), arrays viewing them
    or frames."""
    ids = {id(a) for a in left}
    refs = gc.get_referrers(*left)
    tensors = [r for r in refs if isinstance(r, Tensor) and id(r.data) in ids]
    mine = [left, refs, tensors]
    raw = _users(refs, mine, (Tensor, Node, np.ndarray, tuple, type, types.FrameType))
    tuples = [r for r in refs if type(r) is tuple]
    if tuples:
        outer = gc.get_referrers(*tuples)
        kept = _users(outer, mine + [outer, tuples], (Node, types.FrameType))
        raw |= {id(u) for t in tuples if id(t) in kept for u in gc.get_referents(t)}
    if tensors:
        holders = gc.get_referrers(*tensors)
        users = _users(holders, mine + [holders], (Node, types.FrameType))
        tensors = [t for t in tensors if id(t) in users]
    return tensors + [a for a in left if id(a) in raw]


def _users(refs, mine, skip):
    """The ids of what the referrers `refs` hold, but for those of the kinds `skip` and
    the lists `mine`."""
    return {id(u) for r in refs if not isinstance(r, skip) and all(r is not m for m in mine)
            for u in gc.get_referents(r)}


def _holder(x, mine):
    """Where `x` is held ('in the attribute 'last' of a Box', 'in a list'), for stray
    (no closure names `x`: its cell would hold it too)."""
    holders = [r for r in gc.get_referrers(x)
               if all(r is not m for m in mine) and not isinstance(r, types.FrameType)]
    if not holders:
        return "in a cycle of objects"
    h = holders[0]
    if type(h) is dict:
        owners = [o for o in gc.get_referrers(h) if getattr(o, "__dict__", None) is h]
        if not owners:
            return f"in a dict (key {_key(h, x)!r})"
        h = owners[0]
    if hasattr(h, "__dict__") and not isinstance(h, type):
        key = _key(vars(h), x)
        if key is not None:
            return f"in the attribute {key!r} of a {type(h).__name__}"
    return f"in a {type(h).__name__}"


def _key(d, x):
    for k, v in (d.items() if type(d) is dict else enumerate(d)):
        if v is x:
            return k
    return None
