"""Adafactor and Muon against torch.optim: 30 steps over parameters of several shapes
(Adafactor: a matrix, a vector, a 3-d and a 0-d tensor, one row, one column; Muon:
wide, tall, square, one row, one column), gradients of varying scale (float64 to
1e-12, float32), every option; param groups and a schedule; state dicts with PyTorch's
keys and shapes, ours and PyTorch's loaded mid-run; argument checks; and steps under
ag.compile bit for bit eager's, replayed as numpy calls.

PyTorch's Muon runs its Newton-Schulz iteration in bfloat16, which gradgraph has not:
the comparisons to 1e-12 make PyTorch's bfloat16() a copy (`exact_muon`), and one test
compares with PyTorch's bfloat16 iteration to bfloat16's precision."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.errors import ArgumentError, ShapeError
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import check_twins, mlp, train_step, watched
from optim_memory import step_peak
from test_compile_optim import inlined
from test_optim_more import Twins, assert_like_torch, float64  # noqa: F401 (a fixture)

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 4), (), (4, 1), (1, 6)]
ADAFACTOR = [
    {},
    dict(lr=0.05, beta2_decay=-0.5, eps=(1e-30, 1e-2), d=2.0, weight_decay=0.1, maximize=True),
    dict(lr=0.3, eps=(1e-3, 0.0), d=1.0, weight_decay=0.5),     # eps1 and the clip bite
]
IDS = ["defaults", "options", "clipped"]


class Loose:
    """Parameters of SHAPES in both libraries, fed the same gradients each step."""

    def __init__(self, name, kwargs, dtype=np.float64, seed=0, shapes=SHAPES):
        self.rng = np.random.default_rng(seed)
        values = [self.rng.standard_normal(s).astype(dtype) for s in shapes]
        self.ours = [ag.tensor(v.copy(), requires_grad=True) for v in values]
        self.theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
        self.opts = [getattr(optim, name)(self.ours, **kwargs),
                     getattr(torch.optim, name)(self.theirs, **kwargs)]

    def step(self, t):
        for p, q in zip(self.ours, self.theirs):
            g = self.rng.standard_normal(p.shape).astype(p.data.dtype) * 10.0 ** (t % 4 - 2)
            p.grad, q.grad = ag.tensor(g.copy()), torch.tensor(g.copy())
        for o in self.opts:
            o.step()


@pytest.mark.parametrize("kwargs", ADAFACTOR, ids=IDS)
def test_adafactor_thirty_steps_match_torch_float64(kwargs, float64):
    run = Loose("Adafactor", kwargs)
    for t in range(30):
        run.step(t)
        assert_like_torch(*run.opts, 1e-12, 1e-14, f"after step {t + 1}")
    state = run.opts[0].state_dict()["state"]
    assert [list(state[i]) for i in range(3)] == [["step", "row_var", "col_var"],
                                                  ["step", "variance"],
                                                  ["step", "row_var", "col_var"]]
    assert state[2]["row_var"].shape == (2, 3, 1) and state[2]["col_var"].shape == (2, 1, 4)


@pytest.mark.parametrize("kwargs", ADAFACTOR, ids=IDS)
def test_adafactor_matches_torch_float32(kwargs):
    run = Loose("Adafactor", kwargs, np.float32)
    for t in range(30):
        run.step(t)
    assert all(p.data.dtype == np.float32 for p in run.ours)
    assert_like_torch(*run.opts, 2e-5, 1e-6, "after 30 steps")


@pytest.mark.parametrize("kwargs", ADAFACTOR[1:], ids=IDS[1:])
def test_adafactor_with_groups_and_a_schedule_matches_torch(kwargs, float64):
    twins = Twins("Adafactor", kwargs, groups=True,
                  schedule=lambda s, o: s.CosineAnnealingLR(o, 7))
    for t in range(20):
        twins.step()
        assert_like_torch(*twins.opts, 1e-12, 1e-14, f"after step {t + 1}")


MUON_SHAPES = [(3, 4), (5, 2), (4, 4), (1, 6), (6, 1)]
MUON = [
    {},
    dict(lr=0.02, momentum=0.3, nesterov=False, weight_decay=0.0, ns_steps=3, eps=1e-3,
         adjust_lr_fn="match_rms_adamw"),
    dict(lr=0.05, ns_coefficients=(2.0, -1.5, 0.5), adjust_lr_fn="original"),
]
MUON_IDS = ["defaults", "options", "coefficients"]


@pytest.fixture
def exact_muon(monkeypatch):
    """PyTorch's Muon with its Newton-Schulz iteration in the parameters' dtype."""
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self: self.clone())


@pytest.mark.parametrize("kwargs", MUON, ids=MUON_IDS)
def test_muon_thirty_steps_match_torch_float64(kwargs, float64, exact_muon):
    run = Loose("Muon", kwargs, shapes=MUON_SHAPES)
    for t in range(30):
        run.step(t)
        assert_like_torch(*run.opts, 1e-12, 1e-14, f"after step {t + 1}")
    assert list(run.opts[0].state_dict()["state"][0]) == ["momentum_buffer"]


@pytest.mark.parametrize("kwargs", MUON, ids=MUON_IDS)
def test_muon_matches_torch_float32(kwargs, exact_muon):
    run = Loose("Muon", kwargs, np.float32, shapes=MUON_SHAPES)
    for t in range(30):
        run.step(t)
    assert all(p.data.dtype == np.float32 for p in run.ours)
    assert_like_torch(*run.opts, 2e-4, 1e-5, "after 30 steps")


def test_muon_is_torchs_bfloat16_step_to_bfloat16s_precision(float64):
    """One step from the same parameters: the updates differ by bfloat16's rounding."""
    run = Loose("Muon", dict(lr=1.0, weight_decay=0.0), shapes=MUON_SHAPES)
    before = [p.data.copy() for p in run.ours]
    run.step(2)
    for p, q, b in zip(run.ours, run.theirs, before):
        ours, theirs = p.data - b, q.detach().numpy() - b
        assert np.abs(ours - theirs).max() <= 5e-2 * np.abs(theirs).max()
        assert np.abs(ours - theirs).max() > 1e-6          # PyTorch's is bfloat16's


