"""Layers: a table of layer cases drives first- and second-order gradient checks (inputs
and parameters, float64) and the float32 dtype checks; then layer-specific behaviour
(default initialisation, Dropout and BatchNorm train/eval, the nn primitives Erf and
Unfold/Fold), and equality with PyTorch where it is installed."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd as ag
import nn
import nn.functional as F
from autograd.ops_nn import erf

F64 = np.float64


class LayerCase:
    """A layer (built in `dtype` by `make`) applied to inputs of `shape`."""

    def __init__(self, name, make, shape, domain="real", second_order=True, train=True):
        self.name, self.make, self.shape, self.domain = name, make, shape, domain
        self.second_order, self.train = second_order, train

    def build(self, dtype=F64, seed=0):
        ag.manual_seed(seed)
        layer = self.make(dtype)
        layer.train(self.train)
        rng = np.random.default_rng(seed)
        n = int(np.prod(self.shape))
        if self.domain == "distinct":        # no ties (max pooling), away from kinks
            a = rng.permutation(n).reshape(self.shape) * 0.37 - 1.3
        else:
            a = rng.standard_normal(self.shape)
            a = np.where(np.abs(a) < 0.1, a + 0.3, a)
        x = ag.tensor(a.astype(dtype), requires_grad=True)
        return layer, [x] + list(layer.parameters())

    def __repr__(self):
        return self.name


def _conv(*args, **kw):
    return lambda dt: nn.Conv2d(*args, dtype=dt, **kw)


def _trained_bn(cls, c, shape):
    def make(dt):
        bn = cls(c, dtype=dt)
        rng = np.random.default_rng(5)
        for _ in range(3):                   # non-trivial running statistics
            bn(ag.tensor(rng.standard_normal(shape).astype(dt) * 2 + 1))
        return bn
    return make


CASES = [
    LayerCase("Linear", lambda dt: nn.Linear(4, 3, dtype=dt), (2, 4)),
    LayerCase("Linear_nobias", lambda dt: nn.Linear(4, 3, bias=False, dtype=dt), (2, 4)),
    LayerCase("Linear_3d_input", lambda dt: nn.Linear(4, 3, dtype=dt), (2, 3, 4)),
    LayerCase("Linear_1d_input", lambda dt: nn.Linear(4, 3, dtype=dt), (4,)),
    LayerCase("Conv2d", _conv(2, 3, 3), (2, 2, 5, 5)),
    LayerCase("Conv2d_stride_pad", _conv(2, 3, 3, stride=2, padding=1), (2, 2, 5, 5)),
    LayerCase("Conv2d_dilation_rect", _conv(2, 2, (2, 3), dilation=(2, 1), padding=(1, 2)),
              (1, 2, 6, 5)),
    LayerCase("Conv2d_groups", _conv(4, 2, 3, groups=2, stride=(1, 2)), (1, 4, 5, 5)),
    LayerCase("Conv2d_depthwise_nobias", _conv(2, 4, 2, groups=2, bias=False), (2, 2, 4, 4)),
    LayerCase("Conv2d_same_even", _conv(1, 2, 2, padding="same"), (1, 1, 4, 5)),
    LayerCase("Conv2d_unbatched", _conv(2, 2, 3, padding=1), (2, 4, 4)),
    LayerCase("MaxPool2d", lambda dt: nn.MaxPool2d(2), (1, 2, 4, 4), "distinct"),
    LayerCase("MaxPool2d_overlap_pad", lambda dt: nn.MaxPool2d(3, stride=2, padding=1),
              (1, 2, 5, 5), "distinct"),
    LayerCase("MaxPool2d_ragged", lambda dt: nn.MaxPool2d(2), (1, 1, 5, 5), "distinct"),
    LayerCase("AvgPool2d", lambda dt: nn.AvgPool2d(2), (2, 1, 4, 4)),
    LayerCase("AvgPool2d_pad_exclude", lambda dt: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
              (1, 2, 5, 5)),
    LayerCase("AvgPool2d_divisor", lambda dt: nn.AvgPool2d(2, 1, divisor_override=3),
              (1, 1, 3, 3)),
    LayerCase("Flatten", lambda dt: nn.Flatten(), (2, 3, 2)),
    LayerCase("Unflatten", lambda dt: nn.Unflatten(1, (2, 3)), (2, 6)),
    LayerCase("Identity", lambda dt: nn.Identity(7, x=1), (3,)),
    LayerCase("Dropout_train", lambda dt: _SeededDropout(0.4), (3, 5)),
    LayerCase("Dropout_eval", lambda dt: nn.Dropout(0.4), (3, 5), train=False),
    LayerCase("BatchNorm1d", lambda dt: nn.BatchNorm1d(3, dtype=dt), (4, 3)),
    LayerCase("BatchNorm1d_3d", lambda dt: nn.BatchNorm1d(2, dtype=dt), (3, 2, 2)),
    LayerCase("BatchNorm1d_eval", _trained_bn(nn.BatchNorm1d, 3, (6, 3)), (4, 3), train=False),
    LayerCase("BatchNorm2d", lambda dt: nn.BatchNorm2d(2, dtype=dt), (2, 2, 2, 3)),
    LayerCase("BatchNorm2d_noaffine", lambda dt: nn.BatchNorm2d(2, affine=False, dtype=dt),
              (2, 2, 2, 2)),
    LayerCase("BatchNorm2d_eval", _trained_bn(nn.BatchNorm2d, 2, (4, 2, 3, 3)), (2, 2, 2, 3),
              train=False),
    LayerCase("LayerNorm", lambda dt: nn.LayerNorm(4, dtype=dt), (3, 4)),
    LayerCase("GroupNorm", lambda dt: nn.GroupNorm(2, 4, dtype=dt), (2, 4, 3)),
    LayerCase("GroupNorm_noaffine", lambda dt: nn.GroupNorm(3, 3, affine=False), (2, 3, 2, 2)),
    LayerCase("InstanceNorm1d", lambda dt: nn.InstanceNorm1d(2, dtype=dt), (3, 2, 4)),
    LayerCase("InstanceNorm2d_affine", lambda dt: nn.InstanceNorm2d(2, affine=True, dtype=dt),
              (2, 2, 2, 3)),
    LayerCase("InstanceNorm1d_unbatched", lambda dt: nn.InstanceNorm1d(
        2, affine=True, track_running_stats=True, dtype=dt), (2, 5)),
    LayerCase("LayerNorm_2d_shape", lambda dt: nn.LayerNorm((2, 3), dtype=dt), (2, 2, 3)),
    LayerCase("LayerNorm_noaffine", lambda dt: nn.LayerNorm(5, elementwise_affine=False), (2, 5)),
    LayerCase("ReLU", lambda dt: nn.ReLU(), (3, 4)),
    LayerCase("LeakyReLU", lambda dt: nn.LeakyReLU(0.2), (3, 4)),
    LayerCase("Tanh", lambda dt: nn.Tanh(), (3, 4)),
    LayerCase("Sigmoid", lambda dt: nn.Sigmoid(), (3, 4)),
    LayerCase("SiLU", lambda dt: nn.SiLU(), (3, 4)),
    LayerCase("GELU", lambda dt: nn.GELU(), (3, 4)),
    LayerCase("GELU_tanh", lambda dt: nn.GELU("tanh"), (3, 4)),
    LayerCase("Softmax", lambda dt: nn.Softmax(dim=1), (3, 4)),
    LayerCase("LogSoftmax", lambda dt: nn.LogSoftmax(dim=0), (3, 4)),
    LayerCase("MLP", lambda dt: nn.MLP(3, [4, 4], 2, activation=nn.Tanh, dtype=dt), (2, 3)),
    LayerCase("Sequential_conv_net", lambda dt: nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, dtype=dt), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(8, 3, dtype=dt)), (2, 1, 4, 4)),
]


class _SeededDropout(nn.Dropout):
    """Dropout with the same mask on every call, so numerical differences are defined."""

    def forward(self, input):
        ag.manual_seed(123)
        return super().forward(input)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    layer, inputs = case.build()
    assert ag.gradcheck(lambda x, *params: layer(x), inputs)


@pytest.mark.parametrize("case", [c for c in CASES if c.second_order], ids=repr)
def test_gradgradcheck(case):
    layer, inputs = case.build()
    assert ag.gradgradcheck(lambda x, *params: layer(x), inputs)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_float32_stays_float32(case):
    layer, inputs = case.build(np.float32)
    out = layer(inputs[0])
    assert out.dtype == np.float32
    (out * out).sum().backward()
    for t in inputs:
        assert t.dtype == np.float32 and t.grad.dtype == np.float32


def test_embedding_gradients_and_padding_idx():
    ag.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=1, dtype=F64)
    np.testing.assert_array_equal(emb.weight.data[1], 0)
    # the padding row's gradient is zero on purpose, so check numerically without it
    plain = ag.tensor([[0, 2, 4], [3, 4, 4]])
    assert ag.gradcheck(lambda w: emb(plain), [emb.weight])
    assert ag.gradgradcheck(lambda w: emb(plain), [emb.weight])
    idx = ag.tensor([[0, 1, 4], [1, 4, 4]])
    emb(idx).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 0, 0, 3])
    with pytest.raises(IndexError, match="out of range"):
        emb(ag.tensor([5]))
    frozen = nn.Embedding.from_pretrained(ag.tensor(np.eye(3)))
    assert not frozen.weight.requires_grad and frozen(ag.tensor([2])).tolist() == [[0, 0, 1]]


# --- default initialisation ---------------------------------------------------------------
def test_default_initialisation_matches_pytorch_rules():
    ag.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        assert p.dtype == np.float32 and np.abs(p.data).max() <= bound
    assert abs(lin.weight.data.std() - bound / math.sqrt(3)) < 0.02 * bound
    conv = nn.Conv2d(6, 8, (3, 5), groups=2)
    assert conv.weight.shape == (8, 3, 3, 5)
    cb = 1 / math.sqrt(3 * 3 * 5)
    assert np.abs(conv.weight.data).max() <= cb and np.abs(conv.bias.data).max() <= cb
    assert np.abs(conv.weight.data).max() > 0.8 * cb
    bn = nn.BatchNorm2d(4)
    assert bn.weight.tolist() == [1] * 4 and bn.bias.tolist() == [0] * 4
    assert bn.running_var.tolist() == [1] * 4 and bn.num_batches_tracked.data.dtype == np.int64
    emb = nn.Embedding(1000, 20)
    assert abs(emb.weight.data.std() - 1) < 0.02


def test_parameters_take_given_or_default_dtype():
    assert nn.Linear(2, 2, dtype="float64").weight.dtype == F64
    assert nn.Conv2d(1, 1, 1, dtype=ag.float64).bias.dtype == F64
    ag.set_default_dtype("float64")
    for layer in (nn.Linear(2, 2), nn.BatchNorm1d(2), nn.LayerNorm(2), nn.Embedding(2, 2)):
        assert {t.dtype for t in layer.state_dict().values() if t.dtype.kind == "f"} == {np.dtype(F64)}


def test_same_seed_same_initial_values():
    ag.manual_seed(7)
    a = nn.Linear(5, 4)
    ag.manual_seed(7)
    b = nn.Linear(5, 4, dtype="float64")
    np.testing.assert_allclose(a.weight.data, b.weight.data, rtol=1e-6)


def test_init_functions():
    w = ag.zeros(200, 300, requires_grad=True)
    nn.init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w.data).max() <= 2 * math.sqrt(6 / 500) and w.requires_grad
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.data.std() - math.sqrt(2 / 200)) < 0.03 * math.sqrt(2 / 200)
    nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert np.abs(w.data).max() <= 0.5 and w.data.std() > 0.25
    nn.init.constant_(w, 0.25)
    assert (w.data == 0.25).all()
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(ag.zeros(3))


# --- Dropout and BatchNorm behaviour -----------------------------------------------------------
def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25)
    x = ag.ones(200, 100)
    ag.manual_seed(1)
    y = drop(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    ag.manual_seed(1)
    np.testing.assert_array_equal(drop(x).data, y)          # reproducible from the seed
    assert drop.eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert (nn.Dropout(1.0)(x).data == 0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_batchnorm_running_statistics_and_eval():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, momentum=0.2, dtype=F64)
    batches = [rng.standard_normal((8, 3)) * [1, 2, 3] + [0, 1, -1] for _ in range(4)]
    mean, var = np.zeros(3), np.ones(3)
    for b in batches:
        y = bn(ag.tensor(b))
        np.testing.assert_allclose(y.data, (b - b.mean(0)) / np.sqrt(b.var(0) + 1e-5), atol=1e-12)
        mean = 0.8 * mean + 0.2 * b.mean(0)
        var = 0.8 * var + 0.2 * b.var(0, ddof=1)          # unbiased, as PyTorch
    np.testing.assert_allclose(bn.running_mean.data, mean)
    np.testing.assert_allclose(bn.running_var.data, var)
    assert int(bn.num_batches_tracked.data) == 4
    bn.eval()
    x = rng.standard_normal((2, 3))
    np.testing.assert_allclose(bn(ag.tensor(x)).data, (x - mean) / np.sqrt(var + 1e-5))
    np.testing.assert_allclose(bn.running_mean.data, mean)  # eval leaves the statistics alone
    assert int(bn.num_batches_tracked.data) == 4


def test_batchnorm_cumulative_average_and_untracked():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm2d(2, momentum=None, dtype=F64)
    batches = [rng.standard_normal((3, 2, 2, 2)) + i for i in range(3)]
    for b in batches:
        bn(ag.tensor(b))
    expected = np.mean([b.mean((0, 2, 3)) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.data, expected)
    free = nn.BatchNorm2d(2, track_running_stats=False, dtype=F64).eval()
    assert free.running_mean is None and "running_mean" not in free.state_dict()
    x = batches[0]
    ref = (x - x.mean((0, 2, 3), keepdims=True)) / np.sqrt(x.var((0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(free(ag.tensor(x)).data, ref, atol=1e-12)


@pytest.mark.parametrize("nested", [False, True])
def test_batchnorm_loads_a_checkpoint_older_than_num_batches_tracked_as_pytorch(nested):
    """A state dict without num_batches_tracked (PyTorch's checkpoints before its version 2
    of BatchNorm) loads strictly, and the module keeps its own count, as PyTorch's
    _load_from_state_dict; with version 2 recorded (PyTorch's _metadata) the key is
    missing, in both."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    ours = nn.Sequential(nn.Linear(3, 3, dtype=F64), nn.BatchNorm1d(3, dtype=F64))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3)).double()
    if not nested:
        ours, theirs = ours[1], theirs[1]
    for _ in range(3):
        x = rng.standard_normal((4, 3))
        ours(ag.tensor(x))
        theirs(torch.from_numpy(x))
    prefix = "1." if nested else ""
    source = nn.Sequential(nn.Linear(3, 3, dtype=F64), nn.BatchNorm1d(3, dtype=F64))
    source[1].running_mean.data[:] = [1.0, 2.0, 3.0]
    old = {k[len("" if nested else "1."):]: v.numpy() for k, v in source.state_dict().items()
           if (nested or k.startswith("1.")) and not k.endswith("num_batches_tracked")}
    result = ours.load_state_dict(old)
    theirs_result = theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in old.items()})
    assert result.missing_keys == theirs_result.missing_keys == []
    bn, tbn = (ours[1], theirs[1]) if nested else (ours, theirs)
    assert int(bn.num_batches_tracked.data) == int(tbn.num_batches_tracked) == 3
    np.testing.assert_array_equal(bn.running_mean.data, tbn.running_mean.numpy())
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, 2.0, 3.0])

    class Versioned(dict):
        _metadata = {prefix[:-1]: {"version": 2}}
    current = Versioned(old)
    tcurrent = theirs.state_dict()
    del tcurrent[prefix + "num_batches_tracked"]
    for module, sd in ((ours, current), (theirs, tcurrent)):
        with pytest.raises(Exception, match=f"Missing key.*{prefix}num_batches_tracked"):
            module.load_state_dict(sd)
    assert (ours.load_state_dict(current, strict=False).missing_keys
            == theirs.load_state_dict(tcurrent, strict=False).missing_keys
            == [prefix + "num_batches_tracked"])
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2).train()(ag.ones(1, 2))


