"""Recording a step: an ndarray subclass that logs every numpy call made on it.

While a step is traced, every array the step can reach (its inputs, the parameters, the
buffers, the gradients, the arrays gradgraph creates) is a ``TraceArray``: a view of
the same memory whose numpy calls (ufuncs through ``__array_ufunc__``, numpy functions
through ``__array_function__``, ndarray methods through the overrides below) are run on
plain arrays and appended to the ``Recorder``'s list of instructions. The step itself
runs for real while it is traced: the values are eager's, so a trace that cannot be
replayed is still a correct step.

An instruction keeps the very arrays it read and wrote (views of fixed memory), so a
replay is the same calls on the same buffers in the same order.
"""
import os
import sys
import weakref

import numpy as np

from .. import state
from ..errors import own_file, user_frame

_view = np.ndarray.view
_cbase = np.ndarray.base.__get__        # numpy's own .base (TraceArray.base is eager's)
_asarray = np.asarray          # the original: numpy's makers are swapped while tracing


# The tracing switch lives with the engine's other per-thread switches (autograd/state.py).
active = state.recorder
_set_active = state.set_recorder


class Escape(Exception):
    """A construct a replay cannot reproduce (raised only under ``strict=True``)."""


def plain(x):
    """`x` with every TraceArray in it (nested in tuples, lists, dicts) as a plain view."""
    t = type(x)
    if t is TraceArray:
        p = x.__dict__.get("_plain")
        if p is None:
            p = x.__dict__["_plain"] = _view(x, np.ndarray)
        return p
    if t is tuple or t is list:
        return t(plain(i) for i in x)
    if t is dict:
        return {k: plain(v) for k, v in x.items()}
    if t is slice and any(type(s) is TraceArray for s in (x.start, x.stop, x.step)):
        return slice(plain(x.start), plain(x.stop), plain(x.step))
    return x


def has_tracer(x):
    t = type(x)
    if t is TraceArray:
        return True
    if t is tuple or t is list:
        return any(has_tracer(i) for i in x)
    if t is dict:
        return any(has_tracer(v) for v in x.values())
    return False


def traced(arr):
    """A TraceArray over `arr`'s memory (a plain ndarray or numpy scalar)."""
    if not isinstance(arr, np.ndarray):
        arr = _asarray(arr)
    t = _view(arr, TraceArray)
    t.__dict__["_plain"] = arr
    return t


