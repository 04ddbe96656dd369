"""``BatchNorm1d``, ``BatchNorm2d``, ``InstanceNorm1d``, ``InstanceNorm2d``, ``GroupNorm``,
``LayerNorm`` and ``RMSNorm``."""
import warnings

import numpy as np

from autograd.graph import _wrap
from autograd.errors import ArgumentError

from . import functional as F
from .functional_norm import group_norm, instance_norm
from . import init
from .module import Module
from .parameter import empty_parameter, float_dtype


def _channel_parameters(module, n, affine, bias, dtype, device):
    """The norm layers' per-channel `weight` and `bias` (n,) if `affine` (the bias
    unless `bias` is False), else None, registered on `module`."""
    if affine:
        module.weight = empty_parameter((n,), dtype, device)
        if bias:
            module.bias = empty_parameter((n,), dtype, device)
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    """A norm layer's weight back to ones and bias to zeros (where it has them)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d. `affine` adds a per-channel weight and (unless the
    keyword-only ``bias=False``) a per-channel bias."""
    _dims = ()       # accepted input ranks

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _channel_parameters(self, num_features, affine, bias, dtype, device)
        if track_running_stats:
            dt = float_dtype(dtype, device)
            self.register_buffer("running_mean", _wrap(np.zeros(num_features, dt), None))
            self.register_buffer("running_var", _wrap(np.ones(num_features, dt), None))
            self.register_buffer("num_batches_tracked", _wrap(np.array(0, np.int64), None))
            self.register_load_state_dict_pre_hook(_keep_num_batches_tracked)
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input(self, input):
        if input.ndim not in self._dims:
            raise ArgumentError(f"{type(self).__name__}: expected {' or '.join(map(str, self._dims))}"
                             f"-d input, got shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ArgumentError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"in dim 1, got input of shape {input.shape}")

    def _step_factor(self):
        """The weight of this batch in the running statistics: the momentum, or 1 / count
        with momentum=None (a batch in training is counted when they are tracked)."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:            # cumulative moving average
                # an array computed from the count, which a compiled replay recomputes
                factor = 1.0 / self.num_batches_tracked.data
        return factor

    def forward(self, input):
        self._check_input(input)
        factor = self._step_factor()
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


def _keep_num_batches_tracked(module, state_dict, prefix, local_metadata, *args):
    """PyTorch's rule for checkpoints older than the counter (no state-dict version
    recorded, or one below 2): a missing ``num_batches_tracked`` is not an error, the
    module keeps its own count."""
    key = prefix + "num_batches_tracked"
    version = local_metadata.get("version")
    if (key not in state_dict and module.num_batches_tracked is not None
            and (version is None or version < 2)):
        state_dict[key] = module.num_batches_tracked


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L)."""
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over N, H and W."""
    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs over N, D, H and W."""
    _dims = (5,)


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d: as PyTorch, no affine part and no running statistics
    by default; an unbatched input (one fewer dim) is normalised as a batch of one."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input):
        name, unbatched = type(self).__name__, self._dims[0]
        if input.ndim not in self._dims:
            raise ArgumentError(f"{name}: expected {unbatched}-d or {unbatched + 1}-d input, "
                                f"got shape {input.shape}")
        channels = input.shape[input.ndim - unbatched]
        if channels != self.num_features:
            if self.affine:
                raise ArgumentError(f"{name}: expected {self.num_features} channels in dim "
                                    f"{input.ndim - unbatched}, got input of shape "
                                    f"{input.shape}")
            warnings.warn(f"{name}: input's size at dim={input.ndim - unbatched} "
                          f"({channels}) does not match num_features ({self.num_features}), "
                          f"which is not used because affine=False", stacklevel=2)
        if input.ndim == unbatched:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input):
        return instance_norm(input, self.running_mean, self.running_var, self.weight,
                             self.bias, self.training or not self.track_running_stats,
                             0.0 if self.momentum is None else self.momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) inputs: each channel of
    each sample over L."""
    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) inputs: each channel
    of each sample over H and W."""
    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    _dims = (4, 5)


class GroupNorm(Module):
    """Group normalisation of (N, C, *) inputs: each sample over each group of
    C / num_groups channels and the spatial dims, then a per-channel weight (ones) and
    bias (zeros) if `affine` (the bias unless ``bias=False``)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels ({num_channels}) must be divisible "
                                f"by num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _channel_parameters(self, num_channels, affine, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight back to ones and bias to zeros, as PyTorch's."""
        _reset_affine(self)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class _TrailingNorm(Module):
    """What LayerNorm and RMSNorm share: `normalized_shape` (an int or a tuple of the
    trailing dims), eps, and an elementwise weight of ones of that shape (or None)."""

    def __init__(self, normalized_shape, eps, elementwise_affine, device, dtype):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = init.ones_(empty_parameter(self.normalized_shape, dtype, device))
        else:
            self.register_parameter("weight", None)


class LayerNorm(_TrailingNorm):
    """Normalisation over the trailing dims `normalized_shape`, with elementwise weight
    (ones) and bias (zeros) of that shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, device, dtype)
        if elementwise_affine and bias:
            self.bias = init.zeros_(empty_parameter(self.normalized_shape, dtype, device))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """Weight back to ones and bias to zeros, as PyTorch's."""
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(_TrailingNorm):
    """Root-mean-square normalisation over the trailing dims `normalized_shape`:
    x / sqrt(mean(x^2) + eps) * weight (ones); eps None means the input dtype's
    machine epsilon, as PyTorch."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, device, dtype)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
