"""autograd.distributions against torch.distributions in float64: log_prob, entropy,
moments, cdf / icdf and their gradients over broadcasting batch shapes, first- and
second-order gradchecks of log_prob, sample statistics, rsample with the same noise as
PyTorch's, validation errors, kl_divergence, and a compiled VAE-style step."""
import math
import sys

import numpy as np
import pytest

import autograd as ag
import autograd.distributions as D
import nn
from nn import optim
from tests.compile_twins import check_twins, watched

torch = pytest.importorskip("torch")
td = pytest.importorskip("torch.distributions")

RNG = np.random.default_rng(0)


def pos(*shape, low=0.5, high=2.0):
    return RNG.uniform(low, high, shape)


def real(*shape):
    return RNG.standard_normal(shape)


def simplex(*shape):
    w = RNG.uniform(0.1, 1.0, shape)
    return w / w.sum(-1, keepdims=True)


def inside(low, high, *shape):
    return low + RNG.uniform(0.1, 0.9, shape) * (high - low)


def counts(high, *shape):
    return RNG.integers(0, high + 1, shape).astype(float)


def one_hot(k, *shape):
    return np.eye(k)[RNG.integers(0, k, shape)]


def spd(*shape):
    """Symmetric positive-definite matrices of shape (..., n, n)."""
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def lower(*shape):
    """Lower-triangular matrices with a positive diagonal."""
    a = np.tril(RNG.standard_normal(shape) * 0.5, -1)
    return a + np.eye(shape[-1]) * RNG.uniform(0.5, 1.5, shape[:-1])[..., None]


LOW, HIGH = RNG.uniform(0.05, 0.4, (3, 1)), RNG.uniform(0.45, 0.95, (4,))

# name: (family, {parameter: values}, values for log_prob / cdf); the family is a name
# of both modules or a function of (module, **parameters); the parameters broadcast
# against each other (batch shape (3, 4) in most) and the values against the batch shape
CASES = {
    "normal": ("Normal", {"loc": real(3, 1), "scale": pos(4)}, real(2, 3, 4)),
    "normal_0d": ("Normal", {"loc": real(), "scale": pos()}, real(5)),
    "bernoulli_probs": ("Bernoulli", {"probs": RNG.uniform(0.05, 0.95, (3, 4))},
                        counts(1, 2, 3, 4)),
    "bernoulli_logits": ("Bernoulli", {"logits": real(4) * 3}, counts(1, 3, 4)),
    "categorical_probs": ("Categorical", {"probs": simplex(3, 5)}, RNG.integers(0, 5, (2, 3))),
    "categorical_logits": ("Categorical", {"logits": real(2, 3, 4)},
                           RNG.integers(0, 4, (5, 1, 3))),
    "onehot_probs": ("OneHotCategorical", {"probs": simplex(3, 5)}, one_hot(5, 2, 3)),
    "onehot_logits": ("OneHotCategorical", {"logits": real(2, 3, 4)}, one_hot(4, 5, 1, 3)),
    "uniform": ("Uniform", {"low": LOW, "high": HIGH}, inside(LOW, HIGH, 2, 3, 4)),
    "exponential": ("Exponential", {"rate": pos(3, 4)}, pos(2, 3, 4, low=0.1, high=3.0)),
    "laplace": ("Laplace", {"loc": real(3, 1), "scale": pos(4)}, real(2, 3, 4)),
    "lognormal": ("LogNormal", {"loc": real(3, 1) * 0.5, "scale": pos(4)}, pos(2, 3, 4)),
    "gamma": ("Gamma", {"concentration": pos(3, 1, high=4.0), "rate": pos(4)},
              pos(2, 3, 4, low=0.1, high=3.0)),
    "beta": ("Beta", {"concentration1": pos(3, 1, high=4.0), "concentration0": pos(4)},
             RNG.uniform(0.05, 0.95, (2, 3, 4))),
    "dirichlet": ("Dirichlet", {"concentration": pos(3, 4, high=4.0)}, simplex(2, 3, 4)),
    "poisson": ("Poisson", {"rate": pos(3, 4, high=6.0)}, counts(8, 2, 3, 4)),
    "binomial_probs": ("Binomial", {"total_count": np.array([[5.0], [7.0], [9.0]]),
                                    "probs": RNG.uniform(0.05, 0.95, (4,))},
                       counts(5, 2, 3, 4)),
    "binomial_logits": ("Binomial", {"total_count": np.full((3, 4), 6.0),
                                     "logits": real(3, 4)}, counts(6, 2, 3, 4)),
    "mvn_cov": ("MultivariateNormal", {"loc": real(4, 3), "covariance_matrix": spd(3, 3)},
                real(2, 4, 3)),
    "mvn_prec": ("MultivariateNormal", {"loc": real(3), "precision_matrix": spd(4, 3, 3)},
                 real(2, 4, 3)),
    "mvn_tril": ("MultivariateNormal", {"loc": real(4, 3), "scale_tril": lower(4, 3, 3)},
                 real(4, 3)),
    "independent": (lambda m, loc, scale: m.Independent(m.Normal(loc, scale), 1),
                    {"loc": real(3, 4), "scale": pos(4)}, real(2, 3, 4)),
}
DIGAMMA = {"gamma", "beta", "dirichlet"}      # their entropy has digamma in it
SYMMETRIC = {"covariance_matrix", "precision_matrix"}   # gradchecked as (C + C^T) / 2
FIXED = {"total_count"}                       # whole numbers: no gradient taken
# PyTorch differentiates its gamma draws implicitly; gradgraph's have no rsample
NO_RSAMPLE_HERE = {"Gamma", "Beta", "Dirichlet"}

