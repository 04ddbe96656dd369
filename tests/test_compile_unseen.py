"""ag.compile against tensors a step reads where the walk of its state (discover.py) did
not find or trace them: deeper than it goes, in a class's or a user module's attribute,
a module's private attribute or public dict, behind a functools.partial, the items of an
iterator the step loops over, a numpy scalar eager left on an object. A replay read the
array the trace found there, so a new tensor or array put in its place was not seen
(silently); each case is a twin run (eager and compiled from one seed, bit for bit)."""
import functools
import itertools
import pickle
import re
import types
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from nn.data import DataLoader, TensorDataset
from compile_twins import batch, check_twins, mlp, mlp_and_opt, train_step, watched


def _weighted_step(model, opt, weight):
    """The usual step on logits scaled by the tensor weight() gives."""
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x) * weight(), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _changes(holder, key):
    """The user's changes between calls to the tensor at holder[key]: in place, its array
    replaced, the tensor replaced."""
    def between(i, env):
        w = holder[key]
        if i == 3:
            w.data[1:3] = 2.0
        elif i == 4:
            w.data = np.full(5, 3.0, np.float32)
        elif i == 5:
            holder[key] = ag.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32))
    return between


def test_a_tensor_deeper_than_the_walk_runs_eagerly():
    deep = {"a": {"b": {"c": {"d": [None]}}}}
    holder = deep["a"]["b"]["c"]["d"]

    def build():
        holder[0] = ag.tensor(np.ones(5, np.float32))
        model, opt = mlp_and_opt()
        return (_weighted_step(model, opt, lambda: deep["a"]["b"]["c"]["d"][0]),
                watched(model, opt))
    check_twins(build, between=_changes(holder, 0), warns=r"reads a tensor of shape \(5,\) "
                r"in a list, where compile does not look")


class Weights:
    """Class attributes the step reads: a tensor and a numpy array."""
    w = None
    a = None


config = types.ModuleType("user_config")        # a user's module of settings


@pytest.mark.parametrize("owner", ["class", "module"])
def test_a_tensor_in_a_class_or_module_attribute_changed_between_calls(owner):
    holder = Weights if owner == "class" else config

    def build():
        holder.w = ag.tensor(np.ones(5, np.float32))
        model, opt = mlp_and_opt()
        if owner == "class":
            return _weighted_step(model, opt, lambda: Weights.w), watched(model, opt)
        return _weighted_step(model, opt, lambda: config.w), watched(model, opt)
    f = check_twins(build, between=_changes(vars(holder) if owner == "module" else
                                            _ClassItems(holder), "w"), replays=3)
    assert f.traces == 3


class _ClassItems:
    """A class's attributes as a mapping (a class's __dict__ is read-only)."""

    def __init__(self, cls):
        self.cls = cls

    def __getitem__(self, k):
        return getattr(self.cls, k)

    def __setitem__(self, k, v):
        setattr(self.cls, k, v)


def test_a_numpy_array_in_a_class_attribute_replaced_between_calls():
    def build():
        Weights.a = np.ones(5, np.float32)
        model, opt = mlp_and_opt()
        return _weighted_step(model, opt, lambda: ag.tensor(Weights.a)), watched(model, opt)

    def between(i, env):
        if i == 3:
            Weights.a[2] = 4.0
        elif i == 5:
            Weights.a = np.full(5, 0.5, np.float32)
    check_twins(build, between=between, replays=3)


def test_a_partial_of_an_inference_function_finds_its_model():
    def infer(model, x):
        with ag.no_grad():
            return model(x)

    def build():
        model = mlp()
        return functools.partial(infer, model), watched(model, other=mlp())

    def between(i, env):
        if i == 4:
            for p, q in zip(env["models"][0].parameters(), env["other"].parameters()):
                p.data = q.data.copy()
    check_twins(build, between=between, args=lambda i, env: (batch(i)[0],), replays=4)


@pytest.mark.parametrize("source", ["list", "zip", "generator", "DataLoader"])
@pytest.mark.parametrize("loop", ["for", "islice"])
def test_a_step_looping_over_an_iterator_runs_eagerly(source, loop):
    """for x, y in it: break (or islice) takes the next batch without next(): a replay
    trained on the traced batch again."""
    rng = np.random.default_rng(0)
    data = TensorDataset(ag.tensor(rng.standard_normal((64, 12)).astype(np.float32)),
                         ag.tensor(rng.integers(0, 5, 64)))

    def build():
        model, opt = mlp_and_opt()
        train = train_step(model, opt)
        batches = [batch(i) for i in range(8)]
        it = (iter(batches) if source == "list" else zip(*zip(*batches)) if source == "zip"
              else (batch(i) for i in range(8)) if source == "generator"
              else iter(DataLoader(data, batch_size=8)))

        def step():
            if loop == "for":
                for x, y in it:
                    break
            else:
                (x, y), = itertools.islice(it, 1)
            return train(x, y)
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: (), warns=r"the step reaches was advanced \(a for "
                r"loop, islice or zip over it\)")


def test_a_generator_the_step_reaches_but_does_not_advance_replays():
    def build():
        model, opt = mlp_and_opt()
        step = train_step(model, opt)
        pending = (batch(i) for i in range(8))

        def outer(x, y):
            if pending is None:
                return None
            return step(x, y)
        return outer, watched(model, opt)
    check_twins(build)


class Scaled(nn.Module):
    """An MLP whose logits are scaled by what a private attribute or a public dict holds."""

    def __init__(self, where):
        super().__init__()
        self.where, self.body = where, mlp()
        self._mask = np.ones(5, np.float32)
        self._weight = ag.tensor(np.ones(5, np.float32))
        self._slots = {"w": ag.tensor(np.ones(5, np.float32))}
        self.cfg = {"w": ag.tensor(np.ones(5, np.float32))}

    def forward(self, x):
        w = (ag.tensor(self._mask) if self.where == "_mask" else self._weight
             if self.where == "_weight" else getattr(self, self.where)["w"])
        return self.body(x) * w


