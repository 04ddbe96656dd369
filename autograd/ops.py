"""The primitive ops: each op's forward (numpy) and its gradient, side by side.

These are the only ops that know a derivative. Everything else in gradgraph
(``mean``, ``var``, ``softmax``, ``cross_entropy``, ``layer_norm``...) is written
from them, so its gradient comes for free, to any order: every ``backward`` below is
written with ops that record when ``create_graph=True``.

Contract: ``forward`` takes arrays (and constants) and returns an array; it may put
what backward needs in ``self.saved``. ``backward(g)`` gets the output's gradient, of
the output's shape, and returns one gradient (or None) per input, each of the
*output's* shape or the input's: the engine sums broadcast dimensions away in one
place (``engine.sum_to_shape``). The gradients are bare arrays in a first-order
backward and Tensors under create_graph, one rule for both (see ``graph.Primitive``). ``self.parents[i] is None`` means input i needs none.
Sub and Div are primitives although they could be composites: one recorded op
instead of two halves the overhead of ``a - b`` and ``a / b`` (benchmarks/op_overhead.py).
Forwards call ndarray methods (``x.sum``, ``x.max``, ``x.reshape``, ``x.transpose``)
rather than the ``np.`` functions: the functions' Python wrappers cost 2-5x the
instructions of the methods on small arrays (valgrind, 16x10 float32).
"""
import numpy as np

from .graph import CROSS, Primitive, _wrap, apply1, apply2, owns_buffer
from .jit.hooks import kernel


class Add(Primitive):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Primitive):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.parents[1] is not None else None)


class RSub(Primitive):
    """``c - x`` for a constant c: one op instead of ``(-x) + c``."""
    __slots__ = ()
    same_shape = True

    def forward(self, x, c):
        return c - x

    def backward(self, g):
        return -g,


class AddScalar(Primitive):
    """x + c (and c + x) for a Python number c and a float x: one input, nothing saved,
    the input's shape: cheaper to record and to run backward than Add with a constant."""
    __slots__ = ()
    same_shape = True
    name = "Add"

    def forward(self, x, c):
        return x + c

    def backward(self, g):
        return g,


class SubScalar(AddScalar):
    """x - c for a Python number c and a float x."""
    __slots__ = ()
    name = "Sub"

    def forward(self, x, c):
        return x - c


class MulScalar(Primitive):
    """x * c (and c * x) for a Python number c and a float x."""
    __slots__ = ("c",)
    same_shape = True
    name = "Mul"

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, g):
        return g * self.c,


class DivScalar(Primitive):
    """x / c for a Python number c and a float x."""
    __slots__ = ("c",)
    same_shape = True
    name = "Div"

    def forward(self, x, c):
        self.c = c
        return x / c

    def backward(self, g):
        return g / self.c,


class Mul(Primitive):
    __slots__ = ()
    saves_inputs = CROSS

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        return (g * b if pa is not None else None), (g * a if pb is not None else None)


class Div(Primitive):
    __slots__ = ()
    saves_inputs = True

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs()
        ga = g / b
        return ga, (-ga * a / b if self.parents[1] is not None else None)


class Pow(Primitive):
    """x ** c for a constant exponent c (a Python number)."""
    __slots__ = ("c",)
    same_shape = True
    saves_inputs = True

    def forward(self, x, c):
        self.c = c
        return x ** c

    def backward(self, g):
        x, c = self.inputs()[0], self.c
        if c == 0:      # d/dx x^0 = 0 everywhere, also at x = 0 (not 0 * x^-1 = NaN)
            return apply2(Where, g, g.dtype.type(0), np.zeros(g.shape, bool)),
        if c == 0.5:    # 1 / (2 sqrt x): -inf at -0, as PyTorch (x^-0.5 / 2 gives +inf)
            return g * 0.5 / x ** 0.5,
        return (g * (x ** (c - 1) * c) if c != 2 else g * (x * 2.0)),


