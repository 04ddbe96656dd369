"""The Recorder: turns the numpy calls of a traced step into instructions.

An instruction is a tuple whose first item says what it is:

- ``("call", f, args, kwargs, outs)``: ``f(*args, **kwargs)`` on plain arrays; `outs`
  are the arrays the call computed (it is replayed with ``out=`` when `f` takes one,
  else its result is copied into them), or ``()`` for a call that writes in place
  (``out=`` given, ``x[i] = v``, ``ufunc.at``) or returns nothing.
- ``("restore", buffer, snapshot)``: an array made while tracing (``np.zeros``) is
  written in place below: put back its made-while-tracing value first.
- ``("guard", method, array, args, value, where)``: gradgraph's own code read a value
  (``if (target < 0).any(): raise``); a replay whose read differs stops before any state
  is touched and the step runs eagerly.
- ``("draw", name, args, kwargs, out)``: ``default_generator().<name>(...)`` redrawn.
- ``("rng", "get" or "set", k)``: the default generator's state read by gradgraph's
  code into the replay's local ``rng<k>``, or set back to it (``nn.utils.checkpoint``
  redrawing dropout's masks in backward).
- ``("host", fn, args, kwargs, index, idempotent)``: a call replayed as a Python call
  (a scheduler's ``step``, ``zero_grad``), after the gradients bound at its time in the
  trace (binding `index`) are set on the parameters.
- ``("numbers", method, args, slot, n)``: a ``jit.numbers`` method called again; its
  `n` results are the replay's locals ``n<slot>_<j>``, which the calls of an inlined
  section (an optimizer's ``step``, see ``jit.replayed``) name as ``Number``s where the
  trace passed those very objects.
- ``("python", fn, args, kwargs)``: a ``replayed(effect=True)`` function called again
  on the same arrays (a version-counter bump).
"""
import dis
import inspect

import numpy as np

from ..errors import user_frame
from . import tracer
from .tracer import TraceArray, _asarray, has_tracer, plain, traced

# Functions whose result says nothing about array values.
_META = {np.shape, np.ndim, np.size, np.result_type, np.may_share_memory, np.shares_memory,
         np.iscomplexobj, np.isrealobj, np.isscalar, np.iterable, np.min_scalar_type,
         np.can_cast, np.broadcast_shapes}
# Functions whose results' shapes depend on values.
_DATA_SHAPED = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.compress, np.extract,
                np.trim_zeros}
_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}
_METHODS_WITH_OUT = {"sum", "mean", "max", "min", "prod", "any", "all", "argmax", "argmin",
                     "cumsum", "cumprod", "clip", "round", "dot", "take", "std", "var",
                     "trace", "choose"}
_INPLACE_METHODS = {"__setitem__", "fill", "put", "sort", "partition"}
_INPLACE_FUNCTIONS = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis}
_takes_out = {}


def takes_out(f):
    """True if numpy function `f` has an ``out`` parameter."""
    got = _takes_out.get(f)
    if got is None:
        try:
            got = "out" in inspect.signature(f).parameters
        except (TypeError, ValueError):
            got = False
        _takes_out[f] = got
    return got


def _base(a):
    """The array owning `a`'s memory; through as_strided's wrapper object too."""
    while True:
        b = a.base
        if b is not None and not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)
        if not isinstance(b, np.ndarray):
            return a
        a = b