@pytest.mark.parametrize("where", ["_mask", "_weight", "_slots", "cfg"])
def test_a_modules_private_attribute_or_public_dict_replaced_between_calls(where):
    """self._mask = np.array(...), self._weight = ag.tensor(...), self._slots or self.cfg
    = {...} set between calls on a user's module: the walk took no place for them (a
    private attribute not a number, a dict), so the program kept reading the old ones."""
    def build():
        model = Scaled(where)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            new = np.linspace(0.5, 1.5, 5).astype(np.float32)
            setattr(env["models"][0], where, new if where == "_mask" else ag.tensor(new)
                    if where == "_weight" else {"w": ag.tensor(new)})
    f = check_twins(build, between=between, replays=4)
    assert f.traces == 2


def test_a_tensor_the_step_keeps_in_a_modules_private_attribute_replays():
    """self._last = ... on a user's module is now a place of the step's state: a replay
    binds there a fresh tensor of its result, as eager leaves (it ran eagerly before,
    the tensor kept where the walk did not look)."""
    def build():
        model, opt = mlp_and_opt()
        keeper = Scaled("cfg")
        keeper._last = ag.zeros(())
        step = train_step(model, opt)

        def kept(x, y):
            loss = step(x, y)
            before, keeper._last = keeper._last, loss.detach() * 2
            return loss, before
        return kept, watched(model, opt)
    check_twins(build)

_PLAIN = {"__array__": lambda a: a.__array__(), "np.array of a list": lambda a: np.array([a])[0],
          "np.asarray_chkfinite": np.asarray_chkfinite,
          "np.require": lambda a: np.require(a, requirements="F")}


@pytest.mark.parametrize("how", list(_PLAIN))
def test_a_plain_array_of_the_input_made_by_numpy_runs_eagerly(how):
    """A plain ndarray of a traced array made where numpy calls no hook (a method, a list,
    numpy's own functions calling np.asarray by their module's name): the batch it held
    was a constant of the program, every replay trained on it."""
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            z = ag.tensor(_PLAIN[how](x.data) * 2)
            loss = F.cross_entropy(model(z), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, warns=r"\(\) of a tensor's memory \(at test_compile_unseen.py:\d+\)")


class Log:
    """A plain object the step keeps its numbers on."""


@pytest.mark.parametrize("kept", ["average", "previous"])
def test_a_loss_kept_on_an_object_from_call_to_call(kept):
    """A running average of the loss (0.9 * avg + 0.1 * loss) or the last call's loss
    returned before it is replaced: eager's 0-d results held numpy scalars, which the
    trace left untraced (every replay started from the traced call's average), and a
    carried tensor the step only returns was not a program input (every replay returned
    the traced call's value)."""
    def build():
        model, opt = mlp_and_opt()
        log, step = Log(), train_step(model, opt)
        log.value = ag.zeros(())

        def logged(x, y):
            loss = step(x, y)
            before = log.value
            log.value = (0.9 * log.value + 0.1 * loss.detach() if kept == "average"
                         else loss.detach() * 2)
            return loss, before, log.value
        return logged, watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("how", ["flat read", "flat write", "buffer", "byteswap"])
def test_flat_buffer_and_byteswap_of_the_input(how):
    """x.data.flat reads and writes in C, so does numpy through x.data.data (the buffer),
    x.data.byteswap() copies in C: none was recorded, so a replay kept the traced batch's
    values (or did not write). .flat and .data now make the step run eagerly, naming the
    line; byteswap is recorded."""
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            if how == "flat read":
                x = x * ag.tensor(x.data.flat[0:12].copy())
            elif how == "flat write":
                x.data.flat[0] = 5.0
            elif how == "buffer":
                x = x * ag.tensor(np.frombuffer(x.data.data, np.float32).reshape(8, 12))
            else:
                x = x * ag.tensor(x.data.byteswap().byteswap())
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, warns=None if how == "byteswap" else
                r"\.(flat|data) of a tensor's memory \(at test_compile_unseen.py:\d+\)")


_SAVES = {"tofile": lambda w, path: w.data.tofile(path),
          "pickle": lambda w, path: open(path, "wb").write(pickle.dumps(w.data)),
          "save_safetensors": lambda w, path: nn.save_safetensors({"w": w}, path)}


@pytest.mark.parametrize("how", list(_SAVES))
def test_a_step_saving_a_weight_runs_eagerly(how, tmp_path):
    """Saving a weight in the step (.tofile, pickle, nn.save_safetensors, which hands
    safetensors the array's .ctypes pointer): numpy reads the memory in C, so the file
    held the traced call's values (written by the trace alone: a replay runs no Python).
    Now the step runs eagerly, as when printing: the file holds every call's weights."""
    files = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model, opt = mlp_and_opt()
        step, path = train_step(model, opt), str(tmp_path / f"{how}-{compiled}")

        def saving(x, y):
            loss = step(x, y)
            _SAVES[how](model[0].weight, path)
            return loss
        f = ag.compile(saving) if compiled else saving
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(5):
                f(*batch(i))
        with open(path, "rb") as fh:
            files.append(fh.read())
        warned = [str(w.message) for w in caught if str(w.message).startswith("compile")]
    assert files[0] == files[1]
    assert len(warned) == 1 and re.search(r"runs eagerly: (\.tofile\(\)|pickling a tensor|"
                                          r"\.ctypes of a tensor's memory) \(at ", warned[0])
