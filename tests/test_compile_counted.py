"""The counted part of a compiled step's state check: what its modules hold (attributes,
registries, hooks, train/eval) and its parameters' arrays are checked again only after
``autograd.versions.structure`` moved. Every way of changing them that a user has must
move it; the twins (eager and compiled, compile_twins.py) agree bit for bit after each."""
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import versions
from autograd.jit.discover import State
from compile_twins import batch, check_twins, mlp, mlp_and_opt, train_step, watched
from nn.module import _Registry, _global_hooks, register_module_full_backward_pre_hook

CALLS = 8


def build_with(between_changes):
    """build() for check_twins; the `between` that makes `between_changes(env)` at call 4."""
    def build():
        model, opt = mlp_and_opt()
        # made here: a module made between calls would move the count itself
        return train_step(model, opt), watched(model, opt, spare=new_linear(),
                                               ones=nn.Parameter(np.ones(16, np.float32)))

    def between(i, env):
        if i == 4:
            between_changes(env)
    return build, between


def new_linear(h=16, classes=5, seed=7):
    ag.manual_seed(seed)        # the same layer in both twins
    return nn.Linear(h, classes)


CHANGES = {
    # a registry edited directly, not through the module
    "a submodule set in _modules": lambda env: env["models"][0]._modules.__setitem__(
        "2", env["spare"]),
    "a submodule replaced by item": lambda env: env["models"][0].__setitem__(2, env["spare"]),
    "a layer appended": lambda env: env["models"][0].append(nn.ReLU()),
    "a layer deleted": lambda env: env["models"][0].__delitem__(1),
    "a parameter replaced by setattr": lambda env: setattr(
        env["models"][0][0], "bias", env["ones"]),
    "a parameter's array replaced": lambda env: setattr(
        env["models"][0][2].weight, "data", np.zeros((5, 16), np.float32)),
    "a module put in eval mode by its flag": lambda env: setattr(
        env["models"][0][0], "training", False),
}
HOOKS = {
    "a forward hook": lambda env: env["models"][0][1].register_forward_hook(
        lambda m, a, out: out * 2),
    "a forward pre-hook": lambda env: env["models"][0][0].register_forward_pre_hook(
        lambda m, a: (a[0] * 0.5,)),
    # changing the gradients: a replay without them would differ from eager
    "a full backward hook": lambda env: env["models"][0][2].register_full_backward_hook(
        lambda m, grad_input, grad_output: (grad_input[0] * 0.5,)),
    "a backward pre-hook": lambda env: env["models"][0][1].register_full_backward_pre_hook(
        lambda m, grad_output: (grad_output[0] * 3,)),
    "a global backward hook": lambda env: register_module_full_backward_pre_hook(
        lambda m, grad_output: tuple(None if g is None else g * 0.5 for g in grad_output)),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_change_between_calls_is_seen(change):
    build, between = build_with(CHANGES[change])
    f = check_twins(build, calls=CALLS, between=between, replays=CALLS - 4)
    assert f.traces >= 2, f.traces


@pytest.mark.parametrize("change", HOOKS, ids=list(HOOKS))
def test_a_hook_registered_between_calls_is_seen(change):
    # a module hook is Python a replay would not run: from then on the step runs eagerly
    build, between = build_with(HOOKS[change])

    def build_without_global_hooks():
        _global_hooks.clear()     # the eager twin's
        return build()
    try:
        f = check_twins(build_without_global_hooks, calls=CALLS, between=between,
                        warns="global module hook" if "global" in change
                        else "backward hook" if "backward" in change else "forward hook")
    finally:
        _global_hooks.clear()
    assert f.replays == 2, f.replays


class Scaled(nn.Module):
    """A user's module with a number its forward reads."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(12, 5)
        self.scale = 1.0

    def forward(self, x):
        return self.inner(x) * self.scale


class OwnSetattr(Scaled):
    """One whose own __setattr__ writes its dict without Module's: its state is checked on
    every call (nothing counts its changes)."""

    def __setattr__(self, name, value):
        if name == "scale":
            self.__dict__[name] = value
        else:
            super().__setattr__(name, value)


@pytest.mark.parametrize("cls", [Scaled, OwnSetattr])
def test_a_number_the_forward_reads_set_between_calls(cls):
    def build():
        model = cls()
        opt = nn.optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            env["models"][0].scale = 3.0
    f = check_twins(build, calls=CALLS, between=between, replays=CALLS - 3)
    assert f.traces == 2


def test_the_counted_part_is_skipped_while_nothing_moves():
    # what is not counted (a module's __dict__ edited directly) is not seen until
    # something is; the uncounted part (a parameter's requires_grad) always is
    model = mlp()
    w = model[0].weight
    st = State([w], list(model.modules()), [])
    assert st.stale() is None
    model[0].__dict__["training"] = False
    assert st.stale() is None
    w.requires_grad_(False)
    assert st.stale() == "a tensor's requires_grad changed"
    w.requires_grad_(True)
    versions.structure_changed()
    assert st.stale() == "a module switched train/eval mode"
    model[0].__dict__["training"] = True
    assert st.stale() is None


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "old pickle"])
def test_copies_keep_counted_registries(how):
    model = mlp()
    if how == "pickle":
        other = pickle.loads(pickle.dumps(model))
    elif how == "deepcopy":
        other = copy.deepcopy(model)
    else:                   # pickled before the registries counted their changes
        state = {k: dict(v) if type(v) is _Registry else v for k, v in vars(model).items()}
        other = nn.Sequential.__new__(nn.Sequential)
        other.__setstate__(state)
    for m in other.modules():
        for k in ("_parameters", "_buffers", "_modules", "_forward_hooks",
                  "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"):
            assert type(vars(m)[k]) is _Registry, (how, k)
    before = versions.structure[0]
    other._modules["1"] = nn.Tanh()
    assert versions.structure[0] > before
    x, y = batch(0)
    np.testing.assert_allclose(F.cross_entropy(other(x), y).item(),
                               F.cross_entropy(model[2](model[0](x).tanh()), y).item())


# --- zero_grad(set_to_none=True) left out of a program whose next binding sets every
# gradient it drops (program._overwritten) -------------------------------------------
def _calls_zero_grad(f):
    (entry,) = [e for e in f.programs.values() if not isinstance(e, str)]
    source, names = entry.program.source, entry.program.run.__globals__
    return any(getattr(v, "__name__", None) == "zero_grad" and f"{k}(" in source
               for k, v in names.items())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_is_left_out_only_where_it_is_overwritten(set_to_none):
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt, set_to_none=set_to_none), watched(model, opt)
    f = check_twins(build)
    assert _calls_zero_grad(f) == (not set_to_none)


def test_zero_grad_is_dead_only_where_the_next_binding_sets_every_gradient_it_drops():
    from autograd.jit.program import _overwritten
    model = mlp()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    params = list(model.parameters())
    every = tuple((p, [None, None]) for p in params)
    zero = ("host", nn.optim.Optimizer.zero_grad, (opt,), {}, 0, True)
    keep = ("host", nn.optim.Optimizer.zero_grad, (opt,), {"set_to_none": False}, 0, True)
    keep_positional = ("host", nn.optim.Optimizer.zero_grad, (opt, False), {}, 0, True)
    later = ("host", print, (), {}, 1, False)
    assert _overwritten([zero], [()], every) == {id(zero)}
    assert _overwritten([zero], [()], every[1:]) == set()           # one not set again
    assert _overwritten([keep, keep_positional], [()], every) == set()
    # a Python call in between: its binding is the one that must set them
    assert _overwritten([zero, later], [(), every[1:]], every) == set()
    assert _overwritten([zero, later], [(), every], ()) == {id(zero)}


def test_an_update_in_place_through_data_is_not_a_change():
    # SGD's `p.data += u` sets back the same array: the count stays (it cost an eager
    # MLP step 18k instructions), while a new array moves it
    p = nn.Parameter(np.zeros(3, np.float32))
    frozen = nn.Parameter(np.zeros(3, np.float32), requires_grad=False)
    before = versions.structure[0]
    p.data += 1
    frozen.data += 1
    assert versions.structure[0] == before
    p.data = np.ones(3, np.float32)
    assert versions.structure[0] == before + 1
