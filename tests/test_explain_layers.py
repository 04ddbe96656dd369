"""viz.explain layer methods, activation cache, activation maximisation and metrics."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from viz.explain import (ConvergenceWarning, IntegratedGradients, LayerActivation,
                         LayerConductance, LayerGradCam, LayerIntegratedGradients, Saliency,
                         capture, deletion_curve, infidelity, insertion_curve,
                         maximize_activation, sensitivity_max)

D = ag.float64


class CamNet(nn.Module):
    """conv (+relu) -> global average pool -> linear: the setting where Grad-CAM = CAM/(HW)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


def test_gradcam_is_cam_over_hw_and_sums_to_the_logit_without_bias():
    ag.manual_seed(0)
    model = CamNet().double()
    x = ag.randn(3, 2, 5, 6, dtype=D)
    cam = LayerGradCam(model, model.features).attribute(x, target=[0, 2, 1])
    with ag.no_grad():
        acts = model.features(x).data
        logits = model(x).data
    w, b = model.fc.weight.data, model.fc.bias.data
    t = [0, 2, 1]
    want = np.stack([np.tensordot(w[c], acts[i], axes=1) for i, c in enumerate(t)])[:, None] / 30
    np.testing.assert_allclose(cam.data, want, atol=1e-13)
    np.testing.assert_allclose(cam.data.sum(axis=(1, 2, 3)), logits[[0, 1, 2], t] - b[t], atol=1e-12)
    relu = LayerGradCam(model, model.features).attribute(x, target=t, relu_attributions=True)
    np.testing.assert_array_equal(relu.data, np.maximum(cam.data, 0))
    up = LayerGradCam.interpolate(cam, (10, 12))
    assert up.shape == (3, 1, 10, 12)
    np.testing.assert_array_equal(up.data[:, :, ::2, ::2], cam.data)
    bil = LayerGradCam.interpolate(cam, (10, 12), "bilinear")
    np.testing.assert_allclose(bil.data.mean(axis=(2, 3)), cam.data.mean(axis=(2, 3)), rtol=0.1)


def test_layer_activation_is_the_module_output_bit_for_bit():
    ag.manual_seed(1)
    model = CamNet()
    x = ag.randn(2, 2, 5, 6)
    act = LayerActivation(model, model.features[0]).attribute(x)
    with ag.no_grad():
        np.testing.assert_array_equal(act.data, model.features[0](x).data)
    inp = LayerActivation(model, model.fc).attribute(x, attribute_to_layer_input=True)
    with ag.no_grad():
        np.testing.assert_array_equal(inp.data, model.features(x).mean(dim=(2, 3)).data)
    assert not model.features[0]._forward_hooks and not model.fc._forward_hooks


def tanh_net(seed=2):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Identity(), nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 6), nn.Tanh(),
                         nn.Linear(6, 3)).double()


def test_layer_conductance_sums_to_the_output_change_and_batches_independently():
    model = tanh_net()
    x, b = ag.randn(3, 5, dtype=D), 0.1 * ag.randn(3, 5, dtype=D)
    for layer in (model[2], model[3]):
        cond, delta = LayerConductance(model, layer).attribute(
            x, baselines=b, target=1, n_steps=200, return_convergence_delta=True)
        assert cond.shape == ((3, 8) if layer is model[2] else (3, 6))
        assert np.abs(delta.data).max() < 1e-3
    lc = LayerConductance(model, model[2])
    whole = lc.attribute(x, baselines=b, target=[0, 1, 2], n_steps=10).data
    parts = np.concatenate([lc.attribute(x[i:i + 1], baselines=b[i:i + 1], target=[i],
                                         n_steps=10).data for i in range(3)])
    np.testing.assert_allclose(whole, parts, atol=1e-13)
    chunked = lc.attribute(x, baselines=b, target=[0, 1, 2], n_steps=10, internal_batch_size=7)
    np.testing.assert_allclose(chunked.data, whole, atol=1e-13)


