"""More of torch.Tensor's methods, from what the ops above already compute: metadata read
from the numpy array (``stride``, ``element_size``, ``storage_offset``, ...), PyTorch's
other names for ops gradgraph has (``multiply``, ``greater``, ``absolute``, ...), and small
elementwise ops (``gcd``, ``float_power``, ``ldexp``, ``frexp``, ...). composites.py holds
the larger composites."""
import builtins

import numpy as np

from . import reductions
from .creation import _make, _shape
from .devices import check_device
from .dtypes import result_type
from .errors import ArgumentError, DtypeError, OutOfRangeError, ShapeError, describe
from .extras import logical_and, logical_not, logical_or, logical_xor
from .methods import _inplace_op
from .public import FUNCTIONS, METHODS, public
from .tensor import Tensor, _dtype, _wrap


class _Declared:
    """The declared ops by name (F.reshape, ...): the package imports this module after
    the modules that declare them."""

    def __getattr__(self, name):
        return FUNCTIONS.get(name) or METHODS[name]


F = _Declared()


def _dim(x, dim, op):
    """`dim` of x as a non-negative int, or OutOfRangeError naming `op`."""
    n = builtins.max(x.data.ndim, 1)
    if not -n <= dim < n:
        raise OutOfRangeError(f"{op}: dimension {dim} is out of range for a tensor of shape "
                              f"{x.data.shape} (expected in [{-n}, {n - 1}])")
    return dim % n


