"""Attention and the transformer's norms against PyTorch (float64: values and every
gradient), and their masks, dropout and errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")
TF = torch.nn.functional


def _pair(arrays, grad=True):
    ours = [ag.tensor(a, dtype=ag.double, requires_grad=grad) for a in arrays]
    ref = [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in arrays]
    return ours, ref


def _compare(out, ref_out, ours, ref, tol=1e-12):
    """Values equal; then the gradients of sum(out * w) for a fixed w."""
    np.testing.assert_allclose(out.data, ref_out.detach().numpy(), rtol=tol, atol=tol)
    w = np.random.default_rng(5).standard_normal(out.shape)
    (out * ag.tensor(w)).sum().backward()
    (ref_out * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, ref):
        if b.grad is None:
            assert a.grad is None or not a.grad.data.any()
        else:
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=tol, atol=tol)


SDPA_MASKS = {
    "none": lambda L, S: {},
    "causal": lambda L, S: {"is_causal": True},
    "bool_2d": lambda L, S: {"attn_mask": np.random.default_rng(1).random((L, S)) > 0.3},
    "bool_4d_broadcast": lambda L, S: {"attn_mask": np.random.default_rng(2).random((2, 1, L, S)) > 0.4},
    "float_2d": lambda L, S: {"attn_mask": np.random.default_rng(3).standard_normal((L, S))},
    "float_neg_inf": lambda L, S: {"attn_mask": np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf)},
    "fully_masked_row": lambda L, S: {"attn_mask": np.array([[True] * S, [False] * S] * (L // 2))},
    "scale": lambda L, S: {"scale": 0.2, "is_causal": True},
}


@pytest.mark.parametrize("kind", list(SDPA_MASKS))
def test_sdpa_matches_pytorch(kind):
    rng = np.random.default_rng(0)
    L, S = 4, 6 if kind not in ("causal", "scale", "float_neg_inf") else 4
    arrays = [rng.standard_normal(s) for s in [(2, 3, L, 5), (2, 3, S, 5), (2, 3, S, 7)]]
    kw = SDPA_MASKS[kind](L, S)
    ours, ref = _pair(arrays)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    _compare(F.scaled_dot_product_attention(*ours, **kw), TF.scaled_dot_product_attention(*ref, **tkw),
             ours, ref)


@pytest.mark.parametrize("L,S", [(6, 3), (3, 6)])
def test_sdpa_causal_with_unequal_lengths_matches_pytorch(L, S):
    rng = np.random.default_rng(3)
    ours, ref = _pair([rng.standard_normal(s) for s in [(2, L, 4), (2, S, 4), (2, S, 3)]])
    _compare(F.scaled_dot_product_attention(*ours, is_causal=True),
             TF.scaled_dot_product_attention(*ref, is_causal=True), ours, ref)


def test_sdpa_float_mask_gets_gradient_and_gqa_matches_pytorch():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in [(2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 3), (3, 6)]]
    ours, ref = _pair(arrays)
    out = F.scaled_dot_product_attention(*ours[:3], attn_mask=ours[3], enable_gqa=True)
    _compare(out, TF.scaled_dot_product_attention(*ref[:3], attn_mask=ref[3], enable_gqa=True),
             ours, ref)


def test_sdpa_dropout_uses_the_default_generator():
    rng = np.random.default_rng(2)
    q, k, v = (ag.tensor(rng.standard_normal((2, 3, 4)), dtype=ag.double) for _ in range(3))
    ag.manual_seed(11)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    ag.manual_seed(11)
    keep = ag.default_generator().random((2, 3, 3)) >= 0.4
    weights = F.softmax(q @ k.mT / 2.0, dim=-1).data * keep / 0.6
    np.testing.assert_allclose(out.data, weights @ v.data, rtol=1e-12)
    ag.manual_seed(11)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.4).data,
                                  out.data)


def test_sdpa_errors_name_the_shapes():
    q = ag.randn(2, 3, 4)
    with pytest.raises(ag.ShapeError, match=r"scaled_dot_product_attention: query .*\(2, 3, 4\)"):
        F.scaled_dot_product_attention(q, ag.randn(2, 3, 5), ag.randn(2, 3, 4))
    with pytest.raises(ag.ShapeError, match=r"attn_mask of shape \(4, 4\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool))
    with pytest.raises(ag.ArgumentError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ag.DtypeError, match="bool or floating"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), np.int64))


@pytest.mark.parametrize("shape,eps,affine", [((4,), None, True), ((3, 4), 1e-3, True),
                                              ((4,), 1e-6, False)])
def test_rms_norm_matches_pytorch(shape, eps, affine):
    rng = np.random.default_rng(0)
    ours_m = nn.RMSNorm(shape, eps=eps, elementwise_affine=affine).double()
    ref_m = torch.nn.RMSNorm(shape, eps=eps, elementwise_affine=affine).double()
    if affine:
        w = rng.standard_normal(shape)
        ours_m.weight.data[...] = w
        with torch.no_grad():
            ref_m.weight.copy_(torch.tensor(w))
    ours, ref = _pair([rng.standard_normal((2, 5) + shape)])
    _compare(ours_m(ours[0]), ref_m(ref[0]), ours, ref)
    if affine:
        np.testing.assert_allclose(ours_m.weight.grad.data, ref_m.weight.grad.numpy(), rtol=1e-12)
    assert ours_m.state_dict().keys() == ref_m.state_dict().keys()
    assert repr(ours_m).startswith("RMSNorm(")


def test_rms_norm_default_eps_is_the_dtypes_epsilon():
    x = ag.tensor(np.zeros((2, 3)), dtype=ag.float)        # mean(x^2) = 0: eps decides
    y = F.rms_norm(x + 1e-4, (3,))
    np.testing.assert_allclose(y.data, 1e-4 / np.sqrt(1e-8 + np.finfo(np.float32).eps), rtol=1e-5)


def test_tril_triu_masked_fill_match_pytorch():
    rng = np.random.default_rng(0)
    ours, ref = _pair([rng.standard_normal((2, 4, 5))])
    m = rng.random((4, 5)) > 0.5
    out = ours[0].tril(1) + ag.triu(ours[0], -1) * 2 + (ours[0] * 1).masked_fill_(m, 0.5)
    r = ref[0].tril(1) + torch.triu(ref[0], -1) * 2 + (ref[0] * 1).masked_fill_(torch.tensor(m), 0.5)
    _compare(out, r, ours, ref)
    x = ag.ones(3, 3, dtype=ag.long)
    assert x.tril().dtype == np.int64 and x.tril().tolist() == torch.ones(3, 3).tril().long().tolist()
    y = ag.zeros(2, 2)
    assert y.masked_fill_(ag.tensor([[True, False], [False, True]]), 3.0) is y
    assert y.tolist() == [[3.0, 0.0], [0.0, 3.0]]
    with pytest.raises(ag.ShapeError, match="tril: expected a tensor of at least 2 dims"):
        ag.tril(ag.ones(3))


def test_masked_fill_keeps_the_input_dtype_as_pytorch():
    m = np.array([[True, False, True], [False, False, True]])
    for dtype, value in ((np.int64, 2.7), (np.int32, -3.9), (bool, 0.5), (np.float32, 1.25),
                         (np.float32, float("-inf")), (np.int64, True)):
        x = np.arange(6).reshape(2, 3).astype(dtype)
        got = ag.masked_fill(ag.tensor(x), ag.tensor(m), value)
        want = torch.tensor(x).masked_fill(torch.tensor(m), value)
        assert got.dtype == want.numpy().dtype and got.tolist() == want.tolist()
        y = ag.tensor(x).clone()
        assert y.masked_fill_(m, value).dtype == got.dtype and y.tolist() == want.tolist()
    assert ag.masked_fill(ag.ones(2, dtype=ag.long), [True, False], ag.tensor(2.7)).tolist() == [2, 1]
    v = ag.tensor(2.0, dtype=ag.double, requires_grad=True)     # a float64 value in float32
    out = ag.masked_fill(ag.ones(3), ag.tensor([True, False, True]), v)
    assert out.dtype == np.float32
    out.sum().backward()
    assert v.grad.item() == 2.0
    for x, value in ((ag.ones(2, dtype=ag.long), float("inf")), (ag.ones(2), 1e300)):
        with pytest.raises(ag.OutOfRangeError, match="masked_fill: value .* without overflow"):
            ag.masked_fill(x, ag.tensor([True, False]), value)


# --- nn.MultiheadAttention --------------------------------------------------------------
def _twin(torch_module, ours):
    """Our module with the torch module's weights, loaded from its state_dict."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    return ours.double()


