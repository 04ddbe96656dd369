"""Finite sums and differences along a dim, as PyTorch's top-level functions: the
trapezoid rule (``trapezoid``, ``trapz``, ``cumulative_trapezoid``) and ``gradient``
(central differences inside, one-sided at the edges, at uniform spacings or at given
coordinates). Written with narrow, diff, sum and cumsum: differentiable to any order."""
import numbers

from .errors import ArgumentError, ShapeError
from .extras import cumsum
from .public import public
from .reductions import sum as _sum
from .scans import diff
from .functions import cat
from .tensor import Tensor, get_default_dtype


def _trapezoid_terms(name, y, x, dx, dim):
    if x is not None and dx is not None:
        raise ArgumentError(f"{name}: give x or dx, not both")
    n = y.shape[dim] if y.ndim else 0
    if y.ndim == 0:
        raise ShapeError(f"{name}: y must have at least one dimension, got a 0-d tensor")
    if n == 0:
        return None
    mean = (y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)) / 2
    if x is None:
        return mean * (1 if dx is None else dx)
    if not isinstance(x, Tensor):
        raise ArgumentError(f"{name}: x must be a Tensor (use dx= for a spacing), got "
                            f"{type(x).__name__}")
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ShapeError(f"{name}: x of shape {tuple(x.shape)} has not the {n} points y "
                             f"{tuple(y.shape)} has along dim {dim}")
        steps = diff(x)
        steps = steps.reshape([-1 if d == dim % y.ndim else 1 for d in range(y.ndim)])
    else:
        steps = diff(x, dim=dim)
    return steps * mean


@public
def trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """The trapezoid rule's integral of `y` along `dim`, at points `x` (1-d, or
    broadcastable to y) or spaced `dx` (1 by default), as ``torch.trapezoid``:
    sum (x_i+1 - x_i) (y_i+1 + y_i) / 2; 0 for an empty dim."""
    terms = _trapezoid_terms("trapezoid", y, x, dx, dim)
    if terms is None:
        return _sum(y, dim) * 1.0
    return _sum(terms, dim)


@public
def trapz(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """``trapezoid``, by its older name (``torch.trapz``)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@public
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """The running trapezoid integral of `y` along `dim` (one element fewer than y there),
    as ``torch.cumulative_trapezoid``."""
    terms = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    if terms is None:
        return y * 1.0
    return cumsum(terms, dim)


def _dims(name, input, dim):
    if dim is None:
        return list(range(input.ndim))
    dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    if any(not -input.ndim <= d < input.ndim for d in dims) or \
            len({d % input.ndim for d in dims}) != len(dims):
        raise ArgumentError(f"{name}: dim {dim} is not a set of distinct dims of an input of "
                            f"shape {tuple(input.shape)}")
    return [d % input.ndim for d in dims]


def _spacings(input, spacing, dims):
    """One spacing per dim: a number h, or a 1-d Tensor of coordinates."""
    if isinstance(spacing, Tensor) and spacing.ndim:
        raise ArgumentError("gradient: give coordinates as a list of 1-d tensors, one per dim")
    if not isinstance(spacing, (list, tuple)):
        spacing = [spacing] * len(dims)
    spacing = [s.item() if isinstance(s, Tensor) and s.ndim == 0 else s for s in spacing]
    if len(spacing) != len(dims):
        raise ArgumentError(f"gradient: expected {len(dims)} spacings (one per dim of "
                            f"{dims}), got {len(spacing)}")
    for s, d in zip(spacing, dims):
        if isinstance(s, Tensor) and (s.ndim != 1 or s.shape[0] != input.shape[d]):
            raise ShapeError(f"gradient: coordinates of shape {tuple(s.shape)} for dim {d} "
                             f"of size {input.shape[d]} (expected a 1-d tensor of that size)")
    return spacing


def _along(t, dim, ndim):
    """1-d `t` shaped to broadcast along dim `dim` of an ndim-d tensor."""
    return t.reshape([-1 if i == dim else 1 for i in range(ndim)])


def _derivative(f, d, h, edge_order):
    """df/dx along dim d: central differences inside, one-sided of `edge_order` at the
    ends (numpy.gradient's formulas, also at uneven coordinates h)."""
    n = f.shape[d]
    at = lambda i, k=1: f.narrow(d, i % n, k)                       # noqa: E731
    if isinstance(h, Tensor):
        dx = _along(diff(h), d, f.ndim)
        a, b = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
        inner = (-b / (a * (a + b)) * at(0, n - 2) + (b - a) / (a * b) * at(1, n - 2)
                 + a / (b * (a + b)) * at(2, n - 2))
        h0, h1, hl, hm = (dx.narrow(d, i % (n - 1), 1) for i in (0, 1, -1, -2))
    else:
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        h0 = h1 = hl = hm = h
    if edge_order == 1:
        first, last = (at(1) - at(0)) / h0, (at(-1) - at(-2)) / hl
    else:
        first = (-(2 * h0 + h1) / (h0 * (h0 + h1)) * at(0) + (h0 + h1) / (h0 * h1) * at(1)
                 - h0 / (h1 * (h0 + h1)) * at(2))
        last = (hl / (hm * (hm + hl)) * at(-3) - (hl + hm) / (hm * hl) * at(-2)
                + (2 * hl + hm) / (hl * (hm + hl)) * at(-1))
    return cat([first, inner, last], d)


@public
def gradient(input, *, spacing=1, dim=None, edge_order=1) -> tuple[Tensor, ...]:
    """The derivative of `input` along each of `dim` (every dim by default), one tensor
    each, as ``torch.gradient``: central differences inside, one-sided (first or second
    order, `edge_order`) at the ends; `spacing` a number, one per dim, or 1-d coordinate
    tensors. Every dim needs edge_order + 1 points. Differentiable."""
    if edge_order not in (1, 2):
        raise ArgumentError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    dims = _dims("gradient", input, dim)
    spacing = _spacings(input, spacing, dims)
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise ShapeError(f"gradient: each dim of {dims} needs at least edge_order + 1 = "
                         f"{edge_order + 1} points; input has shape {tuple(input.shape)}")
    f = input if input.dtype.kind == "f" else input.to(get_default_dtype())
    return tuple(_derivative(f, d, h, edge_order) for d, h in zip(dims, spacing))
