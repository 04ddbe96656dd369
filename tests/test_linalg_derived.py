"""autograd.linalg's ops derived from the factorizations (det at singular matrices, pinv,
matrix_exp, lstsq, matrix_norm's "nuc" / 2 / -2, norm, cond, matrix_rank, cross,
multi_dot; ag.pinverse, ag.matrix_exp and the Tensor methods) against PyTorch: values and
gradients, batched, float32, special inputs, refusals; a compiled step using them replays
bit for bit.
(First- and second-order gradchecks are the op table's entries of the same names.)"""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from compile_twins import check_twins, mlp, train_step, watched
from nn import optim
from torch_compare import assert_same_value_and_grads as _compare

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)


def _both(name, *args, **kwargs):
    return (lambda *t: getattr(ag.linalg, name)(*t, *args, **kwargs),
            lambda *t: getattr(torch.linalg, name)(*t, *args, **kwargs))


CASES = {
    "pinv": _both("pinv"),
    "pinv_atol": _both("pinv", atol=0.5),
    "pinv_rtol": _both("pinv", rtol=0.3),
    "pinverse": (lambda a: a.pinverse(), lambda a: a.pinverse()),
    "pinverse_top": (lambda a: ag.pinverse(a, 0.2), lambda a: torch.pinverse(a, 0.2)),
    "svd_norms": (lambda a: ag.linalg.matrix_norm(a, "nuc") * ag.linalg.norm(a, 2, (-2, -1))
                  + ag.linalg.norm(a, -2, dim=(-1, -2), keepdim=True)[..., 0, 0],
                  lambda a: torch.linalg.matrix_norm(a, "nuc") * torch.linalg.norm(a, 2, (-2, -1))
                  + torch.linalg.norm(a, -2, dim=(-1, -2), keepdim=True)[..., 0, 0]),
    "norm_default": _both("norm"),
    "norm_dim": _both("norm", 3, -1, True),
    "norm_fro_dims": _both("norm", "fro", (0, -1)),
}
SHAPES = [(3, 3), (4, 3), (2, 3, 5), (2, 1, 4, 2), (1, 1)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name, shape):
    _compare(*CASES[name], RNG.standard_normal(shape))


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32(name):
    _compare(*CASES[name], RNG.standard_normal((2, 4, 3)).astype(np.float32), rtol=3e-4,
             atol=3e-5)


def test_pinv_hermitian_and_tolerance_tensors():
    a = RNG.standard_normal((3, 4, 4))
    a = a + a.swapaxes(-1, -2)
    _compare(*_both("pinv", hermitian=True), a, rtol=1e-9)
    _compare(*_both("pinv", hermitian=True, atol=1.0), a, rtol=1e-9)
    tol = np.array([0.1, 5.0, 0.0])
    ours = ag.linalg.pinv(ag.tensor(a), atol=ag.tensor(tol))
    ref = torch.linalg.pinv(torch.tensor(a), atol=torch.tensor(tol))
    np.testing.assert_allclose(ours.data, ref.numpy(), atol=1e-12)


def test_pinv_of_a_rank_deficient_matrix():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    _compare(*CASES["pinv"], a, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("scale", [0.01, 1.0, 6.0])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_matrix_exp_matches_torch(shape, scale):
    a = RNG.standard_normal(shape) * scale
    _compare(ag.linalg.matrix_exp, torch.linalg.matrix_exp, a, rtol=1e-11)
    _compare(lambda a: a.matrix_exp(), lambda a: torch.matrix_exp(a), a, rtol=1e-11)


def test_matrix_exp_special_values():
    for a in (np.zeros((2, 3, 3)), np.full((2, 2), np.nan), np.array([[0.0, np.inf], [0.0, 0.0]])):
        ours, ref = ag.matrix_exp(ag.tensor(a)), torch.matrix_exp(torch.tensor(a))
        np.testing.assert_array_equal(np.isnan(ours.data), np.isnan(ref.numpy()))
        if not np.isnan(ref.numpy()).any():
            np.testing.assert_allclose(ours.data, ref.numpy())


def test_matrix_exp_float32():
    _compare(ag.linalg.matrix_exp, torch.linalg.matrix_exp,
             RNG.standard_normal((2, 3, 3)).astype(np.float32), rtol=2e-5, atol=2e-6)


RANK_2 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
RANK_1 = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])


@pytest.mark.parametrize("a", [RANK_2, np.diag([1.0, 1.0, 0.0]), np.array([[0.0, 1.0], [0.0, 0.0]]),
                               np.stack([RANK_2, np.eye(3) + 0.1 * RANK_1])],
                         ids=["rank2", "diag110", "nilpotent", "batch"])