# --- the nn primitives -------------------------------------------------------------------------
def test_erf_accuracy():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-7, 7, 20000), rng.uniform(-0.6, 0.6, 5000),
                        np.logspace(-300, 1.3, 2000), [0.0, 0.46875, 4.0, 30.0]])
    ref = np.array([math.erf(v) for v in x])
    rel = np.abs(erf(x) - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() < 1e-15
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1, -1])
    assert np.isnan(erf(np.array([np.nan]))).all()
    x = ag.tensor(rng.standard_normal(6) * 2, requires_grad=True)
    assert ag.gradcheck(F.erf, [x]) and ag.gradgradcheck(F.erf, [x])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1),
                                dict(kernel_size=2, dilation=2, padding=(0, 1))])
def test_unfold_and_fold_are_adjoint_and_differentiable(kw):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    cols = F.unfold(x, **kw)
    y = rng.standard_normal(cols.shape)
    folded = F.fold(ag.tensor(y), (5, 4), **kw)
    assert np.isclose((cols.data * y).sum(), (x.data * folded.data).sum())   # <Ux, y> = <x, U*y>
    assert ag.gradcheck(lambda t: F.unfold(t, **kw), [x])
    assert ag.gradgradcheck(lambda t: F.unfold(t, **kw) ** 2, [x])
    yt = ag.tensor(y, requires_grad=True)
    assert ag.gradgradcheck(lambda t: F.fold(t, (5, 4), **kw) ** 2, [yt])


