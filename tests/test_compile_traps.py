"""ag.compile's traps: Python state a step leaves outside what it returns (a list it
appends to, a gradient array the user keeps), programs and warnings that must not mislead.
Each case is a twin run (eager and compiled from one seed, bit for bit) or a fallback that
must warn naming what the user wrote."""
import collections
import types
import importlib.util
import warnings
import weakref

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from compile_twins import (adam, assert_same, assert_same_runs, batch, flat, mlp, mlp_and_opt,
                           run, state_of, train_step, watched)


class Trainer:
    """An MLP and its SGD optimizer; ``train(x, y, scale)`` is the usual step (returns
    the loss, times `scale`); the tests' subclasses add what their step does besides."""

    def __init__(self):
        self.model, self.opt = mlp_and_opt()

    def train(self, x, y, scale=1.0):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y) * scale
        loss.backward()
        self.opt.step()
        return loss

    def build(self, **extra):
        return self.step, watched(self.model, self.opt, **extra)


def logged_runs(build, calls=7, **kw):
    """Eager and compiled runs of `build`, whose env's "log" (a list, or a dict of lists)
    must end up the same bit for bit: returns them."""
    runs = [run(build, c, calls=calls, **kw) for c in (False, True)]
    assert_same(flat(runs[0].env["log"]), flat(runs[1].env["log"]), "the log")
    return runs


# --- a list the step appends to -------------------------------------------------------------
@pytest.mark.parametrize("what", ["loss", "detached loss", "logits and loss", "a number"])
def test_a_list_the_step_appends_to_is_appended_to_by_every_replay(what):
    """history.append(loss) ran only while tracing (the list kept 2 items of 7), and the
    traced item was the program's array: its value changed with every replay."""
    def build():
        model, opt = mlp_and_opt()
        history = []

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            loss = F.cross_entropy(z, y)
            loss.backward()
            opt.step()
            if what == "loss":
                history.append(loss)
            elif what == "detached loss":
                history.append(loss.detach())
            elif what == "logits and loss":
                history.extend([z.detach(), loss.detach()])
            else:
                history.append(1.5)
            return loss
        return step, watched(model, opt, log=history)
    eager, compiled = logged_runs(build)
    assert_same_runs(eager, compiled, replays=5)
    assert len(compiled.env["log"]) == 7 * (2 if what == "logits and loss" else 1)


def test_a_dict_of_lists_on_an_object_the_step_logs_into():
    class Logging(Trainer):
        def __init__(self):
            super().__init__()
            self.log = {"loss": [], "norm": []}

        def step(self, x, y):
            loss = self.train(x, y)
            self.log["loss"].append(loss.detach())
            self.log["norm"].append((self.model[0].weight ** 2).sum().detach())
            return loss

    def build():
        t = Logging()
        return t.build(log=t.log)
    eager, compiled = logged_runs(build)
    assert_same_runs(eager, compiled, replays=5)


def test_a_window_the_step_appends_to_and_pops_replays():
    """Its length is read (pop), so it is a place: its item is carried, made again."""
    def build():
        model, opt = mlp_and_opt()
        train, window = train_step(model, opt), [ag.tensor(0.0)]

        def step(x, y):
            loss = train(x, y)
            window.append(loss.detach())
            window.pop(0)
            return loss
        return step, watched(model, opt, log=window)
    assert_same_runs(*logged_runs(build), replays=5)


def test_a_list_the_step_inserts_into_runs_eagerly_naming_it():
    def build():
        model, opt = mlp_and_opt()
        train, window = train_step(model, opt), []

        def step(x, y):
            loss = train(x, y)
            window.insert(0, loss.detach())
            return loss
        return step, watched(model, opt, log=window)
    assert_same_runs(*logged_runs(build), warns="adds or removes items of the list 'window'")


def test_a_list_whose_last_item_the_step_reads_runs_eagerly():
    """A replay would read the item the trace read (history[-1] then), not the last."""
    def build():
        model, opt = mlp_and_opt()
        history = [ag.tensor(1.0)]

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * history[-1]
            loss.backward()
            opt.step()
            history.append(loss.detach())
            return loss
        return step, watched(model, opt, log=history)
    assert_same_runs(*logged_runs(build), warns="adds or removes items of the list 'history'")


