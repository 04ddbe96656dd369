"""Data- and model-parallel training over MPI (mpi4py; ``pip install 'gradgraph[mpi]'``).

Run a script on N processes with ``mpiexec -n N python script.py``. Every rank runs
the same script; ``rank()`` and ``world_size()`` tell them apart.

- ``DistributedDataParallel``: each rank trains a replica on its shard of every batch
  (``DistributedSampler``); gradients are averaged in buckets with non-blocking
  allreduces that overlap backward.
- ``Pipeline``: consecutive stages of a model on consecutive ranks, a GPipe schedule
  over micro-batches, activations and gradients sent point to point by autograd ops.
- ``SyncBatchNorm`` (also ``nn.SyncBatchNorm``): batch statistics over every rank's
  shard, so a BatchNorm model trains under DDP as it would on one process.
- ``ColumnParallelLinear`` / ``RowParallelLinear``: one layer's weight split across
  ranks (Megatron), with the collectives as autograd ops; ``parallelize_transformer``
  and the vocabulary split build a tensor-parallel GPT, whose dropout draws one
  process's masks (``nn.parallel.rng``).

No hangs (``watchdog``): under ``mpiexec``, importing this package makes an uncaught
exception on any rank abort the whole job, a rank that ends (``sys.exit()``, fewer
batches) while others wait for it end the job with both ranks named, and a wait longer
than ``set_timeout(seconds)`` abort it; ``DistributedDataParallel.join()`` lets ranks
with fewer batches shadow the collectives of the others.
"""
from .comm import (abort_on_exception, barrier, broadcast_object, get_comm,
                   is_main_process, rank, save_on_main, world_size)
from .sampler import DistributedSampler
from .ddp import DistributedDataParallel
from .checkpoint import get_optimizer_state_dict, set_optimizer_state_dict
from .mesh import DeviceMesh, init_device_mesh
from .pipeline import Pipeline
from .zero import ZeroRedundancyOptimizer
from .sync_batchnorm import SyncBatchNorm
from .tensor_parallel import ColumnParallelLinear, RowParallelLinear
from .vocab_parallel import (VocabParallelEmbedding, VocabParallelHead,
                             vocab_parallel_cross_entropy, vocab_parallel_head)
from .tp_transformer import ParallelCausalSelfAttention, ParallelMLP, parallelize_transformer
from . import ops, watchdog
from .watchdog import get_timeout, set_timeout

if watchdog.launched_with_several_ranks():    # under mpiexec: no hangs from the start
    watchdog.install()