PROPERTIES = ["mean", "mode", "variance", "stddev"]


def build(case, requires_grad=True):
    """(our distribution, PyTorch's, our parameters, PyTorch's) of CASES[case]."""
    family, params, _ = CASES[case]
    grad = {k: requires_grad and k not in FIXED for k in params}
    ours = {k: ag.tensor(v, dtype=ag.float64, requires_grad=grad[k]) for k, v in params.items()}
    theirs = {k: torch.tensor(v, dtype=torch.float64, requires_grad=grad[k])
              for k, v in params.items()}
    return make(family, D, ours), make(family, td, theirs), ours, theirs


def make(family, module, params):
    return getattr(module, family)(**params) if isinstance(family, str) else \
        family(module, **params)


def symmetrised(params):
    """The symmetric matrices among `params` as (C + C^T) / 2, scale_tril as its lower
    triangle: a gradcheck's step in one element then stays in the constraint."""
    return {k: (v + v.transpose(-2, -1)) / 2 if k in SYMMETRIC else
            v.tril() if k == "scale_tril" else v for k, v in params.items()}


def value_of(case, lib):
    v = CASES[case][2]
    return (ag.tensor(v) if lib == "ag" else torch.tensor(v)) if v.dtype.kind == "i" else \
        (ag.tensor(v, dtype=ag.float64) if lib == "ag" else torch.tensor(v, dtype=torch.float64))


def outputs(dist, case, lib):
    """{what: a callable giving it} for each quantity PyTorch's family offers."""
    value = value_of(case, lib)
    u = np.random.default_rng(2).uniform(0.05, 0.95, value.shape)
    unit = ag.tensor(u, dtype=ag.float64) if lib == "ag" else torch.tensor(u)
    out = {name: (lambda n=name: getattr(dist, n)) for name in PROPERTIES}
    out.update(log_prob=lambda: dist.log_prob(value), entropy=dist.entropy,
               cdf=lambda: dist.cdf(value), icdf=lambda: dist.icdf(unit))
    return out


def _compare(ours, theirs, what, rtol=1e-10):
    got, want = ours.data, theirs.detach().numpy()
    assert got.shape == want.shape, (what, got.shape, want.shape)
    scale = np.abs(want[np.isfinite(want)]).max(initial=0.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=max(1e-12, rtol * scale * 0.1),
                               err_msg=what)


