"""ag.compile against its issue's list, item by item, where the other compile tests left
a gap: every scheduler, hyperparameters changed by the user every step, each construct
that cannot be replayed (warning, and a raise under strict), each retrace trigger on its
own, the decorator and warmup forms, randomness drawn inside the step, the layers' and
losses' options, and what a step returns. Twin runs as in test_compile_adversarial."""
import re
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import Escape
from nn import optim
from nn.optim import lr_scheduler as sched
from nn.optim.lr_cycles import CosineAnnealingWarmRestarts, CyclicLR
from test_compile_adversarial import basic, data, flat, mlp, same, state_of, train, twin


def _with_schedule(make_sched, make_opt=lambda p: optim.SGD(p, lr=0.1, momentum=0.9)):
    def build():
        model = mlp()
        opt = make_opt(model.parameters())
        s = make_sched(opt)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            s.step()
            return loss
        return step, {"models": [model], "opts": [opt]}
    return build


# --- every scheduler: the lr (and momentum) are inputs, never a retrace ------------------
SCHEDULERS = {
    "multiplicative": lambda o: sched.MultiplicativeLR(o, lambda e: 0.9),
    "constant": lambda o: sched.ConstantLR(o, 0.5, total_iters=3),
    "polynomial": lambda o: sched.PolynomialLR(o, total_iters=6, power=2.0),
    "chained": lambda o: sched.ChainedScheduler([sched.ConstantLR(o, 0.5, total_iters=3),
                                                 sched.ExponentialLR(o, 0.9)]),
    "warm-restarts": lambda o: CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "cyclic": lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "cyclic-exp-range": lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range",
                                           gamma=0.9),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_every_scheduler_without_retrace(name):
    f = twin(_with_schedule(SCHEDULERS[name]), calls=9, replays=6)
    assert f.traces == 1


def test_cyclic_lr_cycles_adam_beta1_without_retrace():
    f = twin(_with_schedule(lambda o: CyclicLR(o, 1e-3, 1e-2, step_size_up=2),
                            lambda p: optim.Adam(p, lr=1e-2)), calls=9, replays=6)
    assert f.traces == 1


def test_reduce_lr_on_plateau_stepped_between_calls():
    def between(i, env):
        if i:
            env["plateau"].step(1.0)            # never improves: the lr falls every 2 calls
    def build():
        step, env = basic()()
        env["plateau"] = sched.ReduceLROnPlateau(env["opts"][0], factor=0.5, patience=1)
        return step, env
    f = twin(build, between=between, calls=9, replays=6)
    assert f.traces == 1