def test_layer_ig_on_an_identity_layer_is_ig_and_on_embeddings_is_complete():
    model = tanh_net(3)
    x, b = ag.randn(2, 5, dtype=D), ag.randn(2, 5, dtype=D)
    lig = LayerIntegratedGradients(model, model[0]).attribute(x, baselines=b, target=2)
    ig = IntegratedGradients(model).attribute(x, baselines=b, target=2)
    np.testing.assert_allclose(lig.data, ig.data, atol=1e-13)

    ag.manual_seed(4)
    emb = nn.Embedding(10, 4).double()
    head = nn.Linear(4, 2).double()

    def text_model(ids):
        return head(emb(ids).tanh().mean(dim=1))

    ids = ag.tensor([[1, 5, 7, 2], [3, 3, 9, 0]])
    attr, delta = LayerIntegratedGradients(text_model, emb).attribute(
        ids, baselines=ag.zeros(2, 4, dtype=ag.int64), target=1, return_convergence_delta=True,
        internal_batch_size=13)
    assert attr.shape == (2, 4, 4)
    assert np.abs(delta.data).max() < 1e-10
    # the padding-id positions of the second sample equal the baseline: no attribution
    np.testing.assert_array_equal(attr.data[1, 3], 0.0)


def test_a_layer_run_twice_is_refused():
    lin = nn.Linear(3, 3).double()

    def twice(x):
        return lin(lin(x)).sum(1)

    with pytest.raises(ag.GraphError, match="ran 2 times"):
        LayerGradCam(twice, lin).attribute(ag.randn(2, 3, dtype=D))
    assert not lin._forward_hooks


def test_capture_outputs_gradients_and_no_hooks_left():
    model = tanh_net(5)
    x = ag.randn(4, 5, dtype=D)
    p = model[1].weight
    out, cache = capture(model, x, names=["1", "3"])
    assert set(cache) == {"1", "3"} and not cache.grads
    with ag.no_grad():
        np.testing.assert_array_equal(cache["1"].data, model[1](x).data)
        np.testing.assert_array_equal(out.data, model(x).data)
    out, cache = capture(model, x, target=2)
    assert set(cache) == {"0", "1", "2", "3", "4", "5"}
    xr = x.detach().requires_grad_()
    (gx,) = ag.grad(model(xr)[:, 2].sum(), xr)
    np.testing.assert_allclose(cache.grads["0"].data, gx.data, atol=1e-14)
    h = model[2](model[1](x)).detach().requires_grad_()
    (gh,) = ag.grad(model[5](model[4](model[3](h)))[:, 2].sum(), h)
    np.testing.assert_allclose(cache.grads["2"].data, gh.data, atol=1e-14)
    assert p.grad is None and all(not m._forward_hooks for m in model.modules())
    with pytest.raises(ag.ArgumentError, match="no module matches"):
        capture(model, x, names=["nope"])


def test_maximize_activation_of_a_linear_unit_under_a_norm_is_its_weight_direction():
    ag.manual_seed(6)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU()).double()
    model.train()
    x, hist = maximize_activation(model, model[0], 2, (6,), steps=60, lr=0.2, jitter=0,
                                  norm=1.5, seed=0)
    w = model[0].weight.data[2]
    cos = x.data @ w / (np.linalg.norm(x.data) * np.linalg.norm(w))
    assert cos > 0.999 and abs(np.linalg.norm(x.data) - 1.5) < 1e-9
    assert hist[-1] > hist[0] and model.training and model[0].weight.grad is None


def test_infidelity_zero_for_the_gradient_of_a_linear_model():
    w = ag.tensor([1.0, -2.0, 0.5, 3.0], dtype=D)

    def f(x):
        return (x * w).sum(1)

    x = ag.randn(3, 4, dtype=D)

    def perturb(inputs):
        noise = ag.from_numpy(ag.default_generator().normal(0, 0.1, inputs.shape))
        return noise, inputs - noise

    sal = Saliency(f).attribute(x)
    assert infidelity(f, perturb, x, sal, n_perturb_samples=5).data.max() < 1e-25
    assert infidelity(f, perturb, x, sal * 2.0, n_perturb_samples=5).data.min() > 1e-4
    assert infidelity(f, perturb, x, sal * 2.0, normalize=True).data.max() < 1e-25


