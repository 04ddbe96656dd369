"""From instructions to a replay function: straight-line Python over fixed buffers.

A program is generated as Python source, one line per numpy call, every array a name
bound to the trace's own buffer (so a replay writes the same memory in the same order),
and compiled once. Calls that computed a new array are replayed with ``out=`` into it
when numpy takes one; others copy their result in (the few that allocate).

Guards read values and may stop a replay; everything a replay changes before its last
guard (buffers outside the program, the default generator's state) is saved at the
start and put back when a guard fails, so a failing replay leaves no trace.
"""
import numpy as np

from .. import creation
from . import kept
from .peephole import dense_scalars
from .plan import plan
from .recorder import Number, _base


class Program:
    """A compiled step: ``run(arrays)`` replays it on the input arrays and returns
    None, or the 'file:line' of the value check whose guard failed (nothing changed:
    run the step eagerly)."""

    def __init__(self, code, inputs, bindings, final_binding, outputs=(), contiguous=(),
                 undefined=(), made_grads=(), adopted_grads=()):
        keep = list(inputs) + list(outputs)
        keep += [c[1] for b in list(bindings) + [final_binding] for _, c in b if c[0] is not None]
        undefined = {id(a) for a in undefined}
        self.backups = _backups(code, inputs, undefined)   # put back by a failing guard
        code, self.n_inplace = plan(code, {id(_base(a)) for a in keep}, undefined,
                                    {id(_base(a)) for a in inputs})
        code, self.n_dense = dense_scalars(code)
        self.code = code                      # the instructions (recorder.py), planned
        self.inputs = inputs                  # the trace's own input buffers
        direct = _direct_inputs(code, inputs, outputs, contiguous)
        pinned = {id(_base(a)) for a in keep[:len(inputs) + len(outputs)]}
        self.made = tuple(made_grads)
        self.source, self.run = _generate(code, inputs, bindings, final_binding, direct,
                                          self.backups, self.made, tuple(adopted_grads),
                                          pinned)
        self.handed = self.run.__globals__["handed"]    # (kept.py)
        kept.register(self)
        self.n_calls = sum(1 for ins in code if ins[0] in ("call", "draw", "restore"))


def check_order(code, where=None):
    """None, or why the program cannot be replayed: a guard after a host call (or after
    a numbers call or an effect: these change Python state a failed guard cannot undo),
    named by `where` (Recorder.where: the user's construct and line) if it knows it."""
    host = None
    for ins in code:
        if host is None and ((ins[0] == "host" and not ins[5]) or ins[0] in ("numbers", "python")):
            host = ((where or {}).get((ins[0], id(ins[1])))
                    or getattr(ins[1], "__qualname__", ins[1]))
        elif ins[0] == "guard" and host is not None:
            return f"a value check at {ins[5]} after {host}"
    return None


def _direct_inputs(code, inputs, outputs, contiguous):
    """The inputs a replay can read where the caller's array is (no copy): C-contiguous
    at the trace (so the signature's strides match the buffer's), only ever named as
    themselves (no view of them is bound into the program), not returned."""
    from .plan import _mentions
    bases = {id(_base(o)) for o in outputs}
    viewed = set()
    for ins in code:
        for a in _mentions(ins):
            b = _base(a)
            if b is not a:
                viewed.add(id(b))
    return {id(buf): f"a{i}" for i, (buf, ok) in enumerate(zip(inputs, contiguous))
            if ok and id(buf) not in viewed and id(buf) not in bases}


def _backups(code, inputs, undefined):
    """The arrays a failing guard must put back: those written before the last guard
    that are not the program's own (its inputs' buffers, what its calls compute or
    draw, arrays made while tracing: ``np.zeros``' are restored, ``np.empty``'s are
    scratch), such as BatchNorm's running statistics. (Copying the GPT step's GELU and
    attention scratch too cost 20 MB of copies per replay.)"""
    last_guard = max((i for i, ins in enumerate(code) if ins[0] == "guard"), default=-1)
    own = {id(_base(a)) for a in inputs} | set(undefined)
    for ins in code:
        if ins[0] == "call":
            own.update(id(_base(o)) for o in ins[4])
        elif ins[0] in ("draw", "restore"):
            own.add(id(_base(ins[-1] if ins[0] == "draw" else ins[1])))
    backups = {}
    for ins in code[:last_guard]:
        if ins[0] == "call" and ins[5] == "effect":
            for a in _written(ins):
                b = _base(a)
                if id(b) not in own:
                    backups[id(b)] = b
    return list(backups.values())