def _mha_pair(**kw):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(**kw).double()
    ours = _twin(ref, nn.MultiheadAttention(**kw))
    assert list(ours.state_dict()) == list(ref.state_dict())
    return ours, ref


def _loss(lib, out, weights):
    w = np.random.default_rng(9).standard_normal(out.shape)
    loss = (out * lib.tensor(w)).sum()
    if weights is not None:
        w2 = np.random.default_rng(10).standard_normal(weights.shape)
        loss = loss + (weights * lib.tensor(w2)).sum()
    return loss


def _check_mha(kw, shapes, call_kw=None, self_attention=False, tol=1e-12):
    ours_m, ref_m = _mha_pair(**kw)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, ref = _pair(arrays)
    if self_attention:
        ours, ref = ours * 3, ref * 3
    call_kw = call_kw or {}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_kw.items()}
    out, weights = ours_m(*ours[:3], **call_kw)
    r_out, r_weights = ref_m(*ref[:3], **tkw)
    np.testing.assert_allclose(out.data, r_out.detach().numpy(), rtol=tol, atol=tol)
    assert (weights is None) == (r_weights is None)
    if weights is not None:
        assert weights.shape == tuple(r_weights.shape)
        np.testing.assert_allclose(weights.data, r_weights.detach().numpy(), rtol=tol, atol=tol)
    _loss(ag, out, weights).backward()
    _loss(torch, r_out, r_weights).backward()
    grads = [(a.grad, b.grad) for a, b in zip(ours, ref)]
    named = dict(ref_m.named_parameters())
    grads += [(p.grad, named[n].grad) for n, p in ours_m.named_parameters()]
    for a, b in grads:
        np.testing.assert_allclose(a.data, b.numpy(), rtol=tol, atol=tol)
    return np.max([np.abs(a.data - b.numpy()).max() for a, b in grads])


