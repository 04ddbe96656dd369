"""Optimizers against hand-written references of PyTorch's documented update rules,
schedulers against their closed forms, state dicts, gradient clipping."""
import math

import numpy as np
import pytest

import autograd as ag
from autograd.errors import GraphError
from nn import optim
from nn.optim import lr_scheduler as sched
from nn.utils import (NonFiniteNormError, clip_grad_norm_, clip_grad_value_,
                      parameters_to_vector, vector_to_parameters)
from optim_memory import step_peak

P0 = np.array([0.5, -1.5, 2.0, -0.25, 3.0])


def grad_at(p, t):
    """The gradient fed to the optimizer at step t: depends on p, changes sign."""
    return np.sin(3 * p) + 0.3 * p - 0.2 * t


# --- references: the documented algorithms, one scalar at a time ------------------------
def ref_sgd(p, t, st, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False,
            maximize=False):
    g = -grad_at(p, t) if maximize else grad_at(p, t)
    g = g + weight_decay * p
    if momentum:
        st["b"] = g if t == 1 else momentum * st["b"] + (1 - dampening) * g
        g = g + momentum * st["b"] if nesterov else st["b"]
    return p - lr * g


def ref_adam(p, t, st, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    g = -grad_at(p, t) if maximize else grad_at(p, t)
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    v = st["v"]
    if amsgrad:
        st["vmax"] = v = max(st.get("vmax", 0.0), v)
    m_hat = st["m"] / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return p - lr * m_hat / (math.sqrt(v_hat) + eps)


def ref_rmsprop(p, t, st, lr, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False, maximize=False):
    g = -grad_at(p, t) if maximize else grad_at(p, t)
    g = g + weight_decay * p
    st["v"] = alpha * st.get("v", 0.0) + (1 - alpha) * g * g
    v = st["v"]
    if centered:
        st["a"] = alpha * st.get("a", 0.0) + (1 - alpha) * g
        v = v - st["a"] ** 2
    r = g / (math.sqrt(v) + eps)
    if momentum > 0:
        st["b"] = momentum * st.get("b", 0.0) + r
        return p - lr * st["b"]
    return p - lr * r


def run_reference(ref, kwargs, steps):
    out = []
    for p in P0:
        p, st = float(p), {}
        for t in range(1, steps + 1):
            p = ref(p, t, st, **kwargs)
        out.append(p)
    return np.array(out)


def run_optimizer(cls, kwargs, steps, dtype=np.float64):
    w = ag.tensor(P0.astype(dtype), requires_grad=True)
    opt = cls([w], **kwargs)
    for t in range(1, steps + 1):
        w.grad = ag.tensor(grad_at(w.data.astype(np.float64), t).astype(dtype))
        opt.step()
    return w.data, opt


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, ref_sgd, dict(lr=0.1, weight_decay=0.2)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1,
                              maximize=True)),
    (optim.Adam, ref_adam, dict(lr=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3)),
    (optim.Adam, ref_adam, dict(lr=0.1, amsgrad=True)),
    (optim.Adam, ref_adam, dict(lr=0.1, weight_decay=0.3)),
    (optim.Adam, ref_adam, dict(lr=0.1, weight_decay=0.3, amsgrad=True, maximize=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.9, centered=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, weight_decay=0.1, momentum=0.5, centered=True,
                                      maximize=True)),
]


@pytest.mark.parametrize("cls, ref, kwargs", CASES,
                         ids=[f"{c.__name__}-{'-'.join(k)}" for c, _, k in CASES])
def test_matches_reference(cls, ref, kwargs):
    got, _ = run_optimizer(cls, kwargs, steps=12)
    np.testing.assert_allclose(got, run_reference(ref, kwargs, 12), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(lr=0.1, weight_decay=0.3),
                                    dict(lr=0.1, weight_decay=0.05, amsgrad=True)])
def test_adamw_decouples_weight_decay(kwargs):
    got, _ = run_optimizer(optim.AdamW, kwargs, steps=12)
    want = run_reference(ref_adam, dict(kwargs, decoupled=True), 12)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    adam, _ = run_optimizer(optim.Adam, kwargs, steps=12)
    assert np.abs(adam - got).max() > 1e-3          # the two rules really differ


def test_adamw_without_decay_is_adam():
    a, _ = run_optimizer(optim.Adam, dict(lr=0.1), 5)
    b, _ = run_optimizer(optim.AdamW, dict(lr=0.1, weight_decay=0), 5)
    np.testing.assert_array_equal(a, b)