class TraceArray(np.ndarray):
    """An ndarray view whose numpy calls are recorded by the active Recorder."""

    def __array_finalize__(self, obj):
        _register(self)

    # --- the memory it sees, as the in-place checks ask about the eager array ---------
    @property
    def base(self):
        """The plain array owning this memory, as ``versions.base_of`` gives it for the
        array eager holds (that array, or its base): in-place versions and views are
        keyed by it in eager and traced runs alike. Never None: a traced array views."""
        b = _cbase(self)
        while type(b) is TraceArray:              # numpy's own views of traced arrays
            b = _cbase(b)
        if isinstance(b, np.ndarray):
            bb = _cbase(b)
            return b if bb is None or not isinstance(bb, np.ndarray) else bb
        return b

    def sole_view(self):
        """What ``views._foreign`` proves for a plain view with a reference
        count on its base (which the trace's own records inflate): True if the array
        eager holds owns its memory, or if no other live traced array sees the buffer
        but other TraceArrays over that very array (in eager, one object)."""
        mine = self.__dict__.get("_plain")
        if mine is not None and _cbase(mine) is None:
            return True
        exported = _exported.get(id(self.base))
        if exported:                # a plain alias the user's step holds (see export)
            return False
        return not any(mine is None or other.__dict__.get("_plain") is not mine
                       for other in self._others())

    def alone(self):
        """True if no other live traced array sees this buffer (with a count of this
        array, what the engine's in-place proofs need on a traced array)."""
        return not any(True for _ in self._others())

    def _others(self):
        arrays = _live.get(id(self.base))
        return [a for a in arrays.values() if a is not self] if arrays else ()

    @property
    def T(self):                 # recorded, so that the result has a plain array
        return self.transpose()

    @property
    def mT(self):
        return self.swapaxes(-1, -2) if self.ndim >= 2 else np.ndarray.mT.__get__(self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if _foreign(inputs) or _foreign(kwargs.get("out", ())):
            return NotImplemented       # a Tensor's __array_ufunc__ answers, as in eager
        rec = active()
        f = ufunc if method == "__call__" else getattr(ufunc, method)
        if rec is None or rec.paused:
            out = f(*plain(inputs), **plain(kwargs))
            return _unwrap_out(out, kwargs)
        return rec.call(f, inputs, kwargs, kind="ufunc", name=f"{ufunc.__name__}.{method}"
                        if method != "__call__" else ufunc.__name__)

    def __array_function__(self, func, types, args, kwargs):
        if any(not issubclass(t, np.ndarray) for t in types):
            return NotImplemented
        rec = active()
        if rec is None or rec.paused:
            return func(*plain(args), **plain(kwargs))
        return rec.function(func, args, kwargs)

    def __reduce__(self):                       # pickling: its values read
        return self._read("pickling a tensor", np.ndarray.__reduce__)

    def tofile(self, *args, **kwargs):
        return self._read(".tofile()", np.ndarray.tofile, *args, **kwargs)

    def dumps(self):
        return self._read(".dumps()", np.ndarray.dumps)

    def dump(self, *args):
        return self._read(".dump()", np.ndarray.dump, *args)

    # --- reading values: a guard inside gradgraph, a fallback in the user's step -----
    def __bool__(self):
        return self._read("bool(tensor)", np.ndarray.__bool__)

    def __float__(self):
        return self._read("float(tensor)", np.ndarray.__float__)

    def __int__(self):
        return self._read("int(tensor)", np.ndarray.__int__)

    def __index__(self):
        return self._read("int(tensor)", np.ndarray.__index__)

    def __complex__(self):
        return self._read("complex(tensor)", np.ndarray.__complex__)

    def item(self, *args):
        return self._read(".item()", np.ndarray.item, *args)

    def tolist(self):
        return self._read(".tolist()", np.ndarray.tolist)

    def __repr__(self):
        return self._read("printing a tensor", np.ndarray.__repr__)

    def __str__(self):
        return self._read("printing a tensor", np.ndarray.__str__)

    def __format__(self, spec):
        return self._read("formatting a tensor", np.ndarray.__format__, spec)

    def tobytes(self, *args, **kwargs):
        return self._read(".tobytes()", np.ndarray.tobytes, *args, **kwargs)

    def __array__(self, *args, **kwargs):
        """A plain ndarray of this memory (numpy calls no hook of a subclass for
        ``np.asarray``: patches._exporting): out of the trace's sight, its reads would be
        constants of the program, so a call in the user's step makes the step fall back."""
        result = np.ndarray.__array__(self, *args, **kwargs)
        rec = active()
        if rec is not None and not rec.paused:
            own, where, _ = reader_frame()
            if not own:
                rec.escape(f"__array__() of a tensor's memory (at {where}): numpy arrays "
                           f"made from it are not traced (use the tensor, or t.data, with "
                           f"numpy calls)")
                export(result)
        return result

    # numpy's flat iterator, buffer and pointer read and write in C: out of the trace's
    # sight, so the user's step (or a library it calls, safetensors' .ctypes) falls back
    @property
    def flat(self):
        self._unseen(".flat")
        return np.ndarray.flat.__get__(self)

    @flat.setter
    def flat(self, value):
        self._unseen(".flat")
        np.ndarray.flat.__set__(self, value)

    @property
    def data(self):
        self._unseen(".data")
        return np.ndarray.data.__get__(self)

    @property
    def ctypes(self):
        self._unseen(".ctypes")
        return np.ndarray.ctypes.__get__(self)

    def _unseen(self, construct):
        rec = active()
        if rec is not None and not rec.paused:
            own, where, _ = _reader(sys._getframe(2))[:3]
            if not own:
                rec.escape(f"{construct} of a tensor's memory (at {where}): its reads and "
                           f"writes are not traced")

    def _read(self, construct, method, *args, **kwargs):
        rec = active()
        value = method(plain(self), *args, **kwargs)
        if rec is not None and not rec.paused:
            rec.read(construct, plain(self), method, args, value)
        return value

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


_OURS = (np.ndarray.__array_ufunc__, TraceArray.__array_ufunc__)


def _foreign(values):
    """True if one of `values` has an __array_ufunc__ of its own (a Tensor), which numpy
    then calls: ndarray's returns NotImplemented for such operands."""
    return any(getattr(type(v), "__array_ufunc__", None) not in _OURS
               and hasattr(type(v), "__array_ufunc__") for v in values
               if not isinstance(v, (np.ndarray, np.generic, int, float, complex, bool)))


# id(base buffer) -> the live TraceArrays over it (see TraceArray.sole_view): a traced
# array keeps its buffer alive, so an id with a live member names that buffer.
_live = {}
_live_limit = [4096]


def _register(t):
    key = id(t.base)
    arrays = _live.get(key)
    if arrays is None:
        if len(_live) > _live_limit[0]:        # forget buffers whose arrays all died
            for k, v in list(_live.items()):
                if not v:
                    _live.pop(k, None)
            _live_limit[0] = max(4096, 2 * len(_live))
        arrays = _live[key] = weakref.WeakValueDictionary()   # (ndarrays are unhashable)
    arrays[id(t)] = t


def alive():
    """The TraceArrays alive now. A trace's own die with its frames: one alive after
    the trace returns is held by the user's Python state (carried.stray)."""
    return [a for arrays in list(_live.values()) if arrays.data for a in arrays.values()]


# id(base buffer) -> the plain ndarrays of it that numpy's conversions gave the user's step
# (np.asarray(t.data): patches._exporting), weakly: while one lives, eager's reference
# count on the buffer counts it, so no traced view of the buffer is its sole view
_exported = {}


def export(array):
    """Note `array`, a plain ndarray that the user's step got from a traced one."""
    base = _cbase(array) if isinstance(array, np.ndarray) else None
    if isinstance(base, np.ndarray):
        owner = _cbase(base)
        key = id(base if owner is None or not isinstance(owner, np.ndarray) else owner)
        if len(_exported) > 256:                # forget buffers whose aliases all died
            for k, v in list(_exported.items()):
                if not v:
                    del _exported[k]
        _exported.setdefault(key, weakref.WeakValueDictionary())[id(array)] = array


def _unwrap_out(out, kwargs):
    """A paused ufunc call that wrote into `out=`: return the caller's out object."""
    o = kwargs.get("out")
    if o is not None:
        return o[0] if isinstance(o, tuple) and len(o) == 1 else o
    return out


# ndarray methods that do not go through __array_ufunc__/__array_function__ (or that are
# better recorded as one call): each is recorded as np.ndarray.<name>(self, ...).
_METHODS = ("reshape", "transpose", "swapaxes", "squeeze", "ravel", "flatten", "view",
            "astype", "copy", "fill", "sum", "mean", "max", "min", "prod", "any", "all",
            "argmax", "argmin", "argsort", "sort", "cumsum", "cumprod", "clip", "round",
            "dot", "take", "repeat", "put", "std", "var", "diagonal", "trace", "nonzero",
            "searchsorted", "compress", "choose", "conj", "conjugate", "partition",
            "argpartition", "byteswap", "__getitem__", "__setitem__", "__copy__",
            "__deepcopy__")

_DATA_SHAPED = {"nonzero", "compress"}


def _method(name):
    unbound = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        rec = active()
        if rec is None or rec.paused:
            return unbound(plain(self), *plain(args), **plain(kwargs))
        if name in _DATA_SHAPED:
            rec.escape(f".{name}() (a data-dependent shape)")
        elif name == "__getitem__" and _bool_tracer_index(args[0]):
            rec.escape("boolean-mask indexing (a data-dependent shape)")
        return rec.call(unbound, (self,) + args, kwargs, kind="method", name=name)
    method.__name__ = name
    return method


def _bool_tracer_index(index):
    items = index if type(index) is tuple else (index,)
    return any(type(i) is TraceArray and i.dtype == bool for i in items)


for _name in _METHODS:
    setattr(TraceArray, _name, _method(_name))
del _name


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
CONVERSIONS = {}              # code object of Tensor.item, __bool__, ... -> construct name


def reader_frame():
    """(is gradgraph's own code, 'file:line', construct) of the code that read a traced
    value; `construct` names the Tensor conversion it went through (or None). A line of
    gradgraph's names the user's line that called it too."""
    return _reader(sys._getframe(2))[:3]


def reader():
    """reader_frame's answer and that code's frame (None if there is none)."""
    return _reader(sys._getframe(2))


def _reader(f):
    construct = None
    while f is not None:
        code = f.f_code
        if code.co_filename.startswith(_PACKAGE):
            pass
        elif code in CONVERSIONS:
            construct = CONVERSIONS[code]
        else:
            break
        f = f.f_back
    if f is None:
        return False, "?", construct, None
    name = f.f_code.co_filename
    own = own_file(name)        # gradgraph's code: a value read there is a guard
    where = f"{name.replace(chr(92), '/').rsplit('/', 1)[-1]}:{f.f_lineno}"
    if own:                     # and the user's line that called it
        user = user_frame(f)
        if user != "?":
            where = f"{where} (called at {user})"
    return own, where, construct, f