def test_muon_with_groups_and_a_schedule_matches_torch(float64, exact_muon):
    run = Loose("Muon", {}, shapes=MUON_SHAPES)
    for lib, params, i in ((optim, run.ours, 0), (torch.optim, run.theirs, 1)):
        run.opts[i] = lib.Muon([{"params": params[:2]},
                                {"params": params[2:], "lr": 0.01, "nesterov": False}],
                               lr=0.03)
    scheds = [sched.StepLR(run.opts[0], 3, 0.5),
              torch.optim.lr_scheduler.StepLR(run.opts[1], 3, 0.5)]
    for t in range(20):
        run.step(t)
        for s in scheds:
            s.step()
        assert_like_torch(*run.opts, 1e-12, 1e-14, f"after step {t + 1}")
    assert [g["lr"] for g in run.opts[0].param_groups] == [0.03 / 64, 0.01 / 64]


@pytest.mark.parametrize("name, kwargs, shapes", [("Adafactor", ADAFACTOR[1], SHAPES),
                                                   ("Muon", MUON[1], MUON_SHAPES)])
def test_state_dicts_load_mid_run(name, kwargs, shapes, float64, exact_muon):
    """Ours after 10 steps loaded by a new optimizer continues bit for bit; PyTorch's
    (Adafactor's step a 0-d float tensor) continues as PyTorch does."""
    whole, half, again = (Loose(name, kwargs, shapes=shapes) for _ in range(3))
    for t in range(20):
        whole.step(t)
    for run in (half, again):
        for t in range(10):
            run.step(t)
    mine = getattr(optim, name)(half.ours, lr=0.123)      # lr and state come from the dict
    mine.load_state_dict(half.opts[0].state_dict())
    half.opts[0] = mine
    for t in range(10, 20):
        half.step(t)
    for p, q in zip(half.ours, whole.ours):
        np.testing.assert_array_equal(p.data, q.data)
    theirs = again.opts[1].state_dict()
    for p, q in zip(again.ours, again.theirs):
        p.data = q.detach().numpy().copy()
    again.opts[0] = getattr(optim, name)(again.ours)
    again.opts[0].load_state_dict({"state": {i: {k: v.numpy() for k, v in st.items()}
                                             for i, st in theirs["state"].items()},
                                   "param_groups": theirs["param_groups"]})
    for t in range(10, 20):
        again.step(t)
    assert_like_torch(*again.opts, 1e-12, 1e-14, "after 10 more steps")


