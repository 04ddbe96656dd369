"""lp_pool, max_unpool, channel_shuffle, local_response_norm, pdist,
triplet_margin_with_distance_loss and multilabel_margin_loss against PyTorch: values and
gradients in float32 and float64, the modules and their reprs, errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from torch_compare import assert_functional_matches

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
SEQ = RNG.uniform(0.2, 2.0, (2, 3, 9))
IMG = RNG.standard_normal((2, 4, 6, 7))
ROWS = RNG.standard_normal((5, 3))
ROWS_REVERSED = ROWS[::-1].copy()
LABELS = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 1, 2], [2, 2, 0, 1]])


def _sq_dist(a, b):
    return ((a - b) ** 2).sum(-1)


# name -> (function, float inputs, constants, keyword arguments)
CASES = {
    "lp_pool1d": ("lp_pool1d", [SEQ], [], {"norm_type": 2, "kernel_size": 3}),
    "lp_pool1d_p_stride_ceil": ("lp_pool1d", [SEQ], [], {"norm_type": 1.5, "kernel_size": 2,
                                                         "stride": 3, "ceil_mode": True}),
    "lp_pool2d": ("lp_pool2d", [IMG ** 2 + 0.1], [], {"norm_type": 3, "kernel_size": (2, 3),
                                                      "stride": 2}),
    "lp_pool3d": ("lp_pool3d", [IMG[:, :, :4] ** 2 + 0.1], [], {"norm_type": 2,
                                                                "kernel_size": (2, 3, 2),
                                                                "stride": (1, 2, 2)}),
    "channel_shuffle": ("channel_shuffle", [IMG], [], {"groups": 2}),
    "local_response_norm": ("local_response_norm", [IMG], [], {"size": 3, "alpha": 0.5,
                                                                "beta": 0.6, "k": 2.0}),
    "local_response_norm_3d_even": ("local_response_norm", [SEQ], [], {"size": 2}),
    "local_response_norm_5d": ("local_response_norm", [IMG.reshape(2, 4, 3, 2, 7)], [],
                               {"size": 4, "alpha": 0.1}),
    "pdist": ("pdist", [ROWS], [], {}),
    "pdist_p1": ("pdist", [ROWS], [], {"p": 1}),
    "triplet_with_distance": ("triplet_margin_with_distance_loss", [ROWS, ROWS_REVERSED, ROWS * 2],
                              [], {"margin": 2.0, "swap": True}),
    "triplet_with_custom_distance": ("triplet_margin_with_distance_loss",
                                     [ROWS, ROWS_REVERSED, ROWS * 0.5], [],
                                     {"distance_function": _sq_dist, "reduction": "none"}),
    "multilabel_margin": ("multilabel_margin_loss", [IMG[0, :, 0, :4]], [LABELS], {}),
    "multilabel_margin_none": ("multilabel_margin_loss", [IMG[0, :, 0, :4]], [LABELS],
                               {"reduction": "none"}),
    "multilabel_margin_1d": ("multilabel_margin_loss", [IMG[0, 0, 0, :4]], [LABELS[1]],
                             {"reduction": "sum"}),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case, dtype):
    fname, floats, constants, kw = CASES[case]
    assert_functional_matches(torch, fname, floats, constants, kw, dtype)


@pytest.mark.parametrize("dims, kw", [(1, {"kernel_size": 3, "stride": 2, "padding": 1}),
                                      (2, {"kernel_size": 2}),
                                      (2, {"kernel_size": 3, "stride": 2, "padding": 1})],
                         ids=str)
def test_max_unpool_inverts_max_pool_as_pytorch(dims, kw):
    data = SEQ if dims == 1 else IMG
    pool, unpool = f"max_pool{dims}d", f"max_unpool{dims}d"
    ref, ref_idx = getattr(TF, pool)(torch.tensor(data), return_indices=True, **kw)
    x = ag.tensor(ref.numpy(), requires_grad=True)
    t = torch.tensor(ref.numpy(), requires_grad=True)
    idx = ag.tensor(ref_idx.numpy())
    size = data.shape[-dims:]                     # the pooled input's size (floor dropped some)
    y = getattr(F, unpool)(x, idx, output_size=size, **kw)
    ty = getattr(TF, unpool)(t, ref_idx, output_size=size, **kw)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    w = RNG.standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    mod = getattr(nn, f"MaxUnpool{dims}d")(**kw)
    np.testing.assert_array_equal(mod(x, idx, output_size=size).data,
                                  getattr(torch.nn, f"MaxUnpool{dims}d")(**kw)(
                                      t, ref_idx, output_size=size).detach().numpy())
    assert repr(mod) == repr(getattr(torch.nn, f"MaxUnpool{dims}d")(**kw))


MODULES = [("LPPool1d", (2, 3), SEQ), ("LPPool2d", (1.5, 2, 1), IMG ** 2 + 0.1),
           ("LPPool3d", (2, 2), IMG ** 2 + 0.1),
           ("ChannelShuffle", (4,), IMG), ("LocalResponseNorm", (3, 0.1, 0.5, 1.5), IMG)]


@pytest.mark.parametrize("name, args, data", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_pytorch(name, args, data):
    y = getattr(nn, name)(*args)(ag.tensor(data)).data
    ty = getattr(torch.nn, name)(*args)(torch.tensor(data)).numpy()
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_loss_modules_match_pytorch():
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        loss = mod.TripletMarginWithDistanceLoss(distance_function=_sq_dist, margin=0.5,
                                                 reduction="sum")
        value = loss(lib.tensor(ROWS), lib.tensor(ROWS_REVERSED), lib.tensor(ROWS * 2)).item()
        labels = mod.MultiLabelMarginLoss()(lib.tensor(IMG[0, :, 0, :4]), lib.tensor(LABELS))
        if lib is ag:
            ours = (value, labels.item())
    assert ours == pytest.approx((value, labels.item()), rel=1e-12)


def test_nll_loss_2d_is_nll_loss_under_pytorchs_old_name():
    logp = torch.tensor(IMG).log_softmax(1)
    target = RNG.integers(0, 4, (2, 6, 7))
    ours = nn.NLLLoss2d(weight=ag.tensor(np.arange(1.0, 5.0)))(ag.tensor(logp.numpy()),
                                                                ag.tensor(target))
    theirs = torch.nn.NLLLoss2d(weight=torch.arange(1.0, 5.0, dtype=torch.float64))(
        logp, torch.tensor(target))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ag.ShapeError, match=r"channel_shuffle: .*3 groups, got shape "
                                            r"\(2, 4, 6, 7\)"):
        F.channel_shuffle(ag.tensor(IMG), 3)
    with pytest.raises(ag.ShapeError, match=r"pdist: expected a 2-d input, got shape \(5,\)"):
        F.pdist(ag.ones(5))
    with pytest.raises(ag.ShapeError, match=r"max_unpool2d: indices of shape \(1, 2\)"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor(np.zeros((1, 2), np.int64)), 2)
    with pytest.raises(ag.ShapeError, match="max_unpool2d: found an invalid max index 16"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor(np.full((1, 1, 2, 2), 16)), 2)
    with pytest.raises(ag.OutOfRangeError, match=r"multilabel_margin_loss: target values in "
                                                  r"\[-1, 4\] out of range for 4 classes"):
        F.multilabel_margin_loss(ag.ones(2, 4), ag.tensor(np.array([[4, -1, 0, 0],
                                                                    [0, 0, 0, 0]])))
    with pytest.raises(ag.ShapeError, match=r"local_response_norm: expected 3 or more dims"):
        F.local_response_norm(ag.ones(2, 3), 2)
    with pytest.raises(ag.ArgumentError, match="margin must be greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)
