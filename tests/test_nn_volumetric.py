"""The 3-d layers against PyTorch: conv3d (stride, padding, 'same', dilation, groups, the
padding modes), max/avg/adaptive 3-d pooling with their options, BatchNorm3d,
InstanceNorm3d and the 3-d padding layers; values and gradients in float32 and float64,
state dicts and reprs."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from torch_compare import assert_functional_matches

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
VOL = RNG.standard_normal((2, 4, 5, 6, 7))

CASES = {
    "conv3d": ("conv3d", [VOL, RNG.standard_normal((3, 4, 2, 3, 2)), RNG.standard_normal(3)],
               {}),
    "conv3d_options": ("conv3d", [VOL, RNG.standard_normal((6, 2, 3, 2, 3))],
                       {"stride": (2, 1, 3), "padding": (1, 2, 0), "dilation": (1, 2, 1),
                        "groups": 2}),
    "conv3d_same_unbatched": ("conv3d", [VOL[0], RNG.standard_normal((2, 4, 2, 3, 4))],
                              {"padding": "same"}),
    "max_pool3d": ("max_pool3d", [VOL], {"kernel_size": 2}),
    "max_pool3d_options": ("max_pool3d", [VOL], {"kernel_size": (3, 2, 3), "stride": (2, 1, 2),
                                                 "padding": 1, "dilation": (1, 2, 1),
                                                 "ceil_mode": True}),
    "avg_pool3d": ("avg_pool3d", [VOL], {"kernel_size": (2, 3, 2), "stride": 1}),
    "avg_pool3d_options": ("avg_pool3d", [VOL[1]], {"kernel_size": 3, "stride": 2, "padding": 1,
                                                    "ceil_mode": True,
                                                    "count_include_pad": False}),
    "avg_pool3d_divisor": ("avg_pool3d", [VOL], {"kernel_size": 2, "padding": 1,
                                                 "divisor_override": 3}),
    "adaptive_avg_pool3d": ("adaptive_avg_pool3d", [VOL], {"output_size": (3, 4, 5)}),
    "adaptive_avg_pool3d_none": ("adaptive_avg_pool3d", [VOL[0]], {"output_size": (2, None, 9)}),
    "adaptive_max_pool3d": ("adaptive_max_pool3d", [VOL], {"output_size": (2, 4, 3)}),
    "pad_replicate_3d": ("pad", [VOL], {"pad": (1, 2, 0, 1, 2, 0), "mode": "replicate"}),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case, dtype):
    fname, floats, kw = CASES[case]
    assert_functional_matches(torch, fname, floats, (), kw, dtype,
                              1e-11 if dtype == np.float64 else 3e-5)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "bias": False},
                                {"padding": "same", "padding_mode": "reflect"},
                                {"padding": (1, 0, 2), "padding_mode": "circular", "groups": 2},
                                {"padding": 1, "padding_mode": "replicate", "dilation": 2}],
                         ids=str)
def test_conv3d_module_loads_pytorchs_state_and_matches(kw):
    theirs = torch.nn.Conv3d(4, 6, 3, **kw).double()
    ours = nn.Conv3d(4, 6, 3, **kw).double()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x, t = ag.tensor(VOL, requires_grad=True), torch.tensor(VOL, requires_grad=True)
    y, ty = ours(x), theirs(t)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-11, atol=1e-11)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-11)
    assert repr(ours) == repr(theirs)


MODULES = [("MaxPool3d", (2, 1, 1)), ("AvgPool3d", (3, 2, 1, True, False)),
           ("AdaptiveAvgPool3d", ((2, 3, 4),)), ("AdaptiveMaxPool3d", (3,)),
           ("ZeroPad3d", (1,)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.5)),
           ("ReflectionPad3d", (2,)), ("ReplicationPad3d", ((0, 1, 2, 0, 1, 1),)),
           ("CircularPad3d", (1,))]


@pytest.mark.parametrize("name, args", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_pytorch(name, args):
    y = getattr(nn, name)(*args)(ag.tensor(VOL)).data
    ty = getattr(torch.nn, name)(*args)(torch.tensor(VOL)).numpy()
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("name, kw", [("BatchNorm3d", {}), ("BatchNorm3d", {"affine": False}),
                                      ("InstanceNorm3d", {"affine": True}),
                                      ("InstanceNorm3d", {"track_running_stats": True})],
                         ids=str)
def test_norms_match_pytorch_in_training_and_eval(name, kw):
    theirs = getattr(torch.nn, name)(4, **kw).double()
    ours = getattr(nn, name)(4, **kw).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        data = VOL if name == "BatchNorm3d" or training else VOL[0]
        x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        y, ty = ours(x), theirs(t)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-9, atol=1e-9)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].data, value.numpy(), rtol=1e-12)


def test_errors():
    with pytest.raises(ag.ShapeError, match=r"conv3d: expected a 4-d \(C, D, H, W\) or 5-d"):
        F.conv3d(ag.ones(2, 3, 4), ag.ones(1, 2, 1, 1, 1))
    with pytest.raises(ag.ShapeError, match=r"conv3d: input of shape \(2, 4, 5, 6, 7\), weight "
                                            r"of shape \(3, 3, 1, 1, 1\)"):
        F.conv3d(ag.tensor(VOL), ag.ones(3, 3, 1, 1, 1, dtype=ag.float64))
    with pytest.raises(ag.ArgumentError, match="BatchNorm3d: expected 5"):
        nn.BatchNorm3d(4)(ag.tensor(VOL[0]))
