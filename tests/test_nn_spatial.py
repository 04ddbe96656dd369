"""conv1d, the 1-d and adaptive pools, pixel (un)shuffle, interpolate, the padding
layers, ParameterList and ParameterDict against PyTorch: values and the gradients of
every float input in float32 and float64, modules loading PyTorch's state dicts, errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from torch_compare import assert_functional_matches

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
SEQ = RNG.standard_normal((2, 4, 9))
IMG = RNG.standard_normal((2, 3, 7, 10))
VOL = RNG.standard_normal((1, 2, 3, 4, 5))
W1 = RNG.standard_normal((6, 4, 3))
W1_GROUPS = RNG.standard_normal((6, 2, 2))
B6 = RNG.standard_normal(6)

# name -> (function name, float inputs, keyword arguments)
CASES = {
    "conv1d": ("conv1d", [SEQ, W1, B6], {}),
    "conv1d_stride_pad_dilation": ("conv1d", [SEQ, W1], {"stride": 2, "padding": 2,
                                                         "dilation": 2}),
    "conv1d_same_groups": ("conv1d", [SEQ, W1_GROUPS, B6], {"padding": "same", "groups": 2}),
    "conv1d_unbatched_valid": ("conv1d", [SEQ[0], W1], {"padding": "valid"}),
    "max_pool1d": ("max_pool1d", [SEQ], {"kernel_size": 3}),
    "max_pool1d_options": ("max_pool1d", [SEQ], {"kernel_size": 3, "stride": 2, "padding": 1,
                                                 "dilation": 2, "ceil_mode": True}),
    "avg_pool1d": ("avg_pool1d", [SEQ], {"kernel_size": 2}),
    "avg_pool1d_options": ("avg_pool1d", [SEQ[0]], {"kernel_size": 4, "stride": 3, "padding": 2,
                                                    "ceil_mode": True,
                                                    "count_include_pad": False}),
    "adaptive_avg_pool1d": ("adaptive_avg_pool1d", [SEQ], {"output_size": 4}),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d", [IMG], {"output_size": (3, 4)}),
    "adaptive_avg_pool2d_none_larger": ("adaptive_avg_pool2d", [IMG[0]],
                                        {"output_size": (None, 13)}),
    "adaptive_max_pool1d": ("adaptive_max_pool1d", [SEQ], {"output_size": 4}),
    "adaptive_max_pool2d": ("adaptive_max_pool2d", [IMG], {"output_size": (3, 4)}),
    "adaptive_max_pool2d_unbatched": ("adaptive_max_pool2d", [IMG[0]], {"output_size": 5}),
    "pixel_shuffle": ("pixel_shuffle", [RNG.standard_normal((2, 8, 3, 2))],
                      {"upscale_factor": 2}),
    "pixel_unshuffle": ("pixel_unshuffle", [RNG.standard_normal((2, 1, 2, 6, 9))],
                        {"downscale_factor": 3}),
    "interpolate_nearest_size": ("interpolate", [IMG], {"size": (11, 4)}),
    "interpolate_nearest_scale": ("interpolate", [IMG], {"scale_factor": 1.7}),
    "interpolate_nearest_1d": ("interpolate", [SEQ], {"scale_factor": 2}),
    "interpolate_bilinear": ("interpolate", [IMG], {"size": (12, 5), "mode": "bilinear"}),
    "interpolate_bilinear_corners": ("interpolate", [IMG], {"scale_factor": (1.5, 0.7),
                                                            "mode": "bilinear",
                                                            "align_corners": True}),
    "interpolate_bilinear_recompute": ("interpolate", [IMG], {"scale_factor": 2.3,
                                                              "mode": "bilinear",
                                                              "recompute_scale_factor": True}),
    "interpolate_linear": ("interpolate", [SEQ], {"size": 20, "mode": "linear"}),
    "interpolate_nearest_exact_down": ("interpolate", [IMG], {"scale_factor": (0.6, 0.45),
                                                              "mode": "nearest-exact"}),
    "interpolate_nearest_exact_1d": ("interpolate", [SEQ], {"size": 20, "mode": "nearest-exact"}),
    "interpolate_area_down": ("interpolate", [IMG], {"size": (3, 4), "mode": "area"}),
    "interpolate_area_up_scale": ("interpolate", [IMG], {"scale_factor": 1.5, "mode": "area"}),
    "interpolate_area_1d": ("interpolate", [SEQ], {"scale_factor": 0.5, "mode": "area"}),
    "interpolate_bicubic": ("interpolate", [IMG], {"size": (12, 5), "mode": "bicubic"}),
    "interpolate_bicubic_corners": ("interpolate", [IMG], {"scale_factor": (1.5, 0.7),
                                                           "mode": "bicubic",
                                                           "align_corners": True}),
    "interpolate_bicubic_down_recompute": ("interpolate", [IMG], {
        "scale_factor": 0.45, "mode": "bicubic", "recompute_scale_factor": True}),
    "interpolate_bicubic_scale": ("interpolate", [IMG], {"scale_factor": (2.3, 0.6),
                                                         "mode": "bicubic"}),
    "interpolate_trilinear": ("interpolate", [VOL], {"size": (4, 6, 3), "mode": "trilinear"}),
    "interpolate_trilinear_corners": ("interpolate", [VOL], {"scale_factor": 1.5,
                                                             "mode": "trilinear",
                                                             "align_corners": True}),
    "interpolate_nearest_3d": ("interpolate", [VOL], {"scale_factor": (2, 0.5, 1.3)}),
    "interpolate_nearest_exact_3d": ("interpolate", [VOL], {"size": (5, 3, 7),
                                                            "mode": "nearest-exact"}),
    "interpolate_area_3d": ("interpolate", [VOL], {"size": (2, 3, 2), "mode": "area"}),
    "pad_reflect_2d": ("pad", [IMG], {"pad": (2, 1, 3, 0), "mode": "reflect"}),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case, dtype):
    fname, floats, kw = CASES[case]
    assert_functional_matches(torch, fname, floats, (), kw, dtype,
                              1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("fn, kw", [("max_pool1d", {"kernel_size": 3, "stride": 2, "padding": 1}),
                                    ("adaptive_max_pool1d", {"output_size": 4}),
                                    ("adaptive_max_pool2d", {"output_size": (3, 4)})])
def test_return_indices_are_pytorchs(fn, kw):
    data = IMG if fn.endswith("2d") else SEQ
    out, idx = getattr(F, fn)(ag.tensor(data), return_indices=True, **kw)
    ref, ref_idx = getattr(TF, fn)(torch.tensor(data), return_indices=True, **kw)
    np.testing.assert_array_equal(out.data, ref.numpy())
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())


def _load(ours, theirs):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "bias": False},
                                {"padding": "same", "padding_mode": "reflect", "dilation": 2},
                                {"padding": 2, "padding_mode": "circular", "groups": 2},
                                {"padding": 1, "padding_mode": "replicate"}], ids=str)
def test_conv1d_module_loads_pytorchs_state_and_matches(kw):
    theirs = torch.nn.Conv1d(4, 6, 3, **kw).double()
    ours = nn.Conv1d(4, 6, 3, **kw).double()
    assert ours.weight.shape == tuple(theirs.weight.shape)
    _load(ours, theirs)
    x, t = ag.tensor(SEQ, requires_grad=True), torch.tensor(SEQ, requires_grad=True)
    y, ty = ours(x), theirs(t)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12)
    assert repr(ours) == repr(theirs)


MODULES = [
    ("MaxPool1d", (3, 2, 1), SEQ), ("AvgPool1d", (3, 2, 1, True, False), SEQ),
    ("AdaptiveAvgPool1d", (5,), SEQ), ("AdaptiveAvgPool2d", ((2, None),), IMG),
    ("AdaptiveMaxPool1d", (3,), SEQ), ("AdaptiveMaxPool2d", (4,), IMG),
    ("PixelShuffle", (3,), RNG.standard_normal((1, 9, 2, 3))),
    ("PixelUnshuffle", (2,), IMG[:, :, :6]),
    ("Upsample", (None, 2.0, "bilinear"), IMG), ("Upsample", ((3, 14),), IMG),
    ("UpsamplingNearest2d", (None, 3), IMG), ("UpsamplingBilinear2d", ((9, 9),), IMG),
    ("Upsample", ((5, 13), None, "bicubic", True), IMG),
    ("Upsample", (None, 0.7, "nearest-exact"), IMG), ("Upsample", (None, 1.5, "area"), SEQ),
    ("Upsample", (None, (1.5, 2.0, 0.5), "trilinear"), VOL),
    ("ZeroPad1d", (2,), SEQ), ("ZeroPad2d", ((1, 0, 2, 3),), IMG),
    ("ConstantPad1d", ((3, 1), 2.5), SEQ), ("ConstantPad2d", (1, -1.0), IMG),
    ("ReflectionPad1d", (3,), SEQ), ("ReflectionPad2d", ((1, 2, 3, 0),), IMG),
    ("ReplicationPad1d", ((0, 4),), SEQ), ("ReplicationPad2d", (2,), IMG),
    ("CircularPad1d", (2,), SEQ), ("CircularPad2d", ((1, 1, 0, 2),), IMG),
]


@pytest.mark.parametrize("name, args, data", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_pytorch(name, args, data):
    outs = []
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        x = lib.tensor(data, requires_grad=True)
        out = getattr(mod, name)(*args)(x)
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape))
                          )).sum().backward()
        outs.append([np.asarray(t.data if lib is ag else t.detach().numpy())
                     for t in (out, x.grad)])
    for o, t in zip(*outs):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("fn, shape, size", [
    ("adaptive_avg_pool1d", (2, 3, 9), 4), ("adaptive_avg_pool2d", (2, 3, 7, 10), (3, 4)),
    ("adaptive_avg_pool2d", (1, 7, 10), (1, 5)), ("adaptive_avg_pool3d", (1, 2, 3, 4, 5), (2, 3, 2))])
def test_adaptive_avg_pools_keep_inf_and_nan_in_their_windows_as_pytorch(fn, shape, size):
    # a mean matrix spoilt every window of a row holding an inf or NaN (0 * inf)
    x = RNG.standard_normal(shape)
    x.flat[[3, 11, 17]] = [np.inf, -np.inf, np.nan]
    w = RNG.standard_normal(tuple(getattr(TF, fn)(torch.tensor(x), size).shape))
    outs = []
    for lib, f in ((ag, getattr(F, fn)), (torch, getattr(TF, fn))):
        t = lib.tensor(x, requires_grad=True)
        with np.errstate(invalid="ignore"):
            out = f(t, size)
            (out * lib.tensor(w)).sum().backward()
        outs.append([np.asarray(a.data if lib is ag else a.detach().numpy()) for a in (out, t.grad)])
    for o, r in zip(*outs):
        np.testing.assert_allclose(o, r, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("mode, align_corners", [
    ("nearest", None), ("nearest-exact", None), ("area", None), ("bilinear", False), ("bilinear", True),
    ("bicubic", False), ("bicubic", True)])
def test_interpolate_special_values_as_pytorch(mode, align_corners):
    x = np.array([[[[1.0, np.nan, np.inf, -np.inf, 2.0], [0.0, -0.0, 2.0, 3.0, 1e308],
                    [-1.0, 5.0, -0.0, 0.0, 4.0]]]])
    for size in ((5, 9), (2, 3)):
        with np.errstate(invalid="ignore", over="ignore"):
            ours = F.interpolate(ag.tensor(x), size, mode=mode, align_corners=align_corners)
        theirs = TF.interpolate(torch.tensor(x), size, mode=mode, align_corners=align_corners)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda x, F: F.interpolate(x, (3, 3), mode="bilinear"),
    lambda x, F: F.interpolate(x, (3, 3), mode="bicubic", align_corners=True),
    lambda x, F: F.interpolate(x, (3, 3), mode="area"),
    lambda x, F: F.adaptive_avg_pool2d(x, 3), lambda x, F: F.adaptive_avg_pool1d(x[0], 3),
    lambda x, F: F.interpolate(x, (0, 3), mode="nearest"),
    lambda x, F: F.interpolate(x, scale_factor=0.2, mode="bilinear"),
    lambda x, F: F.interpolate(x[:, :, :0], (2, 3), mode="nearest-exact")])
def test_interpolate_and_adaptive_avg_refuse_integers_and_empty_sizes_as_pytorch(call):
    # an integer input had its scales and means cut to integers (adaptive_avg_pool2d of
    # arange(16) to 3x3 gave zeros; bicubic's first row [0.13, 1.5, 2.87], PyTorch's
    # [0.63, 2.0, 3.38] for its float), silently; an output size of 0 gave an empty tensor
    # or ZeroDivisionError
    x = np.arange(16).reshape(1, 1, 4, 4)
    with pytest.raises(RuntimeError):
        call(torch.tensor(x), TF)
    with pytest.raises((ag.DtypeError, ag.ShapeError),
                       match=r"(interpolate|adaptive_avg_pool[12]d).* (dtype int64|sizes must be)"):
        call(ag.tensor(x), F)


def test_parameter_list_and_dict_register_pytorchs_keys():
    ours = nn.Module()
    ours.ps = nn.ParameterList([nn.Parameter(ag.ones(2)), ag.zeros(3)])
    ours.ps.append(nn.Parameter(ag.ones(1)))
    ours.pd = nn.ParameterDict({"b": nn.Parameter(ag.ones(2))})
    ours.pd["a"] = ag.zeros(4)
    theirs = torch.nn.Module()
    theirs.ps = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
    theirs.ps.append(torch.nn.Parameter(torch.ones(1)))
    theirs.pd = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.ones(2))})
    theirs.pd["a"] = torch.zeros(4)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.ps)
    assert len(ours.ps) == 3 and ours.ps[-1].shape == (1,) and len(ours.ps[1:]) == 2
    assert list(ours.pd) == ["b", "a"] and "a" in ours.pd and ours.pd.get("z") is None
    ours.ps[0] = ag.full((2,), 5.0)
    assert isinstance(ours.ps[0], nn.Parameter) and ours.state_dict()["ps.0"].data[0] == 5.0
    assert ours.pd.pop("b").shape == (2,) and list(ours.state_dict()) == ["ps.0", "ps.1", "ps.2",
                                                                           "pd.a"]
    opt = nn.optim.SGD(ours.parameters(), lr=1.0)
    (ours.ps[0].sum() + ours.pd["a"].sum()).backward()
    opt.step()
    assert ours.ps[0].data.tolist() == [4.0, 4.0] and ours.pd["a"].data.tolist() == [-1.0] * 4
    with pytest.raises(ag.OutOfRangeError, match="index 3 is out of range for ParameterList"):
        ours.ps[3]


def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(ag.ShapeError, match=r"conv1d: expected a 2-d \(C, L\) or 3-d .*\(9,\)"):
        F.conv1d(ag.ones(9), ag.ones(2, 1, 3))
    with pytest.raises(ag.ShapeError, match=r"conv1d: weight must be 3-d.*\(2, 1\)"):
        F.conv1d(ag.ones(1, 9), ag.ones(2, 1))
    with pytest.raises(ag.ShapeError, match=r"conv1d: input of shape \(2, 3, 9\) and dtype "
                                            r"float32, weight of shape \(2, 4, 3\)"):
        F.conv1d(ag.ones(2, 3, 9), ag.ones(2, 4, 3))
    with pytest.raises(ag.DtypeError, match=r"conv1d: input of shape \(2, 4, 9\) and dtype "
                                            r"float64, weight of shape \(2, 4, 3\) and dtype "
                                            r"float32"):
        F.conv1d(ag.ones(2, 4, 9, dtype=ag.float64), ag.ones(2, 4, 3))
    with pytest.raises(ag.ShapeError, match=r"pixel_shuffle: .*= 4, got shape \(1, 6, 2, 2\)"):
        F.pixel_shuffle(ag.ones(1, 6, 2, 2), 2)
    with pytest.raises(ag.ShapeError, match=r"adaptive_avg_pool2d: expected a 3-d or 4-d"):
        F.adaptive_avg_pool2d(ag.ones(4, 4), 2)
    with pytest.raises(ag.ShapeError, match=r"interpolate: mode 'bilinear' takes a 4-d input, "
                                            r"got shape \(2, 4, 9\)"):
        F.interpolate(ag.ones(2, 4, 9), size=4, mode="bilinear")
    with pytest.raises(ag.ArgumentError, match="interpolate: give exactly one"):
        F.interpolate(ag.ones(2, 4, 9))
    with pytest.raises(ag.ShapeError, match=r"interpolate: mode 'bicubic' takes a 4-d input, "
                                            r"got shape \(1, 2, 3, 4, 5\)"):
        F.interpolate(ag.ones(1, 2, 3, 4, 5), size=4, mode="bicubic")
    with pytest.raises(ag.ShapeError, match=r"interpolate: mode 'trilinear' takes a 5-d input"):
        F.interpolate(ag.ones(2, 4, 9), size=4, mode="trilinear")
    with pytest.raises(ag.ArgumentError, match=r"interpolate: align_corners applies to the modes "
                                               r"linear, bilinear, bicubic and trilinear only, "
                                               r"not 'area'"):
        F.interpolate(ag.ones(2, 4, 9), size=4, mode="area", align_corners=False)
    with pytest.raises(ag.ArgumentError, match=r"interpolate: mode must be one of \['area', "
                                               r"'bicubic', 'bilinear', 'linear', 'nearest', "
                                               r"'nearest-exact', 'trilinear'\], got 'cubic'"):
        F.interpolate(ag.ones(2, 4, 9), size=4, mode="cubic")
    with pytest.raises(ag.ArgumentError, match="ZeroPad2d: padding must be an int or a 4-tuple"):
        nn.ZeroPad2d((1, 2))


def test_buffer_assignment_registers_a_buffer_as_pytorch():
    names = []
    for mod, lib in ((nn, ag), (torch.nn, torch)):
        m = mod.Module()
        m.a = mod.Buffer(lib.ones(2))
        m.b = mod.Buffer(lib.zeros(3), persistent=False)
        m.a = mod.Buffer(lib.ones(4))                  # replaced in place of the old one
        names.append((list(m.state_dict()), [n for n, _ in m.named_buffers()],
                      tuple(m.a.shape), type(m.a).__name__))
    assert names[0] == names[1] == (["a"], ["a", "b"], (4,), "Tensor")
    m = nn.Linear(2, 3)
    m.scale = nn.Buffer(ag.full((3,), 2.0))
    assert list(m.state_dict()) == ["weight", "bias", "scale"]
    assert list(m.double().state_dict()["scale"].data) == [2.0, 2.0, 2.0]


def test_shuffles_that_move_nothing_give_a_new_tensor():
    """As PyTorch's: writing into pixel_shuffle(x, 1), pixel_unshuffle(x, 1) or
    channel_shuffle(x, 1 or C) leaves x as it was (their reshapes were views of x)."""
    x = ag.ones(1, 4, 2, 2)
    for result in (F.pixel_shuffle(x, 1), F.pixel_unshuffle(x, 1), F.channel_shuffle(x, 1),
                   F.channel_shuffle(x, 4)):
        result.add_(1)
    np.testing.assert_array_equal(x.data, np.ones((1, 4, 2, 2), np.float32))
