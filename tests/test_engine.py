"""The engine: accumulation, shared subexpressions, retain_graph, hooks, no_grad,
higher order, long chains, custom Functions and the gradcheck itself."""
import math

import numpy as np
import pytest

import autograd as ag
from autograd import GraphError, ShapeError


def leaf(values, dtype="float64"):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_scalar_expression_micrograd_style():
    a, b = leaf(-4.0), leaf(2.0)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    # values from micrograd's README (checked against PyTorch there)
    assert abs(g.item() - 24.7041) < 1e-4
    assert abs(a.grad.item() - 138.8338) < 1e-4
    assert abs(b.grad.item() - 645.5773) < 1e-4


def test_reuse_and_diamond():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    z = y * y + y.exp() + (x + x)          # y used three times, x twice
    z.sum().backward()
    expected = 8 * x.data + 2 * np.exp(2 * x.data) + 2
    np.testing.assert_allclose(x.grad.data, expected)


def test_accumulates_across_backward_calls():
    x = leaf([1.0, -2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 + 2 * x.data)


def test_grad_of_leaf_is_not_aliased_between_leaves():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.data *= 10                       # a user scaling one gradient in place
    np.testing.assert_allclose(b.grad.data, [1.0, 1.0])


def test_grad_is_writable_after_broadcast_backward():
    x = leaf(np.ones((2, 3)))
    x.sum().backward()                      # Sum's backward expands: a read-only view
    x.grad.data *= 0.5
    np.testing.assert_allclose(x.grad.data, 0.5)


def test_retain_graph_and_released_graph_error():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp(x.data) * (1 + x.data)))
    with pytest.raises(GraphError, match=r"(Mul|Exp|Sum).*second time.*retain_graph=True"):
        y.backward()


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(GraphError, match=r"shape \(2,\).*gradient"):
        y.backward()
    with pytest.raises(ShapeError, match=r"gradient has shape \(3,\).*output has shape \(2,\)"):
        y.backward(ag.ones(3, dtype="float64"))
    y.backward(ag.tensor([1.0, 10.0], dtype="float64"))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])


def test_grad_function_does_not_touch_dot_grad():
    x = leaf([1.0, 2.0])
    y = (x ** 3).sum()
    (gx,) = ag.grad(y, x)
    np.testing.assert_allclose(gx.data, 3 * x.data ** 2)
    assert x.grad is None


def test_grad_unused_input():
    x, z = leaf([1.0]), leaf([2.0])
    y = (x * 2).sum()
    with pytest.raises(GraphError, match="not used.*allow_unused"):
        ag.grad(y, [x, z], retain_graph=True)
    gx, gz = ag.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_grad_wrt_intermediate():
    x = leaf([1.0, 2.0])
    h = x * x
    y = (h * 3).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_allclose(gh.data, [3.0, 3.0])


def test_backward_inputs_restricts_accumulation():
    a, b = leaf([1.0]), leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_no_grad_records_nothing_and_restores():
    x = leaf([1.0])
    with ag.no_grad():
        y = x * 2
        assert not ag.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def f(t):
        return t * 3
    assert not f(x).requires_grad
    with ag.set_grad_enabled(False):
        with ag.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_hooks_modify_and_remove():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    h1 = y.register_hook(lambda g: seen.append(g.data.copy()))
    h2 = x.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.data, [30.0, 30.0])
    h1.remove()
    h2.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])
    assert len(seen) == 1


def test_retain_grad_on_intermediate():
    x = leaf([1.0, 2.0])
    h = x * x
    h.retain_grad()
    (h * 5).sum().backward()
    np.testing.assert_allclose(h.grad.data, [5.0, 5.0])
    assert not h.is_leaf and x.is_leaf


def test_post_accumulate_grad_hook():
    x = leaf([1.0])
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.item()))
    (x * 4).sum().backward()
    assert calls == [4.0]


