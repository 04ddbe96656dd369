"""Tensor constructors with PyTorch's names, and the seeded random generator."""
import numpy as np

from .graph import _wrap
from .tensor import Tensor, _dtype, get_default_dtype

_rng = np.random.default_rng()


def manual_seed(seed):
    """Seed the generator behind rand, randn, randint, randperm, dropout and init."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def default_generator():
    return _rng


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _make(array, requires_grad):
    t = _wrap(array, None)
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype):
    return _dtype(dtype) if dtype is not None else get_default_dtype()


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data` (number, nested list, ndarray or Tensor)."""
    data = data.data if isinstance(data, Tensor) else data
    t = Tensor(np.array(data, dtype=_dtype(dtype) if dtype is not None else None, copy=True)
               if isinstance(data, np.ndarray) else data, dtype)
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(array):
    """A tensor sharing `array`'s memory."""
    return Tensor(np.asarray(array))


def zeros(*size, dtype=None, requires_grad=False):
    return _make(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _make(np.ones(_shape(size), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool if isinstance(fill_value, bool) else np.int64
    return _make(np.full(tuple(size) if not isinstance(size, int) else (size,), fill_value,
                         _float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    return _make(np.zeros(x.shape, _dtype(dtype) if dtype else x.dtype), requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    return _make(np.ones(x.shape, _dtype(dtype) if dtype else x.dtype), requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    return _make(np.full(x.shape, fill_value, _dtype(dtype) if dtype else x.dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    return _make(np.arange(start, end, step, dtype=_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    return _make(_rng.random(_shape(size), dtype=_float(dtype)), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    return _make(_rng.standard_normal(_shape(size), dtype=_float(dtype)), requires_grad)


def randint(low, high=None, size=(), dtype=np.int64):
    if high is None:
        low, high = 0, low
    return _wrap(_rng.integers(low, high, size=tuple(size), dtype=dtype), None)


def randperm(n):
    return _wrap(_rng.permutation(n).astype(np.int64), None)


def rand_like(x, requires_grad=False):
    return _make(_rng.random(x.shape, dtype=x.dtype), requires_grad)


def randn_like(x, requires_grad=False):
    return _make(_rng.standard_normal(x.shape, dtype=x.dtype), requires_grad)