def test_pad_constant_and_crop():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = F.pad(x, (1, 0, 0, 2), value=-1.0)
    assert y.tolist() == [[-1, 0, 1, 2], [-1, 3, 4, 5], [-1, -1, -1, -1], [-1, -1, -1, -1]]
    assert F.pad(x, (-1, 1)).tolist() == [[1, 2, 0], [4, 5, 0]]
    assert ag.gradcheck(lambda t: F.pad(t, (2, -1, 1, 1), value=3.0), [x])
    with pytest.raises(ag.ArgumentError, match="mode must be 'constant'"):
        F.pad(x, (1, 1), mode="symmetric")


def test_functional_misc():
    assert F.one_hot(ag.tensor([0, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(ag.tensor([1]), 4).dtype == np.int64
    with pytest.raises(ValueError, match="class values"):
        F.one_hot(ag.tensor([3]), 3)
    x = ag.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(F.softmax(x).data.sum(), 1, rtol=1e-6)      # implicit dim 1
    with pytest.raises(ag.ShapeError, match="does not match weight"):
        F.linear(ag.ones(2, 3), ag.ones(4, 5))
    with pytest.raises(ag.ShapeError, match="input channels"):
        F.conv2d(ag.ones(1, 3, 4, 4), ag.ones(2, 2, 3, 3))
    with pytest.raises(ag.ShapeError, match="does not fit"):
        F.conv2d(ag.ones(1, 1, 2, 2), ag.ones(1, 1, 3, 3))
    with pytest.raises(ag.ShapeError, match="max_pool2d: kernel .* gives an empty output"):
        F.max_pool2d(ag.ones(1, 1, 2, 4), 3)
    with pytest.raises(ag.ArgumentError, match="at most half the kernel size"):
        F.avg_pool2d(ag.ones(1, 1, 4, 4), 2, padding=2)


def test_max_pool_gradient_goes_to_the_maximum():
    x = ag.tensor([[[[1.0, 5.0], [2.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[0, 1], [0, 0]]]]


# --- convolution and pooling against direct loops (property-based) ------------------------
def _windows(x, k, s, p, d, fill):
    """Yield (i, j, window (N, C, kh, kw)) by direct indexing of the padded input."""
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * p[0], w + 2 * p[1]), fill)
    xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    for i in range(oh):
        for j in range(ow):
            rows = i * s[0] + d[0] * np.arange(k[0])
            cols = j * s[1] + d[1] * np.arange(k[1])
            yield i, j, oh, ow, xp[:, :, rows][:, :, :, cols]


def _direct_conv(x, w, b, s, p, d, groups):
    o, cg = w.shape[:2]
    out = None
    for i, j, oh, ow, win in _windows(x, w.shape[2:], s, p, d, 0.0):
        if out is None:
            out = np.zeros((x.shape[0], o, oh, ow))
        for oc in range(o):
            g = oc // (o // groups)
            out[:, oc, i, j] = (win[:, g * cg:(g + 1) * cg] * w[oc]).sum((1, 2, 3)) + b[oc]
    return out


conv_configs = st.fixed_dictionaries({
    "n": st.integers(1, 2), "groups": st.sampled_from([1, 2]), "cg": st.integers(1, 2),
    "og": st.integers(1, 2), "k": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "s": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "p": st.tuples(st.integers(0, 2), st.integers(0, 2)),
    "d": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "hw": st.tuples(st.integers(5, 7), st.integers(5, 7)), "seed": st.integers(0, 2 ** 16)})


@settings(max_examples=30, deadline=None)
@given(cfg=conv_configs)
def test_conv2d_matches_direct_loops(cfg):
    rng = np.random.default_rng(cfg["seed"])
    c, o = cfg["cg"] * cfg["groups"], cfg["og"] * cfg["groups"]
    x = rng.standard_normal((cfg["n"], c) + cfg["hw"])
    w = rng.standard_normal((o, cfg["cg"]) + cfg["k"])
    b = rng.standard_normal(o)
    got = F.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), cfg["s"], cfg["p"], cfg["d"],
                   cfg["groups"])
    ref = _direct_conv(x, w, b, cfg["s"], cfg["p"], cfg["d"], cfg["groups"])
    assert got.shape == ref.shape
    np.testing.assert_allclose(got.data, ref, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(cfg=conv_configs, include_pad=st.booleans())
def test_pooling_matches_direct_loops(cfg, include_pad):
    k, p = cfg["k"], tuple(min(pi, ki // 2) for pi, ki in zip(cfg["p"], cfg["k"]))
    x = np.random.default_rng(cfg["seed"]).standard_normal((cfg["n"], 2) + cfg["hw"])
    maxed = F.max_pool2d(ag.tensor(x), k, cfg["s"], p, cfg["d"]).data
    avg = F.avg_pool2d(ag.tensor(x), k, cfg["s"], p, count_include_pad=include_pad).data
    ones = np.ones_like(x)
    for i, j, _, _, win in _windows(x, k, cfg["s"], p, cfg["d"], -np.inf):
        np.testing.assert_array_equal(maxed[:, :, i, j], win.max((2, 3)))
    for (i, j, _, _, win), (*_, count) in zip(_windows(x, k, cfg["s"], p, (1, 1), 0.0),
                                            _windows(ones, k, cfg["s"], p, (1, 1), 0.0)):
        n = k[0] * k[1] if include_pad else count.sum((2, 3))
        np.testing.assert_allclose(avg[:, :, i, j], win.sum((2, 3)) / n, atol=1e-12)


# --- PyTorch parity (optional) -------------------------------------------------------------------
def _to_torch(torch, module, ours):
    module.double().load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    return module


TORCH_CASES = [
    ("Linear", lambda: nn.Linear(5, 3, dtype=F64), lambda t: t.nn.Linear(5, 3), (4, 5)),
    ("Conv2d", lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2),
                                 groups=2, dtype=F64),
     lambda t: t.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
     (2, 4, 7, 6)),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, 2, 1), lambda t: t.nn.MaxPool2d(3, 2, 1), (2, 3, 7, 6)),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
     lambda t: t.nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 7, 6)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(3, dtype=F64), lambda t: t.nn.BatchNorm2d(3),
     (4, 3, 3, 2)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3, momentum=None, dtype=F64),
     lambda t: t.nn.BatchNorm1d(3, momentum=None), (5, 3)),
    ("LayerNorm", lambda: nn.LayerNorm((3, 4), dtype=F64), lambda t: t.nn.LayerNorm((3, 4)),
     (2, 3, 4)),
    ("GELU", lambda: nn.GELU(), lambda t: t.nn.GELU(), (4, 5)),
    ("GELU_tanh", lambda: nn.GELU("tanh"), lambda t: t.nn.GELU("tanh"), (4, 5)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.1), lambda t: t.nn.LeakyReLU(0.1), (4, 5)),
    ("LogSoftmax", lambda: nn.LogSoftmax(1), lambda t: t.nn.LogSoftmax(1), (4, 5)),
]