class PowT(Primitive):
    """a ** b with a Tensor exponent. d/db = a^b log a is taken as 0 where a == 0
    (the limit PyTorch also uses), and is NaN for a < 0 as log a is."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, a, b):
        if a.dtype.kind in "iu" and np.min(b, initial=0) < 0:
            # integers to negative integer powers, as PyTorch: 1 ** -n = 1,
            # (-1) ** -n = (-1) ** n, and 0 for any other base (1 / a^n truncated)
            neg = np.less(b, 0)
            out = np.power(a, np.where(neg, -b, b))
            return np.where(neg, np.where(np.abs(a) == 1, out, 0), out).astype(out.dtype)
        return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        ga = g * b * a ** (b - 1.0) if pa is not None else None
        if pb is None:
            return ga, None
        # 0 where a == 0 and b >= 0 (the limit), else a^b log a (-inf * inf at 0^-1)
        nonzero = self.saved[0] != 0
        log_a = apply2(Where, apply1(Log, apply2(Where, a, 1.0, nonzero)), -np.inf, nonzero)
        keep = nonzero | (np.asarray(self.saved[1]) < 0)
        return ga, g * (a ** b) * apply2(Where, log_a, 0.0, keep)


class Exp(Primitive):
    """e^x; d/dx e^x = e^x (its output, which it saves)."""
    __slots__ = ()
    function = "exp"  # autograd.exp and Tensor.exp
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.exp(x)
        return y

    def backward(self, g):
        return g * self.output(self.saved),


class Log(Primitive):
    """Natural logarithm; d/dx log x = 1/x."""
    __slots__ = ()
    function = "log"  # autograd.log and Tensor.log
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        return g / self.inputs()[0],


class Sin(Primitive):
    """Sine; d/dx sin x = cos x."""
    __slots__ = ()
    function = "sin"  # autograd.sin and Tensor.sin
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        return g * apply1(Cos, self.inputs()[0]),


class Cos(Primitive):
    """Cosine; d/dx cos x = -sin x."""
    __slots__ = ()
    function = "cos"  # autograd.cos and Tensor.cos
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        return -(g * apply1(Sin, self.inputs()[0])),


class Tanh(Primitive):
    """Hyperbolic tangent; d/dx tanh x = 1 - tanh(x)^2 (from its saved output)."""
    __slots__ = ()
    function = "tanh"  # autograd.tanh and Tensor.tanh
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.tanh(x)
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * (1.0 - y * y),


class Sigmoid(Primitive):
    """1 / (1 + e^-x), computed without overflow for any x."""
    __slots__ = ()
    function = "sigmoid"  # autograd.sigmoid and Tensor.sigmoid
    method = True
    same_shape = True

    def forward(self, x):
        z = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype, copy=False)
        self.saved = y
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * (y * (1.0 - y)),


class Softplus(Primitive):
    """log(1 + e^x), stable for any x; d/dx = sigmoid(x) (0.5 at 0, as PyTorch: a
    composite of relu and abs would give their kinks' 0 there, and 0 as its second
    derivative)."""
    __slots__ = ()
    function = "softplus"  # autograd.softplus and Tensor.softplus
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.logaddexp(x, x.dtype.type(0))

    def backward(self, g):
        return g * apply1(Sigmoid, self.inputs()[0]),


_INT_VIEW = {np.dtype(f): np.dtype(i) for f, i in (("f2", "i2"), ("f4", "i4"), ("f8", "i8"))}


class Relu(Primitive):
    """max(x, 0). Saves its output (which the next op usually keeps anyway) rather than
    a mask: one pass and no bool array in forward, the mask made only in backward."""
    __slots__ = ()
    function = "relu"  # autograd.relu and Tensor.relu
    method = True
    floating = False  # an integer input keeps its dtype
    same_shape = True
    reuses_grad_buffer = True

    def forward(self, x):
        self.saved = y = np.maximum(0, x)      # (0, x): relu(-0) = -0, as PyTorch
        return y

    def backward(self, g):
        # Selects, not multiplies (as PyTorch): an inf or NaN gradient where x <= 0 gives
        # 0, not inf * 0 = NaN. The output is 0 where x <= 0, else x or NaN: "!= 0" lets
        # a NaN input pass its gradient, as in PyTorch. The mask is a constant (relu'' = 0).
        ints = _INT_VIEW.get(g.dtype) if isinstance(g, np.ndarray) else None   # traced too
        if ints is not None:
            # First order: the gradient's bits times the bool mask, an integer product
            # (no inf * 0), so a select without np.where / putmask / copyto(where=), which
            # branch per element on a random mask (10x slower at 512 x 1024). Into g's own
            # buffer when the engine says no one else sees it (-4% of an MLP step at
            # B=512, H=1024: one B x H array less to allocate and fill).
            if owns_buffer(g):
                bits = g.view(ints)
                np.multiply(bits, self.saved != 0, out=bits)
                return g,
            return np.multiply(g.view(ints), self.saved != 0).view(g.dtype),
        return apply2(Where, g, g.dtype.type(0), self.saved != 0),


class Sign(Primitive):
    """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch). Its gradient is zeros made
    fresh, with no graph (PyTorch's zeros_like): zeros computed from g would carry g's
    graph into a second derivative and meet an infinite factor there (sign(x) * x at
    x = inf: 0 * inf = NaN)."""
    __slots__ = ()
    same_shape = True

    def forward(self, x):
        s = np.sign(x)
        return np.asarray(np.nan_to_num(s, nan=0.0) if s.dtype.kind == "f" else s)  # (0-d)

    def backward(self, g):
        if isinstance(g, (np.ndarray, np.generic)):     # (a first-order 0-d gradient
            return np.zeros_like(g),                    # may be a numpy scalar)
        return _wrap(np.zeros_like(g.data), None),


class Abs(Primitive):
    """|x|; d/dx = sign(x): 0 at 0, and 0 at NaN (as PyTorch, whose sign(NaN) is 0)."""
    __slots__ = ()
    function = "abs"  # autograd.abs and Tensor.abs
    method = True
    floating = False  # an integer input keeps its dtype
    same_shape = True

    def forward(self, x):
        self.saved = np.nan_to_num(np.sign(x), nan=0.0)
        return np.abs(x)

    def backward(self, g):
        return g * self.saved,


class Maximum(Primitive):
    """Elementwise max; at ties each input gets half the gradient (as PyTorch)."""
    __slots__ = ()

    def forward(self, a, b):
        self.saved = (a, b)
        return np.maximum(a, b)

    def backward(self, g):
        # a gets g, 0 where a loses (selected, as PyTorch: an inf gradient gives 0, not
        # inf * 0), g / 2 at a tie; b the same. A NaN on either side neither loses nor
        # ties, so both get the whole gradient (PyTorch's rule).
        a, b = self.saved
        tie = a == b
        if tie.any():
            g = g * (1.0 - tie * np.asarray(0.5, g.dtype))
        pa, pb = self.parents
        zero = g.dtype.type(0)
        return (apply2(Where, g, zero, ~(a < b)) if pa is not None else None,
                apply2(Where, g, zero, ~(a > b)) if pb is not None else None)


class Minimum(Maximum):
    __slots__ = ()

    def forward(self, a, b):
        self.saved = (b, a)        # min(a, b): Maximum's weights with the inputs swapped
        return np.minimum(a, b)


class Where(Primitive):
    """where(cond, a, b); the unselected input gets exact zeros."""
    __slots__ = ("cond",)

    def forward(self, a, b, cond):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        pa, pb = self.parents
        zero = g.dtype.type(0)
        return (apply2(Where, g, zero, self.cond) if pa is not None else None,
                apply2(Where, g, zero, ~self.cond) if pb is not None else None)


class Sum(Primitive):
    __slots__ = ("axes", "keepdim")

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        if _is_last(axes, x.ndim):
            y = row_sum(x)
            return y if keepdim else y[..., 0]
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, g):
        shape = self.parents[0].shape
        if not self.keepdim:
            g = g.reshape(_keepdim_shape(shape, self.axes))
        return apply1(Expand, g, shape),


class Amax(Primitive):
    """Max over axes; ties share the gradient equally (as torch.amax)."""
    __slots__ = ("axes", "keepdim")

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        y = x.max(axis=axes, keepdims=True)
        self.saved = (x, y)
        return y if keepdim else np.squeeze(y, axis=axes)

    def backward(self, g):
        x, y = self.saved
        mask = x == y
        w = mask / mask.sum(axis=self.axes, keepdims=True).astype(x.dtype)
        shape = self.parents[0].shape
        if not self.keepdim:
            g = g.reshape(_keepdim_shape(shape, self.axes))
        return apply1(Expand, g, shape) * w.astype(x.dtype, copy=False),


class Amin(Amax):
    __slots__ = ()

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        y = x.min(axis=axes, keepdims=True)
        self.saved = (x, y)
        return y if keepdim else np.squeeze(y, axis=axes)


class Reshape(Primitive):
    __slots__ = ()

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.parents[0].shape),


class Permute(Primitive):
    __slots__ = ("dims",)

    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, g):
        return apply1(Permute, g, tuple(np.argsort(self.dims).tolist())),


class Expand(Primitive):
    """Broadcast to a larger shape; the engine's sum_to_shape is its whole backward."""
    __slots__ = ()

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g,


class GetItem(Primitive):
    __slots__ = ("index", "order")
    indexing = True
    adds_into_parent = True

    def forward(self, x, index):
        self.index = index
        self.order = None if x.flags.c_contiguous else memory_order(x)
        return x[index]

    def backward(self, g):
        return apply1(IndexAdd, g, self.index, self.parents[0].shape, self.order),


class IndexAdd(Primitive):
    """zeros(shape) with g added at `index` (repeated indices accumulate): getitem's
    backward, and getitem is its backward, so both are differentiable to any order."""
    __slots__ = ("index",)

    def forward(self, g, index, shape, order=None):
        self.index = index
        out = _zeros(shape, g.dtype, order)
        if _is_basic(index):
            out[index] = g
        elif isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.size >= 32:
            _add_rows(out, index, g)
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg):
        return gg[self.index],


