"""ag.compile replays an optimizer step as its numpy calls (no Python step() call), with
the learning rate, momentum, betas, step counts and bias corrections as per-step inputs:
each is recomputed by the optimizer's ``_numbers`` on every replay, never a constant.
Bit for bit equal to eager; a change of branch (a hyperparameter becoming zero) retraces;
an optimizer whose update the replay cannot follow is called as Python."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import CALLS, batches, check_twins, mlp, train_step, watched


def program_of(f):
    (entry,) = [e for e in f.programs.values() if not isinstance(e, str)]
    return entry.program


def inlined(f):
    """True if the program runs the optimizer's numpy calls itself (no step() call)."""
    code = program_of(f).code
    hosts = [ins[1].__qualname__ for ins in code if ins[0] == "host"]
    return "Optimizer.step" not in hosts and any(ins[0] == "numbers" for ins in code)


OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "nesterov-wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "dampening-maximize": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.1,
                                              maximize=True),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "adam-wd-amsgrad": lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2, amsgrad=True),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2),
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-2),
    "rmsprop-centered": lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.9, centered=True,
                                                weight_decay=1e-3),
    # ints are numbers too (optimizer.floats): every parameter's 1 is the same object
    "sgd-ints": lambda p: optim.SGD(p, lr=1, momentum=1, weight_decay=1),
    "adam-ints": lambda p: optim.Adam(p, lr=1e-2, weight_decay=1),
    "rmsprop-ints": lambda p: optim.RMSprop(p, lr=1e-2, weight_decay=1),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_is_replayed_as_numpy_calls(name):
    def build():
        model = mlp()
        opt = OPTIMIZERS[name](model.parameters())
        return train_step(model, opt), watched(model, opt)
    f = check_twins(build)
    assert inlined(f)


@pytest.mark.parametrize("make", [
    lambda o: sched.OneCycleLR(o, 0.2, total_steps=20),        # lr and betas every step
    lambda o: sched.OneCycleLR(o, 0.2, total_steps=9, three_phase=True),
    lambda o: sched.ExponentialLR(o, 0.7),
], ids=["onecycle", "three-phase", "exponential"])
def test_adam_under_a_schedule_never_retraces(make):
    def build():
        model = mlp()
        opt = optim.AdamW(model.parameters(), lr=1e-2)
        return train_step(model, opt, scheduler=make(opt)), watched(model, opt)
    f = check_twins(build)
    assert f.traces == 1 and inlined(f)


def test_momentum_cycled_by_onecycle_is_an_input():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        schedule = sched.OneCycleLR(opt, 0.3, total_steps=20)
        return train_step(model, opt, scheduler=schedule), watched(model, opt)
    f = check_twins(build)
    assert f.traces == 1 and inlined(f)


@pytest.mark.parametrize("name,key,value", [
    ("momentum", "momentum", 0.0), ("sgd", "weight_decay", 0.01), ("momentum", "dampening", 0.2),
    ("sgd", "maximize", True), ("adam", "weight_decay", 0.01), ("adam", "amsgrad", True),
    ("adamw", "weight_decay", 0.0), ("rmsprop", "momentum", 0.5), ("rmsprop", "centered", True),
    ("adam", "betas", (0.5, 0.9)), ("rmsprop", "alpha", 0.5), ("momentum", "lr", 0.0),
], ids=lambda v: str(v))
def test_a_hyperparameter_changed_between_steps(name, key, value):
    """Set in the group from outside the compiled step (as a user or a scheduler does):
    a new branch retraces, a new value is an input; eager's bits either way."""
    def build():
        model = mlp()
        opt = OPTIMIZERS[name](model.parameters())
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            env["opts"][0].param_groups[0][key] = value
    f = check_twins(build, calls=9, between=between, replays=5)
    branch = key in ("momentum", "weight_decay", "dampening", "maximize", "amsgrad", "centered")
    assert f.traces == (2 if branch else 1)


def test_state_made_while_tracing_traces_again():
    """warmup=0: the traced call is Adam's first step, which makes its state; the next
    call is traced again from the made state (the first trace is not kept), then replays."""
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    f = check_twins(build, warmup=0)
    assert f.traces == 1 and f.replays == CALLS - 2 and inlined(f)
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    f = ag.compile(train_step(model, opt), warmup=0)
    f(*batches(1)[0])
    assert f.traces == 0 and all(type(st["momentum_buffer"]) is np.ndarray
                                 for st in opt.state.values())


def test_replacing_one_parameters_state_retraces():
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    f = ag.compile(train_step(model, opt))
    data = batches(6)
    for x, y in data[:3]:
        f(x, y)
    p = next(iter(model.parameters()))
    opt.state[p] = {"momentum_buffer": np.zeros_like(p.data)}
    for x, y in data[3:]:
        f(x, y)
    assert f.traces == 2


class _HandSGD(optim.SGD):
    """An _update of its own, with a number not from _numbers: replayed as Python."""

    def _update(self, group, params):
        for p in params:
            p.data -= group["lr"] * p.grad.data


class _StrayNumber(optim.SGD):
    """_numbers and _branches of its own, but one number passed to numpy is computed in
    _update: recording sees it and falls back to a Python call."""

    def _update(self, group, params):
        neg_lr = self._numbers(group)[0]
        for p in params:
            p.data += np.multiply(p.grad.data, neg_lr * 0.5)

    _numbers = optim.SGD._numbers
    _branches = optim.SGD._branches


@pytest.mark.parametrize("opt_cls", [_HandSGD, _StrayNumber])
def test_an_update_the_replay_cannot_follow_is_called_as_python(opt_cls):
    """An _update of its own, or a number passed to numpy that is not from _numbers: the
    step is still twin-exact, and the optimizer is called as Python, not inlined."""
    def build():
        model = mlp()
        opt = opt_cls(model.parameters(), lr=0.1)
        schedule = sched.ExponentialLR(opt, 0.5)
        return train_step(model, opt, scheduler=schedule), watched(model, opt)
    f = check_twins(build)
    assert not inlined(f)


def test_a_closure_is_called_as_python():
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = batches(1)[0]

    def step(x, y):
        def closure():
            return F.cross_entropy(model(x), y)
        return opt.step(closure)
    f = ag.compile(step, strict=True)
    with pytest.raises(ag.jit.Escape, match="closure"):
        for _ in range(3):
            f(x, y)


def test_relu_backward_is_recorded_as_eager_runs_it():
    """Gradgraph's code sees traced arrays as ndarrays: ReLU's backward records eager's
    integer select, not the np.where fallback of a non-array gradient (~25% slower)."""
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    f = ag.compile(train_step(model, opt))
    for x, y in batches(4):
        f(x, y)
    calls = [ins[1] for ins in program_of(f).code if ins[0] == "call"]
    assert np.where not in calls and any(getattr(c, "__name__", "") == "multiply" for c in calls)
