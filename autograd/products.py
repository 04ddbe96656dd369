"""Products and distances with PyTorch's names: ``dot``, ``vdot``, ``mv``, ``inner``,
``cross``, ``kron``, ``tensordot``, ``addmm``, ``dist``, ``cdist``, ``renorm``
(``outer`` is in functions/matmul.py). Composites of matmul, products, getitem and
norm, so their gradients come from those."""
import numpy as np

from .dtypes import result_type
from .einsum import add_scaled_product
from .errors import ArgumentError, DtypeError, ShapeError, describe
from .functions import _axes, _t, expand, matmul, permute, reshape, where
from .public import public
from .reductions import norm


def _vectors(op, a, b):
    a, b = _t(a), _t(b)
    if a.data.ndim != 1 or b.data.ndim != 1 or a.data.shape != b.data.shape:
        raise ShapeError(f"{op}: expected two 1-d tensors of one size, got "
                         f"{describe(a.data, b.data)}")
    if a.data.dtype != b.data.dtype:
        raise DtypeError(f"{op}: expected both vectors to have the same dtype, got "
                         f"{describe(a.data, b.data)}")
    return a, b


@public(method=True)
def dot(input, other):
    """The inner product of two 1-d tensors of one size and dtype (a 0-d tensor)."""
    return matmul(*_vectors("dot", input, other))


@public(method=True)
def vdot(input, other):
    """dot with the first vector conjugated: dot, for real tensors."""
    return matmul(*_vectors("vdot", input, other))


@public(method=True)
def mv(input, vec):
    """The product of a 2-d tensor and a 1-d one."""
    a, v = _t(input), _t(vec)
    if a.data.ndim != 2 or v.data.ndim != 1:
        raise ShapeError(f"mv: expected a 2-d and a 1-d tensor, got {describe(a.data, v.data)}")
    return matmul(a, v)


@public(method=True)
def inner(input, other):
    """The sum over the last dims of both: out[i..., j...] = sum_k a[i..., k] b[j..., k];
    a product if one of them is 0-d."""
    a, b = _t(input), _t(other)
    if a.data.ndim == 0 or b.data.ndim == 0:
        return a * b
    return tensordot(a, b, ([a.data.ndim - 1], [b.data.ndim - 1]))


