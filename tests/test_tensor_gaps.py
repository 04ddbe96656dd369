"""Tensor API that PyTorch users reach for, against PyTorch 2.13: take_along_dim's index
wrapping, put_, fill_diagonal_, the shift operators; values, dtypes, gradients (special
values included) and the errors for bad input."""
import math

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")    # inf - inf, NaN * 0

SPECIAL = [[0.5, -0.0, math.inf], [math.nan, -math.inf, 2.0], [0.0, -1.5, 3.0]]


def _both(data, dtype="float64", grad=False):
    """The same values as a gradgraph and a PyTorch tensor."""
    a = ag.tensor(np.array(data, dtype=dtype), requires_grad=grad)
    t = torch.tensor(np.array(data, dtype=dtype), requires_grad=grad)
    return a, t


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def _outcome(fn, lib):
    """fn(lib)'s values and dtype, or the kind of error it raised."""
    try:
        out = fn(lib)
    except Exception as e:                          # noqa: BLE001 (compared below)
        return "error", isinstance(e, (IndexError, RuntimeError, ValueError, TypeError,
                                       OverflowError))
    return out.tolist(), str(out.dtype).split(".")[-1]


# --- take_along_dim, take, gather: indices outside [0, n) -----------------------------------
INDEX_CASES = {
    "take_along_dim_negative": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[-1, -3], [0, -2]]), 1),
    "take_along_dim_beyond": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[7], [-8]]), 1),
    "take_along_dim_dim0": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[-1, -2, 5]]), 0),
    "take_along_dim_broadcast": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[-1], [-100]]), -1),
    "take_along_dim_flat_negative": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([-1])),
    "take_along_dim_empty_dim": lambda L: L.take_along_dim(
        L.zeros(2, 0), L.tensor([[0], [0]]), 1),
    "take_negative": lambda L: L.take(L.arange(6.0).reshape(2, 3), L.tensor([-1, -6])),
    "take_below": lambda L: L.take(L.arange(6.0).reshape(2, 3), L.tensor([-7])),
    "gather_negative": lambda L: L.gather(L.arange(6.0).reshape(2, 3), 1,
                                          L.tensor([[-1], [0]])),
    "take_int32": lambda L: L.take(L.arange(6.0), L.tensor([1], dtype=L.int32)),
    "take_along_dim_int32": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[0], [1]], dtype=L.int32), 1),
    "take_along_dim_uint8": lambda L: L.take_along_dim(
        L.arange(6.0).reshape(2, 3), L.tensor([[0], [1]], dtype=L.uint8), 1),
    "gather_int32": lambda L: L.gather(L.arange(6.0).reshape(2, 3), 1,
                                       L.tensor([[2], [0]], dtype=L.int32)),
}


@pytest.mark.parametrize("name", INDEX_CASES)
def test_index_wrapping_is_torchs(name):
    assert _outcome(INDEX_CASES[name], ag) == _outcome(INDEX_CASES[name], torch)


def test_take_along_dim_negative_indices_gradient_is_torchs():
    idx = [[-1, -1, 2], [0, -3, 4]]
    a, t = _both(SPECIAL[:2], grad=True)
    out_a = ag.take_along_dim(a, ag.tensor(idx), 1)
    out_t = torch.take_along_dim(t, torch.tensor(idx), 1)
    _same(out_a, out_t)
    seed = np.arange(6.0).reshape(2, 3) - 2
    out_a.backward(ag.tensor(seed))
    out_t.backward(torch.tensor(seed))
    _same(a.grad, t.grad)