class _Source:
    """The replay's source as it is written: its lines, and the namespace in which each
    object that a line names (an array, a function, a constant) is bound as ``c<n>``."""

    def __init__(self, direct):
        self.ns = {"copyto": np.copyto, "default_generator": creation.default_generator}
        self.names = dict(direct or {})
        self.lines = ["def replay(arrays):"]

    def emit(self, lines):
        self.lines += ["    " + line for line in lines]

    def ref(self, obj):
        """The name of `obj` in the replay (a literal for None, bools, ints, strings)."""
        t = type(obj)
        if obj is None or t is bool or t is int or t is str or t is Number:
            return repr(obj)
        key = id(obj)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"c{len(self.names)}"
            self.ns[name] = obj
        return name

    def expr(self, x):
        t = type(x)
        if t is tuple:
            return "(" + "".join(self.expr(i) + ", " for i in x) + ")"
        if t is list:
            return "[" + ", ".join(self.expr(i) for i in x) + "]"
        if t is dict:
            return "{" + ", ".join(f"{k!r}: {self.expr(v)}" for k, v in x.items()) + "}"
        return self.ref(x)

    def call(self, f, args, kwargs, extra=""):
        parts = [self.expr(a) for a in args] + [f"{k}={self.expr(v)}" for k, v in kwargs.items()]
        if extra:
            parts.append(extra)
        return f"{self.ref(f)}({', '.join(parts)})"

    def function(self):
        source = "\n".join(self.lines) + "\n"
        exec(compile(source, "<compiled step>", "exec"), self.ns)
        return source, self.ns["replay"]


def _generate(code, inputs, bindings, final_binding, direct=None, backups=(), made_grads=(),
              adopted_grads=(), pinned=frozenset()):
    """(the replay's source, the replay function) of planned `code`; `pinned`: the ids of
    the buffers of its inputs and outputs (kept.grad_lines)."""
    src = _Source(direct)
    src.emit(kept.grad_lines(src, made_grads, adopted_grads, pinned))
    undo = _prologue(src, code, inputs, backups)
    dead = _overwritten(code, bindings, final_binding)
    for ins in code:
        op = ins[0]
        if op == "call":
            src.emit(_call(src, *ins[1:]))
        elif op == "guard":
            src.emit(_guard(src, ins, undo))
        elif op == "host":
            _, fn, args, kwargs, index, _ = ins
            src.emit(_bind(src, bindings[index])
                     + ([src.call(fn, args, kwargs)] if id(ins) not in dead else []))
        else:
            src.emit(_OTHERS[op](src, ins))
    src.emit(_bind(src, final_binding) + ["return None"])
    kept.handed(src, made_grads)
    return src.function()


def cleared(ins, dropped=False):
    """The ids of the leaves whose ``.grad`` instruction `ins` drops or zeroes (only
    drops, ``set_to_none=True``, if `dropped`), if it is a call of an optimizer's or
    module's ``zero_grad``, else an empty set."""
    if ins[0] != "host" or getattr(ins[1], "__name__", None) != "zero_grad" or not ins[2]:
        return set()
    if dropped and not ins[3].get("set_to_none", ins[2][1] if len(ins[2]) > 1 else True):
        return set()
    owner = ins[2][0]
    if hasattr(owner, "param_groups"):
        return {id(p) for g in owner.param_groups for p in g["params"]}
    if hasattr(owner, "parameters"):
        return {id(p) for p in owner.parameters()}
    return set()


def _overwritten(code, bindings, final_binding):
    """The ids of the ``zero_grad(set_to_none=True)`` calls whose every leaf the next
    gradient binding (before the next Python call, or the last) sets again: between the
    two only numpy runs, so nothing sees the None (benchmarks/mlp_step.py's compiled
    B=16 step: 0.5 us)."""
    dead = set()
    for k, ins in enumerate(code):
        zeroed = cleared(ins, dropped=True)
        if not zeroed:
            continue
        after = next((bindings[i[4]] for i in code[k + 1:] if i[0] == "host"), final_binding)
        if zeroed <= {id(t) for t, _ in after}:
            dead.add(id(ins))
    return dead


def _prologue(src, code, inputs, backups):
    """Writes the replay's first lines: the inputs taken (read where they are, or copied
    into the trace's buffers), the backups saved and, if a guard follows a draw, the
    default generator's state; returns the lines that put those back."""
    lines = []
    for i, a in enumerate(inputs):
        if src.names.get(id(a)) == f"a{i}":
            lines.append(f"a{i} = arrays[{i}]")
        else:
            lines.append(f"copyto({src.ref(a)}, arrays[{i}])")
    saved = [(b, b.copy()) for b in backups]
    lines += [f"copyto({src.ref(copy)}, {src.ref(b)})" for b, copy in saved]
    last_guard = max((i for i, ins in enumerate(code) if ins[0] == "guard"), default=-1)
    draws_first = any(ins[0] in ("draw", "rng") for ins in code[:last_guard])
    if draws_first:
        lines.append("gen_state = default_generator().bit_generator.state")
    src.emit(lines)
    undo = [f"copyto({src.ref(b)}, {src.ref(copy)})" for b, copy in saved]
    if draws_first:
        undo.append("default_generator().bit_generator.state = gen_state")
    return undo


