"""``affine_grid`` and ``grid_sample`` (re-exported by ``nn.functional``): a spatial
transformer's sampling grid and bilinear (trilinear) or nearest sampling at it, as
PyTorch's 2-d and 3-d ones. Sampling gathers the corner pixels by index and mixes them
with weights computed from the grid, so the gradient reaches both the input (getitem's
adjoint) and the grid (through the weights; the corners' floor is a constant, as in
PyTorch)."""
import itertools

import numpy as np

from autograd import where
from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd.graph import _wrap
from autograd.tensor import Tensor


def _base(n, align_corners, dtype):
    """The normalised coordinates [-1, 1] of n pixel centres (or edges, align_corners)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else np.zeros(1, dtype)
    return ((np.arange(n, dtype=dtype) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """Sampling coordinates: theta (N, 2, 3) applied to the normalised (x, y, 1) of every
    output pixel of `size` (N, C, H, W) -> (N, H, W, 2); theta (N, 3, 4) and size
    (N, C, D, H, W) -> (N, D, H, W, 3) of (x, y, z)."""
    if align_corners is None:
        align_corners = False
    dims = len(size) - 2
    if (dims not in (2, 3) or theta.ndim != 3 or theta.shape[1:] != (dims, dims + 1)
            or size[0] != theta.shape[0]):
        raise ShapeError(f"affine_grid: expected theta of shape (N, 2, 3) and a size (N, C, H, "
                         f"W), or theta (N, 3, 4) and a size (N, C, D, H, W), of the same N, "
                         f"got theta of shape {theta.shape} and size {tuple(size)}")
    spatial, dtype = tuple(size[2:]), theta.dtype
    mesh = np.meshgrid(*(_base(n, align_corners, dtype) for n in spatial), indexing="ij")
    columns = [m.reshape(-1) for m in reversed(mesh)]           # x (along W) first
    base = np.stack(columns + [np.ones(columns[0].size, dtype)], 1)   # (P, dims + 1)
    return (Tensor(base) @ theta.mT).reshape((size[0],) + spatial + (dims,))


def _clip(pixel, n):
    """pixel clipped to [0, n - 1], with PyTorch's zero gradient at both ends."""
    p = pixel.data
    return where((p > 0) & (p < n - 1), pixel, np.clip(p, 0, n - 1).astype(p.dtype))


def _reflect(pixel, n, align_corners):
    """pixel reflected about the image's edges (its centres' span with align_corners,
    else a half pixel beyond) until inside, then clipped, as PyTorch."""
    low, span = (0.0, n - 1.0) if align_corners else (-0.5, float(n))
    if span == 0:
        return pixel * 0.0
    shifted = pixel - low
    distance = shifted * np.where(shifted.data < 0, -1.0, 1.0).astype(pixel.dtype)
    flips = np.floor(distance.data / span)
    extra = distance - (flips * span).astype(pixel.dtype)
    odd = (flips % 2) == 1
    return _clip(where(odd, (span + low) - extra, extra + low), n)


def _unnormalise(coord, n, align_corners, padding_mode):
    """Pixel coordinates of normalised ones (a Tensor), clipped or reflected."""
    pixel = (coord + 1.0) * ((n - 1) / 2) if align_corners else ((coord + 1.0) * n - 1.0) / 2
    if padding_mode == "border":
        return _clip(pixel, n)
    if padding_mode == "reflection":
        return _reflect(pixel, n, align_corners)
    return pixel


