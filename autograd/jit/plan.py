"""Planning: drop dead calls, and give the temporaries of a program shared buffers.

A trace leaves every temporary in its own array, so a replay would touch as much memory
as all of them together. Here each temporary (an array a call computed, or a draw) that
the program alone sees lives from its first to its last mention; when it is dead its
memory goes back to a pool, and a later temporary takes the smallest free block that
fits (the last freed of those). Arrays made by ``np.empty`` while tracing (scratch: the
step writes them before it reads them) are temporaries too. Every array an instruction
names that views a moved temporary is remade on its new memory with the same offset,
shape and strides. A block freed at instruction i is reused only from instruction i + 1
on, so no call reads and writes one block, with one exception, the in-place rewrite: an
elementwise ufunc whose input is a temporary dying at that call, as a whole array of
the output's shape, dtype and strides (no broadcasting, no cast, no other view of it
among the arguments), writes its output into that input's block (``exp(t, out=t)``).
An elementwise ufunc computes each output element from the input elements at the same
index only, so the bits are the same.

Kept in place: the inputs, the returned arrays, the gradients bound to parameters, and
everything the program did not compute (parameters, buffers, constants).
"""
import bisect

import numpy as np

from .blocks import block_runs
from .recorder import _arrays, _base, _mentions


def _bounds(a):
    lo, hi = np.lib.array_utils.byte_bounds(a)
    return lo, hi


def _defines(ins):
    if ins[0] == "call":
        return ins[4]
    if ins[0] == "draw":
        return (ins[4],)
    return ()


def plan(code, keep, undefined=(), inputs=()):
    """(`code` with dead calls dropped and temporaries in shared buffers, the number of
    calls rewritten to run in place); `keep` holds the ids of base arrays that must stay
    where they are; `undefined` the ids of arrays made while tracing whose contents
    were undefined (``np.empty``: scratch that the step writes before it reads it);
    `inputs` the ids of the inputs' buffers."""
    code = _integer_guards(_forward_copies(_drop_dead(code, keep), keep), keep)
    code = _drop_needless_restores(code, keep)
    code, undefined = block_runs(code, keep, undefined, inputs)
    temps = {}
    for ins in code:
        for o in _defines(ins):
            if o.base is None and id(o) not in keep:
                temps[id(o)] = o
        if undefined:
            for a in _mentions(ins):
                b = _base(a)
                if id(b) in undefined and id(b) not in keep:
                    temps[id(b)] = b
    # an array whose memory is a temporary's but that does not say so (.base) pins it
    spans = sorted((_bounds(t), k) for k, t in temps.items())
    starts = [s[0][0] for s in spans]
    for ins in code:
        for a in _mentions(ins):
            if id(_base(a)) in temps:
                continue
            lo, hi = _bounds(a)
            j = bisect.bisect_right(starts, hi)
            for (tlo, thi), k in spans[max(0, j - 64):j]:
                if tlo < hi and lo < thi:
                    temps.pop(k, None)
    first, last = {}, {}
    for i, ins in enumerate(code):
        for a in _mentions(ins):
            k = id(_base(a))
            if k in temps:
                first.setdefault(k, i)
                last[k] = i
    ends = {}
    for k, i in last.items():
        ends.setdefault(i, []).append(k)
    born = {}
    for k, i in first.items():
        born.setdefault(i, []).append(k)
    free, moved, inplace = [], {}, 0

    def block_for(a):
        need = max(a.nbytes, 1)
        fits = [j for j, b in enumerate(free) if b.nbytes >= need]
        if not fits:
            return np.empty(need, np.uint8)
        # of the smallest, the last freed: likelier in cache (GPT step: 1.9% less CPU
        # time than the first freed, interleaved A/B)
        return free.pop(min(reversed(fits), key=lambda j: free[j].nbytes))

    for i, ins in enumerate(code):
        handed = None
        for o in _defines(ins):
            k = id(o)
            if k in temps and first.get(k) == i and k not in moved:
                src = _inplace_source(ins, o, temps, last, i)
                if src is not None and src in moved:
                    moved[k] = moved[src]          # the input's block, handed over
                    handed = src
                    inplace += 1
                    continue
                moved[k] = block_for(o)
        for k in born.get(i, ()):
            if k in undefined and k not in moved:          # scratch, first written here
                moved[k] = block_for(temps[k])
        for k in ends.get(i, ()):
            if k in moved and k != handed:
                free.append(moved[k])
    if not moved:
        return code, inplace
    remade, shared = {}, {}

    def remap(x):
        t = type(x)
        if isinstance(x, np.ndarray):
            b = _base(x)
            block = moved.get(id(b))
            if block is None:
                return x
            got = remade.get(id(x))
            if got is None:
                offset = x.__array_interface__["data"][0] - b.__array_interface__["data"][0]
                # one object per layout on a block: an in-place call then gets its input
                # as its output object, which numpy checks for overlap at no cost (two
                # objects on the same memory: +200 ns a call, 40% of a 16-element tanh)
                layout = (id(block), offset, x.shape, x.dtype, x.strides, x.flags.writeable)
                same = shared.get(layout)
                if same is None:
                    same = shared[layout] = np.ndarray(x.shape, x.dtype, buffer=block,
                                                       offset=offset, strides=x.strides)
                    if not x.flags.writeable:
                        same.flags.writeable = False
                remade[id(x)] = (same, x)       # keep x alive: ids stay unique
                return same
            return got[0]
        if t is tuple or t is list:
            return t(remap(i) for i in x)
        if t is dict:
            return {k: remap(v) for k, v in x.items()}
        return x

    out = []
    for ins in code:
        op = ins[0]
        if op == "call":
            _, f, args, kwargs, outs, mode = ins
            out.append(("call", f, remap(args), remap(kwargs), remap(outs), mode))
        elif op == "guard":
            _, method, array, args, value, where = ins
            out.append(("guard", method, remap(array), remap(args), value, where))
        elif op == "draw":
            _, name, args, kwargs, o = ins
            out.append(("draw", name, remap(args), remap(kwargs), remap(o)))
        else:
            out.append(ins)
    return out, inplace


