"""More of PyTorch's constructors: logspace, range, scalar_tensor, empty_strided,
frombuffer, randint_like, the signal windows, and the samplers normal, poisson and
binomial (on autograd's default generator or `generator`; their gradient is zero, as
PyTorch's, so the result stays in the graph of a mean or rate that requires grad)."""
import math
import warnings

import numpy as np

from .creation import _make, _shape, as_tensor, default_generator, randint, tensor
from .devices import check_device
from .errors import ArgumentError, DtypeError
from .functions import where
from .graph import _wrap
from .public import public
from .tensor import Tensor, _dtype, get_default_dtype


def _float_dtype(name, dtype):
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    if dt.kind != "f":
        raise DtypeError(f"{name}: expected a floating-point dtype, got {dt}")
    return dt


def _cast(values, dtype, requires_grad):
    return _make(np.asarray(values).astype(dtype), requires_grad)


@public
def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False,
             device=None) -> Tensor:
    """`steps` values base^t for t evenly spaced from `start` to `end`, as
    ``torch.logspace`` (the default float dtype unless `dtype`; an integer dtype
    truncates)."""
    if steps < 0:
        raise ArgumentError(f"logspace: number of steps must be non-negative, got {steps}")
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    return _cast(np.power(float(base), np.linspace(start, end, steps)), dt, requires_grad)


@public
def range(start, end, step=1, *, dtype=None, requires_grad=False, device=None) -> Tensor:
    """start, start + step, ... up to `end` included, in the default float dtype, as the
    deprecated ``torch.range`` (use ``arange``, which stops before `end`)."""
    warnings.warn("range is deprecated, as torch.range: use arange, which stops before end",
                  UserWarning, stacklevel=2)
    if step == 0 or (end - start) * step < 0:
        raise ArgumentError(f"range: step {step} cannot go from {start} to {end}")
    n = math.floor((end - start) / step) + 1
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    return _cast(start + step * np.arange(n, dtype=np.float64), dt, requires_grad)


@public
def scalar_tensor(s, *, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A 0-d tensor holding the number `s`, in the default float dtype unless `dtype`
    (``torch.scalar_tensor``)."""
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    return _cast(s.item() if isinstance(s, Tensor) else s, dt, requires_grad)


@public
def empty_strided(size, stride, *, dtype=None, requires_grad=False, device=None) -> Tensor:
    """An uninitialised tensor of `size` whose strides (in elements) are `stride`, over a
    buffer just large enough, as ``torch.empty_strided``."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise ArgumentError(f"empty_strided: size {size} and stride {stride} must have the "
                            f"same length")
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise ArgumentError(f"empty_strided: negative size or stride: {size}, {stride}")
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    buffer = np.empty(extent, dt)
    view = np.lib.stride_tricks.as_strided(buffer, size, [s * dt.itemsize for s in stride])
    return _make(view, requires_grad)


@public
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-d tensor over the memory of `buffer` (bytes, bytearray, array.array, ...),
    sharing it as ``torch.frombuffer``: `count` elements of `dtype` (-1: all) from byte
    `offset`."""
    dt = _dtype(dtype)
    size = memoryview(buffer).nbytes
    if count == 0 or size == 0 or not 0 <= offset < size:
        raise ArgumentError(f"frombuffer: offset {offset} and count {count} select nothing "
                            f"of a buffer of {size} bytes (both must be positive and inside)")
    return _make(np.frombuffer(buffer, dt, count, offset), requires_grad)


@public
def empty_permuted(size, physical_layout, *, dtype=None, requires_grad=False,
                   device=None) -> Tensor:
    """An uninitialised tensor of `size` laid out in memory in the order of dims
    `physical_layout` (outermost first), as ``torch.empty_permuted``."""
    size, layout = tuple(size), tuple(physical_layout)
    if sorted(layout) != list(np.arange(len(size))):
        raise ArgumentError(f"empty_permuted: physical_layout {layout} is not a permutation of "
                            f"the {len(size)} dims of size {size}")
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    buffer = np.empty([size[d] for d in layout], dt)
    return _make(buffer.transpose(np.argsort(layout)), requires_grad)


@public
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """`obj` (a Tensor, array, buffer-like, number or nested list) as a tensor, as
    ``torch.asarray``: memory shared where it can be (copy=None), always copied
    (copy=True), or shared or an error (copy=False)."""
    check_device(device, "asarray")
    if copy:
        out = tensor(obj.data if isinstance(obj, Tensor) else obj, dtype)
    else:
        out = as_tensor(obj, dtype)
        source = obj.data if isinstance(obj, Tensor) else obj
        if copy is False and not (isinstance(source, np.ndarray) and
                                  np.shares_memory(out.data, source)):
            raise ArgumentError(f"asarray: copy=False, but {type(obj).__name__} cannot be "
                                f"shared as a tensor of dtype {out.dtype} without a copy")
    return out.detach().requires_grad_(True) if requires_grad else out


@public
def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing the memory of a CPU object that exports DLPack (a PyTorch or JAX
    tensor, a numpy array, a Tensor...), as ``torch.from_dlpack``."""
    if isinstance(ext_tensor, Tensor):
        return _make(ext_tensor.data, False)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise ArgumentError(f"from_dlpack: a {type(ext_tensor).__name__} does not export "
                            f"DLPack (it has no __dlpack__)")
    return _make(np.from_dlpack(ext_tensor), False)


