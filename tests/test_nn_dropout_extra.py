"""The channel-wise and alpha dropouts, rrelu, Softmax2d, Fold/Unfold and Bilinear: the
draws' structure and statistics (PyTorch's generator is not ours), the deterministic
parts against PyTorch (values, gradients, state dicts), in-place writes and errors."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("fn, shape, per", [("dropout1d", (6, 40, 5), 2), ("dropout1d", (40, 5), 1),
                                            ("dropout2d", (6, 40, 2, 3), 2),
                                            ("dropout2d", (6, 40, 5), 2),
                                            ("dropout3d", (40, 2, 2, 2), 1),
                                            ("dropout3d", (3, 40, 1, 2, 2), 2)])
def test_channel_dropout_zeros_whole_channels(fn, shape, per):
    x = ag.tensor(RNG.uniform(1.0, 2.0, shape), requires_grad=True)
    ag.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(F, fn)(x, 0.3)
    y.sum().backward()
    mask = x.grad.data                        # the mask, broadcast: y = x * mask exactly
    np.testing.assert_array_equal(y.data, x.data * mask)
    per_channel = mask.reshape(shape[:per] + (-1,))
    assert np.all(per_channel == per_channel[..., :1])          # one draw per channel
    assert set(np.unique(per_channel)) == {0.0, np.float64(1 / 0.7)}
    assert 0.1 < (per_channel[..., 0] == 0).mean() < 0.5
    t = torch.ones(shape)          # x itself in eval, as PyTorch (a view if unbatched)
    assert (getattr(F, fn)(x, 0.3, training=False) is x) == \
        (getattr(TF, fn)(t, 0.3, training=False) is t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert getattr(F, fn)(x * 1.0, 0.3, inplace=True).shape == shape


def test_channel_dropout_errors_and_warning_as_pytorch():
    with pytest.raises(ag.ShapeError, match=r"dropout1d: expected a 2-d or 3-d input, got shape "
                                            r"\(2, 3, 4, 5\)"):
        F.dropout1d(ag.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="dropout2d: received a 3-d input"):
        F.dropout2d(ag.ones(2, 3, 4))
    with pytest.raises(ag.ArgumentError, match="between 0 and 1"):
        nn.Dropout2d(1.5)
    with pytest.raises(ag.DtypeError, match="dropout2d: expected a floating-point tensor"):
        F.dropout2d(ag.tensor(np.ones((2, 3, 4, 4), np.int64)))


@pytest.mark.parametrize("fn", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_keeps_selu_statistics_as_pytorch(fn):
    data = TF.selu(torch.tensor(RNG.standard_normal((400, 50, 4)))).numpy()
    ag.manual_seed(1)
    ours = getattr(F, fn)(ag.tensor(data), 0.2, training=True).data
    theirs = getattr(TF, fn)(torch.tensor(data), 0.2, training=True).numpy()
    assert abs(ours.mean() - theirs.mean()) < 0.02 and abs(ours.std() - theirs.std()) < 0.02
    # kept elements: a x + alpha a p; dropped ones: the constant -alpha a (1 - p)
    alpha, p = 1.7580993408473766, 0.2
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(ours, -alpha * a * (1 - p), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours[~dropped], a * data[~dropped] + alpha * a * p, rtol=1e-12)
    assert 0.15 < dropped.mean() < 0.25
    if fn == "feature_alpha_dropout":
        assert np.all(dropped == dropped[..., :1])
    assert getattr(F, fn)(ag.tensor(data), 0.2) is not None       # training=False by default
    x = ag.tensor(data)
    assert getattr(F, fn)(x, 0.2) is x


def test_rrelu_as_pytorch():
    data = RNG.standard_normal((5, 40))
    for training in (False, True):
        x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        y, ty = F.rrelu(x, 0.1, 0.3, training), TF.rrelu(t, 0.1, 0.3, training)
        y.sum().backward()
        ty.sum().backward()
        if not training:
            np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
            continue
        neg = data <= 0
        np.testing.assert_array_equal(y.data[~neg], data[~neg])
        slopes = y.data[neg] / data[neg]
        assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
        np.testing.assert_allclose(x.grad.data[neg], slopes, rtol=1e-12)
    h = ag.tensor(data) * 1.0
    assert F.rrelu(h, training=True, inplace=True) is h and F.rrelu_(h) is h
    m = nn.RReLU(0.2, 0.4)
    assert repr(m) == repr(torch.nn.RReLU(0.2, 0.4))
    m.eval()
    np.testing.assert_allclose(m(ag.tensor(data)).data, TF.leaky_relu(torch.tensor(data), 0.3),
                               rtol=1e-12)


@pytest.mark.parametrize("name, args, shapes", [
    ("Softmax2d", (), [(2, 3, 4, 5)]), ("Softmax2d", (), [(3, 4, 5)]),
    ("Unfold", ((2, 3), 1, 1, 2), [(2, 3, 5, 6)]),
    ("Fold", ((4, 5), 2, 1, 0, 1), [(2, 12, 12)]),
])
def test_layers_match_pytorch(name, args, shapes):
    outs = []
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        xs = [lib.tensor(RNG.standard_normal(s) if lib is ag else outs_in[i], requires_grad=True)
              for i, s in enumerate(shapes)] if lib is ag else [
            torch.tensor(x.data, requires_grad=True) for x in outs_in]
        outs_in = xs
        y = getattr(mod, name)(*args)(*xs)
        (y * lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))
         ).sum().backward()
        outs.append([np.asarray(t.data if lib is ag else t.detach().numpy())
                     for t in [y] + [x.grad for x in xs]])
    for o, t in zip(*outs):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("batch", [(5,), (2, 3), ()], ids=str)
def test_bilinear_loads_pytorchs_state_and_matches(batch):
    theirs = torch.nn.Bilinear(3, 4, 2).double()
    ours = nn.Bilinear(3, 4, 2).double()
    bound = 1 / np.sqrt(3)
    assert np.abs(ours.weight.data).max() <= bound and ours.weight.shape == (2, 3, 4)
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    a, b = RNG.standard_normal(batch + (3,)), RNG.standard_normal(batch + (4,))
    xa, xb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    if not batch:                  # PyTorch's Bilinear needs a batch dim; F.bilinear does not
        y, ty = F.bilinear(xa, xb, ours.weight, ours.bias), TF.bilinear(
            ta[None], tb[None], theirs.weight, theirs.bias)[0]
    else:
        y, ty = ours(xa, xb), theirs(ta, tb)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for o, t in ((xa, ta), (xb, tb), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert repr(ours) == repr(theirs)
    with pytest.raises(ag.ShapeError, match=r"bilinear: input1 of shape \(5, 4\) and input2 of "
                                            r"shape \(5, 4\) do not match weight of shape "
                                            r"\(2, 3, 4\)"):
        F.bilinear(ag.ones(5, 4), ag.ones(5, 4), ours.weight)