def test_hand_computed_values():
    # SGD, momentum 0.9, constant gradient 2: buffer 2 then 3.8
    w = ag.tensor([1.0], dtype="float64", requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    for want in (0.8, 0.42):
        w.grad = ag.tensor([2.0], dtype="float64")
        opt.step()
        assert w.data[0] == pytest.approx(want, abs=1e-15)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [3.8])
    # Adam's first step moves each coordinate by lr * sign(g) (bias correction)
    w = ag.tensor([1.0, 1.0], dtype="float64", requires_grad=True)
    opt = optim.Adam([w], lr=0.01)
    w.grad = ag.tensor([3.0, -0.5], dtype="float64")
    opt.step()
    np.testing.assert_allclose(w.data, [0.99, 1.01], rtol=1e-9)
    assert opt.state[w]["step"] == 1


@pytest.mark.parametrize("cls, ref, kwargs", CASES[1::3], ids=lambda v: getattr(v, "__name__", ""))
def test_float32_stays_float32(cls, ref, kwargs):
    got, opt = run_optimizer(cls, kwargs, steps=6, dtype=np.float32)
    assert got.dtype == np.float32
    for state in opt.state.values():
        for k, v in state.items():
            assert k == "step" or v.dtype == np.float32
    np.testing.assert_allclose(got, run_reference(ref, kwargs, 6), rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda ps: optim.Adam(ps, amsgrad=True, weight_decay=0.1, maximize=True),
    lambda ps: optim.AdamW(ps),
    lambda ps: optim.RMSprop(ps, momentum=0.9, centered=True, weight_decay=0.1),
    lambda ps: optim.Adagrad(ps, weight_decay=0.1, lr_decay=0.1),
    lambda ps: optim.Adadelta(ps, weight_decay=0.1, maximize=True),
    lambda ps: optim.Adamax(ps, weight_decay=0.1),
    lambda ps: optim.NAdam(ps, weight_decay=0.1, decoupled_weight_decay=True),
    lambda ps: optim.RAdam(ps, weight_decay=0.1),
    lambda ps: optim.ASGD(ps, weight_decay=0.1, t0=1)])    # Rprop makes boolean masks
def test_steps_allocate_nothing_after_the_first(make):
    peak = step_peak(make, [(500, 400), (400,), (50, 500)])
    assert peak < 20_000, f"a step allocated {peak} bytes (the parameters hold 880 kB)"


def test_zero_grad_and_skipped_params():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    (a * a).sum().backward()
    opt.step()
    assert b.grad is None and b not in opt.state and a in opt.state
    np.testing.assert_array_equal(b.data, [3.0])
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and not a.grad.data.any()
    opt.zero_grad()
    assert a.grad is None


def test_step_with_closure():
    w = ag.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert w.data[0] == pytest.approx(1.0)


def test_step_marks_parameters_modified():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(GraphError, match="modified by SGD.step"):
        loss.backward()


def test_param_groups_and_add_param_group():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    a.grad, b.grad = ag.tensor([1.0]), ag.tensor([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    c = ag.tensor([0.0], requires_grad=True)
    opt.add_param_group({"params": [c], "momentum": 0.9})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="ordered"):
        optim.SGD([{"params": {a}}])
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(ValueError, match="leaf"):
        optim.Adam([a * 2])
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="invalid lr"):
        optim.RMSprop([a], lr=-1)


def _trained(cls, kwargs, steps, groups=False):
    rng = np.random.default_rng(1)
    ws = [ag.tensor(rng.standard_normal(s), dtype="float64", requires_grad=True)
          for s in [(3, 2), (2,), (4,)]]
    opt = cls([{"params": ws[:2]}, {"params": ws[2:], "lr": 0.03}] if groups else ws, **kwargs)
    for t in range(steps):
        for w in ws:
            w.grad = ag.tensor(np.cos(w.data * (t + 1)))
        opt.step()
    return ws, opt


@pytest.mark.parametrize("cls, kwargs", [
    (optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.1, amsgrad=True)),
    (optim.AdamW, dict(lr=0.1)), (optim.RMSprop, dict(momentum=0.5, centered=True))])