def _inplace_source(ins, o, temps, last, i):
    """The id of the temporary whose block the output `o` of call `ins` (instruction i)
    may take, or None. Legal when the call is an elementwise ufunc (no core dimensions:
    matmul is a ufunc too, and not elementwise) with one output and no ``where=``, and
    one input is a temporary whose last mention is this call, seen whole (itself, or a
    view of all of it: ReLU's backward reads the gradient's bits as integers) with `o`'s
    shape, dtype and strides, and no other argument views that temporary."""
    if ins[0] != "call" or ins[5] != "out" or len(ins[4]) != 1:
        return None
    f, args, kwargs = ins[1], ins[2], ins[3]
    if type(f) is not np.ufunc or f.signature is not None or f.nout != 1:
        return None
    if "where" in kwargs or "out" in kwargs:
        return None
    for a in args:
        if not isinstance(a, np.ndarray):
            continue
        t = _base(a)
        k = id(t)
        if (k in temps and last.get(k) == i and _whole(a, t)
                and a.shape == o.shape and a.dtype == o.dtype and a.strides == o.strides
                and all(b is a or not isinstance(b, np.ndarray) or _base(b) is not t
                        for b in _arrays((args, kwargs)))):
            return k
    return None


def _whole(a, t):
    """True if array `a` is `t` or a view of all of `t`'s memory in the same order."""
    return a is t or (a.nbytes == t.nbytes and a.flags.c_contiguous and t.flags.c_contiguous
                      and _bounds(a) == _bounds(t))


def _less(a, k):
    return a.item() < k


def _less_equal(a, k):
    return a.item() <= k


def _greater(a, k):
    return a.item() > k


def _greater_equal(a, k):
    return a.item() >= k


def _equal(a, k):
    return a.item() == k


def _not_equal(a, k):
    return a.item() != k


# comparison ufunc -> (the guard reading a 0-d integer array against a Python int, the
# same with the operands swapped)
_INT_COMPARES = {np.less: (_less, _greater), np.less_equal: (_less_equal, _greater_equal),
                 np.greater: (_greater, _less), np.greater_equal: (_greater_equal, _less_equal),
                 np.equal: (_equal, _equal), np.not_equal: (_not_equal, _not_equal)}


def _integer_guards(code, keep):
    """A comparison of a 0-d integer array with a Python int whose only reader is the
    guard right after it (a label range check: ``if lo < 0 or hi >= c``) becomes one
    guard comparing in Python: integers compare exactly either way, and the guard only
    reads the truth value (a call and an array less per check)."""
    readers = {}
    for i, ins in enumerate(code):
        for a in _mentions(ins):
            readers.setdefault(id(_base(a)), []).append(i)
    out, skip = [], False
    for i, ins in enumerate(code):
        if skip:
            skip = False
            continue
        nxt = code[i + 1] if i + 1 < len(code) else None
        if (ins[0] == "call" and ins[5] == "out" and ins[1] in _INT_COMPARES and not ins[3]
                and len(ins[2]) == 2 and nxt is not None and nxt[0] == "guard"
                and nxt[1] is np.ndarray.__bool__ and not nxt[3] and nxt[2] is ins[4][0]
                and id(nxt[2]) not in keep and readers.get(id(nxt[2])) == [i, i + 1]):
            a, k = ins[2]
            swapped = not isinstance(a, np.ndarray)
            if swapped:
                a, k = k, a
            if (isinstance(a, np.ndarray) and a.ndim == 0 and a.dtype.kind in "iu"
                    and type(k) is int):
                test = _INT_COMPARES[ins[1]][swapped]
                out.append(("guard", test, a, (k,), nxt[4], nxt[5]))
                skip = True
                continue
        out.append(ins)
    return out


