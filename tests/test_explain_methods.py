"""viz.explain attribution methods: the properties that define them, in float64."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import graph, state
from viz.explain import (ConvergenceWarning, DeepLift, FeatureAblation, GradientShap,
                         InputXGradient, IntegratedGradients, NoiseTunnel, Occlusion, Saliency,
                         ShapleyValueSampling)

D = ag.float64


def t(a):
    return ag.tensor(np.asarray(a, dtype=np.float64))


def mlp(seed=0, bias=True, act=nn.Tanh):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7, bias=bias), act(), nn.Linear(7, 6, bias=bias), act(),
                         nn.Linear(6, 3, bias=bias)).double()


def test_saliency_is_the_gradient_and_central_differences():
    model = mlp()
    x = ag.randn(4, 5, dtype=D)
    sal = Saliency(model).attribute(x, target=2)
    xr = x.detach().requires_grad_()
    (g,) = ag.grad(model(xr)[:, 2].sum(), xr)
    np.testing.assert_array_equal(sal.data, g.data)
    h = 1e-6
    num = np.zeros((4, 5))
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        with ag.no_grad():
            num[:, j] = (model(t(x.data + e))[:, 2].data - model(t(x.data - e))[:, 2].data) / (2 * h)
    np.testing.assert_allclose(sal.data, num, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(Saliency(model).attribute(x, target=2, abs=True).data,
                                  np.abs(g.data))


def poly(x):                       # degree 4 in x: the IG integrand has degree 3
    return (x[:, 0] * x[:, 1]) ** 2 + x[:, 2] ** 3 * x[:, 0] - 2.0 * x[:, 1] * x[:, 2] + x[:, 0]


def test_ig_gausslegendre_exact_on_polynomials_of_degree_2n():
    x, b = t([[1.5, -0.7, 2.0], [0.3, 1.1, -1.2]]), t([[0.2, 0.1, -0.3], [1.0, -0.5, 0.4]])
    attr, delta = IntegratedGradients(poly).attribute(x, baselines=b, n_steps=2,
                                                      method="gausslegendre",
                                                      return_convergence_delta=True)
    assert np.abs(delta.data).max() < 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, d_riemann = IntegratedGradients(poly).attribute(
            x, baselines=b, n_steps=2, method="riemann_trapezoid", return_convergence_delta=True)
    assert np.abs(d_riemann.data).max() > 1e-3          # the check can fail


def test_ig_tanh_network_50_steps_and_all_methods_converge():
    model = mlp(1)
    x, b = ag.randn(3, 5, dtype=D), ag.randn(3, 5, dtype=D) * 0.1
    _, delta = IntegratedGradients(model).attribute(x, baselines=b, target=0,
                                                    return_convergence_delta=True)
    with ag.no_grad():
        diff = model(x)[:, 0].data - model(b)[:, 0].data
    assert np.all(np.abs(delta.data) <= 1e-6 * np.abs(diff))
    for method in ("riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"):
        _, d = IntegratedGradients(model).attribute(x, baselines=b, target=0, n_steps=300,
                                                    method=method, return_convergence_delta=True)
        assert np.all(np.abs(d.data) <= 2e-2 * np.abs(diff) + 1e-9), method


def kinked(x):
    return (x[:, 0].relu() - 1.0 - x[:, 1].relu()).relu()


def test_ig_on_the_relu_example():
    attr = IntegratedGradients(kinked).attribute(t([[3.0, 1.0]]), n_steps=50,
                                                 method="riemann_middle")
    np.testing.assert_allclose(attr.data, [[1.5, -0.5]], atol=1e-12)
    dl = DeepLift(kinked).attribute(t([[3.0, 1.0]]))
    np.testing.assert_allclose(dl.data, [[1.5, -0.5]], atol=1e-12)


def test_linear_model_all_methods_equal_w_times_x_minus_baseline():
    w, c = np.array([0.5, -2.0, 3.0, 1.5]), 0.7

    def f(x):
        return (x * t(w)).sum(1) + c

    x = t([[1.0, 2.0, -1.0, 0.5], [-0.3, 0.2, 0.9, 2.0]])
    b = t([[0.1, -0.2, 0.3, 0.0], [1.0, 1.0, 1.0, 1.0]])
    want = w * (x.data - b.data)
    got = {
        "ig": IntegratedGradients(f).attribute(x, baselines=b),
        "deeplift": DeepLift(f).attribute(x, baselines=b),
        "ablation": FeatureAblation(f).attribute(x, baselines=b),
        "occlusion": Occlusion(f).attribute(x, sliding_window_shapes=(1,), baselines=b),
        "shapley": ShapleyValueSampling(f).attribute(x, baselines=b, n_samples=3),
    }
    for k, a in got.items():
        np.testing.assert_allclose(a.data, want, atol=1e-12, err_msg=k)


def test_bias_free_relu_network_zero_baseline():
    model = mlp(2, bias=False, act=nn.ReLU)
    x = ag.randn(4, 5, dtype=D)
    ig = IntegratedGradients(model).attribute(x, target=1, method="riemann_right")
    dl = DeepLift(model).attribute(x, target=1)
    ixg = InputXGradient(model).attribute(x, target=1)
    np.testing.assert_allclose(ig.data, ixg.data, atol=1e-12)
    np.testing.assert_allclose(dl.data, ixg.data, atol=1e-12)
    with ag.no_grad():
        np.testing.assert_allclose(dl.data.sum(1), model(x)[:, 1].data, atol=1e-12)


class Reused(nn.Module):
    """One ReLU module called twice, functional ops, pooling, products and quotients."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.act = nn.ReLU()
        self.fc1 = nn.Linear(3 * 4 * 4, 8)
        self.fc2 = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        h = self.act(self.conv(x))
        h = F.max_pool2d(h, 2).flatten(1)
        h = self.act(self.fc1(h))                          # the same ReLU module again
        g = self.fc2(h)
        h = F.gelu(g) * g.sigmoid() + ag.softplus(g).tanh() / (1.0 + g.exp())
        h = F.leaky_relu(h, 0.1) + ag.maximum(h, g) - ag.minimum(h, 0.5 * g)
        return self.out(F.silu(h) + h.abs().sqrt())