class Recorder:
    """Collects the instructions of one traced step (see the module docstring)."""

    def __init__(self, strict=False):
        self.code = []
        self.strict = strict
        self.paused = False
        self.escapes = []           # 'construct (at file:line)' that cannot be replayed
        self.consts = {}            # id(buffer) -> buffer, for arrays made while tracing
        self.undefined = {}         # the same for np.empty's (contents undefined)
        self.snapshots = {}         # id(buffer) -> made-while-tracing value, once written
        self.made_at = {}           # id(buffer) -> [its snapshot]: its restore's place (finish)
        self.bindings = []          # per host call: what the sync callback returned
        self.sync = None            # callable() -> the gradient bindings now
        self.section = None         # the _Section being inlined, if any
        self.inlined = []           # (inline, args, kwargs, key) of each inlined call
        self.where = {}             # (kind, id(function)) of a host, numbers or python
        #                             instruction -> the user's construct and line that
        #                             first made one (check_order)
        self.n_numbers = 0
        self.written = set()        # id(base buffer) of every array written in place
        self.marks = []             # (base buffer, op) of each versions.mark_modified
        self.states = {}            # id(a generator state read) -> (its slot, the state)
        self.caller = None          # the frame that calls the step (returned_read)
        self.returned = None        # (array, method, args, value): a read the step returns

    # --- numpy calls -----------------------------------------------------------------
    def run(self, f, args, kwargs):
        """f on plain arrays, with recording paused: what numpy does inside (numpy's own
        calls to np.empty, say) is not part of the step."""
        self.paused = True
        try:
            return f(*plain(args), **plain(kwargs))
        finally:
            self.paused = False

    def function(self, func, args, kwargs):
        if func in _META:
            return func(*plain(args), **plain(kwargs))
        if (func in _DATA_SHAPED or (func is np.where and len(args) == 1 and not kwargs)
                or (func is np.repeat and has_tracer((args[1:], kwargs.get("repeats"))))):
            self.escape(f"np.{func.__name__} (a data-dependent shape)")
        if func in _LIKE:
            return self.const(self.run(func, args, kwargs), undefined=func is np.empty_like)
        if func in _INPLACE_FUNCTIONS:
            self._before_write(args[0])
        self._before_write(kwargs.get("out"))
        result = self.run(func, args, kwargs)
        if result is not None and not _has_array(result):
            self.read(f"np.{func.__name__}", None, func, (args, kwargs), result)
            return result
        return self._finish(func, args, kwargs, result, "function")

    def call(self, f, args, kwargs, kind, name):
        if name.endswith(".at") or (kind == "method" and name in _INPLACE_METHODS):
            self._before_write(args[0])
        self._before_write(kwargs.get("out"))
        result = self.run(f, args, kwargs)
        return self._finish(f, args, kwargs, result, kind, name)

    def kernel(self, fn, args, kwargs, writes):
        """A jit.kernel function: one call, replayed as it is (see jit.kernel)."""
        for i in writes:
            self._before_write(args[i])
        result = self.run(fn, args, kwargs)
        if result is None:
            self._emit_write(fn, plain(args), plain(kwargs))
            return None
        return self._finish(fn, args, kwargs, result, "function")

    def _finish(self, f, args, kwargs, result, kind, name=None):
        pargs, pkw = plain(args), plain(kwargs)
        out = kwargs.get("out")
        if kind == "ufunc" and name.endswith(".at"):
            self._emit_write(f, pargs, pkw)
            return None
        if out is not None or (kind == "method" and name in _INPLACE_METHODS) or result is None:
            self._emit_write(f, pargs, pkw)
            if out is not None:
                return out[0] if isinstance(out, tuple) and len(out) == 1 else out
            return result
        outs = result if type(result) in (tuple, list) else (result,)
        outs = [_asarray(r) if isinstance(r, np.generic) else r for r in outs]
        if kind != "ufunc" and not (kind == "method" and name in _METHODS_WITH_OUT):
            sources = [a for a in _flat(pargs) if isinstance(a, np.ndarray)]
            if all(isinstance(r, np.ndarray) and any(np.may_share_memory(r, s) for s in sources)
                   for r in outs):                  # views of their inputs: nothing to redo
                return _rewrap(result, outs)
        mode = ("out" if kind == "ufunc" or (kind == "method" and name in _METHODS_WITH_OUT)
                or (kind == "function" and takes_out(f)) else "copy")
        if kind == "method" and name in _AS_REDUCE:
            f, pargs, pkw = _as_reduce(name, pargs, pkw)
        if self.section is not None:
            pargs, pkw = self.section.resolve(pargs, pkw)
        self.code.append(("call", f, pargs, pkw, tuple(outs), mode))
        return _rewrap(result, outs)

    def _before_write(self, target):
        """`target` (an array or a tuple of them) is about to be written in place: if it
        is (a view of) an array made while tracing, keep its value to restore first."""
        for t in (target if type(target) is tuple else (target,)):
            if isinstance(t, np.ndarray):
                b = _base(plain(t))
                if (type(t) is np.ndarray and id(b) not in self.consts
                        and id(b) not in self.undefined):
                    # made where numpy is not traced (np.zeros in the user's step): whether a
                    # replay must start it from its made value or from the last call's is
                    # unknown (a local buffer, or the user's accumulator)
                    self.escape("an in-place write of traced values into a numpy array made "
                                "outside the traced code (np.zeros(...) then -= in the step)")
                self.written.add(id(b))
                if id(b) in self.consts and id(b) not in self.snapshots:
                    snap = self.snapshots[id(b)] = b.copy()
                    cell = self.made_at.get(id(b))
                    if cell is not None:
                        cell[0] = snap      # restored where it was made (finish)
                    else:
                        self.code.append(("restore", b, snap))

    def _emit_write(self, f, pargs, pkw):
        if self.section is not None:
            pargs, pkw = self.section.resolve(pargs, pkw)
        self.code.append(("call", f, pargs, pkw, (), "effect"))

    def const(self, arr, undefined=False):
        """A TraceArray over `arr`, an array made while tracing from no traced value. One
        whose contents are `undefined` (``np.empty``) is not restored before a write: no
        correct step reads it before writing it."""
        if isinstance(arr, np.generic):
            arr = _asarray(arr)
        if not isinstance(arr, np.ndarray):
            return arr
        if type(arr) is TraceArray:
            return arr
        b = _base(arr)
        if undefined:
            self.undefined[id(b)] = b
        elif id(b) not in self.consts:
            self.consts[id(b)] = b
            # a replay puts its made value back here, before any read, if it is written
            # in place later: restored at the first write, a read before it (x - j, then
            # x -= ...) saw the last replay's values (a max-pool index, silently wrong)
            cell = self.made_at[id(b)] = [None]
            self.code.append(("restore", b, cell))
        return traced(arr)

    def finish(self):
        """After the trace: the restores of the arrays made while tracing and written in
        place take their snapshots; those of the others go."""
        self.code = [ins if ins[0] != "restore" or type(ins[2]) is not list
                     else ("restore", ins[1], ins[2][0])
                     for ins in self.code
                     if not (ins[0] == "restore" and type(ins[2]) is list and ins[2][0] is None)]

    def scratch(self, arr):
        """Mark `arr`'s buffer, made before the trace, as scratch: its contents are
        undefined before each step (an optimizer's workspace), like ``np.empty``'s."""
        b = _base(arr)
        if id(b) not in self.consts:
            self.undefined[id(b)] = b

    def made(self, arr):
        """True if plain array `arr` was made while tracing (``const``)."""
        b = id(_base(arr))
        return b in self.consts or b in self.undefined

    # --- values read by Python code ---------------------------------------------------
    def read(self, construct, array, method, args, value):
        own, where, via, frame = tracer.reader()
        if own and array is not None:
            self.code.append(("guard", method, array, args, value, where))
        elif array is not None and self.returned is None and _returns_at_once(frame, self.caller):
            self.returned = (array, method, args, value)
        else:
            self.escape(f"{via or construct} (at {where})")

    def escape(self, what):
        if "(at " not in what:
            what = f"{what} (at {tracer.reader_frame()[1]})"
        if self.strict:
            raise tracer.Escape(f"compile: the step cannot be replayed: {what}; run it "
                                f"eagerly (strict=False falls back with a warning)")
        self.escapes.append(what)

    # --- randomness and host calls ----------------------------------------------------
    def draw(self, generator, name, args, kwargs):
        result = self.run(getattr(generator, name), args, kwargs)
        if isinstance(result, np.generic):
            result = _asarray(result)
        if not isinstance(result, np.ndarray):
            self.escape(f"default_generator().{name}() giving a Python number")
            return result
        self.code.append(("draw", name, args, kwargs, result))
        return traced(result)

    def generator_state(self, state):
        """gradgraph's code read the default generator's `state` (a fresh dict): a replay
        reads it again at this point, into a local."""
        k = len(self.states)
        self.states[id(state)] = (k, state)
        self.code.append(("rng", "get", k))

    def set_generator_state(self, state):
        """The default generator's state is set to `state`: a replay sets it to what it
        read at the same point. False (nothing recorded) if `state` is not one read
        inside the step: a constant a replay could not set as eager does."""
        got = self.states.get(id(state))
        if got is None or got[1] is not state:
            return False
        self.code.append(("rng", "set", got[0]))
        return True

    def host_call(self, fn, args, kwargs, idempotent=False, inline=None):
        if (has_tracer(args) or has_tracer(kwargs) or any(callable(a) for a in args[1:])
                or _has_traced_tensor(args) or _has_traced_tensor(kwargs.values())):
            self.escape(f"{getattr(fn, '__qualname__', fn)} with a closure or traced arguments")
        self.bindings.append(self.sync() if self.sync is not None else ())
        host = ("host", fn, args, kwargs, len(self.bindings) - 1, idempotent)
        self._note(host, f"{_owner(args)}{fn.__name__}()" if hasattr(fn, "__name__") else fn)
        key = None
        if inline is not None and self.section is None:
            self.paused = True          # what decides the branches is read again by replays
            try:
                key = inline(*args, **kwargs)
            finally:
                self.paused = False
        if key is not None:
            return self._inline(fn, args, kwargs, host, (inline, args, kwargs, key))
        self.code.append(host)
        self.paused = True
        try:
            return fn(*args, **kwargs)
        finally:
            self.paused = False

    def _inline(self, fn, args, kwargs, host, inlined):
        """`fn` run with recording on, its numpy calls kept in the program when every
        Python number they were given came from a ``numbers`` method; else the calls
        are dropped and `host`, a Python call of the replay, stands for them."""
        start, snapshots = len(self.code), set(self.snapshots)
        self.section = _Section()
        try:
            result = fn(*args, **kwargs)
        finally:
            section, self.section = self.section, None
        if section.why is None:
            self.inlined.append(inlined)
        else:
            for ins in self.code[start:]:   # made in the section: restored at a later write
                if ins[0] == "restore" and type(ins[2]) is list:
                    del self.made_at[id(ins[1])]
            del self.code[start:]
            for k in set(self.snapshots) - snapshots:
                del self.snapshots[k]
                if k in self.made_at:               # made before it: not written yet
                    self.made_at[k][0] = None
            self.code.append(host)
        return result

    def numbers(self, method, args):
        self.paused = True
        try:
            values = method(*args)          # on the very dicts: it may count steps
        finally:
            self.paused = False
        if self.section is None:
            return values
        # fresh float objects: a number is recognised by identity in the calls below
        values = tuple(v * 1.0 if type(v) is float else v for v in values)
        slot = self.n_numbers
        self.n_numbers += 1
        for j, v in enumerate(values):
            self.section.register(v, Number(slot, j))
        self.code.append(("numbers", method, args, slot, len(values)))
        bound = getattr(method, "__self__", None)
        self._note(self.code[-1], f"{_owner(args if bound is None else (bound,))}step()")
        return values

    def effect(self, fn, args, kwargs):
        self.code.append(("python", fn, plain(args), plain(kwargs)))
        self._note(self.code[-1], f"{getattr(fn, '__qualname__', fn)}()")
        return self.run(fn, args, kwargs)

    def _note(self, ins, construct):
        """What the user wrote that made instruction `ins`, for a warning: 'Adam.step() at
        train.py:12' (the line past gradgraph's frames)."""
        self.where.setdefault((ins[0], id(ins[1])), f"{construct} at {user_frame()}")