# a gradient through digamma takes PyTorch's trigamma, off by ~1e-10 relative (SciPy's
# is exact: docs/special_values.md's differences)
TRIGAMMA_RTOL = 1e-8


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")   # Beta's mode: 0/0
@pytest.mark.parametrize("case", CASES)
def test_values_and_gradients_match_torch(case):
    """Each quantity's value, and the gradient w.r.t. the parameters of a weighted sum of
    it, equal PyTorch's; what PyTorch does not implement raises NotImplementedError here."""
    d, t, ours, theirs = build(case)
    RNG_ = np.random.default_rng(1)
    mine, torchs = outputs(d, case, "ag"), outputs(t, case, "torch")
    for what in mine:
        try:
            want = torchs[what]()
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                mine[what]()
            continue
        got = mine[what]()
        _compare(got, want, what)
        if not want.requires_grad or not np.isfinite(want.detach().numpy()).all():
            continue
        w = RNG_.standard_normal(want.shape)
        for name in (k for k in ours if k not in FIXED):
            try:
                (gt,) = torch.autograd.grad((want * torch.tensor(w)).sum(), theirs[name],
                                            allow_unused=True, retain_graph=True)
            except (RuntimeError, NotImplementedError):      # PyTorch has no such gradient
                with pytest.raises(ag.NotDifferentiableError):
                    ag.grad((got * ag.tensor(w)).sum(), ours[name], retain_graph=True)
                continue
            try:
                (g,) = ag.grad((got * ag.tensor(w)).sum(), ours[name], allow_unused=True,
                               retain_graph=True)
            except ag.NotDifferentiableError:
                # gammainc refuses a backward through it while its a requires grad, even
                # to reach x (PyTorch computes the gradients asked for): take it alone
                alone = {k: ag.tensor(v.data, requires_grad=k == name) for k, v in ours.items()}
                again = outputs(make(CASES[case][0], D, alone), case, "ag")[what]()
                (g,) = ag.grad((again * ag.tensor(w)).sum(), alone[name])
            if gt is None:
                assert g is None or not g.data.any(), (what, name)
            else:
                rtol = TRIGAMMA_RTOL if what == "entropy" and case in DIGAMMA else 1e-10
                _compare(g, gt, f"d {what} / d {name}", rtol)


@pytest.mark.parametrize("case", CASES)
def test_log_prob_gradchecks(case):
    family, params, _ = CASES[case]
    value = value_of(case, "ag")
    names = [k for k in params if k not in FIXED]
    fixed = {k: ag.tensor(params[k], dtype=ag.float64) for k in params if k in FIXED}
    inputs = [ag.tensor(params[k], dtype=ag.float64, requires_grad=True) for k in names]

    def f(*p):
        return make(family, D, {**fixed, **symmetrised(dict(zip(names, p)))}).log_prob(value)
    assert ag.gradcheck(f, inputs)
    assert ag.gradgradcheck(f, inputs)


@pytest.mark.parametrize("case", CASES)
def test_sample_statistics(case):
    """The mean and variance of 1e5 draws are within 5 standard errors of the family's."""
    d, t, _, _ = build(case, requires_grad=False)
    ag.manual_seed(0)
    n = 100_000
    x = d.sample((n,))
    assert tuple(x.shape) == (n,) + tuple(t.batch_shape) + tuple(t.event_shape)
    s = x.data.astype(np.float64)
    if isinstance(t, td.Categorical):           # an index: compare the frequencies
        s = np.eye(t.probs.shape[-1])[x.data]
        mean, var = t.probs.detach().numpy(), (t.probs * (1 - t.probs)).detach().numpy()
    else:
        mean, var = t.mean.detach().numpy(), t.variance.detach().numpy()
    assert np.all(np.abs(s.mean(0) - mean) <= 5 * np.sqrt(var / n) + 1e-12)
    m4 = ((s - s.mean(0)) ** 4).mean(0)
    assert np.all(np.abs(s.var(0) - var) <= 5 * np.sqrt(np.maximum(m4 - var ** 2, 0) / n) + 1e-12)
    ag.manual_seed(0)
    np.testing.assert_array_equal(d.sample((n,)).data, x.data)       # manual_seed repeats


