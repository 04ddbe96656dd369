"""Optimizer state of a tensor-parallel model as the unsplit model's (PyTorch's
``torch.distributed.checkpoint.state_dict`` ``get_/set_optimizer_state_dict`` with a
full state dict).

A tensor-parallel model's ``state_dict()`` already gathers whole weights. Its
optimizer's state (Adam's moments, SGD's momentum) has the shape of each rank's part;
``get_optimizer_state_dict`` gathers every such buffer along its layer's split dim,
so the result is the state dict of the same optimizer over the unsplit model, and
``set_optimizer_state_dict`` takes this rank's part of one. Together, a checkpoint of
model and optimizer moves between 1, 2 and 4 ranks and training resumes exactly.
"""
import numpy as np

from autograd.tensor import Tensor

from .tensor_parallel import _ParallelLinear
from .vocab_parallel import _RowSplit


def _split_parameters(model):
    """{id(parameter): (whole of a local array, local part of a whole one, whole shape)}
    for the split parameters of `model`: the split layers' and the vocabulary's."""
    found = {}
    for m in model.modules():
        if isinstance(m, _ParallelLinear):
            for name in ("weight", "bias"):
                p = getattr(m, name)
                if p is not None and m._split_axis(name) is not None:
                    found[id(p)] = (lambda a, m=m, name=name: m.full(name, a),
                                    lambda a, m=m, name=name: m.part(name, a),
                                    m._full_shapes()[name])
        elif isinstance(m, _RowSplit):
            found[id(m.weight)] = (m.full, m.part, (m.num_embeddings, m.embedding_dim))
    return found


def _index(optimizer):
    return [p for g in optimizer.param_groups for p in g["params"]]


def get_optimizer_state_dict(model, optimizer):
    """The state dict of `optimizer` as if over the unsplit `model` (a collective over
    the ranks of the model's split layers: call it on every rank). Buffers of the
    parameter's shape are gathered; scalars (step counts) are kept."""
    split = _split_parameters(model)
    state = optimizer.state_dict()
    for i, p in enumerate(_index(optimizer)):
        entry = state["state"].get(i)
        owner = split.get(id(p))
        if entry is None or owner is None:
            continue
        whole = owner[0]
        state["state"][i] = {k: _convert(v, p.data.shape, whole) for k, v in entry.items()}
    return state


def set_optimizer_state_dict(model, optimizer, state_dict):
    """Load into `optimizer` (over the possibly split `model`) the state dict of the
    same optimizer over the unsplit model: each rank keeps its part of every buffer."""
    split = _split_parameters(model)
    params = _index(optimizer)
    local = {"param_groups": state_dict["param_groups"], "state": {}}
    for key, entry in state_dict["state"].items():
        i = int(key)
        owner = split.get(id(params[i])) if i < len(params) else None
        if owner is not None:
            _, part, shape = owner
            entry = {k: _convert(v, shape, part) for k, v in entry.items()}
        local["state"][i] = entry
    optimizer.load_state_dict(local)


def _convert(value, shape, fn):
    """fn(array) for a buffer of `shape` (Tensor or ndarray); anything else as it is."""
    arr = value.data if isinstance(value, Tensor) else value
    if not isinstance(arr, np.ndarray) or arr.shape != tuple(shape):
        return value
    return fn(arr)