def _owner(args):
    """'Adam.' for a call whose first argument is an Adam optimizer (its self), else ''."""
    return f"{type(args[0]).__name__}." if args and args[0] is not None else ""


def _has_traced_tensor(values, depth=0):
    """True if a Tensor among `values`, or in the lists, tuples, sets and dicts among
    them, holds a traced array (a replay would hand a Python call the trace's tensor,
    whose buffer the program may have reused since)."""
    for v in values:
        if isinstance(getattr(v, "data", None), TraceArray):
            return True
        t = type(v)
        if depth < 8 and t in (tuple, list, set, frozenset, dict) and _has_traced_tensor(
                v.values() if t is dict else v, depth + 1):
            return True
    return False


class Number:
    """Result `j` of the numbers call in `slot`, as an argument of a recorded call."""
    __slots__ = ("slot", "j")

    def __init__(self, slot, j):
        self.slot, self.j = slot, j

    def __repr__(self):
        return f"n{self.slot}_{self.j}"


def _returns_at_once(frame, caller):
    """True if `frame`, where a value was read, is the step's own (called by `caller`)
    and returns the value read at once (``return loss.item()``): no Python of the step
    runs after the read, so a replay can return the value read from its own array."""
    if frame is None or caller is None or frame.f_back is not caller:
        return False
    key = (frame.f_code, frame.f_lasti)
    got = _RETURNS.get(key)
    if got is None:
        # f_lasti is at the call or its inline cache entries (not listed), or at the
        # PRECALL before it (Python 3.11 calls a builtin class, float(t), from there)
        ins = [i.opname for i in dis.get_instructions(frame.f_code)] + [None, None]
        at = max((k for k, i in enumerate(dis.get_instructions(frame.f_code))
                  if i.offset <= frame.f_lasti), default=-1)
        at += ins[at] == "PRECALL" and ins[at + 1] == "CALL"
        got = _RETURNS[key] = at >= 0 and ins[at] == "CALL" and ins[at + 1] == "RETURN_VALUE"
    return got