# --- put_ and put ------------------------------------------------------------------------
PUT_CASES = {
    "put_": lambda L: L.zeros(2, 3).put_(L.tensor([-1, 0]), L.tensor([1.0, 2.0])),
    "put_accumulate": lambda L: L.zeros(2, 3).put_(L.tensor([1, 1, -5]),
                                                   L.tensor([1.0, 2.0, 4.0]), accumulate=True),
    "put_int": lambda L: L.zeros(4, dtype=L.int8).put_(L.tensor([[3], [0]]),
                                                       L.tensor([[-7], [5]], dtype=L.int8)),
    "put_dtype_mismatch": lambda L: L.zeros(2, 3).put_(L.tensor([1]), L.tensor([1])),
    "put_out_of_place_dtype_mismatch": lambda L: L.zeros(2, dtype=L.int8).put(
        L.tensor([0]), L.tensor([300])),
    "put_out_of_range": lambda L: L.zeros(2, 3).put_(L.tensor([6]), L.tensor([1.0])),
    "put_below_range": lambda L: L.zeros(2, 3).put_(L.tensor([-7]), L.tensor([1.0])),
    "put_count_mismatch": lambda L: L.zeros(2, 3).put_(L.tensor([0, 1]), L.tensor([1.0])),
}


@pytest.mark.parametrize("name", PUT_CASES)
def test_put_is_torchs(name):
    assert _outcome(PUT_CASES[name], ag) == _outcome(PUT_CASES[name], torch)


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_inplace_gradients_are_torchs(accumulate):
    index = [[4, -1], [0, 4]] if accumulate else [[4, -1], [0, 2]]

    def run(L, x, s):
        y = x * 1
        y.put_(L.tensor(index), s, accumulate=accumulate)
        return y * y.detach() - y

    (a, t), (sa, st) = _both(SPECIAL[:2], grad=True), _both([[1.5, -0.0], [math.inf, 2.0]],
                                                            grad=True)
    out_a, out_t = run(ag, a, sa), run(torch, t, st)
    _same(out_a, out_t)
    out_a.sum().backward()
    out_t.sum().backward()
    _same(a.grad, t.grad)
    _same(sa.grad, st.grad)


# --- fill_diagonal_ ------------------------------------------------------------------------
FILL_CASES = {
    "square": lambda L: L.zeros(3, 3).fill_diagonal_(2.5),
    "wide": lambda L: L.zeros(2, 5).fill_diagonal_(-1.0),
    "tall": lambda L: L.zeros(7, 3).fill_diagonal_(1.0),
    "tall_wrap": lambda L: L.zeros(7, 3).fill_diagonal_(1.0, wrap=True),
    "tall_wrap_by_one": lambda L: L.zeros(4, 3).fill_diagonal_(1.0, wrap=True),
    "cube": lambda L: L.zeros(2, 2, 2).fill_diagonal_(math.inf, wrap=True),
    "int": lambda L: L.zeros(3, 3, dtype=L.int16).fill_diagonal_(-300),
    "bool": lambda L: L.zeros(2, 3, dtype=L.bool).fill_diagonal_(True),
    "int_overflow": lambda L: L.zeros(2, 2, dtype=L.int8).fill_diagonal_(300),
    "float_into_int": lambda L: L.zeros(2, 2, dtype=L.int64).fill_diagonal_(2.7),
    "1d": lambda L: L.zeros(3).fill_diagonal_(1.0),
    "unequal_3d": lambda L: L.zeros(2, 3, 3).fill_diagonal_(1.0),
    "empty": lambda L: L.zeros(0, 3).fill_diagonal_(1.0, wrap=True),
    "leaf": lambda L: L.zeros(2, 2, requires_grad=True).fill_diagonal_(1.0),
}


@pytest.mark.parametrize("name", FILL_CASES)
def test_fill_diagonal_is_torchs(name):
    assert _outcome(FILL_CASES[name], ag) == _outcome(FILL_CASES[name], torch)


