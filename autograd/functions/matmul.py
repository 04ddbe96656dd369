"""The matrix product with numpy's rules (1-d operands as vectors, batch dims
broadcast), and the outer product."""
from .. import ops
from ..dtypes import result_type
from ..errors import ShapeError, describe
from ..public import public
from .arguments import _t


@public(method=True)
def matmul(a, b):
    """Matrix product with numpy's rules: 1-d operands are vectors, batch dims broadcast."""
    a, b = _t(a), _t(b)
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dim, got {describe(a.data, b.data)}")
    k_a = a.data.shape[-1]
    k_b = b.data.shape[-2] if b.data.ndim > 1 else b.data.shape[0]
    if k_a != k_b:
        raise ShapeError(f"matmul: inner dimensions differ: {a.data.shape} @ {b.data.shape} "
                         f"({k_a} != {k_b}); operands {describe(a.data, b.data)}")
    if a.data.dtype != b.data.dtype:
        dt = result_type(a, b)
        a, b = a.to(dt), b.to(dt)
    va, vb = a.data.ndim == 1, b.data.ndim == 1
    if va:
        a = a.reshape(1, k_a)
    if vb:
        b = b.reshape(k_b, 1)
    try:
        out = a._binary(ops.MatMul, b)
    except ShapeError:
        raise ShapeError(f"matmul: batch dimensions do not broadcast: {a.data.shape} @ "
                         f"{b.data.shape}") from None
    if va or vb:
        shape = out.data.shape
        out = out.reshape(shape[:-2] + (() if va else shape[-2:-1]) + (() if vb else shape[-1:]))
    return out


@public(name="ger", method=True)
@public(method=True)
def outer(a, b):
    """The outer product of 1-d tensors a and b: a[i] * b[j]."""
    a, b = _t(a), _t(b)
    if a.data.ndim != 1 or b.data.ndim != 1:
        raise ShapeError(f"outer: expected two 1-d tensors, got {describe(a.data, b.data)}")
    return a.reshape(-1, 1) * b.reshape(1, -1)
