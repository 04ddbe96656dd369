"""Differences from PyTorch found by writing ordinary PyTorch programs against both
libraries (values and gradients, float32 and float64); each test failed before its fix."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def values_and_grads(lib, fn, arrays, dtype):
    """fn(lib, *leaves) on leaves of `dtype` made from `arrays`, backpropagated with fixed
    weights: (value, [gradients]) as numpy arrays."""
    xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.linspace(-1.0, 1.3, out.numel()).reshape(tuple(out.shape))
    (out * lib.tensor(w, dtype=out.dtype)).sum().backward()
    to_np = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return to_np(out), [to_np(x.grad) for x in xs]


def assert_same_as_torch(fn, arrays, dtype):
    ours, our_grads = values_and_grads(ag, fn, arrays, dtype)
    ref, ref_grads = values_and_grads(torch, fn, arrays, dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_a_tensor_exponent_of_zero_has_zero_base_gradient(dtype):
    # d/da a^b where b == 0 is 0, also at a == 0 (not 0 * 0^-1 = NaN)
    assert_same_as_torch(lambda L, a, b: a ** b,
                         [np.array([2.0, 0.0, 1.5, 0.0]), np.array([0.0, 0.0, -1.0, 2.0])], dtype)
    assert_same_as_torch(lambda L, a, b: L.pow(a, b),
                         [np.array([[0.0], [3.0]]), np.array([0.0, 1.0, 2.5])], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["max", "min"])
def test_max_of_all_elements_sends_a_nans_gradient_to_the_nans(dtype, reduce):
    x = np.array([[1.0, np.nan, 3.0], [np.nan, -2.0, np.inf]])
    assert_same_as_torch(lambda L, a: getattr(a, reduce)(), [x], dtype)
    assert_same_as_torch(lambda L, a: getattr(a, reduce)(), [np.array([1.0, np.nan, 3.0])], dtype)


def _outcome(lib, fn):
    """fn(lib)'s (dtype name, values), or the kind of error it raised (torch's
    RuntimeError and gradgraph's DtypeError both count as a refusal)."""
    try:
        out = fn(lib)
    except (RuntimeError, TypeError):
        return "refused"
    values = out.numpy() if lib is torch else out.data
    return str(out.dtype).split(".")[-1], values.tolist()


IN_PLACE_CASTS = {
    # arithmetic keeps to same_kind: PyTorch refuses to truncate (a 0-d integer tensor
    # was silently truncated: sum() += 0.5 gave 3)
    "0-d int += float": lambda L: L.tensor([1, 2]).sum().__iadd__(0.5),
    "int *= float": lambda L: L.tensor([1, 2]).__imul__(1.5),
    "int div_": lambda L: L.tensor([1, 2]).div_(2),
    "bool add_ int": lambda L: L.tensor([True, False]).add_(1),
    "int += int": lambda L: L.tensor([1, 2]).sum().__iadd__(2),
    "float32 add_ float64": lambda L: L.tensor([1.0, 2.0]).add_(L.tensor([0.5], dtype=L.float64)),
    # a copy or fill casts (they raised numpy's casting TypeError)
    "int copy_ float": lambda L: L.tensor([1, 2]).copy_(L.tensor([2.7, -1.5])),
    "bool copy_ int": lambda L: L.tensor([True, False]).copy_(L.tensor([0, 3])),
    "int fill_ float": lambda L: L.tensor([1, 2]).fill_(2.7),
    "int setitem float tensor": lambda L: _set(L.tensor([1, 2]), 0, L.tensor(2.7)),
}


def _set(x, index, value):
    x[index] = value
    return x


@pytest.mark.parametrize("name", IN_PLACE_CASTS)
def test_in_place_ops_cast_as_pytorch(name):
    fn = IN_PLACE_CASTS[name]
    assert _outcome(ag, fn) == _outcome(torch, fn)


def test_in_place_refusal_names_the_op_and_dtypes():
    with pytest.raises(ag.DtypeError, match=r"__iadd__: the result has dtype float32, which "
                                             r"cannot be written into a tensor of dtype int64"):
        x = ag.tensor([1, 2]).sum()
        x += 0.5


def test_a_0d_tensor_formats_as_its_value():
    for lib in (ag, torch):
        assert f"{lib.tensor(2.5, requires_grad=True):.3f} {lib.tensor(3):>3}" == "2.500   3"
        with pytest.raises(TypeError):
            f"{lib.tensor([1.0, 2.0]):.2f}"


