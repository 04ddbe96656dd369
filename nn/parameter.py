"""``Parameter``: the Tensor a Module registers as learnable state, and the helpers layers
use to create theirs."""
import numpy as np

from autograd.node import AccumulateGrad
from autograd.versions import structure_changed
from autograd.tensor import Tensor, _dtype, get_default_dtype
from autograd.errors import ArgumentError


_data_slot = Tensor.data           # the slot holding the array


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter; requires grad by default.

    ``Parameter(data)`` shares `data`'s memory (an ndarray or a Tensor, detached)."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), np.float32)
        Tensor.__init__(self, data.data if isinstance(data, Tensor) else data,
                        requires_grad=requires_grad)

    def _set_data(self, value):
        # p.data = tensor takes the tensor's array (shared), as PyTorch does; it stored
        # the Tensor in .data, which failed later in the next op. A property on .data
        # alone: a __setattr__ made every write to a Parameter (grad, version) a Python
        # call, +35k instructions per compiled MLP B=16 step (instructions.py mlp_replay)
        if isinstance(value, Tensor):
            value = value.data
        node = getattr(self, "_node", None)      # unset in __init__
        if type(node) is AccumulateGrad:      # a new shape's gradient keeps it
            node.shape, node.dtype = value.shape, value.dtype
        # `p.data += u` (an optimizer's update) sets back the same array: not a change
        try:
            same = _data_slot.__get__(self) is value
        except AttributeError:                  # in __init__
            same = False
        _data_slot.__set__(self, value)
        if not same:
            structure_changed()                 # a compiled step checks its arrays again

    data = property(_data_slot.__get__, _set_data, doc=Tensor.data.__doc__)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.data.copy(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return Parameter, (self.data, self.requires_grad)


class Buffer(Tensor):
    """A Tensor marked to be registered as a buffer when assigned to a Module attribute
    (``self.mask = nn.Buffer(t)``, PyTorch's), persistent (in ``state_dict()``) unless
    ``persistent=False``. The module keeps a plain Tensor on the same memory."""
    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent=True):
        if data is None:
            data = np.empty((0,), np.float32)
        Tensor.__init__(self, data.data if isinstance(data, Tensor) else data,
                        requires_grad=bool(getattr(data, "requires_grad", False)))
        self.persistent = persistent


def float_dtype(dtype=None, device=None):
    """`dtype` (or the default dtype) for a layer's parameters. `device` is accepted for
    PyTorch compatibility: "cpu" only."""
    if device not in (None, "cpu") and getattr(device, "type", None) != "cpu":
        raise ArgumentError(f"device {device!r} is not supported: gradgraph runs on the CPU")
    return _dtype(dtype) if dtype is not None else get_default_dtype()


def empty_parameter(shape, dtype=None, device=None):
    """An uninitialised Parameter for a layer's constructor to fill (nn.init)."""
    return Parameter(np.empty(shape, float_dtype(dtype, device)))
