"""``SyncBatchNorm``: batch normalisation whose statistics are those of the global batch,
every rank's shard together, as PyTorch's ``nn.SyncBatchNorm``.

Under data parallelism each rank sees a shard of the batch; a plain BatchNorm normalises
each shard by its own mean and variance, so a small per-rank batch gives noisy statistics
and a model that differs from the one-process model. Here, in training, each channel's
mean and (biased) variance are sums over every rank (two allreduces of C numbers: the
sum of x, then the sum of squared deviations from the global mean, which is stabler than
a sum of squares), the running statistics are updated from them (unbiased variance, as
BatchNorm), and the backward allreduces the gradient of those sums (an allreduce is its
own dual: the gradient of every rank's loss reaches every rank's input), as PyTorch's.
With DistributedDataParallel averaging the parameter gradients, n ranks with shards of a
batch then train as one process with the whole batch.

In eval mode, or on one process, it is BatchNorm. ``convert_sync_batchnorm`` swaps every
BatchNorm*d of a model for one, keeping its parameters and running statistics."""
import numpy as np

from autograd.errors import ArgumentError

from .. import functional as F
from ..norm import _BatchNorm
from .comm import allreduce_sum, get_comm, world_size
from .ops import _Collective, _allreduce, _collective


class AllReduceSum(_Collective):
    """The sum over ranks; its gradient is the sum over ranks of the gradients."""
    __slots__ = ()
    run = staticmethod(_allreduce)
    label = "allreduce"


AllReduceSum.dual = AllReduceSum
all_reduce_sum = _collective(AllReduceSum)


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation of (N, C, ...) inputs over N and the trailing dims of every
    rank's shard together (see the module). `process_group`: the MPI communicator
    (COMM_WORLD by default)."""
    _dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)
        self.process_group = process_group

    def forward(self, input):
        if not (self.training and world_size(self.process_group) > 1):
            return super().forward(input)
        comm = get_comm(self.process_group)
        self._check_input(input)
        c = self.num_features
        shape = (c,) + (1,) * (input.ndim - 2)
        axes = (0,) + tuple(range(2, input.ndim))
        count = np.array([input.data.size // c], np.float64)
        allreduce_sum(count, comm, f"SyncBatchNorm: the batch size over ranks ({count[0]:.0f} "
                                   f"values per channel here)")
        n = count[0]
        if n <= 1:
            raise ArgumentError(f"SyncBatchNorm: expected more than 1 value per channel over "
                                f"all ranks when training, got {n:.0f} (input of shape "
                                f"{input.shape} here)")
        mean = all_reduce_sum(input.sum(axes), comm) / n
        centred = input - mean.reshape(shape)
        var = all_reduce_sum((centred * centred).sum(axes), comm) / n
        y = centred * (var + self.eps).rsqrt().reshape(shape)
        if self.track_running_stats:
            factor = self._step_factor()
            F._update_running(self.running_mean, mean.data, factor)
            F._update_running(self.running_var, var.data * (n / (n - 1)), factor)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm1d/2d/3d below it (itself included) replaced by a
        SyncBatchNorm holding the same parameters (the same Parameter objects), running
        statistics, mode and options; returns the (possibly new) module."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm) \
                and type(module).__name__.startswith("BatchNorm"):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                out.register_parameter(name, module._parameters[name])
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                out.register_buffer(name, module._buffers[name])
            out.train(module.training)
        for name, child in module.named_children():
            converted = cls.convert_sync_batchnorm(child, process_group)
            if converted is not child:
                setattr(out, name, converted)
        return out