def _call(src, f, args, kwargs, outs, mode):
    """The lines of a recorded numpy call: into its output (``out=``, positional for a
    ufunc: no keyword parsing per call), or its result copied in."""
    if mode == "effect":
        out = kwargs.get("out")
        if (_positional_out(f, args, kwargs) and type(out) is tuple and len(out) == 1
                and len(kwargs) == 1):
            return [src.call(f, tuple(args) + out, {})]            # x += y
        return [src.call(f, args, kwargs)]
    if mode == "out":
        if _positional_out(f, args, kwargs) and not kwargs:
            return [src.call(f, tuple(args) + (outs[0],), {})]
        o = src.ref(outs[0]) if len(outs) == 1 else src.expr(tuple(outs))
        return [src.call(f, args, kwargs, f"out={o}")]
    if _is_cast(f, args, kwargs, outs):
        return [f"copyto({src.ref(outs[0])}, {src.expr(args[0])}, casting='unsafe')"]
    if _is_reshape_copy(f, args, kwargs, outs):
        # a reshape that had to copy: one pass into the output seen in x's shape
        return [f"copyto({src.ref(outs[0].reshape(args[0].shape))}, {src.ref(args[0])})"]
    if _is_select(f, args, kwargs, outs):
        # np.where(cond, x, y) selects: y, then x where cond (no new array)
        o, (cond, x, y) = src.ref(outs[0]), args
        return [f"copyto({o}, {src.expr(y)}, casting='unsafe')",
                f"copyto({o}, {src.expr(x)}, casting='unsafe', where={src.expr(cond)})"]
    if len(outs) == 1:
        return [f"copyto({src.ref(outs[0])}, {src.call(f, args, kwargs)})"]
    return ([f"r = {src.call(f, args, kwargs)}"]
            + [f"copyto({src.ref(o)}, r[{j}])" for j, o in enumerate(outs)])


def _guard(src, ins, undo):
    _, method, array, args, value, where = ins
    return ([f"if {src.call(method, (array,) + tuple(args), {})} != {src.ref(value)}:"]
            + ["    " + u for u in undo] + [f"    return {where!r}"])


def _restore(src, ins):
    if ins[2].flags.c_contiguous and not ins[2].view(np.uint8).any():
        # all bytes zero (np.zeros): a write only, not a copy's read and write
        return [f"{src.ref(ins[1])}.fill(0)"]
    return [f"copyto({src.ref(ins[1])}, {src.ref(ins[2])})"]


def _draw(src, ins):
    _, name, args, kwargs, out = ins
    text = ", ".join([src.expr(a) for a in args]
                     + [f"{k}={src.expr(v)}" for k, v in kwargs.items()])
    if name in ("random", "standard_normal") and "out" not in kwargs:
        sep = ", " if text else ""
        return [f"default_generator().{name}({text}{sep}out={src.ref(out)})"]
    return [f"copyto({src.ref(out)}, default_generator().{name}({text}))"]


def _numbers(src, ins):
    _, method, args, slot, n = ins
    names = "".join(f"n{slot}_{j}, " for j in range(n))
    text = f"{src.ref(method)}({', '.join(src.ref(a) for a in args)})"
    return [f"{names}= {text}" if n else text]


def _python(src, ins):
    return [src.call(ins[1], ins[2], ins[3])]


def _rng(src, ins):
    _, what, k = ins
    if what == "get":
        return [f"rng{k} = default_generator().bit_generator.state"]
    return [f"default_generator().bit_generator.state = rng{k}"]


_OTHERS = {"restore": _restore, "draw": _draw, "numbers": _numbers, "python": _python,
           "rng": _rng}


def _bind(src, binding):
    """The lines setting each parameter's ``.grad`` Tensor as the trace had it: a binding
    holds (leaf, cell), a cell [the Tensor a replay binds, its array]."""
    return [f"for t, c in {src.ref(binding)}:", "    t.grad = c[0]"] if binding else []


_KEYWORD_OUT = {np.maximum, np.minimum, np.fmax, np.fmin}   # positional out deprecated


def _positional_out(f, args, kwargs):
    """True if ufunc call f(*args) may take its one output as a positional argument
    (no keyword parsing per call)."""
    return (type(f) is np.ufunc and f.nout == 1 and len(args) == f.nin
            and f not in _KEYWORD_OUT)
_CASTS = {np.ndarray.astype, np.ndarray.copy, np.array, np.asarray, np.ascontiguousarray,
          np.asanyarray}


def _is_cast(f, args, kwargs, outs):
    """A copy or dtype conversion of one array: replayed as copyto(out, x, 'unsafe')."""
    return (f in _CASTS and len(outs) == 1 and args and isinstance(args[0], np.ndarray)
            and args[0].shape == outs[0].shape
            and set(kwargs) <= {"dtype", "copy", "order", "casting"})


def _is_reshape_copy(f, args, kwargs, outs):
    return (f is np.ndarray.reshape and len(outs) == 1 and outs[0].flags.c_contiguous
            and isinstance(args[0], np.ndarray) and kwargs.get("order", "C") == "C"
            and outs[0].size == args[0].size)


def _is_select(f, args, kwargs, outs):
    return (f is np.where and len(args) == 3 and not kwargs and len(outs) == 1
            and isinstance(args[0], np.ndarray) and args[0].dtype == bool)


def _written(ins):
    _, f, args, kwargs, _outs, _mode = ins
    out = kwargs.get("out")
    if out is not None:
        return [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
    return [args[0]] if args and isinstance(args[0], np.ndarray) else []
