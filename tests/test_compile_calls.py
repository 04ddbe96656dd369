"""ag.compile's per-call decisions (step.py, discover.State): one generated check per
program covers everything it assumes, a failed guard is handled the same way in checked
and plain replays."""
import collections
import dataclasses
import re
import warnings

import numpy as np
import pytest
from numpy import asarray

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import Escape
from autograd.jit.discover import discover
from autograd.jit.step import RETRACES
from compile_twins import (assert_same, batch, check_twins, flat, mlp, mlp_and_opt,
                           train_step, watched)
from nn import optim
from nn.optim import lr_scheduler as sched
from nn.data import DataLoader, TensorDataset
from test_compile_adversarial import basic
from test_compile_aliasing import _SHARING, _raises_under_strict, _twin
from test_compile_audit import _reads_lr, _reads_the_scheduler
from test_compile_fallbacks import _labels_alternating, _one_hot_guard


READ = "an optimizer's (param group, state, defaults) or scheduler's value the step reads changed"


def _traced(build):
    """The compiled step of build() after its warm-up and traced calls, its env and its
    program's entry."""
    ag.manual_seed(0)
    step, env = build()
    f = ag.compile(step)
    f(*batch(0))
    f(*batch(1))
    (entry,) = f.programs.values()
    return f, env, entry


def test_the_values_read_from_param_groups_are_in_the_generated_check():
    """A param group's value the step read is tested by State.stale() itself (one
    generated function), with the retrace reason the max_programs warning counts."""
    f, env, entry = _traced(_reads_lr(lambda o: None))
    assert entry.state.stale() is None
    env["opts"][0].param_groups[0]["lr"] = 0.25
    assert entry.state.stale().startswith(READ)
    env["opts"][0].param_groups[0]["lr"] = 0.5      # the traced value again: it holds
    assert entry.state.stale() is None
    del env["opts"][0].param_groups[0]["lr"]        # a key removed: stale, no KeyError
    assert entry.state.stale().startswith(READ)


def test_the_values_read_from_schedulers_are_in_the_generated_check():
    """get_last_lr() of StepLR(step_size=3) holds for two calls after the trace, then
    moves; last_epoch, read by a step that steps the scheduler, has moved already."""
    f, env, entry = _traced(_reads_the_scheduler("get_last_lr"))
    assert entry.state.stale() is None
    env["opts"][0].step()
    entry.watched[2][0].step()
    assert entry.state.stale().startswith(READ)
    f, env, entry = _traced(_reads_the_scheduler("last_epoch"))
    assert entry.state.stale().startswith(READ)


def test_a_guard_failing_in_checked_calls_is_handled_as_in_replays():
    """check=k: a guard that fails on every checked call drops the program and, failing
    again, ends in eager with the 'changes from step to step' warning, as in replays
    (it ran eagerly on every call, silently retrying the same program)."""
    f = check_twins(basic(loss_fn=_one_hot_guard), calls=8, check=8,
                    args=lambda i, env: _labels_alternating(i),
                    warns=r"read at functional\.py:\d+ \(called at test_compile_fallbacks\.py:\d+\) "
                          r"changes from step to step")
    assert f.traces == 2 and f.replays == 0


# --- tensors in tuples, lists and dicts: inputs, keyed by structure ----------------------
Pair = collections.namedtuple("Pair", "x y")

PACKS = {
    "list": lambda x, y: ([x, y],),                 # what a DataLoader gives
    "tuple": lambda x, y: ((x, y),),
    "dict": lambda x, y: ({"x": x, "y": y},),
    "namedtuple": lambda x, y: (Pair(x, y),),
    "nested": lambda x, y: (((x,), [y], 3),),
}


def _unpack(batch):
    if isinstance(batch, dict):
        return batch["x"], batch["y"]
    if type(batch) is tuple and type(batch[0]) is tuple:
        return batch[0][0], batch[1][0]
    return batch[0], batch[1]


def _batch_step():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(batch, scale=1.0):
        x, y = _unpack(batch)
        opt.zero_grad()
        loss = F.cross_entropy(model(x) * scale, y)
        loss.backward()
        opt.step()
        return loss
    return step, watched(model, opt)


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_tensors_in_containers_are_inputs(pack):
    """step((x, y)) traced on every call (the tensors were part of the key, by identity)
    up to max_programs, and step([x, y]) ran eagerly (unhashable); now their tensors are
    inputs and every call after the trace replays, bit for bit with eager."""
    f = check_twins(_batch_step, args=lambda i, env: PACKS[pack](*batch(i)))
    assert f.traces == 1


