"""Differences from PyTorch found by differential runs of both libraries over special
values, integer and bool dtypes, empty and 0-d tensors, losses and layers' init; each
test failed before its fix."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _outcome(lib, fn):
    """fn(lib)'s (dtype name, shape, values), or 'refused' for an IndexError (PyTorch's
    and gradgraph's kind for a reduction over no element, gradgraph's for a number that
    overflows a dtype: PyTorch's is a RuntimeError) and 'error' for another."""
    try:
        out = fn(lib)
    except IndexError:
        return "refused"
    except RuntimeError as e:       # PyTorch's kind for an overflowing number, ours IndexError
        return "refused" if "without overflow" in str(e) else "error"
    except (ValueError, TypeError):
        return "error"
    out = out[0] if isinstance(out, tuple) else out
    values = out.detach().numpy() if lib is torch else out.data
    return str(out.dtype).split(".")[-1], tuple(out.shape), str(values.tolist())


EMPTY_REDUCTIONS = {
    "argmax": lambda x, d: x.argmax(d), "argmin": lambda x, d: x.argmin(d),
    "max": lambda x, d: x.max(d), "min": lambda x, d: x.min(d),
    "amax": lambda x, d: x.amax(d), "amin": lambda x, d: x.amin(d),
    "median": lambda x, d: x.median(d), "nanmedian": lambda x, d: x.nanmedian(d),
    "mode": lambda x, d: x.mode(d), "argmax keepdim": lambda x, d: x.argmax(d, keepdim=True),
}


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
@pytest.mark.parametrize("name", EMPTY_REDUCTIONS)
def test_a_reduction_without_identity_over_an_empty_dim_is_refused_as_pytorch(name, shape, dim):
    # numpy's errors came through: "attempt to get argmax of an empty sequence"
    # (ValueError) for argmax, max(dim), mode, "cannot do a non-empty take" for median;
    # over a dim of nonzero size the result is empty, as PyTorch's
    fn = lambda L: EMPTY_REDUCTIONS[name](L.zeros(shape), dim)  # noqa: E731
    assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("name", ["argmax", "argmin", "max", "min", "amax", "amin"])
def test_a_reduction_without_identity_over_no_element_names_the_op(name):
    with pytest.raises(ag.OutOfRangeError, match=rf"^{name}: a tensor of shape \(2, 0\) has no "
                                                 r"element to reduce; give dim"):
        getattr(ag.zeros(2, 0), name)()
    with pytest.raises(ag.OutOfRangeError, match=rf"^{name}: dim 1 to reduce over has size 0 "
                                                 r"\(a tensor of shape \(2, 0\)\)"):
        getattr(ag.zeros(2, 0), name)(1)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("shape", [(0,), (2, 0, 3)])
def test_median_of_no_element_is_nan_as_pytorch(name, shape):
    # it raised numpy's IndexError; PyTorch's is NaN with an empty gradient
    out = []
    for L in (ag, torch):
        x = L.zeros(shape, dtype=L.float64, requires_grad=True)
        y = getattr(x, name)()
        y.backward()
        out.append((str(y.dtype).split(".")[-1], tuple(y.shape), bool(np.isnan(y.item())),
                    tuple(x.grad.shape)))
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_quantile_of_no_element_is_refused_as_pytorch(name, dim):
    # over an empty dim it failed in gather ("gather: index values must lie in [0, 0)"),
    # and over the other dim it gave an empty result; PyTorch refuses both
    with pytest.raises(RuntimeError, match="must be non-empty"):
        getattr(torch.zeros(3, 0), name)(0.5, dim)
    with pytest.raises(ag.ArgumentError, match=rf"^{name}: the input has no element \(shape "
                                               r"\(3, 0\)\)"):
        getattr(ag.zeros(3, 0), name)(0.5, dim)


UINT8_INDICES = {"rows": lambda L, x: x[(x[:, 0] > 2).to(L.uint8)],
                 "cells": lambda L, x: x[(x > 5).to(L.uint8)],
                 "columns": lambda L, x: x[:, L.tensor([1, 0, 0, 1], dtype=L.uint8)],
                 "with an int index": lambda L, x: x[L.tensor([1, 0, 1], dtype=L.uint8), 2]}


@pytest.mark.parametrize("name", UINT8_INDICES)
def test_a_uint8_index_is_a_mask_as_pytorch(name):
    # numpy took it as integer indices: x[(x[:, 0] > 2).byte()], ported code's mask, gave
    # rows [0, 1, 1] where PyTorch gives the rows 1 and 2
    out = []
    for L in (ag, torch):
        x = L.arange(12.0).reshape(3, 4).requires_grad_(True)
        with pytest.warns(UserWarning, match="uint8"):
            y = UINT8_INDICES[name](L, x)
        y.sum().backward()
        out.append((y.tolist(), x.grad.tolist()))
    assert out[0] == out[1]


