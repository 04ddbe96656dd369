"""Python values a compiled step reads that a replay would freeze: each is either an
input of the program, a value it assumes (a change traces again), or a fallback with a
warning. Twin runs against eager (compile_twins.check_twins)."""
import copy
import dataclasses
import types

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import replayed
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import batch, check_twins, mlp, train_step, watched
from test_parallel import needs_mpi, run_checks


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


# --- Python values of modules, classes and other modules the step reads -------------------
config = types.ModuleType("compile_reads_config")   # a user's settings module
config.SCALE = 1.0
exec("TEMPERATURE = 1.0\ndef scaled(z):\n    return z * TEMPERATURE\n", vars(config))


class Config:
    scale = 1.0


FORWARD_SCALE = 1.0     # a global read by a module's forward
HELPER_SCALE = 1.0      # ... by a helper object's method


@dataclasses.dataclass(slots=True)
class Slotted:
    scale: float = 1.0


class Helper:
    def apply(self, z):
        return z * HELPER_SCALE


slotted, helper = Slotted(), Helper()


class Tempered(nn.Module):
    """A user's module with numbers read in forward: public, private, in a dict
    attribute, a class attribute."""
    k = 1.0

    def __init__(self):
        super().__init__()
        self.body = mlp()
        self.temperature = 1.0
        self._temperature = 1.0
        self.cfg = {"t": 1.0}

    def forward(self, x):
        return (self.body(x) / self.temperature / self._temperature / self.cfg["t"] * self.k
                * FORWARD_SCALE)


