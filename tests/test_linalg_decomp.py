"""autograd.linalg's factorizations (qr, eigh, eigvalsh, svd, svdvals; ag.qr / ag.svd and
the Tensor methods) against PyTorch:
values and gradients, batched, float32, every mode, repeated eigenvalues (inf/NaN where
PyTorch's are), the refusals; a compiled step using them replays bit for bit. (First- and
second-order gradchecks are the op table's qr* / eigh* / eigvalsh / svd* entries.)"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd as ag
import nn
import nn.functional as F
from compile_twins import check_twins, mlp, train_step, watched
from nn import optim
from torch_compare import assert_same_value_and_grads as _compare

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def _vecs_recon(lib):
    """V diag(exp L) V^T: basis-independent, so it has a gradient at distinct eigenvalues."""
    def fn(a, uplo="L"):
        vals, vecs = lib.linalg.eigh(a, UPLO=uplo)
        return (vecs * vals.exp()[..., None, :]) @ vecs.mT
    return fn


def _svd_recon(lib, full_matrices=True):
    """U diag(exp S) Vh over the first k vectors: basis-independent."""
    def fn(a):
        u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]
        return (u[..., :k] * s.exp()[..., None, :]) @ vh[..., :k, :]
    return fn


CASES = {
    "qr_Q": (lambda a: ag.linalg.qr(a).Q, lambda a: torch.linalg.qr(a).Q),
    "qr_R": (lambda a: ag.linalg.qr(a).R, lambda a: torch.linalg.qr(a).R),
    "qr_both": (lambda a: ag.linalg.qr(a).Q.sum(-1) * ag.linalg.qr(a)[1].sum(-2).mean(-1,
                                                                                     True),
                lambda a: torch.linalg.qr(a).Q.sum(-1) * torch.linalg.qr(a)[1].sum(-2).mean(-1,
                                                                                          True)),
    "qr_complete_R": (lambda a: ag.linalg.qr(a, "complete").R,
                      lambda a: torch.linalg.qr(a, "complete").R),
    "eigvalsh": (lambda a: ag.linalg.eigvalsh(a), lambda a: torch.linalg.eigvalsh(a)),
    "eigh_values_U": (lambda a: ag.linalg.eigh(a, "U").eigenvalues,
                      lambda a: torch.linalg.eigh(a, "U").eigenvalues),
    "eigh_abs_vectors": (lambda a: ag.linalg.eigh(a)[1].abs(),
                         lambda a: torch.linalg.eigh(a)[1].abs()),
    "eigh_recon": (_vecs_recon(ag), _vecs_recon(torch)),
    "eigh_recon_U": (lambda a: _vecs_recon(ag)(a, "U"), lambda a: _vecs_recon(torch)(a, "U")),
    "svd_S": (lambda a: ag.linalg.svd(a).S, lambda a: torch.linalg.svd(a).S),
    "svd_abs_U": (lambda a: ag.linalg.svd(a, False).U.abs(),
                  lambda a: torch.linalg.svd(a, False).U.abs()),
    "svd_abs_Vh": (lambda a: ag.linalg.svd(a, full_matrices=False)[2].abs(),
                   lambda a: torch.linalg.svd(a, full_matrices=False)[2].abs()),
    "svd_recon": (_svd_recon(ag), _svd_recon(torch)),
    "svd_recon_reduced": (_svd_recon(ag, False), _svd_recon(torch, False)),
    "svdvals": (lambda a: ag.linalg.svdvals(a), lambda a: torch.linalg.svdvals(a)),
    "svd_torch_V": (lambda a: a.svd().V.abs() * ag.svd(a)[1][..., None, :],
                    lambda a: a.svd().V.abs() * torch.svd(a)[1][..., None, :]),
}
SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1), (4, 3), (2, 3, 5), (5, 1), (1, 4)]


@pytest.mark.parametrize("name, shape", [
    (name, shape) for name in sorted(CASES) for shape in SHAPES
    if shape[-1] == shape[-2] or not name.startswith(("eig", "qr_complete"))])
def test_values_and_gradients_match_torch(name, shape):
    _compare(*CASES[name], RNG.standard_normal(shape))


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32(name):
    a = RNG.standard_normal((2, 4, 4)).astype(np.float32)
    _compare(*CASES[name], a, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("mode, shape", [("reduced", (5, 3)), ("complete", (5, 3)),
                                         ("complete", (3, 5)), ("r", (2, 5, 3)), ("r", (3, 5))])
def test_qr_values_and_shapes_of_every_mode(mode, shape):
    a = RNG.standard_normal(shape)
    (q, r), ref = ag.linalg.qr(ag.tensor(a), mode), torch.linalg.qr(torch.tensor(a), mode)
    assert q.shape == tuple(ref.Q.shape) and r.shape == tuple(ref.R.shape)
    np.testing.assert_allclose(q.data, ref.Q.numpy(), atol=1e-12)
    np.testing.assert_allclose(r.data, ref.R.numpy(), atol=1e-12)


def test_torch_qr_some_and_the_method():
    a = RNG.standard_normal((2, 5, 3))
    for some in (True, False):
        ours, ref = ag.qr(ag.tensor(a), some=some), torch.qr(torch.tensor(a), some=some)
        np.testing.assert_allclose(ours.Q.data, ref.Q.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.R.data, ref.R.numpy(), atol=1e-12)
    _compare(lambda a: a.qr()[0], lambda a: a.qr()[0], a)


def test_qr_gradient_refused_where_torch_refuses():
    for mode, shape, match in [("r", (3, 3), "mode='r'"), ("complete", (4, 3), "nrows > ncols")]:
        t = torch.tensor(RNG.standard_normal(shape), requires_grad=True)
        with pytest.raises(RuntimeError):
            torch.linalg.qr(t, mode).R.sum().backward()
        x = ag.tensor(t.detach().numpy(), requires_grad=True)
        with pytest.raises(ag.GraphError, match=rf"linalg.qr: .*{match}"):
            ag.linalg.qr(x, mode).R.sum().backward()


REPEATED = [np.eye(3), np.diag([2.0, 2.0, -1.0]), np.zeros((2, 2))]


@pytest.mark.parametrize("a", REPEATED, ids=["eye", "double", "zeros"])
def test_repeated_eigenvalues_as_torch(a):
    """The eigenvalues' gradient stays finite (V diag(gL) V^T); the eigenvectors' is
    inf/NaN wherever PyTorch's is, even for a basis-independent loss: never a finite
    wrong value."""
    _compare(CASES["eigvalsh"][0], CASES["eigvalsh"][1], a)
    for fn_ag, fn_torch in (CASES["eigh_recon"], CASES["eigh_abs_vectors"]):
        x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        fn_ag(x).sum().backward()
        fn_torch(t).sum().backward()
        ours, theirs = np.isfinite(x.grad.data), np.isfinite(t.grad.numpy())
        assert not theirs.all() and not ours.all()
        np.testing.assert_array_equal(ours, theirs)


def test_nearly_repeated_eigenvalues_match_torch():
    """Distinct by 1e-6: the gradient is large but finite and both agree."""
    a = np.diag([1.0, 1.0 + 1e-6, 3.0]) + 1e-3 * np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    _compare(*CASES["eigh_recon"], a, rtol=1e-6, atol=1e-8)


def test_svd_full_matrices_shapes_and_torch_svd():
    """The first k vectors equal PyTorch's (the rest span the null space: a basis of it
    that LAPACK's calls may choose differently); torch.svd's compute_uv=False gives zeros."""
    for shape in ((2, 5, 3), (3, 5)):
        a = RNG.standard_normal(shape)
        k = min(shape[-2:])
        (u, s, vh), ref = ag.linalg.svd(ag.tensor(a)), torch.linalg.svd(torch.tensor(a))
        assert (u.shape, s.shape, vh.shape) == tuple(tuple(t.shape) for t in ref)
        np.testing.assert_allclose(np.abs(u.data[..., :k]), ref.U.abs().numpy()[..., :k],
                                   atol=1e-12)
        np.testing.assert_allclose(np.abs(vh.data[..., :k, :]), ref.Vh.abs().numpy()[..., :k, :],
                                   atol=1e-12)
        ours, theirs = ag.svd(ag.tensor(a), compute_uv=False), torch.svd(torch.tensor(a),
                                                                          compute_uv=False)
        for x, y in zip(ours, theirs):
            np.testing.assert_allclose(x.data, y.numpy(), atol=1e-12)
            assert x.shape == tuple(y.shape)


DEGENERATE_SVD = [np.eye(3), np.array([[1.0, 0.0], [0.0, -1.0], [0.0, 0.0]]), np.zeros((2, 3)),
                  np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])]


@pytest.mark.parametrize("a", DEGENERATE_SVD,
                         ids=["eye", "orthonormal_cols", "zeros", "zero_value_wide"])
def test_repeated_or_zero_singular_values_as_torch(a):
    """svdvals' gradient stays finite; the singular vectors' is inf/NaN where PyTorch's is."""
    _compare(*CASES["svdvals"], a)
    for name in ("svd_recon_reduced", "svd_abs_U", "svd_abs_Vh"):
        fn_ag, fn_torch = CASES[name]
        x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        fn_ag(x).sum().backward()
        fn_torch(t).sum().backward()
        np.testing.assert_array_equal(np.isfinite(x.grad.data), np.isfinite(t.grad.numpy()))
        assert name != "svd_recon_reduced" or not np.isfinite(x.grad.data).all()


