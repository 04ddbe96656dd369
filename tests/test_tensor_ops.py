"""topk, sort, einsum, baddbmm, index_select, repeat_interleave, unbind, unflatten,
multinomial, is_contiguous and the optimizers' PyTorch switches: against PyTorch
(values and gradients, float64) and against their definitions (sampling frequencies
within statistical bounds, ties, reproducibility)."""
import numpy as np
import pytest

import autograd as ag
import nn
from torch_compare import run_case

CASES = [
    ("topk", lambda L, a: a.topk(3, dim=1)[0], [(3, 5)]),
    ("topk_smallest_dim0", lambda L, a: L.topk(a, 2, dim=0, largest=False).values, [(4, 3)]),
    ("sort_desc", lambda L, a: L.sort(a, dim=-1, descending=True)[0] * a, [(3, 4)]),
    ("einsum_attention", lambda L, q, k: L.einsum("bhqd,bhkd->bhqk", q, k), [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("einsum_ellipsis_broadcast", lambda L, a, b: L.einsum("...ij,...j->...i", a, b),
     [(2, 1, 3, 4), (3, 4)]),
    ("einsum_trace_implicit", lambda L, a, b: L.einsum("iij,jk", a, b), [(3, 3, 4), (4, 2)]),
    ("einsum_empty_contraction", lambda L, a, b, c: L.einsum("ij,j->i", a, b)
     + L.einsum("ij,jk->ik", a, c).sum(1), [(2, 0), (0,), (0, 3)]),
    ("einsum_empty_batch_broadcast", lambda L, a, b: L.einsum("bij,bjk->bik", a, b),
     [(0, 2, 3), (1, 3, 2)]),
    ("einsum_list", lambda L, a, b, c: L.einsum("ab,bc,cd->ad", [a, b, c]), [(2, 3), (3, 4), (4, 2)]),
    ("baddbmm", lambda L, x, a, b: L.baddbmm(x, a, b, beta=0.5, alpha=-2.0),
     [(1, 4), (2, 3, 5), (2, 5, 4)]),
    ("index_select", lambda L, a: a.index_select(0, L.tensor([2, 0, 2, 1])), [(3, 4)]),
    ("repeat_interleave", lambda L, a: a.repeat_interleave(L.tensor([1, 0, 3]), dim=0), [(3, 2)]),
    ("repeat_interleave_flat", lambda L, a: L.repeat_interleave(a, 2), [(2, 3)]),
    ("repeat_interleave_one_count", lambda L, a: a.repeat_interleave(L.tensor([2]), dim=1)
     + L.repeat_interleave(a, L.tensor([3]))[:16].reshape(2, 8), [(2, 4)]),
    ("unbind", lambda L, a: a.unbind(0)[1] * a.unbind(0)[2], [(3, 4)]),
    ("unflatten", lambda L, a: a.unflatten(-1, (2, 3)).transpose(1, 2) * 1.5, [(2, 6)]),
    ("narrow_select", lambda L, a: a.narrow(1, 1, 2) * a.select(0, -1)[1:3], [(3, 4)]),
    ("tril_triu", lambda L, a: a.tril(-1) + L.triu(a, 2) * 3, [(2, 4, 5)]),
]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, our_grads = run_case(ag, fn, arrays)
    ref, ref_grads = run_case(torch, fn, arrays)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-13)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-13)


def test_sort_and_topk_indices_match_pytorch_with_nan_and_ints():
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, np.nan, -1.0, 7.0, 0.5], [2.0, -np.inf, np.inf, 1.0, -5.0]])
    for desc in (False, True):
        v, i = ag.tensor(x).sort(descending=desc)
        tv, ti = torch.tensor(x).sort(descending=desc)
        np.testing.assert_array_equal(v.data, tv.numpy())
        np.testing.assert_array_equal(i.data, ti.numpy())
    v, i = ag.tensor(x).topk(2)
    np.testing.assert_array_equal(v.data, torch.tensor(x).topk(2).values.numpy())
    ints = np.array([5, -3, np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0])
    assert ag.tensor(ints).sort(descending=True).values.tolist() == sorted(ints.tolist())[::-1]
    assert ag.tensor(ints).argsort().tolist() == np.argsort(ints).tolist()