@public
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, requires_grad=False,
                 device=None) -> Tensor:
    """Integers drawn uniformly from [low, high) in `input`'s shape and dtype (or
    `dtype`), as ``torch.randint_like``; randint_like(input, high) draws from [0, high)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad)


# --- windows: w_n for n = 0 .. N-1 over N = window_length (+1 if periodic, dropping the last)
def _window(name, window_length, periodic, dtype, requires_grad, formula):
    if window_length < 0:
        raise ArgumentError(f"{name}: window_length must be non-negative, got {window_length}")
    dt = _float_dtype(name, dtype)
    if window_length <= 1:
        return _cast(np.ones(window_length), dt, requires_grad)
    n = window_length + 1 if periodic else window_length
    return _cast(formula(np.arange(n, dtype=np.float64), n)[:window_length], dt, requires_grad)


@public
def hann_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                device=None) -> Tensor:
    """The Hann window 0.5 - 0.5 cos(2 pi n / (N - 1)), as ``torch.hann_window``."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)))


@public
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   requires_grad=False, device=None) -> Tensor:
    """The Hamming window alpha - beta cos(2 pi n / (N - 1)), as ``torch.hamming_window``."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))


@public
def blackman_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                    device=None) -> Tensor:
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)),
    as ``torch.blackman_window``."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1))
                   + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


@public
def bartlett_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                    device=None) -> Tensor:
    """The triangular window 1 - |2 n / (N - 1) - 1|, as ``torch.bartlett_window``."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


@public
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, requires_grad=False,
                  device=None) -> Tensor:
    """The Kaiser window I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), as
    ``torch.kaiser_window``."""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: np.i0(beta * np.sqrt(np.maximum(
                       1 - (2 * k / (n - 1) - 1) ** 2, 0))) / np.i0(beta))


# --- samplers
def _sampled(draws, *params):
    """`draws` as a tensor in the graph of the params that require grad, with a zero
    gradient (PyTorch's for normal, poisson and binomial)."""
    out = _wrap(draws, None)
    for p in params:
        if isinstance(p, Tensor) and p.requires_grad:
            out = where(True, out, p * 0)
    return out


def _rng(generator):
    return default_generator() if generator is None else generator


@public
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False,
           device=None) -> Tensor:
    """Draws from N(mean, std^2), as ``torch.normal``: a Tensor `mean` and/or `std`
    (broadcast together; the result has their float dtype), or numbers and a `size`.
    std must be >= 0."""
    tensors = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not tensors:
        if size is None:
            raise ArgumentError("normal: with a number mean and std, give a size")
        if std < 0:
            raise ArgumentError(f"normal: expects std >= 0.0, but found std {std}")
        dt = get_default_dtype() if dtype is None else _dtype(dtype)
        return _cast(_rng(generator).normal(mean, std, _shape((size,) if isinstance(size, int)
                                                               else size)), dt, requires_grad)
    dts = {t.dtype for t in tensors}
    if any(d.kind != "f" for d in dts):
        raise DtypeError(f"normal: expected floating-point mean and std, got {sorted(map(str, dts))}")
    m, s = np.asarray(mean.data if isinstance(mean, Tensor) else mean), \
        np.asarray(std.data if isinstance(std, Tensor) else std)
    if (s < 0).any():
        raise ArgumentError(f"normal: expects all elements of std >= 0.0 (std of shape {s.shape})")
    dt = max(dts, key=lambda d: d.itemsize)
    shape = np.broadcast_shapes(m.shape, s.shape)
    draws = (m + s * _rng(generator).standard_normal(shape)).astype(dt)
    return _sampled(draws, mean, std)


def _rates(name, t):
    if not isinstance(t, Tensor) or t.dtype.kind != "f":
        what = f"{t.dtype} tensor" if isinstance(t, Tensor) else type(t).__name__
        raise DtypeError(f"{name}: expected a floating-point Tensor, got a {what}")
    return t.data


@public
def poisson(input, generator=None) -> Tensor:
    """A Poisson draw of rate `input` per element (>= 0), in `input`'s dtype, as
    ``torch.poisson``."""
    rate = _rates("poisson", input)
    if not (rate >= 0).all():
        raise ArgumentError(f"poisson: rates must be >= 0 (no NaN), shape {rate.shape}")
    return _sampled(_rng(generator).poisson(rate).astype(rate.dtype), input)


@public
def binomial(count, prob, generator=None) -> Tensor:
    """Binomial(count, prob) draws per element (float tensors broadcast together: count
    >= 0 whole numbers, prob in [0, 1]), as ``torch.binomial``."""
    n, p = _rates("binomial", count), _rates("binomial", prob)
    if not ((n >= 0).all() and (p >= 0).all() and (p <= 1).all()):
        raise ArgumentError(f"binomial: expects count >= 0 and prob in [0, 1], got shapes "
                            f"{n.shape} and {p.shape}")
    draws = _rng(generator).binomial(n.astype(np.int64), p)
    return _sampled(draws.astype(np.promote_types(n.dtype, p.dtype)), count, prob)