def test_sensitivity_max_zero_for_constant_explanations_positive_otherwise():
    w = ag.tensor([1.0, -2.0, 0.5, 3.0], dtype=D)

    def f(x):
        return (x * w).sum(1).tanh()

    x = ag.randn(3, 4, dtype=D)
    lin = Saliency(lambda x: (x * w).sum(1))
    assert sensitivity_max(lin.attribute, x).data.max() < 1e-14
    s = sensitivity_max(Saliency(f).attribute, x, perturb_radius=0.05)
    assert s.shape == (3,) and s.data.min() > 0


def test_deletion_and_insertion_curves_on_a_sum():
    def f(x):
        return x.sum(1)

    x = ag.tensor([[4.0, 1.0, 3.0, 2.0]], dtype=D)
    d = deletion_curve(f, x, x, n_steps=4)
    np.testing.assert_allclose(d.scores, [[10, 6, 3, 1, 0]])
    np.testing.assert_allclose(d.auc, [3.75])
    i = insertion_curve(f, x, x, n_steps=4)
    np.testing.assert_allclose(i.scores, [[0, 4, 7, 9, 10]])
    np.testing.assert_allclose(i.auc, [6.25])
    ag.manual_seed(0)
    r = deletion_curve(f, x, "random", n_steps=4)
    assert r.auc[0] > d.auc[0]


def test_layer_methods_restore_hooks_and_mode_when_the_model_raises():
    model = tanh_net(7)
    model.eval()

    class Boom(Exception):
        pass

    def breaks(x):
        model(x)
        raise Boom

    x = ag.randn(2, 5, dtype=D)
    for call in (lambda: LayerGradCam(breaks, model[1]).attribute(x, target=0),
                 lambda: LayerConductance(breaks, model[1]).attribute(x, target=0),
                 lambda: LayerIntegratedGradients(breaks, model[1]).attribute(x, target=0),
                 lambda: capture(model, x, target=lambda out: 1 / 0)):
        with pytest.raises((Boom, ZeroDivisionError)):
            call()
        assert all(not m._forward_hooks for m in model.modules()) and not model.training
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        LayerConductance(model, model[1]).attribute(x, target=0, return_convergence_delta=True)


def test_capture_per_head_attention_of_transformer_layers():
    ag.manual_seed(8)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                       batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2).double().eval()
    x = ag.randn(3, 5, 8, dtype=D)
    with ag.no_grad():
        plain = model(x).data
    out, cache = capture(model, x, names=["layers.*.self_attn"], attention=True)
    np.testing.assert_array_equal(out.data, plain)             # the caller got the same
    assert set(cache.attentions) == {"layers.0.self_attn", "layers.1.self_attn"}
    w = cache.attentions["layers.0.self_attn"].data
    assert w.shape == (3, 2, 5, 5)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-12)
    attn = model.layers[0].self_attn
    h = x                                                       # norm_first=False: raw input
    with ag.no_grad():
        _, avg = attn(h, h, h, need_weights=True)
    np.testing.assert_allclose(w.mean(1), avg.data, atol=1e-14)
    assert "forward" not in attn.__dict__ and not attn._forward_hooks


def test_maximize_activation_of_a_conv_channel_with_jitter_and_bounds():
    ag.manual_seed(9)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU()).double()
    x, hist = maximize_activation(model, model[0], 1, (1, 6, 6), steps=40, lr=0.3, jitter=1,
                                  bounds=(0.0, 1.0), seed=1)
    assert x.shape == (1, 6, 6) and x.data.min() >= 0.0 and x.data.max() <= 1.0
    assert hist[-5:].mean() > hist[:5].mean() + 0.05
    # without jitter the objective is linear in x: the box's best corner is x = (grad > 0)
    x, _ = maximize_activation(model, model[0], 1, (1, 6, 6), steps=100, lr=0.3, jitter=0,
                               bounds=(0.0, 1.0), seed=1)
    probe = ag.zeros(1, 1, 6, 6, dtype=D, requires_grad=True)
    (g,) = ag.grad(model[0](probe)[0, 1].mean(), probe)
    with ag.no_grad():
        best = model[0](ag.from_numpy((g.data > 0).astype(np.float64)))[0, 1].data.mean()
        found = model[0](x.reshape(1, 1, 6, 6))[0, 1].data.mean()
    assert best * 0.99 < found <= best + 1e-12   # pixels with a tiny gradient move slowly
    assert not model[0]._forward_hooks
