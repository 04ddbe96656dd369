"""torch's top-level forms of nn.functional's ops as ``autograd.<name>`` (nn/toplevel.py):
values and float64 gradients against PyTorch's through the same call, with PyTorch's
ATen signatures (int reductions, required `train`, embedding's weight first), the
dropouts' masks, argument errors, and the lazy loading that gives them."""
import functools
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
from torch_compare import assert_case_matches

torch = pytest.importorskip("torch")

R = np.random.default_rng(1)


def _r(*shape):
    return R.standard_normal(shape)


def _cat(L, outs):
    return L.cat([o.reshape(-1) for o in outs])


def _f64(L, a):
    return L.tensor(a, dtype=L.float64)


X3, X4 = _r(2, 3, 7), _r(1, 2, 5, 5)
CASES = {
    "conv1d": (lambda L, x, w, b: L.conv1d(x, w, b, 2, 1), [X3, _r(4, 3, 3), _r(4)]),
    "conv2d-groups": (lambda L, x, w: L.conv2d(x, w, None, 1, 1, 1, 2), [X4, _r(4, 1, 3, 3)]),
    "conv3d": (lambda L, x, w, b: L.conv3d(x, w, b, padding=1), [_r(1, 2, 3, 4, 4),
                                                                 _r(2, 2, 2, 2, 2), _r(2)]),
    "conv_transpose1d": (lambda L, x, w, b: L.conv_transpose1d(x, w, b, 2, 1, 1),
                         [_r(1, 2, 5), _r(2, 3, 3), _r(3)]),
    "conv_transpose2d": (lambda L, x, w: L.conv_transpose2d(x, w, stride=2), [X4, _r(2, 3, 2, 2)]),
    "conv_transpose3d": (lambda L, x, w: L.conv_transpose3d(x, w), [_r(1, 2, 2, 3, 3),
                                                                   _r(2, 1, 2, 2, 2)]),
    "convolution": (lambda L, x, w, b: L.convolution(x, w, b, [2], [1], [1], False, [0], 1),
                    [X3, _r(4, 3, 3), _r(4)]),
    "convolution-transposed": (lambda L, x, w: L.convolution(x, w, None, [2, 2], [1, 1], [1, 1],
                                                             True, [1, 1], 1),
                               [X4, _r(2, 3, 3, 3)]),
    "conv_tbc": (lambda L, x, w, b: L.conv_tbc(x, w, b, 1), [_r(7, 2, 3), _r(3, 3, 4), _r(4)]),
    "avg_pool1d": (lambda L, x: L.avg_pool1d(x, 3, 2, 1, False, False), [X3]),
    "max_pool1d": (lambda L, x: L.max_pool1d(x, 2, 1, 1, 2), [X3]),
    "max_pool2d": (lambda L, x: L.max_pool2d(x, 2, ceil_mode=True), [X4]),
    "max_pool3d": (lambda L, x: L.max_pool3d(x, 2), [_r(1, 1, 4, 4, 4)]),
    "max_pool1d_with_indices": (lambda L, x: _cat(L, [v * 1.0 for v in L.max_pool1d_with_indices(
        x, 3, 2)]), [X3]),
    "adaptive_avg_pool1d": (lambda L, x: L.adaptive_avg_pool1d(x, 3), [X3]),
    "adaptive_max_pool1d": (lambda L, x: _cat(L, [v * 1.0 for v in L.adaptive_max_pool1d(
        x, 4)]), [X3]),
    "batch_norm-train": (lambda L, x, w, b: L.batch_norm(x, w, b, L.zeros(3, dtype=L.float64),
                                                         L.ones(3, dtype=L.float64), True,
                                                         0.1, 1e-5, False), [X3, _r(3), _r(3)]),
    "batch_norm-eval": (lambda L, x: L.batch_norm(x, None, None, _f64(L, [0.1, 0.2, -0.3]),
                                                  _f64(L, [1.0, 2.0, 0.5]), False, 0.1, 1e-3,
                                                  True), [X3]),
    "layer_norm": (lambda L, x, w, b: L.layer_norm(x, (7,), w, b, 1e-4), [X3, _r(7), _r(7)]),
    "group_norm": (lambda L, x, w, b: L.group_norm(x, 2, w, b), [_r(2, 4, 3), _r(4), _r(4)]),
    "instance_norm": (lambda L, x, w, b: L.instance_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                         False), [X3, _r(3), _r(3)]),
    "embedding": (lambda L, w: L.embedding(w, L.tensor([[0, 2], [3, 2]])), [_r(4, 3)]),
    "embedding-padding": (lambda L, w: L.embedding(w, L.tensor([1, 2, 1]), 1), [_r(4, 3)]),
    "celu": (lambda L, x: L.celu(x, 0.5), [X3]),
    "celu_": (lambda L, x: L.celu_(x * 1, 2.0), [X3]),
    "selu": (lambda L, x: L.selu(x), [X3]),
    "selu_": (lambda L, x: L.selu_(x * 1), [X3]),
    "threshold": (lambda L, x: L.threshold(x, 0.1, 2.0), [X3]),
    "threshold_": (lambda L, x: L.threshold_(x * 1, -0.2, 0.0), [X3]),
    "rrelu-eval": (lambda L, x: L.rrelu(x, 0.1, 0.3), [X3]),
    "rrelu_-eval": (lambda L, x: L.rrelu_(x * 1), [X3]),
    "prelu": (lambda L, x, w: L.prelu(x, w), [X3, _r(3)]),
    "hardshrink": (lambda L, x: L.hardshrink(x, 0.3), [X3]),
    "pixel_shuffle": (lambda L, x: L.pixel_shuffle(x, 2), [_r(1, 8, 2, 3)]),
    "pixel_unshuffle": (lambda L, x: L.pixel_unshuffle(x, 2), [_r(1, 2, 4, 6)]),
    "channel_shuffle": (lambda L, x: L.channel_shuffle(x, 2), [_r(1, 4, 2, 2)]),
    "pdist": (lambda L, x: L.pdist(x), [_r(4, 3)]),
    "pdist-p1": (lambda L, x: L.pdist(x, 1.0), [_r(4, 3)]),
    "pairwise_distance": (lambda L, x, y: L.pairwise_distance(x, y, 3.0, 1e-6, True),
                          [_r(4, 3), _r(1, 3)]),
    "cosine_similarity": (lambda L, x, y: L.cosine_similarity(x, y, 0), [_r(4, 3), _r(4, 1)]),
    "bilinear": (lambda L, a, b, w, c: L.bilinear(a, b, w, c), [_r(2, 3), _r(2, 4), _r(5, 3, 4),
                                                               _r(5)]),
    "rms_norm": (lambda L, x, w: L.rms_norm(x, (7,), w), [X3, _r(7)]),
    "rms_norm-eps": (lambda L, x: L.rms_norm(x, (3, 7), None, 0.1), [X3]),
    "constant_pad_nd": (lambda L, x: L.constant_pad_nd(x, (1, 2, 0, 1), 0.5), [X3]),
    "affine_grid_generator": (lambda L, t: L.affine_grid_generator(t, (2, 1, 3, 4), False),
                              [_r(2, 2, 3)]),
    "grid_sampler": (lambda L, x, g: L.grid_sampler(x, g, 0, 1, True),
                     [X4, np.tanh(_r(1, 3, 2, 2))]),
    "grid_sampler-nearest-reflection": (lambda L, x, g: L.grid_sampler(x, g, 1, 2, False)
                                        + g.sum() * 0,
                                        [X4, np.tanh(_r(1, 3, 2, 2))]),
    "rnn_tanh_cell": (lambda L, x, h, wi, wh, bi, bh: L.rnn_tanh_cell(x, h, wi, wh, bi, bh),
                      [_r(2, 3), _r(2, 4), _r(4, 3), _r(4, 4), _r(4), _r(4)]),
    "rnn_relu_cell": (lambda L, x, h, wi, wh: L.rnn_relu_cell(x, h, wi, wh),
                      [_r(2, 3), _r(2, 4), _r(4, 3), _r(4, 4)]),
    "lstm_cell": (lambda L, x, h, c, wi, wh, bi, bh: _cat(L, L.lstm_cell(x, (h, c), wi, wh, bi, bh)),
                  [_r(2, 3), _r(2, 4), _r(2, 4), _r(16, 3), _r(16, 4), _r(16), _r(16)]),
    "gru_cell": (lambda L, x, h, wi, wh, bi, bh: L.gru_cell(x, h, wi, wh, bi, bh),
                 [_r(2, 3), _r(2, 4), _r(12, 3), _r(12, 4), _r(12), _r(12)]),
    "chain_matmul": (lambda L, a, b, c: L.chain_matmul(a, b, c), [_r(2, 3), _r(3, 4), _r(4, 2)]),
    "frobenius_norm": (lambda L, x: L.frobenius_norm(x, (0, 2), True), [X3]),
    "nuclear_norm": (lambda L, x: L.nuclear_norm(x), [_r(3, 4)]),
    "nuclear_norm-dim": (lambda L, x: L.nuclear_norm(x, (0, 2)), [X3]),
    "norm_except_dim": (lambda L, x: L.norm_except_dim(x, 2, 1), [X3]),
    "dropout-eval": (lambda L, x: L.dropout(x, 0.5, False), [X3]),
    "dropout-p0": (lambda L, x: L.dropout(x, 0.0, True), [X3]),
    "alpha_dropout-eval": (lambda L, x: L.alpha_dropout(x, 0.3, False), [X3]),
    "feature_dropout-eval": (lambda L, x: L.feature_dropout(x, 0.3, False), [X3]),
}
def _flat_weights(module):
    return [w.detach().numpy() for w in module.double()._flat_weights]