def test_muon_refuses_parameters_not_2d_and_bad_iteration_settings():
    w, b = ag.ones((2, 3), requires_grad=True), ag.ones(3, requires_grad=True)
    with pytest.raises(ValueError):
        torch.optim.Muon([torch.ones(3, requires_grad=True)])
    with pytest.raises(ShapeError, match=r"Muon: parameter 1 .*\(3,\).*2-d"):
        optim.Muon([w, b])
    opt = optim.Muon([w])
    with pytest.raises(ShapeError, match="2-d"):
        opt.add_param_group({"params": [b]})
    assert len(opt.param_groups) == 1
    w.grad = ag.ones((2, 3))
    for key, value, what in (("ns_steps", 100, "ns_steps"), ("ns_coefficients", (1, 2), "ns_coeff"),
                             ("adjust_lr_fn", "other", "adjust_lr_fn")):
        if key != "adjust_lr_fn":       # PyTorch's step takes another one as 1 (no adjustment)
            tw = torch.ones(2, 3, requires_grad=True)
            tw.grad = torch.ones(2, 3)
            topt = torch.optim.Muon([tw])
            topt.param_groups[0][key] = value
            with pytest.raises(ValueError):
                topt.step()
        opt = optim.Muon([w])
        opt.param_groups[0][key] = value
        with pytest.raises(ValueError, match=f"Muon: invalid {what}"):
            opt.step()
    np.testing.assert_array_equal(w.data, np.ones((2, 3)))


def test_adafactor_refuses_a_factor_of_the_wrong_shape():
    w = ag.ones((3, 4), requires_grad=True)
    opt = optim.Adafactor([w])
    w.grad = ag.ones((3, 4))
    opt.step()
    state = opt.state_dict()
    state["state"][0]["row_var"] = np.zeros((3, 4))
    with pytest.raises(ArgumentError, match=r"row_var.*\(3, 4\).*needs \(3, 1\)"):
        optim.Adafactor([w]).load_state_dict(state)


BAD = [
    ("Adafactor", dict(lr=-1.0), "lr"), ("Adafactor", dict(beta2_decay=0.5), "beta2_decay"),
    ("Adafactor", dict(beta2_decay=float("nan")), "beta2_decay"),
    ("Adafactor", dict(eps=(-1e-3, 1e-3)), "epsilon1"),
    ("Adafactor", dict(eps=(None, -1.0)), "epsilon2"), ("Adafactor", dict(d=0.5), "d"),
    ("Adafactor", dict(weight_decay=-0.1), "weight_decay"),
    ("Muon", dict(lr=-1.0), "lr"), ("Muon", dict(momentum=-0.5), "momentum"),
    ("Muon", dict(weight_decay=-0.1), "weight_decay"),
    ("Muon", dict(adjust_lr_fn="sqrt"), "adjust_lr_fn"),
]


@pytest.mark.parametrize("name, kwargs, what", BAD, ids=lambda v: str(v))
def test_bad_hyperparameters_raise_as_pytorch(name, kwargs, what):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(2, 2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=f"{name}: invalid.*{what}"):
        getattr(optim, name)([ag.ones((2, 2), requires_grad=True)], **kwargs)


def test_adafactor_is_its_documented_rule():
    """Against the rule written out in numpy from the paper's formulas as PyTorch states
    them (means for sums, eps1 applied to V and U), a 3-d parameter for 8 steps."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))
    w = ag.tensor(x.copy(), requires_grad=True)
    opt = optim.Adafactor([w], lr=0.05, weight_decay=0.2, d=1.5)
    r, c, eps1 = np.zeros((2, 3, 1)), np.zeros((2, 1, 4)), np.finfo(np.float64).eps
    for t in range(1, 9):
        g = rng.standard_normal(x.shape)
        w.grad = ag.tensor(g.copy())
        opt.step()
        beta, rho = 1 - t ** -0.8, min(0.05, t ** -0.5)
        alpha = max(1e-3, np.sqrt(np.mean(x * x))) * rho
        x = x * (1 - 0.05 * 0.2)
        r = beta * r + (1 - beta) * np.mean(g * g, axis=-1, keepdims=True)
        c = beta * c + (1 - beta) * np.mean(g * g, axis=-2, keepdims=True)
        v = r * c / np.maximum(np.mean(r, axis=-2, keepdims=True), eps1)
        u = g / np.sqrt(np.maximum(v, eps1 * eps1))
        x = x - alpha / max(1.0, np.sqrt(np.mean(u * u)) / 1.5) * u
        np.testing.assert_allclose(w.data, x, rtol=1e-13, atol=1e-15, err_msg=f"step {t}")


def test_muons_iteration_nearly_orthogonalises():
    """With momentum 0 the update is -lr r X, X the Newton-Schulz iterate of g / ||g||
    written out here; its singular values are near 1 (PyTorch's coefficients push them
    into about [0.7, 1.2] in five steps, not onto 1: 0.73 to 0.92 here), where those of g
    spread over 50x."""
    rng = np.random.default_rng(6)
    g = rng.standard_normal((8, 5)) @ np.diag([20, 5, 2, 1, 1])
    w = ag.tensor(np.zeros((8, 5)), requires_grad=True)
    w.grad = ag.tensor(g.copy())
    optim.Muon([w], lr=1.0, momentum=0.0, nesterov=False, weight_decay=0.0).step()
    a, b, c = 3.4445, -4.7750, 2.0315
    X = g.T / np.linalg.norm(g)
    for _ in range(5):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    np.testing.assert_allclose(w.data, -(8 / 5) ** 0.5 * X.T, rtol=1e-12, atol=1e-14)
    s = np.linalg.svd(X, compute_uv=False)
    assert 0.6 < s.min() and s.max() < 1.25, s


@pytest.mark.parametrize("make, shapes", [
    (lambda ps: optim.Adafactor(ps, weight_decay=0.1, maximize=True),
     [(500, 400), (400,), (50, 500), (3, 40, 50)]),
    (lambda ps: optim.Muon(ps), [(500, 400), (50, 500)])], ids=["Adafactor", "Muon"])
def test_steps_allocate_no_parameter_sized_array(make, shapes):
    """After the first step, a step's peak allocation is numpy's own small buffers
    (einsum's, matmul's; 28 kB and 66 kB seen), not a temporary of a parameter's size
    (800 kB): the temporaries are the workspace's."""
    peak = step_peak(make, shapes)
    assert peak < 200_000, f"a step allocated {peak} bytes"