def test_a_uint8_index_assigns_through_its_mask():
    x = ag.zeros(3)
    with pytest.warns(UserWarning, match="takes it as a mask"):
        x[ag.tensor([0, 1, 1], dtype=ag.uint8)] = 2.0
    assert x.tolist() == [0.0, 2.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rsqrt_and_the_arcsine_slope_are_pytorchs(dtype):
    # x ** -0.5 gave rsqrt(-inf) = 0 (PyTorch: NaN) and rsqrt(-0) = inf (-inf), and
    # asin's and acos's gradient 0 where 1 - x^2 overflows (x = 1e300: NaN); as
    # 1 / sqrt(x) the values are also PyTorch's bits (x ** -0.5 differed by an ulp in
    # about 1 in 3)
    rng = np.random.default_rng(0)
    special = [-np.inf, -1.0, -0.0, 0.0, 1e-30, 2.0, np.inf, np.nan]
    x = np.concatenate([special, rng.uniform(0, 10, 200) ** 3]).astype(dtype)
    u = np.concatenate([special, [1e300, -1e300, 1.0], rng.uniform(-1, 1, 200)]).astype(dtype)
    out = []
    for L in (ag, torch):
        a, b = L.tensor(x, requires_grad=True), L.tensor(u, requires_grad=True)
        ys = [a.rsqrt(), b.asin(), b.acos()]
        L.autograd.backward(ys, [L.ones_like(y) for y in ys]) if L is torch else \
            ag.backward(ys, [ag.ones_like(y) for y in ys])
        out.append([np.asarray(t.detach() if L is torch else t.data)
                    for t in (*ys, a.grad, b.grad)])
    for ours, ref in zip(*out):
        np.testing.assert_allclose(ours, ref, rtol=1e-6)
        assert np.array_equal(np.signbit(ours) & ~np.isnan(ours), np.signbit(ref) & ~np.isnan(ref))
    assert out[0][0].tobytes() == out[1][0].tobytes()     # rsqrt's values, bit for bit


ZERO_D_POWERS = {"sqrt": lambda y: y.sqrt(), "** 0.5": lambda y: y ** 0.5,
                 "** -0.5": lambda y: y ** -0.5, "rsqrt": lambda y: y.rsqrt(),
                 "** 1.5": lambda y: y ** 1.5, "** 2": lambda y: y ** 2}


@pytest.mark.parametrize("reduce", ["sum", "amax"])
@pytest.mark.parametrize("name", ZERO_D_POWERS)
def test_a_power_of_a_reductions_0d_result_is_pytorchs(name, reduce):
    # a reduction's 0-d data was a numpy scalar, whose ** is C's pow: x.sum().sqrt() of
    # -inf was inf (PyTorch: NaN) and sqrt(-0) 0; and x ** -0.5 is PyTorch's rsqrt
    # (NaN at -inf, -inf at -0), where numpy's pow gives 0 and inf
    out = []
    for L in (ag, torch):
        values = []
        for v in (-np.inf, -0.0, -4.0, 2.0, np.inf):
            y = ZERO_D_POWERS[name](getattr(L.tensor([v], dtype=L.float64), reduce)())
            values.append(str(float(y)))
        out.append(values)
    assert out[0] == out[1]


EMPTY_NORMS = {
    "group_norm, no sample": lambda F, L, x: F.group_norm(x.reshape(0, 4, 3), 2, x.new_ones(4),
                                                          x.new_zeros(4)),
    "group_norm, no spatial element": lambda F, L, x: F.group_norm(x.reshape(2, 4, 0), 2),
    "layer_norm over no element": lambda F, L, x: F.layer_norm(x.reshape(2, 0), (0,)),
    "layer_norm over no element, affine": lambda F, L, x: F.layer_norm(
        x.reshape(2, 0), (0,), x.new_ones(0), x.new_zeros(0)),
    "kl_div batchmean, no sample": lambda F, L, x: F.kl_div(x.reshape(0, 3), L.zeros(0, 3),
                                                            reduction="batchmean"),
}


@pytest.mark.parametrize("name", EMPTY_NORMS)
def test_norms_and_losses_of_no_element_are_pytorchs(name):
    # group_norm's reshape(n, groups, -1) of 0 elements raised, layer_norm's mean over
    # rows of no element and kl_div's batchmean over no sample divided by 0 (Python's
    # ZeroDivisionError); PyTorch gives an empty output (NaN for batchmean)
    import nn.functional as F
    out = []
    for L, functional in ((ag, F), (torch, torch.nn.functional)):
        x = L.zeros(0, dtype=L.float64, requires_grad=True)
        y = EMPTY_NORMS[name](functional, L, x)
        y.sum().backward()
        out.append((tuple(y.shape), str(y.detach().numpy().tolist() if L is torch else
                                        y.data.tolist()), tuple(x.grad.shape)))
    assert out[0] == out[1]


NUMBERS_INTO_TENSORS = {
    "fill_ int8 1000": lambda L: L.tensor([1, 2], dtype=L.int8).fill_(1000),
    "fill_ int32 2**40": lambda L: L.tensor([1, 2], dtype=L.int32).fill_(2 ** 40),
    "fill_ int32 NaN": lambda L: L.tensor([1, 2], dtype=L.int32).fill_(float("nan")),
    "fill_ float32 1e39": lambda L: L.zeros(2).fill_(1e39),
    "fill_ uint8 -1": lambda L: L.tensor([1, 2], dtype=L.uint8).fill_(-1),
    "fill_ uint8 -1.5": lambda L: L.tensor([1, 2], dtype=L.uint8).fill_(-1.5),
    "masked_fill uint8 -0.5": lambda L: L.tensor([1, 2], dtype=L.uint8).masked_fill(
        L.tensor([True, False]), -0.5),
    "fill_ uint8 -0.0": lambda L: L.tensor([1, 2], dtype=L.uint8).fill_(-0.0),
    "fill_ int32 2.7": lambda L: L.tensor([1, 2], dtype=L.int32).fill_(2.7),
    "where int8 1000": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.int8),
                                         1000),
    "where 1000 int8": lambda L: L.where(L.tensor([True, False]), 1000,
                                         L.tensor([1, 2], dtype=L.int8)),
    "where float32 1e39": lambda L: L.where(L.tensor([True, False]), L.zeros(2), 1e39),
    "where float64 1e39": lambda L: L.where(L.tensor([True, False]), L.zeros(2, dtype=L.float64),
                                            1e39),
    "where uint8 -1": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.uint8),
                                        -1),
    "scatter int8 1000": lambda L: L.tensor([1, 2], dtype=L.int8).scatter(0, L.tensor([0]), 1000),
    "scatter int32 3e9": lambda L: L.tensor([1, 2], dtype=L.int32).scatter(0, L.tensor([0]), 3e9),
    "scatter uint8 -2": lambda L: L.tensor([1, 2], dtype=L.uint8).scatter(0, L.tensor([0]), -2),
    "masked_fill uint8 -1": lambda L: L.tensor([1, 2], dtype=L.uint8).masked_fill(
        L.tensor([True, False]), -1),
}


