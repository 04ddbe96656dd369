"""assert_close: values of tensors or arrays equal within tolerances, with a message that
names the worst elements."""
import numpy as np

from ._report import as_array, describe_mismatch, mismatches, tolerances


def assert_close(actual, expected, rtol=None, atol=None, msg=None):
    """Assert that `actual` and `expected` (Tensors, arrays or numbers) have the same
    shape and values within ``atol + rtol * |expected|`` elementwise (NaN equals NaN).
    Default tolerances follow the dtype as ``torch.testing.assert_close``: float64
    rtol=1e-7, atol=1e-7; float32 rtol=1.3e-6, atol=1e-5. The AssertionError names
    the worst elements with both values and their ratio.

    >>> import autograd as ag
    >>> assert_close(ag.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    >>> assert_close(ag.tensor([1.0, 2.0]), [1.0, -2.0])
    Traceback (most recent call last):
    ...
    AssertionError: assert_close: 1 of 2 elements differ (largest difference 4 at (1,); rtol=1.3e-06, atol=1e-05)
        index  yours  expected  ratio
        (1,)       2        -2     -1
    """
    __tracebackhide__ = True
    a, e = as_array(actual), as_array(expected)
    dtype = a.dtype if a.dtype.kind == "f" else e.dtype
    rtol, atol = tolerances(dtype, rtol, atol)
    prefix = f"assert_close{': ' + msg if msg else ''}"
    if a.shape != e.shape:
        raise AssertionError(f"{prefix}: shapes differ: actual {a.shape}, expected {e.shape}")
    a, e = a.astype(np.float64), e.astype(np.float64)
    if mismatches(a, e, rtol, atol).any():
        raise AssertionError(f"{prefix}: {describe_mismatch(a, e, rtol, atol)}")
