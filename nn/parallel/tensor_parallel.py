"""Tensor parallelism: one linear layer's weight split across ranks (Megatron-LM).

``y = x W^T + b`` with W of shape (out, in). ``ColumnParallelLinear`` splits the
output features: rank r holds rows ``W[r*o/p:(r+1)*o/p]`` and computes its slice of
y. ``RowParallelLinear`` splits the input features: rank r holds columns
``W[:, r*i/p:(r+1)*i/p]``, multiplies its slice of x and the partial products are
summed by an allreduce. A column layer followed by a row layer (``gather_output=
False``, ``input_is_parallel=True``) needs one allreduce in forward and one in
backward, whatever the elementwise op between them. The collectives are autograd ops
(``nn.parallel.ops``), so gradients equal those of the unsplit layer.
"""
import numpy as np

from autograd.errors import ArgumentError

from .. import functional as F
from ..linear import Linear
from ..module import Module, Parameter
from .comm import broadcast_array, check_same, get_comm
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

    @classmethod
    def from_linear(cls, linear, comm=None, **kwargs):
        """This rank's shard of an existing (out, in) linear layer (its weight and bias
        must be the same on every rank)."""
        out_features, in_features = linear.weight.shape
        bias = getattr(linear, "bias", None)
        return cls(in_features, out_features, bias is not None, comm=comm,
                   weight=linear.weight.data,
                   bias_value=None if bias is None else bias.data, **kwargs)

    def _slice(self, n, what):
        part = _split(n, self.comm.Get_size(), what)
        r = self.comm.Get_rank()
        return slice(r * part, (r + 1) * part)


class ColumnParallelLinear(_ParallelLinear):
    """``nn.Linear(in_features, out_features)`` with the output features split across
    the ranks of `comm` (`out_features` divisible by their number). The input is the
    full x on every rank. With `gather_output` the full output is returned on every
    rank (an allgather), else this rank's slice (feed it to a RowParallelLinear with
    ``input_is_parallel=True``)."""

    def __init__(self, in_features, out_features, bias=True, gather_output=True, comm=None,
                 dtype=None, weight=None, bias_value=None):
        self.gather_output = gather_output
        super().__init__(in_features, out_features, bias, comm, dtype, weight, bias_value)

    def _shard(self, weight):
        return weight[self._slice(self.out_features, "ColumnParallelLinear: out_features")]

    def _bias_shard(self, bias):
        return bias[self._slice(self.out_features, "ColumnParallelLinear: out_features")]

    def forward(self, x):
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

    def _shard(self, weight):
        return weight[:, self._slice(self.in_features, "RowParallelLinear: in_features")]

    def _bias_shard(self, bias):
        return bias

    def forward(self, x):
        if not self.input_is_parallel:
            x = scatter_to_parallel(x, self.comm)
        y = reduce_from_parallel(F.linear(x, self.weight), self.comm)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        p = self.comm.Get_size()
        return (f"in_features={self.in_features} ({self.in_features // p} on each of {p} "
                f"ranks), out_features={self.out_features}, "
                f"input_is_parallel={self.input_is_parallel}")