def test_state_dict_round_trip(cls, kwargs, tmp_path):
    import nn.serialization as ser
    ws, opt = _trained(cls, kwargs, 4, groups=True)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.03
    ser.save(sd, tmp_path / "opt.ckpt")
    loaded = ser.load(tmp_path / "opt.ckpt")

    ws2 = [ag.tensor(w.data.copy(), requires_grad=True) for w in ws]
    opt2 = cls([{"params": ws2[:2]}, {"params": ws2[2:]}], **kwargs)
    opt2.load_state_dict(loaded)
    assert opt2.param_groups[1]["lr"] == 0.03
    for t in range(3):
        for w, w2 in zip(ws, ws2):
            w.grad = ag.tensor(np.sin(w.data + t))
            w2.grad = ag.tensor(np.sin(w2.data + t))
        opt.step()
        opt2.step()
    for w, w2 in zip(ws, ws2):
        np.testing.assert_array_equal(w.data, w2.data)


def test_load_state_dict_checks_structure():
    ws, opt = _trained(optim.Adam, {}, 2)
    sd = opt.state_dict()
    other = optim.Adam(ws[:2])
    with pytest.raises(ValueError, match="group 0 has 3 parameters"):
        other.load_state_dict(sd)
    sd["state"][0]["exp_avg"] = np.zeros(7)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam(ws).load_state_dict(sd)


# --- schedulers --------------------------------------------------------------------------
def _opt(lrs=(0.1, 0.02)):
    return optim.SGD([{"params": [ag.tensor([0.0], requires_grad=True)], "lr": lr}
                      for lr in lrs], lr=lrs[0])


# (name, make(scheduler module, optimizer), closed form lr(base_lr, epoch))
SCHEDULES = [
    ("StepLR", lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
     lambda b, e: b * 0.5 ** (e // 3)),
    ("MultiStepLR", lambda S, o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.1),
     lambda b, e: b * 0.1 ** sum(m <= e for m in [2, 5, 5, 9])),
    ("ExponentialLR", lambda S, o: S.ExponentialLR(o, gamma=0.9),
     lambda b, e: b * 0.9 ** e),
    ("CosineAnnealingLR", lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
     lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 7)) / 2),
    ("LambdaLR", lambda S, o: S.LambdaLR(o, lambda e: 1 / (1 + e)),
     lambda b, e: b / (1 + e)),
    ("LinearLR", lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=4),
     lambda b, e: b * (0.25 + 0.5 * min(e, 4) / 4)),
]


@pytest.mark.parametrize("name, make, formula", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_scheduler_matches_closed_form(name, make, formula):
    opt = _opt()
    s = make(sched, opt)
    for epoch in range(25):
        want = [formula(b, epoch) for b in (0.1, 0.02)]
        assert s.last_epoch == epoch
        np.testing.assert_allclose(s.get_last_lr(), want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], want, rtol=1e-12,
                                   atol=1e-15)
        opt.step()
        s.step()


@pytest.mark.parametrize("name, make, formula", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_scheduler_resume_and_explicit_epoch(name, make, formula):
    opt = _opt()
    s = make(sched, opt)
    for _ in range(6):
        s.step()
    opt_sd, s_sd = opt.state_dict(), s.state_dict()
    assert "optimizer" not in s_sd and s_sd["last_epoch"] == 6
    opt2 = _opt(lrs=(5.0, 5.0))
    s2 = make(sched, opt2)       # as PyTorch: build both, then load both
    opt2.load_state_dict(opt_sd)
    s2.load_state_dict(s_sd)
    for _ in range(9):
        s.step()
        s2.step()
        assert s2.get_last_lr() == s.get_last_lr()
    s.step(3)
    np.testing.assert_allclose(s.get_last_lr(), [formula(b, 3) for b in (0.1, 0.02)], rtol=1e-12)


def test_scheduler_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(_opt(), step_size=2, last_epoch=4)


# --- gradient clipping and parameter vectors --------------------------------------------
def _with_grads(*grads):
    out = []
    for g in grads:
        p = ag.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = ag.tensor(np.array(g, dtype=np.float64))
        out.append(p)
    return out


def test_clip_grad_norm():
    ps = _with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad.data, [3 / (5 + 1e-6), 0.0])
    np.testing.assert_allclose(ps[1].grad.data, [[4 / (5 + 1e-6)]])
    ps = _with_grads([0.3, -0.4])
    assert clip_grad_norm_(ps, 10).item() == pytest.approx(0.5)
    np.testing.assert_allclose(ps[0].grad.data, [0.3, -0.4])
    ps = _with_grads([1.0, -7.0], [2.0])
    assert clip_grad_norm_(ps, 3.5, norm_type="inf").item() == 7.0
    np.testing.assert_allclose(ps[0].grad.data, [0.5, -3.5], rtol=1e-6)
    ps = _with_grads([1.0, -2.0], [3.0])
    assert clip_grad_norm_(ps, 100, norm_type=1).item() == 6.0