@pytest.mark.parametrize("name", NUMBERS_INTO_TENSORS)
def test_a_number_that_overflows_the_tensors_dtype_is_refused_as_pytorch(name):
    # numpy wrapped it silently: int32 fill_(2 ** 40) gave [0, 0], where(mask, int8, 1000)
    # and scatter(..., 1000) wrote -24; PyTorch refuses (and wraps a negative into uint8)
    fn = NUMBERS_INTO_TENSORS[name]
    assert _outcome(ag, fn) == _outcome(torch, fn)
    if _outcome(torch, fn) == "refused":
        with pytest.raises(ag.OutOfRangeError, match=r"value .* cannot be converted to the "
                                                     r"\w+ of the input .* without overflow"):
            fn(ag)


REDUCTION_DTYPES = {
    "sum int8 as int8": lambda L: L.full((4,), 100, dtype=L.int8).sum(dtype=L.int8),
    "sum int16 dim as int32": lambda L: L.full((2, 3), 30000, dtype=L.int16).sum(1, dtype=L.int32),
    "sum float as int32": lambda L: L.tensor([2.7, 3.9, -1.5]).sum(dtype=L.int32),
    "cumsum int8 as int8": lambda L: L.full((4,), 100, dtype=L.int8).cumsum(0, dtype=L.int8),
    "cumsum int as float32": lambda L: L.arange(5).cumsum(0, dtype=L.float32),
    "cumsum int8": lambda L: L.full((4,), 100, dtype=L.int8).cumsum(0),
    "mean int as float64": lambda L: L.arange(6).reshape(2, 3).mean(1, dtype=L.float64),
    "mean int as int64": lambda L: L.arange(4).mean(dtype=L.int64),
    "mean float as int32": lambda L: L.tensor([1.5, 2.5]).mean(0, dtype=L.int32),
    "argmax keepdim": lambda L: L.arange(24.0).reshape(2, 3, 4).argmax(keepdim=True),
    "argmin keepdim": lambda L: L.arange(6).reshape(2, 3).argmin(keepdim=True),
}