def test_million_op_chain_backward_is_iterative():
    x = leaf([0.5])
    y = x
    with ag.no_grad():
        pass
    for _ in range(1_000_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_third_derivative_of_sin():
    x = leaf([0.3, 1.1])
    y = x.sin().sum()
    (g1,) = ag.grad(y, x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    (g3,) = ag.grad(g2.sum(), x)
    np.testing.assert_allclose(g1.data, np.cos(x.data))
    np.testing.assert_allclose(g2.data, -np.sin(x.data))
    np.testing.assert_allclose(g3.data, -np.cos(x.data))


def test_hessian_vector_product_and_gradient_penalty():
    w = leaf(np.arange(1.0, 4.0))
    f = lambda w: (w ** 3).sum() + (w[0] * w[1])  # noqa: E731
    _, hv = ag.functional.hvp(f, w, ag.tensor([1.0, 0.0, 0.0], dtype="float64"))
    np.testing.assert_allclose(hv.data, [6.0, 1.0, 0.0])
    x = leaf([1.0, 2.0])
    out = (x ** 2).sum()
    (g,) = ag.grad(out, x, create_graph=True)
    penalty = (g * g).sum()                 # = 4 |x|^2
    penalty.backward()
    np.testing.assert_allclose(x.grad.data, 8 * x.data)


def test_functional_jacobian_hessian_vjp_jvp():
    x = ag.tensor([1.0, 2.0], dtype="float64")
    f = lambda x: ag.stack([x[0] * x[1], x[0].exp()])  # noqa: E731
    J = ag.functional.jacobian(f, x)
    np.testing.assert_allclose(J.data, [[2.0, 1.0], [math.e, 0.0]])
    H = ag.functional.hessian(lambda x: x[0] ** 2 * x[1], x)
    np.testing.assert_allclose(H.data, [[4.0, 2.0], [2.0, 0.0]])
    _, v = ag.functional.vjp(f, x, ag.tensor([1.0, 1.0], dtype="float64"))
    np.testing.assert_allclose(v.data, [2.0 + math.e, 1.0])
    _, jv = ag.functional.jvp(f, x, ag.tensor([1.0, 0.0], dtype="float64"))
    np.testing.assert_allclose(jv.data, [2.0, math.e])


class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2


def test_custom_function_first_and_second_order():
    x = leaf([0.5, -1.5])
    assert ag.gradcheck(Cube.apply, (x,))
    assert ag.gradgradcheck(Cube.apply, (x,))
    y = Cube.apply(x)
    assert y.grad_fn.name == "Cube"


def test_gradcheck_can_fail_and_names_the_worst_element():
    x = leaf([0.5, -1.5])
    with pytest.raises(ag.GradcheckError, match=r"input 0.*element \(1,\).*analytic.*numerical"):
        ag.gradcheck(WrongCube.apply, (x,))


def test_custom_function_wrong_number_of_grads():
    class Two(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = leaf([1.0]), leaf([2.0])
    with pytest.raises(GraphError, match="Two.backward returned 1 gradients.*2 inputs"):
        Two.apply(a, b).sum().backward()


def test_custom_function_wrong_grad_shape():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return ag.ones(5, dtype="float64")

    with pytest.raises(ShapeError, match=r"Bad.backward.*shape \(5,\).*input 0.*\(2,\)"):
        Bad.apply(leaf([1.0, 2.0])).sum().backward()


def test_needs_input_grad():
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, None

    Probe.apply(leaf([1.0]), ag.tensor([1.0], dtype="float64")).sum().backward()
    assert seen == [(True, False)]


def test_float32_graph_stays_float32_with_python_and_numpy_scalars():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 0.5 + np.float64(2.0)) * np.float64(3.0) / 7 - 1
    y = ag.where(y.data > 0, y, 0.0).exp().sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_mixed_dtypes_promote_and_gradients_keep_input_dtype():
    a = ag.tensor([1.0, 2.0], requires_grad=True)               # float32
    b = ag.tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(ag.DtypeError, match=r"shape \(3,\) and dtype int64"):
        ag.tensor([1, 2, 3], requires_grad=True)
    t = ag.tensor([1, 2, 3])
    assert t.dtype == np.int64 and (t * 2).dtype == np.int64
    assert ag.tensor([1.5]).dtype == np.float32
    assert (ag.tensor([True, False])).dtype == np.bool_


def test_comparisons_return_bool_without_grad():
    x = leaf([1.0, 2.0, 3.0])
    m = x > 1.5
    assert m.dtype == np.bool_ and not m.requires_grad
    assert (x == x).data.all()


def test_no_nan_gradients_at_harmless_points():
    z = leaf([0.0, 0.0, 0.0])
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.data, 0.0)
    a, b = leaf([0.0, 2.0]), leaf([2.0, 3.0])
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 12.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 8 * np.log(2.0)])
    assert np.isnan(leaf([1.0]).var().item())          # one element, unbiased: NaN