def _root(arr):
    """The array that owns `arr`'s memory (arr itself if it owns it)."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


class _Metadata:
    """Tensor's metadata methods, as PyTorch's: bound to Tensor below."""

    is_cpu = True
    is_sparse = is_sparse_csr = is_quantized = is_meta = is_mkldnn = is_nested = False
    is_mps = is_xla = is_xpu = is_vulkan = is_ipu = is_maia = is_mtia = False

    def is_floating_point(self) -> bool:
        """True if the dtype is a floating-point one."""
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """True if the dtype is complex (never: gradgraph has no complex dtype)."""
        return self.data.dtype.kind == "c"

    def is_signed(self) -> bool:
        """True if the dtype can hold negative values (floats and signed integers)."""
        return self.data.dtype.kind in "fic"

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self.data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes."""
        return self.data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """numel() * itemsize: the bytes of the elements (not of a view's whole buffer)."""
        return self.data.size * self.data.dtype.itemsize

    def nelement(self) -> int:
        """The number of elements (numel)."""
        return self.data.size

    def ndimension(self) -> int:
        """The number of dims (dim)."""
        return self.data.ndim

    def stride(self, dim=None):
        """The step, in elements, from one index to the next along each dim (a tuple), or
        along `dim`; an expanded dim has stride 0, a flipped one a negative stride."""
        arr = self.data
        strides = tuple(s // arr.dtype.itemsize for s in arr.strides) \
            if isinstance(arr, np.ndarray) else ()
        if dim is not None and not self.data.ndim:
            raise OutOfRangeError(f"stride: dimension {dim} is out of range for a 0-d tensor")
        return strides if dim is None else strides[_dim(self, dim, "stride")]

    def storage_offset(self) -> int:
        """The position, in elements, of this tensor's first element in the memory it
        shares with the tensor it is a view of (0 for a tensor that owns its memory)."""
        arr = self.data
        start = arr.__array_interface__["data"][0]
        return (start - _root(arr).__array_interface__["data"][0]) // arr.dtype.itemsize

    def data_ptr(self) -> int:
        """The address of the first element (views of one buffer differ by their offset)."""
        return self.data.__array_interface__["data"][0]

    const_data_ptr = data_ptr

    def is_same_size(self, other) -> bool:
        """True if `other` has this tensor's shape."""
        return self.data.shape == other.data.shape

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor's value; refused for any other number of
        elements, as PyTorch."""
        n = self.data.size
        if n != 1:
            raise ShapeError(f"is_nonzero: Boolean value of Tensor with "
                             f"{'no values' if n == 0 else 'more than one value'} is ambiguous "
                             f"(shape {self.data.shape})")
        return bool(self.data.item())

    def is_set_to(self, tensor) -> bool:
        """True if `tensor` views the same memory as this one with the same shape, strides
        and offset."""
        a, b = self.data, tensor.data
        return a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides and \
            self.data_ptr() == tensor.data_ptr() and _root(a) is _root(b)

    def is_shared(self) -> bool:
        """False: no tensor is in shared memory (torch.multiprocessing's)."""
        return False

    def is_pinned(self) -> bool:
        """False: there is no pinned (page-locked for a GPU) memory on the CPU only."""
        return False

    def get_device(self) -> int:
        """The device index: -1, the CPU's."""
        return -1

    def dim_order(self) -> tuple[int, ...]:
        """The dims from outermost to innermost in memory: (0, 1, ..., ndim - 1) for a
        contiguous tensor, else PyTorch's order (by decreasing stride; a stride of 0 or
        a tie keeps its place, a tie between sizes puts the longer dim inside)."""
        n = self.data.ndim
        if n < 2 or self.data.flags.c_contiguous:
            return tuple(range(n))
        strides, shape = self.stride(), self.data.shape

        def swap(a, b):      # PyTorch's should_swap of its back-to-front insertion sort
            sa, sb = strides[a], strides[b]
            if sa == 0 or sb == 0 or (sa == sb and shape[b] >= shape[a]):
                return 0
            return 1 if sa == sb or not (sb >= sa or sb % sa == 0) else -1

        perm = list(range(n - 1, -1, -1))
        for i in range(1, n):
            j = i
            for k in range(i - 1, -1, -1):
                c = swap(perm[k], perm[j])
                if c > 0:
                    perm[k], perm[j] = perm[j], perm[k]
                    j = k
                elif c < 0:
                    break
        return tuple(reversed(perm))

    def is_conj(self) -> bool:
        """False: a real tensor has no conjugate bit."""
        return False

    def is_neg(self) -> bool:
        """False: gradgraph keeps no negative bit."""
        return False

    def conj(self) -> Tensor:
        """The complex conjugate: this tensor itself, as its dtype is real."""
        return self

    resolve_conj = resolve_neg = conj_physical = conj

    @property
    def real(self) -> Tensor:
        """The real part: this tensor itself, as its dtype is real."""
        return self

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a matrix (the transpose: the dtype is real); a 0-d
        tensor itself."""
        if self.data.ndim not in (0, 2):
            raise ShapeError(f"Tensor.H: only for matrices (2-d tensors), got shape "
                             f"{self.data.shape}; use .mH for batches of matrices")
        return self if self.data.ndim == 0 else F.transpose(self, 0, 1)

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the matrices in the last two dims (mT: real dtype)."""
        return adjoint(self)

    def view_as(self, other) -> Tensor:
        """self.view(other.shape)."""
        return F.view(self, other.data.shape)

    def reshape_as(self, other) -> Tensor:
        """self.reshape(other.shape)."""
        return F.reshape(self, other.data.shape)

    def sum_to_size(self, *size) -> Tensor:
        """self summed to `size`, which must broadcast to self's shape: the reduction that
        undoes expand(size -> self.shape)."""
        size = _shape(size)
        shape = self.data.shape
        lead = len(shape) - len(size)
        if lead < 0 or builtins.any(s not in (1, n) for s, n in zip(size, shape[lead:])):
            raise ShapeError(f"sum_to_size: size {size} is not expandable to the tensor's "
                             f"shape {shape}")
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                          if s == 1 and shape[lead + i] != 1)
        if not dims and size:
            return self                 # as PyTorch, which sums for a size of () (0-d too)
        return F.reshape(reductions.sum(self, dims or None), size)

    def new_empty_strided(self, size, stride, *, dtype=None, device=None,
                          requires_grad=False) -> Tensor:
        """An uninitialised tensor of shape `size` whose dims step `stride` elements, with
        self's dtype unless `dtype` is given."""
        check_device(device, "new_empty_strided")
        size, stride = tuple(size), tuple(stride)
        if len(size) != len(stride) or builtins.any(s < 0 for s in size + stride):
            raise ArgumentError(f"new_empty_strided: size {size} and stride {stride} must "
                                f"have one non-negative entry per dim")
        dt = self.data.dtype if dtype is None else _dtype(dtype)
        extent = 0 if 0 in size else 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride))
        arr = np.lib.stride_tricks.as_strided(np.empty(extent, dt), size,
                                              tuple(s * dt.itemsize for s in stride))
        return _make(arr, requires_grad)

    def byte(self) -> Tensor:
        """This tensor as uint8 (itself if it is already, else a copy without gradient)."""
        return self.to(np.uint8)

    def char(self) -> Tensor:
        """This tensor as int8 (itself if it is already, else a copy without gradient)."""
        return self.to(np.int8)

    def short(self) -> Tensor:
        """This tensor as int16 (itself if it is already, else a copy without gradient)."""
        return self.to(np.int16)

    def half(self) -> Tensor:
        """This tensor as float16 (the cast is differentiable)."""
        return self.to(np.float16)

    def bfloat16(self) -> Tensor:
        """Refused: numpy, hence gradgraph, has no bfloat16 dtype."""
        raise DtypeError(f"bfloat16: gradgraph has no bfloat16 dtype (numpy has none); "
                         f"use .half() or .float() (tensor {describe(self.data)})")