def test_det_gradient_at_rank_n_minus_1_is_the_cofactor_matrix(a):
    """det is a polynomial: its gradient at a singular matrix is the cofactor matrix
    (adj(A)^T), checked numerically and against cofactors from minors. PyTorch returns 0
    wherever det is exactly 0, which is wrong here: d det(diag(1, 1, t)) / dt = 1."""
    x = ag.tensor(a, requires_grad=True)
    ag.linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, _cofactors_from_minors(a), atol=1e-12)
    assert ag.gradcheck(lambda t: ag.linalg.det(t), [ag.tensor(a, requires_grad=True)])


def test_det_gradient_at_rank_n_minus_2_is_zero_as_torch():
    for a in (RANK_1, np.zeros((2, 2)), np.zeros((3, 3))):
        x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ag.det(x).backward()
        torch.det(t).backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("a", [RANK_2, np.diag([1.0, 1.0, 0.0]), np.zeros((2, 2)),
                               np.stack([np.eye(2) * 2, np.zeros((2, 2))])],
                         ids=["rank2", "diag110", "zeros", "batch"])
def test_slogdet_gradient_at_a_singular_matrix_is_not_finite_as_torch(a):
    """cof(A) / det(A): no finite value anywhere at a singular matrix, non-finite wherever
    PyTorch's is (PyTorch's LU leaves some entries finite, e.g. RANK_2's last row, where
    log |det| stays -inf along the row and no finite derivative exists); a nonsingular
    matrix of the batch keeps PyTorch's gradient."""
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ag.linalg.slogdet(x).logabsdet.sum().backward()
    torch.linalg.slogdet(t).logabsdet.sum().backward()
    ours, theirs = x.grad.data, t.grad.numpy()
    singular = np.linalg.det(a) == 0
    assert not np.isfinite(ours[singular]).any()
    assert not (np.isfinite(ours) & ~np.isfinite(theirs)).any()
    np.testing.assert_allclose(ours[~singular], theirs[~singular])


def test_det_second_order_at_a_singular_matrix():
    """RANK_2's singular values are distinct, so the svd's rules carry the second order."""
    assert ag.gradgradcheck(lambda t: ag.linalg.det(t), [ag.tensor(RANK_2, requires_grad=True)])


def test_det_near_singular_matches_torch():
    _compare(ag.linalg.det, torch.linalg.det, RANK_2 + 1e-9 * np.eye(3), rtol=1e-6, atol=1e-12)


def _cofactors_from_minors(a):
    out = np.zeros_like(a)
    n = a.shape[-1]
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, -2), j, -1)
            out[..., i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


@pytest.mark.parametrize("a_shape, b_shape", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 2)),
                                              ((3, 5), (3, 2)), ((2, 4, 4), (2, 4, 1)),
                                              ((5, 3), (5,))])
def test_lstsq_matches_torch(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    _compare(lambda a, b: ag.linalg.lstsq(a, b).solution,
             lambda a, b: torch.linalg.lstsq(a, b).solution, a, b, rtol=1e-9)
    for driver in ("gels", "gelsy", "gelsd", "gelss"):
        ours = ag.linalg.lstsq(ag.tensor(a), ag.tensor(b), driver=driver)
        ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for name, x, y in zip(ours._fields, ours, ref):
            assert x.shape == tuple(y.shape) and x.dtype == y.numpy().dtype, (driver, name)
            np.testing.assert_allclose(x.data, y.numpy(), rtol=1e-9, atol=1e-12)


def test_lstsq_rank_deficient_gives_the_minimum_norm_solution():
    a = np.stack([RANK_2, np.eye(3)])
    b = RNG.standard_normal((2, 3, 2))
    out = ag.linalg.lstsq(ag.tensor(a), ag.tensor(b), driver="gelsd")
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    np.testing.assert_allclose(out.solution.data, ref.solution.numpy(), atol=1e-10)
    np.testing.assert_array_equal(out.rank.data, ref.rank.numpy())
    assert out.residuals.shape == (0,) == tuple(ref.residuals.shape)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond_matches_torch(p):
    """Values for every ord, singular matrices included (inf, but for 2 / -2 / None, where
    both give the ratio of the computed singular values); gradients for the svd's ords
    (PyTorch's backward of the others fails with an in-place error in 2.13)."""
    a = RNG.standard_normal((2, 3, 3))
    ours, ref = ag.linalg.cond(ag.tensor(a), p), torch.linalg.cond(torch.tensor(a), p)
    np.testing.assert_allclose(ours.data, ref.numpy(), rtol=1e-10)
    if p != "nuc":     # PyTorch's LU test misses this singular matrix for 'nuc' (2.5e16)
        ours, ref = ag.linalg.cond(ag.tensor(RANK_2), p), torch.linalg.cond(torch.tensor(RANK_2), p)
        np.testing.assert_allclose(ours.data, ref.numpy(), rtol=1e-6)
    if p in (None, 2, -2):
        _compare(lambda a: ag.linalg.cond(a, p), lambda a: torch.linalg.cond(a, p),
                 RNG.standard_normal((2, 4, 3)), rtol=1e-9)


def test_matrix_rank_matches_torch():
    a = np.stack([RANK_2, RANK_1, np.eye(3), np.zeros((3, 3))])
    sym = a + a.swapaxes(-1, -2)
    for call in (lambda lib, x: lib.linalg.matrix_rank(x),
                 lambda lib, x: lib.linalg.matrix_rank(x, hermitian=True),
                 lambda lib, x: lib.linalg.matrix_rank(x, atol=1.5),
                 lambda lib, x: lib.linalg.matrix_rank(x, rtol=0.4),
                 lambda lib, x: lib.linalg.matrix_rank(x[..., :2, :])):
        ours, ref = call(ag, ag.tensor(sym)), call(torch, torch.tensor(sym))
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, ref.numpy())


