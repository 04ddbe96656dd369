"""The 1-d convolution and pooling, adaptive pooling, pixel (un)shuffle and
``interpolate`` of ``nn.functional`` (re-exported there), with PyTorch's signatures.

The 1-d ops are the 2-d ones on an (N, C, 1, L) view; adaptive pooling and
interpolation are index and matrix composites (windows as slices or as an averaging
matrix, nearest and linear sampling as integer gathers with weights), so their
gradients come from getitem's, amax's and matmul's rules.
"""
import itertools
import math

import numpy as np

from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd import stack, where
from autograd.functions.shapes import fresh
from autograd.graph import _wrap
from autograd.tensor import Tensor


def _single(v, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ArgumentError(f"{name} must be an int or a 1-tuple, got {v}")
        v = v[0]
    from .functional import _ntuple
    return _ntuple(int(v), 1, name)[0]         # its range checked


def _as_3d(input, op):
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-d (C, L) or 3-d (N, C, L) input, got shape "
                         f"{input.shape}")
    return input.unsqueeze(-2)          # (N, C, 1, L) or (C, 1, L)


# --- 1-d convolution and pooling, through the 2-d ops -------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation as PyTorch: input (N, C, L) or (C, L), weight
    (O, C/groups, k), bias (O,) -> (N, O, L_out); padding an int, 'valid' or 'same'."""
    from .functional import conv2d
    if weight.ndim != 3:
        raise ShapeError(f"conv1d: weight must be 3-d (out_channels, in_channels / groups, "
                         f"k), got shape {weight.shape}")
    x = _as_3d(input, "conv1d")
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    if pad == "same" and _single(stride, "stride") != 1:
        raise ArgumentError("conv1d: padding='same' is not supported for strided convolutions")
    try:
        out = conv2d(x, weight.unsqueeze(-2), bias, (1, _single(stride, "stride")), pad,
                     (1, _single(dilation, "dilation")), groups)
    except (ShapeError, DtypeError) as e:
        raise type(e)(f"conv1d: input of shape {input.shape} and dtype {input.dtype}, weight "
                      f"of shape {weight.shape} and dtype {weight.dtype}: {e}") from None
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of (N, C, L) or (C, L) (max_pool2d's rules: ties share the
    gradient; ``return_indices`` gives PyTorch's first maximum along L)."""
    from .functional import max_pool2d
    k = _single(kernel_size, "kernel_size")
    s = k if stride in (None, ()) else _single(stride, "stride")
    out = max_pool2d(_as_3d(input, "max_pool1d"), (1, k), (1, s),
                     (0, _single(padding, "padding")), (1, _single(dilation, "dilation")),
                     ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of (N, C, L) or (C, L), avg_pool2d's divisor rules."""
    from .functional import avg_pool2d
    k = _single(kernel_size, "kernel_size")
    s = k if stride in (None, ()) else _single(stride, "stride")
    return avg_pool2d(_as_3d(input, "avg_pool1d"), (1, k), (1, s),
                      (0, _single(padding, "padding")), ceil_mode,
                      count_include_pad).squeeze(-2)


def pooling_argmax(values):
    """Index along the last axis of PyTorch's max-pooling pick: the first maximum, or the
    last NaN where there is one (its kernels take a NaN, then each later one)."""
    pick = values.argmax(-1)
    nan = np.isnan(values)
    if not nan.any():                   # no NaN: 2.5 ms rather than 6.2-8.3 (16x32x256x4 f32)
        return pick
    return np.where(nan.any(-1), nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1), pick)


