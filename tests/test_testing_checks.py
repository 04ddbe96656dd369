"""autograd.testing: check_grads and assert_backward_matches catch deliberately broken
backwards of several kinds, say what is wrong only where it is certain, and pass correct
ones, in float64 and float32; assert_close; the hypothesis strategies."""
import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings

import autograd as ag
from autograd.testing import assert_backward_matches, assert_close, check_grads
from autograd.testing.strategies import away_from_kinks, broadcastable_shapes, tensors

N = K = 3          # square shapes, so that a transposed or mis-reduced gradient fits


def _data(dtype, n=N, d=3, k=K, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype(dtype), rng.standard_normal((d, k)).astype(dtype),
            rng.standard_normal(k).astype(dtype), rng.uniform(0, 1, (n, k)).astype(dtype))


def _tanh_layer_grads(x, w, b, a, g, kind, eps):
    """The gradients of tanh(x @ w + b) given the output gradient g: right, or broken."""
    dz = g * (1 - a * a)
    dx, dw, db = dz @ w.T, x.T @ dz, dz.sum(0)
    if kind == "sign":
        dw = -dw
    elif kind == "missing_factor":
        dz = g
        dx, dw, db = dz @ w.T, x.T @ dz, dz.sum(0)
    elif kind == "transposed":
        dw = dw.T
    elif kind == "wrong_axis":
        db = dz.sum(1)
    elif kind == "broadcast":
        db = dz
    elif kind == "off_by_eps":                  # a derivative off by eps
        dz = g * (1 - a * a + eps)
        dx, dw, db = dz @ w.T, x.T @ dz, dz.sum(0)
    return dx, dw, db


# --- check_grads on a custom Function with a broken backward ------------------------------
class TanhLayer(ag.Function):
    """tanh(x @ w + b) with a hand-written backward (Tensor ops on the incoming gradient,
    so that forward mode, the vjp of this vjp, sees it too)."""
    kind = None
    eps = 0.0

    @staticmethod
    def forward(ctx, x, w, b):
        a = np.tanh(x.data @ w.data + b.data)
        ctx.x, ctx.w, ctx.a = x.detach(), w.detach(), a
        return ag.tensor(a)

    @classmethod
    def backward(cls, ctx, g):
        return _tanh_layer_grads(ctx.x, ctx.w, None, ctx.a, g, cls.kind, cls.eps)


KINDS = ["sign", "missing_factor", "transposed", "wrong_axis", "off_by_eps"]
# float32 central differences resolve errors of about 2% only: off-by-eps is scaled to that
EPS = {np.float64: 1e-4, np.float32: 0.1}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", KINDS)
def test_check_grads_catches_a_broken_backward(kind, dtype):
    layer = type("Broken", (TanhLayer,), {"kind": kind, "eps": EPS[dtype]})
    x, w, b, _ = _data(dtype)
    with pytest.raises(AssertionError, match="check_grads: (forward|reverse) mode"):
        check_grads(lambda x, w, b: layer.apply(x, w, b), (x, w, b), order=1)
    for mode in ("rev", "fwd"):                     # each mode alone catches it too
        with pytest.raises(ag.GradcheckError):
            check_grads(lambda x, w, b: layer.apply(x, w, b), (x, w, b), order=1,
                        modes=(mode,))


