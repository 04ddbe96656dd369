"""Differences from PyTorch found by sweeping the options of nn's layers, pools, norms,
losses and attention against PyTorch in float64; each test failed before its fix."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(6)


@pytest.mark.parametrize("norm_type", [float("inf"), -float("inf")])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_lp_pool_of_infinite_order_is_the_max_or_min_of_abs(dims, norm_type):
    # x ** inf is 0 or inf and (...) ** (1 / inf) is 1, so every window gave 1 (or 0)
    # where PyTorch gives the max (for -inf, the min) of |x| over the window
    x = rng.standard_normal((2, 3) + (7, 6, 5)[:dims])
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = getattr(nn, f"LPPool{dims}d")(norm_type, 2, ceil_mode=True)(a)
    theirs = getattr(torch.nn, f"LPPool{dims}d")(norm_type, 2, ceil_mode=True)(t)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(ours.shape)
    (ours * ag.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "circular"])
def test_conv_refuses_same_padding_with_stride_and_unknown_padding_strings(dims, padding_mode):
    # with a padding_mode other than 'zeros', a strided 'same' convolution padded for
    # stride 1 and ran (PyTorch refuses it when the layer is made), and an unknown padding
    # string was taken; with 'zeros' both were only refused at the first call
    cls = getattr(nn, f"Conv{dims}d")
    with pytest.raises(ag.ArgumentError,
                       match=rf"Conv{dims}d: padding='same' is not supported for strided"):
        cls(2, 2, 3, stride=2, padding="same", padding_mode=padding_mode)
    with pytest.raises(ag.ArgumentError, match=rf"Conv{dims}d: invalid padding string 'full'"):
        cls(2, 2, 3, padding="full", padding_mode=padding_mode)
    assert cls(2, 2, 3, padding="same", padding_mode=padding_mode).padding == "same"


def test_transposed_conv_names_a_string_padding():
    # ConvTranspose2d(padding='same') raised "invalid literal for int() with base 10: 's'"
    with pytest.raises(ag.ArgumentError, match="padding must be an int or a pair of ints, "
                                               "got 'same'"):
        nn.ConvTranspose2d(2, 2, 3, padding="same")


def test_module_to_refuses_an_unknown_keyword():
    # Module.to(**kwargs) swallowed any keyword: m.to(dtyp=float64) kept float32 silently
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="dtyp"):
        m.to(dtyp=ag.float64)
    assert m.to(memory_format=torch.channels_last) is m     # PyTorch's layout hint
    assert m.weight.dtype == ag.float32


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_elementwise_losses_take_a_weight_as_pytorch(name, reduction):
    # PyTorch 2.13's l1_loss and mse_loss take weight= (a weighted 'mean' divides by the
    # weights' sum, huber_loss's by the element count); they raised TypeError
    x, y, w = (rng.standard_normal((3, 4)) for _ in range(3))
    a, b, c = (ag.tensor(v, requires_grad=True) for v in (x, y, np.abs(w)))
    t, u, v = (torch.tensor(v, requires_grad=True) for v in (x, y, np.abs(w)))
    ours = getattr(F, name)(a, b, reduction=reduction, weight=c)
    theirs = getattr(TF, name)(t, u, reduction=reduction, weight=v)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for mine, ref in ((a, t), (b, u), (c, v)):
        np.testing.assert_allclose(mine.grad.data, ref.grad.numpy(), rtol=1e-12, atol=1e-15)
    with pytest.raises(ag.ShapeError, match=rf"{name}: weight of shape \(4,\) must have"):
        getattr(F, name)(a, b, weight=c[0])



REFUSED = {
    # each was taken silently: a triplet loss with a margin of 0 or less, rrelu with
    # lower > upper (its eval slope their mean, its training slopes drawn from
    # U(upper, lower)), and recompute_scale_factor with an explicit size (ignored)
    "triplet_margin_loss": lambda F, x: F.triplet_margin_loss(x, x, x, margin=0.0),
    "rrelu": lambda F, x: F.rrelu(x, 0.5, 0.1),
    "interpolate": lambda F, x: F.interpolate(x[None], size=4, mode="linear",
                                              recompute_scale_factor=True),
}


@pytest.mark.parametrize("name", REFUSED)
def test_arguments_pytorch_refuses_are_refused(name):
    x = np.ones((2, 3))
    with pytest.raises((ValueError, RuntimeError)):
        REFUSED[name](TF, torch.tensor(x))
    with pytest.raises(ag.ArgumentError, match=f"{name}: "):
        REFUSED[name](F, ag.tensor(x))


def test_batch_norm_in_eval_mode_needs_the_running_statistics():
    # F.batch_norm(x, None, None) (training=False) raised AttributeError: 'NoneType' object
    # has no attribute 'data'; PyTorch says running_mean must be defined in evaluation mode
    x = np.ones((2, 3))
    with pytest.raises(RuntimeError, match="running_mean must be defined"):
        TF.batch_norm(torch.tensor(x), None, None)
    with pytest.raises(ag.ArgumentError, match="batch_norm: running_mean and running_var must"):
        F.batch_norm(ag.tensor(x), None, None)


@pytest.mark.parametrize("shape", [(2, 3, 4), (4,)])
def test_linear_takes_a_1d_weight_as_pytorch(shape):
    # F.linear(x, w) with w of shape (in,) raised "reshape: cannot reshape a tensor of
    # shape (6,) ... to (2, 3, 4)"; PyTorch gives x @ w (+ a 0-d bias), of shape x.shape[:-1]
    x, w, b = rng.standard_normal(shape), rng.standard_normal(4), rng.standard_normal(())
    ours = [ag.tensor(v, requires_grad=True) for v in (x, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    y, r = F.linear(*ours), TF.linear(*theirs)
    np.testing.assert_allclose(y.data, r.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    r.sum().backward()
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, ref.grad.numpy(), rtol=1e-12)
    with pytest.raises(ag.ShapeError, match="linear: a 1-d weight"):
        F.linear(ours[0], ours[1], ag.tensor(np.ones(1)))


@pytest.mark.parametrize("output_size", [(12, 12), (5, 8), (3, 6, 6)])
def test_max_unpool_refuses_an_output_size_pytorch_refuses(output_size):
    # the indices are flat in each plane, so a plane of another width puts the values in
    # other rows: output_size (5, 8) after pooling a 6 x 6 input scattered them silently
    # (PyTorch allows each size within a stride of the unpooled one, and 2 or 4 sizes)
    x = rng.standard_normal((1, 1, 6, 6))
    with pytest.raises(ValueError, match="output_size"):
        TF.max_unpool2d(*TF.max_pool2d(torch.tensor(x), 2, return_indices=True), 2,
                        output_size=output_size)
    with pytest.raises(ag.ArgumentError, match="max_unpool2d: .*output_size"):
        F.max_unpool2d(*F.max_pool2d(ag.tensor(x), 2, return_indices=True), 2,
                       output_size=output_size)
    for fine in ((6, 7), (1, 1, 7, 7)):
        ours = F.max_unpool2d(*F.max_pool2d(ag.tensor(x), 2, return_indices=True), 2,
                              output_size=fine)
        theirs = TF.max_unpool2d(*TF.max_pool2d(torch.tensor(x), 2, return_indices=True), 2,
                                 output_size=fine)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_embedding_bag_max_refuses_scale_grad_by_freq():
    # taken silently (each row's gradient divided by its count); PyTorch refuses it
    idx, offsets, w = np.array([1, 2, 2]), np.array([0]), np.ones((3, 2))
    with pytest.raises(ValueError, match="max mode does not support scaling"):
        TF.embedding_bag(torch.tensor(idx), torch.tensor(w), torch.tensor(offsets), mode="max",
                         scale_grad_by_freq=True)
    with pytest.raises(ag.ArgumentError, match="embedding_bag: mode='max' does not support"):
        nn.EmbeddingBag(3, 2, mode="max", scale_grad_by_freq=True)(ag.tensor(idx),
                                                                    ag.tensor(offsets))
