"""Max pooling's indices (max_pool2d/3d(return_indices=True), MaxPool3d, adaptive max
pooling in 1, 2 and 3 dims), max_unpool3d and
fractional max pooling (2-d and 3-d, output_size or output_ratio, PyTorch's
_random_samples) against PyTorch: values, indices, gradients in float32 and float64, the
modules and their state dicts, errors. (Gradchecks: op_table.py.)"""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
IMG = RNG.standard_normal((2, 3, 9, 11))
VOL = RNG.standard_normal((2, 3, 5, 6, 7))


def _special(x):
    """x with two NaNs in the first window and an all -inf channel."""
    x = x.copy()
    x.reshape(-1)[:2] = np.nan
    x[0, 1] = -np.inf
    return x


POOL3D = [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
          {"kernel_size": (3, 2, 3), "stride": (2, 1, 2), "padding": 1,
           "dilation": (1, 2, 1), "ceil_mode": True}]


@pytest.mark.parametrize("special", [False, True], ids=["finite", "nan-inf"])
@pytest.mark.parametrize("kw", POOL3D, ids=str)
def test_max_pool3d_indices_match_pytorch(kw, special):
    for x in (VOL, VOL[1]):
        x = _special(x) if special and x.ndim == 5 else x
        out, idx = F.max_pool3d(ag.tensor(x), return_indices=True, **kw)
        ref, ref_idx = TF.max_pool3d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(out.data, ref.numpy())
        assert idx.dtype == np.int64
        np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    out, idx = F.max_pool3d_with_indices(ag.tensor(VOL), **kw)
    np.testing.assert_array_equal(idx.data, TF.max_pool3d_with_indices(torch.tensor(VOL),
                                                                       **kw)[1].numpy())


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 2, "padding": 1},
                                {"kernel_size": 3, "stride": 2, "padding": 1,
                                 "ceil_mode": True}], ids=str)
def test_max_pool2d_and_1d_indices_of_nan_and_inf_windows_match_pytorch(kw):
    # PyTorch keeps a window's last NaN (the first was taken); -inf: its first cell inside
    x = _special(IMG)
    _, idx = F.max_pool2d(ag.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.data, TF.max_pool2d(torch.tensor(x), return_indices=True,
                                                          **kw)[1].numpy())
    kw1 = {k: v for k, v in kw.items()}
    _, idx = F.max_pool1d(ag.tensor(x[0]), return_indices=True, **kw1)
    np.testing.assert_array_equal(idx.data, TF.max_pool1d(torch.tensor(x[0]),
                                                          return_indices=True, **kw1)[1].numpy())


@pytest.mark.parametrize("special", [False, True], ids=["finite", "nan-inf"])
@pytest.mark.parametrize("dims, size", [(1, 4), (2, (4, 5)), (3, (2, 4, 5)), (3, (5, 1, 3))],
                         ids=str)
