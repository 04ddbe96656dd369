"""nn.utils.parametrizations.orthogonal against PyTorch: each map ('matrix_exp', 'cayley',
'householder') with and without use_trivialization, on square, tall, wide and batched
weights: state dicts at registration, values and gradients after a change of the stored
original, float32 and float64, assignment, training steps, errors and compile twins.
(Gradchecks of the maps: op_table.py.)"""
import numpy as np
import pytest

import autograd as ag
import nn
from compile_twins import check_twins, train_step, watched
from nn import optim
from nn.utils import parametrizations

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrizations

RNG = np.random.default_rng(0)
MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 4), (2, 5, 3)]


def _pair(w, orthogonal_map, use_trivialization, dtype=np.float64):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    theirs = torch.nn.Linear(3, 3, bias=False).to(tdtype)
    theirs.weight = torch.nn.Parameter(torch.tensor(w.astype(dtype)))
    ours = nn.Linear(3, 3, bias=False).to(dtype)
    ours.weight = nn.Parameter(ag.tensor(w.astype(dtype)))
    TP.orthogonal(theirs, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    parametrizations.orthogonal(ours, orthogonal_map=orthogonal_map,
                                use_trivialization=use_trivialization)
    return ours, theirs


def _load(ours, theirs):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


@pytest.mark.parametrize("trivialization", [True, False], ids=["base", "no-base"])
@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_orthogonal_matches_pytorch(shape, orthogonal_map, trivialization):
    ours, theirs = _pair(RNG.standard_normal(shape), orthogonal_map, trivialization)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    square = shape[-1] == shape[-2]
    for k, v in theirs.state_dict().items():     # a wide or tall base is completed at random
        if square or not k.endswith("base"):
            np.testing.assert_allclose(ours.state_dict()[k].data, v.numpy(), atol=1e-14,
                                       err_msg=k)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), atol=1e-14)
    # a change of the stored original below the diagonal (householder keeps its signs)
    stored = theirs.parametrizations.weight.original
    below = 1 - np.eye(*shape[-2:])
    with torch.no_grad():
        stored += torch.tensor(RNG.standard_normal(shape) * 0.4 * below)
    _load(ours, theirs)
    w, tw = ours.weight, theirs.weight
    np.testing.assert_allclose(w.data, tw.detach().numpy(), atol=1e-13)
    q = w.data if shape[-2] >= shape[-1] else np.swapaxes(w.data, -1, -2)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(
        np.eye(min(shape[-2:])), q.shape[:-2] + (min(shape[-2:]),) * 2), atol=1e-13)
    c = RNG.standard_normal(shape)
    (w * ag.tensor(c)).sum().backward()
    (tw * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.data,
                               stored.grad.numpy(), atol=1e-13)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_orthogonal_float32_matches_pytorch(orthogonal_map):
    ours, theirs = _pair(RNG.standard_normal((5, 4)), orthogonal_map, True, np.float32)
    _load(ours, theirs)
    assert ours.weight.dtype == np.float32
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), atol=2e-6)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_assigning_an_orthogonal_matrix_stores_it_as_pytorch(orthogonal_map):
    ours, theirs = _pair(RNG.standard_normal((4, 4)), orthogonal_map, True)
    q = np.linalg.qr(RNG.standard_normal((4, 4)))[0]
    ours.weight = ag.tensor(q)
    theirs.weight = torch.tensor(q)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].data, v.numpy(), atol=1e-14, err_msg=k)
    np.testing.assert_allclose(ours.weight.data, q, atol=1e-14)


def test_training_steps_match_pytorch():
    def model(mod, utils):
        a, b = mod.Linear(6, 6), mod.Linear(6, 3)
        utils.parametrizations.orthogonal(a)                   # square: matrix_exp
        utils.parametrizations.orthogonal(b)                   # wide: householder
        return mod.Sequential(a, mod.Tanh(), b).double()
    ours, theirs = model(nn, nn.utils), model(torch.nn, torch.nn.utils)
    _load(ours, theirs)
    opt = optim.SGD(ours.parameters(), lr=0.2, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.2, momentum=0.9)
    for step in range(5):
        x = RNG.standard_normal((4, 6))
        for m, o, lib in ((ours, opt, ag), (theirs, topt, torch)):
            o.zero_grad()
            ((m(lib.tensor(x)) - 1.0) ** 2).mean().backward()
            o.step()
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k].data, v.numpy(), atol=1e-12,
                                       err_msg=f"step {step}: {k}")


def test_errors():
    with pytest.raises(ag.ShapeError, match="Expected a matrix or batch of matrices. Got a "
                                            "tensor of 1 dimensions"):
        parametrizations.orthogonal(nn.Linear(2, 2), "bias")
    with pytest.raises(ag.ArgumentError, match='orthogonal_map has to be one of "matrix_exp", '
                                               '"cayley", "householder". Got: qr'):
        parametrizations.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    layer = parametrizations.orthogonal(nn.Linear(3, 3), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign to the matrix "
                                                  "exponential"):
        layer.weight = ag.eye(3)
    with pytest.raises(ag.ShapeError, match=r"orthogonal: expected .* of shape \(3, 3\), got a "
                                            r"tensor of shape \(2, 3\)"):
        parametrizations.orthogonal(nn.Linear(3, 3)).weight = ag.ones(2, 3)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_compile_twins(orthogonal_map):
    def build():
        a, b, c = nn.Linear(12, 16), nn.Linear(16, 16), nn.Linear(16, 5)
        parametrizations.orthogonal(a, orthogonal_map=orthogonal_map)
        parametrizations.orthogonal(b, orthogonal_map=orthogonal_map)
        model = nn.Sequential(a, nn.ReLU(), b, nn.Tanh(), c)
        opt = optim.Adam(model.parameters(), lr=1e-1)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)
