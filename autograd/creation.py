"""Tensor constructors with PyTorch's names, and the seeded random generator."""
import numpy as np

from .devices import CPU, check_device
from .errors import ArgumentError, DtypeError
from .graph import _wrap
from .tensor import Tensor, _dtype, get_default_dtype



def _fresh_seed():
    return int(np.random.SeedSequence().entropy % (1 << 63))


_seed = _fresh_seed()
_rng = np.random.default_rng(_seed)


def manual_seed(seed):
    """Seed the generator behind rand, randn, randint, randperm, dropout and init."""
    global _rng, _seed
    _rng, _seed = np.random.default_rng(seed), seed
    return _rng


def default_generator():
    return _rng


def seed() -> int:
    """Seed the default generator from fresh entropy, as ``torch.seed``; returns the seed."""
    seed = _fresh_seed()
    manual_seed(seed)
    return seed


def initial_seed() -> int:
    """The seed the default generator started from (the last ``manual_seed`` or ``seed``)."""
    return _seed


# get_rng_state's bytes: PCG64's 128-bit state and increment, then its buffered 32 bits
_STATE_BYTES = 16 + 16 + 1 + 4


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 Tensor, as ``torch.get_rng_state``: give
    it to ``set_rng_state`` (also after ``nn.save``/``nn.load``) to repeat the draws that
    follow. (Its 37 bytes are numpy's PCG64 state, not PyTorch's Mersenne Twister.)"""
    state = _rng.bit_generator.state
    inner = state["state"]
    raw = (inner["state"].to_bytes(16, "little") + inner["inc"].to_bytes(16, "little")
           + bytes([state["has_uint32"]]) + int(state["uinteger"]).to_bytes(4, "little"))
    return _wrap(np.frombuffer(raw, np.uint8).copy(), None)


def set_rng_state(new_state) -> None:
    """Restore the default generator from a state ``get_rng_state`` returned."""
    arr = np.asarray(new_state.data if isinstance(new_state, Tensor) else new_state)
    if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
        raise ArgumentError(f"set_rng_state: expected the uint8 tensor of shape "
                            f"({_STATE_BYTES},) that get_rng_state returns, got {arr.dtype} "
                            f"of shape {arr.shape}")
    raw = arr.tobytes()
    if raw[32] > 1:
        raise ArgumentError("set_rng_state: this is not a state get_rng_state returned "
                            f"(byte 32 is {raw[32]}, a flag that is 0 or 1)")
    bits = np.random.PCG64()
    bits.state = {"bit_generator": "PCG64",
                  "state": {"state": int.from_bytes(raw[:16], "little"),
                            "inc": int.from_bytes(raw[16:32], "little")},
                  "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}
    _rng.bit_generator.state = bits.state


# torch.Generator()'s seed until one is given (a fresh generator is reproducible).
_DEFAULT_SEED = 67280421310721


class Generator:
    """An independent random stream, as ``torch.Generator``:
    ``g = Generator().manual_seed(0)``, then ``generator=g`` wherever gradgraph takes one
    (rand, randn, randint, randperm, multinomial, nn.init, DataLoader, random_split).
    It is a numpy Generator underneath, and answers its methods too (``g.random(3)``)."""

    def __init__(self, device="cpu"):
        check_device(device, "Generator")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        self._rng, self._seed = np.random.default_rng(seed), seed
        return self

    def seed(self):
        """Reseed from fresh entropy; returns the seed."""
        seed = _fresh_seed()
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed the stream started from (PyTorch's default one if none was given)."""
        return self._seed

    def get_state(self):
        """The stream's state (a dict: numpy's bit-generator state), for set_state."""
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self

    @property
    def device(self):
        return CPU

    def __getattr__(self, name):              # the numpy Generator's methods
        if name.startswith("__") or name in ("_rng", "_seed"):
            raise AttributeError(name)
        return getattr(self._rng, name)


def _set_default_generator(generator):
    """Swap the default generator (compile's tracing puts a recording proxy in)."""
    global _rng
    _rng = generator


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _make(array, requires_grad):
    t = _wrap(array, None)
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype):
    return _dtype(dtype) if dtype is not None else get_default_dtype()


