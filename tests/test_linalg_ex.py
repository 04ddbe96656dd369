"""autograd.linalg's cholesky_ex, inv_ex, solve_ex against PyTorch: results, info and
gradients where every matrix factors; batches mixing failing and good matrices (the good
ones' values and gradients as PyTorch's, the failing ones' info and cholesky's partial
factor as PyTorch's, NaN and no gradient for inv and solve); check_errors; NaN input to
cholesky raises as PyTorch's; a compiled step whose matrix turns singular replays the
eager result. (First- and second-order gradchecks: the op table's *_ex entries.)"""
import numpy as np
import pytest

import autograd as ag
from torch_compare import assert_same_value_and_grads as _compare

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(31)


def _spd(shape):
    a = RNG.standard_normal(shape)
    return a @ a.swapaxes(-1, -2) + shape[-1] * np.eye(shape[-1])


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1)])
def test_every_matrix_factors_results_info_and_gradients_as_torch(shape):
    spd, a, b = _spd(shape), RNG.standard_normal(shape) + 3 * np.eye(shape[-1]), \
        RNG.standard_normal(shape[:-1] + (2,))
    for upper in (False, True):
        _compare(lambda x: ag.linalg.cholesky_ex(x, upper=upper).L,
                 lambda x: torch.linalg.cholesky_ex(x, upper=upper).L, spd)
    _compare(lambda x: ag.linalg.inv_ex(x).inverse, lambda x: torch.linalg.inv_ex(x).inverse, a)
    _compare(lambda x, y: ag.linalg.solve_ex(x, y).result,
             lambda x, y: torch.linalg.solve_ex(x, y).result, a, b)
    _compare(lambda x, y: ag.linalg.solve_ex(x, y.mT, left=False).result,
             lambda x, y: torch.linalg.solve_ex(x, y.mT, left=False).result, a, b)
    for ours, theirs in ((ag.linalg.cholesky_ex(ag.tensor(spd)), torch.linalg.cholesky_ex(
            torch.tensor(spd))), (ag.linalg.inv_ex(ag.tensor(a)), torch.linalg.inv_ex(
            torch.tensor(a)))):
        assert ours.info.dtype == ag.int32
        np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())


def _mixed(good, bad):
    return np.stack([good, bad, good * 2])


@pytest.mark.parametrize("bad, info", [
    ([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 2),
    ([[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, -1.0]], 2),
    ([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 1),
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], 3),
    ([[np.nan, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 1),
    ([[1.0, 0.0, 0.0], [np.nan, 1.0, 0.0], [0.0, 0.0, 1.0]], 2),
])
def test_cholesky_ex_of_a_batch_with_a_failing_matrix(bad, info):
    a = _mixed(_spd((3, 3)), np.array(bad))
    x, xt = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = ag.linalg.cholesky_ex(x), torch.linalg.cholesky_ex(xt)
    np.testing.assert_array_equal(ours.info.data, [0, info, 0])
    np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
    np.testing.assert_allclose(ours.L.data, theirs.L.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = RNG.standard_normal(a.shape)
    (ours.L * ag.tensor(w)).sum().backward()
    (theirs.L * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data[[0, 2]], xt.grad.numpy()[[0, 2]], rtol=1e-10)
    np.testing.assert_array_equal(x.grad.data[1], 0)
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.cholesky_ex: .*\(3, 3, 3\) "
                                                    r"float64.*not positive-definite "
                                                    rf"\(batch element 1\), info {info}"):
        ag.linalg.cholesky_ex(x, check_errors=True)


@pytest.mark.parametrize("bad, info", [
    ([[1.0, 2.0], [2.0, 4.0]], 2),
    ([[0.0, 0.0], [0.0, 0.0]], 1),
    ([[0.0, 1.0], [0.0, 1.0]], 1),
])
def test_inv_ex_and_solve_ex_of_a_batch_with_a_singular_matrix(bad, info):
    a = _mixed(RNG.standard_normal((2, 2)) + 3 * np.eye(2), np.array(bad))
    b = RNG.standard_normal((4, 1, 2, 3))             # batch dims broadcast with A's
    x, xt = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = ag.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    inverse, theirs = ag.linalg.inv_ex(x), torch.linalg.inv_ex(xt)
    result, theirs_result = ag.linalg.solve_ex(x, y), torch.linalg.solve_ex(xt, yt)
    for ours, ref in ((inverse, theirs), (result, theirs_result)):
        np.testing.assert_array_equal(ours.info.data, [0, info, 0])
        np.testing.assert_array_equal(ours.info.data, ref.info.numpy())
        np.testing.assert_allclose(ours[0].data[..., [0, 2], :, :],
                                   ref[0].detach().numpy()[..., [0, 2], :, :], rtol=1e-12)
        assert np.isnan(ours[0].data[..., 1, :, :]).all()
    (inverse.inverse.nan_to_num().sum() + result.result.nan_to_num().sum()).backward()
    (theirs.inverse[[0, 2]].sum() + theirs_result.result[:, [0, 2]].sum()).backward()
    np.testing.assert_allclose(x.grad.data[[0, 2]], xt.grad.numpy()[[0, 2]], rtol=1e-10)
    np.testing.assert_array_equal(x.grad.data[1], 0)
    # PyTorch's gradient of B is NaN (its rule solves with the singular matrix and sums
    # over the broadcast batch); ours is that of the good matrices alone
    good = torch.tensor(b, requires_grad=True)
    torch.linalg.solve(torch.tensor(a[[0, 2]]), good).sum().backward()
    assert np.isnan(yt.grad.numpy()).all()
    np.testing.assert_allclose(y.grad.data, good.grad.numpy(), rtol=1e-10)
    with pytest.raises(ag.linalg.LinAlgError, match=rf"linalg.solve_ex: .*singular \(batch "
                                                    rf"element 1\), info {info}"):
        ag.linalg.solve_ex(x, y, check_errors=True)


@pytest.mark.parametrize("a", [[[np.nan, 0.0], [0.0, 1.0]], [[1.0, np.nan], [np.nan, 1.0]]])
def test_cholesky_of_nan_raises_as_torch(a):
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(ag.linalg.LinAlgError, match="linalg.cholesky: .*not positive-definite"):
        ag.linalg.cholesky(ag.tensor(a))


def test_compiled_step_with_a_matrix_turning_singular_matches_eager():
    import nn
    m = nn.Parameter(ag.eye(2, dtype=ag.float64))
    opt = nn.optim.SGD([m], lr=0.1)

    @ag.compile
    def step(a):
        opt.zero_grad()
        inverse, info = ag.linalg.inv_ex(a + m)
        loss = inverse.nan_to_num().sum()
        loss.backward()
        opt.step()
        return loss, info

    for i in range(6):
        a = RNG.standard_normal((2, 2)) + 2 * np.eye(2)
        if i == 4:
            a = np.ones((2, 2)) - m.data
        expected = ag.linalg.inv_ex(ag.tensor(a) + m.detach())
        loss, info = step(ag.tensor(a))
        assert info.item() == expected.info.item() == (2 if i == 4 else 0)
        np.testing.assert_allclose(loss.item(), expected.inverse.nan_to_num().sum().item())
