"""The same model in gradgraph and in PyTorch (weights copied) gives the same attributions
in viz.explain as in Captum, for every method both have (deterministic settings)."""
import numpy as np
import pytest

import autograd as ag
import nn
import viz.explain as gx

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")


def models(seed=0, pool=True):
    """A small CNN (conv, relu, max-pool, linear, tanh) in both libraries, same weights."""
    ag.manual_seed(seed)
    tn = torch.nn
    k = 3 if pool else 6

    def layers(lib):
        return ([lib.Conv2d(1, 4, 3, padding=1), lib.ReLU()] + ([lib.MaxPool2d(2)] if pool else [])
                + [lib.Flatten(), lib.Linear(4 * k * k, 6), lib.Tanh(), lib.Linear(6, 3)])

    ours = nn.Sequential(*layers(nn)).double()
    theirs = tn.Sequential(*layers(tn)).double()
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.from_numpy(p.data))
    return ours, theirs.eval()


@pytest.fixture(scope="module")
def pair():
    ours, theirs = models()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 1, 6, 6))
    b = 0.2 * rng.normal(size=(3, 1, 6, 6))
    return ours, theirs, x, b


def close(a, b, tol=1e-9):
    a = a.data if isinstance(a, ag.Tensor) else a
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=tol, atol=tol)


def T(a):
    return torch.from_numpy(a.copy())


def test_saliency_and_input_x_gradient(pair):
    ours, theirs, x, _ = pair
    for absolute in (True, False):
        close(gx.Saliency(ours).attribute(ag.tensor(x), target=1, abs=absolute),
              captum_attr.Saliency(theirs).attribute(T(x).requires_grad_(), target=1, abs=absolute))
    close(gx.InputXGradient(ours).attribute(ag.tensor(x), target=[0, 1, 2]),
          captum_attr.InputXGradient(theirs).attribute(T(x).requires_grad_(), target=[0, 1, 2]))


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_right",
                                    "riemann_middle", "riemann_trapezoid"])
def test_integrated_gradients(pair, method):
    ours, theirs, x, b = pair
    a, d = gx.IntegratedGradients(ours).attribute(ag.tensor(x), baselines=ag.tensor(b), target=2,
                                                  n_steps=20, method=method,
                                                  return_convergence_delta=True)
    ca, cd = captum_attr.IntegratedGradients(theirs).attribute(
        T(x), baselines=T(b), target=2, n_steps=20, method=method, return_convergence_delta=True)
    tol = 1e-9 if method == "gausslegendre" else 1e-6    # Captum's alphas are float32
    close(a, ca, tol)
    close(d, cd, tol)


def test_deeplift(pair):
    """Without max-pooling: with it Captum's own delta is off by ~0.05 on this model (its
    max-pool hook loses contributions), while ours stays below 1e-10."""
    _, _, x, b = pair
    ours, theirs = models(pool=False)
    a, d = gx.DeepLift(ours).attribute(ag.tensor(x), baselines=ag.tensor(b), target=0,
                                       return_convergence_delta=True)
    ca, cd = captum_attr.DeepLift(theirs).attribute(T(x), baselines=T(b), target=0,
                                                    return_convergence_delta=True)
    close(a, ca)
    close(d, cd)
    assert np.abs(d.data).max() < 1e-10
    ours, _ = models()
    _, d = gx.DeepLift(ours).attribute(ag.tensor(x), baselines=ag.tensor(b), target=0,
                                       return_convergence_delta=True)
    assert np.abs(d.data).max() < 1e-10


def test_feature_ablation_occlusion(pair):
    ours, theirs, x, b = pair
    mask = np.arange(36).reshape(1, 1, 6, 6) // 4
    close(gx.FeatureAblation(ours).attribute(ag.tensor(x), baselines=ag.tensor(b), target=1,
                                             feature_mask=ag.tensor(mask), perturbations_per_eval=3),
          captum_attr.FeatureAblation(theirs).attribute(T(x), baselines=T(b), target=1,
                                                        feature_mask=torch.from_numpy(mask)))
    close(gx.Occlusion(ours).attribute(ag.tensor(x), sliding_window_shapes=(1, 3, 2),
                                       strides=(1, 2, 2), baselines=0.5, target=2),
          captum_attr.Occlusion(theirs).attribute(T(x), sliding_window_shapes=(1, 3, 2),
                                                  strides=(1, 2, 2), baselines=0.5, target=2),
          1e-6)                                   # Captum accumulates occlusion in float32


def test_layer_methods(pair):
    ours, theirs, x, b = pair
    ca = captum_attr
    close(gx.LayerActivation(ours, ours[1]).attribute(ag.tensor(x)),
          ca.LayerActivation(theirs, theirs[1]).attribute(T(x)))
    for relu in (False, True):
        close(gx.LayerGradCam(ours, ours[0]).attribute(ag.tensor(x), target=[0, 2, 1],
                                                       relu_attributions=relu),
              ca.LayerGradCam(theirs, theirs[0]).attribute(T(x), target=[0, 2, 1],
                                                           relu_attributions=relu))
    for name, layer, target, n_steps in [("LayerConductance", 4, 1, 15),
                                         ("LayerIntegratedGradients", 0, 2, 12)]:
        a, d = getattr(gx, name)(ours, ours[layer]).attribute(
            ag.tensor(x), baselines=ag.tensor(b), target=target, n_steps=n_steps,
            return_convergence_delta=True)
        c, cd = getattr(ca, name)(theirs, theirs[layer]).attribute(
            T(x), baselines=T(b), target=target, n_steps=n_steps, return_convergence_delta=True)
        close(a, c)
        close(d, cd)