for _name, _value in list(vars(_Metadata).items()):
    if not _name.startswith("__"):
        if callable(_value):
            _value.__qualname__ = f"Tensor.{_name}"
        setattr(Tensor, _name, _value)


# --- PyTorch's other names for ops gradgraph has -------------------------------------------
def _binary(name, fn, doc):
    def op(input, other):
        return fn(input, other)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _unary(name, fn, doc):
    def op(input):
        return fn(input)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


for _name, _fn, _doc in (
        ("multiply", F.mul, "input * other (mul)."),
        ("true_divide", F.div, "input / other, true division (div)."),
        ("greater", F.gt, "input > other elementwise (gt): a bool tensor, no gradient."),
        ("greater_equal", F.ge, "input >= other elementwise (ge): a bool tensor, no gradient."),
        ("less", F.lt, "input < other elementwise (lt): a bool tensor, no gradient."),
        ("less_equal", F.le, "input <= other elementwise (le): a bool tensor, no gradient."),
        ("not_equal", F.ne, "input != other elementwise (ne): a bool tensor, no gradient."),
        ("bitwise_and", Tensor.__and__, "input & other of bool or integer tensors."),
        ("bitwise_or", Tensor.__or__, "input | other of bool or integer tensors."),
        ("bitwise_xor", Tensor.__xor__, "input ^ other of bool or integer tensors.")):
    public(_binary(_name, _fn, _doc), method=True)
for _name, _fn, _doc in (
        ("logical_and", logical_and, logical_and.__doc__),
        ("logical_or", logical_or, logical_or.__doc__),
        ("logical_xor", logical_xor, logical_xor.__doc__)):
    public(_binary(_name, _fn, _doc), function=False, method=True)
public(_unary("logical_not", logical_not, logical_not.__doc__), function=False, method=True)
for _name, _fn, _doc in (
        ("negative", F.neg, "-input (neg)."),
        ("absolute", F.abs, "|input| (abs)."),
        ("fix", F.trunc, "input rounded towards zero (trunc)."),
        ("bitwise_not", Tensor.__invert__, "~input of a bool or integer tensor.")):
    public(_unary(_name, _fn, _doc), method=True)


@public(method=True)
def adjoint(input):
    """The conjugate transpose of the matrices in the last two dims (the transpose: the
    dtype is real), as Tensor.mH."""
    if input.data.ndim < 2:
        raise ShapeError(f"adjoint: only for matrices or batches of them, got shape "
                         f"{input.data.shape}")
    return F.transpose(input, -2, -1)


@public(method=True)
def subtract(input, other, *, alpha=1):
    """input - alpha * other (sub)."""
    return F.sub(input, other, alpha=alpha)


@public(method=True)
def positive(input):
    """+input: input itself; refused for a bool tensor, as PyTorch."""
    if input.data.dtype.kind == "b":
        raise DtypeError(f"positive: the + operator on a bool tensor is not supported "
                         f"(tensor {describe(input.data)})")
    return input


def _integers(op, *tensors):
    """The result dtype of integer-only op `op`, or DtypeError naming it."""
    dt = result_type(*tensors)
    if dt.kind not in "iu" or builtins.any(
            isinstance(t, Tensor) and t.data.dtype.kind == "b" for t in tensors):
        arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        raise DtypeError(f"{op}: only integer tensors, got {describe(*arrays)}")
    return dt


def _integer_op(name, fn, doc):
    def op(input, other):
        dt = _integers(name, input, other)
        a, b = (t.data if isinstance(t, Tensor) else np.asarray(t) for t in (input, other))
        return _wrap(np.asarray(fn(a.astype(dt, copy=False), b.astype(dt, copy=False))), None)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return public(op, method=True)


def _shift(fn):
    """numpy's shift, with PyTorch's answer for a shift by the width or more (0, or -1
    for a negative number shifted right)."""
    def shift(a, b):
        width = a.dtype.itemsize * 8
        big = (b >= width) | (b < 0)
        out = fn(a, np.where(big, 0, b))
        return np.where(big, np.where(a < 0, -1, 0) if fn is np.right_shift else 0,
                        out).astype(a.dtype)
    return shift