def test_check_grads_broadcast_instead_of_sum_in_a_function_is_summed_by_the_engine():
    """A custom Function's gradient of a broadcast shape is summed to the input's shape by
    the engine (as PyTorch does), so it is right and check_grads passes; the same slip in a
    hand-written numpy backward is a wrong shape (test_broken_backward_is_caught...)."""
    layer = type("Broadcast", (TanhLayer,), {"kind": "broadcast"})
    x, w, b, _ = _data(np.float64)
    check_grads(lambda x, w, b: layer.apply(x, w, b), (x, w, b), order=1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_check_grads_passes_correct_code(dtype):
    x, w, b, _ = _data(dtype)
    check_grads(lambda x, w, b: TanhLayer.apply(x, w, b), (x, w, b), order=1)
    check_grads(lambda x, w, b: np.tanh(x @ w + b), (x, w, b), order=2)
    check_grads(lambda x, w: (np.sum(x * x, axis=1), np.maximum(x @ w, 0.3)),
                (x, w), order=2)
    check_grads(lambda x: ag.softmax(x, 1).log(), (ag.tensor(x),), order=3, modes=("rev",))


def test_check_grads_order_two_catches_a_first_derivative_that_is_constant():
    class Square(ag.Function):        # right first derivative, but 2x is held constant
        @staticmethod
        def forward(ctx, x):
            ctx.x = x.data
            return ag.tensor(x.data ** 2)

        @staticmethod
        def backward(ctx, g):
            return g * ag.tensor(2 * ctx.x)
    x = np.array([0.5, -1.5, 2.0])
    check_grads(Square.apply, (x,), order=1)
    with pytest.raises(ag.GradcheckError, match="order 2 of vjp|order 2 of jvp"):
        check_grads(Square.apply, (x,), order=2)


def test_check_grads_explains_a_zero_jvp():
    class Detaching(ag.Function):               # right first derivative, g used as numbers
        @staticmethod
        def forward(ctx, x):
            return ag.tensor(np.sin(x.data))

        @staticmethod
        def backward(ctx, g):
            return ag.tensor(g.data * np.cos(np.array([0.5, 1.0])))
    x = np.array([0.5, 1.0])
    check_grads(Detaching.apply, (x,), order=1, modes=("rev",))
    with pytest.raises(ag.GradcheckError, match="the vjp of the vjp"):
        check_grads(Detaching.apply, (x,), order=1, modes=("fwd",))


def test_check_grads_message_names_mode_output_and_elements():
    layer = type("Broken", (TanhLayer,), {"kind": "sign"})
    x, w, b, _ = _data(np.float64)
    with pytest.raises(ag.GradcheckError) as info:
        check_grads(lambda x, w, b: layer.apply(x, w, b), (x, w, b), order=1, modes=("fwd",))
    msg = str(info.value)
    assert "forward mode, order 1 (jvp), output 0 of shape (3, 3)" in msg
    assert "index" in msg and "jvp" in msg and "numerical" in msg and "ratio" in msg
    with pytest.raises(ag.GradcheckError, match="unknown modes"):
        check_grads(np.exp, (x,), modes=("backward",))


# --- assert_backward_matches on hand-written numpy backwards -------------------------------
def tanh_forward(x, w, b):
    return np.tanh(x @ w + b)


def _check_layer(kind, dtype, n=N, k=K, **kw):
    x, w, b, y = _data(dtype, n=n, k=k)
    loss = (lambda a: 0.5 * np.sum((a - y) ** 2))

    def backward(x, w, b):
        a = tanh_forward(x, w, b)
        return _tanh_layer_grads(x, w, b, a, a - y, kind, EPS[dtype])
    assert_backward_matches(tanh_forward, backward, dict(x=x, w=w, b=b), loss=loss,
                            output_name="a", **kw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_correct_backward_passes(dtype):
    _check_layer(None, dtype)
    _check_layer(None, dtype, n=7, k=2)


DIAGNOSES = {
    "sign": ("'w'", "off by a constant factor -1 (sign)"),
    "missing_factor": ("'x'", "a factor (1−a²) is missing"),
    "transposed": ("'w'", "transposed"),
    "broadcast": ("'b'", "a broadcast where a sum was meant (summed over axis 0, yours is "
                         "the expected gradient)"),
    "wrong_axis": ("'b'", None),           # same shape (3,), wrong values: caught, no guess
    "off_by_eps": ("'w'", None),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", list(DIAGNOSES))
def test_broken_backward_is_caught_and_diagnosed(kind, dtype):
    name, diagnosis = DIAGNOSES[kind]
    with pytest.raises(AssertionError) as info:
        _check_layer(kind, dtype)
    msg = str(info.value)
    assert f"gradient {name}" in msg, msg
    if diagnosis:
        assert diagnosis in msg, msg
    else:
        assert "diagnosis" not in msg, msg
    assert "index" in msg and "yours" in msg and "expected" in msg and "ratio" in msg or \
        "shape" in msg


def test_wrong_reduction_axis_with_other_shapes_is_a_wrong_shape():
    with pytest.raises(AssertionError, match=r"diagnosis: wrong shape \(expected \(2,\), got "
                                             r"\(7,\)\)\n"):
        _check_layer("wrong_axis", np.float64, n=7, k=2)


def test_transposed_non_square_and_reshaped():
    x, w = _data(np.float64, n=5, d=4)[:2]
    f = (lambda x, w: np.sum(np.sin(x @ w)))

    def grads(x, w):
        return (np.cos(x @ w) @ w.T, x.T @ np.cos(x @ w))
    with pytest.raises(AssertionError, match=r"got \(3, 4\)\): transposed"):
        assert_backward_matches(f, lambda x, w: (grads(x, w)[0], grads(x, w)[1].T),
                                dict(x=x, w=w))
    with pytest.raises(AssertionError, match="right values in the wrong shape"):
        assert_backward_matches(f, lambda x, w: grads(x, w)[1].reshape(1, 4, 3), dict(x=x, w=w),
                                wrt="w")


def test_sigmoid_layer_diagnoses():
    """The issue's example: three bugs, each named."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples"
    path = path / "check_handwritten_backprop.py"
    spec = importlib.util.spec_from_file_location("check_handwritten_backprop", path)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    x, w, b, y = _data(np.float64, n=8, d=4)
    with pytest.raises(AssertionError) as info:
        ex.check(ex.backward_buggy, x, y, w, b)
    msg = str(info.value)
    assert ("gradient 'w' (shape (4, 3), float64): 12 of 12 elements differ" in msg)
    assert ("diagnosis: off by a constant factor -1 (sign) and by a factor that varies as a: "
            "a factor a is missing" in msg)
    assert ("diagnosis: off by a constant factor -1 (sign) and by a factor that varies as "
            "a·(1−a): a factor a·(1−a) is missing" in msg)
    ex.check(ex.backward_fixed, x, y, w, b)


def test_extra_factor_missing_upstream_gradient_and_zero():
    x, w, b, y = _data(np.float64, n=6)
    loss = (lambda a: 0.5 * np.sum((a - y) ** 2))

    def check(backward):
        with pytest.raises(AssertionError) as info:
            assert_backward_matches(tanh_forward, backward, dict(x=x, w=w, b=b), loss=loss,
                                    wrt="w", output_name="a")
        return str(info.value)

    def dw(scale):
        a = tanh_forward(x, w, b)
        return x.T @ ((a - y) * (1 - a * a) * scale(a))
    assert "yours has an extra factor a" in check(lambda x, w, b: dw(lambda a: a))
    assert "a factor dL/da is missing" in check(
        lambda x, w, b: dw(lambda a: 1 / (a - y)))
    assert "zero everywhere" in check(lambda x, w, b: np.zeros_like(w))
    assert "off by a constant factor 2\n" in check(lambda x, w, b: dw(lambda a: 2.0)) + "\n"


def test_forward_gradgraph_cannot_differentiate_falls_back_to_central_differences():
    x = np.array([0.3, -0.7, 1.2])
    f = (lambda x: np.sum(np.cbrt(x)))                         # no cbrt in gradgraph
    assert_backward_matches(f, lambda x: 1 / (3 * np.cbrt(x) ** 2), {"x": x})
    with pytest.raises(AssertionError, match="reference: central differences \\(numpy.cbrt"):
        assert_backward_matches(f, lambda x: -1 / (3 * np.cbrt(x) ** 2), {"x": x})


def test_a_kink_is_reported_not_blamed():
    x = np.array([0.0, -0.7, 0.5])          # clip's kink at 0: gradgraph 1, differences 0.5
    with pytest.raises(AssertionError, match=r"disagrees with central differences at x\(0,\) "
                                             r"\(1 vs 0.5\).*may not be differentiable"):
        assert_backward_matches(lambda x: np.sum(np.clip(x, 0, 1)), lambda x: x * 0,
                                {"x": x})


def test_backward_matches_argument_errors():
    x = np.ones(3)
    with pytest.raises(AssertionError, match="returned 1 gradients for 2 inputs"):
        assert_backward_matches(lambda x, y: np.sum(x * y), lambda x, y: x, (x, x))
    with pytest.raises(ag.ArgumentError, match="wrt=.z."):
        assert_backward_matches(lambda x: np.sum(x), lambda x: x, {"x": x}, wrt="z")
    assert_backward_matches(lambda x, y: np.sum(x * y), lambda x, y: {"y": x, "x": y},
                            {"x": x * 2, "y": x})


# --- assert_close ------------------------------------------------------------------------
def test_assert_close():
    assert_close(ag.tensor([1.0, np.nan, np.inf]), np.array([1.0, np.nan, np.inf]))
    assert_close(ag.tensor([1.0, 2.0], requires_grad=True) * 1.0, [1.0, 2.0 + 1e-6])
    with pytest.raises(AssertionError, match=r"shapes differ: actual \(2,\), expected \(3,\)"):
        assert_close(np.ones(2), np.ones(3))
    with pytest.raises(AssertionError) as info:
        assert_close(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]), msg="layer 1")
    assert str(info.value).startswith("assert_close: layer 1: 1 of 3 elements differ")
    assert "(1,)" in str(info.value) and "0.8" in str(info.value)
    with pytest.raises(AssertionError):
        assert_close(np.float32([1.0]), np.float32([1.001]))            # float32 defaults
    assert_close(np.float32([1.0]), np.float32([1.000001]))


# --- hypothesis strategies ----------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(tensors(elements=away_from_kinks(kinks=(0.0,), distance=0.05), max_dims=2))
def test_strategies_feed_a_gradient_check_of_relu(t):
    assert t.requires_grad and t.dtype == np.float64 and np.all(np.abs(t.data) >= 0.05)
    check_grads(lambda x: np.maximum(x, 0) * x, (t,), order=2)


@settings(max_examples=20, deadline=None)
@given(broadcastable_shapes(), tensors(shape=(2,), dtype=np.float32, requires_grad=False))
def test_broadcastable_shapes(pair, t):
    (a, b), result = pair
    assert (np.zeros(a) + np.zeros(b)).shape == result
    assert t.dtype == np.float32 and not t.requires_grad