def test_adaptive_max_pool_indices_match_pytorch(dims, size, special):
    x = _special(VOL) if special else VOL
    x = x.reshape(x.shape[:2] + (-1,)) if dims == 1 else x[:, :, 0] if dims == 2 else x
    name = f"adaptive_max_pool{dims}d"
    out, idx = getattr(F, name)(ag.tensor(x), size, return_indices=True)
    ref, ref_idx = getattr(TF, name)(torch.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(out.data, ref.numpy())
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    if dims == 3:
        module = nn.AdaptiveMaxPool3d(size, return_indices=True)
        np.testing.assert_array_equal(module(ag.tensor(x[0]))[1].data, ref_idx[0].numpy())
        np.testing.assert_array_equal(F.adaptive_max_pool3d_with_indices(ag.tensor(x), size)[1]
                                      .data, ref_idx.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("kw", POOL3D[:2], ids=str)
def test_max_unpool3d_inverts_max_pool3d_as_pytorch(kw, dtype):
    ref, ref_idx = TF.max_pool3d(torch.tensor(VOL.astype(dtype)), return_indices=True, **kw)
    x = ag.tensor(ref.numpy(), requires_grad=True)
    t = torch.tensor(ref.numpy(), requires_grad=True)
    pool, unpool = nn.MaxPool3d(return_indices=True, **kw), nn.MaxUnpool3d(**kw)
    _, idx = pool(ag.tensor(VOL.astype(dtype)))
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    y = unpool(x, idx, output_size=VOL.shape[-3:])
    ty = torch.nn.MaxUnpool3d(**kw)(t, ref_idx, output_size=VOL.shape[-3:])
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    w = RNG.standard_normal(y.shape).astype(dtype)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    size = VOL.shape[-3:]
    np.testing.assert_array_equal(F.max_unpool3d(x, idx, output_size=size, **kw).data,
                                  TF.max_unpool3d(t, ref_idx, output_size=size, **kw).detach()
                                  .numpy())
    assert repr(unpool) == repr(torch.nn.MaxUnpool3d(**kw))
    assert repr(pool) == repr(torch.nn.MaxPool3d(return_indices=True, **kw))


FRACTIONAL = [(IMG, {"kernel_size": 2, "output_size": (4, 5)}),
              (IMG, {"kernel_size": (3, 2), "output_ratio": (0.5, 0.7)}),
              (IMG[0], {"kernel_size": 3, "output_size": (7, 9)}),
              (VOL, {"kernel_size": 2, "output_size": (3, 4, 5)}),
              (VOL[1], {"kernel_size": (2, 3, 2), "output_ratio": (0.5, 0.6, 0.7)})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("data, kw", FRACTIONAL, ids=lambda v: str(v) if isinstance(v, dict)
                         else str(v.shape))
def test_fractional_max_pool_matches_pytorch(data, kw, dtype):
    dims = len(kw["output_size"] if "output_size" in kw else kw["output_ratio"])
    lead = data.shape[:data.ndim - dims - 1] or (1,)
    samples = RNG.uniform(0, 1, lead + (data.shape[-dims - 1], dims)).astype(dtype)
    name = f"fractional_max_pool{dims}d"
    x = ag.tensor(data.astype(dtype), requires_grad=True)
    t = torch.tensor(data.astype(dtype), requires_grad=True)
    out, idx = getattr(F, name)(x, return_indices=True, _random_samples=ag.tensor(samples), **kw)
    ref, ref_idx = getattr(TF, name)(t, return_indices=True,
                                     _random_samples=torch.tensor(samples), **kw)
    assert out.dtype == dtype and idx.dtype == np.int64
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    w = RNG.standard_normal(out.shape).astype(dtype)
    (out * ag.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    module = getattr(nn, f"FractionalMaxPool{dims}d")(_random_samples=ag.tensor(samples), **kw)
    theirs = getattr(torch.nn, f"FractionalMaxPool{dims}d")(
        _random_samples=torch.tensor(samples), **kw)
    np.testing.assert_array_equal(module(x).data, theirs(t).detach().numpy())
    assert list(module.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    assert repr(module) == repr(theirs)


def test_fractional_max_pool_of_nan_windows_and_drawn_samples():
    x = _special(IMG)
    samples = RNG.uniform(0, 1, (2, 3, 2))
    _, idx = F.fractional_max_pool2d_with_indices(ag.tensor(x), 3, (4, 4),
                                                  _random_samples=ag.tensor(samples))
    np.testing.assert_array_equal(idx.data, TF.fractional_max_pool2d_with_indices(
        torch.tensor(x), 3, (4, 4), _random_samples=torch.tensor(samples))[1].numpy())
    # without samples: drawn from the default generator, (N, C, dims) in [0, 1)
    ag.manual_seed(3)
    a = nn.FractionalMaxPool3d(2, output_ratio=0.5)(ag.tensor(VOL))
    ag.manual_seed(3)
    b = F.fractional_max_pool3d(ag.tensor(VOL), 2, output_ratio=(0.5, 0.5, 0.5))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.shape == (2, 3, 2, 3, 3)


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ag.ArgumentError, match="FractionalMaxPool2d requires specifying either "
                                               "an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ag.ArgumentError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, 3, 0.5)
    with pytest.raises(ag.ArgumentError, match=r"output_ratio must be between 0 and 1 \(got "
                                               r"1.5\)"):
        nn.FractionalMaxPool3d(2, output_ratio=1.5)
    with pytest.raises(ag.ShapeError, match=r"fractional_max_pool2d: output size \(9, 5\) with "
                                            r"kernel \(2, 2\) does not fit the input of shape "
                                            r"\(2, 3, 9, 11\)"):
        F.fractional_max_pool2d(ag.tensor(IMG), 2, (9, 5))
    with pytest.raises(ag.ShapeError, match=r"fractional_max_pool3d: _random_samples of shape "
                                            r"\(2, 3, 2\) .* \(expected \(2, 3, 3\)\)"):
        F.fractional_max_pool3d(ag.tensor(VOL), 2, 2, _random_samples=ag.ones(2, 3, 2))
    with pytest.raises(ag.ShapeError, match=r"fractional_max_pool2d: expected a 3-d or 4-d "
                                            r"input, got shape \(9, 11\)"):
        F.fractional_max_pool2d(ag.tensor(IMG[0, 0]), 2, 3)
    with pytest.raises(ag.DtypeError, match=r"fractional_max_pool2d: expected a floating-point "
                                            r"input, got int64 \(shape \(1, 2, 5, 5\)\)"):
        F.fractional_max_pool2d(ag.ones(1, 2, 5, 5, dtype=ag.int64), 2, 3)
    with pytest.raises(ag.ShapeError, match=r"max_unpool3d: found an invalid max index 210"):
        F.max_unpool3d(ag.ones(1, 1, 1, 1, 1), ag.tensor(np.full((1, 1, 1, 1, 1), 210)), 2)