def test_rsample_matches_torch_with_the_same_noise(monkeypatch):
    d, t, ours, theirs = build("normal")
    ag.manual_seed(3)
    x = d.rsample((6,))
    ag.manual_seed(3)
    eps = torch.tensor(ag.randn((6,) + d.batch_shape, dtype=ag.float64).data)
    monkeypatch.setattr(td.normal, "_standard_normal", lambda shape, **_: eps)
    xt = t.rsample((6,))
    _compare(x, xt, "rsample")
    w = RNG.standard_normal(x.shape)
    grads = ag.grad((x * ag.tensor(w)).sum(), list(ours.values()))
    grads_t = torch.autograd.grad((xt * torch.tensor(w)).sum(), list(theirs.values()))
    for g, gt in zip(grads, grads_t):
        _compare(g, gt, "rsample's gradient")
    ag.manual_seed(3)
    assert not d.sample((6,)).requires_grad
    ag.manual_seed(3)
    np.testing.assert_array_equal(d.sample((6,)).data, x.data)


def test_has_rsample_is_torchs():
    for case in CASES:
        d, t, _, _ = build(case, requires_grad=False)
        assert d.has_rsample == (t.has_rsample and type(d).__name__ not in NO_RSAMPLE_HERE), \
            case
        assert d.has_enumerate_support == t.has_enumerate_support, case
        if not d.has_rsample:
            with pytest.raises(NotImplementedError, match="has no rsample"):
                d.rsample()


@pytest.mark.parametrize("case", [c for c in CASES if build(c, False)[0].has_rsample])
def test_rsample_gradient_is_the_reparameterisation(case):
    """rsample under a fixed seed is a differentiable function of the parameters: its
    gradients pass gradcheck and gradgradcheck (the noise held fixed)."""
    family, params, _ = CASES[case]
    names = list(params)
    inputs = [ag.tensor(params[k], dtype=ag.float64, requires_grad=True) for k in names]

    def f(*p):
        ag.manual_seed(5)
        return make(family, D, symmetrised(dict(zip(names, p)))).rsample((2,))
    assert f(*inputs).requires_grad
    assert ag.gradcheck(f, inputs)
    assert ag.gradgradcheck(f, inputs)


def test_shapes_expand_and_enumerate_support():
    for case in CASES:
        d, t, _, _ = build(case, requires_grad=False)
        assert d.batch_shape == tuple(t.batch_shape) and d.event_shape == tuple(t.event_shape)
        v, vt = value_of(case, "ag"), value_of(case, "torch")
        shape = np.broadcast_shapes(tuple(vt.shape[:vt.ndim - len(t.event_shape)]),
                                    tuple(t.batch_shape))
        e, et = d.expand(shape), t.expand(shape)
        assert e.batch_shape == tuple(et.batch_shape) == shape and type(e) is type(d)
        _compare(e.log_prob(v), et.log_prob(vt), f"{case}: expanded log_prob")
        if t.has_enumerate_support:
            for expand in (True, False):
                try:
                    want = t.enumerate_support(expand)
                except NotImplementedError:               # Binomial's of several counts
                    with pytest.raises(NotImplementedError, match="Inhomogeneous"):
                        d.enumerate_support(expand)
                    continue
                _compare(d.enumerate_support(expand), want, f"{case}: enumerate_support")


def _torch_message(fn):
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value)


