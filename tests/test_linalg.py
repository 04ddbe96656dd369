"""autograd.linalg (inv, det, slogdet, solve, cholesky, matrix_power, vector_norm,
matrix_norm) and ag.inverse/det/logdet/slogdet against
PyTorch: values and gradients, batched, 1x1, float32, singular and near-singular input,
errors; and a compiled step that uses them replays bit for bit. (First- and second-order
gradchecks are the op table's linalg_* / det / slogdet / logdet / solve_* entries.)"""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from compile_twins import check_twins, mlp, train_step, watched
from nn import optim
from torch_compare import assert_same_value_and_grads as _compare

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


CASES = {
    "inv": (lambda a: ag.linalg.inv(a), lambda a: torch.linalg.inv(a)),
    "inverse": (lambda a: a.inverse(), lambda a: a.inverse()),
    "det": (lambda a: ag.linalg.det(a), lambda a: torch.linalg.det(a)),
    "det_method": (lambda a: a.det(), lambda a: a.det()),
    "logabsdet": (lambda a: ag.linalg.slogdet(a).logabsdet,
                  lambda a: torch.linalg.slogdet(a).logabsdet),
    "logdet": (lambda a: ag.logdet(a @ a.mT), lambda a: torch.logdet(a @ a.mT)),
    "cholesky": (lambda a: ag.linalg.cholesky(a @ a.mT),
                 lambda a: torch.linalg.cholesky(a @ a.mT)),
    "cholesky_upper": (lambda a: ag.linalg.cholesky(a @ a.mT, upper=True),
                       lambda a: torch.linalg.cholesky(a @ a.mT, upper=True)),
    "matrix_power_3": (lambda a: ag.linalg.matrix_power(a, 3),
                       lambda a: torch.linalg.matrix_power(a, 3)),
    "matrix_power_-2": (lambda a: ag.linalg.matrix_power(a, -2),
                        lambda a: torch.linalg.matrix_power(a, -2)),
}


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1), (5, 1, 1)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name, shape):
    a = RNG.standard_normal(shape) + 2 * np.eye(shape[-1])
    _compare(*CASES[name], a)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32(name):
    a = (RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)).astype(np.float32)
    _compare(*CASES[name], a, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("a_shape, b_shape, left", [
    ((3, 3), (3, 2), True), ((2, 3, 3), (3, 4), True), ((3, 3), (2, 3, 1), True),
    ((2, 3, 3), (2, 3), True), ((3, 3), (3,), True), ((2, 1, 3, 3), (4, 3, 2), True),
    ((2, 3, 3), (4, 3), False), ((1, 1), (1, 1), True)])
def test_solve_matches_torch(a_shape, b_shape, left):
    a = RNG.standard_normal(a_shape) + 2 * np.eye(a_shape[-1])
    b = RNG.standard_normal(b_shape)
    _compare(lambda a, b: ag.linalg.solve(a, b, left=left),
             lambda a, b: torch.linalg.solve(a, b, left=left), a, b)


def test_cholesky_gradient_of_a_symmetric_input_matches_torch():
    """Given A itself, both give the symmetrised gradient (only A's lower triangle is read)."""
    x = RNG.standard_normal((2, 3, 3))
    _compare(lambda a: ag.linalg.cholesky(a), lambda a: torch.linalg.cholesky(a),
             x @ x.swapaxes(-1, -2) + np.eye(3))


def test_matrix_power_0_and_1():
    a = RNG.standard_normal((2, 3, 3))
    np.testing.assert_array_equal(ag.linalg.matrix_power(ag.tensor(a), 0).data,
                                  torch.linalg.matrix_power(torch.tensor(a), 0).numpy())
    _compare(lambda a: ag.linalg.matrix_power(a, 1), lambda a: torch.linalg.matrix_power(a, 1), a)


def test_matrix_power_1_is_a_new_tensor():
    """As PyTorch's: writing into matrix_power(x, 1) leaves x as it was (it returned x)."""
    x = ag.ones(2, 2)
    for result in (ag.linalg.matrix_power(x, 1), ag.matrix_power(x, 1), x.matrix_power(1)):
        result.add_(1)
    np.testing.assert_array_equal(x.data, np.ones((2, 2), np.float32))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((0, 2), True), ((2, 1), False)])
def test_matrix_norm_matches_torch(ord, dim, keepdim):
    a = RNG.permutation(24).reshape(2, 3, 4) * 0.37 - 4.1       # no ties
    _compare(lambda a: ag.linalg.matrix_norm(a, ord, dim, keepdim),
             lambda a: torch.linalg.matrix_norm(a, ord, dim, keepdim), a)


@pytest.mark.parametrize("ord", [2, 1, 3, np.inf, -np.inf])
def test_vector_norm_matches_torch(ord):
    a = RNG.permutation(24).reshape(2, 3, 4) * 0.37 - 4.1
    _compare(lambda a: ag.linalg.vector_norm(a, ord, dim=(0, 2)),
             lambda a: torch.linalg.vector_norm(a, ord, dim=(0, 2)), a)
    out = ag.linalg.vector_norm(ag.tensor(a), dtype=ag.float32)
    assert out.dtype == np.float32