def test_topk_against_its_definition_with_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (50, 9)).astype(np.float64)      # many ties
    for largest in (True, False):
        v, i = ag.tensor(x).topk(4, dim=1, largest=largest)
        ref = np.sort(x, axis=1)[:, ::-1][:, :4] if largest else np.sort(x, axis=1)[:, :4]
        np.testing.assert_array_equal(v.data, ref)                # values: the k extremes, in order
        np.testing.assert_array_equal(np.take_along_axis(x, i.data, 1), v.data)
        assert all(len(set(row)) == 4 for row in i.data.tolist())  # distinct positions
    t = ag.tensor([1.0, 2.0, 2.0, 0.0])
    assert t.topk(2).indices.tolist() == [1, 2]                   # ties: lower index first
    assert t.topk(0).values.shape == (0,)
    with pytest.raises(ag.OutOfRangeError, match="topk: k=5"):
        t.topk(5)


def test_topk_of_long_rows_is_the_stable_sorts_head():
    """A small k of a long dim is picked by a partition (sorting.py's _first_k) where that
    gives the stable sort's first k: the same values and indices, with ties at the k-th
    value, ±0, NaN and integers (which take the sort), along either dim."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 3))
    cases = [x, x.astype(np.float32), np.round(x * 2), np.where(x > 1, -0.0, x),
             np.where(x > 2, np.nan, x), rng.integers(-9, 9, (300, 3)), x * 1e3 // 1]
    for a in cases:
        for dim, k in ((0, 5), (0, 70), (-1, 1)):
            for largest in (True, False):
                got = ag.tensor(a).topk(k, dim=dim, largest=largest)
                ref = ag.tensor(a).sort(dim=dim, descending=largest)
                want = np.take(ref.indices.data, np.arange(k), axis=dim)
                np.testing.assert_array_equal(got.indices.data, want)
                np.testing.assert_array_equal(got.values.data, np.take_along_axis(a, want, dim))


def test_topk_gradient_goes_to_the_selected_elements():
    x = ag.tensor([[1.0, 5.0, 3.0], [4.0, 0.0, 6.0]], requires_grad=True)
    x.topk(2, dim=1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]


def test_multinomial_with_replacement_frequencies_within_bounds():
    w = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    n = 40000
    ag.manual_seed(0)
    draws = ag.multinomial(ag.tensor(w), n, replacement=True)
    assert draws.shape == (n,) and draws.dtype == np.int64
    counts = np.bincount(draws.data, minlength=5)
    p = w / w.sum()
    assert counts[0] == 0                                      # zero weight: never drawn
    assert (np.abs(counts - n * p) <= 5 * np.sqrt(n * p * (1 - p)) + 1e-9).all(), counts


def test_multinomial_without_replacement_is_sequential_sampling():
    """P(first = i, second = j) = w_i / W * w_j / (W - w_i), over 30,000 rows at once."""
    w = np.array([1.0, 2.0, 3.0, 4.0])
    n = 30000
    ag.manual_seed(1)
    draws = ag.multinomial(ag.tensor(np.tile(w, (n, 1))), 2).data
    assert draws.shape == (n, 2) and (draws[:, 0] != draws[:, 1]).all()
    W = w.sum()
    for i in range(4):
        for j in range(4):
            if i == j:
                continue
            p = w[i] / W * w[j] / (W - w[i])
            count = np.sum((draws[:, 0] == i) & (draws[:, 1] == j))
            assert abs(count - n * p) <= 5 * np.sqrt(n * p * (1 - p)), (i, j, count, n * p)
    full = ag.multinomial(ag.tensor([[0.0, 1.0, 5.0], [2.0, 0.0, 1.0]]), 2).data
    assert sorted(full[0]) == [1, 2] and sorted(full[1]) == [0, 2]   # zero weight never drawn


def test_multinomial_is_reproducible_and_checks_its_input():
    probs = ag.tensor([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]])
    for replacement in (False, True):
        ag.manual_seed(5)
        a = probs.multinomial(2, replacement=replacement).tolist()
        ag.manual_seed(5)
        assert ag.multinomial(probs, 2, replacement).tolist() == a
    gen = np.random.default_rng(3)
    b = ag.multinomial(probs, 3, generator=gen).tolist()
    assert ag.multinomial(probs, 3, generator=np.random.default_rng(3)).tolist() == b
    with pytest.raises(ag.ArgumentError, match="only 2 categories"):
        ag.multinomial(ag.tensor([0.0, 1.0, 1.0]), 3)
    with pytest.raises(ag.ArgumentError, match="non-negative"):
        ag.multinomial(ag.tensor([0.5, -0.1]), 1)
    with pytest.raises(ag.ArgumentError, match="sum to 0"):
        ag.multinomial(ag.tensor([[0.0, 0.0], [1.0, 1.0]]), 1)
    with pytest.raises(ag.ShapeError, match="1-d or 2-d"):
        ag.multinomial(ag.ones(2, 2, 2), 1)


def test_shape_helpers_and_errors():
    x = ag.arange(12.0).reshape(3, 4)
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert [t.tolist() for t in x.unbind(1)][0] == [0.0, 4.0, 8.0]
    assert ag.repeat_interleave(ag.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    assert x.unflatten(1, (2, 2)).shape == (3, 2, 2)
    with pytest.raises(ag.ShapeError, match="unflatten: sizes \\(3, 2\\)"):
        x.unflatten(1, (3, 2))
    with pytest.raises(ag.OutOfRangeError, match="index_select: index values"):
        x.index_select(0, ag.tensor([3]))
    with pytest.raises(ag.DtypeError, match="index_select: index must be an integer"):
        x.index_select(0, ag.tensor([0.0]))
    with pytest.raises(ag.ShapeError, match="einsum: subscript 'j'"):
        ag.einsum("ij,jk->ik", ag.ones(2, 3), ag.ones(4, 2))
    with pytest.raises(ag.ArgumentError, match="has 2 operands, got 1"):
        ag.einsum("ij,jk->ik", ag.ones(2, 3))
    with pytest.raises(ag.ShapeError, match="baddbmm: input of shape"):
        ag.baddbmm(ag.ones(2, 5, 5), ag.ones(2, 3, 4), ag.ones(2, 4, 5))


def test_optimizers_accept_pytorchs_implementation_switches():
    p = nn.Parameter(ag.ones(3))
    for make in (lambda **k: nn.optim.AdamW([p], **k), lambda **k: nn.optim.Adam([p], **k),
                 lambda **k: nn.optim.SGD([p], lr=0.1, **k)):
        opt = make(foreach=True, fused=False)
        assert opt.param_groups[0]["foreach"] is True and opt.param_groups[0]["fused"] is False
        with pytest.raises(ag.ArgumentError, match="capturable=True"):
            make(capturable=True)
        with pytest.raises(ag.ArgumentError, match="differentiable=True"):
            make(differentiable=True)
    assert nn.optim.RMSprop([p], foreach=False).param_groups[0]["capturable"] is False
    # the same maths whatever the switch says
    grads = [np.array([0.5, -1.0, 2.0]), np.array([1.0, 1.0, -3.0])]
    results = []
    for fused in (None, True):
        q = nn.Parameter(ag.ones(3))
        opt = nn.optim.AdamW([q], lr=0.1, fused=fused)
        for g in grads:
            q.grad = ag.tensor(g, dtype=ag.float)
            opt.step()
        results.append(q.data.copy())
    np.testing.assert_array_equal(*results)


@pytest.mark.parametrize("call", [lambda x: ag.unbind(x), lambda x: x.select(0, 0),
                                  lambda x: x.narrow(-1, 0, 1), lambda x: x.unflatten(0, (1,))],
                         ids=["unbind", "select", "narrow", "unflatten"])
def test_dim_ops_on_a_0d_tensor_raise_a_shape_error_naming_the_op(call):
    x = ag.tensor(3.0, requires_grad=True)
    with pytest.raises(ag.ShapeError, match=r"0-d \(shape \(\)\)"):
        call(x)
    assert [t.shape for t in ag.unbind(ag.ones(2, 3), 1)] == [(2,)] * 3    # n-d unchanged
