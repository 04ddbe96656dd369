"""The Tensor: a numpy array plus the node of the op that made it."""
import numbers

import numpy as np

from . import devices as _device, graph, ops
from .errors import (ArgumentError, DtypeError, GraphError, IntegerOverflowError, ShapeError,
                     describe)
from .dtypes import as_dtype, result_type
from .graph import AccumulateGrad, apply1, apply2, _wrap

_default_dtype = np.dtype(np.float32)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def set_default_dtype(dtype):
    """Dtype of tensors made from Python floats (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise DtypeError(f"set_default_dtype: only float32 and float64 are supported, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    return _default_dtype


def as_array(data, dtype=None):
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
        if kind == "i":
            return arr.astype(np.int64, copy=False)
        if kind in "uO" or (kind == "f" and arr.size and np.abs(arr).max() >= 2.0 ** 63):
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


def _check_int_range(data):
    """Raise if `data` (a number or nested sequences) holds a Python int outside int64
    and no float (with a float, PyTorch makes a float tensor, and so do we)."""
    # Only called when numpy's inference was off the int64 path: not on the hot path.
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
    int64, as in PyTorch; an ndarray keeps its dtype (and its memory is shared)."""

    __slots__ = ("data", "grad", "_node", "__weakref__")
    __array_priority__ = 1000

    def __array__(self, dtype=None, copy=None):
        """np.asarray(tensor) gives the data (shared, as torch.Tensor.numpy()); refused
        for a tensor that requires grad, whose gradient the array would lose."""
        if self._node is not None:
            raise GraphError(f"numpy: cannot convert a tensor that requires grad "
                             f"({describe(self.data)}) to a numpy array: its gradient "
                             f"would be lost. Use t.detach() (np.asarray(t.detach()), "
                             f"t.detach().numpy()) if no gradient should flow")
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    # numpy functions and ufuncs on Tensors record (autograd/numpy_dispatch.py)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _numpy_dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _numpy_dispatch.array_function(func, types, args, kwargs)

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = as_array(data, dtype)
        self.grad = None
        self._node = None
        if requires_grad:
            self.requires_grad_(True)

    # --- graph attributes ------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
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
    def is_leaf(self):
        return self._node is None or type(self._node) is AccumulateGrad

    @property
    def grad_fn(self):
        node = self._node
        return None if node is None or type(node) is AccumulateGrad else node

    def detach(self):
        return _wrap(self.data, None)

    def detach_(self):
        self._node = None
        return self

    # --- copying and pickling (PyTorch's semantics) ------------------------------------
    def __deepcopy__(self, memo):
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

    def retain_grad(self):
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
        from .graph import RemovableHandle
        hooks = self._node._meta().setdefault("post_hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        backprop.backward(self, gradient, retain_graph, create_graph, inputs)

    # --- array attributes --------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return _device.CPU

    is_cuda = False

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise ArgumentError("len() of a 0-d tensor")
        return len(self.data)

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors can be converted to Python "
                             f"scalars, got shape {self.data.shape}")
        return self.data.item()

    def numpy(self):
        if self._node is not None:
            raise GraphError(f"numpy: cannot call .numpy() on a tensor that requires grad "
                             f"({describe(self.data)}): its gradient would be lost. Use "
                             f"t.detach().numpy()")
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu":
            raise ArgumentError("only integer tensors can be used as an index")
        return int(self.item())

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, prefix="tensor(")
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

    # --- conversions -----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype),
        as PyTorch. The device must be the CPU (a no-op); a cast to a float dtype is
        differentiable; `copy=True` always returns a new tensor."""
        dtype = _device.to_args(args, dtype, device, "Tensor.to")
        if dtype is None or _dtype(dtype) == self.data.dtype:
            return self.clone() if copy else self
        dtype = _dtype(dtype)
        return self._apply1(ops.Cast, dtype) if dtype.kind == "f" else _wrap(self.data.astype(dtype), None)

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def long(self):
        return _wrap(self.data.astype(np.int64), None)

    def int(self):
        return _wrap(self.data.astype(np.int32), None)

    def bool(self):
        return _wrap(self.data.astype(bool), None)

    type = to

    def clone(self):
        return self._apply1(ops.Copy)

    def contiguous(self):
        return self if self.data.flags.c_contiguous else self._apply1(ops.Copy)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        _device.check_device("cuda" if device is None else device, "Tensor.cuda")

    # --- recording helpers -------------------------------------------------------------
    def _apply1(self, cls, *args):
        try:
            return apply1(cls, self, *args)
        except ShapeError:
            raise
        except ValueError as e:
            raise ShapeError(f"{cls.__name__}: {e} (input {describe(self.data)})") from None

    def _binary(self, cls, other, *args, reverse=False):
        """`self op other` (`other op self` if `reverse`) for binary primitive `cls`, with
        the operands converted to the result dtype of dtypes.result_type (true division
        computes in floating point)."""
        dt = result_type(self, other, floating=cls is ops.Div)
        a = self if self.data.dtype == dt else self.to(dt)
        b = as_dtype(other, dt)
        if reverse:
            a, b = (b if isinstance(b, Tensor) else _wrap(np.asarray(b, dt), None)), a
        try:
            return apply2(cls, a, b, *args)
        except ValueError as e:
            da, db = a.data, getattr(b, "data", b)
            try:            # a where's condition is an array argument
                np.broadcast_shapes(np.shape(da), np.shape(db),
                                    *[x.shape for x in args if isinstance(x, np.ndarray)])
            except ValueError:
                raise ShapeError(f"{cls.__name__}: shapes {np.shape(da)} and {np.shape(db)} do "
                                 f"not broadcast (operands {describe(da, db)})") from None
            raise ArgumentError(f"{cls.__name__}: {e} (operands {describe(da, db)})") from None

    def _rbinary(self, cls, other):
        return self._binary(cls, other, reverse=True)


_new_tensor = object.__new__


def _rebuild(cls, data, requires_grad):
    """Unpickle a Tensor (see Tensor.__reduce_ex__)."""
    t = _new_tensor(cls)
    t.data, t.grad, t._node = data, None, None
    if requires_grad:
        t._node = AccumulateGrad(t)
    return t


def _binary_method(cls, scalar_cls):
    """`Tensor.__add__` and friends: Tensor._binary with its commonest cases first
    (a Python number, a Tensor of the same dtype), one call shallower: there the result
    dtype rule gives the tensor's own dtype. A float tensor and a Python number record
    `scalar_cls`, the one-input form of the op. Division computes in floating point, so
    its shortcuts are for float tensors only."""
    if cls is ops.Div:
        def method(self, other):
            if self.data.dtype.kind == "f":
                t = type(other)
                if t is float or t is int:
                    return apply1(scalar_cls, self, other)
                if t is Tensor and other.data.dtype is self.data.dtype:
                    try:
                        return apply2(cls, self, other)
                    except ValueError:
                        pass           # _binary raises the error that names the shapes
            return self._binary(cls, other)
        return method

    def method(self, other):
        t = type(other)
        if t is float or t is int:
            if self.data.dtype.kind == "f":
                return apply1(scalar_cls, self, other)
            if t is int and self.data.dtype.kind == "i":
                return apply2(cls, self, other)
        if t is Tensor and other.data.dtype is self.data.dtype:
            try:
                return apply2(cls, self, other)
            except ValueError:
                pass                   # _binary raises the error that names the shapes
        return self._binary(cls, other)
    return method


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


graph._Tensor = Tensor
from . import backprop  # noqa: E402  (it needs Tensor; Tensor.backward needs it)
from . import numpy_dispatch as _numpy_dispatch  # noqa: E402  (the same)