@pytest.mark.parametrize("call, match", [
    (lambda: ag.linalg.svd(ag.ones(3)), r"linalg.svd: expected matrices.*\(3,\) float32"),
    (lambda: ag.linalg.svdvals(ag.tensor([[1, 2]])), r"linalg.svdvals: expected a floating.*int64"),
    (lambda: ag.linalg.svd(ag.tensor(np.full((2, 2), np.nan))), r"linalg.svd: .*converge"),
    (lambda: ag.linalg.eigh(ag.ones(2, 3)), r"linalg.eigh: expected square.*\(2, 3\) float32"),
    (lambda: ag.linalg.eigvalsh(ag.ones(3)), r"linalg.eigvalsh: expected square.*\(3,\) float32"),
    (lambda: ag.linalg.eigh(ag.tensor([[1, 2], [2, 1]])),
     r"linalg.eigh: expected a floating.*int64"),
    (lambda: ag.linalg.eigh(ag.eye(2), UPLO="X"), r"linalg.eigh: UPLO must be 'L' or 'U'"),
    (lambda: ag.linalg.qr(ag.ones(3)), r"linalg.qr: expected matrices.*\(3,\) float32"),
    (lambda: ag.linalg.qr(ag.tensor([[1, 2]])), r"linalg.qr: expected a floating.*int64"),
    (lambda: ag.linalg.qr(ag.eye(2), "full"), r"linalg.qr: mode must be one of"),
])
def test_errors_name_the_op_shapes_and_dtypes(call, match):
    with pytest.raises(ag.GradgraphError, match=match):
        call()