L_, S_, N_, E_ = 4, 5, 3, 8
_pad_mask = np.array([[False] * 5, [False, False, False, True, True], [True, False] * 2 + [False]])
MHA_CASES = {
    "self_seq_first": (dict(embed_dim=E_, num_heads=2), [(L_, N_, E_)] * 3, {}, True),
    "cross_batch_first_bool_masks": (
        dict(embed_dim=E_, num_heads=4, batch_first=True), [(N_, L_, E_), (N_, S_, E_), (N_, S_, E_)],
        dict(attn_mask=np.random.default_rng(4).random((L_, S_)) < 0.3, key_padding_mask=_pad_mask),
        False),
    "float_3d_mask_no_weights": (
        dict(embed_dim=E_, num_heads=2), [(L_, N_, E_), (S_, N_, E_), (S_, N_, E_)],
        dict(attn_mask=np.random.default_rng(5).standard_normal((N_ * 2, L_, S_)),
             need_weights=False), False),
    "bool_3d_mask_per_head_weights": (
        dict(embed_dim=E_, num_heads=2), [(L_, N_, E_), (S_, N_, E_), (S_, N_, E_)],
        dict(attn_mask=np.random.default_rng(6).random((N_ * 2, L_, S_)) < 0.3,
             average_attn_weights=False), False),
    "kdim_vdim": (dict(embed_dim=E_, num_heads=2, kdim=6, vdim=3, batch_first=True),
                  [(N_, L_, E_), (N_, S_, 6), (N_, S_, 3)],
                  dict(key_padding_mask=_pad_mask, average_attn_weights=False), False),
    "bias_kv_zero_attn": (dict(embed_dim=E_, num_heads=2, add_bias_kv=True, add_zero_attn=True),
                          [(L_, N_, E_), (S_, N_, E_), (S_, N_, E_)],
                          dict(key_padding_mask=_pad_mask,
                               attn_mask=np.random.default_rng(7).standard_normal((L_, S_))), False),
    "no_bias_float_padding": (dict(embed_dim=E_, num_heads=4, bias=False),
                              [(L_, N_, E_), (S_, N_, E_), (S_, N_, E_)],
                              dict(key_padding_mask=np.where(_pad_mask, -np.inf, 0.0)), False),
    "unbatched": (dict(embed_dim=E_, num_heads=2), [(L_, E_), (S_, E_), (S_, E_)],
                  dict(key_padding_mask=_pad_mask[1]), False),
    "causal_hint": (dict(embed_dim=E_, num_heads=2, batch_first=True), [(N_, L_, E_)] * 3,
                    dict(attn_mask=~np.tri(L_, dtype=bool), is_causal=True, need_weights=False),
                    True),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_pytorch(case):
    kw, shapes, call_kw, self_attention = MHA_CASES[case]
    _check_mha(kw, shapes, call_kw, self_attention)


def test_multihead_attention_fully_masked_query_gives_zeros():
    m = nn.MultiheadAttention(4, 2).double()
    x = ag.randn(3, 1, 4, dtype=ag.double, requires_grad=True)
    mask = np.array([[False, True, True], [True, True, True], [False, False, True]])
    out, w = m(x, x, x, attn_mask=mask)
    assert np.isfinite(out.data).all() and (w.data[0, 1] == 0).all()
    np.testing.assert_allclose(out.data[1], np.broadcast_to(m.out_proj.bias.data, (1, 4)))
    out.sum().backward()
    assert np.isfinite(x.grad.data).all()


def test_multihead_attention_dropout_only_in_training_and_errors():
    m = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    x = ag.randn(3, 2, 4, dtype=ag.double)
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(a.data, b.data)
    m.train()
    ag.manual_seed(1)
    c = m(x, x, x)[0]
    ag.manual_seed(1)
    np.testing.assert_array_equal(m(x, x, x)[0].data, c.data)
    assert not np.allclose(c.data, a.data)
    with pytest.raises(ag.ArgumentError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ag.ShapeError, match=r"key_padding_mask must be \(N, S\) = \(2, 3\)"):
        m(x, x, x, key_padding_mask=np.zeros((2, 4), bool))
    with pytest.raises(ag.ShapeError, match="attn_mask must be"):
        m(x, x, x, attn_mask=np.zeros((4, 3), bool))
    with pytest.raises(ag.ArgumentError, match="needs attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ag.ShapeError, match="sizes 4, 4 and 4"):
        m(ag.randn(3, 2, 5, dtype=ag.double), x, x)


@pytest.mark.parametrize("separate", [False, True])
def test_functional_multi_head_attention_forward_with_static_kv_matches_pytorch(separate):
    E, H, L, S, N = 8, 2, 3, 4, 2
    rng = np.random.default_rng(11)
    shapes = [(L, N, E), (S, N, E), (S, N, E), (N * H, S, E // H), (N * H, S, E // H)]
    weights = {"in_w": (3 * E, E), "in_b": (3 * E,), "out_w": (E, E), "out_b": (E,),
               "qw": (E, E), "kw": (E, E), "vw": (E, E)}
    arrays = [rng.standard_normal(s) for s in shapes + list(weights.values())]
    ours, ref = _pair(arrays)

    def call(fn, xs, lib):
        q, k, v, sk, sv, in_w, in_b, out_w, out_b, qw, kw, vw = xs
        mask = lib.tensor(np.random.default_rng(1).random((L, S)) < 0.3)
        return fn(q, k, v, E, H, None if separate else in_w, in_b, None, None, False, 0.0,
                  out_w, out_b, training=True, attn_mask=mask, use_separate_proj_weight=separate,
                  q_proj_weight=qw if separate else None, k_proj_weight=kw if separate else None,
                  v_proj_weight=vw if separate else None, static_k=sk, static_v=sv,
                  average_attn_weights=False)
    out, w = call(F.multi_head_attention_forward, ours, ag)
    r_out, r_w = call(TF.multi_head_attention_forward, ref, torch)
    np.testing.assert_allclose(out.data, r_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.data, r_w.detach().numpy(), rtol=1e-12, atol=1e-12)
    _loss(ag, out, w).backward()
    _loss(torch, r_out, r_w).backward()
    for a, b in zip(ours, ref):
        if b.grad is None:                        # the weights not used in this variant
            assert a.grad is None
        else:
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12, atol=1e-12)
