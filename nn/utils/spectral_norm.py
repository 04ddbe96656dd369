"""The older ``nn.utils.spectral_norm`` and ``remove_spectral_norm``, as PyTorch's: the
parameter ``<name>_orig``, buffers ``<name>_u`` and ``<name>_v``, and a forward pre-hook
that sets ``module.<name>`` = W / sigma(W) (a power iteration first in training)."""
from autograd import no_grad
from autograd.errors import ArgumentError, GraphError

from ..lazy import is_lazy
from ..parameter import Parameter
from .parametrizations import power_iteration, random_unit, weight_matrix
from .weight_norm import remove_hook


class SpectralNorm:
    """The forward pre-hook: recomputes the weight before each call."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ArgumentError(f"Expected n_power_iterations to be positive, but got "
                                f"n_power_iterations={n_power_iterations}")
        self.name, self.dim, self.eps = name, dim, eps
        self.n_power_iterations = n_power_iterations

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = weight_matrix(weight, self.dim)
        if do_power_iteration:
            power_iteration(mat, u, v, self.n_power_iterations, self.eps, v_first=True)
            u, v = u.clone(), v.clone()
        return weight / (u * (mat @ v)).sum()

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise GraphError(f"Cannot register two spectral_norm hooks on the same "
                                 f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ArgumentError(f"`SpectralNorm` cannot be applied as parameter `{name}` is "
                                f"None")
        if is_lazy(weight):
            raise ArgumentError("The module passed to `SpectralNorm` can't have uninitialized "
                                "parameters. Make sure to run the dummy forward before "
                                "applying spectral normalization")
        mat = weight_matrix(weight.detach(), dim)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", random_unit(mat.shape[0], weight.dtype, eps))
        module.register_buffer(name + "_v", random_unit(mat.shape[1], weight.dtype, eps))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Replace ``module.<name>`` by ``<name>_orig`` / sigma, sigma estimated by power
    iteration with the buffers ``<name>_u``, ``<name>_v`` (dim 1 of a transposed
    convolution's weight first, else dim 0)."""
    if dim is None:
        from ..conv_transpose import _ConvTranspose
        dim = 1 if isinstance(module, _ConvTranspose) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo spectral_norm: ``module.<name>`` a parameter again, W / sigma as it stands."""
    return remove_hook(module, SpectralNorm, name, "spectral_norm")
