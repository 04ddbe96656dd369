"""Lazy modules against PyTorch's: reprs and state dicts before the first call, the class,
shapes and repr after it, PyTorch's checkpoints loaded before or after it, values and
gradients (float32 and float64), initialisation, a training step built after a dry run
equal to PyTorch's over several steps, errors, and a compile twin."""
import numpy as np
import pytest

import autograd as ag
import nn
from compile_twins import check_twins, train_step, watched
from nn import optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)

# name, constructor arguments, input shape
CASES = [("LazyLinear", (5,), (3, 4, 7)), ("LazyLinear", (2, False), (6,)),
         ("LazyConv1d", (4, 3), (2, 6, 9)),
         ("LazyConv2d", (6, 3, 2, 1, 1, 2, True, "reflect"), (2, 4, 7, 8)),
         ("LazyConv3d", (2, (2, 1, 2)), (3, 5, 4, 6)),
         ("LazyConvTranspose1d", (3, 2, 2), (2, 4, 5)),
         ("LazyConvTranspose2d", (4, 3, 2, 1, 1, 2), (1, 6, 5, 5)),
         ("LazyConvTranspose3d", (2, 2), (1, 3, 2, 3, 2)),
         ("LazyBatchNorm1d", (), (8, 3)), ("LazyBatchNorm2d", (1e-3, 0.2), (4, 3, 2, 5)),
         ("LazyBatchNorm3d", (1e-5, 0.1, False), (2, 2, 3, 2, 2)),
         ("LazyInstanceNorm1d", (), (2, 3, 6)), ("LazyInstanceNorm2d", (1e-3, 0.2, False, False),
                                                 (2, 3, 4, 5)),
         ("LazyInstanceNorm3d", (1e-5, 0.1, True, False), (1, 2, 3, 2, 4))]
IDS = [f"{name}{args}" for name, args, _ in CASES]


def _expected_repr(name, theirs, shape):
    """PyTorch's repr, but num_features read from the input where PyTorch leaves it 0
    (nothing lazy: affine=False without running statistics)."""
    expected = repr(theirs)
    if expected.startswith(f"{name[len('Lazy'):]}(0,"):
        expected = expected.replace("(0,", f"({shape[1]},", 1)
    return expected


def _torch_state(module):
    return {k: ag.tensor(v.detach().numpy()) for k, v in module.state_dict().items()}


@pytest.mark.filterwarnings("ignore:input's size at dim=1")    # PyTorch's, num_features 0
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, args, shape", CASES, ids=IDS)
def test_lazy_module_becomes_its_class_and_matches_pytorch(name, args, shape, dtype):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    ours, theirs = getattr(nn, name)(*args, dtype=dtype), getattr(torch.nn, name)(*args,
                                                                               dtype=tdtype)
    assert repr(ours) == repr(theirs)
    before = ours.state_dict()
    assert list(before) == list(theirs.state_dict())
    assert all(nn.lazy.is_lazy(v) for k, v in before.items() if k != "num_batches_tracked")
    data = RNG.standard_normal(shape).astype(dtype)
    x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours(x)
    theirs(t)
    assert type(ours).__name__ == type(theirs).__name__ == name[len("Lazy"):]
    assert repr(ours) == _expected_repr(name, theirs, shape)
    for (k, p), (tk, tp) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == tk and p.shape == tuple(tp.shape), (k, tk, p.shape)
        assert p.dtype == (dtype if k != "num_batches_tracked" else np.int64)
    ours.load_state_dict(_torch_state(theirs))
    y, ty = ours(x), theirs(t)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    w = RNG.standard_normal(y.shape).astype(dtype)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=tol, atol=tol, err_msg=k)