def test_gradcam_interpolation_matches():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(2, 1, 3, 4))
    for mode in ("nearest", "bilinear"):
        close(gx.LayerGradCam.interpolate(ag.tensor(m), (7, 9), mode),
              captum_attr.LayerAttribution.interpolate(T(m), (7, 9), mode))


def test_layer_integrated_gradients_on_an_embedding():
    ag.manual_seed(2)
    emb, head = nn.Embedding(12, 5).double(), nn.Linear(5, 3).double()
    temb, thead = torch.nn.Embedding(12, 5).double(), torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        temb.weight.copy_(torch.from_numpy(emb.weight.data))
        thead.weight.copy_(torch.from_numpy(head.weight.data))
        thead.bias.copy_(torch.from_numpy(head.bias.data))
    ids = np.array([[1, 4, 7, 0], [3, 11, 2, 5]])
    ours = gx.LayerIntegratedGradients(lambda i: head(emb(i).tanh().mean(dim=1)), emb)
    theirs = captum_attr.LayerIntegratedGradients(lambda i: thead(temb(i).tanh().mean(dim=1)), temb)
    close(ours.attribute(ag.tensor(ids), baselines=ag.zeros(2, 4, dtype=ag.int64), target=[0, 2]),
          theirs.attribute(torch.from_numpy(ids), baselines=torch.zeros(2, 4, dtype=torch.long),
                           target=[0, 2]))


def test_infidelity_and_deterministic_sensitivity():
    from captum.metrics import infidelity, sensitivity_max
    from viz.explain import infidelity as our_infidelity, sensitivity_max as our_sensitivity
    ours, theirs = models()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 1, 6, 6))
    noise = 0.05 * rng.normal(size=(2 * 4, 1, 6, 6))
    attr = rng.normal(size=(2, 1, 6, 6))

    def our_perturb(inputs):
        return ag.tensor(noise), inputs - ag.tensor(noise)

    def their_perturb(inputs):
        return T(noise), inputs - T(noise)

    close(our_infidelity(ours, our_perturb, ag.tensor(x), ag.tensor(attr), target=1,
                         n_perturb_samples=4),
          infidelity(theirs, their_perturb, T(x), T(attr), target=1, n_perturb_samples=4))
    close(our_infidelity(ours, our_perturb, ag.tensor(x), ag.tensor(attr), target=1,
                         n_perturb_samples=4, normalize=True),
          infidelity(theirs, their_perturb, T(x), T(attr), target=1, n_perturb_samples=4,
                     normalize=True))
    fixed = [0.01 * rng.normal(size=(2, 1, 6, 6)) for _ in range(3)]   # the same draws in both
    k = iter(range(100))
    their_k = iter(range(100))

    def our_shift(inputs):
        return ag.tensor(inputs.data + fixed[next(k) % 3])

    def their_shift(inputs, radius):
        return inputs + T(fixed[next(their_k) % 3])

    s = our_sensitivity(gx.Saliency(ours).attribute, ag.tensor(x), perturb_func=our_shift,
                        n_perturb_samples=3, target=0)
    c = sensitivity_max(captum_attr.Saliency(theirs).attribute, T(x), perturb_func=their_shift,
                        n_perturb_samples=3, max_examples_per_batch=2, target=0, abs=False)
    close(s, c)


@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
def test_noise_tunnel_without_noise(pair, nt_type):
    """stdevs=0 takes the randomness out: the expansion, targets, aggregation and the
    per-draw deltas must agree."""
    ours, theirs, x, b = pair
    a, d = gx.NoiseTunnel(gx.IntegratedGradients(ours)).attribute(
        ag.tensor(x), nt_type=nt_type, nt_samples=3, stdevs=0.0, baselines=ag.tensor(b),
        target=[0, 1, 2], n_steps=8, return_convergence_delta=True)
    c, cd = captum_attr.NoiseTunnel(captum_attr.IntegratedGradients(theirs)).attribute(
        T(x), nt_type=nt_type, nt_samples=3, stdevs=0.0, baselines=T(b), target=[0, 1, 2],
        n_steps=8, return_convergence_delta=True)
    close(a, c, 1e-7)                      # Captum's noise tunnel passes through float32
    close(d, cd, 1e-6)


def test_gradient_shap_on_a_linear_model():
    """Every random draw gives the same gradient on a linear model: the mean matches."""
    w = np.array([[0.5, -1.0, 2.0, 0.25]])
    rng = np.random.default_rng(4)
    x, dist = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    ours = gx.GradientShap(lambda v: v @ ag.tensor(w).T)
    theirs = captum_attr.GradientShap(lambda v: v @ torch.from_numpy(w).T)
    a = ours.attribute(ag.tensor(x), baselines=ag.tensor(dist[:1]), n_samples=4, target=0)
    c = theirs.attribute(T(x), baselines=T(dist[:1]), n_samples=4, target=0)
    close(a, c)
