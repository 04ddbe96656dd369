"""Tensor parallelism: one linear layer's weight split across ranks (Megatron-LM).

``y = x W^T + b`` with W of shape (out, in). ``ColumnParallelLinear`` splits the
output features: rank r holds rows ``W[r*o/p:(r+1)*o/p]`` and computes its slice of
y. ``RowParallelLinear`` splits the input features: rank r holds columns
``W[:, r*i/p:(r+1)*i/p]``, multiplies its slice of x and the partial products are
summed by an allreduce. A column layer followed by a row layer (``gather_output=
False``, ``input_is_parallel=True``) needs one allreduce in forward and one in
backward, whatever the elementwise op between them. The collectives are autograd ops
(``nn.parallel.ops``), so gradients equal those of the unsplit layer.

``state_dict()`` holds the whole (unsplit) weight and bias, gathered from the ranks,
and ``load_state_dict()`` takes this rank's part of a whole one: a checkpoint is the
unsplit layer's, whatever the number of ranks that wrote or reads it.
"""
import hashlib

import numpy as np

from autograd.errors import ArgumentError
from autograd.tensor import Tensor

from .. import functional as F
from ..linear import Linear
from ..module import Module, Parameter
from .comm import allgather_array, allgather_object, broadcast_array, check_same, get_comm
from .ops import copy_to_parallel, gather_from_parallel, reduce_from_parallel, \
    scatter_to_parallel


def _split(n, parts, what):
    if n % parts:
        raise ArgumentError(f"{what} ({n}) must be divisible by the number of ranks ({parts})")
    return n // parts


def _full_init(out_features, in_features, bias, dtype, comm):
    """Rank 0's draw of a whole ``nn.Linear`` (weight (out, in), bias (out,)), sent to
    every rank: the split layer holds one Linear's worth of parameters, initialised
    as Linear, whatever the number of ranks."""
    full = Linear(in_features, out_features, bias=bias, dtype=dtype)
    what = "tensor-parallel layer: broadcast of rank 0's initial weights"
    w = broadcast_array(full.weight.data, comm, what)
    b = broadcast_array(full.bias.data, comm, what) if bias else None
    return w, b


def check_replicated_input(module, x):
    """On `module`'s first call only: raise ArgumentError on every rank of its group
    unless `x` (an input every rank must hold whole) is bit-identical on all of them
    (one allgather of a digest). Ranks fed different batches (data split over every
    process instead of over the data-parallel ranks) would otherwise train a silently
    wrong model."""
    if getattr(module, "_input_checked", False) or module.comm.Get_size() == 1:
        return
    module._input_checked = True
    arr = np.ascontiguousarray(x.data if isinstance(x, Tensor) else np.asarray(x))
    mine = (arr.shape, arr.dtype.str, hashlib.blake2b(arr.tobytes(), digest_size=16).digest())
    name = type(module).__name__
    seen = allgather_object(mine, module.comm, f"{name}: the digest of the first input")
    differ = [r for r, d in enumerate(seen) if d != seen[0]]
    if differ:
        raise ArgumentError(
            f"{name}: the first input (shape {seen[0][0]} on rank 0) differs on rank(s) "
            f"{', '.join(map(str, differ))} of the tensor-parallel group; every rank of the "
            f"group must get the same batch: split the data over the data-parallel ranks "
            f"only (e.g. DistributedSampler(..., num_replicas=mesh['dp'].Get_size(), "
            f"rank=mesh['dp'].Get_rank())), not over every process; and seed the group's "
            f"ranks alike if dropout comes before this layer")


class _ParallelLinear(Module):
    def __init__(self, in_features, out_features, bias, comm, dtype, weight=None,
                 bias_value=None):
        super().__init__()
        self.comm = get_comm(comm)
        self.in_features, self.out_features = in_features, out_features
        check_same(self.comm, [in_features, out_features, bool(bias)],
                   f"{type(self).__name__}: (in_features, out_features, bias)")
        if weight is None:
            weight, bias_value = _full_init(out_features, in_features, bias, dtype, self.comm)
        self.weight = Parameter(np.ascontiguousarray(self._shard(weight)))
        self.bias = Parameter(np.array(self._bias_shard(bias_value))) if bias else None
        self.register_state_dict_post_hook(_gather_on_save)
        self.register_load_state_dict_pre_hook(_split_on_load)

    def _full_shapes(self):
        return {"weight": (self.out_features, self.in_features), "bias": (self.out_features,)}

    def full(self, name, local=None):
        """The whole (unsplit) ``weight`` or ``bias`` as an array, gathered from every
        rank (a collective: call it on all ranks); with `local`, the whole of an array
        split like that parameter (its optimizer state)."""
        local = getattr(self, name).data if local is None else local
        axis = self._split_axis(name)
        if axis is None:
            return local.copy()
        parts = allgather_array(local, self.comm, f"{type(self).__name__}: gathering the "
                                                   f"whole {name}")
        full = np.empty(self._full_shapes()[name], local.dtype)
        for r, part in enumerate(parts):
            index = [slice(None)] * full.ndim
            index[axis] = self._index(r)
            full[tuple(index)] = part
        return full

    def part(self, name, full):
        """This rank's part of the whole array `full` of ``weight`` or ``bias``."""
        axis = self._split_axis(name)
        if axis is None:
            return full
        index = [slice(None)] * full.ndim
        index[axis] = self._index(self.comm.Get_rank())
        return np.ascontiguousarray(full[tuple(index)])

    @classmethod
    def from_linear(cls, linear, comm=None, **kwargs):
        """This rank's shard of an existing (out, in) linear layer (its weight and bias
        must be the same on every rank)."""
        out_features, in_features = linear.weight.shape
        bias = getattr(linear, "bias", None)
        return cls(in_features, out_features, bias is not None, comm=comm,
                   weight=linear.weight.data,
                   bias_value=None if bias is None else bias.data, **kwargs)

    def _split_index(self, n, rank, stride, what):
        """The indices along the split dim (of size `n`) that `rank` holds: in each of
        `stride` equal chunks, its 1/p part (stride 3: q, k and v of a fused projection)."""
        chunk = _split(n, stride, what + " / stride")
        part = _split(chunk, self.comm.Get_size(), what + " / stride" if stride > 1 else what)
        return np.concatenate([np.arange(g * chunk + rank * part, g * chunk + (rank + 1) * part)
                               for g in range(stride)])