def test_a_dataloader_loop_replays():
    """for batch in loader: step(batch) (a list [x, y] per batch), twice over the data:
    one trace, bit for bit with eager; the final short batch is one more signature."""
    rng = np.random.default_rng(5)
    data = TensorDataset(ag.tensor(rng.standard_normal((44, 12)).astype(np.float32)),
                         ag.tensor(rng.integers(0, 5, 44)))
    batches = list(DataLoader(data, batch_size=8, shuffle=True, seed=1)) * 2
    assert type(batches[0]) is list and len(batches[-1][0]) == 4
    f = check_twins(_batch_step, calls=len(batches), args=lambda i, env: (batches[i],),
                    replays=len(batches) - 4)
    assert f.traces == 2, f.traces


def test_containers_are_keyed_by_structure_shape_and_values():
    ag.manual_seed(0)
    step, _ = _batch_step()
    f = ag.compile(step)
    x, y = batch(0)
    calls = [((x, y),),             # the warm-up
             ((x, y),), ([x, y],), ((x, y),), ((x, y), 0.5), (batch(1, b=4),),
             ({"x": x, "y": y},), ({"y": y, "x": x},), ((x, y),), ([x, y],)]
    for a in calls:
        f(*a)
    # traced: tuple, list, scale 0.5, a batch of 4, dict, dict in another order
    assert (f.traces, f.replays) == (6, 3), (f.traces, f.replays)