@pytest.mark.parametrize("name", REDUCTION_DTYPES)
def test_reductions_keep_the_asked_dtype_and_dims_as_pytorch(name):
    # numpy sums int8, int16 and int32 in int64, so sum(dtype=int8) was int64 (400 where
    # PyTorch wraps to -112); cumsum and mean had no dtype argument; argmax(keepdim=True)
    # over every dim gave a 0-d index where PyTorch keeps the dims as 1
    fn = REDUCTION_DTYPES[name]
    assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("fn", [lambda L: L.tensor([True, False]) ** L.tensor([True, True]),
                                lambda L: L.tensor([True, False]) ** L.tensor(False),
                                lambda L: True ** L.tensor([True, False])],
                         ids=["tensors", "0-d exponent", "number base"])
def test_bool_to_a_bool_tensors_power_is_refused_as_pytorch(fn):
    # numpy's bool ** bool is int8: [True, False] ** [True, True] gave the int8 [1, 0]
    assert _outcome(ag, fn) == _outcome(torch, fn) == "error"
    with pytest.raises(ag.DtypeError, match=r"pow: bool operands \(shapes"):
        fn(ag)


@pytest.mark.parametrize("loss", ["smooth_l1_loss", "huber_loss"])
def test_the_huber_shapes_gradient_at_an_infinite_difference_is_its_sign(loss):
    # the quadratic branch, not taken there, sent back 0 * 2d = NaN (where passes it 0)
    out = []
    for L, F in ((ag, __import__("nn.functional").functional), (torch, torch.nn.functional)):
        x = L.tensor([np.inf, -np.inf, 0.5, -3.0, np.nan, 0.0], dtype=L.float64,
                     requires_grad=True)
        getattr(F, loss)(x, L.zeros(6, dtype=L.float64), reduction="sum").backward()
        out.append(str(x.grad.tolist()))
    assert out[0] == out[1]


UNCHECKED_ARGUMENTS = {
    # each gave a result where PyTorch refuses: cat along dim 2 of 2-d tensors joined
    # the rows (dim % ndim), permute(0, 5) and tensordot's dim 2 wrapped the same way,
    # flip((0, 0)) flipped twice, repeat(2, -1) expanded -1 as "keep the size", a
    # dilation of 0 took windows of one cell, a stride of 0 divided by 0, arange(0, 5, -1)
    # was empty
    "cat dim 2": lambda L, F: L.cat([L.zeros(2, 3), L.ones(2, 3)], 2),
    "cat dim -3": lambda L, F: L.cat([L.zeros(2, 3), L.ones(2, 3)], -3),
    "permute 5": lambda L, F: L.zeros(2, 3).permute(0, 5),
    "tensordot dim 2": lambda L, F: L.tensordot(L.zeros(2, 3), L.zeros(2, 3), ([2], [0])),
    "flip (0, 0)": lambda L, F: L.zeros(2, 3).flip((0, 0)),
    "flip (1, -1)": lambda L, F: L.zeros(2, 3).flip((1, -1)),
    "repeat -1": lambda L, F: L.zeros(2, 3).repeat(2, -1),
    "tile -1": lambda L, F: L.zeros(2, 3).tile(-1),
    "conv2d dilation 0": lambda L, F: F.conv2d(L.zeros(1, 1, 5, 5), L.zeros(1, 1, 3, 3),
                                               dilation=0),
    "conv1d dilation 0": lambda L, F: F.conv1d(L.zeros(1, 1, 5), L.zeros(1, 1, 3), dilation=0),
    "conv_transpose2d dilation 0": lambda L, F: F.conv_transpose2d(
        L.zeros(1, 1, 5, 5), L.zeros(1, 1, 3, 3), dilation=0),
    "conv2d stride 0": lambda L, F: F.conv2d(L.zeros(1, 1, 5, 5), L.zeros(1, 1, 3, 3), stride=0),
    "max_pool2d dilation 0": lambda L, F: F.max_pool2d(L.zeros(1, 1, 5, 5), 2, dilation=0),
    "unfold dilation 0": lambda L, F: F.unfold(L.zeros(1, 1, 5, 5), 2, dilation=0),
    "arange 0, 5, -1": lambda L, F: L.arange(0, 5, -1),
    "arange 0, inf": lambda L, F: L.arange(0, float("inf")),
}