def test_eigh_of_nan_raises_as_torch():
    a = np.full((2, 3, 3), np.nan)
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.eigh(torch.tensor(a))
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.eigh: .*\(2, 3, 3\) float64"):
        ag.linalg.eigh(ag.tensor(a))


def test_torch_refuses_the_same_inputs():
    for call in (lambda: torch.linalg.eigh(torch.ones(2, 3)),
                 lambda: torch.linalg.qr(torch.ones(3)),
                 lambda: torch.linalg.eigh(torch.eye(2), UPLO="X"),
                 lambda: torch.linalg.qr(torch.eye(2), "full")):
        with pytest.raises(RuntimeError):
            call()


def test_compiled_step_replays_bit_for_bit():
    def build():
        model = mlp()
        m = nn.Parameter(ag.tensor(np.random.default_rng(0).standard_normal((5, 5)),
                                   dtype=ag.float32))
        eye = ag.eye(5)

        def loss_fn(logits, y):
            a = eye + 0.1 * m
            q, r = ag.linalg.qr(logits[:5, :4] + a[:, :4])
            vals, vecs = ag.linalg.eigh(a + a.mT, UPLO="U")
            u, s, vh = ag.linalg.svd(a[:, :3] @ a[:3] + logits[:5, :3] @ a[:3])
            return (F.cross_entropy(logits, y) + q.abs().sum() + r.sum() + 0.1 * vals.sum()
                    + (vecs * vals[None]).abs().sum() + ag.linalg.eigvalsh(a @ a.mT)[-1]
                    + ((u * s) @ vh).sum() + ag.linalg.svdvals(logits).sum())
        opt = optim.SGD(list(model.parameters()) + [m], lr=0.1)
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt, m)
    check_twins(build)


@settings(max_examples=40, deadline=None)
@given(batch=st.lists(st.integers(0, 3), max_size=2), m=st.integers(1, 5), n=st.integers(1, 5),
       seed=st.integers(0, 2 ** 16))
def test_factors_rebuild_the_input_and_gradients_keep_its_shape(batch, m, n, seed):
    """Any batch and matrix shape, empty included: Q R = A with Q^T Q = I, U diag(S) Vh = A,
    V diag(L) V^T = A (A symmetric), pinv's Penrose identity A pinv(A) A = A; each
    gradient has A's shape and dtype."""
    a = np.random.default_rng(seed).standard_normal((*batch, m, n))
    x = ag.tensor(a, requires_grad=True)
    q, r = ag.linalg.qr(x)
    u, s, vh = ag.linalg.svd(x, full_matrices=False)
    sym = x[..., :1, :] * x[..., :1, :].mT + x.mT @ x        # (n, n) symmetric
    vals, vecs = ag.linalg.eigh(sym)
    p = ag.linalg.pinv(x)
    np.testing.assert_allclose((q @ r).data, a, atol=1e-10)
    np.testing.assert_allclose((q.mT @ q).data, np.broadcast_to(np.eye(min(m, n)), q.shape[:-2]
                                                                + (min(m, n),) * 2), atol=1e-10)
    np.testing.assert_allclose(((u * s[..., None, :]) @ vh).data, a, atol=1e-10)
    np.testing.assert_allclose(((vecs * vals[..., None, :]) @ vecs.mT).data, sym.data, atol=1e-9)
    np.testing.assert_allclose((x @ p @ x).data, a, atol=1e-8)
    loss = q.sum() + r.sum() + s.sum() + (u @ vh).sum() + vals.sum() + p.sum()
    (grad,) = ag.grad(loss, [x])
    assert grad.shape == a.shape and grad.dtype == a.dtype
