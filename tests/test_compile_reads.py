"""Python values a compiled step reads that a replay would freeze: each is either an
input of the program, a value it assumes (a change traces again), or a fallback with a
warning. Twin runs against eager (compile_twins.check_twins)."""
import copy

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import replayed
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import batch, check_twins, mlp, train_step, watched


# --- optimizer state read by the step itself -----------------------------------------------
def _reads_the_step_count(make_opt, read):
    def build():
        model = mlp()
        opt = make_opt(model.parameters())
        first = model[0].weight

        def step(x, y):
            opt.zero_grad()
            count = read(opt.state.get(first, {}))
            warm = min(1.0, (count + 1) / 4)          # a warm-up factor from Adam's count
            loss = F.cross_entropy(model(x), y) * warm
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    return build


@pytest.mark.parametrize("read", [lambda st: st.get("step", 0),
                                  lambda st: st["step"] if "step" in st else 0,
                                  lambda st: dict(st).get("step", 0)],
                         ids=["get", "getitem", "copy"])
def test_the_optimizer_step_count_read_by_the_step_is_assumed(read):
    """Adam's count changes every step: a replay used the traced count (the warm-up
    factor frozen, silently); now each change traces again, then past max_programs the
    step runs eagerly with a warning."""
    f = check_twins(_reads_the_step_count(lambda p: optim.Adam(p, lr=1e-2), read), calls=8,
                    max_programs=3, warns="max_programs=3")
    assert f.replays == 0


def test_the_optimizer_reading_its_own_count_never_retraces():
    f = check_twins(lambda: (lambda m, o: (train_step(m, o), watched(m, o)))(
        *(lambda m: (m, optim.Adam(m.parameters(), lr=1e-2)))(mlp())), calls=10, replays=8)
    assert f.traces == 1


def test_an_optimizer_default_read_by_the_step_is_assumed():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * opt.defaults["lr"]
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def between(i, env):
        if i == 5:
            env["opts"][0].defaults["lr"] = 0.3
    f = check_twins(build, calls=9, between=between, replays=5)
    assert f.traces == 2


# --- group and scheduler values read through a copy -------------------------------------------
COPIES = {
    "dict": lambda g: dict(g)["lr"],
    "unpack": lambda g: {**g}["lr"],
    "values": lambda g: [v for v in g.values() if type(v) is float][0],
    "items": lambda g: dict(g.items())["lr"],
    "copy.copy": lambda g: copy.copy(g)["lr"],
    "deepcopy": lambda g: copy.deepcopy({k: v for k, v in g.items() if k != "params"})["lr"],
    "method": lambda g: g.copy()["lr"],
    "or": lambda g: (g | {})["lr"],
    "iterate": lambda g: [g[k] for k in g if k == "lr"][0],
}


def _reads_a_copy(read, make_sched):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        s = make_sched(opt)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * (1 + read(opt.param_groups[0]))
            loss.backward()
            opt.step()
            s.step()
            return loss
        return step, watched(model, opt)
    return build


@pytest.mark.parametrize("how", list(COPIES))
def test_a_group_value_read_through_a_copy_is_assumed(how):
    """A copy of the group was read without the watcher's sight: a replay used the
    traced lr (silently). A schedule halving it every step: a trace per step, then eager."""
    f = check_twins(_reads_a_copy(COPIES[how], lambda o: sched.ExponentialLR(o, 0.5)),
                    calls=8, max_programs=3, warns="max_programs=3")
    assert f.replays == 0


@pytest.mark.parametrize("how", ["dict", "values", "copy.copy"])
def test_a_group_copy_replays_while_its_values_hold(how):
    f = check_twins(_reads_a_copy(COPIES[how], lambda o: sched.StepLR(o, 4, gamma=0.5)),
                    calls=11, replays=7)
    assert f.traces == 3


SCHEDULER_COPIES = {
    "vars": lambda s: vars(s)["last_epoch"],
    "__dict__": lambda s: dict(s.__dict__)["last_epoch"],
    "state_dict": lambda s: s.state_dict()["last_epoch"],
    "copy.copy": lambda s: copy.copy(s).last_epoch,
}


@pytest.mark.parametrize("how", list(SCHEDULER_COPIES))
def test_a_scheduler_value_read_through_a_copy_is_assumed(how):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        s = sched.StepLR(opt, 3, gamma=0.5)

        def step(x, y):
            opt.zero_grad()
            epoch = SCHEDULER_COPIES[how](s)
            loss = F.cross_entropy(model(x), y) * (1 + min(epoch, 5))
            loss.backward()
            opt.step()
            s.step()
            return loss
        return step, watched(model, opt)
    f = check_twins(build, calls=8, max_programs=3, warns="max_programs=3")
    assert f.replays == 0


# --- tensors nested in the arguments of a call a replay makes as Python ------------------
class _MeanPlateau(sched.ReduceLROnPlateau):
    """A user's scheduler stepped with the losses of the step (a list, a dict)."""

    @replayed
    def step(self, losses):
        values = list(_leaves(losses))
        super().step(sum(float(v) for v in values) / len(values))


def _leaves(x):
    if isinstance(x, (list, tuple, dict)):
        for v in (x.values() if isinstance(x, dict) else x):
            yield from _leaves(v)
    else:
        yield x


@pytest.mark.parametrize("wrap", [lambda t: [t], lambda t: (t, t), lambda t: {"loss": t},
                                  lambda t: [{"a": (t,)}]], ids=["list", "tuple", "dict", "nested"])
def test_a_tensor_nested_in_a_replayed_calls_arguments_runs_eagerly(wrap):
    """The replay handed the call the trace's tensor, whose buffer the program reuses
    (the plateau decided from stale losses, silently): eager with a warning."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        plateau = _MeanPlateau(opt, factor=0.5, patience=0, threshold=0.05)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            plateau.step(wrap(loss.detach() * 3.0 + 1.0))
            return loss
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i % 3), calls=10, warns="traced arguments")


# --- errors: the same type and message compiled as eager ------------------------------------
@pytest.mark.parametrize("num_classes", [ag.tensor(5), ag.tensor(5.0), 5.0, "5"],
                         ids=["int-tensor", "float-tensor", "float", "str"])
def test_one_hot_refuses_a_num_classes_that_is_not_an_int(num_classes):
    def build():
        def step(x, y):
            return F.one_hot(y, num_classes)
        return step, watched()
    eager = pytest.raises(TypeError, match="num_classes")
    with eager:
        build()[0](*batch(0))
    check_twins(build, calls=4, raises=(TypeError,), replays=0)


def test_one_hot_with_an_int_num_classes_replays():
    check_twins(lambda: ((lambda x, y: F.one_hot(y, 5) * 2), watched()), calls=5)


def test_a_numpy_call_on_an_array_and_a_tensor_is_the_tensors():
    """``x.data * w``: numpy hands the call to the Tensor (its __array_ufunc__), as eager
    does, rather than recording a call whose result is a Tensor (AttributeError)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        w = ag.tensor(np.float32(0.5))

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) + (x.data * w).mean() + np.add(x.data, w).sum()
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, calls=5)
