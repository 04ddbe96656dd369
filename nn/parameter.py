"""``Parameter``: the Tensor a Module registers as learnable state, and the helpers layers
use to create theirs."""
import numpy as np

from autograd.tensor import Tensor, _dtype, get_default_dtype
from autograd.errors import ArgumentError


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter; requires grad by default.

    ``Parameter(data)`` shares `data`'s memory (an ndarray or a Tensor, detached)."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), np.float32)
        Tensor.__init__(self, data.data if isinstance(data, Tensor) else data,
                        requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.data.copy(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return Parameter, (self.data, self.requires_grad)


def float_dtype(dtype=None, device=None):
    """`dtype` (or the default dtype) for a layer's parameters. `device` is accepted for
    PyTorch compatibility: "cpu" only."""
    if device not in (None, "cpu") and getattr(device, "type", None) != "cpu":
        raise ArgumentError(f"device {device!r} is not supported: gradgraph runs on the CPU")
    return _dtype(dtype) if dtype is not None else get_default_dtype()


def empty_parameter(shape, dtype=None, device=None):
    """An uninitialised Parameter for a layer's constructor to fill (nn.init)."""
    return Parameter(np.empty(shape, float_dtype(dtype, device)))
