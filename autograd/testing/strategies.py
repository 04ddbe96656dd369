"""Hypothesis strategies for property tests of your own ops, as gradgraph tests its own:
tensors of given shapes and dtypes, pairs of broadcastable shapes, and values kept away
from the kinks where a numerical gradient check is meaningless. Needs hypothesis
(``pip install hypothesis``; it comes with gradgraph's ``[test]`` extra)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..errors import ArgumentError
from ..graph import _wrap


def away_from_kinks(kinks=(0.0,), distance=0.1, min_value=-3.0, max_value=3.0):
    """Floats in [min_value, max_value] at least `distance` from every point of `kinks`
    (0 for relu/abs, the bounds of a clamp...), where central differences straddle the
    kink and a correct gradient fails the check.

    >>> from hypothesis import given
    >>> @given(away_from_kinks(kinks=(0.0, 1.0), distance=0.05))
    ... def test(v):
    ...     assert abs(v) >= 0.05 and abs(v - 1.0) >= 0.05
    >>> test()
    """
    kinks = sorted(float(k) for k in kinks)
    edges = [min_value] + [e for k in kinks for e in (k - distance, k + distance)] + [max_value]
    bounds = [(max(lo, min_value), min(hi, max_value)) for lo, hi in zip(edges[::2], edges[1::2])]
    pieces = [st.floats(lo, hi, allow_nan=False, allow_infinity=False)
              for lo, hi in bounds if lo <= hi]
    if not pieces:
        raise ArgumentError(f"away_from_kinks: no value in [{min_value}, {max_value}] is "
                         f"{distance} away from {kinks}")
    return st.one_of(pieces)


def tensors(shape=None, dtype=np.float64, elements=None, requires_grad=True, min_dims=0,
            max_dims=3, min_side=1, max_side=5):
    """Tensors of `shape` (a tuple, or a strategy of shapes; None: any shape with
    `min_dims`..`max_dims` dims of `min_side`..`max_side`) and `dtype`, with values from
    `elements` (default: ``away_from_kinks()``); float tensors require grad unless
    `requires_grad` is False.

    >>> from hypothesis import given
    >>> @given(tensors(shape=(2, 3), dtype=np.float32))
    ... def test(t):
    ...     assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad
    >>> test()
    """
    dtype = np.dtype(dtype)
    if shape is None:
        shape = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                 max_side=max_side)
    if elements is None:
        elements = away_from_kinks() if dtype.kind == "f" else None
    if dtype == np.float32 and elements is not None:
        elements = elements.map(lambda v: float(np.float32(v)))
    arrays = hnp.arrays(dtype, shape, elements=elements)

    def make(a):
        t = _wrap(a, None)
        return t.requires_grad_(True) if requires_grad and dtype.kind == "f" else t
    return arrays.map(make)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tuples of `num_shapes` shapes that broadcast together (numpy's rules), with their
    common shape: ``(shapes, result_shape)``.

    >>> from hypothesis import given
    >>> @given(broadcastable_shapes())
    ... def test(pair):
    ...     (a, b), result = pair
    ...     assert np.broadcast_shapes(a, b) == result
    >>> test()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda b: (tuple(b.input_shapes), tuple(b.result_shape)))
