"""Tensor's API above the ops: binds the functions of autograd/functions/ to Tensor as methods
and operators, defines the methods that record an op or run the engine (``to``,
``clone``, ``backward``, ...) and the in-place ops (``+=``, ``x[i] = v``, ``zero_()``).

tensor.py holds the Tensor type and what needs no op; it sits below the ops (their
backward rules make Tensors under create_graph), so what needs an op is bound here.
"""
import numpy as np

from . import backprop
from . import devices as _device
from . import functions as F
from . import graph, ops, versions, views
from .dtypes import as_dtype, fitted, result_type
from .errors import (ArgumentError, DtypeError, GradgraphError, GraphError, OutOfRangeError,
                     ShapeError, describe)
from .grad_mode import no_grad
from .graph import AccumulateGrad, apply1, apply2
from .state import current
from .tensor import Tensor, _dtype, _wrap


class _TensorMethods:
    """The methods of Tensor that record an op or run the engine: bound to Tensor below,
    where they are looked up as if written in its class body."""

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor with respect to the graph's leaves into
        their ``.grad`` (``autograd.backward``; `gradient` is needed unless it is a scalar)."""
        backprop.backward(self, gradient, retain_graph, create_graph, inputs)

    @property
    def device(self):
        """Where the data lives: always the CPU."""
        return _device.CPU

    is_cuda = False

    # --- conversions -----------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype),
        as PyTorch. The device must be the CPU (a no-op); a cast to a float dtype is
        differentiable; `copy=True` always returns a new tensor."""
        dtype = _device.to_args(args, dtype, device, "Tensor.to")
        if dtype is None or _dtype(dtype) == self.data.dtype:
            return self.clone() if copy else self
        dtype = _dtype(dtype)
        return self._apply1(ops.Cast, dtype) if dtype.kind == "f" else _wrap(self.data.astype(dtype), None)

    def float(self) -> Tensor:
        """This tensor as float32 (itself if it is already; the cast is differentiable)."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """This tensor as float64 (itself if it is already; the cast is differentiable)."""
        return self.to(np.float64)

    type = to

    def clone(self) -> Tensor:
        """A copy with its own memory; the gradient flows back to this tensor."""
        return self._apply1(ops.Copy)

    def contiguous(self) -> Tensor:
        """This tensor if its data is C-contiguous, else a contiguous copy."""
        return self if self.data.flags.c_contiguous else self._apply1(ops.Copy)

    def cpu(self) -> Tensor:
        """This tensor (the data is always on the CPU)."""
        return self

    def cuda(self, device=None, non_blocking=False):
        """Refused: gradgraph runs on the CPU only (raises naming the device)."""
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
        try:
            if reverse:
                a, b = (b if isinstance(b, Tensor) else _wrap(np.asarray(b, dt), None)), a
            return apply2(cls, a, b, *args)
        except OverflowError as e:
            raise e if isinstance(e, GradgraphError) else graph._overflow(cls, e, a.data, b) \
                from None
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


for _name, _value in list(vars(_TensorMethods).items()):
    if not _name.startswith("__"):
        if callable(_value):
            _value.__qualname__ = f"Tensor.{_name}"
        setattr(Tensor, _name, _value)


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
                try:
                    return apply2(cls, self, other)
                except OverflowError:
                    pass               # beyond the dtype: _binary wraps it, as PyTorch
        if t is Tensor and other.data.dtype is self.data.dtype:
            try:
                return apply2(cls, self, other)
            except ValueError:
                pass                   # _binary raises the error that names the shapes
        return self._binary(cls, other)
    return method



Tensor.__getitem__ = F.getitem
Tensor.T = property(lambda self: F.permute(self, *range(self.data.ndim - 1, -1, -1)),
                    doc="The tensor with all its dimensions reversed (a view).")
Tensor.mT = property(lambda self: F.transpose(self, -2, -1),
                     doc="The last two dimensions swapped (a view), as torch.Tensor.mT.")


def _rsub(self, other):
    if (type(other) is float or type(other) is int) and self.data.dtype.kind == "f":
        return graph.apply1(ops.RSub, self, other)
    return self._binary(ops.Sub, other, reverse=True)


def _rdiv(self, other):
    if (type(other) is float or type(other) is int) and self.data.dtype.kind == "f":
        return self._apply1(ops.Pow, -1) * other
    return self._binary(ops.Div, other, reverse=True)


Tensor.__add__ = _binary_method(ops.Add, ops.AddScalar)
Tensor.__radd__ = Tensor.__add__
Tensor.__sub__ = _binary_method(ops.Sub, ops.SubScalar)
Tensor.__rsub__ = _rsub
Tensor.__mul__ = _binary_method(ops.Mul, ops.MulScalar)
Tensor.__rmul__ = Tensor.__mul__
Tensor.__truediv__ = _binary_method(ops.Div, ops.DivScalar)
Tensor.__rtruediv__ = _rdiv
Tensor.__pow__ = F.pow
Tensor.__rpow__ = lambda self, other: self._binary(ops.PowT, other, reverse=True)
Tensor.__mod__ = F.remainder
Tensor.__floordiv__ = F.floor_divide
Tensor.__rfloordiv__ = lambda self, other: F.floor_divide(other, self)
Tensor.__rmod__ = lambda self, other: F.remainder(other, self)
Tensor.__matmul__ = F.matmul
Tensor.__rmatmul__ = lambda self, other: F.matmul(other, self)
Tensor.__neg__ = F.neg
Tensor.__abs__ = F.abs
Tensor.__eq__ = F.eq
Tensor.__ne__ = F.ne
Tensor.__lt__ = F.lt
Tensor.__le__ = F.le
Tensor.__gt__ = F.gt
Tensor.__ge__ = F.ge
Tensor.add = lambda self, other, *, alpha=1: F.add(self, other, alpha=alpha)
Tensor.sub = lambda self, other, *, alpha=1: F.sub(self, other, alpha=alpha)
Tensor.mul = Tensor.__mul__


# --- in-place ops -----------------------------------------------------------------------
def _inplace(self, op_name, compute, casting="same_kind", compute_into=None):
    """Write the result of `compute()` (an out-of-place Tensor op) into self's buffer,
    cast as PyTorch's arithmetic does (_castable: no float into an integer tensor, nothing
    but a bool into a bool one), or anything with casting="unsafe" (a copy or a fill). `compute_into()`, if given, is used instead where self's buffer
    is a writable array: one primitive that writes its result into that buffer itself
    (numpy's out=) and saves nothing but its result, so no copy, and its node is dated
    after the write (F.relu(x, inplace=True): 16% faster than compute() and a copy).

    Views of the buffer see the change. With grad mode on, self takes the new op's node
    (so `y = zeros(2); y.copy_(x * 2)` joins x's graph); any op that saved the old values
    finds them modified and says so at backward time (the version check). A write through
    a view, or into a tensor whose views are alive, keeps them all in the graph as PyTorch
    does (autograd/views.py)."""
    node = self._node
    recording = current().grad_enabled
    writes = compute_into is not None and isinstance(self.data, np.ndarray) and \
        self.data.flags.writeable             # else the copy below refuses or takes it
    shared = None
    try:
        if recording:
            if type(node) is AccumulateGrad:
                raise GraphError(f"{op_name}: a leaf tensor that requires grad (shape "
                                 f"{self.data.shape}) cannot be modified in place, since its "
                                 f"gradient would be lost. Do it inside `with no_grad():` (as "
                                 f"an optimizer does), or work on a copy: x = x.clone()")
            if node is not None and node.inplace_refusal is not None:
                raise GraphError(f"{op_name}: this tensor of shape {self.data.shape} "
                                 f"{node.inplace_refusal}")
            shared = views.plan(self, op_name)
            if shared is not None:
                writes = False                # the views' nodes are rebased on the result's
                views.detour(self, shared)
            result = _compute_keeping_originals(self, compute_into if writes else compute, writes)
        else:
            with no_grad():
                result = (compute_into if writes else compute)()
        if result.data.shape != self.data.shape:
            raise ShapeError(f"{op_name}: the result has shape {result.data.shape}, which "
                             f"cannot be written into a tensor of shape {self.data.shape} in "
                             f"place")
        if casting != "unsafe" and not _castable(result.data.dtype, self.data.dtype):
            raise DtypeError(f"{op_name}: the result has dtype {result.data.dtype}, which "
                             f"cannot be written into a tensor of dtype {self.data.dtype} "
                             f"(shape {self.data.shape}) in place, as in PyTorch; compute out "
                             f"of place (x = x * 1.5, x = x.sqrt()) or convert first "
                             f"(x = x.float())")
        if not self.data.flags.writeable:
            raise GraphError(f"{op_name}: this tensor of shape {self.data.shape} shares a "
                             f"read-only buffer (e.g. from expand()); .clone() it before "
                             f"writing in place")
        if shared is not None:
            views.joins(shared, result, op_name)
    except BaseException:
        self._node = node                     # nothing was written (views.detour)
        raise
    if result.data is not self.data:
        np.copyto(self.data, result.data, casting="unsafe")
    graph.mark_modified(self.data, op_name)
    if shared is not None:
        views.rebase(self, result, shared, node)
    elif recording and (node is not None or result._node is not None):
        self._node = result._node
        views.retained(self, node)
        if writes and result._node is not None:
            result._node.epoch = versions._epoch
    return self


def _castable(src, dst):
    """PyTorch's rule for writing an op's result of dtype `src` into a tensor of dtype
    `dst` in place: no float into an integer tensor, nothing but a bool into a bool one;
    an integer into any integer dtype, wrapping as C's casts (numpy's same_kind refused
    int8 into uint8, which PyTorch writes)."""
    return src.kind in {"b": "b", "i": "biu", "u": "biu"}.get(dst.kind, "biuf")


def _compute_keeping_originals(self, compute, writes=False):
    """compute() for an in-place write into self: where one of the nodes it records
    saved self's present values for backward (`c *= y` saves c), it keeps a copy of
    them, as PyTorch's in-place ops keep "original self", so the write does not spoil
    them. Nodes made before (`d = c * y; c += 1`) still see the write and raise at
    backward, as in PyTorch."""
    start = graph.new_epoch()            # the nodes compute() records carry this epoch
    if writes:
        return compute()
    result = compute()
    if result._node is not None:
        graph.keep_originals(result._node, self.data, start)
    return result


def _inplace_op(name, fn):
    def method(self, other):
        return _inplace(self, name, lambda: fn(self._alias(), other))
    method.__name__ = name
    return method


def _alias(self):
    """A second Tensor on the same buffer and node, so a graph saving `self` keeps the
    pre-write identity while `self` itself moves to the new node."""
    return graph._wrap(self.data, self._node)


Tensor._alias = _alias
Tensor.__iadd__ = _inplace_op("__iadd__", lambda a, b: a + b)
Tensor.__isub__ = _inplace_op("__isub__", lambda a, b: a - b)
Tensor.__imul__ = _inplace_op("__imul__", lambda a, b: a * b)
Tensor.__itruediv__ = _inplace_op("__itruediv__", lambda a, b: a / b)
Tensor.__ipow__ = _inplace_op("__ipow__", lambda a, b: a ** b)
# &=, |=, ^= write in place as PyTorch's (without them Python rebinds x = x & m, and a
# tensor that aliases x, a list's item, keeps the old values); & is bound by extras.py
Tensor.__iand__ = _inplace_op("__iand__", lambda a, b: a & b)
Tensor.__ior__ = _inplace_op("__ior__", lambda a, b: a | b)
Tensor.__ixor__ = _inplace_op("__ixor__", lambda a, b: a ^ b)
Tensor.add_ = lambda self, other, *, alpha=1: _inplace(
    self, "add_", lambda: F.add(self._alias(), other, alpha=alpha))
Tensor.sub_ = lambda self, other, *, alpha=1: _inplace(
    self, "sub_", lambda: F.sub(self._alias(), other, alpha=alpha))
Tensor.mul_ = _inplace_op("mul_", lambda a, b: a * b)
Tensor.div_ = lambda self, other, *, rounding_mode=None: _inplace(
    self, "div_", lambda: F.div(self._alias(), other, rounding_mode=rounding_mode))
Tensor.pow_ = _inplace_op("pow_", lambda a, b: a ** b)
Tensor.clamp_ = lambda self, min=None, max=None: _inplace(
    self, "clamp_", lambda: F.clamp(self._alias(), min, max))
Tensor.clamp_min_ = _inplace_op("clamp_min_", lambda a, b: F.clamp(a, min=b))
Tensor.clamp_max_ = _inplace_op("clamp_max_", lambda a, b: F.clamp(a, max=b))
Tensor.__imod__ = _inplace_op("__imod__", F.remainder)
Tensor.remainder_ = _inplace_op("remainder_", F.remainder)
Tensor.fmod_ = _inplace_op("fmod_", F.fmod)
Tensor.__ifloordiv__ = _inplace_op("__ifloordiv__", F.floor_divide)
Tensor.floor_divide_ = _inplace_op("floor_divide_", F.floor_divide)
# The new values replace the old ones through where(False, old, new): the old values get
# an exact zero gradient (x * 0 would turn an Inf or NaN in x into NaN).
Tensor.copy_ = lambda self, src: _inplace(
    self, "copy_", lambda: F.where(False, self._alias(), src if isinstance(src, Tensor) else
                                   Tensor(np.asarray(src, self.data.dtype))), "unsafe")
# (False, the lowest number in the promotion rule: 0 would make a bool tensor's result int64)
Tensor.zero_ = lambda self: _inplace(self, "zero_", lambda: F.where(False, self._alias(), False))


def _fill_(self, value):
    if isinstance(value, Tensor) and value.data.ndim:
        raise ShapeError(f"fill_: the value must be a number or a 0-d tensor, as in PyTorch; "
                         f"got a value of shape {value.data.shape} for a tensor of shape "
                         f"{self.data.shape} (use copy_ to write a tensor of values)")
    return _inplace(self, "fill_", lambda: F.where(
        False, self._alias(), value if isinstance(value, Tensor) else
        fitted(value, self.data.dtype, "fill_", self.data.shape)), "unsafe")


Tensor.fill_ = _fill_


# Docstrings of the methods bound above as lambdas or made by _inplace_op, so help(Tensor)
# documents every method (tests/test_public_api.py holds every public attribute to it).
_DOCS = {
    "add": "self + alpha * other, as torch.Tensor.add (broadcasting, PyTorch's dtype rule).",
    "sub": "self - alpha * other, as torch.Tensor.sub.",
    "mul": "self * other, elementwise with broadcasting (the same op as `*`).",
    "add_": "In place: self += alpha * other. Refused on a leaf that requires grad.",
    "sub_": "In place: self -= alpha * other. Refused on a leaf that requires grad.",
    "mul_": "In place: self *= other. Refused on a leaf that requires grad.",
    "div_": "In place: self /= other (rounded by rounding_mode if given, as div). Refused on "
            "a leaf that requires grad.",
    "pow_": "In place: self **= exponent. Refused on a leaf that requires grad.",
    "clamp_": "In place: self = clamp(self, min, max).",
    "clamp_min_": "In place: self = clamp(self, min=min).",
    "clamp_max_": "In place: self = clamp(self, max=max).",
    "remainder_": "In place: self = remainder(self, other) (self %= other).",
    "fmod_": "In place: self = fmod(self, other).",
    "floor_divide_": "In place: self = floor_divide(self, other) (self //= other).",
    "copy_": "In place: copy `src` (broadcast to self's shape and cast to its dtype) into self; "
             "the gradient flows to `src`, the old values get an exact zero gradient.",
    "zero_": "In place: fill self with zeros; the old values get a zero gradient.",
    "fill_": "In place: fill self with `value`; the old values get a zero gradient.",
}
for _name, _doc in _DOCS.items():
    getattr(Tensor, _name).__doc__ = _doc
    getattr(Tensor, _name).__annotations__["return"] = Tensor    # for autograd/stubs.py
for _prop in (Tensor.T, Tensor.mT):
    _prop.fget.__annotations__["return"] = Tensor


def _setitem(self, index, value):
    index = F._index(index)

    return _inplace(self, "__setitem__", lambda: _set_values(self._alias(), index, value),
                    "unsafe")


def _set_values(x, index, value, op="__setitem__", accumulate=False, shared=False):
    """x with `value` (broadcast) assigned at `index`: where(mask, x, value scattered to
    x's shape). Where an index repeats (also as a negative alias) the last value wins and
    the overwritten elements of x get a zero gradient, as in numpy and PyTorch; the values
    overwritten get a zero gradient too, or the winner's with `shared` (ops.IndexPut).
    With `accumulate`, x plus the values added at `index` (repeated indices sum)."""
    v = value if isinstance(value, Tensor) else Tensor(np.asarray(value, x.data.dtype))
    try:
        index = F.torch_order(index, x.data.shape)
        target = x.data[index].shape
    except IndexError as e:
        raise OutOfRangeError(f"{op}: index {F._show_index(index)} is out of range for "
                              f"a tensor of shape {x.data.shape} ({x.data.dtype}): {e}") from None
    try:
        v = F.expand(v, target) if v.data.shape != target else v
    except ShapeError:
        raise ShapeError(f"{op}: a value of shape {v.data.shape} cannot be assigned "
                         f"to index {F._show_index(index)} of a tensor of shape "
                         f"{x.data.shape} (the indexed part has shape {target})") from None
    if accumulate:
        return x + v._apply1(ops.IndexAdd, index, x.data.shape)
    mask = np.ones(x.data.shape, dtype=bool)
    mask[index] = False
    return F.where(mask, x, v._apply1(ops.IndexPut, index, x.data.shape, shared))


Tensor.__setitem__ = _setitem


def _base(self):
    """The tensor whose memory this view shows (None if it is no view), as PyTorch's."""
    return views.base(self)


Tensor._base = property(_base)
Tensor._is_view = lambda self: views.base(self) is not None
