# Generated from the definitions by `python -m autograd.stubs`; do not edit.
# tests/test_stubs.py fails when it is out of date.
import builtins
from typing import Any, Iterator

import numpy


def _check_int_range(data: Any) -> Any:
    """Raise if `data` (a number or nested sequences) holds a Python int outside int64 and no float (with a float, PyTorch makes a float tensor, and so do we)."""


def _dtype(dtype: Any) -> Any: ...


def _operand(x: Any, like: Any, force: Any = ...) -> Any:
    """A non-Tensor operand in `like`'s dtype (a loss target), or a Tensor."""


def _rebuild(cls: Any, data: Any, requires_grad: Any) -> Any:
    """Unpickle a Tensor (see Tensor.__reduce_ex__)."""


def _typed_leaves_dtype(data: Any) -> Any:
    """PyTorch's dtype for nested sequences with numpy scalars or arrays or Tensors among their leaves: each such leaf keeps its dtype, a Python float counts as the default dtype, an int as int64, a bool as bool, all promoted together ([np.float64(1.5), 2.0] is float64, [np.int32(1)] int32); None if every leaf is a Python number (numpy's inference, corrected by the caller)."""


def _wrap(data: Any, node: Any) -> Tensor:
    """A Tensor on array `data` made by `node` (None: no grad); a numpy scalar becomes a 0-d array, nothing else is checked."""


def array0d(data: Any) -> Any:
    """`data` itself, or a 0-d array if it is a numpy scalar: numpy's reductions and its ufuncs on 0-d arrays give scalars, and a Tensor's .data is always an ndarray (a scalar would be a copy wherever it went: views, detach(), numpy())."""


def as_array(data: Any, dtype: Any = ...) -> numpy.ndarray:
    """Convert `data` to an ndarray with PyTorch's dtype inference."""


def get_default_dtype() -> numpy.dtype: ...


def set_default_dtype(dtype: Any) -> None:
    """Dtype of tensors made from Python floats (float32 unless changed)."""


def set_print_options(sci_mode: Any = ..., **options: Any) -> Any:
    """Set the repr's array2string options; `sci_mode` True/False forces scientific or positional notation for floats, None leaves numpy's choice."""