def test_slogdet_sign_and_logdet_of_a_negative_det():
    a = np.array([[[0.0, 1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]])
    sign, logabsdet = ag.slogdet(ag.tensor(a))
    ref = torch.linalg.slogdet(torch.tensor(a))
    np.testing.assert_array_equal(sign.data, ref.sign.numpy())
    np.testing.assert_allclose(logabsdet.data, ref.logabsdet.numpy())
    np.testing.assert_array_equal(ag.tensor(a).logdet().data, torch.tensor(a).logdet().numpy())


SINGULAR = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])


def test_singular_values_as_torch():
    """det 0, slogdet (0, -inf), logdet -inf; inv and solve refuse, naming op and shape."""
    a, t = ag.tensor(SINGULAR), torch.tensor(SINGULAR)
    np.testing.assert_array_equal(ag.linalg.det(a).data, torch.linalg.det(t).numpy())
    sign, logabsdet = ag.linalg.slogdet(a)
    ref = torch.linalg.slogdet(t)
    np.testing.assert_array_equal(sign.data, ref.sign.numpy())
    np.testing.assert_array_equal(logabsdet.data, ref.logabsdet.numpy())
    np.testing.assert_array_equal(ag.logdet(a).data, torch.logdet(t).numpy())
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(t)
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.inv: .*\(2, 2, 2\) float64.*singular"):
        ag.linalg.inv(a)
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.solve: .*singular"):
        ag.linalg.solve(a, ag.ones(2, 2, dtype=ag.float64))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.cholesky(t)
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.cholesky: .*not positive-definite"):
        ag.linalg.cholesky(a)


def test_near_singular_matches_torch():
    a = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-9]])
    _compare(*CASES["inv"], a, rtol=1e-6, atol=0)
    _compare(*CASES["det"], a, rtol=1e-6, atol=1e-15)
    _compare(lambda a, b: ag.linalg.solve(a, b), lambda a, b: torch.linalg.solve(a, b),
             a, np.array([[1.0], [3.0]]), rtol=1e-6, atol=0)


@pytest.mark.parametrize("call, match", [
    (lambda: ag.linalg.inv(ag.ones(2, 3)), r"linalg.inv: expected square.*\(2, 3\) float32"),
    (lambda: ag.det(ag.ones(3)), r"linalg.det: expected square.*\(3,\) float32"),
    (lambda: ag.slogdet(ag.tensor([[1, 2], [3, 4]])), r"linalg.slogdet: expected a floating.*int64"),
    (lambda: ag.linalg.inv(ag.tensor([[1, 2], [3, 4]])), r"linalg.inv: expected a floating"),
    (lambda: ag.linalg.solve(ag.eye(3), ag.ones(2, 1)), r"linalg.solve: A and B do not match"),
    (lambda: ag.linalg.solve(ag.eye(3), ag.ones(3, 1, dtype=ag.float64)), r"one dtype"),
    (lambda: ag.linalg.solve(ag.eye(3), ag.ones(3), left=False), r"vector B needs left=True"),
    (lambda: ag.linalg.solve(ag.ones(2, 3, 3), ag.ones(4, 3, 1)), r"batch dims"),
    (lambda: ag.linalg.cholesky(ag.ones(2, 3)), r"linalg.cholesky: expected square.*\(2, 3\)"),
    (lambda: ag.linalg.matrix_power(ag.ones(2, 3), 2), r"matrix_power: expected square"),
    (lambda: ag.linalg.matrix_power(ag.eye(2), 1.5), r"n must be an int"),
    (lambda: ag.linalg.matrix_norm(ag.eye(2), 3), r"ord=3 is not a matrix norm"),
    (lambda: ag.linalg.matrix_norm(ag.ones(3)), r"matrix_norm: expected two dims"),
])
def test_errors_name_the_op_shapes_and_dtypes(call, match):
    with pytest.raises(ag.GradgraphError, match=match):
        call()


def test_torch_refuses_the_same_inputs():
    with pytest.raises(RuntimeError):
        torch.linalg.inv(torch.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError):
        torch.linalg.inv(torch.ones(2, 3))


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.zeros(5, 5))
        eye = ag.eye(5)

        def loss_fn(logits, y):
            a = eye + 0.1 * m
            return (F.cross_entropy(logits, y) + ag.logdet(a) + 0.01 * ag.linalg.inv(a).sum()
                    + 0.01 * ag.linalg.solve(a, logits[:5].mT).sum() + ag.det(a)
                    + ag.linalg.cholesky(a @ a.mT).sum() + ag.linalg.matrix_power(a, -3).sum()
                    + ag.linalg.matrix_norm(a, 1))
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.1)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)
