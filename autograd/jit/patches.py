"""What is swapped in while a step is traced, and put back after.

- numpy's array makers (``np.zeros``, ``np.array``, ...) as gradgraph's own modules see
  them (their ``np`` global becomes a proxy of numpy): an array gradgraph makes inside
  the step becomes a TraceArray, so what is later computed from it (or written into
  it) is recorded too; ``np.array(traced)`` is recorded as a copy. numpy itself and
  the user's code are untouched.
- the default generator: a proxy whose draws are recorded, so a replay redraws them.
- numpy's conversions to a plain ndarray (``np.asarray``, ``np.array``, ...) as everyone
  calls them through the ``numpy`` module: given a traced array or a tensor on one in
  the user's step, the step falls back (see _exporting).
- ``builtins.next``: an iterator the user's step advances for new data (a batch) makes
  the step fall back (see _tracing_next).
- ``versions.mark_modified`` as gradgraph's modules call it: each in-place write's mark
  is noted (``Recorder.marks``), so that a replay marks the buffers that outlive the
  step as eager does (``step.py``).
"""
import builtins
import os
import sys
import sysconfig
import types

import numpy as np

from .. import creation, versions
from ..errors import own_file, user_frame
from ..tensor import Tensor
from .tracer import TraceArray, active, export, has_tracer, plain, reader_frame, traced

_MAKERS = ("zeros", "ones", "empty", "full", "array", "asarray", "asanyarray",
           "ascontiguousarray", "arange", "eye", "identity", "linspace", "copy")
_DRAWS = ("random", "standard_normal", "normal", "uniform", "integers", "permutation",
          "choice", "exponential", "binomial", "poisson", "bytes", "standard_gamma")


# the arguments of a maker that size its result (positions, names)
_SIZES = {"zeros": ((0,), ("shape",)), "ones": ((0,), ("shape",)), "empty": ((0,), ("shape",)),
          "full": ((0,), ("shape",)), "arange": ((0, 1, 2), ("start", "stop", "step")),
          "eye": ((0, 1, 2), ("N", "M", "k")), "identity": ((0,), ("n",)),
          "linspace": ((2,), ("num",))}


def _untensor(x):
    """`x` with each Tensor on a traced array (and requiring no grad: numpy's conversion
    refuses those, as in eager) as that array, in tuples and lists too."""
    t = type(x)
    if t is tuple or t is list:
        return t(_untensor(i) for i in x)
    data = getattr(x, "data", None)
    if type(data) is TraceArray and isinstance(x, Tensor) and x._node is None:
        return data
    return x


def _sizes_read(rec, name, args, kwargs):
    """A size given to maker `name` as a traced value (``ag.arange(n)`` with a tensor
    `n`): numpy reads it inside its call, where a trace sees nothing, so the size would
    be a constant of the program. It is read here instead (a guard in gradgraph's code,
    a fallback in the user's step); True if one was."""
    positions, names = _SIZES[name]
    sizes = [args[i] for i in positions if i < len(args)] + [kwargs[k] for k in names
                                                             if k in kwargs]
    found = False
    for v in sizes:
        for a in (v if type(v) in (tuple, list) else (v,)):
            if type(a) is TraceArray:
                found = True
                a._read(f"np.{name}() sized by a tensor's value", np.ndarray.item)
    return found


def _maker(name, original):
    def make(*args, **kwargs):
        rec = active()
        if rec is None or rec.paused:
            return original(*plain(args), **plain(kwargs))
        args, kwargs = _untensor(args), {k: _untensor(v) for k, v in kwargs.items()}
        if name in _SIZES and _sizes_read(rec, name, args, kwargs):
            rest = (args[1:2] if name == "full" else args[:2] if name == "linspace" else ())
            rest += tuple(v for k, v in kwargs.items() if k in ("fill_value", "start", "stop"))
            if not has_tracer(rest):        # nothing else traced: a constant of this size
                return rec.const(rec.run(original, args, kwargs), undefined=name == "empty")
        outside = bool(args) and type(args[0]) is np.ndarray and not rec.made(args[0])
        if has_tracer(args) or has_tracer(kwargs) or outside:
            result = rec.run(original, args, kwargs)
            sources = [a for a in (plain(args[0]),) if isinstance(a, np.ndarray)] if args else []
            if isinstance(result, np.ndarray) and any(np.may_share_memory(result, s)
                                                       for s in sources):
                # asarray(traced): the same memory; asarray(an outside array): as before
                return rec.const(result) if outside else traced(result)
            # a copy of a traced array, or of one from outside the step (a numpy array in
            # the closure that the user changes between calls): copied again by a replay
            rec.code.append(("call", original, plain(args), plain(kwargs), (result,), "copy"))
            return traced(result)
        return rec.const(rec.run(original, args, kwargs), undefined=name == "empty")
    make.__name__ = name
    make.__wrapped__ = original
    return make


