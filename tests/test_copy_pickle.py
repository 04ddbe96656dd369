"""copy.deepcopy and pickle of tensors follow PyTorch: a deep copy of a leaf is a leaf
of its own (its gradient goes to it), a tensor pickles as its data and requires_grad
(issue 11, item 5)."""
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.errors import GraphError


@pytest.mark.parametrize("values", [[1.0, -2.0, 3.0], 2.5, [[0.5], [1.5]]],
                         ids=["vector", "0-d", "column"])
def test_deepcopy_of_a_leaf_gets_its_own_gradient(values):
    w = ag.tensor(values, requires_grad=True)
    c = copy.deepcopy(w)
    assert c.requires_grad and c.is_leaf and c is not w
    (c * c * 3.0).sum().backward()
    assert w.grad is None
    np.testing.assert_allclose(c.grad.data, 6 * np.asarray(values))
    (w * 2.0).sum().backward()
    np.testing.assert_allclose(w.grad.data, np.full(np.shape(values), 2.0))
    np.testing.assert_allclose(c.grad.data, 6 * np.asarray(values))   # untouched


def test_deepcopy_copies_data_and_grad_and_keeps_sharing_within_one_copy():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * 5.0).sum().backward()
    a, b = copy.deepcopy([w, w])
    assert a is b                                  # the memo: one copy per original
    with ag.no_grad():
        a.mul_(10.0)
    a.grad.data[0] = -1.0
    assert w.data.tolist() == [1.0, 2.0] and w.grad.data.tolist() == [5.0, 5.0]
    assert a.data.tolist() == [10.0, 20.0] and a.grad.data.tolist() == [-1.0, 5.0]
    plain = ag.tensor([1, 2, 3])
    d = copy.deepcopy(plain)
    assert not d.requires_grad and d.dtype == plain.dtype
    d.data[0] = 9
    assert plain.data[0] == 1


def test_deepcopy_of_a_tensor_made_by_an_op_raises():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="leaf"):
        copy.deepcopy(w * 2)
    assert copy.deepcopy((w * 2).detach()).data.tolist() == [2.0, 4.0]


def test_deepcopy_of_a_model_trains_independently():
    model = nn.Linear(3, 2)
    twin = copy.deepcopy(model)
    x = ag.tensor(np.ones((4, 3), np.float32))
    twin(x).sum().backward()
    assert all(p.grad is None for p in model.parameters())
    assert all(p.grad is not None for p in twin.parameters())


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1.0, 2.0], requires_grad=True),
    lambda: ag.tensor(3.0, dtype="float64", requires_grad=True),
    lambda: ag.tensor([[1, 2], [3, 4]]),
    lambda: ag.tensor([True, False]),
    lambda: ag.tensor(np.arange(6.0).reshape(2, 3)).T,      # a non-contiguous view
], ids=["f32-grad", "f64-0d-grad", "int", "bool", "view"])
def test_pickle_round_trip_keeps_values_dtype_and_requires_grad(make, protocol):
    t = make()
    u = pickle.loads(pickle.dumps(t, protocol))
    assert type(u) is type(t) and u.dtype == t.dtype and u.shape == t.shape
    assert np.array_equal(u.data, t.data) and u.requires_grad == t.requires_grad
    assert u.is_leaf and u.grad is None
    if u.requires_grad:
        (u * 2.0).sum().backward()
        assert u.grad.data.tolist() == np.full(t.shape, 2.0).tolist()


def test_pickle_drops_the_graph_and_grad_as_pytorch():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * 3.0).sum().backward()
    y = w * 2.0
    u, v = pickle.loads(pickle.dumps((w, y)))
    assert u.grad is None and v.is_leaf and v.requires_grad and v.data.tolist() == [2.0, 4.0]
    s = copy.copy(w)                               # shares the data, as torch's copy.copy
    assert s.data is w.data and s.requires_grad and s.grad is None


def test_pickle_agrees_with_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.ones(2)
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * 1.0).sum().backward()
    for ours, theirs in ((w, x), (w * 2.0, x * 2.0)):
        a, b = pickle.loads(pickle.dumps(ours)), pickle.loads(pickle.dumps(theirs))
        assert (a.requires_grad, a.is_leaf, a.grad is None) == (b.requires_grad, b.is_leaf,
                                                                b.grad is None)
    a, b = copy.deepcopy(w), copy.deepcopy(x)
    assert (a.requires_grad, a.grad is None) == (b.requires_grad, b.grad is None)
