"""The primitives that reduce or combine along axes: sum, amax/amin, cumsum, matmul (a
sum of products) and the fused softmax and log_softmax, with row_sum and row_max, the
fast reductions over short last-axis rows that they and ops_nn use."""
import numpy as np

from ..graph import CROSS, Primitive, apply1, apply2
from .elementwise import Exp, Log, Where
from .shapes import Expand, IndexAdd


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
        y = window_reduce(np.maximum, x, axes)
        self.saved = (x, y)
        return y if keepdim else np.squeeze(y, axis=axes)

    def backward(self, g):
        x, y = self.saved
        shape = self.parents[0].shape
        if not self.keepdim:
            g = g.reshape(_keepdim_shape(shape, self.axes))
        cells = window_cells(x, self.axes) if type(g) is type(x) is np.ndarray else None
        if cells is not None:
            return _window_gradient(x, y, g, cells),
        mask = x == y
        w = mask / mask.sum(axis=self.axes, keepdims=True).astype(x.dtype)
        return apply1(Expand, g, shape) * w.astype(x.dtype, copy=False),


class Amin(Amax):
    __slots__ = ()

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        y = window_reduce(np.minimum, x, axes)
        self.saved = (x, y)
        return y if keepdim else np.squeeze(y, axis=axes)


class ScatterAmax(Primitive):
    """x (1-d) with the max of the src elements at positions `flat` (and x's own there if
    include_self), as torch.scatter_reduce 'amax' ('amin' if not `maximum`). The gradient
    is PyTorch's: g / N to every element equal to the result, N counting x's (even when
    excluded: x's own gradient is then 0 where written) and the src elements."""
    __slots__ = ("flat",)

    def forward(self, x, src, flat, maximum, include_self):
        self.flat = flat
        out = x.copy()
        hit = None
        if not include_self:
            hit = np.zeros(x.shape, bool)
            hit[flat] = True
            kind = x.dtype.kind             # the written places start from max's identity
            low, high = ((-np.inf, np.inf) if kind == "f" else (False, True) if kind == "b"
                         else (np.iinfo(x.dtype).min, np.iinfo(x.dtype).max))
            out[hit] = low if maximum else high
        (np.maximum if maximum else np.minimum).at(out, flat, src)
        if x.dtype.kind == "f":
            x_ties, src_ties = x == out, src == out[flat]
            n = x_ties.astype(x.dtype)
            # bool ties cast first: np.add.at's fast loop wants one dtype (a bool src into
            # a float array took its generic path: 2^20 elements, 174 ms against 3 ms)
            np.add.at(n, flat, src_ties.astype(x.dtype))
            with np.errstate(divide="ignore", invalid="ignore"):
                w_x, w_src = x_ties / n, src_ties / n[flat]
            if hit is not None:
                w_x[hit] = 0
            self.saved = (w_x.astype(x.dtype, copy=False), w_src.astype(x.dtype, copy=False))
        return out

    def backward(self, g):
        w_x, w_src = self.saved
        return g * w_x, g[self.flat] * w_src


class LogCumSumExp(Primitive):
    """log(cumsum(exp(x))) along `axis`: numpy's logaddexp.accumulate, in float64 (a
    float32 input's values are then PyTorch's, bit for bit). One pass: (256, 1024) in 7 ms
    where the scan by doubling of logaddexp took 31 ms (benchmarks/scans.py). The
    gradient, sum over i >= j of g_i exp(x_j - y_i), is written with recorded ops, so
    it has derivatives of any order."""
    __slots__ = ("axis",)

    def forward(self, x, axis):
        self.axis = axis
        with np.errstate(invalid="ignore"):           # inf + -inf: logaddexp gives inf
            y = np.logaddexp.accumulate(x.astype(np.float64, copy=False), axis=axis)
        y = y.astype(x.dtype, copy=False)
        self.saved = (x, y)
        return y

    def backward(self, g):
        # d y_i / d x_j = exp(x_j - y_i) for i >= j: g's reversed scan with decays
        # exp(y_j - y_j+s) <= 1 (y never decreases), by doubling: linear in g (so its own
        # derivative in g, functional.jvp's, is right) and no exp that can overflow
        x = self.inputs()[0]
        y = self.output(self.saved[1])
        shape = self.saved[1].shape
        n, lead = shape[self.axis], (slice(None),) * self.axis
        r, step = g, 1
        while step < n:
            head, tail = lead + (slice(None, n - step),), lead + (slice(step, None),)
            r = r + apply1(IndexAdd, apply1(Exp, y[head] - y[tail]) * r[tail], head, shape)
            step *= 2
        # where y is inf or NaN from some place on, r is NaN (inf - inf), while an x_j
        # with exp(x_j - y_j) = 0 has a zero derivative (PyTorch's 0 too). No branch on
        # the values: ag.compile replays the same calls whatever they are
        w = apply1(Exp, x - y)
        nonzero = (w if type(w) is np.ndarray else w.data) != 0
        return apply2(Where, w * r, w.dtype.type(0), nonzero),


