"""Module.to(dtype) / .double() / .float() keep the hooks registered on parameters
(issue 11, item 12; DDP's case runs on two ranks in tests/mpi/parallel_checks.py)."""
import numpy as np
import pytest

import autograd as ag
import nn


@pytest.mark.parametrize("cast, dtype", [
    (lambda m: m.double(), np.float64),
    (lambda m: m.to(np.float64), np.float64),
    (lambda m: m.to("cpu", "float64"), np.float64),
    (lambda m: m.to(ag.zeros(1, dtype="float64")), np.float64),
    (lambda m: m.double().float(), np.float32),
], ids=["double", "to-dtype", "to-device-dtype", "to-tensor", "double-then-float"])
def test_parameter_hooks_survive_a_dtype_cast(cast, dtype):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    seen, accumulated = [], []
    w = model[0].weight
    w.register_hook(lambda g: seen.append(g.dtype))
    model[2].bias.register_hook(lambda g: g * 0.0)             # a hook that changes it
    for p in model.parameters():
        p.register_post_accumulate_grad_hook(lambda p: accumulated.append(p.grad.dtype))
    cast(model)
    x = ag.tensor(np.ones((2, 3)), dtype=dtype)
    model(x).sum().backward()
    assert seen == [dtype]
    assert accumulated == [dtype] * 4
    assert model[2].bias.grad.data.tolist() == [0.0]
    assert all(p.grad.dtype == dtype for p in model.parameters())


def test_a_graph_made_before_the_cast_accumulates_in_the_new_dtype():
    model = nn.Linear(2, 1)
    calls = []
    model.weight.register_post_accumulate_grad_hook(lambda p: calls.append(1))
    y = model(ag.ones(1, 2)).sum()            # float32 graph
    model.double()
    y.backward()
    assert model.weight.grad.dtype == np.float64 and calls == [1]
