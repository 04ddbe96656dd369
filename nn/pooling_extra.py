"""Power-average pooling (``lp_pool1d/2d/3d``), max unpooling (``max_unpool1d/2d/3d``),
``channel_shuffle``, ``local_response_norm`` and ``pdist`` (re-exported by
``nn.functional``), and their modules, as PyTorch computes them: composites of the
average pools, an index assignment, reshapes and norms."""
import math

import numpy as np

from autograd import ops, where
from autograd.errors import ArgumentError, ShapeError
from autograd.functions.shapes import fresh

from . import functional as F
from .functional_spatial import _single
from .module import Module


# --- power-average pooling ----------------------------------------------------------------------
def _lp_pool(input, norm_type, kernel, stride, ceil_mode, avg_pool, max_pool):
    """PyTorch's (sign(s) relu(|s|) * kernel elements) ** (1 / p) of the mean s of x^p
    over each window; for p = inf (-inf) the max (min) of |x| over each window, as PyTorch
    (the formula gives 1 or 0 there: x^inf is 0 or inf, and anything ** 0 is 1)."""
    if norm_type in (math.inf, -math.inf):
        sign = 1.0 if norm_type > 0 else -1.0
        return max_pool(input.abs() * sign, kernel, stride, 0, 1, ceil_mode) * sign
    out = avg_pool(input ** norm_type, kernel, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * float(math.prod(kernel))) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p) ** (1/p) over the last dim of (N, C, L) or (C, L)."""
    k = _single(kernel_size, "kernel_size")
    return _lp_pool(input, norm_type, (k,), stride if stride is not None else k, ceil_mode,
                    lambda x, k, *a: F.avg_pool1d(x, k[0], *a),
                    lambda x, k, *a: F.max_pool1d(x, k[0], *a))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p) ** (1/p) over the last two dims."""
    return _lp_pool(input, norm_type, F._pair(kernel_size, "kernel_size"), stride, ceil_mode,
                    F.avg_pool2d, F.max_pool2d)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p) ** (1/p) over the last three dims."""
    from .volumetric import _triple, avg_pool3d, max_pool3d
    return _lp_pool(input, norm_type, _triple(kernel_size, "kernel_size"), stride, ceil_mode,
                    avg_pool3d, max_pool3d)


# --- max unpooling ------------------------------------------------------------------------------
def _unpool(input, indices, kernel, stride, padding, output_size, op):
    """Zeros of the unpooled size with input's values at their `indices` (flat in the
    last len(kernel) dims), as PyTorch's max_unpool."""
    dims = len(kernel)
    idx = indices.data if hasattr(indices, "data") else np.asarray(indices)
    if idx.shape != input.shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"{op}: indices of shape {idx.shape} and dtype {idx.dtype} must be "
                         f"integers of the input's shape {input.shape}")
    spatial = input.shape[-dims:]
    size = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is not None:
        size = _unpool_size(output_size, size, stride, op)
    plane = int(np.prod(size))
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = idx.max() if idx.max() >= plane else idx.min()
        raise ShapeError(f"{op}: found an invalid max index {bad} (output volumes are of size "
                         f"{size})")
    lead = input.shape[:-dims]
    flat = input.reshape(lead + (-1,))
    index = tuple(np.indices(flat.shape)[:-1]) + (idx.reshape(flat.shape),)
    out = flat._apply1(ops.IndexAdd, index, lead + (plane,))   # backward: a gather
    counts = np.zeros(lead + (plane,), np.intp)
    np.add.at(counts, index, 1)
    repeated = counts > 1
    if repeated.any():                  # overlapping windows: the last write's value, as
        last = np.zeros(out.shape, out.dtype)              # PyTorch, with the gather's
        last[index] = flat.data                            # gradient to every writer
        out = where(repeated, (out - out.detach()) + last, out)
    return out.reshape(lead + size)