_DISPATCHED = type(np.concatenate)      # functions that call __array_function__


class RecordingNumpy:
    """numpy (or one of its submodules) as gradgraph's code sees it while tracing: the
    array makers record (see _maker); a function that does not dispatch to
    ``__array_function__`` (``np.lib.stride_tricks.as_strided``) is recorded as a call,
    or, when it returns a view of a traced array, gives a traced view."""

    def __init__(self, module=np):
        self._module = module
        if module is np:
            for name in _MAKERS:
                setattr(self, name, _maker(name, getattr(np, name)))

    def __getattr__(self, name):
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):
            wrapped = RecordingNumpy(attr) if attr.__name__.startswith("numpy") else attr
        elif (isinstance(attr, (types.FunctionType, types.BuiltinFunctionType))
              and type(attr) is not _DISPATCHED):
            wrapped = _undispatched(attr)
        else:
            wrapped = attr
        setattr(self, name, wrapped)           # looked up once per trace
        return wrapped


def _undispatched(f):
    def call(*args, **kwargs):
        rec = active()
        if rec is None or rec.paused or not (has_tracer(args) or has_tracer(kwargs)):
            return f(*args, **kwargs)
        result = rec.run(f, args, kwargs)
        if not isinstance(result, np.ndarray):
            return result
        sources = [a for a in plain(list(args)) if isinstance(a, np.ndarray)]
        if not any(np.may_share_memory(result, s) for s in sources):
            rec.code.append(("call", f, plain(args), plain(kwargs), (result,), "copy"))
        return traced(result)
    call.__name__ = f.__name__
    return call


# numpy's conversions that give a plain ndarray of a traced array's memory (or a copy):
# numpy calls no hook of an ndarray subclass for them
_EXPORTS = ("array", "asarray", "ascontiguousarray", "asfortranarray", "frombuffer")


def _exporting(name, original):
    """np.<name> while a step is traced: made in the user's step from a traced array or a
    tensor on one (``np.asarray(t.data)``, ``np.asarray(t)``), a plain ndarray is out of
    the trace's sight (its reads would be constants of the program, its writes not
    replayed), so the step falls back, naming the line. (The user's names bound to numpy's
    functions before the trace, ``from numpy import asarray``: aliasing.rebind.)"""
    def convert(*args, **kwargs):
        rec = active()
        if rec is not None and not rec.paused and args and _holds_traced(args[0], 0):
            own, where, _ = reader_frame()
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename.startswith(_NUMPY):
                f = f.f_back            # (called by numpy's function: by its caller)
            if f is not None and f is not sys._getframe(1):
                own, where = own_file(f.f_code.co_filename), user_frame(f)
            if not own:
                rec.escape(f"np.{name}() of a tensor's memory (at {where}): numpy arrays "
                           f"made from it are not traced (use the tensor, or t.data, with "
                           f"numpy calls)")
                result = original(*args, **kwargs)
                export(result)
                return result
        return original(*args, **kwargs)
    convert.__name__ = name
    convert.__wrapped__ = original
    return convert


def _numpy_modules():
    return [m for name, m in list(sys.modules.items())
            if m is not None and (name == "numpy" or name.startswith("numpy."))]


def _holds_traced(x, depth):
    """True if `x` is a traced array or a tensor on one, or a list or tuple holding one
    (``np.array([t.data, ...])``)."""
    if type(x) is TraceArray or type(getattr(x, "data", None)) is TraceArray:
        return True
    return (depth < 4 and type(x) in (list, tuple)
            and any(_holds_traced(v, depth + 1) for v in x))


