"""The Tensor type: a numpy array plus the node of the op that made it.

This module holds what needs no op (attributes, leaves, hooks, copying, the dtype
inference of ``Tensor(data)``). It sits below the ops, whose backward rules make
Tensors under create_graph; the methods that record an op or run the engine (``exp``,
``sum``, ``to``, ``backward``, the operators, ...) are bound to the class by methods.py.
"""
from __future__ import annotations   # (not evaluated: Tensor has methods named int, bool)

import numbers
import sys
from collections.abc import Iterator

import numpy as np

from .errors import (ArgumentError, DtypeError, GraphError, IntegerOverflowError, ShapeError,
                     describe)
from .node import AccumulateGrad, RemovableHandle

_default_dtype = np.dtype(np.float32)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def set_default_dtype(dtype) -> None:
    """Dtype of tensors made from Python floats (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise DtypeError(f"set_default_dtype: only float32 and float64 are supported, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    return _default_dtype


# a Tensor's repr: numpy's array2string options (set_printoptions changes them)
_print = {"precision": 4, "threshold": 1000, "edgeitems": 3, "max_line_width": 75,
          "formatter": None}


def set_print_options(sci_mode=None, **options):
    """Set the repr's array2string options; `sci_mode` True/False forces scientific or
    positional notation for floats, None leaves numpy's choice."""
    if "threshold" in options and options["threshold"] == float("inf"):
        options["threshold"] = sys.maxsize
    _print.update(options)
    digits = _print["precision"]
    _print["formatter"] = None if sci_mode is None else {"float_kind": (
        (lambda v: np.format_float_scientific(v, precision=digits, unique=False)) if sci_mode
        else (lambda v: np.format_float_positional(v, precision=digits, unique=False)))}


