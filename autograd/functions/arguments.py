"""The arguments the public functions share: an operand made a Tensor (``_t``) and
``dim`` normalised and checked (``_axes``)."""
import builtins

from ..errors import ArgumentError, OutOfRangeError
from ..tensor import Tensor, _operand


def _t(x, like=None):
    """`x` as a Tensor: a number or a list gets PyTorch's inferred dtype, or with `like`
    (a constant operand of a composite) `like`'s dtype."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x) if like is None else _operand(x, like, force=True)


def _axes(x, dim, op):
    """Normalise `dim` (None, int or sequence) to what numpy takes, checking its range."""
    if dim is None:
        return None
    nd = x.data.ndim
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if any(isinstance(d, bool) for d in dims):      # True is 1 to Python, not to PyTorch
        raise ArgumentError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
    if not dims:
        return None                 # dim=() reduces over every dim, as PyTorch
    for d in dims:
        if not -builtins.max(nd, 1) <= d < builtins.max(nd, 1):
            raise OutOfRangeError(f"{op}: dim {d} is out of range for a tensor of shape "
                             f"{x.data.shape} ({nd} dims)")
    if nd == 0:
        return None
    out = tuple(d % nd for d in dims)
    return out[0] if isinstance(dim, int) else out


def _nonempty(x, axes, op):
    """Refuse a reduction without identity (max, argmax, median...) over a dim of size 0,
    or over every dim (`axes` None) of a tensor with no element, as PyTorch (numpy's
    own errors named neither the op nor the dim)."""
    shape = x.data.shape
    if axes is None:
        if x.data.size == 0:
            raise OutOfRangeError(f"{op}: a tensor of shape {shape} has no element to "
                                  f"reduce; give dim to reduce over a dim of nonzero size")
        return
    for d in (axes,) if isinstance(axes, int) else axes:
        if shape[d] == 0:
            raise OutOfRangeError(f"{op}: dim {d} to reduce over has size 0 (a tensor of "
                                  f"shape {shape}); {op} of no element is undefined")