def test_the_returned_loss_also_kept_in_an_attribute():
    """self.last = loss; return loss: the trace gave the kept tensor a copy of the
    program's array before reading what it returns, so every replay returned the
    traced call's loss."""
    class Keeping(Trainer):
        def step(self, x, y):
            self.log = self.train(x, y)
            return self.log

    def build():
        t = Keeping()
        return t.build(trainer=t)
    runs = [run(build, c) for c in (False, True)]
    assert_same_runs(*runs, replays=5)
    assert_same(*(flat(r.env["trainer"].log) for r in runs), "the kept loss")


# --- programs kept and dropped --------------------------------------------------------------
def test_a_guard_failing_in_one_variant_keeps_the_others():
    """Accumulation over 4 calls: one program for .grad None (after zero_grad), a variant
    for .grad set, and the update. A guard of the first only (one_hot's width, read when
    .grad is None) fails once: that program is traced again, the variant still replays
    (all of a signature's variants were dropped with the program that failed)."""
    def build():
        model, opt = mlp_and_opt()

        def step(x, y, update):
            loss = F.cross_entropy(model(x), y) / 4
            if model[0].weight.grad is None:
                loss = loss + F.one_hot(y).sum() * 0.0
            loss.backward()
            if update:
                opt.step()
                opt.zero_grad()
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        y.data[:] = np.minimum(y.data, 3)
        y.data[0] = 4 if i == 12 else 3             # one_hot's width 5 on call 12 only
        return x, y, i % 4 == 3
    runs = [run(build, c, calls=24, args=args) for c in (False, True)]
    assert_same_runs(*runs, replays=16)
    f = runs[1].f
    # warm-up (call 0); traces: grads set (1), update (3, which makes SGD's state: not
    # kept; 7), grads None (4); its guard fails at 12 (eager), 13 replays the variant and
    # 16 traces the grads None program again (5 traces when 13 traced the variant again)
    assert f.traces == 4, (f.traces, f.causes)


# --- whose code read a value ----------------------------------------------------------------
def test_a_users_folder_named_nn_holds_user_code(tmp_path):
    """gradgraph's own code was told by '/nn/' in a file's path: a step in a user's nn/
    folder reading loss.item() was taken for gradgraph's guard (replayed, failing and
    retracing on every call) rather than the user's read, which falls back at once."""
    (tmp_path / "nn").mkdir()
    path = tmp_path / "nn" / "user_step.py"
    path.write_text("def make(model, opt, F):\n"
                    "    def step(x, y):\n"
                    "        opt.zero_grad()\n"
                    "        loss = F.cross_entropy(model(x), y)\n"
                    "        if loss.item() > 100.0:\n"
                    "            loss = loss * 0.5\n"
                    "        loss.backward()\n"
                    "        opt.step()\n"
                    "        return loss\n"
                    "    return step\n")
    spec = importlib.util.spec_from_file_location("user_step_in_nn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def build():
        model, opt = mlp_and_opt()
        return module.make(model, opt, F), watched(model, opt)
    eager, compiled = (run(build, c) for c in (False, True))
    assert_same_runs(eager, compiled, warns=r"\.item\(\).*user_step\.py:5")
    assert compiled.f.traces == 1, compiled.f.causes


# --- a GAN's two programs sharing the discriminator's gradients -------------------------------
def gan(compiled):
    """(d_step, g_step, disc): the generator's step accumulates into the gradients the
    discriminator's step makes (it does not zero them)."""
    ag.manual_seed(0)
    gen, disc = nn.Linear(4, 12), nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1))
    opt_g, opt_d = optim.SGD(gen.parameters(), lr=0.1), optim.SGD(disc.parameters(), lr=0.1)

    def d_step(x):
        opt_d.zero_grad()
        loss = disc(x).mean() - disc(gen(ag.randn(8, 4)).detach()).mean()
        loss.backward()
        opt_d.step()
        return loss

    def g_step():
        opt_g.zero_grad()
        loss = -disc(gen(ag.randn(8, 4))).mean()
        loss.backward()
        opt_g.step()
        return loss
    if compiled:
        d_step, g_step = ag.compile(d_step), ag.compile(g_step)
    return d_step, g_step, disc