def _reads(body):
    def build():
        model = Tempered()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(body(model, x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    return build


CHANGES = {     # what the user changes between calls; the step reads it
    "public attribute": (lambda m, x: m(x), lambda env, v: setattr(env["models"][0],
                                                                   "temperature", v)),
    "private attribute": (lambda m, x: m(x), lambda env, v: setattr(env["models"][0],
                                                                    "_temperature", v)),
    "dict attribute": (lambda m, x: m(x), lambda env, v: env["models"][0].cfg.update(t=v)),
    "class attribute": (lambda m, x: m(x), lambda env, v: setattr(Tempered, "k", v)),
    "module's number": (lambda m, x: m(x) * config.SCALE,
                        lambda env, v: setattr(config, "SCALE", v)),
    "module's function's global": (lambda m, x: config.scaled(m(x)),
                                   lambda env, v: setattr(config, "TEMPERATURE", v)),
    "class's number": (lambda m, x: m(x) * Config.scale,
                       lambda env, v: setattr(Config, "scale", v)),
    "global read by forward": (lambda m, x: m(x), lambda env, v: _set_global("FORWARD_SCALE", v)),
    "global read by a method": (lambda m, x: helper.apply(m(x)),
                                lambda env, v: _set_global("HELPER_SCALE", v)),
    "slots object": (lambda m, x: m(x) * slotted.scale,
                     lambda env, v: setattr(slotted, "scale", v)),
}


def _set_global(name, value):
    globals()[name] = value


@pytest.mark.parametrize("what", list(CHANGES))
def test_a_number_changed_between_calls_traces_again(what):
    """A user's module's private or dict-held number, a class's, another module's: a
    replay used the traced value (silently); now a change traces again."""
    body, change = CHANGES[what]

    def between(i, env):
        change(env, 1.0 + 0.25 * (i // 3))          # changes at calls 3 and 6
    try:
        f = check_twins(_reads(body), calls=8, between=between, replays=3)
    finally:
        change({"models": [Tempered()]}, 1.0)
        for obj, name in ((Tempered, "k"), (config, "SCALE"), (config, "TEMPERATURE"),
                          (Config, "scale"), (slotted, "scale")):
            setattr(obj, name, 1.0)
        _set_global("FORWARD_SCALE", 1.0)
        _set_global("HELPER_SCALE", 1.0)
    assert f.traces == 3


def test_numbers_of_modules_and_classes_that_hold_replay():
    f = check_twins(_reads(lambda m, x: helper.apply(config.scaled(m(x))) * Config.scale
                           * config.SCALE * slotted.scale), calls=6)
    assert f.traces == 1


@pytest.mark.parametrize("change", ["train/eval", "requires_grad"])
def test_a_mode_read_by_the_step_changed_between_calls(change):
    """module.training read by the step itself, and a parameter frozen between calls:
    each change traces again (State), never a replay of the other branch."""
    body = (lambda m, x: m(x) * (2.0 if m.training else 1.0)) if change == "train/eval" \
        else (lambda m, x: m(x))

    def between(i, env):
        m = env["models"][0]
        if change == "train/eval":
            m.train(i % 3 != 0)
        else:
            m.body[0].weight.requires_grad_(i < 4)
    check_twins(_reads(body), calls=8, between=between, replays=2)


def test_eval_and_train_inside_the_step():
    def body(m, x):
        m.eval()
        with ag.no_grad():
            m(x)
        m.train()
        return m(x)
    f = check_twins(_reads(body), calls=6)
    assert f.traces == 1


# --- communication: a replay would not communicate -------------------------------------------
@needs_mpi
def test_a_step_that_communicates_runs_eagerly_on_two_ranks():
    """A tensor-parallel MLP step and a vocabulary-parallel loss (ignored targets at some
    steps) compiled on 2 ranks: replays reused the trace's received values (a wrong loss
    on each rank, silently); now the step runs eagerly with a warning naming the
    operation, bit for bit eager's (tests/mpi/compile_checks.py)."""
    results = run_checks("tests/mpi/compile_checks.py", timeout=240)
    assert results == {"vocab_parallel_loss_with_ignored_targets": "ok",
                       "tensor_parallel_mlp": "ok"}, results


# --- writes by the step into optimizers' and schedulers' values --------------------------------
def _writes(write, make_sched=None):
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        s = make_sched(opt) if make_sched else None

        def step(x, y, lr):
            if write == "group before":
                for g in opt.param_groups:
                    g["lr"] = lr
            elif write == "update":
                opt.param_groups[0].update(lr=lr)
            elif write == "state":
                for st in opt.state.values():
                    st["step"] = 3          # a restarted bias correction
            elif write == "scheduler":
                s.last_epoch = int(lr * 100)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)      # (its label check is a guard)
            loss.backward()
            opt.step()
            if write == "group after":
                opt.param_groups[0]["lr"] = lr
            if s is not None:
                s.step()
            return loss
        return step, watched(model, opt)
    return build


@pytest.mark.parametrize("write", ["group before", "group after", "update", "state",
                                   "scheduler"])
def test_a_write_by_the_step_is_made_again_by_replays(write):
    """The step's own write into a param group, a parameter's state or a scheduler was a
    side effect of the trace only: replays used what the dict held before the call
    (silently); now a replay makes the write where the trace did."""
    f = check_twins(_writes(write, (lambda o: sched.StepLR(o, 2, gamma=0.5))
                            if write == "scheduler" else None),
                    args=lambda i, env: batch(i) + ([0.01, 0.02, 0.01][i % 3],), calls=9,
                    warns="after the step.s update" if write == "update" else None,
                    replays=0 if write == "update" else 4)
    assert f.traces <= 3


def test_a_write_by_the_step_after_a_change_between_calls():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.param_groups[0]["lr"] = 0.01
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return step, watched(model, opt)

    def between(i, env):
        env["opts"][0].param_groups[0]["lr"] = 0.5
    check_twins(build, between=between)


def test_an_optimizer_attribute_read_by_the_step_is_assumed():
    """A user's attribute on the optimizer (opt.warmup): optimizers were not walked for
    values, so a replay used the traced value (silently)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        opt.warmup = 1.0

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * opt.warmup
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def between(i, env):
        env["opts"][0].warmup = 1.0 + 0.25 * (i // 3)
    f = check_twins(build, calls=8, between=between, replays=3)
    assert f.traces == 3


# --- sizes given as tensors ----------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda n: ag.arange(n), lambda n: ag.zeros(n) + 1,
                                  lambda n: ag.full((n,), 2.0), lambda n: ag.ones(n, 2)],
                         ids=["arange", "zeros", "full", "ones"])
def test_a_size_given_as_a_tensor_is_a_guard(make):
    """numpy read the size inside its call, where a trace sees nothing: replays kept the
    traced size (wrong sums, silently). Now a guard: a size that changes from call to
    call runs eagerly with a warning; one that holds replays."""
    def build():
        def step(x, n):
            return (x * make(n).sum()).sum()
        return step, watched()
    sizes = [3, 3, 4, 5, 2, 6]
    check_twins(build, args=lambda i, env: (ag.tensor(np.ones(4, np.float32)),
                                            ag.tensor(sizes[i])), calls=6,
                warns="changes from step to step")
    f = check_twins(build, args=lambda i, env: (ag.tensor(np.full(4, i, np.float32)),
                                                ag.tensor(3)), calls=5)
    assert f.traces == 1


# --- lists read as a whole --------------------------------------------------------------------
READS_OF_A_LIST = {
    "len": lambda log: len(log),
    "last item": lambda log: log[-1],
    "sum": lambda log: sum(log),
    "loop": lambda log: [v for v in log][-1],
}


@pytest.mark.parametrize("how", list(READS_OF_A_LIST))
def test_a_list_grown_between_calls_and_read_as_a_whole_traces_again(how):
    """A list's items were checked, not its length (a log the user appends to is no
    reason to trace again): a step reading len(log) or log[-1] replayed with the traced
    ones (silently). A list the code reads as a whole is checked for its length too."""
    read = READS_OF_A_LIST[how]

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        log = [1.0]

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * (1 + read(log) / 10)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, log=log)
    f = check_twins(build, between=lambda i, env: i % 3 or env["log"].append(i / 4.0),
                    calls=8, replays=3)
    assert f.traces == 3


def test_a_list_only_appended_to_replays():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        log = []

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            log.append(loss.detach())         # (while tracing only: a side effect)
            return loss
        return step, watched(model, opt, log=log)
    f = check_twins(build, between=lambda i, env: env["log"].append(i), calls=6)
    assert f.traces == 1


def test_a_set_changed_between_calls_traces_again():
    """`name in skipped` with a set the user adds to: sets were walked, not checked."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        skipped = set()

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            loss = F.cross_entropy(z, y) + (0.0 if "l2" in skipped else 0.1 * (z * z).mean())
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, skipped=skipped)
    f = check_twins(build, between=lambda i, env: i == 4 and env["skipped"].add("l2"), calls=8,
                    replays=4)
    assert f.traces == 2


def test_a_keyword_only_default_changed_between_calls_traces_again():
    settings = {"scale": 1.0}

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y, *, cfg=settings):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * cfg["scale"]
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    f = check_twins(build, between=lambda i, env: settings.update(scale=1.0 + (i >= 4)),
                    calls=8, replays=4)
    assert f.traces == 2


