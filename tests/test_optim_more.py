"""Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against torch.optim: the same
small model trained 20 steps by each library (float64 to 1e-10, float32), parameters,
state and param groups compared after every step; param groups with their own lr and a
schedule; state dicts saved, loaded mid-run (ours and PyTorch's) and continued; argument
checks; and each step under ag.compile bit for bit eager's, replayed as numpy calls
with its lr changing every step and no retrace."""
import inspect

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import nn.serialization as ser
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import check_twins, mlp, train_step, watched
from test_compile_optim import inlined

torch = pytest.importorskip("torch")

CASES = [
    ("Adagrad", {}),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3,
                     eps=1e-6, maximize=True)),
    ("Adadelta", {}),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adamax", {}),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1, maximize=True)),
    ("NAdam", {}),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", {}),                          # rho_t passes 5 at step 6
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", {}),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1, maximize=True)),
    ("Rprop", {}),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
]
IDS = [f"{name}-{'-'.join(kw) or 'defaults'}" for name, kw in CASES]
SCALARS = {"mu_product", "eta", "mu"}       # PyTorch's 0-d tensors, our floats


@pytest.fixture
def float64():
    """PyTorch's default dtype float64, so that its scalar state (step, NAdam's mu_product,
    ASGD's eta and mu) is float64 as ours."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


class Twins:
    """The same small model (Linear, Tanh, Linear), data and optimizer in gradgraph and
    PyTorch; `groups` gives the last two parameters their own group at lr * 0.3;
    `schedule(lr_scheduler_module, opt)` a scheduler stepped after every step."""

    def __init__(self, name, kwargs, dtype=np.float64, groups=False, schedule=None):
        rng = np.random.default_rng(0)
        self.x, self.y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
        self.ours = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
        self.theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(),
                                          torch.nn.Linear(6, 2))
        for p, q in zip(self.ours.parameters(), self.theirs.parameters()):
            value = rng.standard_normal(p.shape).astype(dtype)
            p.data = value.copy()
            q.data = torch.tensor(value.copy())
        self.dtype = dtype
        self.opts = [self._optimizer(lib, name, kwargs, groups)
                     for lib in (optim, torch.optim)]
        self.scheds = ([schedule(sched, self.opts[0]), schedule(torch.optim.lr_scheduler,
                                                                self.opts[1])]
                       if schedule else [])

    def _optimizer(self, lib, name, kwargs, groups):
        params = list((self.ours if lib is optim else self.theirs).parameters())
        if groups:
            lr = kwargs.get("lr", getattr(lib, name)([params[0]]).defaults["lr"])
            params = [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.3}]
        return getattr(lib, name)(params, **kwargs)

    def step(self):
        x, y = ag.tensor(self.x.astype(self.dtype)), ag.tensor(self.y.astype(self.dtype))
        self.opts[0].zero_grad()
        F.mse_loss(self.ours(x), y).backward()
        self.opts[0].step()
        tx, ty = torch.tensor(self.x.astype(self.dtype)), torch.tensor(self.y.astype(self.dtype))
        self.opts[1].zero_grad()
        torch.nn.functional.mse_loss(self.theirs(tx), ty).backward()
        self.opts[1].step()
        for s in self.scheds:
            s.step()


def assert_like_torch(opt, topt, rtol, atol, where=""):
    """Parameters, state (keys in PyTorch's order, values) and param groups agree."""
    for p, q in zip([p for g in opt.param_groups for p in g["params"]],
                    [q for g in topt.param_groups for q in g["params"]]):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"parameters {where}")
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"]), where
    for i, st in theirs["state"].items():
        assert list(ours["state"][i]) == list(st), (where, i)
        for k, v in st.items():
            mine = ours["state"][i][k]
            if k == "step":
                assert type(mine) is int and mine == v.item(), (where, i, mine, v)
            elif k in SCALARS:
                assert type(mine) is float, (where, k)
                np.testing.assert_allclose(mine, v.item(), rtol=rtol, err_msg=f"{where} {k}")
            else:
                assert mine.dtype == p.data.dtype, (where, k, mine.dtype)
                np.testing.assert_allclose(mine, v.numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"{where} state {i} {k}")
    for g, h in zip(ours["param_groups"], theirs["param_groups"]):
        assert g.keys() == h.keys(), where
        for k in g:
            assert g[k] == pytest.approx(h[k], rel=1e-12) if k == "lr" else g[k] == h[k], \
                (where, k, g[k], h[k])


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_twenty_steps_match_torch_float64(name, kwargs, float64):
    twins = Twins(name, kwargs)
    assert_like_torch(*twins.opts, 1e-10, 1e-12, "before the first step")
    for t in range(20):
        twins.step()
        assert_like_torch(*twins.opts, 1e-10, 1e-12, f"after step {t + 1}")


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_twenty_steps_match_torch_float32(name, kwargs):
    twins = Twins(name, kwargs, np.float32)
    for t in range(20):
        twins.step()
    assert_like_torch(*twins.opts, 2e-4, 2e-5, "after 20 steps")