# --- under ag.compile --------------------------------------------------------------------
COMPILED = {
    "Adafactor": lambda p: optim.Adafactor(p, lr=0.05),
    "Adafactor-options": lambda p: optim.Adafactor(p, lr=0.05, weight_decay=0.1, d=2.0,
                                                   eps=(1e-3, 1e-2), maximize=True),
    "Muon": lambda p: optim.Muon(p, lr=0.05),
    "Muon-options": lambda p: optim.Muon(p, lr=0.05, momentum=0.5, nesterov=False,
                                         weight_decay=0.0, ns_steps=2,
                                         adjust_lr_fn="match_rms_adamw"),
}


@pytest.mark.parametrize("name", list(COMPILED))
def test_compiled_steps_are_eagers_bits_with_lr_changing(name):
    """12 calls, lr multiplied by 0.7 after each: bit for bit eager's after every call,
    one trace, the update replayed as numpy calls."""
    def build():
        model = mlp()
        if name.startswith("Muon"):             # weights only: Muon takes 2-d parameters
            model = nn.Sequential(nn.Linear(12, 16, bias=False), nn.ReLU(),
                                  nn.Linear(16, 5, bias=False))
        opt = COMPILED[name](model.parameters())
        return (train_step(model, opt, scheduler=sched.ExponentialLR(opt, 0.7)),
                watched(model, opt))
    f = check_twins(build, calls=12)
    assert f.traces == 1 and inlined(f)



@pytest.mark.parametrize("name, key, value, traces", [
    ("Adafactor", "eps", (1e-30, 0.1), 1), ("Adafactor", "d", 1.5, 1),
    ("Adafactor", "beta2_decay", -0.5, 1), ("Adafactor", "weight_decay", 0.1, 2),
    ("Adafactor", "maximize", True, 2), ("Muon", "ns_coefficients", (2.0, -1.5, 0.5), 1),
    ("Muon", "momentum", 0.5, 1), ("Muon", "adjust_lr_fn", "match_rms_adamw", 1),
    ("Muon", "ns_steps", 3, 2), ("Muon", "nesterov", False, 2), ("Muon", "weight_decay", 0, 2),
], ids=lambda v: str(v))
def test_a_hyperparameter_changed_between_steps(name, key, value, traces):
    """Set in the group between calls: a number is an input of the replay, a branch (or
    Muon's number of steps, the unrolled loop) retraces; eager's bits either way."""
    def build():
        model = (mlp() if name == "Adafactor" else
                 nn.Sequential(nn.Linear(12, 16, bias=False), nn.ReLU(),
                               nn.Linear(16, 5, bias=False)))
        opt = COMPILED[name](model.parameters())
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            env["opts"][0].param_groups[0][key] = value
    f = check_twins(build, calls=9, between=between, replays=5)
    assert f.traces == traces and inlined(f)


def test_every_torch_optim_name_is_provided_or_explained():
    """A name of torch.optim that nn.optim lacks is named in nn.optim's docstring, which
    says why it is left out."""
    missing = set(torch.optim.__all__) - set(optim.__all__)
    assert missing and all(f"``{name}``" in optim.__doc__ for name in missing), missing