torch.manual_seed(0)
LSTM = _flat_weights(torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2))
GRU = _flat_weights(torch.nn.GRU(3, 4, bias=False))
RNN = _flat_weights(torch.nn.RNN(3, 4, num_layers=2, nonlinearity="relu"))
RNN1 = _flat_weights(torch.nn.RNN(3, 4))
CASES.update({
    "lstm-2-layers-bidirectional-proj": (
        lambda L, x, h, c, *w: _cat(L, L.lstm(x, (h, c), list(w), True, 2, 0.0, False, True,
                                              False)), [_r(5, 2, 3), _r(4, 2, 2), _r(4, 2, 4), *LSTM]),
    "gru-batch_first-no-bias": (
        lambda L, x, h, *w: _cat(L, L.gru(x, h, list(w), False, 1, 0.0, False, False, True)),
        [_r(2, 5, 3), _r(1, 2, 4), *GRU]),
    "rnn_relu-2-layers": (
        lambda L, x, h, *w: _cat(L, L.rnn_relu(x, h, list(w), True, 2, 0.0, True, False, False)),
        [_r(4, 3, 3), _r(2, 3, 4), *RNN]),
    "rnn_tanh-packed": (
        lambda L, x, h, *w: _cat(L, L.rnn_tanh(x, L.tensor([3, 2, 1]), h, list(w), True, 1,
                                               0.0, False, False)),
        [_r(6, 3), _r(1, 3, 4), *RNN1]),
})

