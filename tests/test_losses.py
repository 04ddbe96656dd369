"""Losses: gradient checks (first and second order, float64) for every loss and reduction,
values against hand computations, stability at extreme logits, errors, the modules, and
equality with PyTorch where it is installed."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
TARGET = np.array([0, 3, 1, 1, 2])
WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])
PROBS = RNG.uniform(0.05, 0.95, (3, 4))
BITS = (RNG.random((3, 4)) > 0.5).astype(np.float64)
SPATIAL_TARGET = RNG.integers(0, 3, (2, 2, 3))
REDUCTIONS = ["mean", "sum", "none"]
# input - target for the Huber family: both sides of every kink used (0.5, 0.7, 1, 1.5), none near
DIFFS = np.array([[-1.9, -0.9, -0.6, -0.3], [-0.15, 0.2, 0.35, 0.62], [0.8, 1.1, 1.4, 2.2]])
LOGQ = LOGITS[:3] - np.log(np.exp(LOGITS[:3]).sum(1, keepdims=True))     # log-probabilities
P = PROBS / PROBS.sum(1, keepdims=True)
P_ZERO = P.copy()
P_ZERO[1, 2] = 0.0                      # 0 log 0 = 0


def _leaf(a):
    return ag.tensor(np.array(a, dtype=np.float64), requires_grad=True)


LOSSES = {
    "mse": (lambda x, r: F.mse_loss(x, ag.tensor(PROBS), reduction=r), PROBS * 2),
    "mse_target_grad": (lambda x, r: F.mse_loss(ag.tensor(BITS), x, reduction=r), PROBS),
    "l1": (lambda x, r: F.l1_loss(x, ag.tensor(BITS), reduction=r), PROBS * 3 - 1),
    "cross_entropy": (lambda x, r: F.cross_entropy(x, ag.tensor(TARGET), reduction=r), LOGITS),
    "cross_entropy_all_options": (lambda x, r: F.cross_entropy(
        x, ag.tensor(TARGET), weight=ag.tensor(WEIGHT), ignore_index=1, reduction=r,
        label_smoothing=0.15), LOGITS),
    "cross_entropy_spatial": (lambda x, r: F.cross_entropy(
        x, ag.tensor(SPATIAL_TARGET), reduction=r, label_smoothing=0.1),
        RNG.standard_normal((2, 3, 2, 3))),
    "cross_entropy_probabilities": (lambda x, r: F.cross_entropy(
        x, ag.tensor(PROBS / PROBS.sum(1, keepdims=True)), reduction=r), LOGITS[:3]),
    "nll": (lambda x, r: F.nll_loss(x.log_softmax(1), ag.tensor(TARGET),
                                    weight=ag.tensor(WEIGHT), reduction=r), LOGITS),
    "bce": (lambda x, r: F.binary_cross_entropy(x, ag.tensor(BITS), weight=ag.tensor(PROBS),
                                                reduction=r), PROBS),
    "bce_with_logits": (lambda x, r: F.binary_cross_entropy_with_logits(
        x, ag.tensor(BITS), reduction=r), LOGITS[:3] * 2),
    "bce_with_logits_pos_weight": (lambda x, r: F.binary_cross_entropy_with_logits(
        x, ag.tensor(BITS), pos_weight=ag.tensor([1.0, 2.0, 0.5, 3.0]), reduction=r),
        LOGITS[:3] * 2),
    "huber": (lambda x, r: F.huber_loss(x, ag.tensor(BITS), reduction=r, delta=0.7),
              BITS + DIFFS),
    "huber_weighted_target_grad": (lambda x, r: F.huber_loss(
        ag.tensor(BITS + DIFFS), x, reduction=r, delta=1.5, weight=ag.tensor(PROBS)), BITS),
    "smooth_l1": (lambda x, r: F.smooth_l1_loss(x, ag.tensor(BITS), reduction=r, beta=0.5),
                  BITS + DIFFS),
    "smooth_l1_beta_0": (lambda x, r: F.smooth_l1_loss(x, ag.tensor(BITS), reduction=r, beta=0.0),
                         BITS + DIFFS),
    "kl_div": (lambda x, r: F.kl_div(x, ag.tensor(P_ZERO), reduction=r), LOGQ),
    "kl_div_target_grad": (lambda x, r: F.kl_div(ag.tensor(LOGQ), x, reduction=r), P),
    "kl_div_log_target": (lambda x, r: F.kl_div(x, ag.tensor(np.log(P)), reduction=r,
                                                log_target=True), LOGQ),
    "kl_div_log_target_grad": (lambda x, r: F.kl_div(ag.tensor(LOGQ), x, reduction=r,
                                                     log_target=True), np.log(P)),
}
CASES = [(name, r) for name in LOSSES for r in REDUCTIONS]


@pytest.mark.parametrize("name,reduction", CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_gradcheck_and_gradgradcheck(name, reduction):
    fn, data = LOSSES[name]
    x = _leaf(data)
    assert ag.gradcheck(lambda t: fn(t, reduction), [x])
    assert ag.gradgradcheck(lambda t: fn(t, reduction), [x])


@pytest.mark.parametrize("name", list(LOSSES))
def test_reductions_agree(name):
    fn, data = LOSSES[name]
    none = fn(_leaf(data), "none").data
    assert fn(_leaf(data), "sum").item() == pytest.approx(none.sum())
    if name.startswith(("mse", "l1", "bce", "huber", "smooth_l1", "kl_div")):
        assert fn(_leaf(data), "mean").item() == pytest.approx(none.mean())


def _log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def test_cross_entropy_values_by_hand():
    logp = _log_softmax(LOGITS)
    nll = -logp[np.arange(5), TARGET]
    x = ag.tensor(LOGITS)
    t = ag.tensor(TARGET)
    assert F.cross_entropy(x, t).item() == pytest.approx(nll.mean())
    # weights: mean divides by the summed weights of the targets
    w = WEIGHT[TARGET]
    got = F.cross_entropy(x, t, weight=ag.tensor(WEIGHT)).item()
    assert got == pytest.approx((w * nll).sum() / w.sum())
    # ignore_index drops samples from both sums
    keep = TARGET != 1
    assert F.cross_entropy(x, t, ignore_index=1).item() == pytest.approx(nll[keep].mean())
    none = F.cross_entropy(x, t, ignore_index=1, reduction="none").data
    np.testing.assert_allclose(none, np.where(keep, nll, 0))
    # label smoothing: the target is (1 - e) onehot + e / C
    e, c = 0.2, 4
    smooth = (1 - e) * nll + e / c * -logp.sum(1)
    assert F.cross_entropy(x, t, label_smoothing=e).item() == pytest.approx(smooth.mean())
    # probability targets
    q = np.eye(4)[TARGET] * (1 - e) + e / c
    assert F.cross_entropy(x, ag.tensor(q)).item() == pytest.approx(smooth.mean())


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = _leaf(LOGITS)
    F.cross_entropy(x, ag.tensor(TARGET)).backward()
    np.testing.assert_allclose(x.grad.data, (np.exp(_log_softmax(LOGITS)) - np.eye(4)[TARGET]) / 5)


def test_bce_values_by_hand():
    p, t = PROBS, BITS
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(ag.tensor(p), ag.tensor(t),
                                                      reduction="none").data, ref)
    z = LOGITS[:3]
    s = 1 / (1 + np.exp(-z))
    ref = -(2.0 * t * np.log(s) + (1 - t) * np.log(1 - s))
    got = F.binary_cross_entropy_with_logits(ag.tensor(z), ag.tensor(t), reduction="none",
                                             pos_weight=ag.tensor(2.0))
    np.testing.assert_allclose(got.data, ref)
    assert F.mse_loss(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 0.0])).item() == 5.0
    assert F.l1_loss(ag.tensor([1.0, -3.0]), ag.tensor([0.0, 0.0]), reduction="sum").item() == 4.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_give_finite_loss_and_gradient(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype)
    x = ag.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([1, 0]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.data).all()
    logp = _log_softmax(z.astype(np.float64))
    expected = (0.9 * -logp[[0, 1], [1, 0]] - 0.1 / 3 * logp.sum(1)).mean()
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    y = ag.tensor(z, requires_grad=True)
    t = ag.tensor(np.array([[1, 0, 1], [0, 1, 0]], dtype))
    loss = F.binary_cross_entropy_with_logits(y, t, pos_weight=ag.tensor(np.full(3, 2.0, dtype)))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(y.grad.data).all()
    assert loss.item() == pytest.approx((2 * math.log(2) + 999) / 6, rel=1e-6)
    assert loss.dtype == dtype and y.grad.dtype == dtype
    p = ag.tensor(np.array([0.0, 1.0, 0.5], dtype), requires_grad=True)
    loss = F.binary_cross_entropy(p, ag.tensor(np.array([1.0, 0.0, 1.0], dtype)))
    loss.backward()
    assert loss.item() == pytest.approx((100 + 100 + math.log(2)) / 3, rel=1e-4)
    assert np.isfinite(p.grad.data).all()


def test_errors():
    x = ag.tensor(LOGITS)
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(x, ag.tensor(TARGET), reduction="avg")
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, ag.tensor([0, 4, 1, 1, 2]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(x, ag.tensor([0, -1, 1, 1, 2]))
    wide = ag.tensor(np.zeros((2, 300), np.float32))    # -1 as uint8 (255) is a class of 300
    for dtype in (ag.int8, ag.int16, ag.int32):
        with pytest.raises(IndexError, match="target -1 is out of bounds for 300 classes"):
            F.cross_entropy(wide, ag.tensor([0, -1], dtype=dtype))
    with pytest.raises(IndexError, match="target -1 is out of bounds for 70000 classes"):
        F.nll_loss(ag.tensor(np.zeros((1, 70000), np.float32)), ag.tensor([-1], dtype=ag.int16))
    with pytest.raises(ag.ShapeError, match=r"needs a target of shape \(5,\)"):
        F.cross_entropy(x, ag.tensor([0, 1]))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(ag.ones(3, 1), ag.ones(3))


def test_unbatched_and_legacy_arguments():
    x = ag.tensor(LOGITS[0])
    assert F.cross_entropy(x, ag.tensor(2)).item() == pytest.approx(-_log_softmax(LOGITS[:1])[0, 2])
    assert F.cross_entropy(ag.tensor(LOGITS), list(TARGET)).item() == \
        F.cross_entropy(ag.tensor(LOGITS), ag.tensor(TARGET)).item()      # a plain list
    with pytest.raises(ag.ShapeError, match="needs a scalar target"):
        F.cross_entropy(x, ag.tensor([2]))
    assert F.mse_loss(ag.ones(2), ag.zeros(2), reduce=False).shape == (2,)
    assert F.mse_loss(ag.ones(2), ag.zeros(2), size_average=False).item() == 2.0


def test_loss_modules():
    x, t = ag.tensor(LOGITS), ag.tensor(TARGET)
    crit = nn.CrossEntropyLoss(weight=ag.tensor(WEIGHT), ignore_index=2, label_smoothing=0.1)
    assert crit(x, t).item() == F.cross_entropy(x, t, weight=ag.tensor(WEIGHT), ignore_index=2,
                                                label_smoothing=0.1).item()
    assert list(crit.state_dict()) == ["weight"]                 # a buffer, as in PyTorch
    assert nn.NLLLoss(reduction="sum")(x, t).item() == F.nll_loss(x, t, reduction="sum").item()
    assert nn.MSELoss()(x, ag.zeros(5, 4)).item() == pytest.approx((LOGITS ** 2).mean())
    assert nn.L1Loss(reduction="none")(x, ag.zeros(5, 4)).shape == (5, 4)
    assert nn.BCELoss()(ag.tensor(PROBS), ag.tensor(BITS)).item() == \
        F.binary_cross_entropy(ag.tensor(PROBS), ag.tensor(BITS)).item()
    crit = nn.BCEWithLogitsLoss(pos_weight=[2.0, 1.0, 1.0, 1.0])
    assert sorted(crit.state_dict()) == ["pos_weight"]
    assert repr(nn.MSELoss()) == "MSELoss()"


def test_module_scope_of_losses():
    x = ag.tensor(LOGITS, requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, ag.tensor(TARGET))
    assert loss.grad_fn.scope == ""


TORCH_LOSSES = [
    ("cross_entropy", dict(weight=WEIGHT, ignore_index=3, label_smoothing=0.3), LOGITS, TARGET),
    ("cross_entropy", dict(label_smoothing=0.2), RNG.standard_normal((2, 4, 3)),
     RNG.integers(0, 4, (2, 3))),
    ("nll_loss", dict(weight=WEIGHT, ignore_index=0), LOGITS, TARGET),
    ("binary_cross_entropy", dict(weight=PROBS), PROBS, BITS),
    ("binary_cross_entropy_with_logits", dict(pos_weight=np.array([1.0, 2.0, 0.5, 3.0]),
                                              weight=PROBS), LOGITS[:3] * 4, BITS),
    ("mse_loss", {}, LOGITS, LOGITS[::-1].copy()),
    ("l1_loss", {}, LOGITS, LOGITS[::-1].copy()),
    ("huber_loss", dict(delta=0.7), BITS + DIFFS, BITS),
    ("huber_loss", dict(delta=1.5, weight=PROBS), BITS + DIFFS, BITS),
    ("smooth_l1_loss", dict(beta=0.5), BITS + DIFFS, BITS),
    ("smooth_l1_loss", dict(beta=0.0), BITS + DIFFS, BITS),
    ("kl_div", {}, LOGQ, P_ZERO),
    ("kl_div", dict(log_target=True), LOGQ, np.log(P)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw,x,t", TORCH_LOSSES, ids=[c[0] for c in TORCH_LOSSES])
def test_matches_pytorch(name, kw, x, t, reduction):
    torch = pytest.importorskip("torch")
    ours = getattr(F, name)
    theirs = getattr(torch.nn.functional, name)
    xa, xb = _leaf(x), torch.tensor(x, requires_grad=True)
    ya = ours(xa, ag.tensor(t), reduction=reduction, **{k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    yb = theirs(xb, torch.tensor(t), reduction=reduction,
                **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    g = np.random.default_rng(0).standard_normal(ya.shape)
    (ya * ag.tensor(g)).sum().backward()
    (yb * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-10, atol=1e-12)


# --- Huber, smooth L1, KL divergence --------------------------------------------------------
def test_huber_smooth_l1_kl_values_by_hand():
    x, t = ag.tensor(BITS + DIFFS), ag.tensor(BITS)
    d = np.abs(DIFFS)
    huber = np.where(d < 0.7, 0.5 * d ** 2, 0.7 * (d - 0.35))
    np.testing.assert_allclose(F.huber_loss(x, t, reduction="none", delta=0.7).data, huber)
    smooth = np.where(d < 0.5, d ** 2, d - 0.25)
    np.testing.assert_allclose(F.smooth_l1_loss(x, t, reduction="none", beta=0.5).data, smooth)
    # Huber with delta b is b times smooth L1 with beta b; beta 0 is L1; delta 1 is both
    np.testing.assert_allclose(F.huber_loss(x, t, delta=1.5).item(),
                               1.5 * F.smooth_l1_loss(x, t, beta=1.5).item())
    assert F.smooth_l1_loss(x, t, beta=0.0).item() == F.l1_loss(x, t).item()
    assert F.huber_loss(x, t).item() == pytest.approx(F.smooth_l1_loss(x, t).item())
    assert F.huber_loss(x, t, weight=ag.tensor(PROBS), reduction="sum").item() == \
        pytest.approx((np.where(d < 1, 0.5 * d ** 2, d - 0.5) * PROBS).sum())
    # KL: sum p (log p - log q) per row, with 0 log 0 = 0
    kl_rows = np.where(P_ZERO > 0, P_ZERO * np.log(np.where(P_ZERO > 0, P_ZERO, 1)), 0).sum(1) \
        - (P_ZERO * LOGQ).sum(1)
    q = ag.tensor(LOGQ)
    assert F.kl_div(q, ag.tensor(P_ZERO), reduction="batchmean").item() == \
        pytest.approx(kl_rows.mean())
    assert F.kl_div(q, ag.tensor(P_ZERO), reduction="sum").item() == pytest.approx(kl_rows.sum())
    with pytest.warns(UserWarning, match="batchmean"):
        assert F.kl_div(q, ag.tensor(P_ZERO)).item() == pytest.approx(kl_rows.sum() / 12)
    assert F.kl_div(q, ag.tensor(np.log(P)), reduction="batchmean", log_target=True).item() == \
        pytest.approx(F.kl_div(q, ag.tensor(P), reduction="batchmean").item())
    assert F.kl_div(ag.tensor(-1.0), ag.tensor(0.5), reduction="batchmean").item() == \
        pytest.approx(0.5 * (math.log(0.5) + 1))                  # 0-d: batchmean is the sum


def test_kl_div_batchmean_gradients_and_errors():
    for log_target, target in ((False, P_ZERO), (True, np.log(P))):
        fn = lambda q: F.kl_div(q, ag.tensor(target), reduction="batchmean",  # noqa: E731
                                log_target=log_target)
        assert ag.gradcheck(fn, [_leaf(LOGQ)]) and ag.gradgradcheck(fn, [_leaf(LOGQ)])
    x, t = ag.tensor(BITS), ag.tensor(BITS)
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, t, delta=0.0)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        F.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(ag.ShapeError, match="weight"):
        F.huber_loss(x, t, weight=ag.ones(4))
    with pytest.raises(ValueError, match="reduction must be"):
        F.kl_div(x, t, reduction="batch")


def test_huber_smooth_l1_kl_modules():
    x, t = ag.tensor(BITS + DIFFS), ag.tensor(BITS)
    assert nn.HuberLoss(reduction="sum", delta=0.7)(x, t).item() == \
        F.huber_loss(x, t, reduction="sum", delta=0.7).item()
    assert nn.SmoothL1Loss(beta=0.5)(x, t).item() == F.smooth_l1_loss(x, t, beta=0.5).item()
    assert nn.SmoothL1Loss(reduce=False)(x, t).shape == (3, 4)
    crit = nn.KLDivLoss(reduction="batchmean", log_target=True)
    q, lp = ag.tensor(LOGQ), ag.tensor(np.log(P))
    assert crit(q, lp).item() == F.kl_div(q, lp, reduction="batchmean", log_target=True).item()
    assert [repr(m) for m in (nn.HuberLoss(delta=2.0), nn.SmoothL1Loss(), nn.KLDivLoss())] == \
        ["HuberLoss()", "SmoothL1Loss()", "KLDivLoss()"]                 # as PyTorch prints


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_batchmean_matches_pytorch(log_target):
    torch = pytest.importorskip("torch")
    t = np.log(P) if log_target else P_ZERO
    xa, xb = _leaf(LOGQ), torch.tensor(LOGQ, requires_grad=True)
    ya = F.kl_div(xa, ag.tensor(t), reduction="batchmean", log_target=log_target)
    yb = torch.nn.functional.kl_div(xb, torch.tensor(t), reduction="batchmean",
                                    log_target=log_target)
    ya.backward()
    yb.backward()
    assert ya.item() == pytest.approx(yb.item(), rel=1e-12)
    np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-12)
