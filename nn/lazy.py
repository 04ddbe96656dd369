"""Lazy modules, as PyTorch's: ``LazyLinear``, ``LazyConv1d/2d/3d``,
``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d``
leave their input size
(``in_features``, ``in_channels``, ``num_features``) to their first call, which reads it
from the input, gives the ``UninitializedParameter``/``UninitializedBuffer`` their shapes
in place (the same objects: build the optimizer after that dry run, as PyTorch
documents), initialises them as the ordinary layer does, and makes the module that
ordinary class (``cls_to_become``). Before then ``state_dict()`` holds the uninitialised
tensors themselves, and ``load_state_dict`` of a full checkpoint gives them its shapes.
"""
import numpy as np

from autograd.errors import ArgumentError
from autograd.tensor import Tensor

from .conv import Conv2d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .norm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                   InstanceNorm3d)
from .parameter import Parameter, float_dtype
from .spatial import Conv1d
from .volumetric import Conv3d


class UninitializedTensorMixin:
    """What an uninitialised parameter or buffer shares: no shape until ``materialize``."""
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give it `shape` (uninitialised values; the layer initialises them) and make it
        the ordinary class, in place."""
        dt = self.data.dtype if dtype is None else float_dtype(dtype, device)
        self.data = np.empty(tuple(shape), dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise ArgumentError(f"{type(self).__name__} has no shape yet: call the lazy module "
                            f"once (a dry run) to give it one")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.data.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return type(self), (self.requires_grad, None, self.data.dtype)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A lazy module's parameter before its first call; then a Parameter."""
    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        Parameter.__init__(self, np.empty((0,), float_dtype(dtype, device)), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A lazy module's buffer before its first call; then a Tensor."""
    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        Tensor.__init__(self, np.empty((0,), float_dtype(dtype, device)),
                        requires_grad=requires_grad)


def is_lazy(t):
    return isinstance(t, UninitializedTensorMixin)


class LazyModuleMixin:
    """The first call's shape inference; a subclass defines ``initialize_parameters(*args)``
    and ``cls_to_become``."""
    cls_to_become = None

    def _make_lazy(self, params, buffers=(), device=None, dtype=None):
        """Replace the named parameters and buffers (None stays None) with uninitialised
        ones and hook the first call and the state-dict methods."""
        for name in params:
            if getattr(self, name) is not None:
                setattr(self, name, UninitializedParameter(device=device, dtype=dtype))
        for name in buffers:
            if getattr(self, name) is not None:
                self.register_buffer(name, UninitializedBuffer(device=device, dtype=dtype))
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
        self._load_hook = self.register_load_state_dict_pre_hook(_lazy_load_hook)
        self._state_hook = self.register_state_dict_post_hook(_keep_uninitialized)

    def has_uninitialized_params(self):
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def reset_parameters(self):
        if not self.has_uninitialized_params():
            super().reset_parameters()

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: initialize_parameters")

    def _materialize(self, shapes):
        """Give each named uninitialised tensor its shape, then initialise them."""
        if self.has_uninitialized_params():
            for name, shape in shapes.items():
                t = getattr(self, name)
                if is_lazy(t):
                    t.materialize(shape)
            self.reset_parameters()


def _infer_parameters(module, args):
    """The forward pre-hook of a lazy module's first call."""
    if not args:
        raise ArgumentError(f"{type(module).__name__}: the first call of a lazy module needs "
                            f"its input as a positional argument")
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise ArgumentError(f"{type(module).__name__}: parameters left uninitialised after "
                            f"initialize_parameters")
    for name in ("_initialize_hook", "_load_hook", "_state_hook"):
        module.__dict__.pop(name).remove()
    module.__class__ = module.cls_to_become


def _lazy_load_hook(module, state_dict, prefix, *args):
    """Before load_state_dict: uninitialised tensors take the checkpoint's shapes."""
    for name, t in (*module._parameters.items(), *module._buffers.items()):
        value = state_dict.get(prefix + name)
        if is_lazy(t) and value is not None and not is_lazy(value):
            t.materialize(np.shape(value.data if isinstance(value, Tensor) else value))


def _keep_uninitialized(module, state_dict, prefix, local_metadata):
    """state_dict() holds an uninitialised tensor itself, as PyTorch's."""
    for name, t in (*module._parameters.items(), *module._buffers.items()):
        if is_lazy(t) and prefix + name in state_dict:
            state_dict[prefix + name] = t


def _input_size(module, input, dim, ranks):
    if input.ndim not in ranks:
        raise ArgumentError(f"{type(module).__name__}: expected a "
                            f"{' or '.join(map(str, ranks))}-d input, got shape {input.shape}")
    return input.shape[dim]


class LazyLinear(LazyModuleMixin, Linear):
    """Linear with in_features from the first input's last dim."""
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Linear.__init__(self, 0, out_features, bias, device, dtype)
        self._make_lazy(("weight", "bias"), device=device, dtype=dtype)

    def initialize_parameters(self, input):
        if input.ndim == 0:
            raise ArgumentError(f"LazyLinear: expected an input of at least 1 dim, got shape "
                                f"{input.shape}")
        self.in_features = input.shape[-1]
        self._materialize({"weight": (self.out_features, self.in_features),
                           "bias": (self.out_features,)})


class _LazyConv(LazyModuleMixin):
    """A convolution with in_channels from the first input's channel dim."""
    _transposed = False

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, *args, device=None,
                 dtype=None, **kwargs):
        self.cls_to_become.__init__(self, 0, 0, kernel_size, stride, padding, *args,
                                    device=device, dtype=dtype, **kwargs)
        self.out_channels = out_channels
        self._make_lazy(("weight", "bias"), device=device, dtype=dtype)

    def initialize_parameters(self, input):
        dims = len(self.kernel_size)
        channels = _input_size(self, input, -dims - 1, (dims + 1, dims + 2))
        if channels % self.groups:
            raise ArgumentError(f"{type(self).__name__}: the input's {channels} channels (shape "
                                f"{input.shape}) are not divisible by groups ({self.groups})")
        self.in_channels = channels
        if self._transposed:
            weight = (channels, self.out_channels // self.groups) + self.kernel_size
        else:
            weight = (self.out_channels, channels // self.groups) + self.kernel_size
        self._materialize({"weight": weight, "bias": (self.out_channels,)})


class LazyConv1d(_LazyConv, Conv1d):
    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConv, ConvTranspose1d):
    cls_to_become, _transposed = ConvTranspose1d, True


class LazyConvTranspose2d(_LazyConv, ConvTranspose2d):
    cls_to_become, _transposed = ConvTranspose2d, True


class LazyConvTranspose3d(_LazyConv, ConvTranspose3d):
    cls_to_become, _transposed = ConvTranspose3d, True


class _LazyBatchNorm(LazyModuleMixin):
    """Batch (or instance) normalisation with num_features from the first input's dim 1
    (the lazy instance norms too: affine and tracking by default, as PyTorch's). Unlike
    PyTorch, num_features is read when nothing is lazy too (affine=False without running
    statistics, or after loading a checkpoint), where PyTorch's stays 0."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        self.cls_to_become.__init__(self, 0, eps, momentum, affine, track_running_stats,
                                    device, dtype, bias=bias)
        self._make_lazy(("weight", "bias"), ("running_mean", "running_var"), device, dtype)

    def initialize_parameters(self, input):
        self.num_features = _input_size(self, input, 1, self._dims)
        shape = (self.num_features,)
        self._materialize({"weight": shape, "bias": shape, "running_mean": shape,
                           "running_var": shape})


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyBatchNorm, InstanceNorm1d):
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyBatchNorm, InstanceNorm2d):
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyBatchNorm, InstanceNorm3d):
    cls_to_become = InstanceNorm3d