def test_a_step_writing_into_a_tensor_in_a_container():
    """The caller's tensor inside the tuple gets the step's in-place write, as in eager."""
    def step(pair):
        x, y = pair
        x.mul_(2)
        return (x * y).sum()
    outs = []
    for compiled in (False, True):
        f = ag.compile(step) if compiled else step
        x, y = ag.tensor(np.arange(4.0)), ag.tensor(np.full(4, 0.5))
        got = [f((x, y)).data.copy() for _ in range(4)]
        outs.append((got, x.data.copy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert f.replays == 2


def test_a_tensor_in_a_container_is_not_state():
    """The tensors of a container argument are inputs, not the step's state found by
    discovery: a new batch is not 'a tensor's array was replaced'."""
    ag.manual_seed(0)
    step, _ = _batch_step()
    f = ag.compile(step)
    for i in range(4):
        f(batch(i))
    (entry,) = f.programs.values()
    assert entry.state.stale() is None
    assert all(t.data.shape != (8, 12) for t, _ in entry.state.arrays)


def test_tensors_sharing_memory_in_a_container():
    """Two views of one array in a tuple share memory in the replay as in eager."""
    def step(pair):
        a, b = pair
        a.add_(1)
        return (b * 2).sum()
    outs = []
    for compiled in (False, True):
        f = ag.compile(step) if compiled else step
        base = ag.tensor(np.arange(6.0))
        got = [f((base[:4], base[2:])).data.copy() for _ in range(4)]
        outs.append((got, base.data.copy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert f.replays == 2


# --- a value read by the step that changes on every call ---------------------------------
def _line(marker):
    """'test_compile_calls.py:N' of the line of this file holding `marker`."""
    with open(__file__) as f:
        n = next(i for i, line in enumerate(f, 1) if marker in line and "_line(" not in line)
    return f"test_compile_calls.py:{n}"


def _reads_lr_every_call():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    s = sched.ExponentialLR(opt, 0.9)

    def step(x, y):
        opt.zero_grad()
        lr = opt.param_groups[0]["lr"]          # the read
        loss = F.cross_entropy(model(x), y) * (1 + lr)
        loss.backward()
        opt.step()
        s.step()
        return loss
    return step, watched(model, opt)


def test_a_value_changing_on_every_call_names_itself_and_stops_retracing():
    """An lr the step reads, under ExponentialLR: retraced on every call until
    max_programs, with a warning naming only the count; now RETRACES retraces in a row,
    then eager with a warning naming the value and the line that reads it."""
    where = re.escape(_line("# the read"))
    f = check_twins(_reads_lr_every_call, calls=9,
                    warns=rf"SGD\.param_groups\[0\]\['lr'\] read at {where} changed on every "
                          rf"call \(4 in a row\).*tensor argument")
    assert f.traces == 1 + RETRACES and f.replays == 0


def test_a_value_changing_on_every_call_raises_under_strict():
    ag.manual_seed(0)
    step, env = _reads_lr_every_call()
    f = ag.compile(step, strict=True)
    params = list(env["models"][0].parameters())
    with pytest.raises(Escape, match=r"param_groups\[0\]\['lr'\] read at .* changed on every"):
        for i in range(9):
            before = [p.data.copy() for p in params]
            f(*batch(i))
    assert f.traces == 1 + RETRACES and i == 1 + 1 + RETRACES
    assert all(np.array_equal(p.data, b) for p, b in zip(params, before))


def test_the_retrace_reason_names_the_value():
    """A schedule that changes the lr every other call: never RETRACES in a row (the
    step replays in between), so it runs to max_programs, whose warning names the value."""
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    s = sched.StepLR(opt, 2, gamma=0.5)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y) * (1 + opt.param_groups[0]["lr"])  # read 2
        loss.backward()
        opt.step()
        s.step()
        return loss
    f = ag.compile(step, max_programs=3)
    with pytest.warns(UserWarning) as record:
        for i in range(10):
            f(*batch(i))
    (message,) = [str(w.message) for w in record]
    assert (f"3 programs: 1 input signature, 2 retraces (2 after {READ}: "
            f"SGD.param_groups[0]['lr'] read at {_line('# read 2')})") in message, message
    assert f.replays > 0


SCALE = [1.0]


def test_a_global_changing_on_every_call_is_named():
    """A Python value in the step's globals, changed by the user between calls."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x) * SCALE[0], y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def between(i, env):
        SCALE[0] = 1.0 + i / 10
    f = check_twins(build, calls=8, between=between,
                    warns=r"item 0 of the list 'SCALE' changed on every call \(4 in a row\)")
    assert f.traces == 1 + RETRACES


# --- plain views of a tensor's memory the trace did not see; sharing with the state ----
def _asarray_bound_before(model, x, y):
    h = model(x)
    a = asarray(h.data)                   # numpy's own function, bound at import
    a *= 2.0
    return (h * h).mean()


def _closure_bound():
    conv = np.array

    def body(model, x, y):
        s = float(conv(x.data).std())     # a copy read: its value a constant
        return (model(x * s) ** 2).mean()
    return body


def _memoryview_written(model, x, y):
    h = model(x)
    m = memoryview(h.data)
    assert isinstance(m, memoryview) and issubclass(type(m), memoryview)
    m[0, 0] = 2.0                         # not traced
    return (h * h).mean()


def _memoryview_read(model, x, y):
    first = memoryview(x.data).tolist()[0][0]
    return (model(x * first) ** 2).mean()


@pytest.mark.parametrize("body, call", [
    (_asarray_bound_before, "np.asarray()"), (_closure_bound(), "np.array()"),
    (_memoryview_written, "memoryview()"), (_memoryview_read, "memoryview()")],
    ids=["from-numpy-import-asarray", "closure-bound-np.array", "memoryview-written",
         "memoryview-read"])
def test_a_view_made_by_a_name_bound_before_the_trace_falls_back(body, call):
    """numpy's conversions bound to the user's own names before the trace, and the
    builtin memoryview, give plain views numpy tells no one about: replays lost the
    writes or kept the traced reads (silently). Now the step falls back, naming the line."""
    f = _twin(body, _SHARING["own"], warns=f"{call} of a tensor's memory (at "
              "test_compile_calls.py:")
    assert f.replays == 0
    _raises_under_strict(body, _SHARING["own"], f"{call} of a tensor's memory")
    assert asarray is np.asarray and "memoryview" not in globals()    # put back


def test_an_argument_sharing_memory_with_a_parameter_is_refused_without_discovery(
        monkeypatch):
    """step(x, model.weight.detach()): refused (eager, with a warning) on every call, as
    before, but discovery (the walk of everything the step reaches) runs once, not on
    every call; an argument of its own with the same signature then traces."""
    import autograd.jit.step as step_module
    walks = []

    def counting(*a, **k):
        walks.append(1)
        return discover(*a, **k)
    monkeypatch.setattr(step_module, "discover", counting)
    ag.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, w):
        opt.zero_grad()
        loss = (model(x) ** 2).mean() + (w * w).sum() * 0.01
        loss.backward()
        opt.step()
        return loss
    f = ag.compile(step)
    x = ag.tensor(np.ones((2, 4), np.float32))
    with pytest.warns(UserWarning, match="shares memory with a parameter"):
        for _ in range(6):
            f(x, model.weight.detach())
    assert len(walks) == 1 and f.traces == 0
    for _ in range(3):
        f(x, model.weight.detach().clone())
    assert len(walks) == 2 and f.traces == 1 and f.replays == 2
    model.weight.data = model.weight.data.copy()        # the state changed: walked again
    f(x, model.weight.detach())
    assert len(walks) == 3


class _Tagged:
    """A batch equal to any other of its tag (==, hash)."""

    def __init__(self, tag, x, y):
        self.tag, self.x, self.y = tag, x, y

    def __eq__(self, other):
        return isinstance(other, _Tagged) and other.tag == self.tag

    def __hash__(self):
        return hash(self.tag)


@dataclasses.dataclass(frozen=True)
class _Config:
    name: str
    scale: float = dataclasses.field(compare=False)


@dataclasses.dataclass(frozen=True)
class _Scale:
    scale: float


_SCALES = {"a tag": [1.0] * 7, "a field left out of ==": [1.0 + 0.1 * i for i in range(7)],
           "1 == 1.0 == True": [1, 1.0, True, 1, 1.0, 1.0, 1], "0.0 == -0.0": [0.0, -0.0] * 4,
           "equal": [1.5] * 7}


@pytest.mark.parametrize("kind", list(_SCALES))
def test_an_argument_equal_to_the_traced_one_is_keyed_by_what_it_holds(kind):
    """A new argument object equal to the traced one by its own == (its tag, a dataclass
    field left out of ==, 1 == 1.0, 0.0 == -0.0) chose the traced call's program, which
    read the traced object's batch or scale: silently the traced values on every replay.
    Its attributes are now part of the key (numbers by type and bits); an equal one
    holding the same still replays."""
    def build():
        model, opt = mlp_and_opt()

        def step(b, c):
            opt.zero_grad()
            x, y = (b.x, b.y) if kind == "a tag" else b
            loss = F.cross_entropy(model(x), y) * (1 + ag.tensor(c.scale))
            loss.backward()
            opt.step()
            return loss, ag.tensor(c.scale)
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        scale = _SCALES[kind][i]
        return ((_Tagged("train", x, y), _Scale(scale)) if kind == "a tag" else
                ((x, y), _Config("train", scale) if kind == "a field left out of ==" else
                 _Scale(scale)))
    f = check_twins(build, args=args, replays=0)
    assert kind != "equal" or f.replays == 5


@pytest.mark.parametrize("how", ["append to a list", "set a dict's item",
                                 "replace a list's tensor", "pop a dict's tensor"])
def test_a_step_changing_its_list_or_dict_argument_runs_eagerly(how):
    """step(x, y, log) appending to log (or setting an item): the trace ran on a copy of
    the argument (its tensors stand-ins) and a replay runs no Python, so the caller's
    list or dict never changed, silently. The traced call's changes now reach it, and
    the step runs eagerly with a warning."""
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model, opt = mlp_and_opt()
        train = train_step(model, opt)

        def step(x, y, box):
            loss = train(x, y)
            if how == "append to a list":
                box.append(loss.detach())
            elif how == "set a dict's item":
                box["last"] = loss.detach()
            elif how == "replace a list's tensor":
                box[0] = box[0] * 0.9 + loss.detach() * 0.1
            else:
                box.pop("x")
            return loss
        f = ag.compile(step) if compiled else step
        box = [ag.zeros(())] if how == "replace a list's tensor" else [] if "list" in how else {}
        history = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(6):
                x, y = batch(i)
                if how == "pop a dict's tensor":
                    box = {"x": x}
                history.append(flat(f(x, y, box)) + flat(box))
        runs.append(history)
    assert_same(runs[0], runs[1], how)
    warned = {str(w.message) for w in caught if str(w.message).startswith("compile")}
    assert len(warned) == 1 and re.search(r"runs eagerly: it changes its argument (list|dict) ",
                                          warned.pop())