@pytest.mark.parametrize("name, kwargs", CASES[1::2], ids=IDS[1::2])
def test_param_groups_and_a_schedule_match_torch(name, kwargs, float64):
    """Two groups at different lr, both multiplied by 0.5 every 3 steps."""
    twins = Twins(name, kwargs, groups=True, schedule=lambda s, o: s.StepLR(o, 3, 0.5))
    lrs = [g["lr"] for g in twins.opts[0].param_groups]
    for t in range(20):
        twins.step()
    assert [g["lr"] for g in twins.opts[0].param_groups] == [lr / 64 for lr in lrs]
    assert_like_torch(*twins.opts, 1e-10, 1e-12, "after 20 steps")


def _state_arrays(opt):
    return [(i, k, v) for i, st in sorted(opt.state_dict()["state"].items())
            for k, v in st.items()]


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_state_dict_saved_and_loaded_mid_run_continues_the_same(name, kwargs, tmp_path):
    """20 steps uninterrupted against 10 steps, a checkpoint of the optimizer, a new
    optimizer over copies of the parameters loading it, and 10 more steps: the same bits."""
    whole = Twins(name, kwargs, groups=True)
    for _ in range(20):
        whole.step()
    half = Twins(name, kwargs, groups=True)
    for _ in range(10):
        half.step()
    ser.save(half.opts[0].state_dict(), tmp_path / "opt.ckpt")
    fresh = Twins(name, {**kwargs, "lr": 0.123}, groups=True)   # lr and state come from the file
    for p, q in zip(fresh.ours.parameters(), half.ours.parameters()):
        p.data = q.data.copy()
    fresh.opts[0].load_state_dict(ser.load(tmp_path / "opt.ckpt"))
    for _ in range(10):
        fresh.step()
    for p, q in zip(fresh.ours.parameters(), whole.ours.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    for (i, k, a), (j, l, b) in zip(_state_arrays(fresh.opts[0]), _state_arrays(whole.opts[0])):
        assert (i, k) == (j, l) and type(a) is type(b)
        np.testing.assert_array_equal(a, b, err_msg=f"state {i} {k}")
    assert fresh.opts[0].state_dict()["param_groups"] == whole.opts[0].state_dict()["param_groups"]


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_pytorchs_state_dict_loads_mid_run(name, kwargs, float64):
    """PyTorch's state dict after 10 steps (its tensors as arrays, 0-d for the step and
    the scalars) loads into a new optimizer of ours over PyTorch's parameters, and the
    next 10 steps agree."""
    twins = Twins(name, kwargs, groups=True)
    for _ in range(10):
        twins.step()
    theirs = twins.opts[1].state_dict()
    state = {i: {k: v.numpy() for k, v in st.items()} for i, st in theirs["state"].items()}
    for p, q in zip(twins.ours.parameters(), twins.theirs.parameters()):
        p.data = q.detach().numpy().copy()
    twins.opts[0] = getattr(optim, name)([{"params": g["params"]}
                                          for g in twins.opts[0].param_groups], **kwargs)
    twins.opts[0].load_state_dict({"state": state, "param_groups": theirs["param_groups"]})
    assert_like_torch(*twins.opts, 0, 0, "after loading")
    for t in range(10):
        twins.step()
    assert_like_torch(*twins.opts, 1e-10, 1e-12, "after 10 more steps")


def test_adagrad_makes_its_state_in_the_constructor():
    """As PyTorch's: every parameter has a step of 0 and its sum before any step; a group
    added later starts from the constructor's initial_accumulator_value, also if the
    group gives its own."""
    ps = [ag.ones(2, requires_grad=True), ag.ones(3, requires_grad=True)]
    tps = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    opt = optim.Adagrad(ps[:1], initial_accumulator_value=0.5)
    topt = torch.optim.Adagrad(tps[:1], initial_accumulator_value=0.5)
    (state,) = opt.state_dict()["state"].values()
    assert list(state) == ["step", "sum"] and state["step"] == 0
    np.testing.assert_array_equal(state["sum"], np.full(2, 0.5, np.float32))
    assert list(topt.state_dict()["state"]) == [0]
    opt.add_param_group({"params": ps[1:], "initial_accumulator_value": 2.0})
    topt.add_param_group({"params": tps[1:], "initial_accumulator_value": 2.0})
    for p, q in zip(ps, tps):
        p.grad, q.grad = ag.ones(p.shape), torch.ones(q.shape)
    opt.step()
    topt.step()
    np.testing.assert_allclose(opt.state[ps[1]]["sum"], topt.state[tps[1]]["sum"].numpy())
    np.testing.assert_allclose(ps[1].data, tps[1].detach().numpy())


BAD = [
    ("Adagrad", dict(lr=-1.0), "lr"), ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
    ("Adagrad", dict(weight_decay=-1), "weight_decay"), ("Adagrad", dict(eps=-1e-3), "eps"),
    ("Adagrad", dict(initial_accumulator_value=-1), "initial_accumulator_value"),
    ("Adadelta", dict(lr=-1.0), "lr"), ("Adadelta", dict(rho=1.5), "rho"),
    ("Adadelta", dict(rho=-0.1), "rho"), ("Adadelta", dict(eps=-1.0), "eps"),
    ("Adadelta", dict(weight_decay=-1), "weight_decay"),
    ("Adamax", dict(lr=-1.0), "lr"), ("Adamax", dict(eps=-1.0), "eps"),
    ("Adamax", dict(betas=(1.0, 0.9)), "index 0"), ("Adamax", dict(betas=(0.9, -0.5)), "index 1"),
    ("Adamax", dict(weight_decay=-1), "weight_decay"),
    ("NAdam", dict(lr=-1.0), "lr"), ("NAdam", dict(eps=-1.0), "eps"),
    ("NAdam", dict(betas=(-0.1, 0.9)), "index 0"), ("NAdam", dict(betas=(0.9, 1.0)), "index 1"),
    ("NAdam", dict(weight_decay=-1), "weight_decay"),
    ("NAdam", dict(momentum_decay=-1), "momentum_decay"),
    ("RAdam", dict(lr=-1.0), "lr"), ("RAdam", dict(eps=-1.0), "eps"),
    ("RAdam", dict(betas=(1.5, 0.9)), "index 0"), ("RAdam", dict(betas=(0.9, 2.0)), "index 1"),
    ("RAdam", dict(weight_decay=-1), "weight_decay"),
    ("ASGD", dict(lr=-1.0), "lr"), ("ASGD", dict(weight_decay=-1), "weight_decay"),
    ("Rprop", dict(lr=-1.0), "lr"), ("Rprop", dict(etas=(1.5, 2.0)), "eta"),
    ("Rprop", dict(etas=(0.5, 0.9)), "eta"), ("Rprop", dict(etas=(0.0, 1.2)), "eta"),
    ("Adagrad", dict(lr=float("nan")), "lr"), ("NAdam", dict(betas=(float("nan"), 0.9)), "index 0"),
]


@pytest.mark.parametrize("name, kwargs, what", BAD, ids=lambda v: str(v))
def test_bad_hyperparameters_raise_as_pytorch(name, kwargs, what):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=f"{name}: invalid.*{what}"):
        getattr(optim, name)([ag.ones(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_capturable_and_differentiable_are_refused(name):
    for switch in {"capturable", "differentiable"} & set(
            inspect.signature(getattr(torch.optim, name)).parameters):
        with pytest.raises(ValueError, match=f"{name}: {switch}=True"):
            getattr(optim, name)([ag.ones(2, requires_grad=True)], **{switch: True})


# --- under ag.compile --------------------------------------------------------------------
COMPILED = {
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1),
    "Adadelta": lambda p: optim.Adadelta(p, weight_decay=0.1, maximize=True),
    "Adamax": lambda p: optim.Adamax(p, lr=0.01, weight_decay=1),      # an int: see floats()
    "NAdam": lambda p: optim.NAdam(p, lr=0.01, weight_decay=0.1),
    "NAdam-decoupled": lambda p: optim.NAdam(p, lr=0.01, weight_decay=0.1,
                                             decoupled_weight_decay=True, maximize=True),
    "RAdam": lambda p: optim.RAdam(p, lr=0.01, weight_decay=0.1),     # rectified from step 6
    "RAdam-decoupled": lambda p: optim.RAdam(p, lr=0.01, weight_decay=0.1,
                                             decoupled_weight_decay=True),
    "ASGD": lambda p: optim.ASGD(p, lr=0.05, weight_decay=0.1),
    "ASGD-averaging": lambda p: optim.ASGD(p, lr=0.05, t0=4, lambd=0.01),  # mu < 1 from step 6
    "Rprop": lambda p: optim.Rprop(p, lr=0.01, maximize=True),
    "Rprop-int-sizes": lambda p: optim.Rprop(p, lr=0.01, step_sizes=(0, 1)),
}


@pytest.mark.parametrize("name", list(COMPILED))
def test_compiled_steps_are_eagers_bits_with_lr_changing(name):
    """12 calls, lr multiplied by 0.7 after each: parameters, gradients, state and groups
    bit for bit eager's after every call, one trace, the update replayed as numpy calls
    (its numbers recomputed every call) through RAdam's rectification and ASGD's
    averaging starting."""
    def build():
        model = mlp()
        opt = COMPILED[name](model.parameters())
        return (train_step(model, opt, scheduler=sched.ExponentialLR(opt, 0.7)),
                watched(model, opt))
    f = check_twins(build, calls=12)
    assert f.traces == 1 and inlined(f)


def test_adagrads_state_from_the_constructor_lets_the_first_call_be_kept():
    def build():
        model = mlp()
        opt = optim.Adagrad(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    f = check_twins(build, calls=6, warmup=0, replays=5)
    assert f.traces == 1 and inlined(f)


def test_radams_one_sequence_is_each_cases_formula_exactly():
    """RAdam's one sequence of calls for both cases of rho_t (sqrt(v) capped at 0, 1 for
    eps and the factors before rectification) gives each case's formula bit for bit:
    p - m / (1 - beta1^t) * lr through step 5, then PyTorch's
    p - m / (1 - beta1^t) * lr * (sqrt(1 - beta2^t) / (sqrt(v) + eps)) * r_t."""
    rng = np.random.default_rng(1)
    w = ag.tensor(rng.standard_normal(50), requires_grad=True)
    opt = optim.RAdam([w], lr=0.01)
    rho_inf = 2 / (1 - 0.999) - 1
    for t in range(1, 11):
        before = w.data.copy()
        w.grad = ag.tensor(rng.standard_normal(50))
        opt.step()
        m, v = opt.state[w]["exp_avg"], opt.state[w]["exp_avg_sq"]
        want = m / (1 - 0.9 ** t) * 0.01
        rho_t = rho_inf - 2 * t * 0.999 ** t / (1 - 0.999 ** t)
        if t > 5:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            want = want * ((1 - 0.999 ** t) ** 0.5 / (np.sqrt(v) + 1e-8)) * rect
        assert (rho_t > 5) == (t > 5)
        np.testing.assert_array_equal(w.data, before - want, err_msg=f"step {t}")


def test_asgds_average_is_the_parameter_while_mu_is_1():
    """Bit for bit, as PyTorch's copy, also after a parameter overflowed to inf."""
    rng = np.random.default_rng(1)
    w = ag.tensor(rng.standard_normal(50), requires_grad=True)
    opt = optim.ASGD([w], lr=0.1)
    for t in range(5):
        with np.errstate(over="ignore"):
            w.grad = ag.tensor(rng.standard_normal(50) * (1e308 if t == 3 else 1))
            opt.step()
        np.testing.assert_array_equal(opt.state[w]["ax"], w.data, err_msg=f"step {t}")
    assert np.isinf(w.data).any()
