"""autograd.linalg's LU (lu_factor, lu_factor_ex, lu, lu_solve; ag.lu_unpack, ag.lu,
ag.lu_solve, ag.triangular_solve and the Tensor methods) against PyTorch: values, pivots
and gradients, square, tall and wide, batched, past one panel of the blocked
factorization, float32; zero, NaN and tied pivots as LAPACK picks them; lu_solve in its
four forms, differentiated in B and in LU; the refusals; a compiled step using them
replays bit for bit. (First- and second-order gradchecks are the op table's lu* entries.)"""
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


def _lu_parts(lib, which):
    return lambda a: lib.linalg.lu(a)[which]


CASES = {
    "PL": (lambda a: _lu_parts(ag, 0)(a) @ _lu_parts(ag, 1)(a),      # P has no gradient
           lambda a: _lu_parts(torch, 0)(a) @ _lu_parts(torch, 1)(a)),
    "L": (_lu_parts(ag, 1), _lu_parts(torch, 1)),
    "U": (_lu_parts(ag, 2), _lu_parts(torch, 2)),
    "L_and_U": (lambda a: ag.linalg.lu(a).L.sum(-1, keepdim=True) * ag.linalg.lu(a).U[..., :1, :],
                lambda a: torch.linalg.lu(a).L.sum(-1, keepdim=True)
                * torch.linalg.lu(a).U[..., :1, :]),
    "LU": (lambda a: ag.linalg.lu_factor(a).LU, lambda a: torch.linalg.lu_factor(a).LU),
    "unpack": (lambda a: ag.lu_unpack(*ag.linalg.lu_factor(a)).L.exp(),
               lambda a: torch.lu_unpack(*torch.linalg.lu_factor(a)).L.exp()),
}
# (3, 40) and (2, 70, 45): more columns than one panel of _getrf's blocked update
SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1), (5, 3), (2, 3, 5), (5, 1), (1, 4),
          (40, 40), (3, 40), (2, 70, 45)]