LOSSES = {   # fn(L, reduction, *inputs)
    "kl_div": (lambda L, r, x, y: L.kl_div(L.log_softmax(x, 1), L.softmax(y, 1), r),
               [_r(3, 4), _r(3, 4)]),
    "kl_div-log_target": (lambda L, r, x, y: L.kl_div(x, y, r, log_target=True),
                          [_r(3, 4), _r(3, 4)]),
    "margin_ranking_loss": (lambda L, r, a, b: L.margin_ranking_loss(
        a, b, _f64(L, [1.0, -1.0, 1.0, -1.0]), 0.2, r), [_r(4), _r(4)]),
    "hinge_embedding_loss": (lambda L, r, a: L.hinge_embedding_loss(
        a, _f64(L, [[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]), 0.5, r), [_r(2, 3)]),
    "cosine_embedding_loss": (lambda L, r, a, b: L.cosine_embedding_loss(
        a, b, _f64(L, [1.0, -1.0, -1.0]), 0.1, r), [_r(3, 4), _r(3, 4)]),
    "triplet_margin_loss": (lambda L, r, a, p, n: L.triplet_margin_loss(
        a, p, n, 0.5, 2.0, 1e-6, True, r), [_r(3, 4), _r(3, 4), _r(3, 4)]),
    "poisson_nll_loss": (lambda L, r, x: L.poisson_nll_loss(
        x, _f64(L, [[0.0, 2.0], [3.0, 1.0]]), True, True, 1e-8, r), [_r(2, 2)]),
    "poisson_nll_loss-rates": (lambda L, r, x: L.poisson_nll_loss(
        x.abs() + 0.1, _f64(L, [[0.0, 2.0], [3.0, 1.0]]), False, False, 1e-3, r), [_r(2, 2)]),
    "bce_with_logits": (lambda L, r, x: L.binary_cross_entropy_with_logits(
        x, _f64(L, [[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]]), _f64(L, [0.5, 2.0, 1.0]),
        _f64(L, [1.5, 0.3, 1.0]), r), [_r(2, 3)]),
    "ctc_loss": (lambda L, r, x: L.ctc_loss(
        L.log_softmax(x, 2), L.tensor([[1, 2, 2], [1, 3, 0]]), L.tensor([6, 5]),
        L.tensor([3, 2]), 0, r), [_r(6, 2, 4)]),
}


def _with_reduction(fn, reduction, L, *xs):
    return fn(L, reduction, *xs)


for _name, (_fn, _arrays) in LOSSES.items():
    for _red in range(3):
        CASES[f"{_name}-{('none', 'mean', 'sum')[_red]}"] = (
            functools.partial(_with_reduction, _fn, _red), _arrays)
CASES["ctc_loss-lists-zero_infinity"] = (lambda L, x: L.ctc_loss(
    L.log_softmax(x, 2), L.tensor([[1, 2, 1, 2]]), [3], [4], 0, 2, True), [_r(3, 1, 3)])


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_torch(case):
    assert_case_matches(torch, *CASES[case], rtol=1e-9, atol=1e-11)


def test_same_function_as_nn_functional_where_the_signature_is():
    import nn.functional as F
    for name in ("conv2d", "conv_transpose1d", "max_pool2d", "celu_", "pdist", "bilinear",
                 "rms_norm", "cosine_similarity"):
        assert getattr(ag, name) is getattr(F, name)
    assert ag.native_channel_shuffle is F.channel_shuffle
    x = _r(2, 6, 3)          # (PyTorch's native_channel_shuffle has no derivative)
    np.testing.assert_array_equal(ag.native_channel_shuffle(ag.tensor(x), 3).data,
                                  torch.native_channel_shuffle(torch.tensor(x), 3).numpy())


def test_indices_of_the_pools_match_torch():
    x = _r(2, 3, 9)
    for ours, theirs in ((ag.max_pool1d_with_indices(ag.tensor(x), 3, 2, 1),
                          torch.max_pool1d_with_indices(torch.tensor(x), 3, 2, 1)),
                         (ag.adaptive_max_pool1d(ag.tensor(x), 4),
                          torch.adaptive_max_pool1d(torch.tensor(x), 4))):
        np.testing.assert_array_equal(ours[1].data, theirs[1].numpy())
        assert ours[1].dtype == ag.int64


def test_batch_norm_updates_the_running_stats_as_torch():
    x = _r(4, 3, 5)
    ours = [ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    ag.batch_norm(ag.tensor(x), None, None, *ours, True, 0.3, 1e-5, False)
    torch.batch_norm(torch.tensor(x), None, None, *theirs, True, 0.3, 1e-5, False)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-12)


def test_dropouts_draw_masks_of_their_shape():
    ag.manual_seed(0)
    x = ag.ones(200, 8, 5, dtype=ag.float64)
    out = ag.dropout(x, 0.25, True).data
    assert set(np.unique(out)) == {0.0, 1 / 0.75} and abs((out == 0).mean() - 0.25) < 0.02
    feat = ag.feature_dropout(x, 0.5, True).data
    assert set(np.unique(feat)) == {0.0, 2.0}
    assert (feat == feat[:, :, :1]).all() and 0.4 < (feat[:, :, 0] == 0).mean() < 0.6
    alpha = ag.feature_alpha_dropout(x, 0.5, True).data
    assert (alpha == alpha[:, :, :1]).all() and len(np.unique(alpha)) == 2
    assert len(np.unique(ag.alpha_dropout(x, 0.5, True).data)) == 2
    y = ag.ones(4, 3)
    for name in ("dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"):
        z = y.clone()
        assert getattr(ag, name)(z, 1.0 if "alpha" not in name else 0.5, True) is z
        assert not (z.data == 1).all(), name
    ag.manual_seed(1)
    a = ag.dropout(x, 0.5, True)
    ag.manual_seed(1)
    assert (ag.dropout(x, 0.5, True).data == a.data).all()


def test_dropout_gradient_is_the_mask():
    ag.manual_seed(2)
    x = ag.ones(50, 4, dtype=ag.float64, requires_grad=True)
    for fn in (ag.dropout, ag.feature_dropout):
        x.grad = None
        out = fn(x, 0.4, True)
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.data, out.data)


