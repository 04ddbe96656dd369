"""Gradients the user keeps from one call to the next.

Eager makes new ``.grad`` Tensors on every call (after ``zero_grad(set_to_none=True)``),
so a Tensor or array the user kept from an earlier call (``prev = p.grad``,
``g = p.grad.data``, ``p.grad.numpy()``) keeps its values. A replay writes the arrays
the trace made, again and again: each gradient the trace made is a cell [the Tensor a
replay binds, its array, the array's reference count when the last call returned, the
Tensor's but for its leaf's], and before a replay

- a Tensor the user holds (more references than its cell's, its leaf's .grad's and
  compiled programs': a GAN's generator step holds the discriminator's; 130
  instructions a gradient, not a new Tensor each call) keeps its values on a copy and a
  new one takes its place (``renew``);
- an array with more references than when the last call returned is the user's
  (``fresh``): the replay's names of it and of its views move to a copy, the user's
  keeps its values.

The count is taken as the trace's call returns (``handed``) and where it changes
(``fresh``; a replay takes no lasting reference). References that compiled programs take
between calls (another step's trace naming the array, a state check generated) are added
to the count they change (``counts`` before, ``shift`` after), so they are not taken for
the user's. A program freed between two calls lowers the count: a user's reference taken
in the same interval then goes unseen.
"""
import sys
import warnings
import weakref

import numpy as np

from ..graph import _wrap

_LIVE = weakref.WeakSet()       # the programs made (register)


def register(program):
    _LIVE.add(program)


def counts():
    """The reference counts of every live program's gradient Tensors and arrays, for
    ``shift``."""
    return [(c, sys.getrefcount(c[0]), sys.getrefcount(c[1]))
            for p in list(_LIVE) for _t, c in p.made]


def shift(before):
    """After compile's own work (a trace, a generated check) took or dropped references
    to gradient Tensors and arrays: the counts they are compared with move as much."""
    for c, tensor, array in before:
        c[3] += sys.getrefcount(c[0]) - tensor
        c[2] += sys.getrefcount(c[1]) - array


def grad_lines(src, made, adopted, pinned):
    """The first lines of a replay, choosing the Tensor each gradient cell (leaf, cell)
    binds: `made`, the cells of the gradients the trace made (see the module's
    docstring); `adopted`, those of gradients the step accumulates into: the leaf's
    .grad now if that is over the program's array (another compiled step's new one),
    which eager accumulates into, in place. `pinned`: the ids of the arrays the program
    returns or keeps (theirs cannot move), a dict (to True: not yet warned about)."""
    lines = []
    if made:
        ns = src.ns
        ns["getrefcount"], ns["renew"] = sys.getrefcount, renew
        pinned = dict.fromkeys(pinned, True)
        ns["fresh"] = lambda cell, n: fresh(cell, n, ns, pinned)
        for _t, c in made:
            c[2:] = [sys.maxsize, _ALONE]   # (the array's count: when the trace returns)
        lines += [f"for t, c in {src.ref(made)}:",
                  "    if getrefcount(c[0]) - (t.grad is c[0]) > c[3]:",
                  "        renew(c)",
                  "    if (n := getrefcount(c[1])) != c[2]:",
                  "        fresh(c, n)",
                  "        c[2] = getrefcount(c[1])"]
    if adopted:
        lines += [f"for t, c in {src.ref(adopted)}:",
                  "    w = t.grad",
                  "    if w is not c[0] and w is not None and w.data is c[1]:",
                  "        c[0] = w"]
    return lines


def handed(src, made):
    """``handed()`` in the replay's namespace `src.ns`: each gradient array's reference
    count when the trace's call returns (a replay leaves them as it found them, but
    where ``fresh`` changed them)."""
    lines = [f"for t, c in {src.ref(made)}:", "    c[2] = getrefcount(c[1])"] if made else []
    source = "\n".join(["def handed():"] + ["    " + x for x in lines] + ["    pass"]) + "\n"
    exec(compile(source, "<compiled step>", "exec"), src.ns)


def renew(cell):
    """`cell` ([Tensor, its array, count]) binds a new Tensor over the array; the old
    one keeps its values on a copy."""
    old, a = cell[0], cell[1]
    if old.data is a:
        old.data = a.copy()
    cell[0], cell[3] = _wrap(a, None), _ALONE


def fresh(cell, n, ns, pinned):
    """`cell`'s array has `n` references, fewer than when the last call returned (a program
    freed: nothing to do) or more: the user holds it. The replay's names of it and
    of its views (in `ns`, its namespace) move to a copy, and the cell binds a
    Tensor over that. Where that cannot be done (an array the step returns or keeps,
    a view of another array, another array sharing its memory, one another program
    names), one warning says that the kept array will change."""
    old = cell[1]
    if n < cell[2]:
        return
    if id(old) in pinned:
        if pinned[id(old)]:
            pinned[id(old)] = False
            warnings.warn(f"compile: a gradient array of shape {old.shape} kept from an "
                          f"earlier call (p.grad.data, p.grad.numpy()) is overwritten by later "
                          f"calls; keep a copy (p.grad.data.copy())", stacklevel=3)
        return
    start = old.__array_interface__["data"][0]
    moved = {}
    for k, v in ns.items():
        if v is old:
            moved[k] = None
        elif isinstance(v, np.ndarray) and np.may_share_memory(v, old):
            if v.base is not old or type(v) is not np.ndarray:
                moved = None
                break
            moved[k] = v
    if moved is None or old.base is not None or _elsewhere(old, ns):
        pinned[id(old)] = True
        return fresh(cell, n, ns, pinned)
    new = old.copy()
    for k, v in moved.items():
        if v is None:
            ns[k] = new
        else:
            w = np.ndarray(v.shape, v.dtype, new, v.__array_interface__["data"][0] - start,
                           v.strides)
            w.flags.writeable = v.flags.writeable
            ns[k] = w
    cell[0], cell[1], cell[3] = _wrap(new, None), new, _ALONE


def _elsewhere(a, ns):
    """True if a program other than the one of namespace `ns` names array `a` or a view
    of it (a GAN's generator step accumulating into the discriminator's gradients)."""
    return any(other is not ns and any(v is a or isinstance(v, np.ndarray) and v.base is a
                                       for v in other.values())
               for other in (p.run.__globals__ for p in list(_LIVE)))


def _probe(cells):
    for _t, c in cells:
        return sys.getrefcount(c[0])


_ALONE = _probe([(None, [object()])])     # a Tensor only its cell holds, counted as above