@pytest.mark.parametrize("name, shape", [(n, s) for n in sorted(CASES) for s in SHAPES])
def test_values_and_gradients_match_torch(name, shape):
    _compare(*CASES[name], RNG.standard_normal(shape), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32(name):
    _compare(*CASES[name], RNG.standard_normal((2, 5, 5)).astype(np.float32), rtol=2e-4,
             atol=2e-5)


@pytest.mark.parametrize("shape", [(6, 6), (2, 3, 50, 50), (5, 9), (9, 5), (80, 33)])
def test_pivots_and_info_match_torch(shape):
    a = RNG.standard_normal(shape)
    ours, theirs = ag.linalg.lu_factor_ex(ag.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    assert ours.pivots.dtype == ag.int32 and ours.info.dtype == ag.int32
    np.testing.assert_array_equal(ours.pivots.data, theirs.pivots.numpy())
    np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
    p, low, up = ag.linalg.lu(ag.tensor(a))
    np.testing.assert_allclose((p @ low @ up).data, a, rtol=1e-12, atol=1e-12)


NAN, INF = np.nan, np.inf
SPECIAL = [
    [[1.0, 2.0], [2.0, 4.0]],                        # singular: info 2, U[1, 1] = 0
    np.zeros((3, 3)),                                # every pivot zero: info 1, no swaps
    [[1.0, 1.0], [-1.0, 2.0]],                       # a tie: the first of the largest
    [[-0.0, 1.0], [0.0, 2.0]],                       # ±0 in the pivot column
    [[NAN, 1.0], [1.0, 2.0]],                        # a NaN first is the pivot
    [[1.0, 2.0], [NAN, 3.0], [4.0, 5.0]],            # a NaN later is passed over
    [[1.0, NAN], [3.0, 2.0]],
    [[INF, 1.0], [1.0, 2.0]],
    [[1.0, 2.0, 3.0], [0.0, 0.0, 4.0]],              # wide, second column zero
    np.zeros((0, 0)), np.zeros((2, 0, 3)), np.zeros((3, 2, 0)), np.zeros((0, 2, 2)),
]


@pytest.mark.parametrize("a", SPECIAL, ids=range(len(SPECIAL)))
def test_zero_nan_inf_tied_and_empty_inputs_as_torch(a):
    a = np.asarray(a, np.float64)
    ours = ag.linalg.lu_factor_ex(ag.tensor(a))
    theirs = torch.linalg.lu_factor_ex(torch.tensor(a))
    for x, y in zip(ours, theirs):
        assert x.shape == tuple(y.shape)
        np.testing.assert_array_equal(x.data, y.numpy())
    for x, y in zip(ag.linalg.lu(ag.tensor(a)), torch.linalg.lu(torch.tensor(a))):
        np.testing.assert_array_equal(x.data, y.numpy())


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("shapes", [((4, 4), (4, 2)), ((2, 3, 3), (3, 1)), ((3, 3), (2, 3, 2))])
def test_lu_solve_in_every_form_matches_torch_in_b_and_in_lu(left, adjoint, shapes):
    a = RNG.standard_normal(shapes[0])
    b = RNG.standard_normal(shapes[1])
    if not left:
        b = b.swapaxes(-1, -2)
    packed = torch.linalg.lu_factor(torch.tensor(a))
    pivots = packed.pivots.numpy()
    _compare(lambda lu, b: ag.linalg.lu_solve(lu, ag.tensor(pivots), b, left=left,
                                              adjoint=adjoint),
             lambda lu, b: torch.linalg.lu_solve(lu, torch.tensor(pivots), b, left=left,
                                                 adjoint=adjoint),
             packed.LU.numpy(), b, rtol=1e-9, atol=1e-11)


def test_deprecated_forms_and_methods_match_torch():
    a, b = RNG.standard_normal((2, 4, 4)), RNG.standard_normal((2, 4, 3))
    ta, tb = torch.tensor(a), torch.tensor(b)
    lu, piv = ag.tensor(a).lu()
    tlu, tpiv = ta.lu()
    np.testing.assert_allclose(lu.data, tlu.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(piv.data, tpiv.numpy())
    np.testing.assert_array_equal(ag.lu(ag.tensor(a), get_infos=True).info.data,
                                  torch.lu(ta, get_infos=True)[2].numpy())
    np.testing.assert_allclose(ag.tensor(b).lu_solve(lu, piv).data,
                               tb.lu_solve(tlu, tpiv).numpy(), rtol=1e-10)
    np.testing.assert_allclose(ag.lu_solve(ag.tensor(b), lu, piv).data,
                               torch.linalg.solve(ta, tb).numpy(), rtol=1e-9)
    p, low, up = ag.lu_unpack(lu, piv, unpack_data=False)
    assert low.shape == up.shape == (0,) and p.shape == (2, 4, 4)
    assert ag.lu_unpack(lu, piv, unpack_pivots=False).P.shape == (0,)
    x = ag.tensor(a, requires_grad=True)
    assert not ag.linalg.lu(x).P.requires_grad and ag.linalg.lu(x).L.requires_grad
    assert not ag.linalg.lu_factor(x).pivots.requires_grad
    # torch.lu: a zero pivot is no error (linalg.lu_factor raises)
    _, _, info = ag.lu(ag.tensor([[1.0, 2.0], [2.0, 4.0]]), get_infos=True)
    assert info.item() == 2


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_triangular_solve_matches_torch(upper, transpose, unitriangular):
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((3, 2))
    _compare(lambda b, a: ag.triangular_solve(b, a, upper, transpose, unitriangular).solution,
             lambda b, a: torch.triangular_solve(b, a, upper, transpose,
                                                 unitriangular).solution, b, a)
    copy = ag.tensor(a).triangular_solve(ag.tensor(a), upper).cloned_coefficient
    np.testing.assert_array_equal(copy.data, a)


@pytest.mark.parametrize("call, match", [
    (lambda: ag.linalg.lu_factor(ag.tensor([[1.0, 2.0], [2.0, 4.0]])),
     r"linalg.lu_factor: U\[2,2\] is zero in .*\(2, 2\) float32.*linalg.lu_factor_ex"),
    (lambda: ag.linalg.lu_factor(ag.tensor(np.stack([np.eye(2), np.zeros((2, 2))]))),
     r"U\[1,1\] is zero \(batch element 1\)"),
    (lambda: ag.linalg.lu_factor_ex(ag.tensor([[0.0]]), check_errors=True),
     r"linalg.lu_factor_ex: U\[1,1\] is zero"),
    (lambda: ag.linalg.lu(ag.eye(2), pivot=False), r"linalg.lu: LU without pivoting"),
    (lambda: ag.linalg.lu_factor(ag.ones(3)), r"expected matrices.*\(3,\) float32"),
    (lambda: ag.linalg.lu_factor(ag.tensor([[1, 2], [3, 4]])), r"floating.*int64"),
    (lambda: ag.linalg.lu_solve(*ag.linalg.lu_factor(ag.eye(3)), ag.ones(2, 1)),
     r"linalg.lu_solve: expected B \(..., n, k\) with n = 3"),
    (lambda: ag.linalg.lu_solve(ag.eye(3), ag.tensor([1, 2, 3]), ag.ones(3, 1)),
     r"linalg.lu_solve: expected int32 pivots.*\(3,\) int64"),
    (lambda: ag.linalg.lu_solve(*ag.linalg.lu_factor(ag.eye(3, 2)), ag.ones(3, 1)),
     r"linalg.lu_solve: A must be batches of square"),
    (lambda: ag.linalg.lu_solve(*ag.linalg.lu_factor(ag.eye(3)), ag.ones(3, 1,
                                                                         dtype=ag.float64)),
     r"linalg.lu_solve: expected LU and B of one dtype"),
    (lambda: ag.lu_unpack(ag.eye(3), ag.tensor(np.array([1, 5, 3], np.int32))),
     r"lu_unpack: pivots must lie in \[1, 3\].*from 1 to 5"),
    (lambda: ag.lu_unpack(ag.eye(3), ag.tensor(np.array([1, 2], np.int32))),
     r"lu_unpack: expected pivots of shape \(3,\)"),
])
def test_errors_name_the_op_shapes_and_dtypes(call, match):
    with pytest.raises(ag.GradgraphError, match=match):
        call()


def test_torch_refuses_the_same_inputs():
    for call in (lambda: torch.linalg.lu_factor(torch.tensor([[1.0, 2.0], [2.0, 4.0]])),
                 lambda: torch.linalg.lu(torch.eye(2), pivot=False),
                 lambda: torch.linalg.lu_solve(*torch.linalg.lu_factor(torch.eye(3, 2)),
                                               torch.ones(3, 1))):
        with pytest.raises(RuntimeError):
            call()


def test_gradient_at_a_singular_u_raises_rather_than_inf():
    a = ag.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ag.linalg.LinAlgError, match="zero on its diagonal|singular"):
        ag.linalg.lu(a).U.sum().backward()


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.tensor(np.random.default_rng(0).standard_normal((5, 5)),
                                   dtype=ag.float32))
        eye = ag.eye(5)

        def loss_fn(logits, y):
            a = eye * 2 + 0.1 * m
            p, low, up = ag.linalg.lu(a + logits[:5, :5] * 0.01)
            lu, piv = ag.linalg.lu_factor(a)
            x = ag.linalg.lu_solve(lu, piv, logits[:5, :3], adjoint=True)
            return (F.cross_entropy(logits, y) + (p @ low).sum() + up.sum() + x.square().sum()
                    + ag.linalg.lu_factor(logits[:6, :4]).LU.sum())
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.1)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)