def as_array(data, dtype=None) -> np.ndarray:
    """Convert `data` to an ndarray with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = _dtype(dtype)
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        arr = np.array(data)
        kind = arr.dtype.kind
        if (kind in "biuf" and type(data) in (list, tuple)
                and not _PYTHON_NUMBERS.issuperset(map(type, data))):
            typed = _typed_leaves_dtype(data)
            if typed is not None:
                arr = arr.astype(typed, copy=False)
                kind = "typed"
        if kind == "i":
            return arr.astype(np.int64, copy=False)
        if kind in "uOf":
            _check_int_range(data)      # numpy would wrap, or turn all into floats
            if kind == "O":             # [1.5, 2**64]: floats, as PyTorch
                arr = np.array(data, dtype=np.float64)
                kind = "f"
        if kind == "f":
            return arr.astype(_default_dtype, copy=False)
    if arr.dtype.kind == "f" and arr.dtype not in _FLOATS:
        arr = arr.astype(np.float32)       # float16 / longdouble: not supported by the ops
    if arr.dtype.kind not in "fiub":
        raise DtypeError(f"tensor: cannot make a tensor from data of dtype {arr.dtype}")
    return arr


_PYTHON_NUMBERS = {float, int, bool}


def _typed_leaves_dtype(data):
    """PyTorch's dtype for nested sequences with numpy scalars or arrays or Tensors among
    their leaves: each such leaf keeps its dtype, a Python float counts as the default
    dtype, an int as int64, a bool as bool, all promoted together ([np.float64(1.5), 2.0]
    is float64, [np.int32(1)] int32); None if every leaf is a Python number (numpy's
    inference, corrected by the caller)."""
    stack, found, typed = [data], set(), False
    while stack:
        items = stack.pop()
        types = set(map(type, items))
        if types <= _PYTHON_NUMBERS:
            found |= types
            continue
        for v in items:
            t = type(v)
            if t is list or t is tuple:
                stack.append(v)
            elif t in _PYTHON_NUMBERS:
                found.add(t)
            elif isinstance(v, Tensor):
                found.add(v.data.dtype)
                typed = True
            elif isinstance(v, (np.generic, np.ndarray)):
                found.add(v.dtype)
                typed = True
    if not typed:
        return None
    out = None
    for d in found:
        d = (_default_dtype if d is float else np.dtype(np.int64) if d is int
             else np.dtype(bool) if d is bool else d)
        if out is None or d == out:
            out = d
        elif (d.kind == "f") != (out.kind == "f"):      # an integer with a float: the float
            out = d if d.kind == "f" else out
        else:
            out = np.promote_types(out, d)
    return out


def _check_int_range(data):
    """Raise if `data` (a number or nested sequences) holds a Python int outside int64
    and no float (with a float, PyTorch makes a float tensor, and so do we)."""
    # Only called when numpy's inference was off the int64 path. It reads `data`, never the
    # array, so a tensor made from Python floats is no value check in a compiled step.
    stack, bad = [data], None
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (float, np.floating)):
            return
        elif isinstance(item, int) and not isinstance(item, bool) and \
                not -2 ** 63 <= item < 2 ** 63:
            bad = item
    if bad is not None:
        raise IntegerOverflowError(f"tensor: the integer {bad} does not fit in int64 (range "
                                   f"-2**63 .. 2**63 - 1); pass floats, or dtype=float")


def _dtype(dtype):
    if dtype is float:
        return _default_dtype
    return np.dtype(dtype)


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``Tensor(data, dtype=None, requires_grad=False)``: `data` is a number, a nested
    list or an ndarray. Python floats become the default dtype (float32), Python ints
    int64, as in PyTorch; an ndarray keeps its dtype (and its memory is shared).
    ``.data`` is that ndarray: assign arrays to it (``t.data = other.data``); a Tensor
    assigned there is kept as it is (only a Parameter takes its array), and the next op
    on `t` raises GraphError."""

    __slots__ = ("data", "grad", "_node", "_view_of", "__weakref__")
    # _view_of, set on a view only (autograd/views.py): (the tensor it shows, the view
    # ops from there, made in grad mode); read it with getattr(t, "_view_of", None)
    data: np.ndarray
    grad: Tensor | None
    __array_priority__ = 1000

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """np.asarray(tensor) gives the data (shared, as torch.Tensor.numpy()); refused
        for a tensor that requires grad, whose gradient the array would lose."""
        if self._node is not None:
            raise GraphError(f"numpy: cannot convert a tensor that requires grad "
                             f"({describe(self.data)}) to a numpy array: its gradient "
                             f"would be lost. Use t.detach() (np.asarray(t.detach()), "
                             f"t.detach().numpy()) if no gradient should flow")
        if isinstance(self.data, Tensor):
            raise GraphError(f"numpy: this tensor's .data is a Tensor ({describe(self.data.data)}),"
                             f" not a numpy array: `t.data = other` on a plain Tensor stores "
                             f"`other` itself (only a Parameter takes its array). Assign "
                             f"`t.data = other.data`")
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __init__(self, data, dtype=None, requires_grad=False) -> None:
        self.data = as_array(data, dtype)
        self.grad = None
        self._node = None
        if requires_grad:
            self.requires_grad_(True)

    # --- graph attributes ------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """True if gradients are recorded for this tensor (it has a node)."""
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True) -> Tensor:
        """Make a leaf start (or stop) requiring grad, in place; returns self."""
        if not requires_grad:
            if self._node is not None and type(self._node) is not AccumulateGrad:
                raise GraphError("requires_grad_(False): only leaf tensors can stop requiring "
                                 "grad; use .detach() for a non-leaf")
            self._node = None
        elif self._node is None:
            if self.data.dtype.kind != "f":
                raise DtypeError(f"requires_grad: only floating-point tensors can require "
                                 f"gradients, got a tensor of shape {self.data.shape} and dtype "
                                 f"{self.data.dtype}; convert it with .float() or .double()")
            self._node = AccumulateGrad(self)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for a tensor not made by a recorded op (made by the user, or without grad)."""
        return self._node is None or type(self._node) is AccumulateGrad

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose gradient backward keeps in ``.grad``
        (after ``retain_grad()``)."""
        node = self._node
        meta = None if node is None or type(node) is AccumulateGrad else node.meta
        ref = meta.get("retain") if meta else None
        return ref is not None and ref() is self

    @property
    def grad_fn(self):
        """The node of the op that made this tensor (None for a leaf)."""
        node = self._node
        return None if node is None or type(node) is AccumulateGrad else node

    def detach(self) -> Tensor:
        """A tensor on the same data that does not require grad (shares the memory)."""
        return _wrap(self.data, None)

    def detach_(self) -> Tensor:
        """Detach this tensor from its graph in place; returns self. Refused on a view, as
        PyTorch refuses it (a write into its base would put it back in the graph)."""
        if getattr(self, "_view_of", None) is not None and self.data.base is not None:
            raise GraphError(f"detach_: this tensor of shape {self.data.shape} "
                             f"({self.data.dtype}) is a view of another one, and a view cannot "
                             f"be detached in place, as in PyTorch; use v = v.detach()")
        self._node = None
        return self

    # --- copying and pickling (PyTorch's semantics) ------------------------------------
    def __deepcopy__(self, memo) -> Tensor:
        """A leaf with its own copy of the data and of ``.grad``, requiring grad if this
        one does: a new leaf of its own (its gradient goes to it, not to the original).
        Hooks are not copied. Tensors made by an op cannot be deep-copied (PyTorch)."""
        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise GraphError(f"deepcopy: only leaf tensors (made by the user, not by an op) "
                             f"can be deep-copied; this one ({describe(self.data)}) was made "
                             f"by {self._node.name}. Use t.detach().clone() for its values")
        new = _new_tensor(type(self))
        memo[id(self)] = new
        new.data = self.data.copy()
        new.grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        new._node = None
        if self._node is not None:
            new._node = AccumulateGrad(new)
        return new

    def __reduce_ex__(self, protocol):
        """Pickled as its data and requires_grad, as PyTorch does: the graph that made it
        and its ``.grad`` are not stored (an unpickled tensor is a leaf)."""
        return _rebuild, (type(self), self.data, self._node is not None)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""
        if self._node is None:
            raise GraphError("retain_grad: the tensor does not require grad")
        if type(self._node) is not AccumulateGrad:
            import weakref
            self._node._meta()["retain"] = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None
        return replaces the gradient. Returns a handle with ``.remove()``."""
        if self._node is None:
            raise GraphError("register_hook: cannot register a hook on a tensor that does "
                             "not require grad")
        return self._node.register_hook(hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a leaf's ``.grad`` has been accumulated."""
        if not self.is_leaf or self._node is None:
            raise GraphError("register_post_accumulate_grad_hook: only leaf tensors that "
                             "require grad take this hook")
        hooks = self._node._meta().setdefault("post_hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # --- array attributes --------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The sizes of the dims, a tuple."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dims."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data."""
        return self.data.dtype

    def size(self, dim=None):
        """The shape, or the size of dim `dim`."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        """The number of dims."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise ArgumentError("len() of a 0-d tensor")
        return len(self.data)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors can be converted to Python "
                             f"scalars, got shape {self.data.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared); refused for a tensor that requires grad."""
        if self._node is not None:
            raise GraphError(f"numpy: cannot call .numpy() on a tensor that requires grad "
                             f"({describe(self.data)}): its gradient would be lost. Use "
                             f"t.detach().numpy()")
        return self.data

    def tolist(self):
        """The data as nested Python lists."""
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise ArgumentError("only integer tensors can be used as an index")
        return int(self.item())

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its value (f"{loss:.4f}"), as PyTorch."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", **_print)
        extra = ""
        if self.data.dtype != _default_dtype and self.data.dtype.kind == "f" or \
                self.data.dtype.kind == "b" or (self.data.dtype.kind in "iu" and
                                                 self.data.dtype != np.int64):
            extra += f", dtype={self.data.dtype}"
        node = self._node
        if node is not None:
            extra += (", requires_grad=True" if type(node) is AccumulateGrad
                      else f", grad_fn=<{node.name}Backward>")
        return f"tensor({body}{extra})"

    def long(self) -> Tensor:
        """This tensor as int64 (itself if it is already, else a copy without gradient)."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """This tensor as int32 (itself if it is already, else a copy without gradient)."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """This tensor as bool (itself if it is already, else a copy without gradient)."""
        return self.to(np.bool_)

_new_tensor = object.__new__
_ndarray = np.ndarray


def array0d(data):
    """`data` itself, or a 0-d array if it is a numpy scalar: numpy's reductions and its
    ufuncs on 0-d arrays give scalars, and a Tensor's .data is always an ndarray (a
    scalar would be a copy wherever it went: views, detach(), numpy()). The callers test
    `type(data) is not ndarray` first, so an op's result pays one comparison."""
    return np.asarray(data) if isinstance(data, np.generic) else data


def _wrap(data, node) -> Tensor:
    """A Tensor on array `data` made by `node` (None: no grad); a numpy scalar becomes a
    0-d array, nothing else is checked."""
    t = _new_tensor(Tensor)
    if type(data) is not _ndarray:
        data = array0d(data)
    t.data = data
    t.grad = None
    t._node = node
    return t


def _rebuild(cls, data, requires_grad):
    """Unpickle a Tensor (see Tensor.__reduce_ex__)."""
    t = _new_tensor(cls)
    t.data, t.grad, t._node = array0d(data), None, None     # (an older pickle's scalar)
    if requires_grad:
        t._node = AccumulateGrad(t)
    return t


def _operand(x, like, force=False):
    """A non-Tensor operand in `like`'s dtype (a loss target), or a Tensor."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool):
        x = int(x)
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
        return _wrap(np.asarray(x, like.data.dtype), None) if force else x
    arr = np.asarray(x)
    if arr.dtype.kind in "iub" and like.data.dtype.kind == "f":
        arr = arr.astype(like.data.dtype)
    elif arr.dtype.kind == "f" and arr.ndim == 0:
        arr = arr.astype(like.data.dtype)
    return _wrap(arr, None) if force or arr.dtype != like.data.dtype else arr


