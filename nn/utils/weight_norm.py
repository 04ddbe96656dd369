"""The older ``nn.utils.weight_norm`` and ``remove_weight_norm``, as PyTorch's (which
deprecates them for ``nn.utils.parametrizations.weight_norm``): parameters ``<name>_g``
and ``<name>_v`` and a forward pre-hook that sets ``module.<name>`` = g v / ||v||."""
import warnings

from autograd.errors import ArgumentError, GraphError

from ..lazy import is_lazy
from ..parameter import Parameter
from .parametrizations import _weight_norm, norm_except_dim


class WeightNorm:
    """The forward pre-hook: recomputes the weight from g and v before each call."""

    def __init__(self, name, dim):
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("torch.nn.utils.weight_norm is deprecated in favor of "
                      "torch.nn.utils.parametrizations.weight_norm.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise GraphError(f"Cannot register two weight_norm hooks on the same "
                                 f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if is_lazy(weight):
            raise ArgumentError("The module passed to `WeightNorm` can't have uninitialized "
                                "parameters. Make sure to run the dummy forward before applying "
                                "weight normalization")
        delattr(module, name)
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim)
                                                         .data.copy()))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Replace ``module.<name>`` by ``<name>_g`` (its norm over every dim but `dim`;
    dim=None: the whole tensor) and ``<name>_v`` (its direction), recombined before each
    call."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo weight_norm: ``module.<name>`` a parameter again, of its current value."""
    return remove_hook(module, WeightNorm, name, "weight_norm")


def remove_hook(module, kind, name, what):
    """Remove the forward pre-hook of class `kind` on `name` after its ``remove``."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ArgumentError(f"{what} of '{name}' not found in {module}")