# --- gradients the user keeps between calls --------------------------------------------------
def kept_runs(build, keep, calls=7, **kw):
    """Eager and compiled runs of `build`; after each call keep(env) is appended to the
    env's "kept" list, whose arrays must end up the same bit for bit."""
    def between(i, env):
        if i:
            env["kept"].append(keep(env))
    runs = [run(build, c, calls=calls, between=between, **kw) for c in (False, True)]
    assert_same(*(r.env["kept"] for r in runs), "the kept arrays")
    return runs


@pytest.mark.parametrize("how", ["data", "numpy"])
def test_a_gradient_array_kept_from_each_call(how):
    """g = p.grad.data (or .numpy()) kept across calls: eager's next call makes a new
    array, a replay wrote the one the user holds (every kept array held the last
    call's gradient)."""
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt, kept=[])

    def keep(env):
        g = env["models"][0][0].weight.grad
        return g.data if how == "data" else g.numpy()
    assert_same_runs(*kept_runs(build, keep), replays=5)


def test_gradient_arrays_kept_while_another_compiled_step_runs():
    """A compiled evaluation between training calls: its program names the training
    program's gradients (the references it takes are not the user's), and it leaves the
    leaves' .grad alone."""
    outs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model, opt = mlp_and_opt()
        train = train_step(model, opt)

        def evaluate(x):
            with ag.no_grad():
                return F.softmax(model(x), 1)
        if compiled:
            train, evaluate = ag.compile(train), ag.compile(evaluate)
        hist, kept = [], []
        for i in range(7):
            x, y = batch(i)
            hist += [flat(train(x, y)), flat(evaluate(x[:4])), state_of(watched(model, opt))]
            kept.append([p.grad.data for p in model.parameters()])
        outs.append(hist + kept)
    assert_same(outs[0], outs[1], "train, evaluate and the kept gradients")
    assert train.replays == 5 and evaluate.replays == 5


def test_a_gradient_set_by_hand_between_calls_of_a_step_that_leaves_it():
    """p.grad = h before each call of a step that does not touch gradients: a replay
    copied h's values into the .grad Tensor the trace found (the user's h of that call)
    and bound that one again."""
    def build():
        model = mlp()

        def evaluate(x):
            with ag.no_grad():
                return model(x).sum()
        return evaluate, watched(model, kept=[])

    def between(i, env):
        w = env["models"][0][0].weight
        w.grad = ag.tensor(np.full(w.data.shape, float(i), np.float32))
        env["kept"].append(w.grad)
    runs = [run(build, c, between=between, args=lambda i, env: batch(i)[:1])
            for c in (False, True)]
    assert_same_runs(*runs, replays=5)
    assert_same(*([h.data for h in r.env["kept"]] for r in runs), "the kept gradients")
    assert runs[1].env["models"][0][0].weight.grad is runs[1].env["kept"][-1]


def test_a_kept_gradient_array_the_step_also_returns_warns():
    """The program returns a copy of that very array: it cannot move, so one warning."""
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            return model[0].weight.grad
        return step, watched(model, opt, kept=[])
    runs = [run(build, c, between=lambda i, env: i and env["kept"].append(
        env["models"][0][0].weight.grad.data)) for c in (False, True)]
    assert [w for w in runs[1].warnings if "kept from an earlier call" in w] == [
        "compile: a gradient array of shape (16, 12) kept from an earlier call (p.grad.data, "
        "p.grad.numpy()) is overwritten by later calls; keep a copy (p.grad.data.copy())"]