@pytest.mark.parametrize("fill", [math.nan, -0.0, math.inf, 3.0])
def test_fill_diagonal_gradient_is_torchs(fill):
    def run(L, x):
        y = x * 2
        y.fill_diagonal_(fill, wrap=True)
        return (y * y.detach().nan_to_num()).sum()

    a, t = _both(SPECIAL + [[1.0, -2.0, 4.0]] * 2, grad=True)
    out_a, out_t = run(ag, a), run(torch, t)
    _same(out_a, out_t)
    out_a.backward()
    out_t.backward()
    _same(a.grad, t.grad)


def test_fill_diagonal_through_a_view_reaches_the_base():
    def run(L, x):
        y = x * 1
        y[1:].fill_diagonal_(0.0)
        return y

    a, t = _both(np.arange(12.0).reshape(4, 3) - 5, grad=True)
    out_a, out_t = run(ag, a), run(torch, t)
    _same(out_a, out_t)
    out_a.backward(ag.tensor(np.arange(12.0).reshape(4, 3)))
    out_t.backward(torch.tensor(np.arange(12.0).reshape(4, 3)))
    _same(a.grad, t.grad)


# --- <<, >> and their in-place forms -------------------------------------------------------
SHIFT_CASES = {
    "lshift": lambda L: L.tensor([3, -5, 7], dtype=L.int8) << L.tensor([1, 2, 9]),
    "rshift": lambda L: L.tensor([3, -5, 7], dtype=L.int16) >> 1,
    "lshift_wrapping_number": lambda L: L.tensor([3, -5], dtype=L.int8) << 257,
    "rlshift": lambda L: 2 << L.tensor([1, 3], dtype=L.uint8),
    "rrshift": lambda L: 100 >> L.tensor([1, 3]),
    "ilshift": lambda L: L.tensor([3, -5], dtype=L.int8).__ilshift__(1),
    "irshift": lambda L: L.tensor([3, -5], dtype=L.int32).__irshift__(L.tensor([1, 1])),
    "ilshift_wider": lambda L: L.tensor([3, -5], dtype=L.int8).__ilshift__(L.tensor([1, 2])),
    "bitwise_left_shift_": lambda L: L.tensor([1, 2]).bitwise_left_shift_(3),
    "bitwise_right_shift_": lambda L: L.tensor([-16, 16]).bitwise_right_shift_(L.tensor(2)),
    "function_number_first": lambda L: L.bitwise_left_shift(3, L.tensor([1, 2])),
    "float": lambda L: L.tensor([1.5]) << 1,
    "float_inplace": lambda L: L.tensor([1, 2]).__ilshift__(L.tensor([1.0, 1.0])),
}


@pytest.mark.parametrize("name", SHIFT_CASES)
def test_shifts_are_torchs(name):
    assert _outcome(SHIFT_CASES[name], ag) == _outcome(SHIFT_CASES[name], torch)


def test_shift_in_place_writes_into_the_same_tensor():
    x = ag.tensor([1, 2, 3])
    alias = x
    x <<= 2
    x >>= ag.tensor([1, 0, 1])
    assert alias is x and x.tolist() == [2, 8, 6]