class IndexPut(IndexAdd):
    """zeros(shape) with g *assigned* at `index` (x[index] = v): where an index repeats,
    the last value wins, as in numpy and PyTorch, and the values it overwrote get a zero
    gradient (their exact derivative; PyTorch's index_put gives them the winner's)."""
    __slots__ = ("winners",)

    def forward(self, g, index, shape):
        self.index = index
        out = np.zeros(shape, dtype=g.dtype)
        out[index] = g
        self.winners = None
        if not _is_basic(index):
            writer = np.full(shape, -1, dtype=np.intp)
            ids = np.arange(g.size).reshape(g.shape)
            writer[index] = ids
            winners = writer[index] == ids
            if not winners.all():
                self.winners = winners
        return out

    def backward(self, gg):
        g = gg[self.index]
        return (g if self.winners is None else apply2(Where, g, g.dtype.type(0), self.winners)),


class Cat(Primitive):
    __slots__ = ("axis", "sizes")

    def forward(self, arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        grads, start = [], 0
        lead = (slice(None),) * (self.axis % g.ndim)
        for parent, size in zip(self.parents, self.sizes):
            grads.append(g[lead + (slice(start, start + size),)] if parent is not None else None)
            start += size
        return tuple(grads)


class Cumsum(Primitive):
    __slots__ = ("axis",)
    same_shape = True

    def forward(self, x, axis):
        self.axis = axis
        return np.cumsum(x, axis=axis)

    def backward(self, g):
        flip = (slice(None),) * self.axis + (slice(None, None, -1),)
        return apply1(Cumsum, g[flip], self.axis)[flip],


class Copy(Primitive):
    """A C-contiguous copy (clone, contiguous): the gradient passes unchanged."""
    __slots__ = ()
    same_shape = True

    def forward(self, x):
        return np.array(x, order="C", copy=True)

    def backward(self, g):
        return g,


class MatMul(Primitive):
    """a @ b for inputs of 2 or more dims (1-d inputs are reshaped by the caller)."""
    __slots__ = ()
    saves_inputs = CROSS

    def forward(self, a, b):
        return a @ b

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        return (g @ b.mT if pa is not None else None), (a.mT @ g if pb is not None else None)


class LogSoftmax(Primitive):
    """x - logsumexp(x): fused, since it is stable at |x| ~ 1e3 and saves 5 recorded ops."""
    __slots__ = ("axis",)
    same_shape = True

    def forward(self, x, axis):
        self.axis = axis
        if _is_last(axis, x.ndim):
            y = x - row_max(x)
            lse = row_sum(np.exp(y))
        else:
            y = x - x.max(axis=axis, keepdims=True)
            lse = np.exp(y).sum(axis=axis, keepdims=True)
        y -= np.log(lse)
        self.saved = y
        return y

    def backward(self, g):
        p = apply1(Exp, self.output(self.saved))
        return g - p * apply1(Sum, g, self.axis, True),


class Softmax(Primitive):
    """exp(x - max) / sum exp(x - max): fused, one node instead of exp(log_softmax(x))'s
    two (forward 4 passes instead of 7, backward 4 instead of 5; see
    benchmarks/transformer_parts.py for the figures). d/dx: y * (g - sum(g * y))."""
    __slots__ = ("axis",)
    same_shape = True

    def forward(self, x, axis):
        self.axis = axis
        if _is_last(axis, x.ndim):
            y = np.exp(x - row_max(x))
            y /= row_sum(y)
        else:
            y = np.exp(x - x.max(axis=axis, keepdims=True))
            y /= y.sum(axis=axis, keepdims=True)
        self.saved = y
        return y

    def backward(self, g):
        y = self.output(self.saved)
        gy = g * y
        return gy - y * apply1(Sum, gy, self.axis, True),


class Cast(Primitive):
    __slots__ = ()

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return apply1(Cast, g, self.parents[0].dtype),


def _keepdim_shape(shape, axes):
    """The shape a reduction over `axes` gives with keepdim=True."""
    if axes is None:
        return (1,) * len(shape)
    axes = (axes,) if isinstance(axes, int) else axes
    axes = {a % len(shape) for a in axes}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _is_last(axes, ndim):
    """True if the reduction axes are exactly the last axis (of 2 or more)."""
    if type(axes) is tuple:
        if len(axes) != 1:
            return False
        axes = axes[0]
    return ndim >= 2 and type(axes) is int and axes in (-1, ndim - 1)


_ONES = {}


def row_sum(x):
    """x.sum(-1, keepdims=True), by one matrix product with a vector of ones where x is a
    C-contiguous float array of short rows: numpy's reduction loops over each row in
    scalar code (52 us for (16, 64, 128) float32 here; the product: 7.7 us; the
    attention scores (16, 4, 64, 64): 195 -> 57 us). Sums agree to rounding."""
    n = x.shape[-1]
    if (x.dtype.kind != "f" or x.dtype.itemsize < 4 or not x.flags.c_contiguous
            or x.size < 2048 or not 2 <= n <= 4096):
        return x.sum(axis=-1, keepdims=True)
    key = (n, x.dtype)
    ones = _ONES.get(key)
    if ones is None:
        ones = _ONES[key] = np.ones((n, 1), x.dtype)
    return x @ ones


def row_max(x):
    """x.max(-1, keepdims=True) by halving the rows (maximum of the two halves, until
    one column is left): numpy's max over short rows is scalar code (650 us for the
    attention scores (16, 4, 64, 64) float32 here; halving: 287 us). The same values."""
    n = x.shape[-1]
    if x.size < 2048 or n < 8 or not x.flags.c_contiguous:
        return x.max(axis=-1, keepdims=True)
    m = x.reshape(-1, n)
    while n > 1:
        half = n // 2
        top = np.maximum(m[:, :half], m[:, half:2 * half])
        if n % 2:
            top[:, :1] = np.maximum(top[:, :1], m[:, n - 1:])
        m, n = top, half
    return m.reshape(x.shape[:-1] + (1,))


@kernel(writes=(0,))        # ag.compile: sizes inside depend on values; replayed as one call
def _add_rows(out, index, g):
    """np.add.at(out, index, g) for one integer array indexing rows (an embedding's
    backward): sort the rows by index and sum each run with one reduceat (equal to add.at
    up to rounding). 1024 rows of 128 into 100: 0.17 ms against add.at's 2.0 ms."""
    n = out.shape[0]
    flat = index.reshape(-1)
    flat = np.where(flat < 0, flat + n, flat) if flat.dtype.kind == "i" else flat
    order = np.argsort(flat, kind="stable")
    rows = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    width = out.size // n if n else 0
    out.reshape(n, width)[rows[starts]] = np.add.reduceat(
        g.reshape(flat.size, width)[order], starts, axis=0)


def memory_order(x):
    """The axes of array `x` from the outermost in memory to the innermost (largest
    stride first; ties in axis order)."""
    strides = x.strides
    return tuple(sorted(range(x.ndim), key=lambda i: -abs(strides[i])))


def _zeros(shape, dtype, order=None):
    """np.zeros(shape) laid out in memory with its axes in `order` (memory_order's; None:
    C order). getitem of a permuted view (q, k, v of GPT's (B, T, 3, H, D) projection seen
    as (3, B, H, T, D)) sends its gradient in the layout the view has, so the
    permutation's backward gives a C-contiguous array and the reshape after it is free
    instead of a strided copy (0.9 ms per layer of the transformer step)."""
    if order is None:
        return np.zeros(shape, dtype=dtype)
    return np.zeros([shape[i] for i in order], dtype=dtype).transpose(np.argsort(order))


def _is_basic(index):
    """True if `index` uses only basic indexing (no element can be hit twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer))
               or (isinstance(i, np.ndarray) and i.dtype == bool) for i in items)
