"""The value and input gradients of one case run in gradgraph or in PyTorch, for the
tests that compare the two."""
import numpy as np

import autograd as ag


def run_case(lib, fn, arrays):
    """fn(lib, *inputs) on float64 leaves made from `arrays` (lib is autograd or torch),
    backpropagated with fixed weights: (value, [input gradients]) as numpy arrays."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.linspace(-1.0, 1.0, out.numel()).reshape(out.shape)
    (out * lib.tensor(w, dtype=lib.float64)).sum().backward()
    detach = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return detach(out), [detach(x.grad) for x in xs]


def assert_case_matches(torch, fn, arrays, rtol=1e-12, atol=1e-12):
    """run_case of fn in gradgraph and PyTorch: equal shapes, dtypes, values and gradients
    (an input without one in either counts as zeros)."""
    ours, ours_grads = run_case(ag, fn, arrays)
    theirs, their_grads = run_case(torch, fn, arrays)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    for g, t in zip(ours_grads, their_grads):
        np.testing.assert_allclose(0 if g is None else g, 0 if t is None else t,
                                   rtol=rtol, atol=atol)


def run_functional(lib, name, floats, constants=(), kwargs=(), dtype=np.float64):
    """nn.functional's `name` (gradgraph's, or PyTorch's for lib torch) on leaves of `dtype`
    made from the `floats` arrays, then the `constants` (float arrays cast to `dtype`,
    integer ones as they are) and `kwargs` (float arrays cast to tensors of `dtype`),
    backpropagated with fixed weights: [value, gradient of each float input] as arrays
    (zeros for an input the value does not depend on: None in gradgraph)."""
    import nn.functional as F
    fn = getattr(F, name) if lib is ag else getattr(lib.nn.functional, name)
    def tensor(a):
        return lib.tensor(a if a.dtype.kind in "iub" else a.astype(dtype))
    xs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in floats]
    kw = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in dict(kwargs).items()}
    out = fn(*xs, *(tensor(np.asarray(c)) for c in constants), **kw)
    w = np.linspace(-1.0, 2.0, out.numel()).reshape(tuple(out.shape)).astype(dtype)
    (out * lib.tensor(w)).sum().backward()
    detach = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return [detach(out)] + [np.zeros(x.shape, dtype) if x.grad is None else detach(x.grad)
                            for x in xs]


def assert_functional_matches(torch, name, floats, constants=(), kwargs=(), dtype=np.float64,
                              tol=None):
    """run_functional in gradgraph and PyTorch agree: shapes, dtypes, values and
    gradients, to `tol` (default 1e-11 in float64, 2e-5 in float32)."""
    tol = tol if tol is not None else 1e-11 if dtype == np.float64 else 2e-5
    ours = run_functional(ag, name, floats, constants, kwargs, dtype)
    theirs = run_functional(torch, name, floats, constants, kwargs, dtype)
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape and o.dtype == t.dtype, (name, o.shape, t.shape)
        np.testing.assert_allclose(o, t, rtol=tol, atol=tol, err_msg=name)


def assert_same_value_and_grads(fn_ag, fn_torch, *arrays, rtol=1e-10, atol=1e-12):
    """fn_ag on gradgraph leaves and fn_torch on PyTorch's, made from the same arrays:
    equal values and dtypes, and equal input gradients for one random output gradient."""
    import torch
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_ag(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    assert out.dtype == arrays[0].dtype
    seed = np.random.default_rng(out.data.size).standard_normal(ref.shape).astype(arrays[0].dtype)
    out.backward(ag.tensor(seed))
    ref.backward(torch.tensor(seed))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=rtol, atol=atol)
