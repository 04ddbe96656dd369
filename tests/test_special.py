"""autograd.special (torch.special's names) and ag.lgamma / digamma / polygamma / mvlgamma /
i0 / igamma / igammac (also Tensor methods and in place) against PyTorch: values and
dtypes for float32/float64 special points, integer, bool and 0-d inputs and mixed
operands, gradients where PyTorch has them, the refusals, the error without SciPy, and a
compiled step that uses them replaying bit for bit. (First- and second-order gradchecks:
the op table's entries; each op's value and derivative at its poles, ±0, ±inf and NaN:
special_values.py.)"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from compile_twins import check_twins, mlp, train_step, watched
from nn import optim

torch = pytest.importorskip("torch")

S = ag.special
# name -> (gradgraph's function, PyTorch's, PyTorch gives a gradient); polygamma(1, x)
# (trigamma) and bessel_j0/j1 differ from PyTorch's less accurate ones (special_values.py)
UNARY = {
    "lgamma": (ag.lgamma, torch.lgamma), "gammaln": (S.gammaln, torch.special.gammaln),
    "digamma": (ag.digamma, torch.digamma), "psi": (S.psi, torch.special.psi),
    "polygamma0": (lambda x: ag.polygamma(0, x), lambda x: torch.polygamma(0, x)),
    "polygamma2": (lambda x: x.polygamma(2), lambda x: x.polygamma(2)),
    "polygamma3": (lambda x: S.polygamma(3, x), lambda x: torch.special.polygamma(3, x)),
    "mvlgamma": (lambda x: ag.mvlgamma(x, 3), lambda x: torch.mvlgamma(x, 3)),
    "multigammaln": (lambda x: S.multigammaln(x, 1), lambda x: torch.special.multigammaln(x, 1)),
    "i0": (ag.i0, torch.i0),
    **{name: (getattr(S, name), getattr(torch.special, name))
       for name in ("i0", "i0e", "i1", "i1e", "erfcx", "log_ndtr", "ndtr", "ndtri", "entr",
                    "expit", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "sinc",
                    "logit", "round")},
}
_ALIASES = "expit erf erfc erfinv exp2 expm1 log1p sinc logit round".split()
POINTS = [-np.inf, -1e300, -100.5, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 5e-324, 1e-300, 0.25, 0.5,
          1.0, 2.5, 30.0, 171.7, 1e15, 1e300, np.inf, np.nan]
with np.errstate(over="ignore"):
    _POINTS32 = np.array(POINTS).astype(np.float32)
_INPUTS = [np.array(POINTS), _POINTS32, np.array([-3, -1, 0, 1, 2, 7]),
           np.array([0, 1, 5], np.int32), np.array([True, False]), np.array(0.5),
           np.array(4, np.int16), np.array([[0.75, 3.5], [-1.25, 12.0]], np.float32)]


def _same(ours, theirs):
    """Same dtype, shape, values and signs of zero; float32 to PyTorch's own float32
    accuracy (it computes in float32, gradgraph in float64 and rounds) and below the
    smallest normal number (PyTorch flushes subnormal results to 0)."""
    single = theirs.dtype == torch.float32
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    ref = theirs.detach().numpy()
    np.testing.assert_allclose(ours.data, ref, rtol=1e-5 if single else 1e-12,
                               atol=np.finfo(np.float32).tiny if single else 0, equal_nan=True)
    both = (ours.data == 0) & (ref == 0)             # and the same sign of zero
    np.testing.assert_array_equal(np.signbit(ours.data[both]), np.signbit(ref[both]))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("x", _INPUTS, ids=range(len(_INPUTS)))
def test_unary_matches_pytorch(name, x):
    ours_fn, torch_fn = UNARY[name]
    if name in ("polygamma2", "polygamma3") and x.ndim:
        x = x[x != np.inf]          # -0/0 there, PyTorch's NaN (special_values.py)
    if name in _ALIASES and x.ndim:
        x = x[x != 5e-324]          # PyTorch's vectorised log1p and sigmoid flush it to 0
    try:
        theirs = torch_fn(torch.tensor(x))
    except NotImplementedError:     # PyTorch's round of integers
        return
    except RuntimeError:            # mvlgamma of bool
        with pytest.raises(ag.DtypeError, match="bool"):
            ours_fn(ag.tensor(x))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = ours_fn(ag.tensor(x))
    _same(ours, theirs)


@pytest.mark.parametrize("name", [n for n in UNARY if n not in ("round", "mvlgamma")])
def test_unary_gradients_match_pytorch(name):
    """float64 gradients at ordinary points (the poles, ±0, ±inf and NaN: special_values.py)."""
    ours_fn, torch_fn = UNARY[name]
    # digamma' = polygamma(1, x): PyTorch's trigamma is good to ~1e-10 (special_values.py)
    rtol = 1e-9 if name in ("digamma", "psi", "polygamma0") else 1e-11
    x = np.array([0.05, 0.3, 0.7, 1.5, 3.25, 9.0]) * (1.0 if name in ("ndtri", "logit", "erfinv")
                                                       else 3.0) / 9.5
    if name in ("lgamma", "gammaln", "digamma", "psi", "i0", "i0e", "i1", "i1e", "erfcx"):
        x = np.concatenate([x, -x * 7.3 - 0.1])
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.linspace(-1.0, 2.0, x.size)
    (ours_fn(a) * ag.tensor(w)).sum().backward()
    (torch_fn(t) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-14)


def test_mvlgamma_gradient_matches_pytorch():
    x = np.array([[1.6, 2.5], [7.25, 30.0]])
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ag.mvlgamma(a, 4).sum().backward()
    torch.mvlgamma(t, 4).sum().backward()
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-12)


BINARY = {
    "xlog1py": (S.xlog1py, torch.special.xlog1py),
    "zeta": (S.zeta, torch.special.zeta),
    "gammainc": (S.gammainc, torch.special.gammainc),
    "gammaincc": (S.gammaincc, torch.special.gammaincc),
    "igamma": (ag.igamma, torch.igamma),
    "igammac": (lambda a, b: a.igammac(b), lambda a, b: a.igammac(b)),
}
_PAIRS = [
    (np.array([0.5, 1.0, 2.0, 7.5]), np.array([[0.0], [0.5], [3.0], [np.inf], [np.nan], [-0.0]])),
    (np.array([1.5, 2.0], np.float32), np.array(2.5)),
    (np.array([3.0, 0.0, -1.0, np.nan]), np.array([-1.0, -0.0, 1e-300, 2.0])),
    (np.array([1, 2, 4]), np.array([0.5, 2.0, 30.0], np.float32)),
    (np.array(2.5, np.float32), np.array([[1.0, 1e4], [-2.0, np.inf]], np.float32)),
    (np.array([1, 3]), np.array([2, 5])),
]


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("a,b", _PAIRS, ids=range(len(_PAIRS)))
def test_binary_matches_pytorch(name, a, b):
    ours_fn, torch_fn = BINARY[name]
    if name == "zeta":
        b = np.where(b == np.inf, 1e10, b)    # zeta(x, inf) = 0, PyTorch's NaN (special_values.py)
    ta, tb = torch.tensor(a), torch.tensor(b)
    try:
        theirs = torch_fn(ta, tb)
    except (RuntimeError, NotImplementedError):  # igamma of integers: ours in the default float
        theirs = torch_fn(ta.float(), tb.float())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = ours_fn(ag.tensor(a), ag.tensor(b))
    _same(ours, theirs)


@pytest.mark.parametrize("name", ["xlog1py", "xlogy", "zeta", "gammainc", "gammaincc"])
def test_binary_with_a_number_on_either_side(name):
    """float32 on either side of a number stays float32 (xlogy(x, 3) was float64: numpy's
    log of the number is a float64 scalar)."""
    x = ag.tensor([1.5, 2.0], dtype=ag.float32)
    fn = getattr(S, name)
    right, left = fn(x, 3), fn(3.0, x)
    np.testing.assert_array_equal(right.data, fn(x, ag.full_like(x, 3.0)).data)
    np.testing.assert_array_equal(left.data, fn(ag.full_like(x, 3.0), x).data)
    assert right.dtype == left.dtype == np.float32


def test_binary_gradients_match_pytorch():
    q = np.array([0.5, 1.25, 4.0])
    a = np.array([[1.5], [3.0]])
    cases = [("xlog1py", True), ("gammainc", False), ("gammaincc", False)]
    for name, both in cases:
        ours, theirs = [ag.tensor(a, requires_grad=both), ag.tensor(q, requires_grad=True)], \
            [torch.tensor(a, requires_grad=both), torch.tensor(q, requires_grad=True)]
        getattr(S, name)(*ours).sum().backward()
        getattr(torch.special, name)(*theirs).sum().backward()
        for o, t in zip(ours, theirs):
            if t.grad is not None:
                np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12, err_msg=name)
    # zeta: PyTorch has no derivative; d/dq zeta(x, q) = -x zeta(x + 1, q)
    x, qt = ag.tensor(np.array([2.0, 3.5])), ag.tensor(np.array([0.75, 2.0]), requires_grad=True)
    S.zeta(x, qt).sum().backward()
    ref = -x.data * torch.special.zeta(torch.tensor(x.data + 1), torch.tensor(qt.data)).numpy()
    np.testing.assert_allclose(qt.grad.data, ref, rtol=1e-12)


def test_bessel_j_values_and_gradients():
    """bessel_j0/j1 against SciPy (PyTorch's are less accurate and have no gradient):
    j0' = -j1, j1' = j0 - j1 / x, 1/2 at 0 (also at the smallest subnormal, where j1(x) / x
    underflows)."""
    import scipy.special as sc
    x = np.array([-30.0, -2.5, -0.0, 0.0, 5e-324, 1e-300, 0.5, 3.0, 10.0, 800.0])
    a = ag.tensor(x, requires_grad=True)
    (S.bessel_j0(a) + S.bessel_j1(a) * 2.0).sum().backward()
    np.testing.assert_array_equal(S.bessel_j0(a).data, sc.j0(x))
    np.testing.assert_array_equal(S.bessel_j1(a).data, sc.j1(x))
    slope = np.where(x == 0, 0.5, sc.j0(x) - sc.j1(x) / np.where(x == 0, 1.0, x))
    slope[4] = 0.5
    np.testing.assert_allclose(a.grad.data, -sc.j1(x) + 2.0 * slope, rtol=1e-14)
    assert S.bessel_j0(ag.tensor([1, 2])).dtype == np.float32


def test_tiny_x_limits_as_pytorch():
    """i1'(x) and i1e'(x) are 1/2 for |x| <= eps: the formula's i1(x) / x underflows at the
    smallest subnormal (it would give 1)."""
    for name in ("i1", "i1e"):
        x = np.array([5e-324, -5e-324, 1e-300, 1e-17])
        a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        getattr(S, name)(a).sum().backward()
        getattr(torch.special, name)(t).sum().backward()
        np.testing.assert_array_equal(a.grad.data, t.grad.numpy())
        np.testing.assert_array_equal(a.grad.data, 0.5)


# digamma(x) to 40 digits (mpmath), x within 0.3 of its negative root -0.504083...: the
# first four are where SciPy's psi (a zeta call per term there) is 9-10 ulps off
_PSI_NEAR_ROOT = [(-0.7982446560964878, -3.990566937253094),
                  (-0.7888875551149241, -3.744251161953272),
                  (-0.7900454553663481, -3.7736821992293725),
                  (-0.783564884658308, -3.6125115029610435),
                  (-0.5040830082644554, 7.289763902976895e-17),
                  (-0.5040830082644553, 1.0654146585779509e-15),
                  (-0.5040830072644554, 8.939798378045658e-09),
                  (-0.5, 0.03648997397857652), (-0.25, 2.9141391202135276)]


def test_digamma_near_its_negative_root():
    """digamma sums the series about its negative root itself (ops/transcendental.py):
    within 6 ulps of the true values (SciPy's psi: up to 10), the same bits alone, in a
    large array and reversed, and lgamma's gradient there is digamma."""
    x, want = np.array(_PSI_NEAR_ROOT).T
    got = ag.digamma(ag.tensor(x)).data
    assert np.all(np.abs(got - want) <= 6 * np.spacing(np.abs(want))), got - want
    many = np.concatenate([np.random.default_rng(2).uniform(-0.9, -0.1, 5000), x])
    whole = ag.digamma(ag.tensor(many)).data
    np.testing.assert_array_equal(whole[-len(x):], got)
    np.testing.assert_array_equal(ag.digamma(ag.tensor(many[::-1].copy())).data[::-1], whole)
    assert all(ag.digamma(ag.tensor(many[i:i + 1])).data[0] == whole[i] for i in range(0, 5000, 83))
    a = ag.tensor(x, requires_grad=True)
    ag.lgamma(a).sum().backward()
    np.testing.assert_array_equal(a.grad.data, got)


def test_names_follow_pytorch():
    for name in S.__all__:
        assert callable(getattr(S, name)) and hasattr(torch.special, name), name
    assert S.gammaln is ag.lgamma and S.psi is S.digamma is ag.digamma and S.i0 is ag.i0
    assert S.expit is ag.sigmoid and S.multigammaln is ag.mvlgamma and S.gammainc is ag.igamma
    for name in ("lgamma", "digamma", "polygamma", "mvlgamma", "i0", "igamma", "igammac"):
        assert hasattr(torch.Tensor, name) and hasattr(ag.Tensor, name), name
        assert hasattr(ag.Tensor, name + "_"), name
    x = ag.tensor([1.5, 4.0])
    np.testing.assert_array_equal(x.polygamma(2).data, ag.polygamma(2, x).data)
    np.testing.assert_array_equal(x.mvlgamma(2).data, ag.mvlgamma(x, 2).data)
    x = ag.tensor([[0.5, -1.0]], dtype=ag.float64)
    assert S.softmax(x, 1).allclose(ag.softmax(x, 1)) and S.log_softmax(x, 1).allclose(
        ag.log_softmax(x, 1)) and S.logsumexp(x, 1).allclose(ag.logsumexp(x, 1))


@pytest.mark.parametrize("name,args", [("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)),
                                       ("mvlgamma_", (2,)), ("i0_", ()), ("igamma_", (2.0,)),
                                       ("igammac_", (0.5,))])
def test_inplace_forms(name, args):
    x = np.array([[1.5, 2.25], [7.0, 3.0]])
    ours, theirs = ag.tensor(x), torch.tensor(x)
    assert getattr(ours, name)(*(ag.tensor(a) if isinstance(a, float) else a for a in args)) \
        is ours
    getattr(theirs, name)(*(torch.tensor(a, dtype=torch.float64) if isinstance(a, float)
                            else a for a in args))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
    with pytest.raises(ag.DtypeError, match=name):
        getattr(ag.tensor([1, 2]), name)(*args)          # a float result into an int tensor


def test_refusals():
    x = ag.tensor([1.5, 2.0])
    with pytest.raises(ag.DtypeError, match="mvlgamma: bool tensors"):
        ag.mvlgamma(ag.tensor([True]), 1)
    for call, match in [(lambda: ag.polygamma(-1, x), "polygamma: expected an integer >= 0"),
                        (lambda: ag.polygamma(1.5, x), "polygamma"),
                        (lambda: x.polygamma(True), "polygamma"),
                        (lambda: ag.mvlgamma(x, 0), "mvlgamma: expected an integer >= 1"),
                        (lambda: S.i0e(np.array([1.0])), "i0e: expected a Tensor"),
                        (lambda: ag.lgamma([1.0]), "lgamma: expected a Tensor"),
                        (lambda: S.ndtr(1.0), "ndtr: expected a Tensor")]:
        with pytest.raises(ag.ArgumentError, match=match):
            call()
    # no derivative in zeta's x and in gammainc's a, as PyTorch: raised by the backward
    for fn, what in [(S.zeta, "special.zeta: the derivative with respect to x"),
                     (S.gammainc, "gammainc: the derivative with respect to a"),
                     (ag.igammac, "gammaincc: the derivative with respect to a")]:
        a = ag.tensor([2.5, 3.0], requires_grad=True)
        y = fn(a, ag.tensor([1.5, 2.0]))
        with pytest.raises(ag.NotDifferentiableError, match=what):
            y.sum().backward()


_NEEDS_SCIPY = {
    "lgamma": lambda x: ag.lgamma(x), "digamma": lambda x: x.digamma(),
    "polygamma": lambda x: ag.polygamma(2, x), "mvlgamma": lambda x: x.mvlgamma(2),
    "i0": ag.i0, "i0e": S.i0e, "i1": S.i1, "i1e": S.i1e, "erfcx": S.erfcx,
    "log_ndtr": S.log_ndtr, "ndtri": S.ndtri, "entr": S.entr, "bessel_j0": S.bessel_j0,
    "bessel_j1": S.bessel_j1,
    "zeta": lambda x: S.zeta(x, x), "gammainc": lambda x: ag.igamma(x, x),
    "gammaincc": lambda x: S.gammaincc(x, x), "lgamma_": lambda x: x.clone().lgamma_(),
}


@pytest.mark.parametrize("name", list(_NEEDS_SCIPY))
def test_without_scipy_a_clear_error(name, monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)          # import scipy fails
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    with pytest.raises(ag.MissingDependencyError, match=rf"^{name.rstrip('_')} needs SciPy.*"
                       r"pip install 'gradgraph\[special\]'") as info:
        _NEEDS_SCIPY[name](x)
    assert isinstance(info.value, ImportError)
    np.testing.assert_allclose(S.ndtr(ag.tensor([0.0])).data, [0.5])   # erfc: no SciPy
    np.testing.assert_allclose(S.xlog1py(ag.tensor([2.0]), ag.tensor([0.0])).data, [0.0])


def test_gradgraph_imports_without_scipy():
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import autograd as ag, nn, viz\n"
            "x = ag.tensor([0.5])\n"
            "print(ag.special.ndtr(x).item(), ag.special.xlogy(x, x).item())\n"
            "try:\n    ag.lgamma(x)\nexcept ag.MissingDependencyError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**__import__("os").environ}).stdout
    assert out.startswith("0.69146245") and "lgamma needs SciPy" in out, out


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.ones(5) * 1.5)

        def loss_fn(logits, y):
            u = logits.sigmoid() + m
            return (F.cross_entropy(logits, y) + u.lgamma().sum() + ag.polygamma(1, u).sum()
                    + S.i1e(logits).sum() + S.log_ndtr(logits).sum() + S.xlog1py(u, u).sum()
                    + ag.igamma(ag.tensor(1.5), u).sum() + S.zeta(ag.tensor(2.0), u).sum()
                    + ag.mvlgamma(u + 1, 2).sum())
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.01)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)
