"""Every Tensor's .data is an ndarray, a 0-d array for a 0-d result (numpy's reductions
and its ufuncs on 0-d inputs return numpy scalars), as PyTorch's 0-d tensors: results of
every op in the table, of the losses, the gradients of first and second order, a 0-d
leaf's .grad, an optimizer's step on a 0-d parameter, a compiled replay's results. And so
a 0-d result shares its memory as PyTorch's does: with its views, detach() and numpy()."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from op_table import OPS


def _bad(tensors):
    """The types of those of `tensors` whose .data (or .grad's) is not an ndarray."""
    bad = []
    for t in tensors:
        if isinstance(t, ag.Tensor):
            for d in (t.data, None if t.grad is None else t.grad.data):
                if d is not None and type(d) is not np.ndarray:
                    bad.append(f"{tuple(t.shape)} {type(d).__name__}")
    return bad


def _outputs(out):
    out = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in out if isinstance(o, ag.Tensor)]


def _walk(op, inputs):
    """op's results, their 0-d sum through more 0-d ops, first-order gradients into the
    leaves' .grad, then second-order ones: what is not an ndarray in any of them."""
    outs = _outputs(op.fn(*inputs))
    floats = [o for o in outs if o.dtype.kind == "f" and o.requires_grad]
    bad = _bad(outs)
    if not floats:
        return bad
    loss = sum(o.sum() for o in floats) * 0.5 + 1.0
    bad += _bad([loss, loss.sin(), loss.view(1), loss.detach()])
    loss.backward()
    bad += _bad(inputs)
    for x in inputs:
        x.grad = None
    loss = sum(o.sum() for o in _outputs(op.fn(*inputs))
               if o.dtype.kind == "f" and o.requires_grad)
    grads = [g for g in ag.grad(loss, inputs, create_graph=True, allow_unused=True)
             if g is not None]
    bad += _bad(grads)
    second = [g.sum() for g in grads if g.requires_grad]
    if second:
        sum(second).backward()
        bad += _bad(inputs)
    return bad


def test_op_table_results_and_gradients_are_arrays():
    failed = {}
    for op in OPS:
        bad = _walk(op, op.inputs())
        if bad:
            failed[repr(op)] = bad
    assert not failed, failed


def test_op_table_on_0d_inputs_gives_arrays():
    """Each op that takes 0-d inputs: numpy's ufuncs give numpy scalars there."""
    failed, ran = {}, 0
    for op in OPS:
        inputs = [ag.tensor(np.float64(0.3 + 0.1 * i), requires_grad=True)
                  for i in range(len(op.shapes))]
        try:
            with np.errstate(all="ignore"):     # 0.3 is outside some ops' domains
                bad = _walk(op, inputs)
        except Exception:       # an op that needs dims: not this test's business
            continue
        ran += 1
        if bad:
            failed[op.name] = bad
    assert ran > 100 and not failed, failed


def test_losses_are_arrays():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    p = ag.tensor(rng.uniform(0.1, 0.9, (4, 3)), requires_grad=True)
    t = ag.tensor(rng.uniform(0.1, 0.9, (4, 3)))
    y = ag.tensor([0, 2, 1, 2])
    losses = [F.mse_loss(x, t), F.l1_loss(x, t), F.huber_loss(x, t), F.smooth_l1_loss(x, t),
              F.kl_div(x, t, reduction="batchmean"), F.nll_loss(x, y), F.cross_entropy(x, y),
              F.cross_entropy(x, y, label_smoothing=0.1), F.cross_entropy(x, t),
              F.binary_cross_entropy(p, t), F.binary_cross_entropy_with_logits(x, t),
              F.soft_margin_loss(x, t), F.poisson_nll_loss(x, t),
              F.gaussian_nll_loss(x, t, p), nn.CrossEntropyLoss()(x, y), nn.MSELoss()(x, t)]
    for loss in losses:
        assert loss.shape == ()
        loss.backward()
    assert _bad(losses + [x, p]) == []