@pytest.mark.parametrize("make, make_t, match", [
    (lambda: D.Normal(ag.tensor([0.0, 1.0]), ag.tensor([1.0, -1.0])),
     lambda: td.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, -1.0])),
     r"Expected parameter scale \(Tensor of shape \(2,\)\) of distribution Normal.*"
     r"GreaterThan\(lower_bound=0.0\)"),
    (lambda: D.Bernoulli(probs=ag.tensor([1.5])), lambda: td.Bernoulli(torch.tensor([1.5])),
     r"Expected parameter probs \(Tensor of shape \(1,\)\) of distribution Bernoulli.*"
     r"Interval\(lower_bound=0.0, upper_bound=1.0\)"),
    (lambda: D.Categorical(probs=ag.tensor([[0.7, -0.2]])),
     lambda: td.Categorical(torch.tensor([[0.7, -0.2]])),
     r"Expected parameter probs \(Tensor of shape \(1, 2\)\) of distribution Categorical.*"
     r"Simplex\(\)"),
    (lambda: D.Normal(0.0, 1.0).log_prob(ag.tensor(float("nan"))),
     lambda: td.Normal(0.0, 1.0).log_prob(torch.tensor(float("nan"))),
     r"Expected value argument \(Tensor of shape \(\)\) to be within the support \(Real\(\)\)"),
    (lambda: D.Bernoulli(probs=ag.tensor([0.3])).log_prob(ag.tensor([0.5])),
     lambda: td.Bernoulli(torch.tensor([0.3])).log_prob(torch.tensor([0.5])),
     r"within the support \(Boolean\(\)\) of the distribution Bernoulli"),
    (lambda: D.Categorical(logits=ag.zeros(2, 3)).log_prob(ag.tensor([0, 3])),
     lambda: td.Categorical(logits=torch.zeros(2, 3)).log_prob(torch.tensor([0, 3])),
     r"IntegerInterval\(lower_bound=0, upper_bound=2\)"),
    (lambda: D.Normal(ag.zeros(3), 1.0).log_prob(ag.zeros(2)),
     lambda: td.Normal(torch.zeros(3), 1.0).log_prob(torch.zeros(2)),
     r"Value is not broadcastable with batch_shape\+event_shape: \(2,\) vs \(3,\)"),
    (lambda: D.Bernoulli(), lambda: td.Bernoulli(),
     r"either `probs` or `logits` must be specified, but not both"),
    (lambda: D.Categorical(probs=ag.tensor(1.0)), lambda: td.Categorical(torch.tensor(1.0)),
     r"`probs` parameter must be at least one-dimensional"),
    (lambda: D.Uniform(ag.tensor([0.0, 2.0]), ag.tensor([1.0, 1.0])),
     lambda: td.Uniform(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 1.0])),
     r"Expected parameter low \(Tensor of shape \(2,\)\) of distribution Uniform.*LessThan"),
    (lambda: D.Uniform(0.0, 1.0).log_prob(ag.tensor(1.5)),
     lambda: td.Uniform(0.0, 1.0).log_prob(torch.tensor(1.5)),
     r"within the support \(Interval\(lower_bound=0.0, upper_bound=1.0\)\)"),
    (lambda: D.Gamma(ag.tensor([1.0]), ag.tensor([0.0])),
     lambda: td.Gamma(torch.tensor([1.0]), torch.tensor([0.0])),
     r"Expected parameter rate .* of distribution Gamma"),
    (lambda: D.Dirichlet(ag.tensor([1.0, 2.0])).log_prob(ag.tensor([0.5, 0.6])),
     lambda: td.Dirichlet(torch.tensor([1.0, 2.0])).log_prob(torch.tensor([0.5, 0.6])),
     r"within the support \(Simplex\(\)\) of the distribution Dirichlet"),
    (lambda: D.Poisson(ag.tensor([2.0])).log_prob(ag.tensor([1.5])),
     lambda: td.Poisson(torch.tensor([2.0])).log_prob(torch.tensor([1.5])),
     r"within the support \(IntegerGreaterThan\(lower_bound=0\)\)"),
    (lambda: D.Binomial(ag.tensor([2.5]), probs=ag.tensor([0.5])),
     lambda: td.Binomial(torch.tensor([2.5]), probs=torch.tensor([0.5])),
     r"Expected parameter total_count .* of distribution Binomial"),
    (lambda: D.OneHotCategorical(probs=ag.tensor([0.5, 0.5])).log_prob(ag.tensor([1.0, 1.0])),
     lambda: td.OneHotCategorical(torch.tensor([0.5, 0.5])).log_prob(torch.tensor([1.0, 1.0])),
     r"within the support \(OneHot\(\)\)"),
    (lambda: D.Independent(D.Normal(ag.zeros(3), 1.0), 2),
     lambda: td.Independent(td.Normal(torch.zeros(3), 1.0), 2),
     r"Expected reinterpreted_batch_ndims <= len\(base_distribution.batch_shape\), actual 2 vs 1"),
    (lambda: D.MultivariateNormal(ag.zeros(2), ag.tensor([[1.0, 2.0], [2.0, 1.0]])),
     lambda: td.MultivariateNormal(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])),
     r"Expected parameter covariance_matrix \(Tensor of shape \(2, 2\)\) of distribution "
     r"MultivariateNormal.*PositiveDefinite"),
    (lambda: D.MultivariateNormal(ag.zeros(2), scale_tril=ag.tensor([[1.0, 1.0], [0.0, 1.0]])),
     lambda: td.MultivariateNormal(torch.zeros(2), scale_tril=torch.tensor([[1.0, 1.0],
                                                                              [0.0, 1.0]])),
     r"Expected parameter scale_tril .*LowerCholesky"),
    (lambda: D.MultivariateNormal(ag.zeros(2), ag.eye(2), scale_tril=ag.eye(2)),
     lambda: td.MultivariateNormal(torch.zeros(2), torch.eye(2), scale_tril=torch.eye(2)),
     r"xactly one of covariance_matrix or precision_matrix or scale_tril"),
])
def test_validation_errors_are_torchs(make, make_t, match):
    _torch_message(make_t)                     # PyTorch refuses it too
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert isinstance(info.value, ag.GradgraphError)


