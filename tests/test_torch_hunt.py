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


def test_parameter_data_set_to_a_tensor_takes_its_array():
    import nn
    # it stored the Tensor itself in .data: the next op failed far from the assignment
    p, src = nn.Parameter(np.zeros(3, np.float32)), ag.tensor([1.0, 2.0, 3.0, 4.0])
    p.data = src
    assert type(p.data) is np.ndarray and p.data is src.data and p.requires_grad
    (p * 2).sum().backward()
    # of the new shape: the gradient was summed to the old one, (3,), silently
    assert p.grad.data.tolist() == [2.0] * 4
    p.data = np.ones(2)                 # an ndarray, as before
    p.grad = None
    (p * 3).sum().backward()
    assert p.data.tolist() == [1.0, 1.0] and p.grad.data.tolist() == [3.0, 3.0]


TENSOR_IN_DATA = {"add": lambda x: x + 1, "radd": lambda x: 1.0 + x, "exp": lambda x: x.exp(),
                  "mul_grad": lambda x: ag.ones(3, requires_grad=True) * x,
                  "sum": lambda x: x.sum(), "reshape": lambda x: x.reshape(3, 1),
                  "getitem": lambda x: x[1:], "cat": lambda x: ag.cat([x, x]),
                  "matmul": lambda x: x @ ag.ones(3), "numpy": np.asarray}


@pytest.mark.parametrize("name", TENSOR_IN_DATA)
def test_a_tensor_assigned_to_a_plain_tensors_data_is_refused_at_the_next_op(name):
    # x.data = tensor kept the Tensor in the slot: each op after it silently made Tensors
    # holding Tensors (x + 1), or failed far away (x.sum(): "unexpected keyword 'axis'")
    x = ag.ones(3, requires_grad=name == "mul_grad")
    x.data = ag.zeros(3)
    with pytest.raises(ag.GraphError, match=r"\.data is a Tensor \(\(3,\) float32\).*"
                                           r"t\.data = other\.data"):
        TENSOR_IN_DATA[name](x)
    x.data = x.data.data                # the array: as PyTorch's x.data = tensor
    assert TENSOR_IN_DATA[name](x.detach()) is not None


def test_a_numpy_scalar_in_data_is_still_an_input():
    x = ag.tensor(np.float64(2.0))      # a 0-d ufunc's result may be a numpy scalar
    x.data = np.float64(2.0)
    assert (x * 3 + 1).exp().item() == np.exp(7.0)


SAVES_NOTHING = {"add": lambda L, x: (x + 1).sum(), "slice": lambda L, x: x[1:].sum(),
                 "expand": lambda L, x: x.reshape(3, 1).expand(3, 2).sum(),
                 "neg mean": lambda L, x: (-x).mean()}


@pytest.mark.parametrize("name", SAVES_NOTHING)
def test_grad_twice_through_ops_that_saved_nothing(name):
    # the second grad() raised "buffers it saved were freed" though nothing was saved;
    # PyTorch only refuses once saved tensors were freed
    grads = []
    for L, grad in ((ag, ag.grad), (torch, torch.autograd.grad)):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = SAVES_NOTHING[name](L, x)
        grad(y, x)
        grads.append(np.asarray(grad(y, x)[0].detach()).tolist())
    assert grads[0] == grads[1]


def test_grad_twice_through_an_op_that_saved_its_input_is_refused():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    ag.grad(y, x)
    with pytest.raises(ag.GraphError, match="a second time"):
        ag.grad(y, x)


@pytest.mark.parametrize("fn", [lambda L: -L.tensor([0, 1, 2, 200, 255], dtype=L.uint8),
                                lambda L: L.neg(L.tensor(3, dtype=L.uint8)),
                                lambda L: -L.tensor([1, -128], dtype=L.int8)],
                         ids=["uint8", "0-d uint8", "int8"])
def test_negation_of_unsigned_integers_wraps_around_as_pytorch(fn):
    # numpy refused the Python -1 for uint8 (OverflowError)
    assert _outcome(ag, fn) == _outcome(torch, fn)


RANGES = [(0, 1, 0.1), (-3.3, 7.1, 0.37), (0.1, 10, 0.3), (0, 100, 0.7), (1, 2, 0.01),
          (5, -2.5, -0.13), (-1e3, 1e3, 0.77), (0.5, 1e4, 1.7), (2, 3, 0.125)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_arange_and_linspace_are_pytorchs_bit_for_bit(dtype):
    # numpy's float32 values differed by 1 ulp in about 1 in 8 (its own rounding)
    rng = np.random.default_rng(0)
    ranges = RANGES + [(a, a + float(rng.uniform(1, 300)), float(rng.uniform(0.01, 3)))
                       for a in rng.uniform(-100, 100, 30).tolist()]
    for start, end, step in ranges:
        ours = ag.arange(start, end, step, dtype=getattr(ag, dtype)).data
        ref = torch.arange(start, end, step, dtype=getattr(torch, dtype)).numpy()
        assert ours.shape == ref.shape and ours.tobytes() == ref.tobytes(), (start, end, step)
        for steps in (2, 3, 17, 100, 1000):
            ours = ag.linspace(start, end, steps, dtype=getattr(ag, dtype)).data
            ref = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
            assert ours.tobytes() == ref.tobytes(), (start, end, steps)
    assert ag.arange(0, 1, 0.25).dtype == np.float32 and ag.arange(3).dtype == np.int64
    assert ag.linspace(0, 1, 1).data.tolist() == [0.0] and ag.linspace(0, 1, 0).shape == (0,)