class Cumsum(Primitive):
    __slots__ = ("axis",)
    same_shape = True

    def forward(self, x, axis):
        self.axis = axis
        if x.dtype == np.float32:
            # accumulated in float64, as PyTorch's CPU cumsum: float32 alone ends 2e-5
            # off after 1e6 values in [0, 1) (PyTorch's 3e-8)
            return np.cumsum(x, axis=axis, dtype=np.float64).astype(np.float32)
        return np.cumsum(x, axis=axis)

    def backward(self, g):
        flip = (slice(None),) * self.axis + (slice(None, None, -1),)
        return apply1(Cumsum, g[flip], self.axis)[flip],


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


def binary_exponent(m):
    """k with m = f 2^k, 1/2 <= f < 1, for positive finite m (np.frexp's exponent: exact,
    where floor(log2 m) + 1 is one too many just below a power of two, log2 rounding up;
    for float32's largest values 2^(floor(log2 m) + 1) overflows)."""
    return np.frexp(m)[1]


def power_of_two(k, dtype):
    """2^k as an array of `dtype`: x / 2^k is exact while it stays a normal number (norm
    and layer_norm divide the slices whose sums overflow by such a power)."""
    return np.ldexp(np.ones(np.shape(k), dtype), k)


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


def window_cells(x, axes):
    """The index of each cell, in order, of the windows that `axes` span where they are x's
    last ones and hold 2 to 16 cells (a pooling window's), else None: numpy runs its
    reductions and broadcasts over such short strided windows in scalar code."""
    if x.size < 2048 or axes is None:
        return None
    axes = (axes,) if type(axes) is int else tuple(axes)
    nd, k = x.ndim, len(axes)
    window = x.shape[nd - k:]
    if (not 2 <= int(np.prod(window)) <= 16
            or sorted(a % nd for a in axes) != list(range(nd - k, nd))):
        return None
    return [(Ellipsis,) + cell for cell in np.ndindex(window)]


def window_reduce(ufunc, x, axes):
    """ufunc.reduce(x, axes, keepdims=True), cell by cell in their order over window_cells:
    max over the (32, 16, 8, 8, 2, 2) float32 windows of a (32, 16, 16, 16) array 2.03 ms
    in numpy, 0.054 ms so. The same bits, signed zeros and NaN included
    (test_window_reduce_is_numpys_reduction)."""
    cells = window_cells(x, axes)
    if cells is None:
        return ufunc.reduce(x, axis=axes, keepdims=True)
    y = ufunc(x[cells[0]], x[cells[1]])
    for cell in cells[2:]:
        ufunc(y, x[cell], out=y)
    return y.reshape(y.shape + (1,) * (x.ndim - y.ndim))


def _window_gradient(x, y, g, cells):
    """Amax's (Amin's) gradient g * mask / count, mask = (x == y), cell by cell over the
    window_cells: the same operations on each element as over the whole windows, where
    y's and g's broadcasting over the window made numpy loop over 2 elements at a time
    (max_pool2d k2 of (32, 16, 32, 32) float32 forward+backward: 1.9 -> 0.94 ms)."""
    lead = (Ellipsis,) + (0,) * (len(cells[0]) - 1)
    y, g = y[lead], g[lead]
    masks = [x[cell] == y for cell in cells]
    count = masks[0].astype(x.dtype)
    for mask in masks[1:]:
        count += mask
    out = np.empty_like(x, np.result_type(g.dtype, x.dtype))     # in x's memory order
    for cell, mask in zip(cells, masks):
        np.multiply(g, mask / count, out=out[cell])
    return out