class Tensor:
    """An n-dimensional array that records the ops applied to it."""

    __array_priority__: builtins.int
    _node: Any
    _view_of: Any
    data: numpy.ndarray
    grad: Tensor | None
    is_cpu: builtins.bool
    is_cuda: builtins.bool
    is_ipu: builtins.bool
    is_maia: builtins.bool
    is_meta: builtins.bool
    is_mkldnn: builtins.bool
    is_mps: builtins.bool
    is_mtia: builtins.bool
    is_nested: builtins.bool
    is_quantized: builtins.bool
    is_sparse: builtins.bool
    is_sparse_csr: builtins.bool
    is_vulkan: builtins.bool
    is_xla: builtins.bool
    is_xpu: builtins.bool

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a matrix (the transpose: the dtype is real); a 0-d tensor itself."""

    @property
    def T(self) -> Tensor:
        """The tensor with all its dimensions reversed (a view)."""

    @property
    def _base(self) -> Any:
        """The tensor whose memory this view shows (None if it is no view), as PyTorch's."""

    @property
    def device(self) -> Any:
        """Where the data lives: always the CPU."""

    @property
    def dtype(self) -> numpy.dtype:
        """The numpy dtype of the data."""

    @property
    def grad_fn(self) -> Any:
        """The node of the op that made this tensor (None for a leaf)."""

    @property
    def is_leaf(self) -> builtins.bool:
        """True for a tensor not made by a recorded op (made by the user, or without grad)."""

    @property
    def itemsize(self) -> builtins.int:
        """The size of one element in bytes."""

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the matrices in the last two dims (mT: real dtype)."""

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a view), as torch.Tensor.mT."""

    @property
    def nbytes(self) -> builtins.int:
        """numel() * itemsize: the bytes of the elements (not of a view's whole buffer)."""

    @property
    def ndim(self) -> builtins.int:
        """The number of dims."""

    @property
    def real(self) -> Tensor:
        """The real part: this tensor itself, as its dtype is real."""

    @property
    def requires_grad(self) -> builtins.bool:
        """True if gradients are recorded for this tensor (it has a node)."""

    @requires_grad.setter
    def requires_grad(self, value: Any) -> None: ...

    @property
    def retains_grad(self) -> builtins.bool:
        """True for a non-leaf tensor whose gradient backward keeps in ``.grad`` (after ``retain_grad()``)."""

    @property
    def shape(self) -> builtins.tuple[builtins.int, ...]:
        """The sizes of the dims, a tuple."""

    def __abs__(x) -> Tensor:
        """abs(x), elementwise: |x|; d/dx = sign(x): 0 at 0, and 0 at NaN (as PyTorch, whose sign(NaN) is 0)."""

    def __add__(self, other: Any) -> Tensor: ...

    def __and__(a, b: Any) -> Tensor: ...

    def __array__(self, dtype: Any = ..., copy: Any = ...) -> numpy.ndarray:
        """np.asarray(tensor) gives the data (shared, as torch.Tensor.numpy()); refused for a tensor that requires grad, whose gradient the array would lose."""

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any: ...

    def __array_ufunc__(self, ufunc: Any, method: Any, *inputs: Any, **kwargs: Any) -> Any: ...

    def __bool__(self) -> builtins.bool: ...

    def __deepcopy__(self, memo: Any) -> Tensor:
        """A leaf with its own copy of the data and of ``.grad``, requiring grad if this one does: a new leaf of its own (its gradient goes to it, not to the original)."""

    def __eq__(a, b: Any) -> Tensor:  # type: ignore[override]
        """a == b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __float__(self) -> builtins.float: ...

    def __floordiv__(a, b: Any) -> Tensor:
        """floor(a / b), as Python's // and torch.floor_divide (exact: numpy's floor_divide, the quotient of remainder); integer division by zero raises."""

    def __format__(self, spec: builtins.str) -> builtins.str:
        """A 0-d tensor formats as its value (f"{loss:.4f}"), as PyTorch."""

    def __ge__(a, b: Any) -> Tensor:
        """a >= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __getitem__(x, index: Any) -> Tensor: ...

    def __gt__(a, b: Any) -> Tensor:
        """a > b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __hash__(self) -> builtins.int: ...

    def __iadd__(self, other: Any) -> Tensor: ...

    def __iand__(self, other: Any) -> Tensor: ...

    def __ifloordiv__(self, other: Any) -> Any: ...

    def __ilshift__(self, other: Any) -> Tensor: ...

    def __imod__(self, other: Any) -> Any: ...

    def __imul__(self, other: Any) -> Tensor: ...

    def __index__(self) -> builtins.int: ...

    def __init__(self, data: Any, dtype: Any = ..., requires_grad: Any = ...) -> None: ...

    def __int__(self) -> builtins.int: ...

    def __invert__(x) -> Tensor: ...

    def __ior__(self, other: Any) -> Tensor: ...

    def __ipow__(self, other: Any) -> Tensor: ...

    def __irshift__(self, other: Any) -> Tensor: ...

    def __isub__(self, other: Any) -> Tensor: ...

    def __iter__(self) -> Iterator[Tensor]: ...

    def __itruediv__(self, other: Any) -> Tensor: ...

    def __ixor__(self, other: Any) -> Tensor: ...

    def __le__(a, b: Any) -> Tensor:
        """a <= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __len__(self) -> builtins.int: ...

    def __lshift__(input, other: Any) -> Tensor:
        """input << other of integer tensors (shifted by the width or more: 0)."""

    def __lt__(a, b: Any) -> Tensor:
        """a < b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __matmul__(a, b: Any) -> Tensor:
        """Matrix product with numpy's rules: 1-d operands are vectors, batch dims broadcast."""

    def __mod__(a, b: Any) -> Tensor:
        """a mod b with the sign of b (Python's `%`, as torch.remainder), computed exactly; d/da = 1, d/db = -floor(a / b)."""

    def __mul__(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting (the same op as `*`)."""

    def __ne__(a, b: Any) -> Tensor:  # type: ignore[override]
        """a != b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def __neg__(x) -> Tensor:
        """-x; d/dx = -1."""

    def __or__(a, b: Any) -> Tensor: ...

    def __pow__(x, exponent: Any) -> Tensor:
        """x ** exponent: a number exponent records Pow, a Tensor one (or base) PowT."""

    def __radd__(self, other: Any) -> Tensor: ...

    def __rand__(a, b: Any) -> Tensor: ...

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as its data and requires_grad, as PyTorch does: the graph that made it and its ``.grad`` are not stored (an unpickled tensor is a leaf)."""

    def __repr__(self) -> builtins.str: ...

    def __rfloordiv__(self, other: Any) -> Any: ...

    def __rlshift__(self, other: Any) -> Tensor: ...

    def __rmatmul__(self, other: Any) -> Tensor: ...

    def __rmod__(self, other: Any) -> Any: ...

    def __rmul__(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting (the same op as `*`)."""

    def __ror__(a, b: Any) -> Tensor: ...

    def __rpow__(self, other: Any) -> Tensor: ...

    def __rrshift__(self, other: Any) -> Tensor: ...

    def __rshift__(input, other: Any) -> Tensor:
        """input >> other of integer tensors, arithmetic (shifted by the width or more: 0, or -1 for a negative input)."""

    def __rsub__(self, other: Any) -> Tensor: ...

    def __rtruediv__(self, other: Any) -> Tensor: ...

    def __rxor__(a, b: Any) -> Tensor: ...

    def __setitem__(self, index: Any, value: Any) -> Any: ...

    def __sub__(self, other: Any) -> Tensor: ...

    def __truediv__(self, other: Any) -> Tensor: ...

    def __xor__(a, b: Any) -> Tensor: ...

    def _alias(self) -> Any:
        """A second Tensor on the same buffer and node, so a graph saving `self` keeps the pre-write identity while `self` itself moves to the new node."""

    def _apply1(self, cls: Any, *args: Any) -> Any: ...

    def _binary(self, cls: Any, other: Any, *args: Any, reverse: Any = ...) -> Any:
        """`self op other` (`other op self` if `reverse`) for binary primitive `cls`, with the operands converted to the result dtype of dtypes.result_type (true division computes in floating point)."""

    def _is_view(self) -> Any: ...

    def _rbinary(self, cls: Any, other: Any) -> Any: ...

    def abs(x) -> Tensor:
        """abs(x), elementwise: |x|; d/dx = sign(x): 0 at 0, and 0 at NaN (as PyTorch, whose sign(NaN) is 0)."""

    def abs_(self) -> Tensor:
        """In place: self = abs(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def absolute(input) -> Tensor:
        """|input| (abs)."""

    def absolute_(self) -> Tensor:
        """In place: self = abs(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def acos(x) -> Tensor:
        """acos(x), elementwise: Arccosine; d/dx acos x = -1 / sqrt(1 - x^2)."""

    def acos_(self) -> Tensor:
        """In place: self = acos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def acosh(x) -> Tensor:
        """acosh(x), elementwise: Inverse hyperbolic cosine; d/dx acosh x = 1 / sqrt(x^2 - 1) (inf at 1)."""

    def acosh_(self) -> Tensor:
        """In place: self = acosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def add(self, other: Any, *, alpha: Any = ...) -> Tensor:
        """self + alpha * other, as torch.Tensor.add (broadcasting, PyTorch's dtype rule)."""

    def add_(self, other: Any, *, alpha: Any = ...) -> Tensor:
        """In place: self += alpha * other."""

    def addbmm(input, batch1: Any, batch2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i] (3-d batch1, batch2); with beta=0 the input is ignored, as PyTorch."""

    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """In place: self = addbmm(self, batch1, batch2, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def addcdiv(input, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
        """input + value * tensor1 / tensor2, broadcast; refused for integer tensor1 and tensor2, as PyTorch."""

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
        """In place: self = addcdiv(self, tensor1, tensor2, value), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def addcmul(input, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
        """input + value * tensor1 * tensor2, broadcast, computed in the three's result dtype."""

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
        """In place: self = addcmul(self, tensor1, tensor2, value), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def addmm(input, mat1: Any, mat2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """beta * input + alpha * (mat1 @ mat2) for 2-d mat1, mat2; with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""

    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """In place: self = addmm(self, mat1, mat2, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def addmv(input, mat: Any, vec: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """beta * input + alpha * (mat @ vec) for a 2-d mat and a 1-d vec; with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""

    def addmv_(self, mat: Any, vec: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """In place: self = addmv(self, mat, vec, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def addr(input, vec1: Any, vec2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """beta * input + alpha * outer(vec1, vec2) for 1-d vec1, vec2; with beta=0 the input is ignored, as PyTorch."""

    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """In place: self = addr(self, vec1, vec2, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def adjoint(input) -> Tensor:
        """The conjugate transpose of the matrices in the last two dims (the transpose: the dtype is real), as Tensor.mH."""

    def all(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """True where every element over `dim` is non-zero (all dims if None); a bool tensor (uint8 for a uint8 input, as PyTorch)."""

    def allclose(input, other: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> builtins.bool:
        """True if isclose(input, other, rtol, atol, equal_nan) holds everywhere."""

    def amax(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """The maximum over `dim` (all dims if None); tied maxima share the gradient equally."""

    def amin(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """The minimum over `dim` (all dims if None); tied minima share the gradient equally."""

    def aminmax(input, *, dim: Any = ..., keepdim: Any = ...) -> Any:
        """(min, max): amin and amax over `dim` (one int, or all dims if None) together."""

    def angle(input) -> Tensor:
        """The argument of each element: 0 for a non-negative real, pi for a negative one, NaN for NaN; a float result (integers give the default float dtype) whose gradient is 0."""

    def any(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """True where any element over `dim` is non-zero (all dims if None); a bool tensor (uint8 for a uint8 input, as PyTorch)."""

    def arccos(x) -> Tensor:
        """acos(x), elementwise: Arccosine; d/dx acos x = -1 / sqrt(1 - x^2)."""

    def arccos_(self) -> Tensor:
        """In place: self = acos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arccosh(x) -> Tensor:
        """acosh(x), elementwise: Inverse hyperbolic cosine; d/dx acosh x = 1 / sqrt(x^2 - 1) (inf at 1)."""

    def arccosh_(self) -> Tensor:
        """In place: self = acosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arcsin(x) -> Tensor:
        """asin(x), elementwise: Arcsine; d/dx asin x = 1 / sqrt(1 - x^2) (inf at ±1, NaN beyond and at ±inf)."""

    def arcsin_(self) -> Tensor:
        """In place: self = asin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arcsinh(x) -> Tensor:
        """asinh(x), elementwise: Inverse hyperbolic sine; d/dx asinh x = 1 / sqrt(x^2 + 1)."""

    def arcsinh_(self) -> Tensor:
        """In place: self = asinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arctan(x) -> Tensor:
        """atan(x), elementwise: Arctangent; d/dx atan x = 1 / (1 + x^2)."""

    def arctan2(input, other: Any) -> Tensor:
        """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting; d/dinput = other / r^2, d/dother = -input / r^2 (NaN at the origin, as PyTorch)."""

    def arctan2_(self, other: Any) -> Tensor:
        """In place: self = atan2(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arctan_(self) -> Tensor:
        """In place: self = atan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def arctanh(x) -> Tensor:
        """atanh(x), elementwise: Inverse hyperbolic tangent; d/dx atanh x = 1 / (1 - x^2)."""

    def arctanh_(self) -> Tensor:
        """In place: self = atanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def argmax(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """The index of the maximum over `dim` (of the flattened tensor if None); no gradient."""

    def argmin(x, dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """The index of the minimum over `dim` (of the flattened tensor if None); no gradient."""

    def argsort(x, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Tensor:
        """Indices that sort x along dim (int64)."""

    def argwhere(input, *, as_tuple: Any = ...) -> Any:
        """The indices of the non-zero elements, in C order: an (n, ndim) int64 tensor, or with as_tuple one 1-d tensor per dim (a 0-d input counting as 1-d)."""

    def as_strided(input, size: Any, stride: Any, storage_offset: Any = ...) -> Tensor:
        """A view of the memory input lies in: element i of the result is the buffer's element storage_offset + sum(i_k * stride_k), in elements from the buffer's start as PyTorch's storage (storage_offset defaults to input's own)."""

    def as_strided_(self, size: Any, stride: Any, storage_offset: Any = ...) -> Tensor:
        """In place: self becomes ``as_strided(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def asin(x) -> Tensor:
        """asin(x), elementwise: Arcsine; d/dx asin x = 1 / sqrt(1 - x^2) (inf at ±1, NaN beyond and at ±inf)."""

    def asin_(self) -> Tensor:
        """In place: self = asin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def asinh(x) -> Tensor:
        """asinh(x), elementwise: Inverse hyperbolic sine; d/dx asinh x = 1 / sqrt(x^2 + 1)."""

    def asinh_(self) -> Tensor:
        """In place: self = asinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def atan(x) -> Tensor:
        """atan(x), elementwise: Arctangent; d/dx atan x = 1 / (1 + x^2)."""

    def atan2(input, other: Any) -> Tensor:
        """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting; d/dinput = other / r^2, d/dother = -input / r^2 (NaN at the origin, as PyTorch)."""

    def atan2_(self, other: Any) -> Tensor:
        """In place: self = atan2(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def atan_(self) -> Tensor:
        """In place: self = atan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def atanh(x) -> Tensor:
        """atanh(x), elementwise: Inverse hyperbolic tangent; d/dx atanh x = 1 / (1 - x^2)."""

    def atanh_(self) -> Tensor:
        """In place: self = atanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def backward(self, gradient: Any = ..., retain_graph: Any = ..., create_graph: Any = ..., inputs: Any = ...) -> Any:
        """Accumulate the gradient of this tensor with respect to the graph's leaves into their ``.grad`` (``autograd.backward``; `gradient` is needed unless it is a scalar)."""

    def baddbmm(input, batch1: Any, batch2: Any, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """beta * input + alpha * (batch1 @ batch2) for (b, n, m) @ (b, m, p); with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""

    def baddbmm_(self, batch1: Any, batch2: Any, beta: Any = ..., alpha: Any = ...) -> Tensor:
        """In place: self = baddbmm(self, batch1, batch2, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bernoulli(input, p: Any = ..., generator: Any = ...) -> Tensor:
        """1 with probability `input` (or the number `p`, if given) and 0 otherwise, per element, as ``torch.bernoulli``: `input`'s shape and floating dtype, drawn from autograd's default generator (``manual_seed`` reproduces them, as dropout's masks) or the numpy Generator `generator`."""

    def bernoulli_(self, p: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with 1 with probability `p` (a number or a tensor broadcast to self) and 0 otherwise."""

    def bfloat16(self) -> Tensor:
        """Refused: numpy, hence gradgraph, has no bfloat16 dtype."""

    def bincount(input, weights: Any = ..., minlength: Any = ...) -> Tensor:
        """The number of times each value 0, 1, ..., max(input) occurs in the 1-d non-negative integer input (the sum of their `weights` if given), at least `minlength` long; no gradient."""

    def bitwise_and(input, other: Any) -> Tensor:
        """input & other of bool or integer tensors."""

    def bitwise_and_(self, b: Any) -> Tensor:
        """In place: self = bitwise_and(self, b), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bitwise_left_shift(input, other: Any) -> Tensor:
        """input << other of integer tensors (shifted by the width or more: 0)."""

    def bitwise_left_shift_(self, other: Any) -> Tensor:
        """In place: self = bitwise_left_shift(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bitwise_not(input) -> Tensor:
        """~input of a bool or integer tensor."""

    def bitwise_not_(self) -> Tensor:
        """In place: self = bitwise_not(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bitwise_or(input, other: Any) -> Tensor:
        """input | other of bool or integer tensors."""

    def bitwise_or_(self, b: Any) -> Tensor:
        """In place: self = bitwise_or(self, b), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bitwise_right_shift(input, other: Any) -> Tensor:
        """input >> other of integer tensors, arithmetic (shifted by the width or more: 0, or -1 for a negative input)."""

    def bitwise_right_shift_(self, other: Any) -> Tensor:
        """In place: self = bitwise_right_shift(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bitwise_xor(input, other: Any) -> Tensor:
        """input ^ other of bool or integer tensors."""

    def bitwise_xor_(self, b: Any) -> Tensor:
        """In place: self = bitwise_xor(self, b), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def bmm(a, b: Any) -> Tensor:
        """The batched matrix product of 3-d tensors a (B, n, m) and b (B, m, p)."""

    def bool(self) -> Tensor:
        """This tensor as bool (itself if it is already, else a copy without gradient)."""

    def broadcast_to(input, size: Any) -> Tensor:
        """input broadcast to shape `size` (expand)."""

    def byte(self) -> Tensor:
        """This tensor as uint8 (itself if it is already, else a copy without gradient)."""

    def cauchy_(self, median: Any = ..., sigma: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with draws from the Cauchy distribution median + sigma * tan(pi * (U - 1/2))."""

    def ceil(x) -> Tensor:
        """The smallest integer >= x, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""

    def ceil_(self) -> Tensor:
        """In place: self = ceil(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def char(self) -> Tensor:
        """This tensor as int8 (itself if it is already, else a copy without gradient)."""

    def cholesky(input, upper: Any = ...) -> Tensor:
        """torch.cholesky (deprecated there): linalg.cholesky(input, upper=upper)."""

    def cholesky_inverse(input, upper: Any = ...) -> Tensor:
        """(L L^T)^-1 (U^T U if `upper`) from the Cholesky factor input (..., n, n)."""

    def cholesky_solve(input, input2: Any, upper: Any = ...) -> Tensor:
        """X with (L L^T) X = input (U^T U if `upper`) for the Cholesky factor input2 (..., n, n) and input (..., n, k)."""

    def chunk(x, chunks: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""

    def clamp(x, min: Any = ..., max: Any = ...) -> Tensor:
        """min(max(x, min), max), as PyTorch: max wins when min > max, NaN stays NaN."""

    def clamp_(self, min: Any = ..., max: Any = ...) -> Tensor:
        """In place: self = clamp(self, min, max)."""

    def clamp_max(x, max: Any) -> Tensor:
        """min(x, max), as clamp(x, max=max): the gradient passes where x <= max."""

    def clamp_max_(self, other: Any) -> Tensor:
        """In place: self = clamp(self, max=max)."""

    def clamp_min(x, min: Any) -> Tensor:
        """max(x, min), as clamp(x, min=min): the gradient passes where x >= min."""

    def clamp_min_(self, other: Any) -> Tensor:
        """In place: self = clamp(self, min=min)."""

    def clip(x, min: Any = ..., max: Any = ...) -> Tensor:
        """min(max(x, min), max), as PyTorch: max wins when min > max, NaN stays NaN."""

    def clip_(self, min: Any = ..., max: Any = ...) -> Tensor:
        """In place: self = clamp(self, min, max), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def clone(self) -> Tensor:
        """A copy with its own memory; the gradient flows back to this tensor."""

    def conj(self) -> Tensor:
        """The complex conjugate: this tensor itself, as its dtype is real."""

    def conj_physical(self) -> Tensor:
        """The complex conjugate: this tensor itself, as its dtype is real."""

    def const_data_ptr(self) -> builtins.int:
        """The address of the first element (views of one buffer differ by their offset)."""

    def contiguous(self) -> Tensor:
        """This tensor if its data is C-contiguous, else a contiguous copy."""

    def copy_(self, src: Any) -> Tensor:
        """In place: copy `src` (broadcast to self's shape and cast to its dtype) into self; the gradient flows to `src`, the old values get an exact zero gradient."""

    def copysign(input, other: Any) -> Tensor:
        """|input| with the sign of other (its sign bit: -0 and -NaN count as negative), elementwise with broadcasting; integers give the default float dtype. d/dinput is ±1 (0 at 0 and NaN, as abs's), also at ±inf, where PyTorch's result / input gives NaN; other gets no gradient (PyTorch's is 0)."""

    def copysign_(self, other: Any) -> Tensor:
        """In place: self = copysign(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def corrcoef(input) -> Tensor:
        """Pearson's correlation coefficients of the variables in input's rows: cov(input) divided by the outer product of the standard deviations, clipped to [-1, 1]."""

    def cos(x) -> Tensor:
        """cos(x), elementwise: Cosine; d/dx cos x = -sin x."""

    def cos_(self) -> Tensor:
        """In place: self = cos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def cosh(x) -> Tensor:
        """cosh(x), elementwise: Hyperbolic cosine; d/dx cosh x = sinh x."""

    def cosh_(self) -> Tensor:
        """In place: self = cosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def count_nonzero(input, dim: Any = ...) -> Tensor:
        """The number of non-zero elements over `dim` (an int or a tuple; all if None): an int64 tensor, no gradient."""

    def cov(input, *, correction: Any = ..., fweights: Any = ..., aweights: Any = ...) -> Tensor:
        """The covariance matrix of the variables in input's rows (a 1-d input: one variable) over the observations in its columns, divided by N - correction (with weights as torch.cov: fweights integer repeat counts, aweights relative weights)."""

    def cpu(self) -> Tensor:
        """This tensor (the data is always on the CPU)."""

    def cross(input, other: Any, dim: Any = ...) -> Tensor:
        """The cross product of 3-vectors along `dim` (the first dim of size 3 if None, as torch.cross); the inputs broadcast."""

    def cuda(self, device: Any = ..., non_blocking: Any = ...) -> Any:
        """Refused: gradgraph runs on the CPU only (raises naming the device)."""

    def cummax(input, dim: Any) -> Any:
        """(values, indices): the running maximum along `dim` and where it was found (the latest of equal values; from a NaN on, NaN and the latest NaN's index), as PyTorch."""

    def cummin(input, dim: Any) -> Any:
        """(values, indices): the running minimum along `dim`, as cummax."""

    def cumprod(input, dim: Any, *, dtype: Any = ...) -> Tensor:
        """The cumulative product along `dim`; integers and bool give int64."""

    def cumprod_(self, dim: Any, *, dtype: Any = ...) -> Tensor:
        """In place: self = cumprod(self, dim, dtype), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def cumsum(x, dim: Any, *, dtype: Any = ...) -> Tensor:
        """The cumulative sum along `dim`, as `dtype` if given (integers and bool give int64)."""

    def cumsum_(self, dim: Any, *, dtype: Any = ...) -> Tensor:
        """In place: self = cumsum(self, dim, dtype), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def data_ptr(self) -> builtins.int:
        """The address of the first element (views of one buffer differ by their offset)."""

    def deg2rad(input) -> Tensor:
        """Degrees to radians, x * pi / 180 (integers give the default float dtype)."""

    def deg2rad_(self) -> Tensor:
        """In place: self = deg2rad(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def det(A) -> Tensor:
        """The determinant of each square matrix (..., n, n): a tensor of shape (...)."""

    def detach(self) -> Tensor:
        """A tensor on the same data that does not require grad (shares the memory)."""

    def detach_(self) -> Tensor:
        """Detach this tensor from its graph in place; returns self."""

    def diag(input, diagonal: Any = ...) -> Tensor:
        """A 1-d input: the square matrix with it on diagonal `diagonal`; a 2-d input: that diagonal of it."""

    def diag_embed(input, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
        """Matrices (in dims dim1, dim2 of the result) with input's last dim on their diagonal `offset`, zeros elsewhere."""

    def diagflat(input, offset: Any = ...) -> Tensor:
        """The square matrix with input's elements (flattened) on diagonal `offset`."""

    def diagonal(input, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
        """The diagonal `offset` (above the main one if > 0) of the matrices in dims dim1 and dim2, as the last dim of the result (the other dims first, in order)."""

    def diagonal_scatter(input, src: Any, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
        """input with src written over input.diagonal(offset, dim1, dim2)."""

    def diff(input, n: Any = ..., dim: Any = ..., prepend: Any = ..., append: Any = ...) -> Tensor:
        """The n-th forward difference along `dim`, x[i + 1] - x[i] applied n times, after `prepend` and `append` are joined on along `dim` (numbers are broadcast to one slice); bool tensors give x[i + 1] != x[i], as PyTorch."""

    def digamma(x) -> Tensor:
        """digamma(x), elementwise: Gamma'(x) / Gamma(x) (-inf at +0, +inf at -0, NaN at the negative integers, as PyTorch); d/dx digamma x = polygamma(1, x)."""

    def digamma_(self) -> Tensor:
        """In place: self = digamma(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def dim(self) -> builtins.int:
        """The number of dims."""

    def dim_order(self) -> builtins.tuple[builtins.int, ...]:
        """The dims from outermost to innermost in memory: (0, 1, ..., ndim - 1) for a contiguous tensor, else PyTorch's order (by decreasing stride; a stride of 0 or a tie keeps its place, a tie between sizes puts the longer dim inside)."""

    def dist(input, other: Any, p: Any = ...) -> Tensor:
        """The p-norm of input - other (broadcast), over all elements."""

    def div(a, b: Any, *, rounding_mode: Any = ...) -> Tensor:
        """a / b with PyTorch's dtype promotion: true division (integers give the default float dtype) by default; rounding_mode="trunc" rounds the quotient towards zero, "floor" down (floor_divide), both in the operands' dtype (integers stay integers, and an integer division by zero raises), with gradient 0, as PyTorch's."""

    def div_(self, other: Any, *, rounding_mode: Any = ...) -> Tensor:
        """In place: self /= other (rounded by rounding_mode if given, as div)."""

    def divide(a, b: Any, *, rounding_mode: Any = ...) -> Tensor:
        """a / b with PyTorch's dtype promotion: true division (integers give the default float dtype) by default; rounding_mode="trunc" rounds the quotient towards zero, "floor" down (floor_divide), both in the operands' dtype (integers stay integers, and an integer division by zero raises), with gradient 0, as PyTorch's."""

    def divide_(self, b: Any, *, rounding_mode: Any = ...) -> Tensor:
        """In place: self = div(self, b, rounding_mode), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def dot(input, other: Any) -> Tensor:
        """The inner product of two 1-d tensors of one size and dtype (a 0-d tensor)."""

    def double(self) -> Tensor:
        """This tensor as float64 (itself if it is already; the cast is differentiable)."""

    def dsplit(input, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
        """tensor_split along dim 2, where a number of sections must divide the dim's size."""

    def element_size(self) -> builtins.int:
        """The size of one element in bytes."""

    def eq(a, b: Any) -> Tensor:
        """a == b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def eq_(self, b: Any) -> Tensor:
        """In place: self = eq(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def equal(input, other: Any) -> builtins.bool:
        """True if input and other have the same shape and the same values (NaN equals nothing), as torch.equal; the dtypes may differ."""

    def erf(x) -> Tensor:
        """erf(x), elementwise: erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt; d/dx erf x = 2/sqrt(pi) exp(-x^2)."""

    def erf_(self) -> Tensor:
        """In place: self = erf(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def erfc(x) -> Tensor:
        """erfc(x), elementwise: 1 - erf(x), to full relative precision for large x (where 1 - erf(x) is 0 from x = 6); d/dx erfc x = -2/sqrt(pi) exp(-x^2)."""

    def erfc_(self) -> Tensor:
        """In place: self = erfc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def erfinv(x) -> Tensor:
        """erfinv(x), elementwise: The inverse of erf on [-1, 1] (±inf at ±1, NaN beyond); d/dy erfinv y = sqrt(pi)/2 exp(erfinv(y)^2) (from its saved output)."""

    def erfinv_(self) -> Tensor:
        """In place: self = erfinv(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def exp(x) -> Tensor:
        """exp(x), elementwise: e^x; d/dx e^x = e^x (its output, which it saves)."""

    def exp2(x) -> Tensor:
        """exp2(x), elementwise: 2^x; d/dx 2^x = 2^x ln 2 (from its saved output)."""

    def exp2_(self) -> Tensor:
        """In place: self = exp2(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def exp_(self) -> Tensor:
        """In place: self = exp(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def expand(x, *sizes: Any) -> Tensor:
        """x broadcast to `sizes` (-1 keeps a size), without copying; the gradient is summed back."""

    def expand_as(x, other: Any) -> Tensor:
        """x expanded to other's shape."""

    def expm1(x) -> Tensor:
        """expm1(x), elementwise: e^x - 1, exact for small x (where exp(x) - 1 loses every digit); d/dx = e^x, its output plus 1."""

    def expm1_(self) -> Tensor:
        """In place: self = expm1(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def exponential_(self, lambd: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with draws from the exponential distribution of rate `lambd` (mean 1/lambd)."""

    def fill_(self, value: Any) -> Tensor:
        """In place: fill self with `value`; the old values get a zero gradient."""

    def fill_diagonal_(self, fill_value: Any, wrap: Any = ...) -> Tensor:
        """self with fill_value written on its main diagonal (a 2-d tensor, or one whose dims are all equal), in place; with `wrap`, a tall matrix's diagonal starts again N + 1 rows down, as PyTorch's."""

    def fix(input) -> Tensor:
        """input rounded towards zero (trunc)."""

    def fix_(self) -> Tensor:
        """In place: self = trunc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def flatten(x, start_dim: Any = ..., end_dim: Any = ...) -> Tensor:
        """x with dims start_dim..end_dim merged into one."""

    def flip(x, dims: Any) -> Tensor:
        """x with the order of elements along `dims` reversed: a new tensor, as PyTorch's (numpy's reversed view is copied, so a write into either does not reach the other)."""

    def fliplr(x) -> Tensor:
        """x (at least 2-d) with the order of its columns (dim 1) reversed: flip(x, 1)."""

    def flipud(x) -> Tensor:
        """x (at least 1-d) with the order of its rows (dim 0) reversed: flip(x, 0)."""

    def float(self) -> Tensor:
        """This tensor as float32 (itself if it is already; the cast is differentiable)."""

    def float_power(input, exponent: Any) -> Tensor:
        """input ** exponent computed in float64 (both cast to it), a float64 result."""

    def floor(x) -> Tensor:
        """The largest integer <= x, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""

    def floor_(self) -> Tensor:
        """In place: self = floor(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def floor_divide(a, b: Any) -> Tensor:
        """floor(a / b), as Python's // and torch.floor_divide (exact: numpy's floor_divide, the quotient of remainder); integer division by zero raises."""

    def floor_divide_(self, other: Any) -> Tensor:
        """In place: self = floor_divide(self, other) (self //= other)."""

    def fmax(input, other: Any) -> Tensor:
        """The elementwise maximum of input and other, where a NaN loses to a number (NaN only where both are); the gradient goes to input where input >= other or other is NaN, else to other (PyTorch's choice: all of it to input at a tie)."""

    def fmin(input, other: Any) -> Tensor:
        """The elementwise minimum of input and other, where a NaN loses to a number; the gradient goes to input where input <= other or other is NaN, else to other."""

    def fmod(a, b: Any) -> Tensor:
        """a mod b with the sign of a (C's fmod, as torch.fmod), computed exactly; d/da = 1, d/db = -trunc(a / b)."""

    def fmod_(self, other: Any) -> Tensor:
        """In place: self = fmod(self, other)."""

    def frac(x) -> Tensor:
        """x - trunc(x), the fractional part with x's sign; d/dx = 1 (trunc's is 0)."""

    def frac_(self) -> Tensor:
        """In place: self = frac(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def frexp(input) -> builtins.tuple[Tensor, ...]:
        """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1) (0, inf and NaN as themselves with exponent 0): the mantissa's gradient is 2 ** -exponent, the exponent an int32 tensor without one."""

    def gather(x, dim: Any, index: Any) -> Tensor:
        """out[i][j] = x[index[i][j]][j] for dim=0 (and so on), as torch.gather."""

    def gcd(input, other: Any) -> Tensor:
        """The greatest common divisor of input and other, elementwise (non-negative; gcd(0, 0) = 0): integer tensors, no gradient."""

    def gcd_(self, other: Any) -> Tensor:
        """In place: self = gcd(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def ge(a, b: Any) -> Tensor:
        """a >= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def ge_(self, b: Any) -> Tensor:
        """In place: self = ge(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def geometric_(self, p: Any, *, generator: Any = ...) -> Tensor:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""

    def ger(a, b: Any) -> Tensor:
        """The outer product of 1-d tensors a and b: a[i] * b[j]."""

    def get_device(self) -> builtins.int:
        """The device index: -1, the CPU's."""

    def greater(input, other: Any) -> Tensor:
        """input > other elementwise (gt): a bool tensor, no gradient."""

    def greater_(self, b: Any) -> Tensor:
        """In place: self = gt(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def greater_equal(input, other: Any) -> Tensor:
        """input >= other elementwise (ge): a bool tensor, no gradient."""

    def greater_equal_(self, b: Any) -> Tensor:
        """In place: self = ge(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def gt(a, b: Any) -> Tensor:
        """a > b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def gt_(self, b: Any) -> Tensor:
        """In place: self = gt(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def half(self) -> Tensor:
        """This tensor as float16 (the cast is differentiable)."""

    def heaviside(input, values: Any) -> Tensor:
        """The step function: 0 where input < 0 (and NaN), 1 where input > 0, values (a Tensor of input's dtype, broadcast) where input is 0. input gets no gradient (the step is flat wherever it has a slope), values gets it where input is 0 (PyTorch has no derivative for heaviside: its backward raises)."""

    def heaviside_(self, values: Any) -> Tensor:
        """In place: self = heaviside(self, values), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def histc(input, bins: Any = ..., min: Any = ..., max: Any = ...) -> Tensor:
        """The histogram of input's values in `bins` equal bins between min and max (the data's min and max if both are 0, widened by 1 each way if equal); values outside are left out, max falls in the last bin."""

    def hsplit(input, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
        """tensor_split along dim 1 (0 for a 1-d tensor), where a number of sections must divide the dim's size."""

    def hypot(input, other: Any) -> Tensor:
        """sqrt(input^2 + other^2) without overflow, elementwise with broadcasting; the gradient is (input, other) / hypot (NaN at the origin, as PyTorch)."""

    def hypot_(self, other: Any) -> Tensor:
        """In place: self = hypot(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def i0(x) -> Tensor:
        """i0(x), elementwise: The modified Bessel function of the first kind of order 0; d/dx i0 x = i1 x."""

    def i0_(self) -> Tensor:
        """In place: self = i0(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def igamma(input, other: Any) -> Tensor:
        """The regularised lower incomplete gamma function P(a, x) of input a and other x, elementwise with broadcasting; only x gets a gradient, x^(a-1) e^-x / Gamma(a), as PyTorch (a backward that needs a's raises)."""

    def igamma_(self, other: Any) -> Tensor:
        """In place: self = gammainc(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def igammac(input, other: Any) -> Tensor:
        """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise with broadcasting; only x gets a gradient."""

    def igammac_(self, other: Any) -> Tensor:
        """In place: self = gammaincc(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def index_add(input, dim: Any, index: Any, source: Any, *, alpha: Any = ...) -> Tensor:
        """input with alpha * source added at entries `index` of dim: out[..., index[i], ...] += alpha * source[..., i, ...], as torch.index_add."""

    def index_add_(input, dim: Any, index: Any, source: Any, *, alpha: Any = ...) -> Tensor:
        """index_add in place (see ``Tensor.add_`` for the checks)."""

    def index_copy(input, dim: Any, index: Any, source: Any) -> Tensor:
        """input with source's slices written at entries `index` of dim, as torch.index_copy (a repeated index: the last write wins)."""

    def index_copy_(input, dim: Any, index: Any, source: Any) -> Tensor:
        """index_copy in place (see ``Tensor.add_`` for the checks)."""

    def index_fill(input, dim: Any, index: Any, value: Any) -> Tensor:
        """input with the number (or 0-d tensor) `value` at entries `index` of dim, as torch.index_fill."""

    def index_fill_(input, dim: Any, index: Any, value: Any) -> Tensor:
        """index_fill in place (see ``Tensor.add_`` for the checks)."""

    def index_put(input, indices: Any, values: Any, accumulate: Any = ...) -> Tensor:
        """input with `values` (broadcast) written at input[indices], as torch.index_put: `indices` a tuple of integer or bool tensors for the leading dims, broadcast together. accumulate=True adds the values (repeated indices sum); else where an index repeats the last value wins and, as in PyTorch, every value written there gets that place's gradient (their gradient is a gather of the output's)."""

    def index_put_(input, indices: Any, values: Any, accumulate: Any = ...) -> Tensor:
        """index_put in place (see ``Tensor.add_`` for the checks)."""

    def index_reduce(input, dim: Any, index: Any, source: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
        """input with source's slices reduced into entries `index` of dim ('prod', 'mean', 'amax' or 'amin'; include_self: the input's own values take part), as torch.index_reduce: scatter_reduce with the index repeated over the other dims."""

    def index_reduce_(input, dim: Any, index: Any, source: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
        """index_reduce in place (see ``Tensor.add_`` for the checks)."""

    def index_select(x, dim: Any, index: Any) -> Tensor:
        """The entries of x at `index` (1-d integers) along dim."""

    def inner(input, other: Any) -> Tensor:
        """The sum over the last dims of both: out[i..., j...] = sum_k a[i..., k] b[j..., k]; a product if one of them is 0-d."""

    def int(self) -> Tensor:
        """This tensor as int32 (itself if it is already, else a copy without gradient)."""

    def inverse(A) -> Tensor:
        """inv(A): the inverse of each square matrix (..., n, n); LinAlgError if one is singular."""

    def is_complex(self) -> builtins.bool:
        """True if the dtype is complex (never: gradgraph has no complex dtype)."""

    def is_conj(self) -> builtins.bool:
        """False: a real tensor has no conjugate bit."""

    def is_contiguous(x, memory_format: Any = ...) -> builtins.bool:
        """True if x's data is laid out in C order without gaps."""

    def is_floating_point(self) -> builtins.bool:
        """True if the dtype is a floating-point one."""

    def is_neg(self) -> builtins.bool:
        """False: gradgraph keeps no negative bit."""

    def is_nonzero(self) -> builtins.bool:
        """The truth of a one-element tensor's value; refused for any other number of elements, as PyTorch."""

    def is_pinned(self) -> builtins.bool:
        """False: there is no pinned (page-locked for a GPU) memory on the CPU only."""

    def is_same_size(self, other: Any) -> builtins.bool:
        """True if `other` has this tensor's shape."""

    def is_set_to(self, tensor: Any) -> builtins.bool:
        """True if `tensor` views the same memory as this one with the same shape, strides and offset."""

    def is_shared(self) -> builtins.bool:
        """False: no tensor is in shared memory (torch.multiprocessing's)."""

    def is_signed(self) -> builtins.bool:
        """True if the dtype can hold negative values (floats and signed integers)."""

    def isclose(input, other: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> Tensor:
        """|input - other| <= atol + rtol * |other| elementwise (broadcast), as PyTorch: a bool tensor, no gradient."""

    def isfinite(x) -> Tensor:
        """True where x is neither infinite nor NaN, elementwise: a bool tensor (no gradient)."""

    def isinf(x) -> Tensor:
        """True where x is +inf or -inf, elementwise: a bool tensor (no gradient)."""

    def isnan(x) -> Tensor:
        """True where x is NaN, elementwise: a bool tensor (no gradient)."""

    def isneginf(x) -> Tensor:
        """True where x is -inf, elementwise: a bool tensor (no gradient)."""

    def isposinf(x) -> Tensor:
        """True where x is +inf, elementwise: a bool tensor (no gradient)."""

    def isreal(input) -> Tensor:
        """True everywhere: a real tensor's elements are all real (a bool tensor)."""

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""

    def kron(input, other: Any) -> Tensor:
        """The Kronecker product: blocks a[i, j] * b, in any number of dims (the one with fewer padded with leading 1s)."""

    def kthvalue(input, k: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
        """(values, indices) of the k-th smallest element along dim (k from 1; NaN is the largest)."""

    def lcm(input, other: Any) -> Tensor:
        """The least common multiple of input and other, elementwise (non-negative): integer tensors, no gradient."""

    def lcm_(self, other: Any) -> Tensor:
        """In place: self = lcm(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def ldexp(input, other: Any) -> Tensor:
        """input * 2 ** other, with 2 ** other computed in the result's float dtype (a float64 input takes 2 ** 200 from an int16 other); integers give the default float dtype."""

    def ldexp_(self, other: Any) -> Tensor:
        """In place: self = ldexp(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def le(a, b: Any) -> Tensor:
        """a <= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def le_(self, b: Any) -> Tensor:
        """In place: self = le(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def lerp(input, end: Any, weight: Any) -> Tensor:
        """input + weight * (end - input), computed as PyTorch: end - (end - input) * (1 - weight) where |weight| >= 0.5 (exact at weight = 1). weight is a number or a Tensor (broadcast); all three get their gradients."""

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        """In place: self = lerp(self, end, weight), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def less(input, other: Any) -> Tensor:
        """input < other elementwise (lt): a bool tensor, no gradient."""

    def less_(self, b: Any) -> Tensor:
        """In place: self = lt(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def less_equal(input, other: Any) -> Tensor:
        """input <= other elementwise (le): a bool tensor, no gradient."""

    def less_equal_(self, b: Any) -> Tensor:
        """In place: self = le(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def lgamma(x) -> Tensor:
        """lgamma(x), elementwise: log |Gamma(x)| (inf at the poles 0, -1, -2, ...); d/dx lgamma x = digamma x."""

    def lgamma_(self) -> Tensor:
        """In place: self = lgamma(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def log(x) -> Tensor:
        """log(x), elementwise: Natural logarithm; d/dx log x = 1/x."""

    def log10(x) -> Tensor:
        """log10(x), elementwise: Base-10 logarithm; d/dx log10 x = 1 / (x ln 10)."""

    def log10_(self) -> Tensor:
        """In place: self = log10(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def log1p(x) -> Tensor:
        """log1p(x), elementwise: log(1 + x), exact for small x; d/dx = 1 / (1 + x)."""

    def log1p_(self) -> Tensor:
        """In place: self = log1p(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def log2(x) -> Tensor:
        """log2(x), elementwise: Base-2 logarithm; d/dx log2 x = 1 / (x ln 2)."""

    def log2_(self) -> Tensor:
        """In place: self = log2(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def log_(self) -> Tensor:
        """In place: self = log(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def log_normal_(self, mean: Any = ..., std: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with exp(N(mean, std^2)) draws."""

    def log_softmax(x, dim: Any = ..., dtype: Any = ...) -> Tensor:
        """x - logsumexp(x) over dim; `dtype` casts x first (PyTorch's argument)."""

    def logaddexp(input, other: Any) -> Tensor:
        """log(e^input + e^other) without overflow, elementwise with broadcasting."""

    def logaddexp2(input, other: Any) -> Tensor:
        """log2(2^input + 2^other) without overflow, elementwise with broadcasting."""

    def logcumsumexp(input, dim: Any) -> Tensor:
        """log(cumsum(exp(x))) along `dim`, without overflow or underflow (a running logaddexp in float64: exact where the early elements are far below the later ones; NaN and inf as PyTorch)."""

    def logdet(A) -> Tensor:
        """log det(A): NaN where det A < 0, -inf where A is singular (torch.logdet)."""

    def logical_and(input, other: Any) -> Tensor:
        """a and b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""

    def logical_and_(self, b: Any) -> Tensor:
        """In place: self = logical_and(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def logical_not(input) -> Tensor:
        """not x elementwise, any dtype taken as a truth value (zero is False); a bool tensor, no gradient."""

    def logical_not_(self) -> Tensor:
        """In place: self = logical_not(self), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def logical_or(input, other: Any) -> Tensor:
        """a or b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""

    def logical_or_(self, b: Any) -> Tensor:
        """In place: self = logical_or(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def logical_xor(input, other: Any) -> Tensor:
        """a xor b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""

    def logical_xor_(self, b: Any) -> Tensor:
        """In place: self = logical_xor(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def logit(input, eps: Any = ...) -> Tensor:
        """log(x / (1 - x)), x first clamped to [eps, 1 - eps] if eps is given."""

    def logit_(self, eps: Any = ...) -> Tensor:
        """In place: self = logit(self, eps), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def logsumexp(x, dim: Any, keepdim: Any = ...) -> Tensor:
        """log(sum(exp(x))) over dim, shifted by the (constant) max so it never overflows."""

    def long(self) -> Tensor:
        """This tensor as int64 (itself if it is already, else a copy without gradient)."""

    def lt(a, b: Any) -> Tensor:
        """a < b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def lt_(self, b: Any) -> Tensor:
        """In place: self = lt(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def lu(A, pivot: Any = ..., get_infos: Any = ...) -> builtins.tuple[Tensor, ...]:
        """torch.lu (deprecated there): (LU, pivots), with info if `get_infos`."""

    def lu_solve(input, LU_data: Any, LU_pivots: Any) -> Tensor:
        """torch.lu_solve (deprecated there): linalg.lu_solve(LU_data, LU_pivots, input)."""

    def masked_fill(x, mask: Any, value: Any) -> Tensor:
        """x with `value` where mask is True (mask broadcasts)."""

    def masked_fill_(x, mask: Any, value: Any) -> Tensor:
        """Write `value` where mask is True, in place (see ``Tensor.add_`` for the checks)."""

    def masked_scatter(input, mask: Any, source: Any) -> Tensor:
        """input (broadcast with the bool mask) with source's first elements, in C order, written where mask is True; the gradient flows to input's other elements and to the elements of source used."""

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        """In place: self = masked_scatter(self, mask, source), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def masked_select(input, mask: Any) -> Tensor:
        """The elements of input where the bool `mask` is True (both broadcast), as a 1-d tensor in C order; the gradient flows back to those elements."""

    def matmul(a, b: Any) -> Tensor:
        """Matrix product with numpy's rules: 1-d operands are vectors, batch dims broadcast."""

    def matrix_exp(A) -> Tensor:
        """exp(A) = sum_k A^k / k! of each square matrix (..., n, n)."""

    def matrix_power(A, n: Any) -> Tensor:
        """A @ A @ ..."""

    def max(x, dim: Any = ..., keepdim: Any = ...) -> Any:
        """max(x): the largest element; max(x, dim): (values, indices); max(a, b): maximum."""

    def maximum(a, b: Any) -> Tensor:
        """The elementwise maximum of a and b (NaN wins); at a tie each side gets half the gradient."""

    def mean(x, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
        """The mean over `dim` (all dims if None), computed in `dtype` if given; integers computed in the default float dtype; an integer or bool `dtype` is refused, as PyTorch."""

    def median(input, dim: Any = ..., keepdim: Any = ...) -> Any:
        """median(x): the lower of the two middle values of all elements (a tensor), its gradient shared by the elements equal to it; median(x, dim): (values, indices) along dim, the gradient going to the selected element."""

    def min(x, dim: Any = ..., keepdim: Any = ...) -> Any:
        """min(x): the smallest element; min(x, dim): (values, indices); min(a, b): minimum."""

    def minimum(a, b: Any) -> Tensor:
        """The elementwise minimum of a and b (NaN wins); at a tie each side gets half the gradient."""

    def mm(a, b: Any) -> Tensor:
        """The matrix product of 2-d tensors a and b."""

    def mode(input, dim: Any = ..., keepdim: Any = ...) -> Any:
        """(values, indices): the most frequent value along dim (the smallest of equally frequent ones) and its last index, as PyTorch."""

    def moveaxis(input, source: Any, destination: Any) -> Tensor:
        """input with its dims `source` moved to positions `destination` (the others keep their order)."""

    def movedim(input, source: Any, destination: Any) -> Tensor:
        """input with its dims `source` moved to positions `destination` (the others keep their order)."""

    def msort(x) -> Tensor:
        """The values of x sorted along dim 0 (``sort(x, 0).values``)."""

    def mul(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting (the same op as `*`)."""

    def mul_(self, other: Any) -> Tensor:
        """In place: self *= other."""

    def multinomial(input, num_samples: Any, replacement: Any = ..., generator: Any = ...) -> Tensor:
        """Draw `num_samples` indices per row of `input` (k,) or (m, k), with probability proportional to the row's weights (which need not sum to 1), as ``torch.multinomial``."""

    def multiply(input, other: Any) -> Tensor:
        """input * other (mul)."""

    def multiply_(self, b: Any) -> Tensor:
        """In place: self = mul(self, b), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def mv(input, vec: Any) -> Tensor:
        """The product of a 2-d tensor and a 1-d one."""

    def mvlgamma(input, p: Any) -> Tensor:
        """The multivariate log-gamma function of dimension p >= 1, elementwise: sum_{i=0}^{p-1} lgamma(x - i/2) + p (p - 1) / 4 log(pi), as PyTorch (which no longer checks x > (p - 1) / 2)."""

    def mvlgamma_(self, p: Any) -> Tensor:
        """In place: self = mvlgamma(self, p), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def nan_to_num(input, nan: Any = ..., posinf: Any = ..., neginf: Any = ...) -> Tensor:
        """input with NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and lowest finite values), as PyTorch; the replaced elements get a zero gradient."""

    def nan_to_num_(self, nan: Any = ..., posinf: Any = ..., neginf: Any = ...) -> Tensor:
        """In place: self = nan_to_num(self, nan, posinf, neginf), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def nanmean(input, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
        """The mean over `dim` of the elements that are not NaN (NaN where all are); the NaNs get gradient 0."""

    def nanmedian(input, dim: Any = ..., keepdim: Any = ...) -> Any:
        """median ignoring NaN (NaN only where the slice is all NaN, with index 0: PyTorch's index there depends on its selection algorithm)."""

    def nanquantile(input, q: Any, dim: Any = ..., keepdim: Any = ..., *, interpolation: Any = ...) -> Tensor:
        """quantile ignoring NaN (NaN only where the slice is all NaN)."""

    def nansum(input, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
        """The sum over `dim` with NaN counted as 0 (whose gradient is 0)."""

    def narrow(x, dim: Any, start: Any, length: Any) -> Tensor:
        """x[..., start:start + length, ...] at dim."""

    def narrow_copy(input, dim: Any, start: Any, length: Any) -> Tensor:
        """narrow(input, dim, start, length) as a copy with its own memory."""

    def ndimension(self) -> builtins.int:
        """The number of dims (dim)."""

    def ne(a, b: Any) -> Tensor:
        """a != b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""

    def ne_(self, b: Any) -> Tensor:
        """In place: self = ne(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def neg(x) -> Tensor:
        """-x; d/dx = -1."""

    def neg_(self) -> Tensor:
        """In place: self = neg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def negative(input) -> Tensor:
        """-input (neg)."""

    def negative_(self) -> Tensor:
        """In place: self = neg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def nelement(self) -> builtins.int:
        """The number of elements (numel)."""

    def new_empty(self, *size: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """An uninitialised tensor of the given size, with self's dtype unless `dtype` is given."""

    def new_empty_strided(self, size: Any, stride: Any, *, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """An uninitialised tensor of shape `size` whose dims step `stride` elements, with self's dtype unless `dtype` is given."""

    def new_full(self, size: Any, fill_value: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """A tensor of the given size filled with `fill_value`, with self's dtype unless `dtype` is given."""

    def new_ones(self, *size: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """A tensor of ones of the given size, with self's dtype unless `dtype` is given."""

    def new_tensor(self, data: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """A new tensor (a copy) of `data`, with self's dtype unless `dtype` is given."""

    def new_zeros(self, *size: Any, dtype: Any = ..., device: Any = ..., requires_grad: Any = ...) -> Tensor:
        """A tensor of zeros of the given size, with self's dtype unless `dtype` is given."""

    def nextafter(input, other: Any) -> Tensor:
        """The next floating-point value after input towards other, elementwise (float tensors of one dtype); no gradient."""

    def nextafter_(self, other: Any) -> Tensor:
        """In place: self = nextafter(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def nonzero(input, *, as_tuple: Any = ...) -> Any:
        """The indices of the non-zero elements, in C order: an (n, ndim) int64 tensor, or with as_tuple one 1-d tensor per dim (a 0-d input counting as 1-d)."""

    def nonzero_static(input, *, size: Any, fill_value: Any = ...) -> Tensor:
        """nonzero(input) as exactly `size` rows: cut, or padded with rows of fill_value."""

    def norm(x, p: Any = ..., dim: Any = ..., keepdim: Any = ...) -> Tensor:
        """p-norm over dim (all dims by default), as torch.norm: p = inf / -inf is the largest / smallest |x|, p = 0 counts the non-zeros (zero gradient), "fro" is 2."""

    def normal_(self, mean: Any = ..., std: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with values drawn from N(mean, std^2)."""

    def not_equal(input, other: Any) -> Tensor:
        """input != other elementwise (ne): a bool tensor, no gradient."""

    def not_equal_(self, b: Any) -> Tensor:
        """In place: self = ne(self, b), written in self's dtype as 1 or 0 (no gradient flows through)."""

    def numel(self) -> builtins.int:
        """The number of elements."""

    def numpy(self) -> numpy.ndarray:
        """The data as an ndarray (shared); refused for a tensor that requires grad."""

    def outer(a, b: Any) -> Tensor:
        """The outer product of 1-d tensors a and b: a[i] * b[j]."""

    def permute(x, *dims: Any) -> Tensor:
        """x with its dims reordered to `dims` (a view)."""

    def pinverse(input, rcond: Any = ...) -> Tensor:
        """torch.pinverse: linalg.pinv(input, rtol=rcond)."""

    def polygamma(self, n: Any) -> Tensor:
        """polygamma(n, self)."""

    def polygamma_(self, n: Any) -> Tensor:
        """In place: self = _polygamma_method(self, n), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def positive(input) -> Tensor:
        """+input: input itself; refused for a bool tensor, as PyTorch."""

    def pow(x, exponent: Any) -> Tensor:
        """x ** exponent: a number exponent records Pow, a Tensor one (or base) PowT."""

    def pow_(self, other: Any) -> Tensor:
        """In place: self **= exponent."""

    def prod(input, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
        """The product over `dim` (all elements if None); integers and bool give int64, as PyTorch. d/dx_i is the product of the other elements, exact with zeros: one zero gets the product of the rest, the others 0; with two zeros every gradient is 0."""

    def put(input, index: Any, source: Any, accumulate: Any = ...) -> Tensor:
        """input with source's elements written at the flat positions `index` (an integer tensor with as many elements; negative from the end), or added there with `accumulate` (repeated positions sum); source must have input's dtype, as in PyTorch."""

    def put_(input, index: Any, source: Any, accumulate: Any = ...) -> Tensor:
        """put in place (see ``Tensor.add_`` for the checks)."""

    def qr(input, some: Any = ...) -> builtins.tuple[Tensor, ...]:
        """torch.qr: linalg.qr(input, "reduced" if some else "complete"), as (Q, R)."""

    def quantile(input, q: Any, dim: Any = ..., keepdim: Any = ..., *, interpolation: Any = ...) -> Tensor:
        """The q-th quantiles of input along dim (of all elements if None), q a number or a 1-d tensor in [0, 1] (its dim then comes first), as PyTorch: the sorted values at rank q (n - 1), between two ranks by `interpolation` (linear, lower, higher, midpoint, nearest: half to even)."""

    def rad2deg(input) -> Tensor:
        """Radians to degrees, x * 180 / pi (integers give the default float dtype)."""

    def rad2deg_(self) -> Tensor:
        """In place: self = rad2deg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def random_(self, from_: Any = ..., to: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with integers drawn uniformly: random_() from [0, 2^mantissa] for a float dtype and [0, max] for an integer one, random_(to) from [0, to), random_(from_, to) from [from_, to) (to=None: up to the dtype's top, included)."""

    def ravel(input) -> Tensor:
        """input flattened to 1-d (reshape(-1): a view where possible)."""

    def reciprocal(x) -> Tensor:
        """1 / x, x ** -1 (integers computed in the default float dtype)."""

    def reciprocal_(self) -> Tensor:
        """In place: self = reciprocal(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces the gradient."""

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        """Call ``hook(tensor)`` after a leaf's ``.grad`` has been accumulated."""

    def relu(x) -> Tensor:
        """relu(x), elementwise: max(x, 0)."""

    def relu_(self) -> Tensor:
        """In place: self = relu(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def remainder(a, b: Any) -> Tensor:
        """a mod b with the sign of b (Python's `%`, as torch.remainder), computed exactly; d/da = 1, d/db = -floor(a / b)."""

    def remainder_(self, other: Any) -> Tensor:
        """In place: self = remainder(self, other) (self %= other)."""

    def renorm(input, p: Any, dim: Any, maxnorm: Any) -> Tensor:
        """input with each slice along `dim` whose p-norm exceeds maxnorm scaled to norm maxnorm: by maxnorm / (norm + 1e-7), as PyTorch."""

    def renorm_(self, p: Any, dim: Any, maxnorm: Any) -> Tensor:
        """In place: self = renorm(self, p, dim, maxnorm), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def repeat(x, *sizes: Any) -> Tensor:
        """Tile x: repeat(2, 3) on a (a, b) tensor gives (2a, 3b), as torch.repeat (a new tensor)."""

    def repeat_interleave(x, repeats: Any = ..., dim: Any = ..., output_size: Any = ...) -> Tensor:
        """Each element of x repeated `repeats` times along dim (x flattened if dim is None)."""

    def requires_grad_(self, requires_grad: Any = ...) -> Tensor:
        """Make a leaf start (or stop) requiring grad, in place; returns self."""

    def reshape(x, *shape: Any) -> Tensor:
        """x with shape `shape` (one entry may be -1): a view where numpy can make one."""

    def reshape_as(self, other: Any) -> Tensor:
        """self.reshape(other.shape)."""

    def resolve_conj(self) -> Tensor:
        """The complex conjugate: this tensor itself, as its dtype is real."""

    def resolve_neg(self) -> Tensor:
        """The complex conjugate: this tensor itself, as its dtype is real."""

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""

    def roll(input, shifts: Any, dims: Any = ...) -> Tensor:
        """input with its elements moved `shifts` places along `dims` (wrapping around); all elements as one row, in order, if dims is None."""

    def rot90(input, k: Any = ..., dims: Any = ...) -> Tensor:
        """input rotated by k quarter turns in the plane of `dims`, from the first dim towards the second."""

    def round(x, decimals: Any = ...) -> Tensor:
        """x rounded to `decimals` decimal places, halves to even (round(2.5) = 2), as PyTorch; integer tensors are returned as they are (decimals=0)."""

    def round_(self, decimals: Any = ...) -> Tensor:
        """In place: self = round(self, decimals), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def rsqrt(x) -> Tensor:
        """1 / sqrt(x), as PyTorch (its bits; NaN at -inf and -inf at -0, where x ** -0.5 gives 0 and inf)."""

    def rsqrt_(self) -> Tensor:
        """In place: self = rsqrt(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def scatter(input, dim: Any, index: Any, src: Any = ..., value: Any = ..., reduce: Any = ...) -> Tensor:
        """input with src's values (or the number `value`) written at `index` along dim: out[index[i][j]][j] = src[i][j] for dim=0, as torch.scatter."""

    def scatter_(input, dim: Any, index: Any, src: Any = ..., value: Any = ..., reduce: Any = ...) -> Tensor:
        """scatter in place (see ``Tensor.add_`` for the checks)."""

    def scatter_add(input, dim: Any, index: Any, src: Any) -> Tensor:
        """input with src's values added at `index` along dim: out[index[i][j]][j] += src[i][j] for dim=0, as torch.scatter_add."""

    def scatter_add_(input, dim: Any, index: Any, src: Any) -> Tensor:
        """scatter_add in place (see ``Tensor.add_`` for the checks)."""

    def scatter_reduce(input, dim: Any, index: Any, src: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
        """input with src's values reduced into it at `index` along dim, as torch.scatter_reduce: each element written is the sum, prod, mean, amax or amin of the src elements sent to it, and of its own value if include_self."""

    def scatter_reduce_(input, dim: Any, index: Any, src: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
        """scatter_reduce in place (see ``Tensor.add_`` for the checks)."""

    def select(x, dim: Any, index: Any) -> Tensor:
        """x[..., index, ...] at dim (the dim is removed)."""

    def select_scatter(input, src: Any, dim: Any, index: Any) -> Tensor:
        """input with src written over input.select(dim, index)."""

    def sgn(x) -> Tensor:
        """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch)."""

    def sgn_(self) -> Tensor:
        """In place: self = sign(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def short(self) -> Tensor:
        """This tensor as int16 (itself if it is already, else a copy without gradient)."""

    def sigmoid(x) -> Tensor:
        """sigmoid(x), elementwise: 1 / (1 + e^-x), computed without overflow for any x."""

    def sigmoid_(self) -> Tensor:
        """In place: self = sigmoid(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def sign(x) -> Tensor:
        """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch)."""

    def sign_(self) -> Tensor:
        """In place: self = sign(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def signbit(input) -> Tensor:
        """True where the sign bit is set (negative numbers, -0.0, a NaN with the sign bit): a bool tensor, no gradient."""

    def sin(x) -> Tensor:
        """sin(x), elementwise: Sine; d/dx sin x = cos x."""

    def sin_(self) -> Tensor:
        """In place: self = sin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def sinc(input) -> Tensor:
        """sin(pi x) / (pi x), 1 at 0 (the normalised sinc, as PyTorch); its derivative at 0 is 0."""

    def sinc_(self) -> Tensor:
        """In place: self = sinc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def sinh(x) -> Tensor:
        """sinh(x), elementwise: Hyperbolic sine; d/dx sinh x = cosh x."""

    def sinh_(self) -> Tensor:
        """In place: self = sinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def size(self, dim: Any = ...) -> Any:
        """The shape, or the size of dim `dim`."""

    def slice_scatter(input, src: Any, dim: Any = ..., start: Any = ..., end: Any = ..., step: Any = ...) -> Tensor:
        """input with src written over input[..., start:end:step, ...] (at dim)."""

    def slogdet(A) -> Tensor:
        """(sign, logabsdet) of det(A), each of shape (...): sign is -1, 0 or 1 (no gradient), logabsdet = log |det A| (-inf where A is singular)."""

    def softmax(x, dim: Any = ..., dtype: Any = ...) -> Tensor:
        """exp(x) / sum(exp(x)) over dim; `dtype` casts x first; a bool or integer x is refused, as in PyTorch."""

    def softplus(x) -> Tensor:
        """softplus(x), elementwise: log(1 + e^x), stable for any x; d/dx = sigmoid(x) (0.5 at 0, as PyTorch: a composite of relu and abs would give their kinks' 0 there, and 0 as its second derivative)."""

    def sort(x, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Any:
        """(values, indices) of x sorted along dim."""

    def split(x, split_size: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """x cut along `dim` into pieces of split_size (an int) or of the given sizes: views."""

    def split_with_sizes(input, split_sizes: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """input cut along `dim` into pieces of the given sizes (they must add up to the dim's size): views."""

    def sqrt(x) -> Tensor:
        """Square root, x ** 0.5 (integers computed in the default float dtype)."""

    def sqrt_(self) -> Tensor:
        """In place: self = sqrt(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def square(x) -> Tensor:
        """x * x, x ** 2 (a bool tensor gives int64)."""

    def square_(self) -> Tensor:
        """In place: self = square(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def squeeze(x, dim: Any = ...) -> Tensor:
        """x without its size-1 dims (only those of `dim` if given)."""

    def squeeze_(self, dim: Any = ...) -> Tensor:
        """In place: self becomes ``squeeze(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def std(x, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Tensor:
        """sqrt(var); where the variance is 0 (equal values) the gradient is 0, as PyTorch, not 0 * inf = NaN (double where: sqrt never sees the zero)."""

    def storage_offset(self) -> builtins.int:
        """The position, in elements, of this tensor's first element in the memory it shares with the tensor it is a view of (0 for a tensor that owns its memory)."""

    def stride(self, dim: Any = ...) -> Any:
        """The step, in elements, from one index to the next along each dim (a tuple), or along `dim`; an expanded dim has stride 0, a flipped one a negative stride."""

    def sub(self, other: Any, *, alpha: Any = ...) -> Tensor:
        """self - alpha * other, as torch.Tensor.sub."""

    def sub_(self, other: Any, *, alpha: Any = ...) -> Tensor:
        """In place: self -= alpha * other."""

    def subtract(input, other: Any, *, alpha: Any = ...) -> Tensor:
        """input - alpha * other (sub)."""

    def subtract_(self, b: Any, *, alpha: Any = ...) -> Tensor:
        """In place: self = sub(self, b, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def sum(x, dim: Any = ..., keepdim: Any = ..., dtype: Any = ...) -> Tensor:
        """The sum over `dim` (all dims if None), as `dtype` if given; keepdim keeps reduced dims as 1."""

    def sum_to_size(self, *size: Any) -> Tensor:
        """self summed to `size`, which must broadcast to self's shape: the reduction that undoes expand(size -> self.shape)."""

    def svd(input, some: Any = ..., compute_uv: Any = ...) -> builtins.tuple[Tensor, ...]:
        """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not Vh); `some` is not full_matrices. compute_uv=False: U and V are zeros (..., m, m) and (..., n, n), as PyTorch's."""

    def swapaxes(input, axis0: Any, axis1: Any) -> Tensor:
        """input with dims axis0 and axis1 exchanged (transpose)."""

    def swapaxes_(self, axis0: Any, axis1: Any) -> Tensor:
        """In place: self becomes ``swapaxes(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def swapdims(input, axis0: Any, axis1: Any) -> Tensor:
        """input with dims axis0 and axis1 exchanged (transpose)."""

    def swapdims_(self, axis0: Any, axis1: Any) -> Tensor:
        """In place: self becomes ``swapdims(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def t(x) -> Tensor:
        """The transpose of a tensor of at most 2 dims (a view of x as it is for 0 and 1 dims)."""

    def t_(self) -> Tensor:
        """In place: self becomes ``t(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def take(input, index: Any) -> Tensor:
        """The elements of input (taken as 1-d) at `index`, in index's shape."""

    def take_along_dim(input, indices: Any, dim: Any = ...) -> Tensor:
        """gather with the input and indices broadcast over the other dims, as torch.take_along_dim."""

    def tan(x) -> Tensor:
        """tan(x), elementwise: Tangent; d/dx tan x = 1 + tan(x)^2 (from its saved output)."""

    def tan_(self) -> Tensor:
        """In place: self = tan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def tanh(x) -> Tensor:
        """tanh(x), elementwise: Hyperbolic tangent; d/dx tanh x = 1 - tanh(x)^2 (from its saved output)."""

    def tanh_(self) -> Tensor:
        """In place: self = tanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def tensor_split(input, indices_or_sections: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """input cut along `dim` into `sections` pieces (an int: the first n % sections one longer) or at the given indices (a list or a 1-d integer tensor: Python's slice rules, so an index past the end gives empty pieces): views."""

    def tile(input, dims: Any) -> Tensor:
        """input repeated dims[i] times along each dim i (dims padded with leading 1s)."""

    def to(self, *args: Any, dtype: Any = ..., device: Any = ..., non_blocking: Any = ..., copy: Any = ...) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype), as PyTorch."""

    def tolist(self) -> Any:
        """The data as nested Python lists."""

    def topk(x, k: Any, dim: Any = ..., largest: Any = ..., sorted: Any = ...) -> Any:
        """(values, indices) of the k largest (or smallest) elements along dim, largest first (smallest first with largest=False)."""

    def trace(input) -> Tensor:
        """The sum of the main diagonal of a 2-d tensor."""

    def transpose(x, dim0: Any, dim1: Any) -> Tensor:
        """x with dims dim0 and dim1 swapped (a view)."""

    def transpose_(self, dim0: Any, dim1: Any) -> Tensor:
        """In place: self becomes ``transpose(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def triangular_solve(input, A: Any, upper: Any = ..., transpose: Any = ..., unitriangular: Any = ...) -> builtins.tuple[Tensor, ...]:
        """torch.triangular_solve (deprecated there): (X, a copy of A) with op(A) X = input, op(A) = A^T if `transpose`; `upper` says which triangle of A is read."""

    def tril(x, diagonal: Any = ...) -> Tensor:
        """The lower triangle of the last two dims (j <= i + diagonal); zeros above."""

    def tril_(x, diagonal: Any = ...) -> Tensor:
        """tril in place."""

    def triu(x, diagonal: Any = ...) -> Tensor:
        """The upper triangle of the last two dims (j >= i + diagonal); zeros below."""

    def triu_(x, diagonal: Any = ...) -> Tensor:
        """triu in place."""

    def true_divide(input, other: Any) -> Tensor:
        """input / other, true division (div)."""

    def true_divide_(self, b: Any, *, rounding_mode: Any = ...) -> Tensor:
        """In place: self = div(self, b, rounding_mode), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def trunc(x) -> Tensor:
        """x rounded towards zero, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""

    def trunc_(self) -> Tensor:
        """In place: self = trunc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def type(self, *args: Any, dtype: Any = ..., device: Any = ..., non_blocking: Any = ..., copy: Any = ...) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype), as PyTorch."""

    def type_as(self, other: Any) -> Tensor:
        """self cast to `other`'s dtype (self itself if it already has it)."""

    def unbind(x, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """The slices of x along dim, as a tuple of views (the dim removed)."""

    def unflatten(x, dim: Any, sizes: Any) -> Tensor:
        """Dim `dim` split into `sizes` (one of them may be -1)."""

    def unfold(input, dimension: Any, size: Any, step: Any) -> Tensor:
        """The windows of `size` elements starting every `step` along `dimension`, as a new last dim: shape (..., (n - size) // step + 1, ..., size)."""

    def uniform_(self, from_: Any = ..., to: Any = ..., *, generator: Any = ...) -> Tensor:
        """Fill with values drawn uniformly from [from_, to)."""

    def unique(input, sorted: Any = ..., return_inverse: Any = ..., return_counts: Any = ..., dim: Any = ...) -> Any:
        """The distinct values (sorted, also when sorted=False: PyTorch's order is then unspecified), or with `dim` the distinct slices along dim; with return_inverse each element's (slice's) index among them, with return_counts how often each occurs."""

    def unique_consecutive(input, return_inverse: Any = ..., return_counts: Any = ..., dim: Any = ...) -> Any:
        """input with each run of equal consecutive values (or slices along dim) kept once, as torch.unique_consecutive; return_inverse: each element's (slice's) run, and return_counts: each run's length."""

    def unsafe_chunk(x, chunks: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""

    def unsafe_split(x, split_size: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """x cut along `dim` into pieces of split_size (an int) or of the given sizes: views."""

    def unsafe_split_with_sizes(input, split_sizes: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
        """input cut along `dim` into pieces of the given sizes (they must add up to the dim's size): views."""

    def unsqueeze(x, dim: Any) -> Tensor:
        """x with a size-1 dim inserted at `dim`."""

    def unsqueeze_(self, dim: Any) -> Tensor:
        """In place: self becomes ``unsqueeze(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""

    def var(x, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Tensor:
        """Variance with Bessel's correction by default (correction=1), as PyTorch; var(x, False) is PyTorch's var(x, unbiased=False) over all elements (not dim 0)."""

    def vdot(input, other: Any) -> Tensor:
        """dot with the first vector conjugated: dot, for real tensors."""

    def view(x, *shape: Any, dtype: Any = ...) -> Tensor:
        """reshape that refuses to copy: the result always shares memory with x. view(dtype) reads x's bytes as `dtype` instead (no gradient, as PyTorch): the last dim shrinks or grows by the ratio of the element sizes, under PyTorch's conditions for that."""

    def view_as(self, other: Any) -> Tensor:
        """self.view(other.shape)."""

    def vsplit(input, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
        """tensor_split along dim 0, where a number of sections must divide the dim's size."""

    def where(self, condition: Any, other: Any) -> Tensor:
        """x.where(condition, y): elements of x where condition holds, else of y."""

    def xlogy(input, other: Any) -> Tensor:
        """input * log(other), 0 where input is 0 (unless other is NaN), elementwise with broadcasting; d/dinput = log(other) (0 where input is 0 and other <= 0), d/dother = input / other, as PyTorch."""

    def xlogy_(self, other: Any) -> Tensor:
        """In place: self = xlogy(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""

    def zero_(self) -> Tensor:
        """In place: fill self with zeros; the old values get a zero gradient."""
