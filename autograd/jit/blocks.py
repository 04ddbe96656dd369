"""Blocking: a run of elementwise calls over large arrays replayed block by block.

An optimizer's update is a chain of elementwise ufunc calls over arrays of a
parameter's shape through a scratch array (SGD: ``t = g * -lr; p += t``), each call
one pass over memory: at 256 x 784 float32 the scratch alone is 800 KB written and read
back from outside L2. A run of consecutive such calls is replayed instead as the same
calls on each block of the arrays in turn (every array flattened, the same slice of
each), and a scratch array that nothing outside the run reads becomes one block-sized
buffer, which stays in cache. Each element is computed by the same ufuncs from the same
operands in the same order, so the bits are the same, provided no array of the run
overlaps another except as the same array (checked).
"""
import numpy as np

from .recorder import Number, _arrays, _base, _mentions

BLOCK_BYTES = 1 << 17       # per array block (64 KB and 256 KB: no better)
MIN_BLOCKS = 3              # fewer: the extra calls cost about what the cache saves
# more: arrays that large stream from memory whole or blocked alike, and the calls cost
# more than the cache saves (MLP step B=512 H=1024, 16-32 blocks a run: +0.6%; B=128
# H=256, 7 blocks: -1.2%; interleaved thread time)
MAX_BLOCKS = 8


def _bounds(a):
    return np.lib.array_utils.byte_bounds(a)


def _scalar(x):
    return (type(x) in (int, float, bool, Number) or isinstance(x, np.generic)
            or (isinstance(x, np.ndarray) and x.ndim == 0))


def _operands(ins):
    """(the arrays a blockable call reads, the array it writes, True if the call made
    that array), or None: an elementwise ufunc (no core dimensions) with one output, no
    keywords but ``out=``."""
    if ins[0] != "call":
        return None
    _, f, args, kwargs, outs, mode = ins
    if type(f) is not np.ufunc or f.signature is not None or f.nout != 1 or len(args) != f.nin:
        return None
    if mode == "effect":
        out = kwargs.get("out")
        if set(kwargs) != {"out"} or type(out) is not tuple or len(out) != 1:
            return None
        out = out[0]
    elif mode == "out" and not kwargs and len(outs) == 1:
        out = outs[0]
    else:
        return None
    if not isinstance(out, np.ndarray):
        return None
    arrays = [a for a in args if not _scalar(a)]
    if any(not isinstance(a, np.ndarray) for a in arrays):
        return None
    return arrays, out, mode == "out" and out.base is None


def _run_ok(code):
    """True if every array the run's calls name is C-contiguous with the run's shape or
    is a 0-d operand, and two of them share memory only as the same array (a 0-d operand
    on the memory of another would be read between the blocks' writes)."""
    shape = _operands(code[0])[1].shape
    spans = set()
    for ins in code:
        for a in _named(ins):
            if a.ndim and (a.shape != shape or not a.flags.c_contiguous):
                return False
            spans.add(_bounds(a))
    spans = sorted(spans)
    return all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def _named(ins):
    return [a for a in ins[2] + tuple(ins[3].get("out", ())) + tuple(ins[4])
            if isinstance(a, np.ndarray)]


def block_runs(code, keep, undefined, inputs=()):
    """(`code` with each run of blockable calls over arrays of MIN_BLOCKS to MAX_BLOCKS
    blocks replaced by its calls block by block, `undefined` with the new block buffers and
    the outputs now written in pieces). `keep`: ids of arrays that stay in place;
    `inputs`: ids of the inputs' buffers (never sliced: the replay reads the caller's)."""
    runs, i = [], 0
    while i < len(code):
        j, run = i, []
        while j < len(code):
            ops = _operands(code[j])
            if ops is None or (run and ops[1].shape != run[0][1].shape):
                break
            run.append(ops)
            j += 1
        if len(run) >= 2:
            runs.append((i, j, run))
        i = max(j, i + 1)
    if not runs:
        return code, undefined
    undefined = set(undefined)
    out, last = [], 0
    for i, j, run in runs:
        arrays = [a for arrs, o, _ in run for a in arrs + [o]]
        size, itemsize = run[0][1].size, max(a.itemsize for a in arrays)
        step = max(1, BLOCK_BYTES // itemsize)
        if (not MIN_BLOCKS * step <= size <= MAX_BLOCKS * step
                or any(id(_base(a)) in inputs for a in arrays)
                or not _run_ok(code[i:j])):
            continue
        buffers = {r: np.empty(step, dt) for r, dt in _scratch(code, i, j, run, keep,
                                                                undefined).items()}
        undefined.update(id(b) for b in buffers.values())
        for _, o, made in run:       # written in pieces: a temporary the planner places
            if made and _bounds(o) not in buffers and id(o) not in keep:
                undefined.add(id(o))
        out += code[last:i]
        pieces = {}
        for start in range(0, size, step):
            stop = min(size, start + step)

            def piece(a):
                # one object per piece: numpy then sees an in-place call's input as its
                # output (two objects on the same memory: an overlap check per call)
                if _scalar(a):
                    return a
                key = (_bounds(a), a.dtype, start)
                got = pieces.get(key)
                if got is None:
                    buf = buffers.get(key[0])
                    got = pieces[key] = (buf[:stop - start] if buf is not None
                                         else a.reshape(-1)[start:stop])
                return got
            for _, f, args, kwargs, outs, mode in code[i:j]:
                args = tuple(piece(a) for a in args)
                if mode == "effect":
                    out.append(("call", f, args, {"out": (piece(kwargs["out"][0]),)}, (), mode))
                else:
                    out.append(("call", f, args, {}, (piece(outs[0]),), mode))
        last = j
    out += code[last:]
    return out, undefined


def _scratch(code, i, j, run, keep, undefined):
    """{byte bounds: dtype} of the run's arrays that can become one block-sized buffer:
    a temporary (made while tracing with undefined contents, or computed by the call
    writing it, not kept) that the run writes whole before it reads it and whose value
    nothing after the run reads (the next instructions touching its memory write it
    without reading it first, or none does)."""
    found, seen = {}, set()
    for arrays, o, made in run:
        seen.update(_bounds(a) for a in arrays)
        r, b = _bounds(o), _base(o)
        if (r not in seen and id(b) not in keep and (id(b) in undefined or made)
                and all(a.dtype == o.dtype for a in arrays if _bounds(a) == r)
                and _dead_after(code[j:], r)):
            found[r] = o.dtype
        seen.add(r)
    return found


def _dead_after(code, r):
    """True if no instruction of `code` reads bytes of range `r` before others write
    them (the contiguous outputs of calls count as writes, every other mention as a read)."""
    left = [r]
    for ins in code:
        written = []
        read = _mentions(ins)
        if ins[0] == "call" and (ins[5] != "effect" or "out" in ins[3]):
            _, _, args, kwargs, outs, mode = ins
            written = list(kwargs["out"] if mode == "effect" else outs)
            read = list(_arrays((args, {k: v for k, v in kwargs.items() if k != "out"})))
        for a in read:
            lo, hi = _bounds(a)
            if any(lo < h and l < hi for l, h in left):
                return False
        for w in written:
            if isinstance(w, np.ndarray) and w.flags.c_contiguous:
                lo, hi = _bounds(w)
                left = [p for l, h in left for p in ((l, min(h, lo)), (max(l, hi), h)) if p[0] < p[1]]
        if not left:
            return True
    return True