LOGICAL = {
    "logical_and ints": lambda L: L.logical_and(L.tensor([0, 2, -1]), L.tensor([1, 0, 4])),
    "logical_or ints": lambda L: L.logical_or(L.tensor([0, 2, 0]), L.tensor([0, 0, 1])),
    "logical_xor ints": lambda L: L.logical_xor(L.tensor([3, 2, 0]), L.tensor([1, 0, 0])),
    "logical_not ints": lambda L: L.logical_not(L.tensor([0, 2, -1])),
    "logical_and floats": lambda L: L.logical_and(L.tensor([0.0, 0.5, np.nan]), L.tensor([1.0, 2.0, 1.0])),
    "logical_not floats": lambda L: L.logical_not(L.tensor([0.0, -0.0, 0.5])),
    "& ints": lambda L: L.tensor([6, 3]) & L.tensor([3, 1]),
    "~ ints": lambda L: ~L.tensor([0, 2, -1]),
}


@pytest.mark.parametrize("name", LOGICAL)
def test_logical_functions_take_truth_values_as_pytorch(name):
    # logical_* on integers were bitwise (logical_not([0, 2, -1]) gave [-1, -3, 0])
    fn = LOGICAL[name]
    assert _outcome(ag, fn) == _outcome(torch, fn)


def _refusals(fn):
    """Whether fn(lib, F) raises, for gradgraph and for PyTorch."""
    import nn.functional as F
    out = []
    for lib, functional in ((ag, F), (torch, torch.nn.functional)):
        try:
            fn(lib, functional)
            out.append(False)
        except (ValueError, IndexError, RuntimeError, TypeError, NotImplementedError):
            out.append(True)
    return out


@pytest.mark.parametrize("fn", [
    # a target of another shape broadcast silently (a (N,) target against (N, 1) logits
    # makes an (N, N) loss); PyTorch refuses it for these two losses (mse_loss warns)
    lambda L, F: F.binary_cross_entropy_with_logits(L.zeros(3, 1), L.ones(3)),
    lambda L, F: F.binary_cross_entropy(L.full((3, 1), 0.5), L.ones(3)),
    # a negative index picked a row from the end (an id of -100 the row n - 100)
    lambda L, F: F.embedding(L.tensor([0, -1]), L.ones(4, 2)),
], ids=["bce_with_logits", "bce", "embedding"])
def test_refused_as_pytorch(fn):
    assert _refusals(fn) == [True, True]


def test_embedding_refusal_names_the_range():
    import nn
    with pytest.raises(ag.OutOfRangeError, match=r"embedding: index out of range: indices in "
                                                 r"\[-1, 2\] for a table of 4 rows"):
        nn.Embedding(4, 2)(ag.tensor([[1, -1], [2, 0]]))


def test_gelu_of_integers_is_refused_as_pytorch():
    import nn.functional as F
    # it gave truncated integers: gelu([1, 2, -1]) = [0, 1, 0]
    for approximate in ("none", "tanh"):
        assert _refusals(lambda L, F: F.gelu(L.tensor([1, 2, -1]), approximate=approximate)) \
            == [True, True]
    with pytest.raises(ag.DtypeError, match=r"gelu: expected a floating-point tensor, got int64"):
        F.gelu(ag.tensor([1, 2]))


@pytest.mark.parametrize("fn", [lambda L: L.tensor([200, 100], dtype=L.uint8).sum(),
                                lambda L: L.tensor([200, 100], dtype=L.uint8).cumsum(0),
                                lambda L: L.tensor([[1], [2]], dtype=L.uint8).sum(1, True)],
                         ids=["sum", "cumsum", "sum_dim"])
def test_unsigned_sums_are_int64_as_pytorch(fn):
    # numpy's uint64
    assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("shape,dim", [((0, 3), 0), ((2, 0), 1), ((2, 0), 0)])
def test_logsumexp_over_no_element_is_minus_inf(shape, dim):
    # numpy's max of nothing raised ValueError
    fn = lambda L: L.zeros(shape).logsumexp(dim)  # noqa: E731
    assert _outcome(ag, fn) == _outcome(torch, fn)
    x = ag.zeros(shape, requires_grad=True)
    x.logsumexp(dim).sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("fn", [lambda L: L.tensor([[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]).std(False),
                                lambda L: L.tensor([[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]).var(True),
                                lambda L: L.var(L.tensor([[0.0, 1.0], [4.0, 9.0]]), False)],
                         ids=["std", "var", "torch.var"])
def test_var_and_std_take_a_bool_as_unbiased(fn):
    # PyTorch's var(x, unbiased) overload; the bool was taken as dim 0 or 1
    assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "softmax", "cumsum", "logsumexp"])
def test_a_bool_dim_is_refused(name):
    # True was dim 1 (x.sum(True) summed the rows); PyTorch refuses a bool dim
    with pytest.raises(TypeError, match=f"{name}: dim must be an int or a tuple of ints"):
        getattr(ag.ones(2, 3), name)(True)