def test_clip_grad_norm_nonfinite_and_float32():
    ps = _with_grads([1.0, np.inf])
    with pytest.raises(NonFiniteNormError, match="non-finite|inf"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    p = ag.tensor(np.zeros(3, np.float32), requires_grad=True)
    p.grad = ag.tensor(np.array([3.0, 4.0, 0.0], np.float32))
    total = clip_grad_norm_([p], 1.0)
    assert total.dtype == np.float32 and p.grad.dtype == np.float32
    assert np.linalg.norm(p.grad.data) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_value():
    ps = _with_grads([0.5, -3.0, 2.0])
    clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.data, [0.5, -1.0, 1.0])


def test_parameters_to_vector_and_back():
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = ag.tensor([5.0], requires_grad=True)
    v = parameters_to_vector([a, b])
    np.testing.assert_array_equal(v.data, [1, 2, 3, 4, 5])
    (v * ag.tensor([1.0, 2, 3, 4, 5])).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[1, 2], [3, 4]])
    with ag.no_grad():
        vector_to_parameters(v * 2, [a, b])
    np.testing.assert_array_equal(a.data, [[2, 4], [6, 8]])
    np.testing.assert_array_equal(b.data, [10])
    with pytest.raises(ValueError, match="5 elements"):
        vector_to_parameters(ag.zeros(4), [a, b])


# --- PyTorch, where installed -------------------------------------------------------------
@pytest.mark.parametrize("cls, ref, kwargs", CASES + [(optim.AdamW, None, dict(lr=0.1))],
                         ids=[f"{c.__name__}-{'-'.join(k)}" for c, _, k in CASES] + ["AdamW"])
def test_matches_torch(cls, ref, kwargs):
    torch = pytest.importorskip("torch")
    w = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, cls.__name__)([w], **kwargs)
    for t in range(1, 13):
        w.grad = torch.tensor(grad_at(w.detach().numpy(), t))
        topt.step()
    got, _ = run_optimizer(cls, kwargs, steps=12)
    np.testing.assert_allclose(got, w.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, make, formula", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_scheduler_matches_torch(name, make, formula):
    torch = pytest.importorskip("torch")
    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, (0.1, 0.02))])
    tsched = make(torch.optim.lr_scheduler, topt)
    opt = _opt()
    s = make(sched, opt)
    for _ in range(25):
        assert s.get_last_lr() == tsched.get_last_lr()     # same formulas: identical floats
        topt.step()
        tsched.step()
        s.step()


# --- ReduceLROnPlateau, OneCycleLR, SequentialLR --------------------------------------------
PLATEAU_CASES = [      # (kwargs, metrics, lr of group 0 after each step), traced by hand
    (dict(factor=0.5, patience=2), [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8],
     [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025]),
    (dict(factor=0.5, patience=0, cooldown=1), [1.0] * 6, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]),
    (dict(factor=0.5, patience=0, cooldown=1, min_lr=[0.03, 0.0]), [1.0] * 6,
     [0.1, 0.05, 0.05, 0.03, 0.03, 0.03]),
    (dict(mode="max", factor=0.5, patience=0, threshold=0.5, threshold_mode="abs"),
     [1.0, 1.4, 1.6, 2.2, 2.6], [0.1, 0.05, 0.05, 0.05, 0.025]),
    (dict(factor=0.5, patience=0, threshold=0.1), [1.0, 0.95, 0.85], [0.1, 0.05, 0.05]),
    (dict(factor=0.5, patience=0, eps=0.06), [1.0, 1.0, 1.0], [0.1, 0.1, 0.1]),
]