def test_a_kept_gradient_array_another_program_accumulates_into_warns():
    """A GAN: the generator's step accumulates into the discriminator's gradients, the
    arrays the discriminator's program makes: they cannot move, so one warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d_step, g_step, disc = gan(True)
        for i in range(7):
            d_step(batch(i, d=12)[0])
            g_step()
            if i:
                kept = disc[2].weight.grad.data     # noqa: F841 (held across the next call)
    assert [str(w.message) for w in caught
            if "kept from an earlier call" in str(w.message)] == [
        "compile: a gradient array of shape (1, 8) kept from an earlier call (p.grad.data, "
        "p.grad.numpy()) is overwritten by later calls; keep a copy (p.grad.data.copy())"]


# --- counters ---------------------------------------------------------------------------------
STEPS = 0


@pytest.mark.parametrize("where", ["attribute", "global", "closure"])
def test_a_counter_the_step_only_adds_to_is_advanced_by_every_replay(where):
    """self.calls += 1 (or a global, or a closure variable) read nowhere else: it made
    every call retrace, then run eagerly after 3; a replay now adds the constant too."""
    class Counting(Trainer):
        def __init__(self):
            super().__init__()
            self.calls, self.seen = 0, 0.0

        def step(self, x, y):
            global STEPS
            if where == "attribute":
                self.calls += 1
                self.seen -= 0.1
            elif where == "global":
                STEPS += 2
            else:
                nonlocal count
                count += 1
            return self.train(x, y)

    def build():
        global STEPS
        STEPS = 0
        t = Counting()
        return t.build(trainer=t)
    count = 0
    runs = []
    for compiled in (False, True):
        count = 0
        runs.append(run(build, compiled))
        runs[-1].env["count"] = (runs[-1].env["trainer"].calls, runs[-1].env["trainer"].seen,
                                 STEPS, count)
    assert_same_runs(*runs, replays=5)
    assert runs[0].env["count"] == runs[1].env["count"]
    assert runs[1].f.traces == 1


def test_a_counter_the_step_reads_still_retraces():
    """if self.calls % 2: ... reads it: each value is a program's constant."""
    class Counting(Trainer):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def step(self, x, y):
            self.calls += 1
            return self.train(x, y, 2.0 if self.calls % 2 else 1.0)
    runs = [run(lambda: Counting().build(), c) for c in (False, True)]
    assert_same_runs(*runs, warns="Counting.calls changed on every call")


# --- warnings name what the user wrote --------------------------------------------------------
def test_a_value_check_after_the_update_names_the_optimizer_step_and_its_line():
    """It said 'after Adam._numbers' (the optimizer's internal method)."""
    def build():
        model, opt = mlp_and_opt(adam)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()                      # <- the update
            F.cross_entropy(model(x), y)
            return loss
        return step, watched(model, opt)
    line = next(i for i, text in enumerate(open(__file__), 1) if "# <- the update" in text
                and "next(" not in text)
    runs = [run(build, c) for c in (False, True)]
    assert_same_runs(*runs, warns=rf"after Adam\.step\(\) at test_compile_traps\.py:{line}$")


def test_a_gan_binds_the_discriminators_gradients_again_not_made_anew():
    """The generator's program holds the discriminator's .grad Tensors: that was taken
    for the user keeping them, so every discriminator call copied each gradient and
    made a new Tensor. Compiled programs' references are now counted apart."""
    d_step, g_step, disc = gan(True)
    refs = []
    for i in range(6):
        d_step(batch(i, d=12)[0])
        refs.append(weakref.ref(disc[0].weight.grad))
        g_step()
    assert d_step.replays == 4 and g_step.replays == 4
    assert refs[3]() is refs[4]() is refs[5]() is not None


def test_a_gan_whose_discriminator_gradients_the_user_keeps():
    outs = []
    for compiled in (False, True):
        d_step, g_step, disc = gan(compiled)
        hist, kept = [], []
        for i in range(6):
            hist += [flat(d_step(batch(i, d=12)[0])), flat(g_step())]
            kept.append(disc[0].weight.grad)
        outs.append(hist + [k.data for k in kept] + [[a is b for a, b in zip(kept, kept[1:])]])
    assert_same(outs[0], outs[1], "the GAN and the kept gradients")


@pytest.mark.parametrize("maxlen", [None, 3])
def test_a_deque_the_step_appends_to(maxlen):
    """A deque was not walked at all: recent.append(loss.detach()) ran only while
    tracing. Unbounded, it is appended to as a list; bounded, the step replays until it
    is full, then (its items shift) runs eagerly naming it."""
    def build():
        model, opt = mlp_and_opt()
        train, recent = train_step(model, opt), collections.deque(maxlen=maxlen)

        def step(x, y):
            loss = train(x, y)
            recent.append(loss.detach())
            return loss
        return step, watched(model, opt, log=recent)
    eager, compiled = logged_runs(build)
    if maxlen is None:
        assert_same_runs(eager, compiled, replays=5)
    else:
        assert_same_runs(eager, compiled, warns="the deque 'recent'")


