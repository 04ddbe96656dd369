"""LBFGS against torch.optim.LBFGS: the same small model fitted by each library through
steps of up to max_iter iterations, with and without the strong Wolfe line search
(parameters, losses and the whole state: counts, direction, step, the history lists);
state dicts saved and loaded mid-run (ours and PyTorch's); argument checks; a compiled
step with a closure runs as Python."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import nn.serialization as ser
from nn import optim

torch = pytest.importorskip("torch")

CASES = [
    dict(),
    dict(lr=0.5, max_iter=5, history_size=3),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", max_iter=7, history_size=2, tolerance_change=1e-6),
    dict(max_iter=50, max_eval=12),                 # stops at max_eval
    dict(tolerance_grad=1e-2, line_search_fn="strong_wolfe", max_iter=40),   # at the optimum
]
IDS = ["-".join(kw) or "defaults" for kw in CASES]


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


class Twins:
    """A Linear-Tanh-Linear model fitted to fixed data by LBFGS in both libraries."""

    def __init__(self, kwargs, dtype=np.float64):
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((16, 4)).astype(dtype), rng.standard_normal((16, 2)).astype(dtype)
        self.ours = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
        self.theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(),
                                          torch.nn.Linear(6, 2))
        for p, q in zip(self.ours.parameters(), self.theirs.parameters()):
            value = rng.standard_normal(p.shape).astype(dtype)
            p.data, q.data = value.copy(), torch.tensor(value.copy())
        self.data = (ag.tensor(x), ag.tensor(y)), (torch.tensor(x), torch.tensor(y))
        self.opts = [optim.LBFGS(self.ours.parameters(), **kwargs),
                     torch.optim.LBFGS(self.theirs.parameters(), **kwargs)]

    def step(self):
        losses = []
        for opt, model, (x, y), mse in zip(self.opts, (self.ours, self.theirs), self.data,
                                           (F.mse_loss, torch.nn.functional.mse_loss)):
            def closure():
                opt.zero_grad()
                loss = mse(model(x), y)
                loss.backward()
                return loss
            losses.append(float(opt.step(closure).detach()))
        return losses


def _close(a, b, rtol, where):
    if isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), (where, a, b)
        for i, (u, v) in enumerate(zip(a, b)):
            _close(u, v, rtol, f"{where}[{i}]")
    elif b is None or isinstance(b, (int, str)):
        assert a == b, (where, a, b)
    else:
        b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2, err_msg=where)


def assert_like_torch(opt, topt, rtol):
    for p, q in zip(opt.param_groups[0]["params"], topt.param_groups[0]["params"]):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=rtol * 1e-2)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"]) == [0]
    st, tst = ours["state"][0], theirs["state"][0]
    assert list(st) == list(tst)
    for k in tst:
        _close(st[k], tst[k], rtol, k)


@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_steps_match_torch(kwargs, float64):
    twins = Twins(kwargs)
    for t in range(3):
        ours, theirs = twins.step()
        assert ours == pytest.approx(theirs, rel=1e-7), t
        assert_like_torch(*twins.opts, 1e-6)


@pytest.mark.parametrize("start", [(-1.5, 2.0), (1.5, -0.5), (-3.0, -4.0)])
@pytest.mark.parametrize("lr", [1, 10, 0.01])
def test_rosenbrock_with_line_search_matches_torch(start, lr, float64):
    """The line search's extrapolation and zoom, over 2 steps of 30 iterations."""
    def rosenbrock(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    w, tw = ag.tensor(np.array(start), requires_grad=True), torch.tensor(start, requires_grad=True)
    opts = [lib.LBFGS([v], lr=lr, max_iter=30, line_search_fn="strong_wolfe")
            for lib, v in ((optim, w), (torch.optim, tw))]
    for _ in range(2):
        for opt, v in zip(opts, (w, tw)):
            def closure():
                opt.zero_grad()
                loss = rosenbrock(v)
                loss.backward()
                return loss
            opt.step(closure)
    assert_like_torch(*opts, 1e-8)


def test_float32_and_a_stop_at_the_first_evaluation():
    twins = Twins(dict(max_iter=6), np.float32)
    for t in range(3):
        twins.step()
    assert_like_torch(*twins.opts, 2e-3)
    assert all(v.dtype == np.float32 for v in twins.opts[0].state[next(
        iter(twins.ours.parameters()))]["old_dirs"])
    # a gradient already within tolerance_grad: one evaluation, no iteration, as PyTorch
    twins = Twins(dict(tolerance_grad=1e6))
    twins.step()
    assert_like_torch(*twins.opts, 0)
    assert twins.opts[0].state_dict()["state"][0] == {"func_evals": 1, "n_iter": 0}


@pytest.mark.parametrize("kwargs", CASES[1:4], ids=IDS[1:4])
def test_state_dict_saved_and_loaded_mid_run_continues_the_same(kwargs, tmp_path):
    whole, half = Twins(kwargs), Twins(kwargs)
    for _ in range(4):
        whole.step()
    for _ in range(2):
        half.step()
    ser.save(half.opts[0].state_dict(), tmp_path / "opt.ckpt")
    fresh = Twins({**kwargs, "lr": 0.123})
    for p, q in zip(fresh.ours.parameters(), half.ours.parameters()):
        p.data = q.data.copy()
    fresh.opts[0].load_state_dict(ser.load(tmp_path / "opt.ckpt"))
    for _ in range(2):
        fresh.step()
    for p, q in zip(fresh.ours.parameters(), whole.ours.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert_like_torch(fresh.opts[0], whole.opts[1], 1e-6)


@pytest.mark.parametrize("kwargs", CASES[1:4], ids=IDS[1:4])
def test_pytorchs_state_dict_loads_mid_run(kwargs, float64):
    twins = Twins(kwargs)
    for _ in range(2):
        twins.step()
    theirs = twins.opts[1].state_dict()
    as_arrays = {k: [None if t is None else t.numpy() for t in v] if isinstance(v, list)
                 else v.numpy() if isinstance(v, torch.Tensor) else v
                 for k, v in theirs["state"][0].items()}
    for p, q in zip(twins.ours.parameters(), twins.theirs.parameters()):
        p.data = q.detach().numpy().copy()
    twins.opts[0] = optim.LBFGS(twins.ours.parameters(), **kwargs)
    twins.opts[0].load_state_dict({"state": {0: as_arrays},
                                   "param_groups": theirs["param_groups"]})
    assert_like_torch(*twins.opts, 0)
    for _ in range(2):
        twins.step()
    assert_like_torch(*twins.opts, 1e-6)


@pytest.mark.parametrize("make, error", [
    (lambda ps: optim.LBFGS(ps, lr=-1), "LBFGS: invalid lr"),
    (lambda ps: optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}]), "parameter groups"),
    (lambda ps: optim.LBFGS(ps, line_search_fn="armijo"), "line_search_fn 'armijo'"),
])
def test_errors(make, error):
    with pytest.raises(ValueError, match=error):
        make([ag.ones(2, requires_grad=True), ag.ones(3, requires_grad=True)])
    with pytest.raises((ValueError, RuntimeError)):
        opt = make([torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)])
        opt.step(lambda: torch.zeros((), requires_grad=True))