_COPIES = {np.array, np.ndarray.copy, np.ndarray.astype, np.asarray, np.ascontiguousarray}


def _forward_copies(code, keep):
    """A call computing a temporary that is then only copied into another array made
    by the copy (a leaf's .grad: np.array(g, copy=True)) computes into that array
    directly (which nothing names before the copy). The copy may read the temporary
    through a reshape (a bias gradient: (n, 1) -> (n,)); the call then writes into the
    new array seen in the temporary's shape."""
    mentioned = {}
    for i, ins in enumerate(code):
        for a in _mentions(ins):
            mentioned.setdefault(id(_base(a)), []).append(i)
    defined = {}
    for i, ins in enumerate(code):
        if ins[0] == "call" and ins[5] == "out" and len(ins[4]) == 1:
            defined[id(ins[4][0])] = i
    drop, retarget = set(), {}
    for j, ins in enumerate(code):
        if not (ins[0] == "call" and ins[5] == "copy" and ins[1] in _COPIES and ins[2]
                and len(ins[4]) == 1 and isinstance(ins[2][0], np.ndarray)):
            continue
        src, dst = ins[2][0], ins[4][0]
        t = _base(src)
        i = defined.get(id(t))
        if (i is None or t.base is not None or id(t) in keep or dst.base is not None
                or i in retarget or (src.shape, src.dtype) != (dst.shape, dst.dtype)
                or set(ins[3]) - {"dtype", "copy", "order"}
                or mentioned.get(id(t)) != [i, j] or mentioned[id(dst)][0] != j):
            continue
        if src is t and src.strides == dst.strides:
            retarget[i] = dst
        elif (src.size == t.size and src.dtype == t.dtype and src.flags.c_contiguous
              and t.flags.c_contiguous and dst.flags.c_contiguous):
            retarget[i] = dst.reshape(t.shape)              # a view: dst is contiguous
        else:
            continue
        drop.add(j)
    if not drop:
        return code
    out = []
    for i, ins in enumerate(code):
        if i in drop:
            continue
        if i in retarget:
            ins = ins[:4] + ((retarget[i],),) + ins[5:]
        out.append(ins)
    return out


def _drop_needless_restores(code, keep):
    """A restore puts back the value an array made while tracing had, before the step's
    first write into it. It is not needed when that write is the only one, an assignment
    through a basic index (``z[2] = v``: the same elements every replay) of a value that
    does not read the array: the rest keeps the value the trace left, and the written
    part is written before anything reads it. (getitem's backward, np.zeros and one
    assignment: the GPT step's split of q, k, v filled 19 MB per replay.)"""
    writes, mentions = {}, {}
    for i, ins in enumerate(code):
        for a in _mentions(ins):
            mentions.setdefault(id(_base(a)), []).append(i)
        op = ins[0]
        if op == "call":
            written = _arrays(ins[2:4]) if ins[5] == "effect" else ins[4]
        elif op in ("draw", "python"):
            written = _mentions(ins)
        else:
            continue
        for a in written:
            writes.setdefault(id(_base(a)), set()).add(i)
    drop = set()
    for r, ins in enumerate(code):
        if ins[0] != "restore" or id(ins[1]) in keep:
            continue
        k = id(ins[1])
        w = min((i for i in mentions[k] if i > r), default=None)
        if w is None or mentions[k][0] != r or writes.get(k) != {w}:
            continue
        f, args = code[w][1], code[w][2]
        if (f is np.ndarray.__setitem__ and len(args) == 3 and _base(args[0]) is ins[1]
                and _basic_index(args[1]) and not any(_base(a) is ins[1] for a in _arrays(args[2]))
                and not code[w][3]):
            drop.add(r)
    return [ins for i, ins in enumerate(code) if i not in drop] if drop else code


def _basic_index(index):
    """True if `index` selects the same elements whatever the values (ints, slices)."""
    for i in index if type(index) is tuple else (index,):
        if not (i is None or i is Ellipsis or (isinstance(i, (int, np.integer))
                                               and not isinstance(i, (bool, np.bool_)))
                or (type(i) is slice and all(v is None or isinstance(v, (int, np.integer))
                                              for v in (i.start, i.stop, i.step)))):
            return False
    return True


def _drop_dead(code, keep):
    """Calls whose results nothing later reads (and that write nothing else)."""
    live = set(keep)
    kept = []
    for ins in reversed(code):
        if ins[0] == "call" and ins[5] != "effect":
            outs = {id(_base(o)) for o in ins[4]}
            if not outs & live:
                continue
        for a in _mentions(ins):
            live.add(id(_base(a)))
        if ins[0] == "call" and ins[5] == "effect":
            live.update(id(_base(a)) for a in _arrays(ins[3].get("out", ())))
        kept.append(ins)
    kept.reverse()
    return kept