def _own_modules():
    """gradgraph's modules that use numpy as the global ``np`` (not this package)."""
    return [m for name, m in list(sys.modules.items())
            if (name.split(".")[0] in ("autograd", "nn", "viz") and m is not None
                and getattr(m, "np", None) is np and not name.startswith(__package__))]


class RecordingGenerator:
    """Stands for the default generator while tracing: its draws are recorded."""

    def __init__(self, generator):
        self.generator = generator

    def __getattr__(self, name):
        attr = getattr(self.generator, name)
        if name not in _DRAWS:
            rec = active()
            if name == "bit_generator" and rec is not None and not rec.paused:
                return _WatchedBits(attr)
            return attr

        def draw(*args, **kwargs):
            rec = active()
            if rec is None or rec.paused:
                return attr(*args, **kwargs)
            return rec.draw(self.generator, name, args, kwargs)
        return draw


class _WatchedBits:
    """The default generator's bit generator while tracing. gradgraph's own code may
    read its state and set it back to a state it read inside the step: both are
    recorded, and a replay reads and sets the state where the trace did
    (``nn.utils.checkpoint`` redraws dropout's masks in backward this way, from the
    state its forward read in the same replay). Its state read by the user's code (a
    constant of the trace), set to one not read inside the step (a replay could not set
    it as eager does), or any other use of it makes the step fall back."""
    __slots__ = ("bits",)

    def __init__(self, bits):
        object.__setattr__(self, "bits", bits)

    @property
    def state(self):
        rec = active()
        state = self.bits.state
        if rec is not None and not rec.paused:
            if reader_frame()[0]:
                rec.generator_state(state)
            else:
                rec.escape("the default generator's state read or set inside the step (read "
                           "by the step: a constant of the program)")
        return state

    @state.setter
    def state(self, value):
        rec = active()
        if rec is not None and not rec.paused and not rec.set_generator_state(value):
            rec.escape("the default generator's state read or set inside the step (set to "
                       "one not read inside it: a replay would not set it)")
        self.bits.state = value

    def __getattr__(self, name):
        rec = active()
        if rec is not None and not rec.paused:
            rec.escape(f"the default generator's state read or set inside the step "
                       f"(bit_generator.{name})")
        return getattr(self.bits, name)

    def __setattr__(self, name, value):
        if name == "state":
            object.__setattr__(self, name, value)       # the property's setter
            return
        rec = active()
        if rec is not None and not rec.paused:
            rec.escape(f"the default generator's state read or set inside the step "
                       f"(bit_generator.{name} set)")
        setattr(self.bits, name, value)


def _other_generator(getattr_):
    """An ag.Generator other than the default one drawing inside the step: its draws
    would be constants of the trace, so the step cannot be replayed."""
    def attribute(self, name):
        rec = active()
        if name in _DRAWS and rec is not None and not rec.paused:
            rec.escape(f"a draw from a Generator other than the default one ({name})")
        return getattr_(self, name)
    return attribute


def _noting(mark_modified):
    def mark(array, op="an in-place op"):
        rec = active()
        if rec is not None and not rec.paused:
            rec.marks.append((versions.base_of(array), op))   # plain: keeps no TraceArray
        return mark_modified(array, op)
    mark.__wrapped__ = mark_modified
    return mark


_next = builtins.next
_STDLIB = sysconfig.get_paths()["stdlib"]
_NUMPY = os.path.dirname(np.__file__) + os.sep


def _fresh(value, depth=0):
    """True if `value` holds data a trace does not follow: an array or a tensor on one
    that is not traced, or a Python number (in tuples, lists and dicts too)."""
    t = type(value)
    if t in (int, float, complex) or (isinstance(value, np.ndarray) and t is not TraceArray):
        return True
    if isinstance(value, Tensor):
        return type(value.data) is not TraceArray
    if depth < 4 and t in (tuple, list):
        return any(_fresh(v, depth + 1) for v in value)
    if depth < 4 and t is dict:
        return any(_fresh(v, depth + 1) for v in value.values())
    return False