_integer_op("gcd", np.gcd, "The greatest common divisor of input and other, elementwise "
                           "(non-negative; gcd(0, 0) = 0): integer tensors, no gradient.")
_integer_op("lcm", np.lcm, "The least common multiple of input and other, elementwise "
                           "(non-negative): integer tensors, no gradient.")
_integer_op("bitwise_left_shift", _shift(np.left_shift),
            "input << other of integer tensors (shifted by the width or more: 0).")
_integer_op("bitwise_right_shift", _shift(np.right_shift),
            "input >> other of integer tensors, arithmetic (shifted by the width or more: 0, "
            "or -1 for a negative input).")
# <<, >> and their reflected and in-place forms, as PyTorch's (a Python int operand takes
# the tensor's dtype, wrapping around: int8 << 257 shifts by 1)
Tensor.__lshift__ = FUNCTIONS["bitwise_left_shift"]
Tensor.__rshift__ = FUNCTIONS["bitwise_right_shift"]
Tensor.__rlshift__ = lambda self, other: FUNCTIONS["bitwise_left_shift"](other, self)
Tensor.__rrshift__ = lambda self, other: FUNCTIONS["bitwise_right_shift"](other, self)
Tensor.__ilshift__ = _inplace_op("__ilshift__", FUNCTIONS["bitwise_left_shift"])
Tensor.__irshift__ = _inplace_op("__irshift__", FUNCTIONS["bitwise_right_shift"])


@public(method=True)
def float_power(input, exponent):
    """input ** exponent computed in float64 (both cast to it), a float64 result."""
    x = input.to(np.float64)
    return F.pow(x, exponent.to(np.float64) if isinstance(exponent, Tensor)
                 else builtins.float(exponent))


@public(method=True)
def ldexp(input, other):
    """input * 2 ** other, with 2 ** other computed in the result's float dtype (a float64
    input takes 2 ** 200 from an int16 other); integers give the default float dtype."""
    dt = result_type(input, other, floating=True)
    return F.mul(input, F.exp2(other.to(dt) if isinstance(other, Tensor) else other))


@public(method=True)
def signbit(input):
    """True where the sign bit is set (negative numbers, -0.0, a NaN with the sign bit):
    a bool tensor, no gradient."""
    return _wrap(np.asarray(np.signbit(input.data)), None)


@public(method=True)
def nextafter(input, other):
    """The next floating-point value after input towards other, elementwise (float
    tensors of one dtype); no gradient."""
    dt = result_type(input, other)
    if dt.kind != "f":
        raise DtypeError(f"nextafter: only float tensors, got {describe(input.data)}")
    b = other.data if isinstance(other, Tensor) else other
    return _wrap(np.asarray(np.nextafter(input.data.astype(dt, copy=False),
                                         np.asarray(b, dt))), None)


@public(method=True)
def angle(input):
    """The argument of each element: 0 for a non-negative real, pi for a negative one, NaN
    for NaN; a float result (integers give the default float dtype) whose gradient is 0."""
    dt = result_type(input, floating=True)
    d = input.data
    value = np.where(d < 0, np.pi, 0).astype(dt)
    if d.dtype.kind == "f":
        value = np.where(np.isnan(d), d, value)
    if input.requires_grad:       # zero gradient, as PyTorch's (where picks no x)
        return F.where(False, input, _wrap(np.asarray(value), None))
    return _wrap(np.asarray(value), None)


@public(method=True)
def isreal(input):
    """True everywhere: a real tensor's elements are all real (a bool tensor)."""
    return _wrap(np.ones(input.data.shape, bool), None)


@public(method=True)
def frexp(input) -> tuple[Tensor, ...]:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1)
    (0, inf and NaN as themselves with exponent 0): the mantissa's gradient is
    2 ** -exponent, the exponent an int32 tensor without one."""
    d = input.data
    if d.dtype.kind != "f":
        raise DtypeError(f"frexp: only float tensors, got {describe(d)}")
    _, e = np.frexp(d)
    half = -(e // 2)                   # two factors: 2 ** -e alone can overflow
    a, b = np.ldexp(np.ones((), d.dtype), half), np.ldexp(np.ones((), d.dtype), -e - half)
    mantissa = input * _wrap(np.asarray(a, d.dtype), None) * _wrap(np.asarray(b, d.dtype), None)
    return mantissa, _wrap(np.asarray(e, np.int32), None)
