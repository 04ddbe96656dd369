"""autograd.linalg's solves and helpers (solve_triangular, tensorinv, tensorsolve, vecdot,
vander, matmul, diagonal) and ag.cholesky / cholesky_solve / cholesky_inverse /
chain_matmul against PyTorch: values and gradients, batched, float32, refusals; a compiled
step using them replays bit for bit. (First- and second-order gradchecks are the op
table's entries of the same names.)"""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from compile_twins import check_twins, mlp, train_step, watched
from nn import optim
from torch_compare import assert_same_value_and_grads as _compare

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
A = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
LOW = np.linalg.cholesky(A @ A.swapaxes(-1, -2))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_matches_torch(upper, left, unitriangular):
    """Only the triangle is read (the other holds noise) and gets a gradient."""
    b = RNG.standard_normal((2, 3, 4) if left else (2, 4, 3))
    _compare(lambda a, b: ag.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                    unitriangular=unitriangular),
             lambda a, b: torch.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                        unitriangular=unitriangular), A, b)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_inverse_and_torch_cholesky(upper):
    """Gradients for the whole factor, as PyTorch's (the product of the full factor)."""
    factor = LOW.swapaxes(-1, -2) if upper else LOW
    b = RNG.standard_normal((2, 3, 2))
    _compare(lambda b, f: ag.cholesky_solve(b, f, upper),
             lambda b, f: torch.cholesky_solve(b, f, upper), b, factor)
    _compare(lambda b, f: b.cholesky_solve(f, upper), lambda b, f: b.cholesky_solve(f, upper),
             b, factor)
    _compare(lambda f: ag.cholesky_inverse(f, upper), lambda f: torch.cholesky_inverse(f, upper),
             factor)
    _compare(lambda f: f.cholesky_inverse(upper), lambda f: f.cholesky_inverse(upper), factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torch.cholesky is deprecated
        _compare(lambda a: ag.cholesky(a @ a.mT, upper),
                 lambda a: torch.cholesky(a @ a.mT, upper), A)
        _compare(lambda a: (a @ a.mT).cholesky(upper), lambda a: (a @ a.mT).cholesky(upper), A)


def test_tensor_helpers_match_torch():
    _compare(lambda a: ag.linalg.tensorinv(a, 1), lambda a: torch.linalg.tensorinv(a, 1),
             RNG.standard_normal((6, 2, 3)))
    _compare(ag.linalg.tensorinv, torch.linalg.tensorinv, RNG.standard_normal((2, 3, 6)))
    _compare(ag.linalg.tensorsolve, torch.linalg.tensorsolve, RNG.standard_normal((2, 3, 6)),
             RNG.standard_normal((2, 3)))
    _compare(lambda a, b: ag.linalg.tensorsolve(a, b, dims=(0,)),
             lambda a, b: torch.linalg.tensorsolve(a, b, dims=(0,)),
             RNG.standard_normal((6, 2, 3)), RNG.standard_normal((2, 3)))
    _compare(ag.linalg.vecdot, torch.linalg.vecdot, RNG.standard_normal((2, 3)),
             RNG.standard_normal((3,)))
    _compare(lambda a, b: ag.linalg.vecdot(a, b, dim=0),
             lambda a, b: torch.linalg.vecdot(a, b, dim=0),
             RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1)))
    _compare(ag.linalg.matmul, torch.linalg.matmul, RNG.standard_normal((2, 3, 4)),
             RNG.standard_normal((4, 2)))
    _compare(lambda a: ag.linalg.diagonal(a, offset=1),
             lambda a: torch.linalg.diagonal(a, offset=1), RNG.standard_normal((2, 3, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torch.chain_matmul is deprecated
        _compare(lambda *m: ag.chain_matmul(*m), lambda *m: torch.chain_matmul(*m),
                 RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)),
                 RNG.standard_normal((4, 2)))
        _compare(lambda m: ag.chain_matmul(m), lambda m: torch.chain_matmul(m),
                 RNG.standard_normal((2, 3)))
    with pytest.raises(ag.ShapeError, match=r"chain_matmul: expected 2-d matrices"):
        ag.chain_matmul(ag.ones(3))


@pytest.mark.parametrize("x, n", [(np.array([0.0, 2.0, -1.5]), None), (np.zeros(2), 4),
                                  (RNG.standard_normal((2, 3)), 5)])
def test_vander_matches_torch_with_a_finite_gradient_at_zero(x, n):
    _compare(lambda x: ag.linalg.vander(x, N=n), lambda x: torch.linalg.vander(x, N=n), x)
    ints = np.array([1, 2, 3])
    ours, ref = ag.linalg.vander(ag.tensor(ints), N=n), torch.linalg.vander(torch.tensor(ints), N=n)
    assert ours.dtype == ref.numpy().dtype
    np.testing.assert_array_equal(ours.data, ref.numpy())


def test_float32():
    a32, b32 = A.astype(np.float32), RNG.standard_normal((2, 3, 2)).astype(np.float32)
    _compare(lambda a, b: ag.linalg.solve_triangular(a, b, upper=True),
             lambda a, b: torch.linalg.solve_triangular(a, b, upper=True), a32, b32,
             rtol=2e-5, atol=2e-6)
    _compare(lambda b, f: ag.cholesky_solve(b, f), lambda b, f: torch.cholesky_solve(b, f),
             b32, LOW.astype(np.float32), rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("call, match", [
    (lambda: ag.linalg.solve_triangular(ag.ones(2, 3), ag.ones(2, 1), upper=True),
     r"linalg.solve_triangular: expected square.*\(2, 3\) float32"),
    (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(2), upper=True),
     r"expected B \(\.\.\., n, k\)"),
    (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(2, 1, dtype=ag.float64), upper=True),
     r"one dtype"),
    (lambda: ag.linalg.solve_triangular(ag.zeros(2, 2), ag.ones(2, 1), upper=True),
     r"linalg.solve: .*singular"),
    (lambda: ag.cholesky_solve(ag.ones(2, 1), ag.ones(2, 3)), r"cholesky_solve: expected square"),
    (lambda: ag.linalg.tensorinv(ag.ones(2, 3, 4)), r"linalg.tensorinv: .*\(2, 3, 4\)"),
    (lambda: ag.linalg.tensorsolve(ag.ones(2, 3, 4), ag.ones(2, 3)),
     r"linalg.tensorsolve: .*\(2, 3, 4\)"),
    (lambda: ag.linalg.vander(ag.ones(3), N=1), r"linalg.vander: N must be greater than 1"),
    (lambda: ag.linalg.vander(ag.tensor(2.0)), r"linalg.vander: expected x"),
])
def test_errors_name_the_op_shapes_and_dtypes(call, match):
    with pytest.raises(ag.GradgraphError, match=match):
        call()


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.tensor(np.random.default_rng(2).standard_normal((5, 5)),
                                   dtype=ag.float32))
        eye = ag.eye(5)

        def loss_fn(logits, y):
            a = eye * 3 + 0.1 * m
            low = ag.linalg.cholesky(a @ a.mT)
            return (F.cross_entropy(logits, y)
                    + ag.linalg.solve_triangular(a, logits[:5], upper=True).sum()
                    + ag.cholesky_solve(logits[:5], low).sum() + ag.cholesky_inverse(low).sum()
                    + ag.linalg.vander(logits[0], N=3).sum() * 1e-2)
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.01)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)
