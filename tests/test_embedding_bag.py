"""F.embedding_bag and nn.EmbeddingBag against PyTorch: each mode with 2-d inputs and 1-d
inputs with offsets (empty bags, include_last_offset), padding_idx, per_sample_weights,
max_norm and scale_grad_by_freq; values and the weight's gradient; state dicts; errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
TABLE = RNG.standard_normal((10, 4))
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0, 7])
ROWS = np.array([[1, 2, 4], [4, 3, 0], [9, 9, 0]])

CASES = [
    (ROWS, None, {}), (ROWS, None, {"mode": "sum"}), (ROWS, None, {"mode": "max"}),
    (ROWS, None, {"padding_idx": 0}), (ROWS, None, {"mode": "max", "padding_idx": 9}),
    (FLAT, [0, 3, 3, 7], {}), (FLAT, [0, 3, 3, 7], {"mode": "max"}),
    (FLAT, [0, 2, 5, 11], {"include_last_offset": True, "mode": "sum"}),
    (FLAT, [0, 3, 3, 11], {"include_last_offset": True}),
    (FLAT, [0, 4, 9], {"padding_idx": 4, "mode": "mean"}),
    (FLAT, [0, 4, 9], {"mode": "sum", "per_sample_weights": RNG.standard_normal(11)}),
    (FLAT, [0, 6], {"max_norm": 1.0}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("idx, offsets, kw", CASES, ids=[str(c[2]) + str(c[1]) for c in CASES])
def test_embedding_bag_matches_pytorch(idx, offsets, kw, dtype):
    results = []
    for lib, fn in ((ag, F.embedding_bag), (torch, TF.embedding_bag)):
        w = lib.tensor(TABLE.astype(dtype), requires_grad=True)
        extra = {k: (lib.tensor(v.astype(dtype)) if isinstance(v, np.ndarray) else v)
                 for k, v in kw.items()}
        out = fn(lib.tensor(idx), w, None if offsets is None else lib.tensor(np.array(offsets)),
                 **extra)
        g = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(dtype)
        (out * lib.tensor(g)).sum().backward()
        data = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
        results.append((data(out), data(w.grad), data(w)))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for o, t in zip(*results):
        assert o.shape == t.shape and o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=tol, atol=tol)


def test_scale_grad_by_freq_divides_by_each_index_count_as_embedding():
    # (PyTorch's CPU embedding_bag kernel gives [1, 0.5, 2, 0.5, ...] here, its counts
    # misplaced: index 1, seen once, gets 0.5; index 2, seen twice, 2)
    w = ag.tensor(TABLE, requires_grad=True)
    F.embedding_bag(ag.tensor(FLAT), w, ag.tensor(np.array([0, 6])), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    seen = np.bincount(FLAT, minlength=10)
    np.testing.assert_array_equal(w.grad.data[:, 0], (seen > 0).astype(float))


def test_module_loads_pytorchs_state_and_matches():
    theirs = torch.nn.EmbeddingBag(10, 4, mode="sum", padding_idx=2).double()
    ours = nn.EmbeddingBag(10, 4, mode="sum", padding_idx=2).double()
    assert np.all(ours.weight.data[2] == 0)
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    y = ours(ag.tensor(FLAT), ag.tensor(np.array([0, 5])))
    ty = theirs(torch.tensor(FLAT), torch.tensor([0, 5]))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    assert repr(ours) == repr(theirs)
    assert repr(nn.EmbeddingBag(5, 3, max_norm=1.0, mode="max")) == repr(
        torch.nn.EmbeddingBag(5, 3, max_norm=1.0, mode="max"))


def test_errors():
    w = ag.ones(10, 4)
    with pytest.raises(ag.ArgumentError, match="offsets must be None when the input is 2-d"):
        F.embedding_bag(ag.tensor(ROWS), w, ag.tensor(np.array([0, 1])))
    with pytest.raises(ag.ShapeError, match=r"embedding_bag: expected a 2-d input, or a 1-d "
                                            r"input with 1-d offsets"):
        F.embedding_bag(ag.tensor(FLAT), w)
    with pytest.raises(ag.ArgumentError, match="per_sample_weights are only supported for "
                                               "mode='sum'"):
        F.embedding_bag(ag.tensor(ROWS), w, per_sample_weights=ag.ones(9))
    with pytest.raises(ag.ArgumentError, match=r"offsets must start at 0 .* got \[1, 3\]"):
        F.embedding_bag(ag.tensor(FLAT), w, ag.tensor(np.array([1, 3])))
    with pytest.raises(ag.OutOfRangeError, match="embedding: index out of range"):
        F.embedding_bag(ag.tensor(np.array([[1, 12]])), w)
