"""conv_transpose1d/2d and ConvTranspose1d/2d against PyTorch: values and the gradients of
input, weight and bias in float32 and float64 for strides, padding, output padding,
dilation and groups; the modules' state dicts, output_size, reprs and errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)

CASES_2D = [({}, 1), ({"stride": 2, "padding": 1, "output_padding": 1}, 1),
            ({"stride": (2, 3), "dilation": 2, "padding": (0, 2), "groups": 2}, 2),
            ({"stride": 3, "output_padding": (2, 0)}, 1),
            ({"stride": 2, "padding": (2, 1), "dilation": (1, 3), "groups": 4}, 4)]


def _run(lib, fn, arrays, kw):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(F if lib is ag else TF, fn)(*xs, **kw)
    w = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(arrays[0].dtype)
    (out * lib.tensor(w)).sum().backward()
    data = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return [data(out)] + [data(x.grad) for x in xs]


def _compare(fn, arrays, kw, dtype):
    arrays = [a.astype(dtype) for a in arrays]
    tol = 1e-11 if dtype == np.float64 else 2e-5
    for o, t in zip(_run(ag, fn, arrays, kw), _run(torch, fn, arrays, kw)):
        assert o.shape == t.shape and o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("kw, groups", CASES_2D, ids=[str(c[0]) for c in CASES_2D])
def test_conv_transpose2d_matches_pytorch(kw, groups, dtype):
    x = RNG.standard_normal((2, 4, 5, 6))
    w = RNG.standard_normal((4, 3, 3, 2))
    b = RNG.standard_normal(3 * groups)
    _compare("conv_transpose2d", [x, w, b], kw, dtype)
    _compare("conv_transpose2d", [x[0], w], kw, dtype)                 # unbatched, no bias


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("kw", [{}, {"stride": 3, "padding": 2, "output_padding": 1,
                                     "dilation": 2, "groups": 2}], ids=str)
def test_conv_transpose1d_matches_pytorch(kw, dtype):
    x, w = RNG.standard_normal((2, 4, 7)), RNG.standard_normal((4, 3, 4))
    b = RNG.standard_normal(3 * kw.get("groups", 1))
    _compare("conv_transpose1d", [x, w, b], kw, dtype)
    _compare("conv_transpose1d", [x[1], w], kw, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                {"stride": (3, 1, 2), "dilation": (2, 1, 1), "padding": (1, 0, 1),
                                 "groups": 2, "output_padding": (1, 0, 1)}], ids=str)
def test_conv_transpose3d_matches_pytorch(kw, dtype):
    x, w = RNG.standard_normal((2, 4, 3, 4, 3)), RNG.standard_normal((4, 3, 2, 3, 2))
    b = RNG.standard_normal(3 * kw.get("groups", 1))
    _compare("conv_transpose3d", [x, w, b], kw, dtype)
    _compare("conv_transpose3d", [x[0], w], kw, dtype)


@pytest.mark.parametrize("dims, kw", [(2, {}), (2, {"stride": 2, "padding": 1, "bias": False}),
                                      (3, {"stride": (2, 1, 1), "padding": 1}),
                                      (2, {"stride": (2, 1), "groups": 2, "dilation": 2}),
                                      (1, {"stride": 2, "output_padding": 1})], ids=str)
def test_modules_load_pytorchs_state_and_match(dims, kw):
    name = f"ConvTranspose{dims}d"
    theirs = getattr(torch.nn, name)(4, 6, 3, **kw).double()
    ours = getattr(nn, name)(4, 6, 3, **kw).double()
    assert ours.weight.shape == tuple(theirs.weight.shape)
    bound = 1 / np.sqrt(ours.weight.shape[1] * 3 ** dims)         # fan_in from dim 1, as torch
    assert np.abs(ours.weight.data).max() <= bound
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    data = RNG.standard_normal((2, 4, 5, 4, 3)[:2 + dims])
    x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(t)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-11)
    assert repr(ours) == repr(theirs)


def test_output_size_picks_the_output_padding_as_pytorch():
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=2).double(), torch.nn.ConvTranspose2d(
        2, 3, 3, stride=2).double()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    data = RNG.standard_normal((1, 2, 4, 4))
    for size in ((9, 9), (10, 9), (1, 3, 10, 10)):
        y = ours(ag.tensor(data), output_size=size)
        ty = theirs(torch.tensor(data), output_size=size)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    with pytest.raises(ag.ShapeError, match=r"ConvTranspose2d: requested an output size of "
                                            r"\(12, 9\), but valid sizes range from 9 to 10"):
        ours(ag.tensor(data), output_size=(12, 9))


def test_errors_name_the_op_shapes_and_dtypes():
    with pytest.raises(ag.ShapeError, match=r"conv_transpose2d: input of shape \(1, 3, 4, 4\) "
                                            r"with groups=1 does not match weight of shape "
                                            r"\(4, 2, 3, 3\)"):
        F.conv_transpose2d(ag.ones(1, 3, 4, 4), ag.ones(4, 2, 3, 3))
    with pytest.raises(ag.ArgumentError, match=r"conv_transpose2d: output padding \(2, 2\) "
                                               r"must be smaller"):
        F.conv_transpose2d(ag.ones(1, 4, 4, 4), ag.ones(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ag.DtypeError, match="conv_transpose2d: input of dtype float64"):
        F.conv_transpose2d(ag.ones(1, 4, 4, 4, dtype=ag.float64), ag.ones(4, 2, 3, 3))
    with pytest.raises(ag.ArgumentError, match="ConvTranspose2d: only 'zeros' padding mode"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ag.ShapeError, match=r"conv_transpose1d: expected a 2-d or 3-d input"):
        F.conv_transpose1d(ag.ones(4), ag.ones(4, 2, 3))