def _unpool_size(output_size, default, stride, op):
    """The spatial sizes in `output_size` ((N, C) first or not), each within a stride of
    the `default` one (exclusive) as PyTorch checks: indices are flat, so in a plane of
    another width they would land in other rows."""
    given = tuple(int(n) for n in output_size)
    dims = len(default)
    if len(given) == dims + 2:
        given = given[2:]
    if len(given) != dims:
        raise ArgumentError(f"{op}: output_size must hold {dims} or {dims + 2} sizes, got "
                            f"{tuple(output_size)}")
    for d, (n, m, s) in enumerate(zip(given, default, stride)):
        if not m - s < n < m + s:
            raise ArgumentError(f"{op}: invalid output_size {given} (dim {d} must be between "
                                f"{m - s} and {m + s}, exclusive, around the unpooled size "
                                f"{default})")
    return given


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d(return_indices=True): each value put back at its index,
    zeros elsewhere; (N, C, L) or (C, L)."""
    k = _single(kernel_size, "kernel_size")
    s = k if stride is None else _single(stride, "stride")
    return _unpool(input, indices, (k,), (s,), (_single(padding, "padding"),), output_size,
                   "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d(return_indices=True); (N, C, H, W) or (C, H, W)."""
    k = F._pair(kernel_size, "kernel_size")
    s = k if stride is None else F._pair(stride, "stride")
    return _unpool(input, indices, k, s, F._pair(padding, "padding"), output_size,
                   "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d(return_indices=True); (N, C, D, H, W) or (C, D, H, W)."""
    k = F._ntuple(kernel_size, 3, "kernel_size")
    s = k if stride is None else F._ntuple(stride, 3, "stride")
    return _unpool(input, indices, k, s, F._ntuple(padding, 3, "padding"), output_size,
                   "max_unpool3d")


# --- channels ---------------------------------------------------------------------------------
def channel_shuffle(input, groups):
    """(N, C, *) with the channels regrouped: (N, g, C/g, *) transposed to (N, C/g, g, *)."""
    if input.ndim < 3 or input.shape[1] % groups:
        raise ShapeError(f"channel_shuffle: expected an input of at least 3 dims whose "
                         f"channels divide into {groups} groups, got shape {input.shape}")
    n, c, *rest = input.shape
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return fresh(x.reshape(input.shape), input)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta, the
    window zero-padded (size // 2 before, (size - 1) // 2 after), as PyTorch."""
    if input.ndim < 3:
        raise ShapeError(f"local_response_norm: expected 3 or more dims, got shape "
                         f"{input.shape}")
    if input.data.size == 0:
        return input
    c = input.shape[1]
    padded = F.pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    total = padded[:, 0:c]
    for o in range(1, size):
        total = total + padded[:, o:o + c]
    div = ((total * (1.0 / size)) * alpha + k) ** beta
    return input / div


def pdist(input, p=2):
    """The p-norm distances between the rows of (N, M), pairs i < j in order: N(N-1)/2."""
    if input.ndim != 2:
        raise ShapeError(f"pdist: expected a 2-d input, got shape {input.shape}")
    if p < 0:
        raise ArgumentError(f"pdist: p must be non-negative, got {p}")
    i, j = np.triu_indices(input.shape[0], 1)
    return (input[i] - input[j]).norm(p=p, dim=1)


# --- modules ----------------------------------------------------------------------------------
class LPPool1d(Module):
    _pool = staticmethod(lp_pool1d)

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return self._pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    _pool = staticmethod(lp_pool2d)


class LPPool3d(LPPool1d):
    _pool = staticmethod(lp_pool3d)


class MaxUnpool1d(Module):
    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = F._ntuple(kernel_size, self._dims, "kernel_size")
        self.stride = F._ntuple(stride if stride is not None else kernel_size, self._dims,
                                "stride")
        self.padding = F._ntuple(padding, self._dims, "padding")

    def forward(self, input, indices, output_size=None):
        return _unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size,
                       type(self).__name__)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(MaxUnpool1d):
    _dims = 2


class MaxUnpool3d(MaxUnpool1d):
    _dims = 3


class ChannelShuffle(Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class LocalResponseNorm(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