# --- a Python int beyond an integer tensor's dtype: wrapped around, as PyTorch ------------
WRAP_CASES = [
    "a + 300", "a + 127", "a * 200", "a - 300", "300 - a", "a * -129", "a - (-129)",
    "a * 2 ** 40", "a + 2 ** 63", "a.add(300)", "a.sub(300)", "L.add(a, 300)", "a.mul(-129)",
    "a.clone().add_(300)", "a.clone().sub_(300)", "a.clone().mul_(300)",
    "a.clone().__iadd__(300)", "a.clone().__imul__(1000)", "a.clone().__isub__(-300)",
    "u + 100", "u - 300", "u + (-1)", "u * -1", "u.clone().add_(-1)",
    "i32 + 2 ** 40", "i64 + 2 ** 63", "i64 - 2 ** 63 - 2 ** 62",
    "a // 300", "a % 300", "a.remainder(300)", "L.fmod(a, 300)", "a.floor_divide(300)",
    "300 // a", "300 % a", "a // 256", "a % 256", "a.div(256, rounding_mode='floor')",
    "a & 300", "a | 300", "a ^ 300", "a << 300", "a >> 257",
    "L.bitwise_or(300, a)", "L.bitwise_xor(-129, a)", "L.bitwise_and(True, a)",
    "b == 300", "b.eq(300)", "b != 300", "b < 300", "b > -300", "b.ge(-300)", "u < -3",
    "a / 300", "a.div(300)", "a + 1e10", "t + 300",
    "a.add(a, alpha=-128)", "u.add(1, alpha=-255)", "a.add(1, alpha=300)",
    "u.add(1, alpha=-256)", "a.addcmul(a, a, value=300)", "a.addcmul(a, a, value=2)",
    "a + 2 ** 64", "a + (-2 ** 63 - 1)", "a.clone().fill_(300)", "a ** 300",
    "a.clamp(max=300)", "a.masked_fill(a > 0, 300)", "L.full((2,), 300, dtype=L.int8)",
]


@pytest.mark.parametrize("expr", WRAP_CASES)
def test_numbers_beyond_an_integer_dtype_are_torchs(expr):
    def run(L):
        a = L.tensor([1, -2], dtype=L.int8)           # noqa: F841 (used by expr)
        b = L.tensor([44, 100], dtype=L.int8)         # noqa: F841
        u = L.tensor([200, 1], dtype=L.uint8)         # noqa: F841
        i32 = L.tensor([1, -1], dtype=L.int32)        # noqa: F841
        i64 = L.tensor([1, -1], dtype=L.int64)        # noqa: F841
        t = L.tensor([True, False])                   # noqa: F841
        return eval(expr)
    assert _outcome(run, ag) == _outcome(run, torch)


def test_an_in_place_wrap_writes_into_the_same_buffer():
    x = ag.tensor([1, 2], dtype=ag.int8)
    view = x[1:]
    x += 300
    assert x.tolist() == [45, 46] and view.tolist() == [46]


# --- Tensor.view(dtype): the bytes read as another dtype -----------------------------------
VIEW_DTYPE_CASES = [
    "f32.view(L.int32)", "f32.view(L.uint8)", "f32.view(L.int64)", "f32.view(L.float64)",
    "f32.view(dtype=L.int16)", "L.tensor([1.0, 2.0, 3.0]).view(L.float64)",
    "L.zeros(2, 3).t().view(L.uint8)", "L.zeros(3, 2).t().view(L.int8)",
    "L.arange(6.0).reshape(2, 3).t().view(L.int32)", "L.zeros(2, 3).t().view(L.float64)",
    "L.tensor(1.0).view(L.uint8)", "L.tensor(1.5).view(L.int32)",
    "L.zeros(4, dtype=L.uint8)[1:].view(L.int16)", "L.zeros(5, dtype=L.uint8)[1:].view(L.int32)",
    "L.tensor([True, False]).view(L.uint8)", "L.tensor([-1, 2], dtype=L.int8).view(L.bool)",
    "L.tensor([-1, 2], dtype=L.int8).view(L.uint8)",
    "L.tensor([1.0], requires_grad=True).view(L.int32)",
    "(L.tensor([1.0], requires_grad=True) * 1).view(L.float32)",
    "L.tensor([1, 2], dtype=L.int32).view(L.float32)",
    "L.arange(8, dtype=L.uint8).reshape(2, 4)[:, :2].view(L.int16)",
    "L.zeros(2, 4, dtype=L.uint8)[:, 1:3].view(L.int16)",
    "L.zeros(2, 4, dtype=L.uint8)[:, ::2].view(L.int16)",
    "L.zeros(2, 4, dtype=L.int16)[:, ::2].view(L.uint8)",
    "L.zeros(0, dtype=L.int16).view(L.uint8)", "L.zeros(3, 0, dtype=L.uint8).view(L.int32)",
    "L.zeros(1, 3).t().view(L.uint8)", "L.arange(0, 3, dtype=L.int64).view(L.float64)",
    "L.tensor([math.nan, -0.0, math.inf, -math.inf], dtype=L.float64).view(L.int64)",
    "L.arange(12, dtype=L.int16).reshape(3, 4)[:, 2:].view(L.int32)",
    "L.arange(12, dtype=L.int16).reshape(2, 6)[:, 1:].view(L.int8)",
]