def tensor(data, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A new tensor holding a copy of `data` (number, nested list, ndarray or Tensor)."""
    check_device(device, "tensor")
    data = data.data if isinstance(data, Tensor) else data
    t = Tensor(np.array(data, dtype=_dtype(dtype) if dtype is not None else None, copy=True)
               if isinstance(data, np.ndarray) else data, dtype)
    return t.requires_grad_(True) if requires_grad else t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory where it can, as torch.as_tensor: a Tensor of
    that dtype is returned itself (of another: converted with .to(), in the graph), an
    ndarray of that dtype (or any, without `dtype`) is shared as by from_numpy, anything
    else (numbers, nested lists) is copied as by tensor()."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or _dtype(dtype) == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dtype(dtype) == data.dtype):
        return Tensor(data)
    return tensor(data, dtype)


def from_numpy(array) -> Tensor:
    """A tensor sharing `array`'s memory."""
    return Tensor(np.asarray(array))


def zeros(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "zeros")
    return _make(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "ones")
    return _make(np.ones(_shape(size), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "full")
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = bool if isinstance(fill_value, bool) else np.int64
    return _make(np.full(tuple(size) if not isinstance(size, int) else (size,), fill_value,
                         _float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "empty")
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "zeros_like")
    return _make(np.zeros(x.shape, _dtype(dtype) if dtype else x.dtype), requires_grad)


def ones_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "ones_like")
    return _make(np.ones(x.shape, _dtype(dtype) if dtype else x.dtype), requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "full_like")
    return _make(np.full(x.shape, fill_value, _dtype(dtype) if dtype else x.dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    dtype = _dtype(dtype)
    if dtype.kind in "iu":      # as PyTorch: the bounds and step truncated to integers first
        start, end, step = (int(v) if isinstance(v, (float, np.floating)) else v
                            for v in (start, end, step))
    if not step:
        raise ArgumentError(f"arange: step must be nonzero (got {step} for dtype {dtype})")
    if (end - start) * step < 0 or not np.isfinite([start, end]).all():
        raise ArgumentError(f"arange: the bounds {start} and {end} must be finite and the "
                            f"step {step} go from one to the other, as PyTorch checks (numpy "
                            f"gave an empty tensor)")
    if not _emulated(dtype, start, end, step):
        return _make(np.arange(start, end, step, dtype=dtype), requires_grad)
    n = max(0, int(np.ceil((end - start) / step)))
    # PyTorch's CPU kernel: start + step * i in double (an fma), but in blocks of two
    # 32-byte vectors each vector's values are its first one, rounded to the dtype, plus
    # j * step. numpy's float32 arange differs from it by 1 ulp in about 1 value in 8
    # (tests/test_torch_hunt.py compares bit for bit)
    i = np.arange(n)
    width = 32 // np.dtype(dtype).itemsize
    first = i - np.where(i < n - n % (2 * width), i % width, 0)
    base = _fma(step, first, start, np.float64).astype(dtype)
    return _make(_fma(step, i - first, base, np.float64).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "linspace")
    dtype = _float(dtype)
    if steps < 2 or not _emulated(dtype, start, end):
        return _make(np.linspace(start, end, steps, dtype=dtype), requires_grad)
    # PyTorch's CPU kernel, in the dtype: the first half start + step * i, the second
    # end - step * (steps - 1 - i), each an fma (numpy's differs by 1 ulp in float32)
    kind = dtype.type
    start, end = kind(start), kind(end)
    step = (end - start) / kind(steps - 1)
    i = np.arange(steps)
    lower = i < steps // 2
    return _make(np.where(lower, _fma(step, i, start, dtype),
                          _fma(-step, steps - 1 - i, end, dtype)), requires_grad)


def _emulated(dtype, *numbers):
    """True where arange/linspace compute PyTorch's values themselves: float32 and
    float64 from numbers (numpy sizes a range from tensors, a value read ag.compile sees)."""
    return dtype in (np.float32, np.float64) and all(
        isinstance(v, (int, float, np.integer, np.floating)) for v in numbers)


def _fma(a, b, c, dtype):
    """a * b + c rounded to `dtype` (float32 or float64) as a fused multiply-add, computed
    in the next wider float (float64, long double). Rounded twice, so a value can be 1 ulp
    off an fma's where the wider sum rounds onto a tie of `dtype`, and for float64 where
    a * b needs more than long double's 64 bits (b above 2**11): PyTorch's float64
    linspace of more than 2048 steps differs in about 1 value in 10**5."""
    wide = np.float64 if dtype == np.float32 else np.longdouble
    return (wide(a) * np.asarray(b, wide) + np.asarray(c, wide)).astype(dtype)


def eye(n, m=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "eye")
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "rand")
    rng = _rng if generator is None else generator
    return _make(rng.random(_shape(size), dtype=_float(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    check_device(device, "randn")
    rng = _rng if generator is None else generator
    return _make(rng.standard_normal(_shape(size), dtype=_float(dtype)), requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)`` as PyTorch (`size` is required); int64 unless `dtype`."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        *args, size = args
    if size is None or len(args) not in (1, 2):
        raise ArgumentError(f"randint: expected randint(high, size) or randint(low, high, "
                            f"size) with size a tuple, got {len(args)} bounds and size={size!r}")
    low, high = (0, args[0]) if len(args) == 1 else args
    if not high > low:
        raise ArgumentError(f"randint: expected low < high, got low={low}, high={high}")
    check_device(device, "randint")
    if requires_grad:
        raise DtypeError("randint: integer tensors cannot require gradients")
    rng = _rng if generator is None else generator
    dt = np.dtype(np.int64) if dtype is None else _dtype(dtype)
    return _wrap(rng.integers(low, high, size=_shape((size,)), dtype=np.int64).astype(dt, copy=False), None)


def randperm(n, generator=None, dtype=None, device=None) -> Tensor:
    check_device(device, "randperm")
    rng = _rng if generator is None else generator
    return _wrap(rng.permutation(n).astype(np.int64 if dtype is None else _dtype(dtype)), None)


def empty_like(x, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A tensor of x's shape (and dtype, unless given) with undefined values."""
    check_device(device, "empty_like")
    return _make(np.empty(x.shape, _dtype(dtype) if dtype else x.dtype), requires_grad)


def rand_like(x, requires_grad=False, device=None) -> Tensor:
    check_device(device, "rand_like")
    return _make(_rng.random(x.shape, dtype=x.dtype), requires_grad)


def randn_like(x, requires_grad=False, device=None) -> Tensor:
    check_device(device, "randn_like")
    return _make(_rng.standard_normal(x.shape, dtype=x.dtype), requires_grad)


# --- Tensor methods that make tensors like self ------------------------------------------
def _new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        check_device(device, "new_" + fill.__name__)
        arr = fill(_shape(size), self.data.dtype if dtype is None else _dtype(dtype))
        return _make(arr, requires_grad)
    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device, "new_full")
    arr = np.full(_shape((size,)) if not isinstance(size, int) else (size,), fill_value,
                  self.data.dtype if dtype is None else _dtype(dtype))
    return _make(arr, requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, self.data.dtype if dtype is None else dtype, requires_grad, device)


Tensor.new_zeros = _new(np.zeros)
Tensor.new_ones = _new(np.ones)
Tensor.new_empty = _new(np.empty)
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
Tensor.type_as = lambda self, other: self.to(other.data.dtype)
for _name, _doc in {
        "new_zeros": "A tensor of zeros of the given size, with self's dtype unless `dtype` is given.",
        "new_ones": "A tensor of ones of the given size, with self's dtype unless `dtype` is given.",
        "new_empty": "An uninitialised tensor of the given size, with self's dtype unless `dtype` "
                     "is given.",
        "new_full": "A tensor of the given size filled with `fill_value`, with self's dtype "
                    "unless `dtype` is given.",
        "new_tensor": "A new tensor (a copy) of `data`, with self's dtype unless `dtype` is given.",
        "type_as": "self cast to `other`'s dtype (self itself if it already has it)."}.items():
    getattr(Tensor, _name).__doc__ = _doc
    getattr(Tensor, _name).__annotations__["return"] = Tensor    # for autograd/stubs.py