def test_reductions_and_0d_results_without_gradient_are_arrays():
    x = ag.tensor(np.arange(12.0).reshape(3, 4) - 5)
    i = ag.tensor(np.arange(6).reshape(2, 3))
    s = x.sum()
    results = [x.sum(), x.mean(), x.max(), x.min(), x.amax(), x.amin(), x.prod(), x.std(),
               x.var(), x.norm(), x.argmax(), x.argmin(), x.all(), x.any(), x.median(),
               x.nanmean(), x.nansum(), x.logsumexp((0, 1)), x.count_nonzero(), x[1, 2],
               x[1][2], x.flatten()[3], i.sum(), i.max(), i.prod(), (i > 2).sum(), x.trace(),
               ag.dot(x[0], x[1]), x[0] @ x[1], s + 1, s * s, -s, s.exp(), s.abs(),
               s.to(ag.float64), s.float(), s.double(), s.long(), s.int(), s.bool(), s.clone(),
               s.reshape(()), s.reshape(1).reshape(()), s.squeeze(), s.unsqueeze(0)[0],
               s.maximum(s), ag.where(s > 0, s, -s), ag.tensor(2.5), ag.tensor(3),
               ag.tensor(True), ag.tensor(np.float32(1.5)), ag.tensor(s), ag.as_tensor(2.0),
               ag.as_tensor(np.float64(2.0)), ag.zeros(()), ag.ones(()), ag.full((), 7.0),
               ag.zeros_like(s), ag.empty(()), ag.randn(()), ag.rand(()), ag.arange(5).sum(),
               ag.tensor([1.0, 2.0]).dot(ag.tensor([3.0, 4.0]))]
    assert _bad(results) == []


def test_in_place_on_0d_keeps_an_array():
    s = ag.tensor(np.arange(4.0)).sum()
    a = s.data
    s.add_(1)
    s.mul_(2.0)
    s += 1
    s.exp_()
    s.clamp_(max=1e3)
    s.copy_(ag.tensor(4.0))
    s.fill_(3.0)
    s.zero_()
    assert type(s.data) is np.ndarray and s.data is a


def test_0d_leaf_grad_and_optimizer_step():
    makers = [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
              lambda p: optim.RMSprop(p, centered=True, momentum=0.5)]
    makers += [getattr(optim, name) for name in ("Adam", "AdamW", "Adagrad", "Adadelta",
                                                 "Adamax", "NAdam", "RAdam", "ASGD", "Rprop")]
    for make in makers:
        w = nn.Parameter(np.float32(2.0))
        opt = make([w])
        for _ in range(3):
            opt.zero_grad()
            ((w * w * 0.1).sin() + w).backward()
            assert _bad([w]) == []
            opt.step()
            assert _bad([w]) == [] and w.shape == ()


def test_grad_of_0d_output_and_hooks():
    x = ag.tensor(1.5, requires_grad=True)
    y = (x * x).sin()
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(type(g.data)))
    (gx,) = ag.grad(y * 2, x, create_graph=True)
    assert _bad([gx]) == [] and seen == [np.ndarray]
    (y * 2).backward(retain_graph=True)
    assert _bad([x, y]) == []
    x.grad = None
    y.backward(ag.tensor(3.0))
    assert _bad([x, y]) == []


def test_compiled_replay_results_are_arrays():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    scale = nn.Parameter(np.float32(1.0))
    opt.add_param_group({"params": [scale]})

    @ag.compile
    def step(x):
        opt.zero_grad()
        loss = (model(x) * scale).pow(2).mean()
        loss.backward()
        opt.step()
        return loss, loss.detach() * 2

    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    for _ in range(4):
        out = step(x)
        assert _bad(list(out) + [scale] + list(model.parameters())) == []
    assert step.replays > 0


# --- a 0-d result shares its memory as PyTorch's does --------------------------------
@pytest.mark.parametrize("lib", ["gradgraph", "torch"])
def test_0d_result_views_share_memory(lib):
    m = ag if lib == "gradgraph" else pytest.importorskip("torch")
    s = m.tensor([1.0, 2.0, 3.0]).sum()
    s.view(1).add_(5)
    assert s.item() == 11.0
    d = s.detach()
    d.add_(1)
    assert s.item() == 12.0
    n = s.numpy()
    n += 1
    assert s.item() == 13.0
    e = s.reshape(()).expand(3)
    assert e.tolist() == [13.0] * 3
    s.add_(1)
    assert e.tolist() == [14.0] * 3