# --- data the step fetches itself -------------------------------------------------------------
def test_next_of_the_parameters_inside_the_step_replays():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            first = next(iter(model.parameters()))
            opt.zero_grad()
            loss = F.cross_entropy(model(x.to(first.dtype)), y) + (first * first).sum() * 1e-3
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, calls=5)


@pytest.mark.parametrize("kind", ["Generator", "RandomState"])
def test_a_numpy_generator_of_the_users_drawn_inside_the_step_runs_eagerly(kind):
    """A batch or noise drawn from the user's numpy generator inside the step: the draws
    were constants of the program (every replay used the traced noise, silently)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        rng = np.random.default_rng(5) if kind == "Generator" else np.random.RandomState(5)

        def step(x, y):
            noise = ag.tensor(np.float32(0.1) * rng.standard_normal(x.shape).astype(np.float32))
            opt.zero_grad()
            loss = F.cross_entropy(model(x + noise), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, calls=5, warns="numpy Generator of the step's own, default_rng")


def test_a_generator_reached_but_not_drawn_from_replays():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        rng, gen = np.random.default_rng(5), ag.default_generator()
        drop = nn.Dropout(0.2)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(drop(model(x)), y)
            loss.backward()
            opt.step()
            return loss
        step.unused = (rng, gen)
        return step, watched(model, opt)
    check_twins(build, calls=5)