ERRORS = [
    (lambda: ag.kl_div(ag.ones(2), ag.ones(2), "mean"), "reduction is an int"),
    (lambda: ag.margin_ranking_loss(ag.ones(2), ag.ones(2), ag.ones(2), 0.0, 3), "0 \\(none\\)"),
    (lambda: ag.ctc_loss(ag.ones(2, 1, 3), ag.ones(1, 1), [2], [1], 0, True), "reduction"),
    (lambda: ag.dropout(ag.ones(2), 1.5, True), "between 0 and 1"),
    (lambda: ag.feature_dropout(ag.ones(3), 0.5, True), "at least 2 dims"),
    (lambda: ag.rrelu(ag.ones(2), generator=ag.Generator()), "generator"),
    (lambda: ag.lstm_cell(ag.ones(1, 2), [ag.ones(1, 1)], ag.ones(4, 2), ag.ones(4, 1)), "\\(h, c\\)"),
    (lambda: ag.grid_sampler(ag.ones(1, 1, 2, 2), ag.zeros(1, 1, 1, 2), 5, 0, False),
     "interpolation_mode"),
    (lambda: ag.convolution(ag.ones(1, 1, 3), ag.ones(1, 1, 1, 1, 1, 1), None, [1], [0], [1],
                            False, [0], 1), "convolution"),
    (lambda: ag.convolution(ag.ones(3), ag.ones(1, 1, 1), None, [1], [0], [1], False, [0], 1),
     "convolution"),
    (lambda: ag.lstm(ag.ones(2, 1, 3), (ag.ones(1, 1, 4), ag.ones(1, 1, 4)),
                     [ag.ones(16, 3)] * 3, True, 1, 0.0, False, False, False), "groups of weights"),
    (lambda: ag.conv_tbc(ag.ones(3, 1, 2), ag.ones(2, 3, 1), ag.ones(1)), "conv_tbc"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_argument_errors(i):
    call, message = ERRORS[i]
    with pytest.raises(ag.GradgraphError, match=message):
        call()


def test_the_nn_forms_load_on_first_use_only():
    code = ("import sys, autograd as ag; assert 'nn' not in sys.modules; ag.conv1d; "
            "assert 'nn.toplevel' in sys.modules; assert 'dropout' in dir(ag); "
            "import nn; assert ag.dropout_ is nn.toplevel.dropout_\n"
            "try:\n    ag.no_such_name\nexcept AttributeError as e:\n"
            "    assert 'no_such_name' in str(e)\nelse:\n    raise SystemExit(1)")
    subprocess.run([sys.executable, "-c", code], check=True)
    subprocess.run([sys.executable, "-c", "import nn, autograd as ag; ag.kl_div"], check=True)