def test_deeplift_exact_with_reused_modules_and_functional_ops():
    ag.manual_seed(3)
    model = Reused().double()
    x, b = ag.randn(3, 1, 8, 8, dtype=D), ag.randn(3, 1, 8, 8, dtype=D) * 0.3
    for target in (0, 2):
        attr, delta = DeepLift(model).attribute(x, baselines=b, target=target,
                                                return_convergence_delta=True)
        with ag.no_grad():
            diff = model(x)[:, target].data - model(b)[:, target].data
        assert np.abs(delta.data).max() < 1e-10
        assert np.abs(diff).min() > 1e-3                    # a non-trivial check
    assert state.current().backward_rules is None and not state.current().debug


def test_feature_ablation_figures_and_perturbations_per_eval():
    def f(x):
        return 4.0 * x.sum(1)

    x = t([[20.0, 50.0, 30.0]])
    fa = FeatureAblation(f)
    np.testing.assert_array_equal(fa.attribute(x).data, [[80.0, 200.0, 120.0]])
    mask = ag.tensor([[0, 0, 1]])
    np.testing.assert_array_equal(fa.attribute(x, feature_mask=mask).data, [[280.0, 280.0, 120.0]])
    model = mlp(4)
    xs = ag.randn(3, 5, dtype=D)
    ref = FeatureAblation(model).attribute(xs, target=1).data
    for ppe in (2, 3, 7):
        np.testing.assert_allclose(FeatureAblation(model).attribute(
            xs, target=1, perturbations_per_eval=ppe).data, ref, atol=1e-13)


def test_shapley_sums_to_f_x_minus_f_baseline_for_any_sample_count():
    model = mlp(5)
    x, b = ag.randn(2, 5, dtype=D), ag.randn(2, 5, dtype=D)
    with ag.no_grad():
        diff = model(x)[:, 0].data - model(b)[:, 0].data
    for n in (1, 2, 5):
        a = ShapleyValueSampling(model).attribute(x, baselines=b, target=0, n_samples=n,
                                                  perturbations_per_eval=3)
        np.testing.assert_allclose(a.data.sum(1), diff, atol=1e-12)
    mask = ag.tensor([[0, 0, 1, 1, 2]])
    a = ShapleyValueSampling(model).attribute(x, baselines=b, target=0, feature_mask=mask,
                                              n_samples=4)
    np.testing.assert_allclose(a.data[:, 0], a.data[:, 1])
    np.testing.assert_allclose(a.data.sum(1), diff + a.data[:, 0] + a.data[:, 2], atol=1e-12)