def max_indices(data, maxima, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's max-pool indices of an array (..., *spatial) over its last len(kernel)
    dims, given each window's maximum (..., *outs): for each window the flat spatial
    index of its first maximum, of its last NaN if it holds one, or of its first cell
    inside the input if all it reads is -inf. Each kernel cell is compared with the
    maxima through a strided view of the data: max_pool3d's indices, 4x8x16x32x32 k2
    float32, 4.5 -> 1.2 ms (gathering the windows and taking their argmax)."""
    from .functional import _pool_extent
    dims = len(kernel)
    spatial = data.shape[-dims:]
    outs, highs = zip(*(_pool_extent(n, k, s, p, d, ceil_mode)
                        for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)))
    highs = [max(0, (o - 1) * s + (k - 1) * d + 1 - p - n)
             for o, n, k, s, p, d in zip(outs, spatial, kernel, stride, padding, dilation)]
    if any(padding) or any(highs):
        data = np.pad(data, [(0, 0)] * (data.ndim - dims) + list(zip(padding, highs)),
                      constant_values=-np.inf)
    cells = list(itertools.product(*map(range, kernel)))

    def cell_values(cell):               # the value each window reads at `cell`
        return data[(Ellipsis,) + tuple(slice(c * d, c * d + (o - 1) * s + 1, s) for c, o, s, d
                                         in zip(cell, outs, stride, dilation))]
    pick = np.zeros(maxima.shape, np.intp)
    for j in range(len(cells) - 1, -1, -1):  # the first cell holding the maximum wins
        pick = pick - (cell_values(cells[j]) == maxima) * (pick - j)   # copyto(where=): 2x
    if np.isnan(maxima).any():
        for j, cell in enumerate(cells):     # the last NaN
            pick = pick - np.isnan(cell_values(cell)) * (pick - j)
    empty = maxima == -np.inf
    if empty.any():                      # all -inf: its first cell inside the input
        valid = np.ones((1,) * (2 * dims), bool)
        for i, (n, o, k, s, p, d) in enumerate(zip(spatial, outs, kernel, stride, padding,
                                                   dilation)):
            shape = [1] * (2 * dims)
            shape[i], shape[dims + i] = o, k
            at = (np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d).reshape(shape)
            valid = valid & (at >= 0) & (at < n)
        valid = np.broadcast_to(valid, outs + tuple(kernel)).reshape(outs + (-1,))
        pick = np.where(empty, valid.argmax(-1), pick)
    cells = np.unravel_index(pick, kernel)
    index = 0
    for i, (cell, (n, s, p, d)) in enumerate(zip(cells, zip(spatial, stride, padding,
                                                              dilation))):
        start = np.arange(outs[i]).reshape([-1 if j == i else 1 for j in range(dims)]) * s - p
        index = index * n + (start + cell * d)
    return np.asarray(index, np.int64)


# --- adaptive pooling ---------------------------------------------------------------------
def _adaptive_sizes(input, output_size, dims, op):
    """The output sizes over the last `dims` dims (None keeps the input's), checked."""
    if input.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{op}: expected a {dims + 1}-d or {dims + 2}-d input, got shape "
                         f"{input.shape}")
    sizes = (output_size,) * dims if isinstance(output_size, (int, type(None))) else tuple(
        output_size)
    if len(sizes) != dims:
        raise ArgumentError(f"{op}: output_size must have {dims} elements, got {output_size}")
    sizes = tuple(input.shape[input.ndim - dims + i] if o is None else int(o)
                  for i, o in enumerate(sizes))
    if any(o <= 0 for o in sizes) or any(input.shape[input.ndim - dims + i] == 0
                                         for i in range(dims)):
        raise ShapeError(f"{op}: output size {sizes} and input of shape {input.shape} must be "
                         f"non-empty")
    return sizes


def _windows(size, out):
    """PyTorch's adaptive windows: [floor(i size / out), ceil((i + 1) size / out))."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _mean_matrix(size, out, dtype):
    """(out, size): row i averages window i."""
    start, end = _windows(size, out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _need_float(input, op):
    """Refuse an integer or bool input, as PyTorch (its means and weights would be cut to
    integers)."""
    if input.dtype.kind != "f":
        raise DtypeError(f"{op}: input of dtype {input.dtype} (shape {input.shape}) is not "
                         f"floating point, as PyTorch requires; convert it with .float()")


def _adaptive_avg(input, sizes):
    """The mean of each of PyTorch's adaptive windows over the trailing len(sizes) dims,
    one dim at a time: a reshape where the windows tile the dim, else a product with the
    mean matrix, or, where the values are not all finite (0 * inf in the matrix product
    would spoil every window), a gather of the windows padded to one length, the padding
    taken out by where (8x slower than the product at 8x16x64x64 -> 5x7)."""
    _need_float(input, f"adaptive_avg_pool{len(sizes)}d")
    out = input
    for dim, o in zip(range(input.ndim - len(sizes), input.ndim), sizes):
        n = out.shape[dim]
        if o == n:
            continue
        if n % o == 0:
            out = out.reshape(out.shape[:dim] + (o, n // o) + out.shape[dim + 1:]).mean(dim + 1)
            continue
        if np.isfinite(out.data).all():
            mean = Tensor(_mean_matrix(n, o, input.dtype))
            out = (mean @ out if dim == out.ndim - 2 else
                   (out.transpose(dim, -1) @ mean.T).transpose(dim, -1))
            continue
        start, end = _windows(n, o)
        taps = np.arange((end - start).max())
        inside = taps < (end - start)[:, None]
        index = (start[:, None] + taps * inside).reshape(-1)
        rows = out.movedim(dim, 0)                # rows gathered: getitem's fast backward
        cells = rows.reshape(n, -1)[index].reshape(o, taps.size, -1)
        total = where(inside[:, :, None], cells, 0).sum(1) / Tensor(
            (end - start)[:, None].astype(input.dtype))
        out = total.reshape((o,) + rows.shape[1:]).movedim(0, dim)
    return out if out is not input else input * 1.0


def adaptive_avg_pool1d(input, output_size):
    """(N, C, L) or (C, L) -> (..., output_size): the mean of each adaptive window."""
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """(N, C, H, W) or (C, H, W) -> (..., oh, ow): the mean of each adaptive window."""
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 2, "adaptive_avg_pool2d"))


def _adaptive_max_along(x, dim, out):
    start, end = _windows(x.shape[dim], out)
    pre = (slice(None),) * (dim % x.ndim)
    return stack([x[pre + (slice(a, b),)].amax(dim) for a, b in zip(start, end)], dim)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """(N, C, H, W) or (C, H, W) -> (..., oh, ow): the max of each adaptive window (ties
    share the gradient, as amax); ``return_indices`` gives the flat index in the (H, W)
    plane of each window's first maximum, as PyTorch."""
    oh, ow = _adaptive_sizes(input, output_size, 2, "adaptive_max_pool2d")
    out = _adaptive_max_along(_adaptive_max_along(input, -2, oh), -1, ow)
    if not return_indices:
        return out
    return out, _wrap(adaptive_max_indices(input.data, (oh, ow)), None)


def adaptive_max_indices(data, sizes):
    """PyTorch's adaptive max-pool indices of an array (..., *spatial): for each window
    the flat spatial index of its pick (pooling_argmax)."""
    dims = len(sizes)
    spatial = data.shape[-dims:]
    bounds = [_windows(n, o) for n, o in zip(spatial, sizes)]
    idx = np.empty(data.shape[:-dims] + tuple(sizes), np.int64)
    for pos in itertools.product(*(range(o) for o in sizes)):
        win = data[(Ellipsis,) + tuple(slice(a[p], b[p]) for (a, b), p in zip(bounds, pos))]
        cells = win.reshape(win.shape[:-dims] + (int(np.prod(win.shape[-dims:])),))
        coords = np.unravel_index(pooling_argmax(cells), win.shape[-dims:])
        flat = 0
        for c, (start, _), p, n in zip(coords, bounds, pos, spatial):
            flat = flat * n + c + start[p]
        idx[(Ellipsis,) + pos] = flat
    return idx


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """(N, C, L) or (C, L) -> (..., output_size): the max of each adaptive window."""
    (o,) = _adaptive_sizes(input, output_size, 1, "adaptive_max_pool1d")
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


# --- pixel shuffle ------------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r), as PyTorch."""
    r = int(upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle: expected an input of at least 3 dims whose dim -3 "
                         f"is divisible by upscale_factor^2 = {r * r}, got shape {input.shape}")
    *batch, c, h, w = input.shape
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    n = len(batch)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return fresh(x.reshape(*batch, c // (r * r), h * r, w * r), input)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): pixel_shuffle's inverse."""
    r = int(downscale_factor)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ShapeError(f"pixel_unshuffle: expected an input of at least 3 dims whose last "
                         f"two dims are divisible by downscale_factor = {r}, got shape "
                         f"{input.shape}")
    *batch, c, h, w = input.shape
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    n = len(batch)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return fresh(x.reshape(*batch, c * r * r, h // r, w // r), input)


# --- interpolate --------------------------------------------------------------------------
_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
          "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}


def _out_sizes(input, size, scale_factor, dims):
    """(output sizes, the scale each dim's source index uses, or None: in / out)."""
    if (size is None) == (scale_factor is None):
        raise ArgumentError("interpolate: give exactly one of size and scale_factor")
    spatial = input.shape[-dims:]
    if size is not None:
        sizes = (size,) * dims if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != dims:
            raise ArgumentError(f"interpolate: size {size} for an input with {dims} spatial "
                                f"dims (shape {input.shape})")
        return sizes, (None,) * dims
    scales = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) else tuple(
        scale_factor)
    if len(scales) != dims:
        raise ArgumentError(f"interpolate: scale_factor {scale_factor} for an input with {dims} "
                            f"spatial dims (shape {input.shape})")
    return tuple(int(math.floor(n * float(s))) for n, s in zip(spatial, scales)), scales


def _source_scale(n_in, n_out, scale, align_corners, dtype):
    """PyTorch's area_pixel_compute_scale, in the input's float type."""
    if align_corners:
        return dtype.type((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    return dtype.type(1.0 / float(scale)) if scale is not None else dtype.type(n_in / n_out)


def _nearest(x, dim, n_out, scale, exact):
    """PyTorch's source index floor(i * scale) ('nearest') or floor((i + 0.5) * scale)
    ('nearest-exact', the product in float64 rounded to float32, as its C++ floorf)."""
    n_in = x.shape[dim]
    s = _source_scale(n_in, n_out, scale, False, np.dtype(np.float32))
    src = ((np.arange(n_out) + 0.5) * np.float64(s)).astype(np.float32) if exact else \
        np.arange(n_out, dtype=np.float32) * s
    return x[(slice(None),) * dim + (np.minimum(np.floor(src).astype(np.int64), n_in - 1),)]


def _mix(x, dim, taps):
    """sum over (index, weight) taps of x's entries at index along dim times weight."""
    shape = (len(taps[0][0]),) + (1,) * (x.ndim - 1 - dim)
    out = None
    for index, weight in taps:
        term = x[(slice(None),) * dim + (index,)] * weight.reshape(shape)
        out = term if out is None else out + term
    return out


def _source(x, dim, n_out, scale, align_corners, cubic=False):
    """(n_in, the source coordinates of the n_out outputs in x's float type), as PyTorch's
    area_pixel_compute_source_index (clamped at 0 unless cubic)."""
    n_in, dtype = x.shape[dim], x.dtype
    s = _source_scale(n_in, n_out, scale, align_corners, dtype)
    dst = np.arange(n_out, dtype=dtype)
    if align_corners:
        return n_in, dst * s
    src = (dst + dtype.type(0.5)) * s - dtype.type(0.5)
    return n_in, src if cubic else np.maximum(src, dtype.type(0))


def _linear(x, dim, n_out, scale, align_corners):
    n_in, src = _source(x, dim, n_out, scale, align_corners)
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0, 0, 1).astype(x.dtype)
    return _mix(x, dim, [(i0, (x.dtype.type(1) - w1).astype(x.dtype)),
                         (np.minimum(i0 + 1, n_in - 1), w1)])


def _cubic(x, dim, n_out, scale, align_corners):
    """PyTorch's cubic convolution (A = -0.75) of the 4 inputs around each source
    coordinate, their indices clamped to the input."""
    from .functional_grid import _cubic_weights
    n_in, src = _source(x, dim, n_out, scale, align_corners, cubic=True)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    weights = _cubic_weights(np.clip(src - i0, 0, 1).astype(x.dtype))
    return _mix(x, dim, [(np.clip(i0 + k - 1, 0, n_in - 1), w) for k, w in enumerate(weights)])


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) to `size` or by
    `scale_factor`, as PyTorch: 'nearest' (source floor(i * scale)), 'nearest-exact'
    (floor((i + 0.5) * scale)), 'area' (adaptive average pooling), 'linear' (3-d),
    'bilinear' and 'bicubic' (4-d), 'trilinear' (5-d), with `align_corners`; one dim at
    a time. antialias=True is not supported."""
    if mode not in _MODES:
        raise ArgumentError(f"interpolate: mode must be one of {sorted(_MODES)}, got {mode!r}")
    dims = input.ndim - 2
    if dims not in _MODES[mode]:
        raise ShapeError(f"interpolate: mode {mode!r} takes a "
                         f"{' or '.join(str(d + 2) for d in _MODES[mode])}-d input, got shape "
                         f"{input.shape}")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ArgumentError("interpolate: align_corners applies to the modes linear, bilinear, "
                            f"bicubic and trilinear only, not {mode!r}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if recompute_scale_factor and size is not None:
        raise ArgumentError("interpolate: recompute_scale_factor is not meaningful with an "
                            "explicit size; pass scale_factor instead")
    sizes, scales = _out_sizes(input, size, scale_factor, dims)
    if min(sizes + input.shape[-dims:]) <= 0:
        raise ShapeError(f"interpolate: input and output sizes must be greater than 0, got "
                         f"input {input.shape[-dims:]} (shape {input.shape}) and output {sizes}")
    if not mode.startswith("nearest"):
        _need_float(input, f"interpolate ({mode!r})")
    if mode == "area":
        from . import functional as F
        return getattr(F, f"adaptive_avg_pool{dims}d")(input, sizes)
    if recompute_scale_factor:
        scales = (None,) * dims
    out = input
    for i in range(dims):
        dim = input.ndim - dims + i
        scale = _kernel_scale(mode, dims, out.shape[dim], sizes[i], scales[i])
        if mode.startswith("nearest"):
            out = _nearest(out, dim, sizes[i], scale, mode == "nearest-exact")
        else:
            resample = _cubic if mode == "bicubic" else _linear
            out = resample(out, dim, sizes[i], scale, bool(align_corners))
    return out


def _kernel_scale(mode, dims, n_in, n_out, scale):
    """The scale PyTorch's CPU kernels use for one dim: whatever scale_factor says, the
    linear ones copy a dim whose size is kept, and the 2-d nearest one copies or doubles
    (i // 2) a dim whose size is kept or doubled (None: n_in / n_out, which does that)."""
    if n_out == n_in and mode in ("linear", "bilinear", "trilinear"):
        return None
    if n_out in (n_in, 2 * n_in) and mode == "nearest" and dims == 2:
        return None
    return scale


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """interpolate, under PyTorch's deprecated name."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """interpolate(mode='nearest'), under PyTorch's deprecated name."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """interpolate(mode='bilinear', align_corners=True), under PyTorch's deprecated name."""
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool1d(..., return_indices=True): (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool2d(..., return_indices=True): (values, indices)."""
    from .functional import max_pool2d
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool1d(..., return_indices=True): (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool2d(..., return_indices=True): (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)
