"""Module and ParameterDict methods as PyTorch's, side by side: ParameterDict's copy,
setdefault, fromkeys, popitem, reversed and the | / |= operators; Module.set_submodule,
Module.type, and the state-dict pre hook and load-state-dict post hook (which may clear
the missing keys of a strict load)."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


def _dicts():
    ours = nn.ParameterDict({"b": nn.Parameter(ag.ones(1)), "a": nn.Parameter(ag.zeros(1))})
    theirs = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.ones(1)),
                                     "a": torch.nn.Parameter(torch.zeros(1))})
    return ours, theirs


@pytest.mark.parametrize("step", [
    lambda lib, d: list(d.copy().keys()),
    lambda lib, d: d.copy()["a"] is d["a"],
    lambda lib, d: (d.setdefault("c", lib.ones(2)).shape[0], list(d.keys())),
    lambda lib, d: (d.setdefault("a") is d["a"], d.setdefault("z"), list(d.keys())),
    lambda lib, d: (list(d.fromkeys(["x", "y"], lib.ones(1)).keys()),
                    type(d.fromkeys(["x"])).__name__),
    lambda lib, d: (d.popitem()[0], list(d.keys())),
    lambda lib, d: list(reversed(d)),
    lambda lib, d: (type(d | {"q": lib.ones(1)}).__name__, list((d | {"q": lib.ones(1)}).keys())),
    lambda lib, d: (type({"q": lib.ones(1)} | d).__name__, list({"q": lib.ones(1)} | d)),
    lambda lib, d: list((d.__ior__({"w": lib.ones(1)})).keys()),
])
def test_parameter_dict_methods_as_torch(step):
    ours, theirs = _dicts()
    assert step(ag, ours) == step(torch, theirs)


def test_parameter_dict_popitem_of_an_empty_dict_raises_key_error_as_torch():
    with pytest.raises(KeyError):
        torch.nn.ParameterDict().popitem()
    with pytest.raises(KeyError, match="empty"):
        nn.ParameterDict().popitem()


def test_parameter_dict_copy_registers_the_same_parameters():
    ours, _ = _dicts()
    twin = ours.copy()
    assert [p for p in twin.parameters()] == [ours["a"], ours["b"]]


def test_set_submodule_as_torch():
    for lib in (nn, torch.nn):
        m = lib.Sequential(lib.Linear(2, 2), lib.Sequential(lib.ReLU()))
        m.set_submodule("1.0", lib.Tanh())
        assert type(m[1][0]).__name__ == "Tanh"
        with pytest.raises(AttributeError):
            m.set_submodule("1.5", lib.Tanh(), strict=True)
        m.set_submodule("1.5", lib.Tanh())
        assert type(m[1]._modules["5"]).__name__ == "Tanh"
        with pytest.raises(AttributeError):
            m.set_submodule("2.0", lib.Tanh())


def test_type_casts_integer_buffers_too_as_torch():
    ours, theirs = nn.BatchNorm1d(2).type(ag.float64), torch.nn.BatchNorm1d(2).type(torch.float64)
    assert ours.num_batches_tracked.dtype == ag.float64
    assert theirs.num_batches_tracked.dtype == torch.float64
    assert ours.weight.dtype == ag.float64 and isinstance(ours.weight, nn.Parameter)
    with pytest.raises(ag.GradgraphError, match="BatchNorm1d.type: parameters must be floating"):
        nn.BatchNorm1d(2).type(ag.int32)
    with pytest.raises(RuntimeError):
        torch.nn.BatchNorm1d(2).type(torch.int32)


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_state_dict_pre_hook_and_load_post_hook_as_torch(lib):
    nn_ = nn if lib == "ours" else torch.nn
    m = nn_.Sequential(nn_.Linear(2, 2), nn_.Linear(2, 1))
    calls = []
    m[0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars:
                                      calls.append((prefix, keep_vars)))
    state = m.state_dict(keep_vars=True)
    assert calls == [("0.", True)]
    state = {k: v.detach() * 2 for k, v in state.items() if k != "1.bias"}

    def clear_missing(module, keys):
        calls.append(list(keys.missing_keys))
        keys.missing_keys.clear()
    handle = m.register_load_state_dict_post_hook(clear_missing)
    result = m.load_state_dict(state)                  # strict, passes: the hook cleared it
    assert calls[-1] == ["1.bias"] and result.missing_keys == []
    np.testing.assert_allclose(np.asarray(m[1].weight.detach()), np.asarray(state["1.weight"]))
    handle.remove()
    with pytest.raises(RuntimeError, match="Missing key"):
        m.load_state_dict(state)
    m.register_load_state_dict_post_hook(lambda module, keys: 1)
    with pytest.raises((RuntimeError, AssertionError, ag.GradgraphError)):
        m.load_state_dict(state, strict=False)


def test_a_shape_error_copies_nothing_even_with_a_post_hook():
    m = nn.Linear(2, 2)
    m.register_load_state_dict_post_hook(lambda module, keys: None)
    before = m.weight.data.copy()
    with pytest.raises(ag.GradgraphError, match="size mismatch for bias"):
        m.load_state_dict({"weight": np.zeros((2, 2), np.float32), "bias": np.zeros(3)})
    np.testing.assert_array_equal(m.weight.data, before)