def _all_methods(model):
    return {
        "saliency": lambda x, **k: Saliency(model).attribute(x, target=1),
        "ixg": lambda x, **k: InputXGradient(model).attribute(x, target=1),
        "ig": lambda x, **k: IntegratedGradients(model).attribute(x, target=1, n_steps=8, **k),
        "deeplift": lambda x, **k: DeepLift(model).attribute(x, target=1),
        "ablation": lambda x, **k: FeatureAblation(model).attribute(x, target=1),
        "occlusion": lambda x, **k: Occlusion(model).attribute(x, (2,), strides=1, target=1),
    }


def test_a_batch_equals_stacked_single_samples_and_internal_batch_size_changes_nothing():
    model = mlp(6, act=nn.ReLU)
    x = ag.randn(4, 5, dtype=D)
    for name, run in _all_methods(model).items():
        whole = run(x).data
        single = np.concatenate([run(x[i:i + 1]).data for i in range(4)])
        np.testing.assert_allclose(whole, single, atol=1e-12, err_msg=name)
    ig = IntegratedGradients(model)
    ref = ig.attribute(x, target=[0, 1, 2, 0], n_steps=10).data
    for size in (1, 3, 7, 40):
        got = ig.attribute(x, target=[0, 1, 2, 0], n_steps=10, internal_batch_size=size).data
        np.testing.assert_allclose(got, ref, atol=1e-13)


def test_targets_int_list_tuple_and_callable_agree():
    ag.manual_seed(7)
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh()).double()
    x = ag.randn(3, 5, dtype=D)
    sal = Saliency(model)
    by_list = sal.attribute(x, target=[2, 2, 2]).data
    np.testing.assert_array_equal(sal.attribute(x, target=2).data, by_list)
    np.testing.assert_array_equal(sal.attribute(x, target=ag.tensor([2, 2, 2])).data, by_list)
    np.testing.assert_array_equal(sal.attribute(x, target=lambda out: out[:, 2]).data, by_list)

    def grid(x):
        return model(x).reshape(3, 2, 3)

    np.testing.assert_array_equal(Saliency(grid).attribute(x, target=(0, 2)).data, by_list)
    with pytest.raises(ag.ArgumentError, match="give a target"):
        sal.attribute(x)
    with pytest.raises(ag.ShapeError, match="does not fit"):
        Saliency(grid).attribute(x, target=2)


def test_tuple_inputs_baselines_and_additional_args():
    def f(a, b, scale):
        return (a * b).sum(1) * scale

    a, b = t([[1.0, 2.0], [3.0, -1.0]]), t([[0.5, 0.5], [2.0, 1.0]])
    attrs = IntegratedGradients(f).attribute((a, b), additional_forward_args=(2.0,), n_steps=4)
    assert isinstance(attrs, tuple) and len(attrs) == 2
    np.testing.assert_allclose((attrs[0].data + attrs[1].data).sum(1), 2.0 * (a.data * b.data).sum(1),
                               atol=1e-12)


def test_noise_tunnel_reproducible_and_reduces_to_the_method_without_noise():
    model = mlp(8)
    x = ag.randn(2, 5, dtype=D)
    nt = NoiseTunnel(Saliency(model))
    ag.manual_seed(11)
    a1 = nt.attribute(x, nt_samples=4, stdevs=0.3, target=0)
    ag.manual_seed(11)
    a2 = nt.attribute(x, nt_samples=4, stdevs=0.3, target=0, nt_samples_batch_size=3)
    np.testing.assert_allclose(a1.data, a2.data, atol=1e-14)
    plain = Saliency(model).attribute(x, target=0).data
    assert np.abs(a1.data - plain).max() > 1e-4
    np.testing.assert_allclose(nt.attribute(x, nt_samples=3, stdevs=0.0, target=0).data, plain)
    np.testing.assert_allclose(nt.attribute(x, nt_type="smoothgrad_sq", stdevs=0.0, target=0).data,
                               plain ** 2)
    np.testing.assert_allclose(nt.attribute(x, nt_type="vargrad", stdevs=0.0, target=0).data,
                               0.0, atol=1e-15)
    ig = NoiseTunnel(IntegratedGradients(model))
    attr, delta = ig.attribute(x, nt_samples=3, stdevs=0.1, target=[0, 2], n_steps=20,
                               return_convergence_delta=True)
    assert delta.shape == (6,) and np.abs(delta.data).max() < 1e-6