def _gather(flat, index, spatial, batch):
    """The pixels `index` (one (N, P) integer array per spatial dim) of `flat`, the input
    (N, C, *spatial) as (N, prod(spatial), C) flattened, zero outside the image: (N, C, P)
    (`batch`: arange(N)[:, None]; C is what is left of flat's size)."""
    # one 1-d index of every value read, whose backward is add.at's fast 1-d path: the
    # gradient's sums in the order of the (batch, :, pixel) index it replaced, 4-5x faster
    inside = np.ones(index[0].shape, bool)
    linear = np.zeros(index[0].shape, np.int64)
    for i, n in zip(index, spatial):
        inside &= (i >= 0) & (i < n)
        linear = linear * n + i
    size = batch.shape[0] * int(np.prod(spatial))
    c = flat.shape[0] // size if size else 0
    rows = batch * int(np.prod(spatial)) + np.where(inside, linear, 0)          # (N, P)
    picked = flat[((rows * c)[..., None] + np.arange(c)).reshape(-1)]
    picked = picked.reshape(rows.shape + (c,)).permute(0, 2, 1)                 # (N, C, P)
    if inside.all():                    # border and reflection padding, most often
        return picked
    return where(inside[:, None, :], picked, 0.0)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample (N, C, H, W) at grid (N, Ho, Wo, 2) of normalised (x, y) in [-1, 1] ->
    (N, C, Ho, Wo), or (N, C, D, H, W) at grid (N, Do, Ho, Wo, 3) of (x, y, z): 'bilinear'
    (trilinear in 3-d), 'nearest' (half to even) or 'bicubic' (2-d; PyTorch's cubic
    convolution, A = -0.75, over 4 x 4 pixels); outside the image 'zeros', 'border'
    (clipped) or 'reflection' (mirrored at the edges, then clipped)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ArgumentError(f"grid_sample: mode must be 'bilinear', 'nearest' or 'bicubic', "
                            f"got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ArgumentError(f"grid_sample: padding_mode must be 'zeros', 'border' or "
                            f"'reflection', got {padding_mode!r}")
    dims = input.ndim - 2
    if (dims not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != dims
            or grid.shape[0] != input.shape[0]):
        raise ShapeError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), "
                         f"or input (N, C, D, H, W) and grid (N, Do, Ho, Wo, 3), got shapes "
                         f"{input.shape} and {grid.shape}")
    if input.dtype != grid.dtype or input.dtype.kind != "f":
        raise DtypeError(f"grid_sample: input (shape {input.shape}, dtype {input.dtype}) and "
                         f"grid (shape {grid.shape}, dtype {grid.dtype}) must have the same "
                         f"floating dtype; convert one with .to(...)")
    if mode == "bicubic" and dims != 2:
        raise ShapeError(f"grid_sample: mode 'bicubic' takes a 4-d input only, got shape "
                         f"{input.shape}")
    align_corners = bool(align_corners)
    n, c, spatial, out_spatial = input.shape[0], input.shape[1], input.shape[2:], grid.shape[1:-1]
    points = int(np.prod(out_spatial))
    flat = input.reshape(n, c, int(np.prod(spatial))).permute(0, 2, 1).reshape(-1)
    g = grid.reshape(n, points, dims)
    batch = np.arange(n)[:, None]
    if mode == "bicubic":
        out = _bicubic(flat, g, spatial, align_corners, padding_mode, batch)
        return out.reshape((n, c) + out_spatial)
    pixels = [_unnormalise(g[..., dims - 1 - d], spatial[d], align_corners, padding_mode)
              for d in range(dims)]                              # along D, H, W: z, y, x
    if mode == "nearest":
        out = _gather(flat, [np.rint(p.data).astype(np.int64) for p in pixels], spatial, batch)
        return out.reshape((n, c) + out_spatial)
    low = [np.floor(p.data).astype(np.int64) for p in pixels]
    high = [(p - i).unsqueeze(1) for p, i in zip(pixels, low)]    # (N, 1, P) weights
    weights = [(1.0 - w, w) for w in high]
    out = None
    for corner in itertools.product((0, 1), repeat=dims):
        weight = weights[0][corner[0]]
        for d in range(1, dims):
            weight = weight * weights[d][corner[d]]
        term = _gather(flat, [i + b for i, b in zip(low, corner)], spatial, batch) * weight
        out = term if out is None else out + term
    return out.reshape((n, c) + out_spatial)


_CUBIC_A = -0.75


def _cubic_weights(t):
    """PyTorch's cubic convolution weights (A = -0.75) of the 4 pixels around a point a
    fraction t past the second."""
    a = _CUBIC_A
    near = [t, 1.0 - t]                                        # distances to pixels 1, 2
    far = [t + 1.0, 2.0 - t]                                   # to pixels 0, 3
    inner = [((x * (a + 2) - (a + 3)) * x) * x + 1.0 for x in near]
    outer = [((x * a - 5 * a) * x + 8 * a) * x - 4 * a for x in far]
    return [outer[0], inner[0], inner[1], outer[1]]


def _bicubic(flat, g, spatial, align_corners, padding_mode, batch):
    """grid_sample's 'bicubic' mode, as PyTorch: the unclipped pixel coordinates give the
    4 x 4 pixels around each point, each pixel's own coordinates clipped or reflected
    (then truncated) as padding_mode says; rows mixed along x, then the rows along y."""
    (h, w), dtype = spatial, g.dtype
    x = _unnormalise(g[..., 0], w, align_corners, "zeros")
    y = _unnormalise(g[..., 1], h, align_corners, "zeros")
    x0, y0 = np.floor(x.data), np.floor(y.data)
    wx = _cubic_weights((x - x0).unsqueeze(1))                  # each (N, 1, P)
    wy = _cubic_weights((y - y0).unsqueeze(1))

    def bounded(coord, n):
        if padding_mode == "zeros":
            return coord.astype(np.int64)
        t = _wrap(coord.astype(dtype), None)
        t = _clip(t, n) if padding_mode == "border" else _reflect(t, n, align_corners)
        return t.data.astype(np.int64)

    out = None
    cols = [bounded(x0 - 1 + j, w) for j in range(4)]
    for i in range(4):
        row = bounded(y0 - 1 + i, h)
        mixed = None
        for j in range(4):
            term = _gather(flat, [row, cols[j]], spatial, batch) * wx[j]
            mixed = term if mixed is None else mixed + term
        out = mixed * wy[i] if out is None else out + mixed * wy[i]
    return out
