"""An edge-case sweep of ``nn`` against PyTorch: constructor options, empty batches,
unbatched inputs, reductions, ignored targets, optimizer and scheduler options. Each
case compares values and float64 gradients (inputs and parameters) with PyTorch's."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _to_torch(v):
    return torch.tensor(v) if isinstance(v, np.ndarray) else v


def _to_ours(v):
    return ag.tensor(v) if isinstance(v, np.ndarray) else v


def compare(ours, theirs, arrays, kwargs=(), tol=1e-10):
    """ours(*xs, **kw) and theirs(*ts, **kw) on float64 leaves made from the float
    `arrays` (integer arrays are passed as constants): values and input gradients
    agree. Returns the two outputs."""
    kwargs = dict(kwargs)
    xs = [ag.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = ours(*xs, **{k: _to_ours(v) for k, v in kwargs.items()})
    ref = theirs(*ts, **{k: _to_torch(v) for k, v in kwargs.items()})
    o, r = (out[0], ref[0]) if isinstance(out, tuple) else (out, ref)
    assert o.shape == tuple(r.shape)
    np.testing.assert_allclose(o.data, r.detach().numpy(), rtol=tol, atol=tol)
    if r.requires_grad and r.numel():
        w = np.random.default_rng(1).standard_normal(o.shape)
        (o * ag.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            if t.grad is not None:
                np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol)
    return out, ref


def compare_modules(ours, theirs, arrays, tol=1e-10):
    """A module pair with the same state (PyTorch's, loaded into ours) in float64:
    state_dict keys, outputs, input and parameter gradients agree."""
    theirs = theirs.double()
    ours = ours.double()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    out, ref = compare(ours, theirs, arrays, tol=tol)
    grads = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is not None:
            np.testing.assert_allclose(grads[name].grad.data, p.grad.numpy(), rtol=tol, atol=tol)
    return out, ref


rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


# --- losses ------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 5), (2, 5, 3), (5,), (0, 5)], ids=str)
@pytest.mark.parametrize("kw", [{}, {"weight": 1}, {"label_smoothing": 0.3},
                                {"weight": 1, "label_smoothing": 0.3}], ids=str)
def test_cross_entropy_probability_targets(reduction, shape, kw):
    # 'mean' over (N, C, d) divides by N * d, and gives NaN for N = 0
    kw = {k: (rng.uniform(0.5, 2, shape[1 if len(shape) > 1 else 0]) if k == "weight" else v)
          for k, v in kw.items()}
    compare(lambda x, p, **k: F.cross_entropy(x, p, reduction=reduction, **k),
            lambda x, p, **k: TF.cross_entropy(x, p.detach(), reduction=reduction, **k),
            [randn(*shape), rng.uniform(size=shape)], kw)