def _gather_on_save(module, state_dict, prefix, _):
    for name in ("weight", "bias"):
        if prefix + name in state_dict and getattr(module, name) is not None:
            state_dict[prefix + name] = Tensor(module.full(name))


def _split_on_load(module, state_dict, prefix, *_):
    for name in ("weight", "bias"):
        key = prefix + name
        if key in state_dict and getattr(module, name) is not None:
            value = state_dict[key]
            arr = value.data if isinstance(value, Tensor) else np.asarray(value)
            if arr.shape == module._full_shapes()[name]:
                state_dict[key] = module.part(name, arr)


class ColumnParallelLinear(_ParallelLinear):
    """``nn.Linear(in_features, out_features)`` with the output features split across
    the ranks of `comm` (`out_features` divisible by their number). The input is the
    full x on every rank. With `gather_output` the full output is returned on every
    rank (an allgather), else this rank's slice (feed it to a RowParallelLinear with
    ``input_is_parallel=True``). With `stride` s, the output features are s equal
    chunks each split across the ranks (Megatron's ``stride``): for a fused q/k/v
    projection (``stride=3``) every rank holds the q, k and v of its heads."""

    def __init__(self, in_features, out_features, bias=True, gather_output=True, comm=None,
                 dtype=None, weight=None, bias_value=None, stride=1):
        self.gather_output = gather_output
        self.stride = stride
        super().__init__(in_features, out_features, bias, comm, dtype, weight, bias_value)

    def _index(self, rank):
        return self._split_index(self.out_features, rank, self.stride,
                                 "ColumnParallelLinear: out_features")

    def _split_axis(self, name):
        return 0

    def _shard(self, weight):
        return weight[self._index(self.comm.Get_rank())]

    def _bias_shard(self, bias):
        return bias[self._index(self.comm.Get_rank())]

    def forward(self, x):
        check_replicated_input(self, x)
        y = F.linear(copy_to_parallel(x, self.comm), self.weight, self.bias)
        return gather_from_parallel(y, self.comm) if self.gather_output else y

    def extra_repr(self):
        p = self.comm.Get_size()
        return (f"in_features={self.in_features}, out_features={self.out_features} "
                f"({self.out_features // p} on each of {p} ranks), "
                f"gather_output={self.gather_output}")


class RowParallelLinear(_ParallelLinear):
    """``nn.Linear(in_features, out_features)`` with the input features split across
    the ranks of `comm`. With `input_is_parallel` the input is this rank's slice of x
    (a ColumnParallelLinear's output with ``gather_output=False``), else the full x,
    sliced here. The partial products are summed with an allreduce; the bias (whole on
    every rank) is added after it. The output is the full y on every rank."""

    def __init__(self, in_features, out_features, bias=True, input_is_parallel=False,
                 comm=None, dtype=None, weight=None, bias_value=None):
        self.input_is_parallel = input_is_parallel
        super().__init__(in_features, out_features, bias, comm, dtype, weight, bias_value)

    def _index(self, rank):
        return self._split_index(self.in_features, rank, 1, "RowParallelLinear: in_features")

    def _split_axis(self, name):
        return 1 if name == "weight" else None      # the bias is whole on every rank

    def _shard(self, weight):
        return weight[:, self._index(self.comm.Get_rank())]

    def _bias_shard(self, bias):
        return bias

    def forward(self, x):
        if not self.input_is_parallel:
            check_replicated_input(self, x)
            x = scatter_to_parallel(x, self.comm)
        y = reduce_from_parallel(F.linear(x, self.weight), self.comm)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        p = self.comm.Get_size()
        return (f"in_features={self.in_features} ({self.in_features // p} on each of {p} "
                f"ranks), out_features={self.out_features}, "
                f"input_is_parallel={self.input_is_parallel}")