@public
def tensordot(a, b, dims=2):
    """The sum over dims `dims` of a and b: an int n (a's last n with b's first n), or
    two lists of dims; a's other dims then b's in the result. One matmul."""
    a, b = _t(a), _t(b)
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(a.data.ndim, b.data.ndim):
            raise ShapeError(f"tensordot: dims={dims} for tensors of {a.data.ndim} and "
                             f"{b.data.ndim} dims")
        dims_a, dims_b = list(range(a.data.ndim - dims, a.data.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise ShapeError(f"tensordot: {len(dims_a)} dims of a for {len(dims_b)} of b")
        _axes(a, [int(d) for d in dims_a], "tensordot")    # in range, not d % ndim
        _axes(b, [int(d) for d in dims_b], "tensordot")
        dims_a = [int(d) % max(a.data.ndim, 1) for d in dims_a]
        dims_b = [int(d) % max(b.data.ndim, 1) for d in dims_b]
    sizes_a = [a.data.shape[i] for i in dims_a]
    if sizes_a != [b.data.shape[i] for i in dims_b]:
        raise ShapeError(f"tensordot: contracted dims {dims_a} of a {a.data.shape} and "
                         f"{dims_b} of b {b.data.shape} differ in size")
    if a.data.dtype != b.data.dtype:
        dtype = result_type(a, b)
        a, b = a.to(dtype), b.to(dtype)
    free_a = [i for i in range(a.data.ndim) if i not in dims_a]
    free_b = [i for i in range(b.data.ndim) if i not in dims_b]
    out_a = tuple(a.data.shape[i] for i in free_a)
    out_b = tuple(b.data.shape[i] for i in free_b)
    k = int(np.prod(sizes_a))
    am = reshape(permute(a, *free_a, *dims_a), int(np.prod(out_a)), k) if a.data.ndim \
        else reshape(a, 1, 1)
    bm = reshape(permute(b, *dims_b, *free_b), k, int(np.prod(out_b))) if b.data.ndim \
        else reshape(b, 1, 1)
    return reshape(matmul(am, bm), out_a + out_b)


@public(method=True)
def cross(input, other, dim=None):
    """The cross product of 3-vectors along `dim` (the first dim of size 3 if None, as
    torch.cross); the inputs broadcast."""
    a, b = _t(input), _t(other)
    try:
        shape = np.broadcast_shapes(a.data.shape, b.data.shape)
    except ValueError:
        raise ShapeError(f"cross: the inputs do not broadcast: {describe(a.data, b.data)}") \
            from None
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ShapeError(f"cross: no dim of size 3 in the shape {shape}")
    a, b = expand(a, shape), expand(b, shape)
    axis = _axes(a, dim, "cross") if a.data.ndim else None
    if axis is None or shape[axis] != 3:
        raise ShapeError(f"cross: dim {dim} must have size 3, got shape {shape}")
    lead = (slice(None),) * axis
    nxt, prev = lead + (np.array([1, 2, 0]),), lead + (np.array([2, 0, 1]),)
    return a[nxt] * b[prev] - a[prev] * b[nxt]


@public(method=True)
def kron(input, other):
    """The Kronecker product: blocks a[i, j] * b, in any number of dims (the one with
    fewer padded with leading 1s)."""
    a, b = _t(input), _t(other)
    nd = max(a.data.ndim, b.data.ndim)
    sa = (1,) * (nd - a.data.ndim) + a.data.shape
    sb = (1,) * (nd - b.data.ndim) + b.data.shape
    spread_a = reshape(a, tuple(v for n in sa for v in (n, 1)))
    spread_b = reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(spread_a * spread_b, tuple(m * n for m, n in zip(sa, sb)))


@public(method=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2) for 2-d mat1, mat2; with beta=0 the input is
    ignored (its NaN and Inf do not propagate), as PyTorch."""
    mat1, mat2 = _t(mat1), _t(mat2)
    if mat1.data.ndim != 2 or mat2.data.ndim != 2:
        raise ShapeError(f"addmm: mat1 and mat2 must be 2-d, got "
                         f"{describe(mat1.data, mat2.data)}")
    return add_scaled_product("addmm", _t(input), matmul(mat1, mat2), beta, alpha)


@public(method=True)
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), over all elements."""
    return norm(_t(input) - _t(other), p)


@public
def cdist(x1, x2, p=2.0, compute_mode=None):
    """The p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M):
    (..., P, R), batch dims broadcast. Computed from the differences (exact; PyTorch
    uses a matmul for p=2 with more than 25 rows, which rounds differently); the
    gradient at a zero distance is 0, as PyTorch's."""
    x1, x2 = _t(x1), _t(x2)
    if x1.data.ndim < 2 or x2.data.ndim < 2 or x1.data.shape[-1] != x2.data.shape[-1]:
        raise ShapeError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M) with one M, got "
                         f"{describe(x1.data, x2.data)}")
    if x1.data.dtype.kind != "f" or x2.data.dtype.kind != "f":
        raise DtypeError(f"cdist: expected floating-point inputs, got "
                         f"{describe(x1.data, x2.data)}")
    if not p >= 0:
        raise ArgumentError(f"cdist: p must be a non-negative number, got {p!r}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, -1)


@public(method=True)
def renorm(input, p, dim, maxnorm):
    """input with each slice along `dim` whose p-norm exceeds maxnorm scaled to norm
    maxnorm: by maxnorm / (norm + 1e-7), as PyTorch."""
    x = _t(input)
    if x.data.dtype.kind != "f":
        raise DtypeError(f"renorm: expected a floating-point tensor, got {describe(x.data)}")
    if x.data.ndim == 0:
        raise ShapeError("renorm: expected a tensor of at least 1 dim, got a 0-d one")
    axis = _axes(x, dim, "renorm")
    rest = tuple(i for i in range(x.data.ndim) if i != axis)
    norms = norm(x, p, rest, True) if rest else abs(x) if p != 0 else (x != 0).to(x.dtype)
    over = norms.data > maxnorm
    scale = where(over, maxnorm / (norms + 1e-7), 1.0)
    return x * scale.to(x.data.dtype)