def _made(rec):
    """How many arrays and instructions the trace has made so far (0 when not tracing)."""
    return 0 if rec is None else len(rec.code) + len(rec.consts) + len(rec.undefined)


def _tracing_next(iterator, *default):
    """builtins.next while a step is traced: an iterator advanced by the user's step
    (``x, y = next(batches)``) gives each call new data, which a replay would not fetch
    (it would train on the traced batch), so the step falls back; so does one whose
    advance made arrays or recorded calls (a generator building each batch,
    ``yield ag.tensor(np_x)``: the trace would keep that batch as a constant). Values
    the trace follows (``next(iter(model.parameters()))``) are fine."""
    rec = active()
    made = _made(rec)
    value = _next(iterator, *default)
    if rec is not None and not rec.paused and (_fresh(value) or _made(rec) != made):
        caller = sys._getframe(1).f_code.co_filename
        own, where, _ = reader_frame()
        if not own and not caller.startswith(_STDLIB):
            rec.escape(f"next() of an iterator inside the step (at {where}): a replay would "
                       f"not fetch its next values (pass them to the step as arguments)")
    return value


def _state(g):
    return g.bit_generator.state if isinstance(g, np.random.Generator) else g.get_state()


def _same_state(a, b):
    if type(a) is dict:
        return type(b) is dict and a.keys() == b.keys() and all(
            _same_state(a[k], b[k]) for k in a)
    if type(a) is tuple:
        return type(b) is tuple and len(a) == len(b) and all(map(_same_state, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


class Patched:
    """Context manager: numpy's makers and the default generator swapped for tracing.
    `generators` are numpy Generators (and RandomStates) the step reaches: one that
    drew while tracing makes the step fall back (its draws would be constants)."""

    def __init__(self, generators=()):
        default = creation.default_generator()
        own = (np.random.mtrand._rand, default, getattr(default, "_rng", None))
        self.numpy_generators = [g for g in generators if all(g is not o for o in own)]

    def __enter__(self):
        self.drawn = [(g, _state(g)) for g in self.numpy_generators]
        builtins.next = _tracing_next
        self.modules = _own_modules()
        proxy = RecordingNumpy()
        for m in self.modules:
            m.np = proxy
        self.marking = [m for name, m in list(sys.modules.items())
                        if name.split(".")[0] in ("autograd", "nn", "viz") and m is not None
                        and m is not versions
                        and getattr(m, "mark_modified", None) is versions.mark_modified]
        noting = _noting(versions.mark_modified)
        for m in self.marking:
            m.mark_modified = noting
        self.generator = creation.default_generator()
        self.proxy = RecordingGenerator(self.generator)
        creation._set_default_generator(self.proxy)
        self.other_draws = creation.Generator.__getattr__
        creation.Generator.__getattr__ = _other_generator(self.other_draws)
        self.exports = {name: getattr(np, name) for name in _EXPORTS}
        for name, original in self.exports.items():
            setattr(np, name, _exporting(name, original))
        # numpy's own Python functions call them by their modules' names
        # (np.asarray_chkfinite, np.require, np.vectorize)
        self.inner = [(m, name, original) for m in _numpy_modules()
                      for name, original in self.exports.items()
                      if m is not np and vars(m).get(name) is original]
        for m, name, _ in self.inner:
            setattr(m, name, getattr(np, name))
        return self

    def __exit__(self, *exc):
        builtins.next = _next
        rec = active()
        if rec is not None and any(not _same_state(_state(g), st) for g, st in self.drawn):
            rec.escape("a draw from a numpy Generator of the step's own, default_rng() or "
                       "RandomState (at a line numpy does not tell): its values would be "
                       "constants of the program (draw with ag.rand/ag.randn, or pass the data "
                       "as arguments)")
        for name, original in self.exports.items():
            setattr(np, name, original)
        for m, name, original in self.inner:
            setattr(m, name, original)
        creation.Generator.__getattr__ = self.other_draws
        for m in self.marking:
            m.mark_modified = versions.mark_modified
        for m in self.modules:
            m.np = np
        self.reseeded = creation.default_generator() is not self.proxy
        if not self.reseeded:
            creation._set_default_generator(self.generator)
        return False