@pytest.mark.filterwarnings("ignore:input's size at dim=1")
@pytest.mark.parametrize("name, args, shape", CASES[::2], ids=IDS[::2])
def test_pytorch_checkpoint_loads_before_the_first_call(name, args, shape):
    theirs = getattr(torch.nn, name)(*args).double()
    data = RNG.standard_normal(shape)
    theirs(torch.tensor(data))
    ours = getattr(nn, name)(*args).double()
    ours.load_state_dict(_torch_state(theirs))
    assert type(ours).__name__ == name          # still lazy until called, as PyTorch
    np.testing.assert_allclose(ours(ag.tensor(data)).data,
                               theirs(torch.tensor(data)).detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    assert repr(ours) == _expected_repr(name, theirs, shape)


def test_materialised_parameters_are_initialised_as_the_ordinary_layers():
    ag.manual_seed(0)
    lin, conv = nn.LazyLinear(50), nn.LazyConvTranspose2d(8, 3, groups=2)
    bn = nn.LazyBatchNorm1d().eval()
    lin(ag.ones(2, 400))
    conv(ag.ones(1, 4, 3, 3))
    bn(ag.ones(2, 5))
    bound = 1 / np.sqrt(400)
    assert 0.9 * bound < np.abs(lin.weight.data).max() <= bound
    assert 0.9 * bound < np.abs(lin.bias.data).max() <= bound
    bound = 1 / np.sqrt(4 * 9)               # fan_in of (in, out / groups, k, k): dim 1 * k * k
    assert 0.8 * bound < np.abs(conv.weight.data).max() <= bound
    assert (bn.weight.data == 1).all() and (bn.bias.data == 0).all()
    assert (bn.running_mean.data == 0).all() and (bn.running_var.data == 1).all()
    assert type(lin.weight) is nn.Parameter and lin.weight.requires_grad
    assert type(bn.running_mean) is ag.Tensor


def _models(mod):
    return mod.Sequential(mod.LazyConv1d(4, 3, bias=False), mod.LazyBatchNorm1d(), mod.ReLU(),
                          mod.Flatten(), mod.LazyLinear(3))


def test_training_after_a_dry_run_matches_pytorch():
    ours, theirs = _models(nn).double(), _models(torch.nn).double()
    data = RNG.standard_normal((5, 2, 6))
    ours(ag.tensor(data))
    theirs(torch.tensor(data))
    ours.load_state_dict(_torch_state(theirs))
    opt = optim.Adam(ours.parameters(), lr=0.05)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for step in range(4):
        batch = RNG.standard_normal((5, 2, 6))
        for model, o, lib in ((ours, opt, ag), (theirs, topt, torch)):
            o.zero_grad()
            (model(lib.tensor(batch)) ** 2).mean().backward()
            o.step()
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k].data, v.numpy(), rtol=1e-11,
                                       atol=1e-12, err_msg=f"step {step}: {k}")


def test_copies_and_pickles_stay_lazy():
    import copy
    import pickle
    for m in (copy.deepcopy(nn.LazyLinear(3, dtype=ag.float64)),
              pickle.loads(pickle.dumps(nn.LazyLinear(3, dtype=ag.float64)))):
        assert type(m.weight) is nn.UninitializedParameter and m.weight.dtype == np.float64
        assert m(ag.ones(2, 4, dtype=ag.float64)).shape == (2, 3)
        assert type(m) is nn.Linear and m.weight.shape == (3, 4)
    bn = copy.deepcopy(nn.LazyBatchNorm2d())
    assert type(bn.running_mean) is nn.UninitializedBuffer
    bn(ag.ones(2, 3, 2, 2))
    assert bn.running_var.shape == (3,)


def test_errors():
    with pytest.raises(ag.ArgumentError, match=r"add_param_group: parameter 0 is an "
                                               r"UninitializedParameter .* dry run"):
        optim.SGD(nn.LazyLinear(3).parameters(), lr=0.1)
    with pytest.raises(ag.ArgumentError, match="UninitializedParameter has no shape yet"):
        nn.LazyLinear(3).weight.shape
    with pytest.raises(ag.ArgumentError, match=r"LazyBatchNorm2d: expected a 4-d input, got "
                                               r"shape \(2, 3\)"):
        nn.LazyBatchNorm2d()(ag.ones(2, 3))
    with pytest.raises(ag.ArgumentError, match=r"LazyConv2d: the input's 3 channels .* not "
                                               r"divisible by groups \(2\)"):
        nn.LazyConv2d(4, 3, groups=2)(ag.ones(1, 3, 5, 5))
    m = nn.LazyLinear(3)
    with pytest.raises(nn.StateDictError, match=r"size mismatch for weight"):
        m(ag.ones(2, 4))
        m.load_state_dict({"weight": ag.ones(3, 5), "bias": ag.ones(3)})


def test_compile_twin_after_a_dry_run():
    def build():
        ag.manual_seed(0)
        model = nn.Sequential(nn.Unflatten(1, (2, 6)), nn.LazyConv1d(3, 3),
                              nn.LazyBatchNorm1d(), nn.ReLU(), nn.Flatten(), nn.LazyLinear(5))
        with ag.no_grad():
            model(ag.zeros(2, 12))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)