@pytest.mark.parametrize("name", UNCHECKED_ARGUMENTS)
def test_arguments_pytorch_refuses_are_refused(name):
    import nn.functional as F
    fn = UNCHECKED_ARGUMENTS[name]
    with pytest.raises((RuntimeError, IndexError, ValueError)):
        fn(torch, torch.nn.functional)
    with pytest.raises(ag.GradgraphError, match=r"dim|dims|repeat|dilation|stride|arange"):
        fn(ag, F)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_joins_a_tensor_of_shape_0_to_any_others_as_pytorch(dim):
    # it was refused ("cannot be joined"): PyTorch's legacy rule that makes
    # out = cat([out, batch]) from out = tensor([]) work, with its gradient (empty)
    out = []
    for L in (ag, torch):
        start = L.tensor([], dtype=L.float64, requires_grad=True)
        x = L.arange(6.0, dtype=L.float64).reshape(2, 3).requires_grad_(True)
        y = L.cat([start, x, start, x * 2], dim)
        (y * L.arange(float(y.numel()), dtype=L.float64).reshape(y.shape)).sum().backward()
        out.append((y.tolist(), x.grad.tolist(), tuple(start.grad.shape)))
    assert out[0] == out[1]


@pytest.mark.parametrize("op", ["x + 300", "300 - x", "x * -1000", "add", "add_"])
def test_a_number_beyond_an_integer_tensors_dtype_wraps_around_as_pytorch(op):
    # numpy's OverflowError came through; PyTorch wraps the number around (int8 1 + 300
    # is 45), and so does gradgraph now (tests/test_tensor_gaps.py has the other ops)
    out = []
    for L in (ag, torch):
        x = L.tensor([1, 2], dtype=L.int8)
        fn = {"x + 300": lambda: x + 300, "300 - x": lambda: 300 - x,
              "x * -1000": lambda: x * -1000, "add": lambda: L.add(x, 300),
              "add_": lambda: x.add_(300)}[op]
        out.append(fn().tolist())
    assert out[0] == out[1]


def test_a_number_beyond_int64_and_uint64_is_refused_as_pytorch():
    x = ag.tensor([1, 2], dtype=ag.int8)
    for bad in (2 ** 64, -2 ** 63 - 1):
        with pytest.raises(ag.IntegerOverflowError, match=f"{bad} is beyond int64"):
            x + bad
        with pytest.raises(OverflowError):
            torch.tensor([1, 2], dtype=torch.int8) + bad
    assert x.tolist() == [1, 2]


def test_fold_and_unfold_take_an_unbatched_input_as_pytorch():
    # they failed unpacking the shape ("not enough values to unpack")
    import nn.functional as F
    x = np.random.default_rng(0).standard_normal((3, 5, 6))
    out = []
    for L, functional in ((ag, F), (torch, torch.nn.functional)):
        t = L.tensor(x, requires_grad=True)
        cols = functional.unfold(t, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
        y = functional.fold(cols * 2, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
        (y * y).sum().backward()
        out.append([np.asarray(a.detach() if L is torch else a.data) for a in (cols, y, t.grad)])
    for ours, ref in zip(*out):
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=1e-12)
    with pytest.raises(ag.ShapeError, match=r"fold: expected a 2-d .* got shape \(4,\)"):
        F.fold(ag.zeros(4), (4, 4), 2)


@pytest.mark.parametrize("target", [[1.5, 0.0], [0.5, -0.25]])
def test_binary_cross_entropy_refuses_a_target_outside_0_1_as_pytorch(target):
    # it gave a loss (of no meaning: -1.5 log p - ...) where PyTorch refuses
    import nn.functional as F
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.full((2,), 0.5), torch.tensor(target))
    with pytest.raises(ag.ArgumentError, match=r"binary_cross_entropy: all elements of target "
                                               r"should be between 0 and 1, got values in"):
        F.binary_cross_entropy(ag.full((2,), 0.5), ag.tensor(target))


def test_lerps_weight_gradient_at_an_infinite_end_is_infinite_as_pytorch():
    # the branch not taken (where) got 0 and sent the weight 0 * (end - start) = NaN
    out = []
    for L in (ag, torch):
        start = L.tensor([0.0, 1.0, -2.0, 1.0], dtype=L.float64, requires_grad=True)
        end = L.tensor([np.inf, -np.inf, 3.0, np.inf], dtype=L.float64, requires_grad=True)
        w = L.tensor([0.25, 0.75, 0.3, 1.2], dtype=L.float64, requires_grad=True)
        L.lerp(start, end, w).sum().backward()
        out.append(str([t.grad.tolist() for t in (start, end, w)]))
    assert out[0] == out[1]