def test_max_with_dim_sends_the_gradient_to_one_element():
    x = leaf([[1.0, 3.0, 3.0]])
    x.max(dim=1).values.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.0, 1.0, 0.0]])   # as torch.max(dim)
    y = leaf([[1.0, 3.0, 3.0]])
    ag.amax(y, dim=1).sum().backward()
    np.testing.assert_allclose(y.grad.data, [[0.0, 0.5, 0.5]])   # as torch.amax


def test_dims_sizes_and_views_are_checked():
    x = ag.ones(2, 3)
    with pytest.raises(ag.OutOfRangeError, match="transpose: dim 5"):
        x.transpose(0, 5)
    with pytest.raises(ag.OutOfRangeError, match="squeeze: dim 4"):
        x.squeeze(4)
    with pytest.raises(ShapeError, match=r"split: sizes \[1, 2\] do not add up to 4"):
        ag.ones(4).split([1, 2])
    with pytest.raises(ShapeError, match="cannot be viewed as.*without copying.*reshape"):
        ag.ones(3, 4).T.view(12)
    assert ag.ones(3, 4).T.reshape(12).shape == (12,)


def test_integer_and_zero_dim_promotion_follow_pytorch():
    assert (ag.tensor([1, 2]) / ag.tensor([2, 2])).dtype == np.float32
    assert (ag.tensor([1, 2]) + 0.5).dtype == np.float32
    assert ag.tensor([1, 2]).mean().dtype == np.float32
    assert (ag.ones(3) * ag.tensor(2.0, dtype="float64")).dtype == np.float32
    assert (ag.ones(3) * ag.ones(3, dtype="float64")).dtype == np.float64


def test_logical_operators_on_bool_tensors():
    m = ag.tensor([True, False, True])
    n = ag.tensor([True, True, False])
    assert (m & n).tolist() == [True, False, False]
    assert (m | n).tolist() == [True, True, True]
    assert (m ^ n).tolist() == [False, True, True]
    assert (~m).tolist() == [False, True, False]
    with pytest.raises(ag.DtypeError):
        ag.ones(2) & ag.ones(2)


class SinCos(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


def test_custom_function_with_several_outputs():
    x = leaf([0.3, 1.2])
    s, c = SinCos.apply(x)
    (s * 2 + c * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.cos(x.data) - 2 * np.cos(x.data) * np.sin(x.data))
    x.grad = None
    SinCos.apply(x)[0].sum().backward()           # the unused output gets zeros
    np.testing.assert_allclose(x.grad.data, np.cos(x.data))
    assert ag.gradgradcheck(lambda x: SinCos.apply(x)[0] * SinCos.apply(x)[1], (x,))


def test_decorators_without_parentheses_and_jacobian_of_a_constant():
    @ag.no_grad
    def f(t):
        return t * 2
    assert not f(leaf([1.0])).requires_grad
    J = ag.functional.jacobian(lambda x: ag.ones(2, dtype="float64"), leaf([1.0, 2.0, 3.0]))
    assert J.shape == (2, 3) and not J.data.any()