def test_gradient_shap_delta_and_reproducibility():
    model = mlp(9)
    x, dist = ag.randn(2, 5, dtype=D), ag.randn(6, 5, dtype=D)
    ag.manual_seed(1)
    a1, d1 = GradientShap(model).attribute(x, baselines=dist, n_samples=50, target=1,
                                           return_convergence_delta=True)
    ag.manual_seed(1)
    a2 = GradientShap(model).attribute(x, baselines=dist, n_samples=50, target=1)
    np.testing.assert_array_equal(a1.data, a2.data)
    assert d1.shape == (100,)
    ag.manual_seed(1)
    a3 = GradientShap(model).attribute(x, baselines=dist, n_samples=50, target=1,
                                       internal_batch_size=7)
    np.testing.assert_allclose(a3.data, a1.data, atol=1e-14)
    # on a linear model every draw is exact
    w = t([1.0, -2.0, 0.5, 0.0, 3.0])
    _, d = GradientShap(lambda x: (x * w).sum(1)).attribute(x, baselines=dist, stdevs=0.1,
                                                            return_convergence_delta=True)
    assert np.abs(d.data).max() < 1e-12


def test_state_restored_even_when_the_call_raises():
    model = mlp(10, act=nn.ReLU)
    model.train()
    model[1].eval()
    p = next(model.parameters())
    p.grad = before = ag.ones_like(p)

    calls = []

    def breaks(x):
        calls.append(1)
        h = model(x)
        if len(calls) > 0:
            raise RuntimeError("forward failed")
        return h

    x = ag.randn(2, 5, dtype=D)
    for method in (DeepLift(breaks), IntegratedGradients(breaks), Saliency(breaks)):
        with pytest.raises(RuntimeError, match="forward failed"):
            method.attribute(x, target=0)
    assert state.current().backward_rules is None and not state.current().debug
    assert graph.is_grad_enabled()
    DeepLift(model).attribute(x, target=0)
    IntegratedGradients(model).attribute(x, target=0)
    assert p.grad is before and model.training and not model[1].training
    np.testing.assert_array_equal(before.data, 1.0)


def test_convergence_warning_when_far_from_complete():
    with pytest.warns(ConvergenceWarning, match="do not add up"):
        IntegratedGradients(kinked).attribute(t([[3.0, 1.0]]), n_steps=2, method="riemann_left",
                                              return_convergence_delta=True)


def test_float32_models_give_float32_attributions():
    ag.manual_seed(12)
    model = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    x = ag.randn(2, 5)
    runs = {
        "saliency": Saliency(model).attribute(x, target=0),
        "ig": IntegratedGradients(model).attribute(x, target=0, n_steps=5),
        "deeplift": DeepLift(model).attribute(x, target=0),
        "ablation": FeatureAblation(model).attribute(x, target=0),
        "occlusion": Occlusion(model).attribute(x, (2,), target=0),
        "shapley": ShapleyValueSampling(model).attribute(x, target=0, n_samples=2),
        "smoothgrad": NoiseTunnel(Saliency(model)).attribute(x, nt_samples=2, target=0),
    }
    for name, a in runs.items():
        assert a.dtype == np.float32 and a.shape == (2, 5), name
    _, delta = DeepLift(model).attribute(x, target=0, return_convergence_delta=True)
    assert np.abs(delta.data).max() < 1e-5


def test_deeplift_multipliers_and_custom_attribution():
    model = mlp(13, act=nn.ReLU)
    x, b = ag.randn(3, 5, dtype=D), ag.randn(3, 5, dtype=D)
    mult = DeepLift(model, multiply_by_inputs=False).attribute(x, baselines=b, target=1)
    full = DeepLift(model).attribute(x, baselines=b, target=1)
    np.testing.assert_allclose(full.data, mult.data * (x.data - b.data), atol=1e-15)
    custom = DeepLift(model).attribute(
        x, baselines=b, target=1, custom_attribution_func=lambda m, i, r: (m[0] * (i[0] - r[0]),))
    np.testing.assert_allclose(custom.data, full.data, atol=1e-15)