@pytest.mark.parametrize("expr", VIEW_DTYPE_CASES)
def test_view_dtype_is_torchs(expr):
    def run(L):
        f32 = L.tensor([1.0, -2.5], dtype=L.float32)     # noqa: F841 (used by expr)
        out = eval(expr)
        return L.tensor(out.requires_grad) if out.requires_grad else out
    assert _outcome(run, ag) == _outcome(run, torch)


def test_view_dtype_shares_memory_and_the_version_counter():
    for L in (ag, torch):
        y = L.tensor([1.5, -2.0])
        v = y.view(L.int32)
        v[1] = 0                                   # the bits of +0.0
        assert y.tolist() == [1.5, 0.0]
        x = L.tensor([1.0, 2.0], requires_grad=True)
        e = x.exp()
        e.view(L.int32).add_(1)                    # exp saved its result: backward refuses
        with pytest.raises(RuntimeError):
            e.sum().backward()


def test_view_dtype_refusals_name_the_shapes_and_dtypes():
    with pytest.raises(ag.ShapeError, match=r"last size 3 .* divisible by 2 to view float32 "
                                            r"as float64"):
        ag.zeros(3).view(ag.float64)
    with pytest.raises(ag.ShapeError, match=r"strides \(1, 3\) must have stride 1"):
        ag.zeros(2, 3).t().view(ag.uint8)
    with pytest.raises(ag.DtypeError, match="no dtype float16"):
        ag.zeros(2).view(np.float16)
    with pytest.raises(ag.ArgumentError, match="not both"):
        ag.zeros(2).view(2, dtype=ag.int32)


# --- as_strided: a view at element strides over the buffer ---------------------------------
STRIDED_CASES = {
    "basic": lambda x: (x * 1).as_strided((2, 2), (1, 2)),
    "overlapping_windows": lambda x: (x * 1).as_strided((4, 3), (2, 1), 1),
    "slice_default_offset": lambda x: (x * 1)[1:].as_strided((2, 3), (1, 2)),
    "slice_offset_before_it": lambda x: (x * 1)[1:].as_strided((2, 3), (1, 2), 0),
    "transposed": lambda x: (x * 1).t().as_strided((3, 2), (4, 1), 2),
    "stride_0": lambda x: (x * 1).as_strided((3, 2), (0, 5)),
    "expanded_input": lambda x: (x[0] * 1).expand(3, 4).as_strided((2,), (1,)),
    "expanded_input_all": lambda x: (x[0] * 1).expand(3, 4).as_strided((3, 4), (0, 1)),
    "0d": lambda x: (x * 1).as_strided((), (), 5),
    "empty": lambda x: (x * 1).as_strided((0, 3), (1, 1), 11),
    "stepped_view": lambda x: (x * 1)[:, ::2].as_strided((2, 2), (2, 4)),
    "function": lambda x: ag_or_torch(x).as_strided(x * 2, (3,), (5,), 1),
    "leaf": lambda x: x.as_strided((2, 2), (1, 2)),
    "in_place": lambda x: (x * 1).as_strided_((3, 2), (1, 1), 4),
    "out_of_bounds": lambda x: (x * 1).as_strided((2, 3), (4, 2), 4),
    "negative_stride": lambda x: (x * 1).as_strided((2,), (-1,), 3),
    "size_stride_mismatch": lambda x: (x * 1).as_strided((2, 2), (1,)),
}


