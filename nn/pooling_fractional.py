"""Fractional max pooling (``fractional_max_pool2d/3d``, re-exported by ``nn.functional``,
and ``FractionalMaxPool2d/3d``), as PyTorch: each (batch, channel) plane's windows start
at pseudo-random offsets drawn from its `_random_samples` (one number in [0, 1) per
spatial dim), so that a fixed window size covers the input in a given number of steps.
The output gathers each window's maximum by index, so its gradient goes to that one
element (the first maximum, the last NaN), as PyTorch's.
"""
import itertools

import numpy as np

from autograd.creation import default_generator
from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd.graph import _wrap

from . import functional as F
from .module import Module


def _intervals(sample, n_in, n_out, pool):
    """PyTorch's generate_intervals: window starts (..., n_out) from samples (...), in the
    samples' float type: floor((i + u) a) - floor(u a), a = (n_in - pool) / (n_out - 1),
    the last window ending at the input's end."""
    dt = sample.dtype.type
    starts = np.empty(sample.shape + (n_out,), np.int64)
    if n_out > 1:
        alpha = dt(n_in - pool) / dt(n_out - 1)
        i = np.arange(n_out - 1).astype(sample.dtype)
        starts[..., :-1] = (((i + sample[..., None]) * alpha).astype(np.int64)
                            - (sample * alpha).astype(np.int64)[..., None])
    starts[..., -1] = n_in - pool
    return starts


# which sample places each spatial dim: PyTorch's 2-d kernel reads (W, H), its 3-d (T, H, W)
_SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}


def _fractional(input, kernel_size, output_size, output_ratio, return_indices, samples, dims):
    op = f"fractional_max_pool{dims}d"
    if input.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{op}: expected a {dims + 1}-d or {dims + 2}-d input, got shape "
                         f"{input.shape}")
    if input.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point input, got {input.dtype} (shape "
                         f"{input.shape})")
    kernel = F._ntuple(kernel_size, dims, "kernel_size")
    spatial = input.shape[-dims:]
    if output_size is None:
        if output_ratio is None:
            raise ArgumentError(f"{op} requires specifying either an output_size or an "
                                f"output_ratio")
        ratio = (output_ratio,) * dims if isinstance(output_ratio, (int, float)) else tuple(
            output_ratio)
        output_size = tuple(int(n * r) for n, r in zip(spatial, ratio))
    sizes = F._ntuple(output_size, dims, "output_size")
    for n, o, k in zip(spatial, sizes, kernel):
        if o + k - 1 > n or o <= 0:
            raise ShapeError(f"{op}: output size {sizes} with kernel {kernel} does not fit the "
                             f"input of shape {input.shape} (each output + kernel - 1 must be "
                             f"at most the input's size)")
    x = input if input.ndim == dims + 2 else input.unsqueeze(0)
    n, c = x.shape[:2]
    if samples is None:
        u = default_generator().random((n, c, dims)).astype(input.dtype)
    else:
        u = samples.data if hasattr(samples, "data") else np.asarray(samples)
        if u.shape != (n, c, dims):
            raise ShapeError(f"{op}: _random_samples of shape {u.shape} for an input of shape "
                             f"{input.shape} (expected {(n, c, dims)})")
        u = u.astype(input.dtype, copy=False)
    # each window's first cell, as a flat index into x's data, then each cell's offset from it
    steps = [int(np.prod(spatial[d + 1:])) for d in range(dims)]
    first = (np.arange(n * c) * int(np.prod(spatial))).reshape((n, c) + (1,) * dims)
    for d in range(dims):
        shape = [n, c] + [1] * dims
        shape[2 + d] = sizes[d]
        starts = _intervals(u[..., _SAMPLE_OF_DIM[dims][d]], spatial[d], sizes[d], kernel[d])
        first = first + starts.reshape(shape) * steps[d]
    offsets = [sum(i * step for i, step in zip(cell, steps))
               for cell in itertools.product(*map(range, kernel))]
    # each window's first maximum (its last NaN), cell by cell: gathering the windows and
    # taking their argmax cost 3 times as much. Masked writes (copyto, where) of a random
    # mask cost 0.5 ms per 131k cells; `chosen -= better * (chosen - offset)` 0.05 ms.
    data = x.data.reshape(-1)
    nan = np.isnan(data).any()
    best, chosen = data.take(first), np.zeros(first.shape, np.int64)
    for offset in offsets[1:]:
        v = data.take(first + offset)
        better = v > best
        if nan:
            better |= np.isnan(v)
        np.maximum(best, v, out=best)            # NaN stays: only a later NaN is better
        chosen = chosen - better * (chosen - offset)
    picked = first + chosen
    # a 1-d index of x's values: its backward is add.at's fast 1-d path (the same sums in
    # the same order as the (batch, channel, index) index it replaced, 1.3 -> 0.1 ms)
    out = x.reshape(-1)[picked.reshape(-1)].reshape((n, c) + sizes)
    idx = picked % int(np.prod(spatial))
    if input.ndim == dims + 1:
        out, idx = out.squeeze(0), idx[0]
    return (out, _wrap(idx, None)) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Max over (N, C, H, W) or (C, H, W) windows of `kernel_size` at pseudo-random
    starts giving `output_size` (or int(input size * `output_ratio`)); `_random_samples`
    (N, C, 2) in [0, 1), drawn from the default generator if not given: [..., 0] places
    the columns, [..., 1] the rows."""
    return _fractional(input, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples, 2)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """fractional_max_pool2d over (N, C, D, H, W) or (C, D, H, W); `_random_samples`
    (N, C, 3) place the depths, rows and columns in turn."""
    return _fractional(input, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples, 3)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """fractional_max_pool2d(..., return_indices=True): (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """fractional_max_pool3d(..., return_indices=True): (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, True, _random_samples, 3)


class FractionalMaxPool2d(Module):
    """fractional_max_pool2d as a layer; `_random_samples`, if given, is a buffer used at
    every call (PyTorch's, for reproducible windows)."""
    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        name, dims = type(self).__name__, self._dims
        self.kernel_size = F._ntuple(kernel_size, dims, "kernel_size")
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else F._ntuple(output_size, dims,
                                                                      "output_size")
        self.output_ratio = None if output_ratio is None else (
            (float(output_ratio),) * dims if isinstance(output_ratio, (int, float))
            else tuple(float(r) for r in output_ratio))
        if output_size is None and output_ratio is None:
            raise ArgumentError(f"{name} requires specifying either an output size, or a "
                                f"pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ArgumentError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ArgumentError(f"{name}: output_ratio must be between 0 and 1 (got "
                                f"{output_ratio})")

    def forward(self, input):
        return _fractional(input, self.kernel_size, self.output_size, self.output_ratio,
                           self.return_indices, self._random_samples, self._dims)


class FractionalMaxPool3d(FractionalMaxPool2d):
    _dims = 3