def test_reduce_lr_on_plateau_stepped_inside_with_the_loss():
    """The metric is this step's loss: a replay would pass the trace's tensor to the
    Python call, whose buffer the program reuses (the reductions were decided from
    stale values, silently): the step runs eagerly with a warning."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        plateau = sched.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.05)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            plateau.step(loss.detach() * 3.0 + 1.0)
            return loss
        return step, {"models": [model], "opts": [opt]}
    twin(build, args=lambda i, env: data(i % 3), calls=12, warns="ReduceLROnPlateau.step")


# --- Python numbers changed by the user every step: inputs, never a retrace ---------------
@pytest.mark.parametrize("make_opt,key,values", [
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "lr", (0.1, 0.05, 0.2)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "momentum", (0.9, 0.5, 0.7)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1), "dampening", (0.1, 0.3, 0.2)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
     "weight_decay", (1e-2, 3e-2, 1e-3)),
    (lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2), "weight_decay", (1e-2, 5e-2, 2e-3)),
    (lambda p: optim.Adam(p, lr=1e-2), "betas", ((0.9, 0.999), (0.8, 0.99), (0.95, 0.9))),
    (lambda p: optim.Adam(p, lr=1e-2), "eps", (1e-8, 1e-3, 1e-6)),
    (lambda p: optim.AdamW(p, lr=1e-2), "weight_decay", (1e-2, 0.1, 0.05)),
    (lambda p: optim.AdamW(p, lr=1e-2, amsgrad=True), "lr", (1e-2, 3e-3, 2e-2)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, weight_decay=1e-3), "alpha",
     (0.99, 0.9, 0.95)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, weight_decay=1e-3), "weight_decay",
     (1e-3, 1e-2, 5e-3)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True), "momentum",
     (0.5, 0.9, 0.2)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_hyperparameter_changed_every_step_never_retraces(make_opt, key, values):
    def between(i, env):
        for g in env["opts"][0].param_groups:
            g[key] = values[i % len(values)]
    f = twin(basic(make_opt), between=between, calls=9, replays=6)
    assert f.traces == 1


def test_adam_step_count_is_an_input():
    """Adam's bias corrections change every step; its per-parameter step count is eager's."""
    f = twin(basic(lambda p: optim.Adam(p, lr=1e-2)), calls=12, replays=9)
    assert f.traces == 1


# --- constructs that cannot be replayed: one warning naming it, or a raise under strict ----
def _construct_step(construct):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            if construct == "nonzero":
                z = z[np.nonzero((y == 0).data)[0].sum() * 0:]
            elif construct == "np.nonzero-dispatch":
                rows = np.nonzero(y == 0)[0]
                z = z * float(len(rows) >= 0)
            elif construct == "argwhere":
                z = z * (np.argwhere((y == 1).data).size * 0 + 1)
            elif construct == "float":
                z = z * float(z.mean() > -1e9)
            elif construct == "int":
                z = z[: int(y[0]) % 2 + 7]
            loss = F.cross_entropy(z, y[: z.shape[0]])
            loss.backward()
            opt.step()
            return loss
        return step, {"models": [model], "opts": [opt]}
    return build


CONSTRUCTS = {"nonzero": "np.nonzero", "np.nonzero-dispatch": "nonzero",
              "argwhere": "np.argwhere", "float": "float(tensor)", "int": "int(tensor)"}


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_a_construct_that_cannot_be_replayed_warns_once(construct):
    f = twin(_construct_step(construct), warns=re.escape(CONSTRUCTS[construct]))
    assert f.replays == 0


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_a_construct_that_cannot_be_replayed_raises_under_strict(construct):
    step, _ = _construct_step(construct)()
    f = ag.compile(step, strict=True)
    f(*data(0))
    with pytest.raises(Escape, match="cannot be replayed"):
        f(*data(1))


def test_a_tensor_as_a_slice_bound_is_a_guard():
    """z[:n] with n a tensor: the bound was read inside numpy's call, so a replay kept
    the traced bound (a wrong loss, silently, once n changed); now a guard: the step
    runs eagerly when n differs from the trace's, and then traces again."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            n = y[0].clamp(3, 4) + 4                # 7 or 8 rows
            loss = F.cross_entropy(z[:n], y[:n]) + z.narrow(0, 0, n).sum() * 1e-3
            loss.backward()
            opt.step()
            return loss
        return step, {"models": [model], "opts": [opt]}
    ns = [int(data(i)[1].data[0].clip(3, 4)) + 4 for i in range(10)]
    assert len(set(ns[2:])) == 2, ns                  # the bound changes after the trace
    f = twin(build, calls=10)
    assert f.replays >= 3


# --- what a step returns ------------------------------------------------------------------
def test_a_returned_python_number_runs_eagerly_with_a_warning():
    """A replay cannot recompute a Python number (here the learning rate a schedule
    changes every step): it returned the traced value, silently."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        s = sched.ExponentialLR(opt, 0.5)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            s.step()
            return {"loss": loss, "lr": opt.param_groups[0]["lr"], "last": s.get_last_lr()}
        return step, {"models": [model], "opts": [opt]}
    f = twin(build, warns=r"returns a Python number \(float 0\.0\d+\)")
    assert f.replays == 0


def test_returned_tensors_are_fresh_and_detached():
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            loss = F.cross_entropy(z, y)
            loss.backward()
            opt.step()
            return loss, z, None, "tag"
        return step, {"models": [model], "opts": [opt]}
    f = twin(build, replays=3)
    step, env = build()
    f = ag.compile(step)
    outs = [f(*data(i)) for i in range(5)]
    arrays = [t.data for o in outs[2:] for t in o[:2]]
    assert all(not np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])
    params = [p.data for p in env["models"][0].parameters()]
    params += [p.grad.data for p in env["models"][0].parameters()]
    assert all(not np.shares_memory(a, p) for a in arrays for p in params)
    assert all(not t.requires_grad and t.grad_fn is None for o in outs[2:] for t in o[:2])
    assert outs[-1][2:] == (None, "tag")
