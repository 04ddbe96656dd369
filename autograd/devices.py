"""Devices, dtype limits and BLAS threads, with PyTorch's names.

gradgraph runs on the CPU: ``device("cpu")`` is the only device tensors and modules
can be moved to (``.to("cpu")`` is a no-op); any other device is a clear error where it
is used. ``finfo``/``iinfo`` are numpy's, which carry PyTorch's fields (``eps``,
``tiny``, ``max``, ``min``, ``bits``). ``set_num_threads`` sets the threads of the BLAS
library numpy uses (matrix products are where gradgraph spends threads) through
threadpoolctl.
"""
import numpy as np

from .errors import ArgumentError
from .tensor import Tensor, _dtype, get_default_dtype

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "hpu", "privateuseone")


class device:
    """``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``: a device name
    with ``.type`` and ``.index``, equal to its string form."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type          # device(0) means cuda:0 in PyTorch
        if not isinstance(type, str):
            raise ArgumentError(f"device: expected a string or a device, got "
                                f"{builtins_type(type).__name__}")
        name, _, idx = type.partition(":")
        if name not in _TYPES or (idx and not idx.isdigit()):
            raise ArgumentError(f"device: unknown device {type!r}; expected one of "
                                f"{', '.join(_TYPES)}, optionally with ':index'")
        if idx:
            if index is not None:
                raise ArgumentError(f"device: {type!r} already names an index; do not pass "
                                    f"index={index} too")
            index = int(idx)
        self.type, self.index = name, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return (f"device(type={self.type!r})" if self.index is None
                else f"device(type={self.type!r}, index={self.index})")

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except ArgumentError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


builtins_type = type
CPU = device("cpu")


def check_device(dev, op):
    """`dev` (a string, a device or None) if it names the CPU; otherwise an error that
    says gradgraph runs on the CPU only."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev) if isinstance(dev, (str, int)) else None
    if d is None:
        raise ArgumentError(f"{op}: expected a device (e.g. 'cpu'), got "
                            f"{builtins_type(dev).__name__}")
    if d.type != "cpu":
        raise ArgumentError(f"{op}: device {str(d)!r} is not available: gradgraph runs on the "
                            f"CPU only; use 'cpu' (or leave the device out)")
    return CPU


def get_default_device():
    """The device new tensors are made on: always the CPU (``torch.get_default_device``)."""
    return CPU


def set_default_device(device) -> None:
    """Accepts the CPU (or None) only, as gradgraph runs on the CPU
    (``torch.set_default_device``)."""
    check_device(device, "set_default_device")


def get_device(input) -> int:
    """-1, the index PyTorch gives a CPU tensor (``torch.get_device``)."""
    return -1


def is_device(arg):
    """True if `arg` is a device or a string naming one (as ``Tensor.to`` tells a device
    from a dtype: ``to("cpu")`` against ``to("float64")``)."""
    if isinstance(arg, device):
        return True
    return isinstance(arg, str) and arg.partition(":")[0] in _TYPES


def to_args(args, dtype, device, op):
    """The dtype named by ``to(*args, dtype=, device=)`` (None if none), as PyTorch's
    overloads read them: a device or device string, a dtype, or a tensor (its dtype).
    The device must be the CPU (see check_device)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.data.dtype
        elif is_device(a):
            device = a
        elif a is not None:
            dtype = a
    check_device(device, op)
    return dtype


def finfo(dtype=None):
    """Limits of a floating dtype (the default dtype if None): eps, tiny, max, min, bits,
    resolution, as ``torch.finfo``."""
    dt = get_default_dtype() if dtype is None else _dtype(dtype)
    if dt.kind != "f":
        raise ArgumentError(f"finfo: expected a floating dtype, got {dt}; use iinfo for "
                            f"integer dtypes")
    return np.finfo(dt)


def iinfo(dtype):
    """Limits of an integer or bool dtype: max, min, bits, as ``torch.iinfo``."""
    dt = _dtype(dtype)
    if dt.kind not in "iu":
        raise ArgumentError(f"iinfo: expected an integer dtype, got {dt}; use finfo for "
                            f"floating dtypes")
    return np.iinfo(dt)


_limits = None     # the threadpoolctl limiter set_num_threads applied last


def set_num_threads(n):
    """Use `n` threads in the BLAS library behind numpy's matrix products (all others
    ops run on one thread anyway). Needs threadpoolctl (a dependency of gradgraph)."""
    global _limits
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ArgumentError(f"set_num_threads: expected a positive int, got {n!r}")
    from threadpoolctl import threadpool_limits
    _limits = threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads():
    """The number of threads of numpy's BLAS library (1 if none is found)."""
    from threadpoolctl import threadpool_info
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts) if counts else 1