@pytest.mark.parametrize("kwargs, metrics, lrs", PLATEAU_CASES)
def test_reduce_lr_on_plateau_by_hand(kwargs, metrics, lrs):
    opt = _opt()
    s = sched.ReduceLROnPlateau(opt, **kwargs)
    assert s.get_last_lr() == [0.1, 0.02]                   # construction leaves the lr alone
    for epoch, (m, want) in enumerate(zip(metrics, lrs), 1):
        s.step(ag.tensor(m))                                # a 0-d tensor or a float
        assert s.last_epoch == epoch
        assert s.get_last_lr()[0] == pytest.approx(want, rel=1e-12)
        assert opt.param_groups[0]["lr"] == s.get_last_lr()[0]


def test_reduce_lr_on_plateau_errors():
    with pytest.raises(ValueError, match="factor"):
        sched.ReduceLROnPlateau(_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        sched.ReduceLROnPlateau(_opt(), mode="lowest")
    with pytest.raises(ValueError, match="threshold_mode"):
        sched.ReduceLROnPlateau(_opt(), threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 values for min_lr"):
        sched.ReduceLROnPlateau(_opt(), min_lr=[0.1])
    with pytest.raises(TypeError, match="not an Optimizer"):
        sched.ReduceLROnPlateau([ag.tensor([1.0])])


def _one_cycle_cos(k, top=1.0, total=20, pct=0.3):
    lo, end = top / 25, top / 25 / 1e4
    up = pct * total - 1
    if k <= up:
        return top + (lo - top) / 2 * (1 + math.cos(math.pi * k / up))
    return end + (top - end) / 2 * (1 + math.cos(math.pi * (k - up) / (total - 1 - up)))


def _one_cycle_three_phase_linear(k, top=1.0):      # total 20, pct_start 0.25, div 10, final 100
    lo, end = top / 10, top / 10 / 100
    if k <= 4:
        return lo + (top - lo) * k / 4
    if k <= 8:
        return top + (lo - top) * (k - 4) / 4
    return lo + (end - lo) * (k - 8) / 11


def test_one_cycle_closed_forms_and_momentum():
    opt = _opt()
    s = sched.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=20)
    for k in range(20):
        np.testing.assert_allclose(s.get_last_lr(), [_one_cycle_cos(k), _one_cycle_cos(k, 0.5)],
                                   rtol=1e-12)
        pct = k / 5 if k <= 5 else (k - 5) / 14           # momentum runs against the lr
        lo, hi = (0.95, 0.85) if k <= 5 else (0.85, 0.95)
        assert opt.param_groups[0]["momentum"] == pytest.approx(
            hi + (lo - hi) / 2 * (1 + math.cos(math.pi * pct)))
        opt.step()
        s.step()
    with pytest.raises(ValueError, match="total_steps is 20"):
        s.step()
    opt = _opt()
    s = sched.OneCycleLR(opt, max_lr=1.0, epochs=4, steps_per_epoch=5, pct_start=0.25,
                         anneal_strategy="linear", three_phase=True, div_factor=10.0,
                         final_div_factor=100.0, cycle_momentum=False)
    for k in range(20):
        assert s.get_last_lr()[0] == pytest.approx(_one_cycle_three_phase_linear(k), rel=1e-12)
        assert opt.param_groups[0]["momentum"] == 0
        s.step()
    adam = optim.Adam([ag.tensor([0.0], requires_grad=True)], betas=(0.9, 0.99))
    sched.OneCycleLR(adam, max_lr=0.1, total_steps=10)
    assert adam.param_groups[0]["betas"] == (0.95, 0.99)


def test_one_cycle_errors():
    with pytest.raises(ValueError, match="total_steps, or epochs and steps_per_epoch"):
        sched.OneCycleLR(_opt(), max_lr=1.0)
    with pytest.raises(ValueError, match="total_steps must be a positive int"):
        sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="pct_start"):
        sched.OneCycleLR(_opt(), max_lr=1.0, total_steps=5, pct_start=1.5)


def _warmup_then_decay(S, o):
    return S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4),
                              S.ExponentialLR(o, gamma=0.9)], milestones=[5])