def test_validation_can_be_turned_off():
    d = D.Normal(ag.tensor([0.0]), ag.tensor([-1.0]), validate_args=False)
    with np.errstate(invalid="ignore"):
            assert math.isnan(d.log_prob(ag.tensor([0.5])).item())
    D.Distribution.set_default_validate_args(False)
    try:
        assert D.Bernoulli(probs=ag.tensor([1.5])).mean.item() == 1.5
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ag.ArgumentError, match="Expected parameter probs"):
        D.Bernoulli(probs=ag.tensor([1.5]))


# (p, q): cases of CASES whose batch shapes broadcast
KL_PAIRS = [(c, c) for c in CASES if not c.startswith("mvn")] + [
    ("normal", "normal_0d"), ("mvn_cov", "mvn_prec"), ("mvn_tril", "mvn_cov"),
    ("mvn_prec", "mvn_tril"), ("bernoulli_probs", "poisson"), ("beta", "exponential"),
    ("beta", "gamma"), ("beta", "normal"), ("beta", "uniform"), ("exponential", "beta"),
    ("exponential", "gamma"), ("exponential", "normal"), ("exponential", "uniform"),
    ("gamma", "beta"), ("gamma", "exponential"), ("gamma", "normal"), ("gamma", "uniform"),
    ("laplace", "normal"), ("laplace", "beta"), ("laplace", "exponential"),
    ("laplace", "gamma"), ("laplace", "uniform"), ("normal", "laplace"), ("normal", "beta"),
    ("normal", "exponential"), ("normal", "gamma"), ("normal", "uniform"),
    ("poisson", "bernoulli_probs"), ("poisson", "binomial_logits"), ("uniform", "beta"),
    ("uniform", "exponential"), ("uniform", "gamma"), ("uniform", "normal")]


@pytest.mark.parametrize("p, q", KL_PAIRS)
def test_kl_divergence_matches_torch(p, q):
    dp, tp, op, tp_params = build(p)
    dq, tq, oq, tq_params = build(q)
    if p == q:                                  # another distribution of the same family
        family, params, _ = CASES[q]
        other = {k: v if k in FIXED else np.flip(v, -1).copy() if v.ndim else v * 1.25
                 for k, v in params.items()}
        oq = {k: ag.tensor(v, dtype=ag.float64, requires_grad=k not in FIXED)
              for k, v in other.items()}
        tq_params = {k: torch.tensor(v, requires_grad=k not in FIXED) for k, v in other.items()}
        dq, tq = make(family, D, oq), make(family, td, tq_params)
    got, want = D.kl_divergence(dp, dq), td.kl_divergence(tp, tq)
    _compare(got, want, f"KL({p} || {q})")
    leaves = [t for t in list(op.values()) + list(oq.values()) if t.requires_grad]
    leaves_t = [t for t in list(tp_params.values()) + list(tq_params.values())
                if t.requires_grad]
    if not np.isfinite(want.detach().numpy()).all():
        return
    w = np.random.default_rng(1).standard_normal(want.shape)
    rtol = TRIGAMMA_RTOL if {p, q} & DIGAMMA else 1e-10
    for g, gt in zip(ag.grad((got * ag.tensor(w)).sum(), leaves),
                     torch.autograd.grad((want * torch.tensor(w)).sum(), leaves_t)):
        _compare(g, gt, f"KL({p} || {q})'s gradient", rtol)