def test_a_compiled_step_with_lbfgs_runs_as_python():
    ag.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.LBFGS(model.parameters(), max_iter=3)
    x, y = ag.randn(8, 3), ag.randn(8, 1)

    def step(x, y):
        def closure():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss
        return opt.step(closure)
    f = ag.compile(step, strict=True)
    with pytest.raises(ag.jit.Escape, match="closure"):
        for _ in range(3):
            f(x, y)



@pytest.mark.parametrize("args", [(0.0, 0.0, -1.0, 1.0, -1e200, -2.0),
                                  (0.0, 0.0, -1e160, 1.0, -1.0, -1e160),
                                  (0.0, 1.0, -1.0, 2.0, 3.0, 2.0)])
def test_cubic_interpolation_past_float_range_is_torchs(args):
    """A loss unbounded below sends the cubic's d1 past 1e154 in the line search: PyTorch
    squares it as a tensor (inf: a NaN step, or the bracket's middle once inf - inf);
    a Python float's ** 2 raised OverflowError."""
    from torch.optim.lbfgs import _cubic_interpolate as torch_cubic
    from nn.optim.lbfgs import _cubic_interpolate
    x1, f1, g1, x2, f2, g2 = args
    expected = torch_cubic(x1, f1, torch.tensor(g1, dtype=torch.float64), x2, f2,
                           torch.tensor(g2, dtype=torch.float64))
    np.testing.assert_array_equal(_cubic_interpolate(*args), float(expected))
