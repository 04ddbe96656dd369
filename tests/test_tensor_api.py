"""The Tensor's PyTorch-style surface: creation, attributes, conversions, repr."""
import numpy as np
import pytest

import autograd as ag


def test_creation_functions_shapes_and_dtypes():
    assert ag.zeros(2, 3).shape == (2, 3) and ag.zeros(2, 3).dtype == np.float32
    assert ag.ones((4,), dtype="float64").dtype == np.float64
    assert ag.full((2, 2), 7.0).data.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert ag.full((2,), 3).dtype == np.int64
    assert ag.arange(5).dtype == np.int64 and ag.arange(0.0, 1.0, 0.25).dtype == np.float32
    np.testing.assert_array_equal(ag.eye(3).data, np.eye(3))
    assert ag.rand(3, 2).shape == (3, 2) and ag.randn(5).dtype == np.float32
    x = ag.randn(2, 3, dtype="float64")
    assert ag.zeros_like(x).dtype == np.float64 and ag.ones_like(x).shape == (2, 3)
    arr = np.arange(3.0)
    shared = ag.from_numpy(arr)
    arr[0] = 9.0
    assert shared.data[0] == 9.0                      # from_numpy shares memory
    copied = ag.tensor(arr)
    arr[1] = 9.0
    assert copied.data[1] == 1.0                      # tensor() copies


def test_manual_seed_reproduces_random_tensors():
    ag.manual_seed(123)
    a = ag.randn(4).data.copy()
    ag.manual_seed(123)
    np.testing.assert_array_equal(ag.randn(4).data, a)


def test_default_dtype():
    assert ag.get_default_dtype() == np.float32
    ag.set_default_dtype("float64")
    assert ag.tensor([1.0]).dtype == np.float64 and ag.zeros(1).dtype == np.float64
    ag.set_default_dtype(np.float32)
    assert ag.tensor(1.5).dtype == np.float32


def test_attributes_and_conversions():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.size() == (2, 2) and x.size(1) == 2
    assert x.numel() == 4 and x.dim() == 2 and x.is_leaf and x.grad_fn is None
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x[1, 0].item() == 3.0
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "Mul"
    d = y.detach()
    assert not d.requires_grad and d.data is y.data
    with pytest.raises(ag.GraphError, match="detach"):
        y.numpy()
    assert isinstance(d.numpy(), np.ndarray)
    assert x.double().dtype == np.float64 and x.double().requires_grad
    assert x.long().dtype == np.int64
    with pytest.raises(ag.ShapeError, match="one-element"):
        x.item()


def test_repr_like_pytorch():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    r = repr(ag.tensor([1.0], requires_grad=True) * 2)
    assert r.startswith("tensor([2.]") and "grad_fn=<MulBackward>" in r
    assert "dtype=float64" in repr(ag.tensor([1.0], dtype="float64"))
    assert "requires_grad=True" in repr(ag.tensor(1.0, requires_grad=True))


def test_scalar_tensors_read_like_micrograd():
    a = ag.tensor(2.0, requires_grad=True)
    b = ag.tensor(-3.0, requires_grad=True)
    c = (a * b + a ** 2).tanh() + b.relu() + a.sigmoid()
    c.backward()
    assert c.shape == () and a.grad.shape == ()
    t = np.tanh(2.0 * -3.0 + 4.0)
    s = 1 / (1 + np.exp(-2.0))
    assert abs(a.grad.item() - ((1 - t * t) * (-3.0 + 4.0) + s * (1 - s))) < 1e-5


def test_reflected_operators_with_numbers_and_arrays():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    arr = np.array([10.0, 20.0], dtype=np.float32)
    for y, expected in [(2 + x, [3, 4]), (2 - x, [1, 0]), (2 * x, [2, 4]), (2 / x, [2, 1]),
                        (arr + x, [11, 22]), (arr * x, [10, 40]), (arr - x, [9, 18]),
                        (2 ** x, [2, 4]), (arr @ x, 50)]:
        assert isinstance(y, ag.Tensor) and y.requires_grad
        np.testing.assert_allclose(y.data, expected)


def test_max_min_with_dim_return_values_and_indices():
    x = ag.tensor([[1.0, 5.0], [7.0, 2.0]])
    v, i = x.max(dim=1)
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
    assert x.max().item() == 7.0 and x.min().item() == 1.0
    assert ag.max(x, ag.ones(2, 2) * 3).tolist() == [[3.0, 5.0], [7.0, 3.0]]


def test_as_tensor_shares_what_it_can_as_torchs():
    torch = pytest.importorskip("torch")
    for T in (ag, torch):
        a = np.array([1.0, 2.0])
        shared, cast = T.as_tensor(a), T.as_tensor(a, dtype=T.float32)
        a[0] = 9.0                                     # seen by the shared one only
        x = T.tensor([1.0, 2.0], requires_grad=True)
        same, wider = T.as_tensor(x), T.as_tensor(x, dtype=T.float64)
        got = (shared.tolist(), str(shared.dtype)[-7:], cast.tolist(), same is x,
               str(wider.dtype)[-7:], wider.requires_grad, str(T.as_tensor([1, 2]).dtype)[-5:],
               str(T.as_tensor(3.0).dtype)[-7:])
        if T is ag:
            mine = got
            wider.sum().backward()
            assert x.grad.tolist() == [1.0, 1.0]            # through the conversion
    assert mine == got == ([9.0, 2.0], "float64", [1.0, 2.0], True, "float64", True, "int64",
                           "float32")


def test_torch_namespace_functions_as_torchs():
    """broadcast_shapes/broadcast_tensors, std_mean/var_mean, clone, empty_like."""
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    b = np.array([[10.0], [20.0]])
    for T in (ag, torch):
        x = T.tensor(a, requires_grad=True)
        y = T.tensor(b, requires_grad=True)
        bx, by = T.broadcast_tensors(x, y)
        (bx * by).sum().backward()
        s, m = T.std_mean(x, 1, keepdim=True)
        v, m0 = T.var_mean(x, dim=0, correction=0)
        c = T.clone(x)
        got = (tuple(T.broadcast_shapes((2, 1), (3,), 1)), bx.tolist(), by.tolist(),
               x.grad.tolist(), y.grad.tolist(), s.tolist(), m.tolist(), v.tolist(), m0.tolist(),
               c.tolist(), c.requires_grad, tuple(T.empty_like(x, dtype=T.float32).shape),
               str(T.empty_like(x, dtype=T.float32).dtype)[-7:])
        if T is ag:
            mine = got
            assert not np.shares_memory(c.data, x.data) and np.shares_memory(bx.data, x.data)
    for g, w in zip(mine, got):
        np.testing.assert_allclose(np.asarray(g, dtype=object).astype(float) if not
                                   isinstance(g, str) else 0, np.asarray(w, dtype=object)
                                   .astype(float) if not isinstance(w, str) else 0, rtol=1e-12)
    assert mine[-1] == got[-1] == "float32"
    with pytest.raises(ag.ShapeError, match="do not broadcast"):
        ag.broadcast_shapes((2, 3), (4,))
