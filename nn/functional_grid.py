"""``affine_grid`` and ``grid_sample`` (re-exported by ``nn.functional``): a spatial
transformer's sampling grid and bilinear or nearest sampling at it, as PyTorch's 2-d
ones. Sampling gathers the corner pixels by index and mixes them with weights computed
from the grid, so the gradient reaches both the input (getitem's adjoint) and the grid
(through the weights; the corners' floor is a constant, as in PyTorch)."""
import numpy as np

from autograd import where
from autograd.errors import ArgumentError, ShapeError
from autograd.tensor import Tensor


def _base(n, align_corners, dtype):
    """The normalised coordinates [-1, 1] of n pixel centres (or edges, align_corners)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else np.zeros(1, dtype)
    return ((np.arange(n, dtype=dtype) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """(N, H, W, 2) sampling coordinates: theta (N, 2, 3) applied to the normalised (x, y,
    1) of every output pixel of `size` (N, C, H, W)."""
    if align_corners is None:
        align_corners = False
    if theta.ndim != 3 or theta.shape[1:] != (2, 3) or len(size) != 4 or size[0] != \
            theta.shape[0]:
        raise ShapeError(f"affine_grid: expected theta of shape (N, 2, 3) and a size (N, C, H, "
                         f"W) of the same N, got theta of shape {theta.shape} and size "
                         f"{tuple(size)}")
    n, _, h, w = size
    dtype = theta.dtype
    xs, ys = _base(w, align_corners, dtype), _base(h, align_corners, dtype)
    base = np.stack([np.tile(xs, h), np.repeat(ys, w), np.ones(h * w, dtype)], 1)   # (HW, 3)
    return (Tensor(base) @ theta.mT).reshape(n, h, w, 2)


def _unnormalise(coord, n, align_corners, padding_mode):
    """Pixel coordinates of normalised ones (an array or Tensor), border-clipped."""
    pixel = (coord + 1.0) * ((n - 1) / 2) if align_corners else ((coord + 1.0) * n - 1.0) / 2
    return pixel.clamp(0.0, n - 1.0) if padding_mode == "border" else pixel


def _gather(flat, iy, ix, h, w, batch):
    """flat (N, C, H*W) at the integer pixel (iy, ix) (N, P), zero outside the image:
    (N, C, P)."""
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    index = np.where(inside, iy * w + ix, 0)
    picked = flat[batch, :, index].permute(0, 2, 1)   # advanced axes first: (N, P, C)
    return where(inside[:, None, :], picked, 0.0)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample (N, C, H, W) at grid (N, Ho, Wo, 2) of normalised (x, y) in [-1, 1] ->
    (N, C, Ho, Wo): 'bilinear' or 'nearest' (half to even), 'zeros' or 'border' outside."""
    if mode not in ("bilinear", "nearest"):
        raise ArgumentError(f"grid_sample: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border"):
        raise ArgumentError(f"grid_sample: padding_mode must be 'zeros' or 'border' "
                            f"('reflection' is not supported), got {padding_mode!r}")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != \
            input.shape[0]:
        raise ShapeError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), "
                         f"got shapes {input.shape} and {grid.shape}")
    align_corners = bool(align_corners)
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    flat = input.reshape(n, c, h * w)
    g = grid.reshape(n, ho * wo, 2)
    x = _unnormalise(g[..., 0], w, align_corners, padding_mode)
    y = _unnormalise(g[..., 1], h, align_corners, padding_mode)
    batch = np.arange(n)[:, None]
    if mode == "nearest":
        out = _gather(flat, np.rint(y.data).astype(np.int64), np.rint(x.data).astype(np.int64),
                      h, w, batch)
        return out.reshape(n, c, ho, wo)
    x0, y0 = np.floor(x.data).astype(np.int64), np.floor(y.data).astype(np.int64)
    wx1, wy1 = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)        # (N, 1, P)
    wx0, wy0 = 1.0 - wx1, 1.0 - wy1
    out = (_gather(flat, y0, x0, h, w, batch) * (wy0 * wx0)
           + _gather(flat, y0, x0 + 1, h, w, batch) * (wy0 * wx1)
           + _gather(flat, y0 + 1, x0, h, w, batch) * (wy1 * wx0)
           + _gather(flat, y0 + 1, x0 + 1, h, w, batch) * (wy1 * wx1))
    return out.reshape(n, c, ho, wo)