def test_kl_of_an_unregistered_pair_and_register_kl():
    class Wide(D.Normal):
        pass
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(probs=ag.tensor(0.5)))
    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(1.0, 1.0)).item() == 0.5  # inherited

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return ag.tensor(-1.0)
    try:
        assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(1.0, 1.0)).item() == -1.0
    finally:
        from autograd.distributions import kl
        del kl._KL_REGISTRY[Wide, D.Normal]
        kl._KL_MEMOIZE.clear()


def test_compiled_vae_step_is_bit_identical_to_eager():
    """An encoder's Normal(loc, scale).rsample() through a decoder, with the KL to N(0, 1):
    compiled, the noise is redrawn on every replay as eagerly from the same seed."""
    def build():
        enc, dec = nn.Linear(12, 8), nn.Linear(4, 12)
        opt = optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            loc, log_scale = enc(x).chunk(2, -1)
            q = D.Normal(loc, log_scale.exp())
            z = q.rsample()
            recon = D.Normal(dec(z), 1.0).log_prob(x).sum(-1)
            kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1)
            loss = (kl - recon).mean()
            loss.backward()
            opt.step()
            return loss, z
        return step, watched(enc, dec, opt)
    check_twins(build)


def test_compiled_score_function_step_redraws_gamma_poisson_and_categorical():
    """Draws without rsample (gamma's, Poisson's, Categorical's) from parameters that the
    step learns: a compiled replay redraws them from the new parameters, as eagerly."""
    def build():
        log_conc = ag.zeros(4, requires_grad=True)
        logits = ag.zeros(3, requires_grad=True)
        log_rate = ag.zeros(2, requires_grad=True)
        opt = optim.SGD([log_conc, logits, log_rate], lr=1e-3)

        def step(x, y):
            opt.zero_grad()
            g = D.Gamma(log_conc.exp(), 1.0)
            c = D.Categorical(logits=logits)
            p = D.Poisson(log_rate.exp())
            a, k, n = g.sample((5,)), c.sample((5,)), p.sample((5,))
            reward = a.sum(-1) + k.float() + n.sum(-1) + x[:5, 0]
            loss = -(reward * (g.log_prob(a).sum(-1) + c.log_prob(k)
                               + p.log_prob(n).sum(-1))).mean()
            loss.backward()
            opt.step()
            return loss, a, k, n
        return step, watched(log_conc, logits, log_rate, opt)
    check_twins(build)


@pytest.mark.parametrize("case, method", [
    ("gamma", "log_prob"), ("gamma", "entropy"), ("gamma", "cdf"), ("beta", "log_prob"),
    ("beta", "entropy"), ("dirichlet", "log_prob"), ("dirichlet", "entropy"),
    ("poisson", "log_prob"), ("binomial_logits", "log_prob"), ("binomial_logits", "entropy")])
def test_without_scipy_a_clear_error(case, method, monkeypatch):
    d = build(case, requires_grad=False)[0]
    monkeypatch.setitem(sys.modules, "scipy", None)          # import scipy fails
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    call = outputs(d, case, "ag")[method]
    with pytest.raises(ag.MissingDependencyError,
                       match=rf"^{type(d).__name__}.{method} needs SciPy.*gradgraph\[special\]"):
        call()
    assert d.mean is not None and d.sample().shape == d.batch_shape + d.event_shape


def test_draws_keep_the_parameters_dtype():
    """float32 parameters give float32 draws and values (indices are int64), as PyTorch."""
    p32 = ag.tensor([0.2, 0.5, 0.3], dtype=ag.float32)
    for d, dtype in [(D.Normal(ag.zeros(3, dtype=ag.float32), 1.0), np.float32),
                     (D.Exponential(p32), np.float32), (D.Laplace(p32, 1.0), np.float32),
                     (D.Gamma(p32, 1.0), np.float32), (D.Dirichlet(p32), np.float32),
                     (D.Poisson(p32), np.float32), (D.Bernoulli(probs=p32), np.float32),
                     (D.OneHotCategorical(probs=p32), np.float32),
                     (D.Categorical(probs=p32), np.int64),
                     (D.Normal(ag.zeros(3, dtype=ag.float64), 1.0), np.float64)]:
        x = d.sample((4,))
        assert x.data.dtype == dtype, (d, x.data.dtype)
        assert x.shape == (4,) + d.batch_shape + d.event_shape
        if dtype != np.int64:
            assert d.log_prob(x).data.dtype == dtype, d