@pytest.mark.parametrize("name,ours,theirs,shape", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_matches_pytorch(name, ours, theirs, shape):
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    a = ours()
    b = _to_torch(torch, theirs(torch), a)
    x = np.random.default_rng(0).standard_normal(shape) * 3
    for step in range(2):                    # twice: BatchNorm's running statistics move
        xa = ag.tensor(x + step, requires_grad=True)
        xb = torch.tensor(x + step, requires_grad=True)
        ya, yb = a(xa), b(xb)
        g = np.random.default_rng(step).standard_normal(ya.shape)
        (ya * ag.tensor(g)).sum().backward()
        (yb * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-10, atol=1e-12)
    theirs_sd = b.state_dict()
    for key, value in a.state_dict().items():
        np.testing.assert_allclose(value.data, theirs_sd[key].numpy(), rtol=1e-10, atol=1e-12)
    for (key, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=key)
    a.eval(), b.eval()
    np.testing.assert_allclose(a(ag.tensor(x)).data, b(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_default_init_distribution_matches_pytorch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ours, theirs = nn.Conv2d(8, 16, 3), torch.nn.Conv2d(8, 16, 3)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        q = q.detach().numpy()
        assert p.shape == q.shape
        assert abs(np.abs(p.data).max() - np.abs(q).max()) < 0.1 * np.abs(q).max()
        assert abs(p.data.std() - q.std()) < 0.15 * q.std()