def test_sequential_lr_closed_form_and_errors():
    opt = _opt()
    s = _warmup_then_decay(sched, opt)
    for e in range(15):
        f = 0.1 + 0.9 * min(e, 4) / 4 if e < 5 else 0.9 ** (e - 5)
        np.testing.assert_allclose(s.get_last_lr(), [0.1 * f, 0.02 * f], rtol=1e-12)
        assert s.last_epoch == e
        s.step()
    opt = _opt()
    other = _opt()
    with pytest.raises(ValueError, match="one fewer than the schedulers"):
        sched.SequentialLR(opt, [sched.StepLR(opt, 2), sched.StepLR(opt, 3)], milestones=[])
    with pytest.raises(ValueError, match="another optimizer"):
        sched.SequentialLR(opt, [sched.StepLR(opt, 2), sched.StepLR(other, 3)], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        sched.SequentialLR(opt, [sched.ReduceLROnPlateau(opt)], milestones=[])


PLATEAU_METRICS = [5, 4, 4.5, 4.2, 4.1, 4, 4, 3.99999, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2] * 2
# (name, make(scheduler module, optimizer), optimizer class, metric per step or None)
NEW_SCHEDULES = [
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, patience=2, factor=0.5),
     "SGD", PLATEAU_METRICS),
    ("ReduceLROnPlateau-abs-cooldown", lambda S, o: S.ReduceLROnPlateau(
        o, patience=1, cooldown=2, threshold_mode="abs", threshold=0.5, min_lr=[0.01, 0.001]),
     "SGD", PLATEAU_METRICS),
    ("ReduceLROnPlateau-max", lambda S, o: S.ReduceLROnPlateau(o, mode="max", patience=0),
     "SGD", [-m for m in PLATEAU_METRICS]),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=40), "SGD", None),
    ("OneCycleLR-three-phase-linear", lambda S, o: S.OneCycleLR(
        o, max_lr=[1.0, 0.5], epochs=5, steps_per_epoch=8, anneal_strategy="linear",
        three_phase=True), "SGD", None),
    ("OneCycleLR-Adam", lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=40,
                                                  pct_start=0.25), "Adam", None),
    ("SequentialLR", _warmup_then_decay, "SGD", None),
    ("SequentialLR-three", lambda S, o: S.SequentialLR(
        o, [S.StepLR(o, 2, 0.5), S.LambdaLR(o, lambda e: 1 / (1 + e)),
            S.CosineAnnealingLR(o, T_max=6)], milestones=[3, 7]), "SGD", None),
]


def _group_momentum(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _step(s, metrics, i):
    if metrics is None:
        s.step()
    else:
        s.step(metrics[i])


@pytest.mark.parametrize("name, make, opt_name, metrics", NEW_SCHEDULES,
                         ids=[c[0] for c in NEW_SCHEDULES])
def test_new_scheduler_resumes_from_state_dict(name, make, opt_name, metrics):
    def build():
        params = [ag.tensor([0.0], requires_grad=True) for _ in range(2)]
        opt = getattr(optim, opt_name)([{"params": [p], "lr": lr}
                                        for p, lr in zip(params, (0.1, 0.02))])
        return opt, make(sched, opt)
    opt, s = build()
    for i in range(13):
        _step(s, metrics, i)
    opt_sd, s_sd = opt.state_dict(), s.state_dict()
    assert "optimizer" not in s_sd
    opt2, s2 = build()
    opt2.load_state_dict(opt_sd)
    s2.load_state_dict(s_sd)
    for i in range(13, 39):
        _step(s, metrics, i)
        _step(s2, metrics, i)
        assert s2.get_last_lr() == s.get_last_lr()
        assert _group_momentum(opt2) == _group_momentum(opt)


@pytest.mark.parametrize("name, make, opt_name, metrics", NEW_SCHEDULES,
                         ids=[c[0] for c in NEW_SCHEDULES])
def test_new_scheduler_matches_torch(name, make, opt_name, metrics):
    torch = pytest.importorskip("torch")
    tparams = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    topt = getattr(torch.optim, opt_name)([{"params": [p], "lr": lr}
                                           for p, lr in zip(tparams, (0.1, 0.02))])
    tsched = make(torch.optim.lr_scheduler, topt)
    params = [ag.tensor([0.0], requires_grad=True) for _ in range(2)]
    opt = getattr(optim, opt_name)([{"params": [p], "lr": lr}
                                    for p, lr in zip(params, (0.1, 0.02))])
    s = make(sched, opt)
    for i in range(39):
        np.testing.assert_allclose(s.get_last_lr(), tsched.get_last_lr(), rtol=1e-13, atol=0)
        np.testing.assert_allclose(_group_momentum(opt), _group_momentum(topt), rtol=1e-13)
        topt.step()
        _step(tsched, metrics, i)
        _step(s, metrics, i)
