"""``nn.utils.parametrizations``, as PyTorch's: ``weight_norm``, ``spectral_norm`` and
``orthogonal`` (orthogonal_maps.py) registered with
``parametrize.register_parametrization``, so the stored tensors carry
PyTorch's state-dict keys (``parametrizations.weight.original0`` (g) and ``original1``
(v); ``parametrizations.weight.original`` and the power iteration's
``parametrizations.weight.0._u`` / ``_v``)."""
import numpy as np

from autograd import no_grad
from autograd.creation import default_generator
from autograd.errors import ArgumentError, OutOfRangeError
from autograd.graph import _wrap
from autograd.tensor import Tensor

from ..functional_norm import normalize
from ..module import Module
from . import parametrize


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm of v over every dim but `dim` (kept, size 1); dim=-1 (PyTorch's
    sentinel, not the last dim): the norm of the whole tensor, 0-d."""
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
    return v.norm(pow, others, keepdim=True) if others else v.abs()


def _weight_norm(v, g, dim=0):
    """w = g v / ||v|| with the norm over every dim but `dim`."""
    return v * (g / norm_except_dim(v, 2, dim))


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrise ``module.<name>`` as g v / ||v|| (norm over every dim but `dim`;
    dim=None: the whole tensor), g and v stored as ``parametrizations.<name>.original0``
    and ``original1``. Checkpoints of the older ``nn.utils.weight_norm`` (``<name>_g``,
    ``<name>_v``) load into it."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _compat(module, state_dict, prefix, *args):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)
    module.register_load_state_dict_pre_hook(_compat)
    return module


def weight_matrix(weight, dim):
    """weight with `dim` moved first and the others flattened: (size of dim, rest)."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def power_iteration(mat, u, v, steps, eps, v_first=False):
    """`steps` power iterations on the arrays u, v in place (u <- normalize(W v),
    v <- normalize(W^T u); `v_first`: v's update before u's), without recording."""
    with no_grad():
        w = _wrap(mat.data, None)
        for _ in range(steps):
            if v_first:
                v.data[...] = normalize(w.mT @ _wrap(u.data, None), dim=0, eps=eps).data
            u.data[...] = normalize(w @ _wrap(v.data, None), dim=0, eps=eps).data
            if not v_first:
                v.data[...] = normalize(w.mT @ _wrap(u.data, None), dim=0, eps=eps).data


def random_unit(n, dtype, eps):
    """A unit vector of n normal draws from the default generator."""
    draw = default_generator().standard_normal(n).astype(dtype)
    return _wrap(draw / max(np.linalg.norm(draw), eps), None)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise OutOfRangeError(f"Dimension out of range (expected to be in range of "
                                  f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ArgumentError(f"Expected n_power_iterations to be positive, but got "
                                f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = weight_matrix(weight.detach(), self.dim)
            self.register_buffer("_u", random_unit(mat.shape[0], weight.dtype, eps))
            self.register_buffer("_v", random_unit(mat.shape[1], weight.dtype, eps))
            power_iteration(mat, self._u, self._v, 15, eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = weight_matrix(weight, self.dim)
        if self.training:
            power_iteration(mat, self._u, self._v, self.n_power_iterations, self.eps)
        u, v = self._u.clone(), self._v.clone()
        return weight / (u * (mat @ v)).sum()

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrise ``module.<name>`` as W / sigma(W), sigma the largest singular value
    of W as a matrix (dim `dim` first: 1 for the transposed convolutions, else 0),
    estimated by power iteration (15 steps now, `n_power_iterations` at each training
    read) with the vectors ``_u``, ``_v`` as buffers of the parametrization."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ArgumentError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..conv_transpose import _ConvTranspose
        dim = 1 if isinstance(module, _ConvTranspose) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


from .orthogonal_maps import orthogonal  # noqa: E402

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]
