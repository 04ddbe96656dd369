"""nn.utils.parametrize, nn.utils.parametrizations.weight_norm / spectral_norm and the older
nn.utils.weight_norm / spectral_norm against PyTorch: state-dict keys, PyTorch's
checkpoints loaded, values and gradients, right_inverse on assignment, cached(),
removal, several training steps equal to PyTorch's, errors, and compile twins."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from compile_twins import check_twins, train_step, watched
from nn import optim
from nn.utils import parametrizations, parametrize

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrize

RNG = np.random.default_rng(0)


def _load_torch(ours, theirs):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def _assert_state_equal(ours, theirs, tol=1e-12, where=""):
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd), where
    for k, v in tsd.items():
        np.testing.assert_allclose(sd[k].data, v.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"{where}: {k}")


def _symmetric(base):
    class Symmetric(base):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

        def right_inverse(self, a):
            return a.triu()
    return Symmetric()


def _scale(base):
    class Scale(base):                         # no right_inverse
        def forward(self, x):
            return x * 2.0
    return Scale()


def test_register_parametrization_matches_pytorch():
    ours, theirs = nn.Linear(4, 4).double(), torch.nn.Linear(4, 4).double()
    _load_torch(ours, theirs)
    parametrize.register_parametrization(ours, "weight", _symmetric(nn.Module))
    TP.register_parametrization(theirs, "weight", _symmetric(torch.nn.Module))
    parametrize.register_parametrization(ours, "weight", _scale(nn.Module))
    TP.register_parametrization(theirs, "weight", _scale(torch.nn.Module))
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert repr(ours) == repr(theirs)
    assert parametrize.is_parametrized(ours, "weight") and not parametrize.is_parametrized(
        ours, "bias")
    assert parametrize.type_before_parametrizations(ours) is nn.Linear
    _assert_state_equal(ours, theirs)
    x = RNG.standard_normal((3, 4))
    ax, tx = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(ax) ** 2).sum().backward()
    (theirs(tx) ** 2).sum().backward()
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ax.grad.data, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.data,
                               theirs.parametrizations.weight.original.grad.numpy(), rtol=1e-12)
    with parametrize.cached():
        assert ours.weight is ours.weight
    assert ours.weight is not ours.weight
    # assignment stores right_inverse (here of the first only: Scale has none -> error)
    with pytest.raises(ag.ArgumentError, match="Scale does not implement right_inverse"):
        ours.weight = ag.ones(4, 4, dtype=ag.float64)
    parametrize.remove_parametrizations(ours, "weight", leave_parametrized=False)
    TP.remove_parametrizations(theirs, "weight", leave_parametrized=False)
    assert type(ours) is nn.Linear and list(ours.state_dict()) == list(theirs.state_dict())
    _assert_state_equal(ours, theirs)


def test_assignment_and_removal_keep_the_parametrized_value():
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        layer = mod.Linear(3, 3).double()
        (parametrize if lib is ag else TP).register_parametrization(layer, "weight",
                                                                   _symmetric(mod.Module))
        original = layer.parametrizations.weight.original
        layer.weight = lib.tensor(np.arange(9.0).reshape(3, 3))
        assert layer.parametrizations.weight.original is original      # stored in place
        stored = np.array(original.detach().numpy() if lib is torch else original.data)
        (parametrize if lib is ag else TP).remove_parametrizations(layer, "weight")
        value = layer.weight.detach().numpy() if lib is torch else layer.weight.data
        if lib is ag:
            ours = stored, np.array(value)
    np.testing.assert_array_equal(ours[0], stored)
    np.testing.assert_array_equal(ours[1], value)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("make, dim", [(lambda m: m.Linear(5, 3), 0), (lambda m: m.Linear(5, 3), 1),
                                       (lambda m: m.Conv2d(2, 4, 3), None),
                                       (lambda m: m.ConvTranspose1d(3, 2, 3), 1)], ids=str)
def test_weight_norm_matches_pytorch(make, dim, dtype):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    ours, theirs = make(nn).to(dtype), make(torch.nn).to(tdtype)
    parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    _load_torch(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shape = ((2, 5) if isinstance(ours, nn.Linear)
             else (2, ours.in_channels, 6, 5)[:ours.weight.ndim])
    x = RNG.standard_normal(shape).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for (k, p), (tk, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == tk
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=tol * 10, atol=tol,
                                   err_msg=k)


def test_older_weight_norm_checkpoint_loads_into_the_parametrization():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    ours = parametrizations.weight_norm(nn.Linear(4, 3))
    _load_torch(ours, old)
    np.testing.assert_allclose(ours.weight.data, old.weight.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("make, n_iter", [(lambda m: m.Linear(5, 3), 1),
                                          (lambda m: m.Conv2d(2, 4, 3), 2),
                                          (lambda m: m.ConvTranspose2d(3, 2, 2), 1)], ids=str)
def test_spectral_norm_training_and_eval_match_pytorch(make, n_iter):
    ours, theirs = make(nn).double(), make(torch.nn).double()
    parametrizations.spectral_norm(ours, n_power_iterations=n_iter)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=n_iter)
    _load_torch(ours, theirs)                  # _u and _v too
    shape = (2, 5) if isinstance(ours, nn.Linear) else (2, ours.in_channels, 5, 4)
    for step in range(3):                      # each training read runs the power iteration
        x = RNG.standard_normal(shape)
        ax, tx = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (ours(ax) ** 2).sum().backward()
        (theirs(tx) ** 2).sum().backward()
        np.testing.assert_allclose(ax.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        _assert_state_equal(ours, theirs, 1e-11, f"step {step}")
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-11)
    _assert_state_equal(ours, theirs, 1e-11, "eval")
    # a fresh one starts from 15 power iterations: its sigma near the top singular value
    fresh = parametrizations.spectral_norm(make(nn).double())
    w = fresh.weight.data
    w = np.moveaxis(w, 1, 0) if isinstance(fresh, nn.ConvTranspose2d) else w
    assert abs(np.linalg.svd(w.reshape(w.shape[0], -1), compute_uv=False)[0] - 1) < 0.05


def test_spectral_norm_float32_matches_pytorch():
    for new in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ours = (parametrizations.spectral_norm if new else nn.utils.spectral_norm)(
                nn.Conv2d(2, 4, 3))
            theirs = (torch.nn.utils.parametrizations.spectral_norm if new
                      else torch.nn.utils.spectral_norm)(torch.nn.Conv2d(2, 4, 3))
        _load_torch(ours, theirs)
        for step in range(3):
            x = RNG.standard_normal((2, 2, 5, 4)).astype(np.float32)
            y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
            assert y.dtype == np.float32
            np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
            _assert_state_equal(ours, theirs, 1e-5, f"step {step}")


def test_older_hooks_match_pytorch_and_remove():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        pairs = [(nn.utils.weight_norm(nn.Linear(4, 3).double(), dim=1),
                  torch.nn.utils.weight_norm(torch.nn.Linear(4, 3).double(), dim=1)),
                 (nn.utils.spectral_norm(nn.Conv1d(2, 3, 2).double(), n_power_iterations=2),
                  torch.nn.utils.spectral_norm(torch.nn.Conv1d(2, 3, 2).double(),
                                               n_power_iterations=2))]
    for ours, theirs in pairs:
        _load_torch(ours, theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        shape = (2, 4) if isinstance(ours, nn.Linear) else (2, 2, 5)
        for step in range(3):
            x = RNG.standard_normal(shape)
            y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
            np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-11, atol=1e-12)
            (y * y).sum().backward()
            (ty * ty).sum().backward()
            _assert_state_equal(ours, theirs, 1e-11, f"step {step}")
        remove = (nn.utils.remove_weight_norm if isinstance(ours, nn.Linear)
                  else nn.utils.remove_spectral_norm)
        (torch.nn.utils.remove_weight_norm if isinstance(ours, nn.Linear)
         else torch.nn.utils.remove_spectral_norm)(theirs)
        remove(ours)
        _assert_state_equal(ours, theirs, 1e-11, "removed")
        assert not ours._forward_pre_hooks and isinstance(ours.weight, nn.Parameter)


def _model(mod, utils):
    a, b, c = mod.Linear(6, 8), mod.Conv1d(2, 3, 3), mod.Linear(6, 2)
    utils.parametrizations.weight_norm(a)
    utils.parametrizations.spectral_norm(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        utils.weight_norm(c, dim=None)
    return mod.Sequential(a, mod.Tanh(), mod.Unflatten(1, (2, 4)), b, mod.Flatten(), c).double()


def test_training_steps_match_pytorch():
    ours, theirs = _model(nn, nn.utils), _model(torch.nn, torch.nn.utils)
    _load_torch(ours, theirs)
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    for step in range(5):
        x = RNG.standard_normal((4, 6))
        for model, o, lib in ((ours, opt, ag), (theirs, topt, torch)):
            o.zero_grad()
            (model(lib.tensor(x)) ** 2).mean().backward()
            o.step()
        _assert_state_equal(ours, theirs, 1e-10, f"step {step}")


def test_copies_and_pickles():
    import copy
    import pickle
    layer = parametrizations.weight_norm(nn.Linear(4, 3))
    replica = copy.deepcopy(layer)
    assert type(replica).__name__ == "ParametrizedLinear"
    np.testing.assert_array_equal(replica.weight.data, layer.weight.data)
    replica.parametrizations.weight.original0.data[...] = 0        # its own arrays (g)
    assert np.abs(layer.weight.data).max() > 0
    assert np.abs(replica(ag.ones(2, 4)).data - replica.bias.data).max() == 0
    parametrize.remove_parametrizations(replica, "weight")
    assert type(replica) is nn.Linear and layer.weight.shape == (3, 4)    # the copy's alone
    with pytest.raises(ag.GraphError, match=r"Serialization of parametrized modules "
                                            r"\(ParametrizedLinear\) is only supported through "
                                            r"state_dict\(\)"):
        pickle.dumps(layer)


def test_errors():
    with pytest.raises(ag.ArgumentError, match="does not have a parameter, a buffer, or a "
                                               "parametrized element with name 'weights'"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weights", _scale(nn.Module))

    class Row(nn.Module):
        def forward(self, x):
            return x[0]
    with pytest.raises(ag.ShapeError, match="may not change the shape or dtype"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Row())
    layer = parametrizations.weight_norm(nn.Linear(2, 2))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.weight = nn.Parameter(ag.ones(2, 2))      # would be a parameter nothing reads
    assert "weight" not in layer.state_dict()
    with pytest.raises(ag.ArgumentError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")
    with pytest.raises(ag.ArgumentError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(parametrizations.weight_norm(nn.Linear(2, 2)),
                                            "weight", leave_parametrized=False)
    with pytest.raises(ag.ArgumentError, match="n_power_iterations to be positive"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ag.ArgumentError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(nn.Linear(2, 2))
    with pytest.raises(ag.ArgumentError, match="uninitialized parameters"):
        nn.utils.spectral_norm(nn.LazyLinear(2))


def test_compile_twins():
    def build():
        a, b, c = nn.Linear(12, 16), nn.Linear(16, 16), nn.Linear(16, 5)
        parametrizations.spectral_norm(a)          # buffers written in place each training call
        parametrizations.weight_norm(b, dim=None)
        parametrize.register_parametrization(c, "bias", _scale(nn.Module))
        model = nn.Sequential(a, nn.ReLU(), b, nn.Tanh(), c)
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)

    def build_hooked():                         # a forward pre-hook: compile runs it eagerly
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            model = nn.Sequential(nn.utils.spectral_norm(nn.Linear(12, 5)))
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    check_twins(build_hooked, warns="runs eagerly: a forward hook")