# --- a tensor kept where the walk does not look ----------------------------------------------
class Box:
    """A plain object; ``Box.shelf`` and ``Box.records``: containers of the class."""
    shelf, records = {}, []


RECORDS = types.ModuleType("records")       # a user's module of logs, named by the step


class Slotted:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


@pytest.mark.parametrize("where", ["deep", "class dict", "class list", "module list",
                                   "argument", "returned", "array",
                                   "arrays in a tuple", "slots"])
def test_a_tensor_kept_where_the_walk_does_not_look_runs_eagerly(where):
    """A helper's result stored 6 objects deep, into a class's dict or list, into a list
    of a user's module, or the step's argument or returned loss stored deep: no place
    the state check reads, so the stored Tensor stayed on the program's array and each
    replay changed it (or the list kept the traced item alone). The step now runs eagerly
    after its trace, naming what holds the tensor."""
    def build():
        model, opt = mlp_and_opt()
        train = train_step(model, opt)
        root = node = Box()
        for _ in range(6):
            node.child = node = Box()
        Box.shelf, Box.records, RECORDS.history = {}, [], []

        def summary(loss):
            return loss.detach() * 2

        def step(x, y):
            loss = train(x, y)
            leaf = root
            while hasattr(leaf, "child"):
                leaf = leaf.child
            if where == "deep":
                leaf.last = summary(loss)
            elif where == "class dict":
                root.shelf["loss"] = summary(loss)
            elif where == "class list":
                root.records.append(summary(loss))
            elif where == "module list":
                RECORDS.history.append(summary(loss))
            elif where == "argument":
                leaf.last = x
            elif where == "array":
                leaf.last = summary(loss).reshape(1).data
            elif where == "arrays in a tuple":
                leaf.last = (summary(loss).reshape(1).data, x.data)
            elif where == "slots":
                leaf.last = Slotted(summary(loss))
            else:
                leaf.last = loss
            return loss

        def kept():
            return {"deep": lambda: [node.last], "argument": lambda: [node.last],
                    "returned": lambda: [node.last], "class dict": lambda: Box.shelf,
                    "class list": lambda: list(Box.records),
                    "module list": lambda: list(RECORDS.history),
                    "array": lambda: [node.last], "arrays in a tuple": lambda: list(node.last),
                    "slots": lambda: [node.last.value]}[where]()
        return step, watched(model, opt, kept=[], store=kept)
    runs = kept_runs(build, lambda env: flat(env["store"]()))
    holder = {"class dict": r"a dict \(key 'loss'\)", "class list": "a list",
              "module list": "a list",
              "arrays in a tuple": "a tuple", "slots": "a Slotted"
              }.get(where, "the attribute 'last' of a Box")
    what = "an array" if where in ("array", "arrays in a tuple") else "a tensor"
    assert_same_runs(*runs, warns=rf"keeps {what} of shape \(.*\) in {holder}, where")


# --- names the walk takes for globals ----------------------------------------------------------
def test_a_global_named_as_a_method_the_step_calls_is_not_its_state(monkeypatch):
    """A function of the steps' module named `step` (holding the batch) while the steps
    call opt.step(): the walk took every name the code uses (attributes too) for a
    global, found the function and its batch, and the discriminator ran eagerly ('shares
    memory with a parameter'). Only names the code loads as globals are globals."""
    runs = []
    for compiled in (False, True):
        d_step, g_step, disc = gan(compiled)
        x = batch(0, d=12)[0]

        def step():
            return d_step(x), g_step()
        monkeypatch.setitem(globals(), "step", step)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            runs.append([flat(step()) + [p.data.copy() for p in disc.parameters()]
                         for _ in range(6)])
    assert_same(*runs, "the GAN's losses and discriminator")
    assert (d_step.replays, g_step.replays) == (4, 4)