@pytest.mark.parametrize("a_shape, tau_shape", [((4, 3), (3,)), ((2, 5, 3), (2, 2)),
                                                 ((4, 4), (4,))])
def test_householder_product_matches_torch(a_shape, tau_shape):
    _compare(ag.linalg.householder_product, torch.linalg.householder_product,
             RNG.standard_normal(a_shape), RNG.standard_normal(tau_shape))


def test_householder_product_of_no_reflection_is_the_identity_with_a_zero_gradient():
    x = ag.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    out = ag.linalg.householder_product(x, ag.zeros(0, dtype=ag.float64))
    ref = torch.linalg.householder_product(torch.tensor(x.data), torch.zeros(0, dtype=torch.float64))
    np.testing.assert_array_equal(out.data, ref.numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((4, 3)))


def test_multi_dot_and_cross_match_torch():
    for shapes in ([(4,), (4, 6), (6, 2), (2,)], [(3, 4), (4, 6), (6, 2), (2, 7)],
                   [(3, 4), (4,)], [(5, 2), (2, 9), (9, 1)]):
        mats = [RNG.standard_normal(s) for s in shapes]
        _compare(lambda *t: ag.linalg.multi_dot(t), lambda *t: torch.linalg.multi_dot(t), *mats)
    _compare(lambda a, b: ag.linalg.cross(a, b), lambda a, b: torch.linalg.cross(a, b),
             RNG.standard_normal((2, 4, 3)), RNG.standard_normal((1, 4, 3)))
    _compare(lambda a, b: ag.linalg.cross(a, b, dim=0),
             lambda a, b: torch.linalg.cross(a, b, dim=0),
             RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3)))


@pytest.mark.parametrize("call, match", [
    (lambda: ag.linalg.pinv(ag.ones(3)), r"linalg.pinv: expected matrices.*\(3,\) float32"),
    (lambda: ag.linalg.pinv(ag.ones(2, 3), hermitian=True), r"linalg.pinv: expected square"),
    (lambda: ag.linalg.pinv(ag.tensor([[1, 2]])), r"linalg.pinv: expected a floating.*int64"),
    (lambda: ag.linalg.pinv(ag.ones(2, 2, 2), atol=ag.ones(3)), r"linalg.pinv: a tolerance"),
    (lambda: ag.linalg.matrix_exp(ag.ones(2, 3)), r"linalg.matrix_exp: expected square.*\(2, 3\)"),
    (lambda: ag.matrix_exp(ag.tensor([[1, 2], [3, 4]])), r"linalg.matrix_exp: expected a floating"),
    (lambda: ag.linalg.det(ag.ones(2, 3)), r"linalg.det: expected square.*\(2, 3\) float32"),
    (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(4, 1)), r"linalg.lstsq: A .* do not match"),
    (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(3, 1, dtype=ag.float64)), r"one dtype"),
    (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(3, 1), driver="x"), r"driver must be one"),
    (lambda: ag.linalg.norm(ag.ones(2, 3, 4), 2), r"linalg.norm: .*1-d or 2-d.*\(2, 3, 4\)"),
    (lambda: ag.linalg.matrix_norm(ag.eye(2), 3), r"linalg.matrix_norm: ord=3 is not a matrix"),
    (lambda: ag.linalg.multi_dot([ag.ones(2, 2)]), r"linalg.multi_dot: expected at least 2"),
    (lambda: ag.linalg.householder_product(ag.ones(3, 4), ag.ones(2)), r"m >= n >= k.*\(3, 4\)"),
    (lambda: ag.linalg.householder_product(ag.ones(4, 3), ag.ones(4)), r"m >= n >= k"),
    (lambda: ag.linalg.householder_product(ag.ones(4, 3), ag.ones(2, 2)), r"one batch"),
    (lambda: ag.linalg.householder_product(ag.ones(4, 3), ag.ones(2, dtype=ag.float64)),
     r"householder_product: expected A and tau of one dtype"),
    (lambda: ag.linalg.cond(ag.ones(2, 3), "fro"), r"linalg.cond\(ord=fro\): expected square"),
    (lambda: ag.linalg.matrix_rank(ag.ones(3)), r"linalg.matrix_rank: expected matrices.*\(3,\)"),
    (lambda: ag.linalg.multi_dot([ag.ones(2, 2), ag.ones(2, 2, 2)]), r"tensor 1 must be 2-d"),
    (lambda: ag.linalg.multi_dot([ag.ones(2, 3), ag.ones(2, 2)]), r"tensors 0 and 1 cannot"),
    (lambda: ag.linalg.multi_dot([ag.ones(2, 2), ag.ones(2, 2, dtype=ag.float64)]), r"one dtype"),
])
def test_errors_name_the_op_shapes_and_dtypes(call, match):
    with pytest.raises(ag.GradgraphError, match=match):
        call()


