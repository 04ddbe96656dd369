"""Sharded optimizer state (ZeRO stage 1), PyTorch's ``ZeroRedundancyOptimizer``."""
import numpy as np

from autograd import no_grad
from autograd.errors import ArgumentError, GradgraphError
from autograd.graph import mark_all_modified

from ..optim.optimizer import Optimizer
from . import watchdog
from .comm import allgather_object, get_comm


class ZeroRedundancyOptimizer(Optimizer):
    """``optimizer_class(params, **defaults)`` with its state split across the ranks
    of `comm`: every parameter is owned by one rank (parameters sorted by size, each
    given to the rank with the least so far, group by group), each rank keeps the
    optimizer state of and updates only the parameters it owns, then broadcasts them
    (one broadcast per rank, the owner's parameters packed in one buffer), so after
    ``step()`` every rank holds the same updated parameters. Optimizer state per rank
    is about 1/N of the plain optimizer's.

    Gradients must be the same on every rank before ``step()`` (use it with
    ``DistributedDataParallel``). ``param_groups`` are the whole groups (a learning-rate
    scheduler works on them as usual; changes reach the local optimizer at each step).
    ``consolidate_state_dict(to=0)`` (on every rank) gathers the state on rank `to`,
    where ``state_dict()`` then returns the plain optimizer's state dict;
    ``load_state_dict`` takes such a plain state dict on every rank, so a checkpoint
    moves between ZeRO on any number of ranks and the plain optimizer."""

    def __init__(self, params, optimizer_class, comm=None, parameters_as_bucket_view=False,
                 overlap_with_ddp=False, **defaults):
        if parameters_as_bucket_view or overlap_with_ddp:
            raise ArgumentError("ZeroRedundancyOptimizer: parameters_as_bucket_view and "
                                "overlap_with_ddp are not supported; leave them False")
        self.comm = get_comm(comm)
        self.optimizer_class = optimizer_class
        super().__init__(params, defaults)
        self._partition()
        local = [{**{k: v for k, v in g.items() if k != "params"},
                  "params": [p for p in g["params"] if self._owner[id(p)] == self._rank]}
                 for g in self.param_groups]
        self.optim = optimizer_class(local, **defaults)
        self.state = self.optim.state
        for whole, part in zip(self.param_groups, self.optim.param_groups):
            whole.update({k: v for k, v in part.items() if k != "params"})
        self._consolidated = None

    def _partition(self):
        size, self._rank = self.comm.Get_size(), self.comm.Get_rank()
        load = [0] * size
        self._owner = {}
        for group in self.param_groups:
            for p in sorted(group["params"], key=lambda t: -t.data.size):
                r = min(range(size), key=load.__getitem__)
                self._owner[id(p)] = r
                load[r] += p.data.size
        everything = [p for g in self.param_groups for p in g["params"]]
        self._owned = [[p for p in everything if self._owner[id(p)] == r] for r in range(size)]
        self._buffers = {}

    def add_param_group(self, param_group):
        if hasattr(self, "optim"):
            raise GradgraphError("ZeroRedundancyOptimizer: add_param_group after "
                                 "construction is not supported; pass every group at once")
        super().add_param_group(param_group)

    def step(self, closure=None):
        """The local optimizer's step on this rank's parameters, then every rank's
        updated parameters broadcast to all. Returns the closure's loss."""
        for whole, part in zip(self.param_groups, self.optim.param_groups):
            part.update({k: v for k, v in whole.items() if k != "params"})
        loss = self.optim.step(closure)
        self._broadcast_parameters()
        return loss

    def _broadcast_parameters(self):
        if self.comm.Get_size() == 1:
            return
        requests, unpack = [], []
        for r, params in enumerate(self._owned):
            if not params:
                continue
            dtype = np.result_type(*[p.data.dtype for p in params])
            buf = self._buffers.get(r)
            if buf is None:
                buf = self._buffers[r] = np.empty(sum(p.data.size for p in params), dtype)
            if r == self._rank:
                _pack(params, buf)
            else:
                unpack.append((params, buf))
            requests.append(self.comm.Ibcast(buf, root=r))
        watchdog.wait(requests, "ZeroRedundancyOptimizer: broadcast of the updated "
                                "parameters", self.comm)
        with no_grad():
            for params, buf in unpack:
                _unpack(buf, params)
            mark_all_modified([p.data for params, _ in unpack for p in params],
                              "ZeroRedundancyOptimizer.step")

    # --- state dicts -------------------------------------------------------------
    def _global_index(self):
        return {id(p): i for i, p in enumerate(p for g in self.param_groups
                                               for p in g["params"])}

    def consolidate_state_dict(self, to=0):
        """Gather every rank's optimizer state on rank `to` (call on every rank)."""
        index = self._global_index()
        mine = {index[id(p)]: dict(s) for p, s in self.optim.state.items()}
        parts = allgather_object(mine, self.comm, "ZeroRedundancyOptimizer."
                                                  "consolidate_state_dict")
        self._consolidated = None
        if self.comm.Get_rank() == to:
            state = {}
            for part in parts:
                state.update(part)
            self._consolidated = dict(sorted(state.items()))

    def state_dict(self):
        """The plain optimizer's state dict of all parameters, on the rank given to
        ``consolidate_state_dict`` (GradgraphError elsewhere or before it)."""
        if self._consolidated is None:
            raise GradgraphError("ZeroRedundancyOptimizer.state_dict: the state has not "
                                 "been consolidated on this rank; call "
                                 "consolidate_state_dict(to=rank) on every rank first")
        whole = Optimizer.state_dict(self)
        whole["state"] = self._consolidated
        return whole

    def load_state_dict(self, state_dict):
        """Load a plain optimizer state dict (of the same parameters and groups) on
        every rank: each keeps the state of the parameters it owns."""
        index = self._global_index()
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ArgumentError(f"ZeroRedundancyOptimizer.load_state_dict: the state dict "
                                f"has {len(saved_groups)} parameter groups, the optimizer "
                                f"{len(self.param_groups)}")
        local_groups = []
        for saved, group, part in zip(saved_groups, self.param_groups,
                                      self.optim.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ArgumentError(f"ZeroRedundancyOptimizer.load_state_dict: a group has "
                                    f"{len(saved['params'])} parameters in the state dict "
                                    f"and {len(group['params'])} in the optimizer")
            remap = dict(zip((index[id(p)] for p in group["params"]), saved["params"]))
            local_groups.append({**{k: v for k, v in saved.items() if k != "params"},
                                 "params": [remap[index[id(p)]] for p in part["params"]]})
            group.update({k: v for k, v in saved.items() if k != "params"})
        wanted = {i for g in local_groups for i in g["params"]}
        state = {int(k): v for k, v in state_dict["state"].items() if int(k) in wanted}
        self.optim.load_state_dict({"state": state, "param_groups": local_groups})
        self.state = self.optim.state


def _pack(params, buf):
    start = 0
    for p in params:
        buf[start:start + p.data.size] = p.data.ravel()
        start += p.data.size


def _unpack(buf, params):
    start = 0
    for p in params:
        p.data[...] = buf[start:start + p.data.size].reshape(p.data.shape)
        start += p.data.size