@pytest.mark.parametrize("kind", ["zeros then -=", "zeros, -=, then more", "int index arithmetic"])
def test_an_in_place_write_into_an_array_made_outside_the_traced_code_runs_eagerly(kind):
    # np.zeros in the user's step is plain numpy: a replay would start the array from the
    # last call's values (silently wrong) or, for an accumulator the user keeps, must
    # not reset it; which one cannot be told, so the step runs eagerly with a warning
    def f(x):
        d = x.data
        if kind == "zeros then -=":
            a = np.zeros(d.shape, d.dtype)
            a -= d
        elif kind == "zeros, -=, then more":
            a = np.zeros(d.shape, d.dtype)
            a -= d
            a = a * 2
        else:
            pick = np.zeros(d.shape, np.int64)
            pick -= (d > 0).astype(np.int64) * (pick - 2)
            a = pick.astype(d.dtype)
        return ag.tensor(a)
    g = ag.compile(f)
    with pytest.warns(UserWarning, match="made outside the traced code"):
        for i in range(5):
            x = ag.tensor(np.random.default_rng(i).standard_normal((3, 4)).astype(np.float32))
            np.testing.assert_array_equal(g(x).data, f(x).data)
    assert g.replays == 0


def test_an_array_made_while_tracing_and_read_before_its_first_write_starts_from_its_value():
    # gradgraph's own code (numpy traced there): p = np.zeros(...), then p - j is read
    # before p -= ... writes it; the replay put p's made value back only at the write,
    # so the read saw the last replay's p (max-pool indices were silently wrong)
    import nn.functional_spatial as own
    src = ("def _first_above(d):\n"
           "    p = np.zeros(d.shape, np.int64)\n"
           "    for j in (1, 2, 3):\n"
           "        p -= (d > (j - 2) * 0.5) * (p - j)\n"
           "    return p\n")
    exec(compile(src, own.__file__, "exec"), vars(own))
    try:
        def f(x):
            return ag.tensor(own._first_above(x.data).astype(np.float32)) * x
        g = ag.compile(f)
        for i in range(6):
            x = ag.tensor(np.random.default_rng(i).standard_normal((4, 5)).astype(np.float32))
            np.testing.assert_array_equal(g(x).data, f(x).data)
        assert g.replays == 4
    finally:
        del vars(own)["_first_above"]


def test_an_array_made_in_an_inlined_call_replaced_by_a_python_call_is_restored_at_its_write():
    # the inlined call's instructions (the array's restore place among them) are dropped
    # for a Python call of the replay; a later in-place write still restores it first
    from autograd.jit.recorder import Recorder
    rec = Recorder()

    def inlined():
        rec.section.why = "a number from elsewhere"
        return rec.const(np.zeros(3))
    made = rec._inline(inlined, (), {}, ("host", print, (), {}, 0, False), None)
    rec._before_write(made)
    rec.finish()
    restores = [ins for ins in rec.code if ins[0] == "restore"]
    assert len(restores) == 1 and np.array_equal(restores[0][2], np.zeros(3))


# --- modes the step sets for its caller ------------------------------------------------------
@pytest.mark.parametrize("mode", ["grad", "dtype"])
def test_a_mode_the_step_sets_as_a_plain_call_is_set_by_every_replay(mode):
    """ag.set_grad_enabled(False) (or set_default_dtype) as a plain call in an evaluation
    step, the caller switching it back between calls: eager leaves it set after every
    call, a replay (no Python) left it as the caller had it, so the training calls after
    it recorded graphs (or made float32 tensors) where eager's did not, silently."""
    seen = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = mlp()

        def evaluate(x):
            if mode == "grad":
                ag.set_grad_enabled(False)
                return model(x)
            ag.set_default_dtype(np.float64)
            with ag.no_grad():
                return model(x)
        f = ag.compile(evaluate) if compiled else evaluate
        after = []
        try:
            for i in range(6):
                ag.set_grad_enabled(True)
                ag.set_default_dtype(np.float32)
                out = f(batch(i)[0])
                after.append((ag.is_grad_enabled(), ag.get_default_dtype(), flat(out)))
        finally:
            ag.set_grad_enabled(True)
            ag.set_default_dtype(np.float32)
        seen.append(after)
    assert_same(seen[0], seen[1], mode)
    assert f.replays == 4
