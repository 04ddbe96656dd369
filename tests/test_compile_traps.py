"""ag.compile's traps: Python state a step leaves outside what it returns (a list it
appends to, a gradient array the user keeps), programs and warnings that must not mislead.
Each case is a twin run (eager and compiled from one seed, bit for bit) or a fallback that
must warn naming what the user wrote."""
import importlib.util

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from nn import optim
from compile_twins import assert_same, assert_same_runs, batch, flat, mlp, run, watched


def sgd_model():
    model = mlp()
    return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


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
        model, opt = sgd_model()
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
    class Trainer:
        def __init__(self):
            self.model, self.opt = sgd_model()
            self.log = {"loss": [], "norm": []}

        def step(self, x, y):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            self.log["loss"].append(loss.detach())
            self.log["norm"].append((self.model[0].weight ** 2).sum().detach())
            return loss

    def build():
        t = Trainer()
        return t.step, watched(t.model, t.opt, log=t.log)
    eager, compiled = logged_runs(build)
    assert_same_runs(eager, compiled, replays=5)


def test_a_window_the_step_appends_to_and_pops_replays():
    """Its length is read (pop), so it is a place: its item is carried, made again."""
    def build():
        model, opt = sgd_model()
        window = [ag.tensor(0.0)]

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            window.append(loss.detach())
            window.pop(0)
            return loss
        return step, watched(model, opt, log=window)
    assert_same_runs(*logged_runs(build), replays=5)


def test_a_list_the_step_inserts_into_runs_eagerly_naming_it():
    def build():
        model, opt = sgd_model()
        window = []

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            window.insert(0, loss.detach())
            return loss
        return step, watched(model, opt, log=window)
    assert_same_runs(*logged_runs(build), warns="adds or removes items of the list 'window'")


def test_a_list_whose_last_item_the_step_reads_runs_eagerly():
    """A replay would read the item the trace read (history[-1] then), not the last."""
    def build():
        model, opt = sgd_model()
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
    class Trainer:
        def __init__(self):
            self.model, self.opt = sgd_model()
            self.log = None

        def step(self, x, y):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            self.log = loss
            return loss

    def build():
        t = Trainer()
        return t.step, watched(t.model, t.opt, trainer=t)
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
        model, opt = sgd_model()

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
        model, opt = sgd_model()
        return module.make(model, opt, F), watched(model, opt)
    eager, compiled = (run(build, c) for c in (False, True))
    assert_same_runs(eager, compiled, warns=r"\.item\(\).*user_step\.py:5")
    assert compiled.f.traces == 1, compiled.f.causes