def ag_or_torch(x):
    return ag if isinstance(x, ag.Tensor) else torch


@pytest.mark.parametrize("data", ["plain", "special"])
@pytest.mark.parametrize("name", STRIDED_CASES)
def test_as_strided_values_and_gradients_are_torchs(name, data):
    values = (np.arange(12.0).reshape(3, 4) - 5.5 if data == "plain" else
              np.array(SPECIAL[:2] + [[1.0, 2.0, 3.0]]).repeat(2, 0)[:3].reshape(3, 3))
    if data == "special":
        values = np.concatenate([values, np.array([[-0.0], [7.0], [math.inf]])], 1)

    def run(L):
        x = L.tensor(values, dtype=L.float64, requires_grad=True)
        out = STRIDED_CASES[name](x)
        seed = np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)) - 1.5
        out.backward(L.tensor(seed))
        return out.detach().numpy().copy(), x.grad.numpy().copy()
    try:
        theirs = run(torch)
    except RuntimeError:
        with pytest.raises(ag.GradgraphError, match="as_strided"):
            run(ag)
        return
    ours = run(ag)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_as_strided_writes_reach_the_buffer_as_pytorchs():
    outs = []
    for L in (ag, torch):
        y = L.arange(6.0)
        v = y.as_strided((2, 2), (1, 3))
        v[0, 1] = 100.0
        v.mul_(2)
        y[1] = -1.0
        outs.append((y.tolist(), v.tolist()))
    assert outs[0] == outs[1]


def test_as_strided_writes_that_cannot_be_kept_in_the_graph_are_refused():
    x = ag.arange(6.0, requires_grad=True)
    y = x * 2
    v = y.as_strided((2, 2), (1, 3))
    with pytest.raises(ag.GraphError, match="as_strided view"):
        v.mul_(2)
    with pytest.raises(ag.GraphError, match="as_strided view"):
        y.mul_(2)                              # a live as_strided view would not see it
    assert y.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    windows = ag.arange(4.0).as_strided((2, 2), (1, 1))
    with pytest.raises(ag.GraphError, match="read-only"):
        windows.mul_(2)                        # overlapping: PyTorch refuses it too


def test_as_strided_of_an_intermediate_replays_under_compile():
    w = ag.tensor(np.arange(6.0), requires_grad=True)

    def step(x):
        y = x * w
        loss = (y.as_strided((3, 2), (1, 1), 1).sin() * y[2:].as_strided((2,), (2,), 1)
                .sum()).sum() + ag.as_strided(x, (2,), (2,)).sum()
        loss.backward()
        return loss
    compiled = ag.compile(step)
    for i in range(4):
        x = ag.tensor(np.arange(6.0) * (i + 1) - 2)
        w.grad = None
        eager, g_eager = step(x).item(), w.grad.data.copy()
        w.grad = None
        assert compiled(x).item() == eager
        np.testing.assert_array_equal(w.grad.data, g_eager)
    assert compiled.replays >= 2


@pytest.mark.parametrize("case", ["write_through_it", "write_through_a_view_of_it",
                                  "write_into_its_base"])
def test_writes_after_as_strided_in_place_are_refused_in_a_graph(case):
    # the tensor's view chain no longer leads to its memory: y.mul_(3) gave v a node
    # through the old y[0:6] (x.grad [6, 6, 6, 6, 6, 6, 0, 0], PyTorch's [6, 6, 6, 6, 0, ...])
    x = ag.arange(8.0, requires_grad=True)
    y = x * 2
    v = y[0:6]
    target = {"write_through_it": v, "write_into_its_base": y}.get(case)
    if target is None:
        w = y[2:4]
        y.as_strided_((2, 2), (1, 2))
        target = w
    else:
        v.as_strided_((2, 2), (1, 2))
    with pytest.raises(ag.GraphError, match="as_strided view"):
        target.mul_(3)