_RETURNS = {}                   # (code, offset) -> _returns_at_once's answer
_AMBIGUOUS = object()
_NUMBER_TYPES = (int, float, np.number)


def _is_number(x):
    return isinstance(x, _NUMBER_TYPES) and not isinstance(x, (bool, np.bool_))


class _Section:
    """The numbers of an inlined call and the ``Number`` each stands for; `why` says
    why the call cannot be inlined (a number from elsewhere), or is None."""

    def __init__(self):
        self.by_id = {}
        self.alive = []             # the numbers themselves: their ids stay theirs
        self.why = None

    def register(self, value, number):
        if not _is_number(value):
            return
        self.alive.append(value)
        k = id(value)
        self.by_id[k] = _AMBIGUOUS if k in self.by_id else number

    def resolve(self, args, kwargs):
        """`args` and `kwargs` with each registered number as its ``Number``."""
        return tuple(self._one(a) for a in args), {k: self._one(v) for k, v in kwargs.items()}

    def _one(self, x):
        t = type(x)
        if t is tuple or t is list:
            return t(self._one(i) for i in x)
        if not _is_number(x):
            return x
        got = self.by_id.get(id(x))
        if got is None or got is _AMBIGUOUS:
            self.why = f"the number {x!r} passed to numpy does not come from a numbers method"
            return x
        return got