def test_torch_refuses_the_same_inputs():
    for call in (lambda: torch.linalg.pinv(torch.ones(3)),
                 lambda: torch.linalg.matrix_exp(torch.ones(2, 3)),
                 lambda: torch.linalg.norm(torch.ones(2, 3, 4), 2),
                 lambda: torch.linalg.multi_dot([torch.ones(2, 2)]),
                 lambda: torch.linalg.multi_dot([torch.ones(2, 3), torch.ones(2, 2)]),
                 lambda: torch.linalg.lstsq(torch.ones(3, 2), torch.ones(4, 1))):
        with pytest.raises(RuntimeError):
            call()


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.tensor(np.random.default_rng(1).standard_normal((5, 5)),
                                   dtype=ag.float32))
        eye = ag.eye(5)

        def loss_fn(logits, y):
            a = eye + 0.1 * m
            return (F.cross_entropy(logits, y) + ag.linalg.pinv(logits).sum()
                    + 0.1 * ag.linalg.matrix_exp(0.1 * a).sum() + ag.linalg.det(a)
                    + ag.linalg.lstsq(logits, ag.ones(8, 1)).solution.sum()
                    + ag.linalg.norm(a, "nuc") + ag.linalg.matrix_norm(logits, 2)
                    + ag.linalg.multi_dot([a, logits.mT, logits, a]).sum() * 1e-3)
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.01)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)


SECOND_ORDER = {
    "eigh": lambda lib, a: lib.linalg.eigh(a + a.mT)[1].abs().sum(-1)
    * lib.linalg.eigvalsh(a + a.mT),
    "svd": lambda lib, a: lib.linalg.svd(a, full_matrices=False)[0].abs().sum(-1)
    * lib.linalg.svdvals(a).exp().sum(-1, keepdim=True),
    "qr": lambda lib, a: lib.linalg.qr(a).Q.sum(-1) * lib.linalg.qr(a).R.sum(),
    "pinv": lambda lib, a: lib.linalg.pinv(a).sin(),
    "matrix_exp": lambda lib, a: lib.linalg.matrix_exp(a).sin(),
    "det": lambda lib, a: lib.linalg.det(a).exp(),
    "cond": lambda lib, a: lib.linalg.cond(a),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_order_gradients_match_torch(name):
    """The gradient of <grad f, v> (a Hessian-vector product) equals PyTorch's."""
    shape = (2, 3, 3) if name in ("det", "matrix_exp", "eigh") else (2, 4, 3)
    a = RNG.standard_normal(shape)
    v = RNG.standard_normal(shape)
    out = []
    for lib in (ag, torch):
        x = lib.tensor(a, requires_grad=True)
        (g,) = (ag.grad if lib is ag else torch.autograd.grad)(
            SECOND_ORDER[name](lib, x).sum(), [x], create_graph=True)
        (h,) = (ag.grad if lib is ag else torch.autograd.grad)((g * lib.tensor(v)).sum(), [x])
        out.append(h.data if lib is ag else h.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9, atol=1e-11)
