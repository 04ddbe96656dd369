"""An integer beside an advanced index (array, list, tensor or mask) is applied first,
as PyTorch's basic indexing, not taken as one more advanced index as numpy does:
x[0, :, [0, 1]] of a (2, 3, 4) tensor is (3, 2) (numpy: (2, 3), its rows and columns
swapped). getitem's values and gradients and setitem's writes against PyTorch, and a
compiled step whose index tensor changes replays as eager."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

MASK = np.array([True, False, True, False])
KEYS = [
    (0, slice(None), [0, 1]),
    (0, Ellipsis, [1, 2]),
    (0, None, slice(None), [0, 1]),
    (0, slice(None), MASK),
    (1, [[0], [2]], slice(1, 3)),
    (Ellipsis, 1, [2, 0]),
    (-1, slice(None, None, 2), [3, 0, 3]),
    ([0, 1], slice(None), 0),                  # already the same in numpy
    (slice(None), 0, [0, 1]),
    (0, [0, 1], [1, 2]),
    ("tensor", slice(None), [0, 1]),           # a 0-d int tensor is an int
    (0, slice(None), "tensor"),
]


def _keys(key):
    ours = tuple(k if not isinstance(k, str) else ag.tensor(0) if i == 0 else
                 ag.tensor(np.array([0, 3])) for i, k in enumerate(key))
    theirs = tuple(torch.tensor(k.data) if isinstance(k, ag.Tensor) else
                   torch.tensor(k) if isinstance(k, np.ndarray) else k for k in ours)
    return ours, theirs


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_getitem_and_setitem_as_torch(key):
    a = np.arange(24.0).reshape(2, 3, 4)
    ours, theirs = _keys(key)
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = x[ours], t[theirs]
    assert y.shape == tuple(yt.shape)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    w = np.random.default_rng(0).standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    x, t = ag.tensor(a), torch.tensor(a)
    x[ours] = ag.tensor(-w)
    t[theirs] = torch.tensor(-w)
    np.testing.assert_array_equal(x.data, t.numpy())


def test_compiled_step_with_a_changing_index_tensor_matches_eager():
    w = nn.Parameter(ag.tensor(np.arange(24.0).reshape(2, 3, 4)))
    ref = ag.tensor(w.data.copy(), requires_grad=True)
    opt = nn.optim.SGD([w], lr=0.1)
    scale = ag.tensor(np.arange(6.0).reshape(3, 2))

    @ag.compile
    def step(idx):
        opt.zero_grad()
        loss = (w[0, :, idx] * scale).sum()
        loss.backward()
        opt.step()
        return loss

    for i in range(5):
        idx = ag.tensor(np.array([i % 4, (3 * i) % 4]))
        loss = step(idx)
        expected = (ref[0, :, idx] * scale).sum()
        ref.grad = None
        expected.backward()
        with ag.no_grad():
            ref -= 0.1 * ref.grad
        assert loss.item() == expected.item()
        np.testing.assert_array_equal(w.data, ref.data)


@pytest.mark.parametrize("write", [False, True])
def test_an_index_out_of_range_is_refused_naming_the_op_and_shape(write):
    x = ag.zeros(2, 3, 4)
    op = "__setitem__" if write else "getitem"
    with pytest.raises(ag.GradgraphError, match=rf"{op}: index 0, slice.*out of range for a "
                                                r"tensor of shape \(2, 3, 4\)"):
        if write:
            x[0, :, [0, 7]] = 1.0
        else:
            x[0, :, [0, 7]]
