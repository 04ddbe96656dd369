"""Activation checkpointing: the same values and gradients as the plain run (dropout
included), fewer saved buffers, and its errors."""
import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.graph import AccumulateGrad
from nn.utils.checkpoint import checkpoint, checkpoint_sequential
from viz.walk import topological_order


def _blocks(n=4, width=16, p=0.3):
    ag.manual_seed(0)
    return nn.ModuleList([nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Dropout(p))
                          for _ in range(n)])


def _run(blocks, x, ckpt):
    """loss, dL/dx, dL/dparams, and the next random number (the generator after backward)."""
    ag.manual_seed(1)
    x = x.detach().requires_grad_(True)
    h = x
    for b in blocks:
        h = checkpoint(b, h, use_reentrant=False) if ckpt else b(h)
    loss = (h * h).mean()
    blocks.zero_grad()
    loss.backward()
    return (loss.item(), x.grad.data, [p.grad.data for p in blocks.parameters()],
            ag.rand(1).item())


def test_values_and_gradients_equal_the_plain_run_with_dropout():
    blocks = _blocks()
    x = ag.randn(6, 16, dtype=ag.float)
    plain, ckpt = _run(blocks, x, False), _run(blocks, x, True)
    assert plain[0] == ckpt[0] and plain[3] == ckpt[3]
    np.testing.assert_array_equal(plain[1], ckpt[1])
    for a, b in zip(plain[2], ckpt[2]):
        np.testing.assert_array_equal(a, b)


def test_autograd_grad_multiple_outputs_kwargs_and_non_tensor_args():
    w = ag.randn(3, 3, dtype=ag.double, requires_grad=True)
    x = ag.randn(2, 3, dtype=ag.double, requires_grad=True)

    def fn(a, scale, shift=0.0):
        h = (a @ w).tanh() * scale + shift
        return h, (h * a).sum(1)

    def loss(ck):
        h, s = checkpoint(fn, x, 2.0, shift=0.5) if ck else fn(x, 2.0, shift=0.5)
        return (h ** 2).sum() + s.sum() * 3
    plain = ag.grad(loss(False), [x, w])
    ckpt = ag.grad(loss(True), [x, w])
    for a, b in zip(plain, ckpt):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-14)
    # only the second output used: the first gets a zero gradient
    g_plain = ag.grad(fn(x, 2.0)[1].sum(), [w])[0]
    g_ckpt = ag.grad(checkpoint(fn, x, 2.0)[1].sum(), [w])[0]
    np.testing.assert_allclose(g_plain.data, g_ckpt.data, rtol=1e-14)


def _saved_bytes(t):
    """Bytes of the distinct arrays (not parameters) the graph behind `t` keeps for
    backward, and its number of op nodes."""
    bases, ops = {}, 0
    for node in topological_order([t._node]):
        if type(node) is AccumulateGrad:
            continue
        ops += 1
        saved = node.saved if isinstance(node.saved, tuple) else (node.saved,)
        for item in saved:
            arr = item.data if isinstance(item, ag.Tensor) else item
            if isinstance(arr, np.ndarray) and not any(arr is p.data for p in _PARAMS):
                base = arr.base if isinstance(arr.base, np.ndarray) else arr
                bases[id(base)] = base.nbytes
    return sum(bases.values()), ops


_PARAMS = []


def test_checkpointed_graph_saves_fewer_buffers_and_holds_less_memory():
    blocks = _blocks(n=8, width=64, p=0.1)
    _PARAMS[:] = list(blocks.parameters())
    x = ag.randn(256, 64, requires_grad=True)
    results = {}
    for ck in (False, True):
        tracemalloc.start()
        h = x
        for b in blocks:
            h = checkpoint(b, h) if ck else b(h)
        loss = (h * h).mean()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        results[ck] = _saved_bytes(loss) + (held,)
        del h, loss
    (plain_bytes, plain_nodes, plain_held), (ck_bytes, ck_nodes, ck_held) = results[False], results[True]
    act = 256 * 64 * 4                                       # one activation, float32
    assert ck_bytes <= 10 * act < plain_bytes / 2, (plain_bytes, ck_bytes)
    assert ck_nodes <= 8 + 3 < plain_nodes / 2      # a node per block, then h * h and mean (2)
    assert ck_held < plain_held / 2, (plain_held, ck_held)


def test_checkpoint_sequential_and_the_callable_module():
    ag.manual_seed(0)
    seq = nn.Sequential(*[nn.Linear(5, 5) for _ in range(5)])
    x = ag.randn(3, 5, requires_grad=True)
    plain = ag.grad(seq(x).sum(), [x] + list(seq.parameters()))
    ckpt = ag.grad(checkpoint_sequential(seq, 2, x).sum(), [x] + list(seq.parameters()))
    for a, b in zip(plain, ckpt):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6)
    y = nn.utils.checkpoint(seq, x)                           # the module is callable
    assert y.requires_grad and y.grad_fn.name == "CheckpointFunction"
    np.testing.assert_array_equal(nn.utils.checkpoint.checkpoint(seq, x).data, y.data)


def test_no_grad_nothing_to_differentiate_and_errors():
    lin = nn.Linear(3, 3)
    x = ag.randn(2, 3)
    with ag.no_grad():
        assert not checkpoint(lin, x).requires_grad
    lin.requires_grad_(False)
    out = checkpoint(lin, x)
    assert not out.requires_grad and out.grad_fn is None
    lin.requires_grad_(True)
    xr = ag.randn(2, 3, dtype=ag.float, requires_grad=True)
    (g,) = ag.grad(checkpoint(lin, xr).sum(), [xr], create_graph=False)
    with pytest.raises(ag.GraphError, match="double backward"):
        ag.grad(checkpoint(lin, xr).tanh().sum(), [xr], create_graph=True)
    calls = []

    def changing(a):
        calls.append(1)
        return a[: len(calls)] * 2
    with pytest.raises(ag.GraphError, match="the same computation"):
        checkpoint(changing, xr).sum().backward()
    with pytest.raises(ag.ArgumentError, match="must return a Tensor"):
        checkpoint(lambda a: 3, xr)
