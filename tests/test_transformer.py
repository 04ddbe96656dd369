"""Transformer layers against PyTorch in float64: a PyTorch state_dict loads directly;
outputs and every gradient (inputs and parameters) agree."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")

D, H, FF = 8, 2, 12


def _twin(build):
    """(ours, theirs): the same layer built by both libraries, torch's weights in ours."""
    torch.manual_seed(0)
    ref = build(torch.nn).double()
    ours = build(nn)
    keys = list(ref.state_dict())
    assert list(ours.state_dict()) == keys
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ours.double(), ref


def _inputs(shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([ag.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _check(ours_m, ref_m, ours_out, ref_out, ours_in, ref_in, tol=1e-11):
    np.testing.assert_allclose(ours_out.data, ref_out.detach().numpy(), rtol=tol, atol=tol)
    w = np.random.default_rng(2).standard_normal(ours_out.shape)
    (ours_out * ag.tensor(w)).sum().backward()
    (ref_out * torch.tensor(w)).sum().backward()
    pairs = list(zip([x.grad for x in ours_in], [x.grad for x in ref_in]))
    named = dict(ref_m.named_parameters())
    pairs += [(p.grad, named[n].grad) for n, p in ours_m.named_parameters()]
    assert len(pairs) == len(ours_in) + len(named)
    for a, b in pairs:
        np.testing.assert_allclose(a.data, b.numpy(), rtol=tol, atol=tol)
    return max(float(np.abs(a.data - b.numpy()).max()) for a, b in pairs)


def _gelu_tanh(lib):
    return lambda x: lib.nn.functional.gelu(x, approximate="tanh") if lib is torch \
        else F.gelu(x, approximate="tanh")


ENCODER_CASES = {
    "post_ln_relu": dict(),
    "pre_ln_gelu_batch_first": dict(norm_first=True, activation="gelu", batch_first=True),
    "callable_no_bias": dict(activation="callable", bias=False),
}


def _masks(lib, S, N):
    causal = np.triu(np.full((S, S), -np.inf), 1)
    pad = np.zeros((N, S), bool)
    pad[1, -2:] = True
    return dict(src_mask=lib.tensor(causal), src_key_padding_mask=lib.tensor(pad))


@pytest.mark.parametrize("case", list(ENCODER_CASES))
def test_encoder_layer_matches_pytorch(case):
    kw = dict(ENCODER_CASES[case])
    act = kw.pop("activation", "relu")
    batch_first = kw.get("batch_first", False)

    def build(lib):
        a = _gelu_tanh(torch if lib is torch.nn else ag) if act == "callable" else act
        return lib.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation=a, **kw)
    ours_m, ref_m = _twin(build)
    S, N = 5, 3
    shape = (N, S, D) if batch_first else (S, N, D)
    ours_in, ref_in = _inputs([shape])
    out = ours_m(ours_in[0], **_masks(ag, S, N))
    ref = ref_m(ref_in[0], **_masks(torch, S, N))
    _check(ours_m, ref_m, out, ref, ours_in, ref_in)


def test_encoder_stack_with_norm_matches_pytorch():
    def build(lib):
        layer = lib.TransformerEncoderLayer(D, H, FF, dropout=0.0, batch_first=True,
                                            norm_first=True)
        return lib.TransformerEncoder(layer, 2, norm=lib.LayerNorm(D),
                                      **({"enable_nested_tensor": False} if lib is torch.nn else {}))
    ours_m, ref_m = _twin(build)
    ours_in, ref_in = _inputs([(2, 4, D)])
    mask = np.triu(np.ones((4, 4), bool), 1)            # bool: True = not allowed
    out = ours_m(ours_in[0], mask=mask, is_causal=True)
    ref = ref_m(ref_in[0], mask=torch.tensor(mask), is_causal=True)
    _check(ours_m, ref_m, out, ref, ours_in, ref_in)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_and_stack_match_pytorch(norm_first):
    def build(lib):
        layer = lib.TransformerDecoderLayer(D, H, FF, dropout=0.0, norm_first=norm_first,
                                            activation="gelu")
        return lib.TransformerDecoder(layer, 2, norm=lib.LayerNorm(D))
    ours_m, ref_m = _twin(build)
    T, S, N = 4, 5, 2
    ours_in, ref_in = _inputs([(T, N, D), (S, N, D)])
    tgt_mask = np.triu(np.full((T, T), -np.inf), 1)
    mem_pad = np.zeros((N, S), bool)
    mem_pad[0, -1] = True

    def call(m, lib, xs):
        return m(*xs, tgt_mask=lib.tensor(tgt_mask), memory_key_padding_mask=lib.tensor(mem_pad),
                 tgt_is_causal=True)
    _check(ours_m, ref_m, call(ours_m, ag, ours_in), call(ref_m, torch, ref_in), ours_in, ref_in)


def test_full_transformer_matches_pytorch():
    def build(lib):
        return lib.Transformer(D, H, 1, 2, FF, dropout=0.0, batch_first=True)
    ours_m, ref_m = _twin(build)
    ours_in, ref_in = _inputs([(2, 5, D), (2, 4, D)])
    m_ours = nn.Transformer.generate_square_subsequent_mask(4, dtype=ag.double)
    m_ref = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(m_ours.data, m_ref.numpy())
    out = ours_m(*ours_in, tgt_mask=m_ours)
    ref = ref_m(*ref_in, tgt_mask=m_ref)
    _check(ours_m, ref_m, out, ref, ours_in, ref_in)


def test_layers_are_independent_copies_and_dropout_follows_train_mode():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, dropout=0.3), 3)
    w = [layer.linear1.weight for layer in enc.layers]
    assert len({id(p) for p in w}) == 3
    np.testing.assert_array_equal(w[0].data, w[2].data)
    x = ag.randn(4, 2, D)
    enc.eval()
    np.testing.assert_array_equal(enc(x).data, enc(x).data)
    enc.train()
    assert not np.allclose(enc(x).data, enc(x).data)
    with pytest.raises(ag.ArgumentError, match="activation should be 'relu', 'gelu'"):
        nn.TransformerEncoderLayer(D, H, activation="swish")