# ndarray.sum/max/min are numpy's Python wrappers around these reductions, called with
# the same arguments (numpy/_core/_methods.py): replayed directly, one frame less.
_AS_REDUCE = {"sum": (np.add.reduce, ("axis", "dtype", "out", "keepdims")),
              "max": (np.maximum.reduce, ("axis", "out", "keepdims")),
              "min": (np.minimum.reduce, ("axis", "out", "keepdims"))}


def _as_reduce(name, args, kwargs):
    """(f, args, kwargs) of an ndarray.sum/max/min call as the ufunc reduction it runs,
    or unchanged if it uses arguments that have no plain counterpart (initial, where)."""
    reduce, names = _AS_REDUCE[name]
    method = getattr(np.ndarray, name)
    given = dict(zip(names, args[1:]))
    if len(args) - 1 > len(names) or set(kwargs) - set(names) or set(given) & set(kwargs):
        return method, args, kwargs
    given.update(kwargs)
    given.setdefault("axis", None)
    if "dtype" not in names:
        given["dtype"] = None
    given.pop("out", None)
    return reduce, (args[0],), given


def _has_array(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return True
    if type(x) in (tuple, list):
        return any(_has_array(i) for i in x)
    return False


def _flat(x):
    if type(x) in (tuple, list):
        for i in x:
            yield from _flat(i)
    elif type(x) is dict:
        for i in x.values():
            yield from _flat(i)
    else:
        yield x


def _rewrap(result, outs):
    if type(result) in (tuple, list):
        return type(result)(traced(r) if isinstance(r, np.ndarray) else r for r in outs)
    r = outs[0]
    return traced(r) if isinstance(r, np.ndarray) else r


def _arrays(x):
    """The ndarrays in an instruction's arguments (nested in tuples, lists, dicts)."""
    t = type(x)
    if isinstance(x, np.ndarray):
        yield x
    elif t is tuple or t is list:
        for i in x:
            yield from _arrays(i)
    elif t is dict:
        for i in x.values():
            yield from _arrays(i)


def _mentions(ins):
    op = ins[0]
    if op == "call":
        return list(_arrays((ins[2], ins[3], ins[4])))
    if op == "guard":
        return list(_arrays((ins[2], ins[3])))
    if op == "draw":
        return list(_arrays((ins[2], ins[3], ins[4])))
    if op == "restore":
        return [ins[1], ins[2]]
    if op == "python":
        return list(_arrays((ins[2], ins[3])))
    return []
