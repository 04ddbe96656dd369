"""PyTorch's top-level forms of nn.functional's ops (``torch.conv2d``, ``torch.dropout(x,
p, train)``, ``torch.kl_div(x, t, 1)``, ...), which ``autograd.<name>`` gives: autograd
loads this module on the first use of one of ``__all__`` (nn sits above autograd).

Where PyTorch's top-level signature is nn.functional's, the name is that function itself;
the others adapt PyTorch's ATen signatures, over the same functions: a reduction as an
int (0 'none', 1 'mean', 2 'sum'), `train` required, batch_norm's and instance_norm's
(weight, bias, running_mean, running_var) order, embedding's (weight, indices) order
with padding_idx -1 for none, the pools that return indices, the recurrent cells on
unprojected inputs. Gradients are the functions'."""
from autograd.errors import ArgumentError, ShapeError

from . import functional as F
from . import functional_rnn as _rnn
from .functional import (adaptive_avg_pool1d, avg_pool1d, bilinear, celu, celu_,  # noqa: F401
                         channel_shuffle, conv1d, conv2d, conv3d, conv_transpose1d,
                         conv_transpose2d, conv_transpose3d, cosine_similarity, hardshrink,
                         max_pool1d, max_pool2d, max_pool3d, pairwise_distance, pdist,
                         pixel_shuffle, pixel_unshuffle, prelu, rms_norm, selu, selu_,
                         threshold, threshold_)
from .functional_dropout import channelwise as _channelwise
from .serialization import load, save  # noqa: F401

native_channel_shuffle = channel_shuffle

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(op, reduction):
    if isinstance(reduction, bool) or reduction not in (0, 1, 2):
        raise ArgumentError(f"{op}: reduction is an int at top level, as torch.{op}'s: 0 "
                            f"(none), 1 (mean) or 2 (sum); got {reduction!r} (nn.functional."
                            f"{op} takes the strings)")
    return _REDUCTIONS[reduction]


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """nn.functional.layer_norm (`cudnn_enable` is accepted and ignored)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """nn.functional.group_norm (`cudnn_enabled` is accepted and ignored)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """nn.functional.batch_norm in torch.batch_norm's argument order (every argument
    given; `cudnn_enabled` ignored)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                        eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """nn.functional.instance_norm in torch.instance_norm's argument order."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """nn.functional.embedding(indices, weight), as torch.embedding: weight first, and a
    negative padding_idx (-1 by default) for none."""
    return F.embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """(values, indices) of nn.functional.max_pool1d."""
    return F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices=True)


def adaptive_max_pool1d(input, output_size):
    """(values, indices) of nn.functional.adaptive_max_pool1d, as torch.adaptive_max_pool1d."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """conv1d/2d/3d or conv_transpose1d/2d/3d by the weight's dims (3, 4 or 5), as
    torch.convolution (every argument given)."""
    n = weight.ndim - 2
    if n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise ShapeError(f"convolution: expected a weight of 3 to 5 dims and an input of one "
                         f"or two dims more than its spatial ones, got input "
                         f"{tuple(input.shape)} and weight {tuple(weight.shape)}")
    stride, padding, dilation = tuple(stride), tuple(padding), tuple(dilation)
    if transposed:
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return conv(input, weight, bias, stride, padding, tuple(output_padding), groups,
                    dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[n - 1](input, weight, bias, stride, padding,
                                                 dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """A 1-d convolution of a (time, batch, channels) input with a (kernel, in, out)
    weight, padded by `pad` at both ends of time, as torch.conv_tbc."""
    if input.ndim != 3 or weight.ndim != 3 or bias.ndim != 1 or \
            weight.shape[1] != input.shape[2] or bias.shape[0] != weight.shape[2]:
        raise ShapeError(f"conv_tbc: expected input (T, B, C_in), weight (K, C_in, C_out) and "
                         f"bias (C_out,), got {tuple(input.shape)}, {tuple(weight.shape)} and "
                         f"{tuple(bias.shape)}")
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


def affine_grid_generator(theta, size, align_corners):
    """nn.functional.affine_grid(theta, size, align_corners)."""
    return F.affine_grid(theta, size, align_corners)


_SAMPLING = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """nn.functional.grid_sample with ATen's int modes: interpolation 0 bilinear,
    1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection."""
    for what, value, names in (("interpolation_mode", interpolation_mode, _SAMPLING),
                               ("padding_mode", padding_mode, _PADDING)):
        if isinstance(value, bool) or value not in range(len(names)):
            raise ArgumentError(f"grid_sampler: {what} is an int in 0..{len(names) - 1} "
                                f"({', '.join(names)}), got {value!r}")
    return F.grid_sample(input, grid, _SAMPLING[interpolation_mode], _PADDING[padding_mode],
                         align_corners)


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """grid_sampler on a 4-d (N, C, H, W) input."""
    if input.ndim != 4:
        raise ShapeError(f"grid_sampler_2d: expected a 4-d input, got {tuple(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """grid_sampler on a 5-d (N, C, D, H, W) input."""
    if input.ndim != 5:
        raise ShapeError(f"grid_sampler_3d: expected a 5-d input, got {tuple(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def constant_pad_nd(input, pad, value=0):
    """nn.functional.pad(input, pad, 'constant', value)."""
    return F.pad(input, pad, "constant", value)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """nn.functional.rrelu (slopes from the default generator: `generator` must be None)."""
    _no_generator("rrelu", generator)
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """nn.functional.rrelu_ (slopes from the default generator: `generator` must be None)."""
    _no_generator("rrelu_", generator)
    return F.rrelu_(input, lower, upper, training)


def _no_generator(op, generator):
    if generator is not None:
        raise ArgumentError(f"{op}: draws from autograd's default generator; a generator= "
                            f"is not taken (seed with autograd.manual_seed)")


# --- dropout: torch.NAME(input, p, train), NAME_ in place
def dropout(input, p, train):
    """nn.functional.dropout(input, p, train)."""
    return F.dropout(input, p, train)


def dropout_(input, p, train):
    """nn.functional.dropout(input, p, train, inplace=True)."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    """nn.functional.alpha_dropout(input, p, train)."""
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    """nn.functional.alpha_dropout(input, p, train, inplace=True)."""
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    """nn.functional.feature_alpha_dropout(input, p, train)."""
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    """nn.functional.feature_alpha_dropout(input, p, train, inplace=True)."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train):
    """Zero whole channels of (N, C, ...) with probability p and scale the rest by
    1/(1-p) (one draw per sample and channel; dropout1d/2d/3d's rule for any rank)."""
    return _channelwise(input, p, train, False, "feature_dropout", False)


def feature_dropout_(input, p, train):
    """feature_dropout in place."""
    return _channelwise(input, p, train, True, "feature_dropout_", False)


# --- losses: reduction an int
def kl_div(input, target, reduction=1, *, log_target=False):
    """nn.functional.kl_div with an int reduction (1: the mean over every element, without
    nn.functional's batchmean warning, as torch.kl_div)."""
    if reduction == 1 and not isinstance(reduction, bool):
        return F.kl_div(input, target, reduction="none", log_target=log_target).mean()
    return F.kl_div(input, target, reduction=_reduction("kl_div", reduction),
                    log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    """nn.functional.margin_ranking_loss with an int reduction."""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    """nn.functional.hinge_embedding_loss with an int reduction."""
    return F.hinge_embedding_loss(input, target, margin,
                                  reduction=_reduction("hinge_embedding_loss", reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    """nn.functional.cosine_embedding_loss with an int reduction."""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=1):
    """nn.functional.triplet_margin_loss with an int reduction."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """nn.functional.poisson_nll_loss, every argument given, the reduction an int."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    """nn.functional.binary_cross_entropy_with_logits with an int reduction."""
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction("binary_cross_entropy_with_logits",
                                                    reduction), pos_weight=pos_weight)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
             zero_infinity=False):
    """nn.functional.ctc_loss with an int reduction."""
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      _reduction("ctc_loss", reduction), zero_infinity)


# --- recurrent cells: one step from the unprojected input
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(input w_ih^T + b_ih + hx w_hh^T + b_hh), as torch.rnn_tanh_cell."""
    return _rnn.rnn_tanh_cell(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(input w_ih^T + b_ih + hx w_hh^T + b_hh), as torch.rnn_relu_cell."""
    return _rnn.rnn_relu_cell(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: (h', c') from hx = (h, c), as torch.lstm_cell (PyTorch's gate order
    i, f, g, o)."""
    if len(hx) != 2:
        raise ArgumentError(f"lstm_cell: hx must be (h, c), got {len(hx)} tensors")
    return _rnn.lstm_cell(F.linear(input, w_ih, b_ih), tuple(hx), w_hh, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step h', as torch.gru_cell (PyTorch's gate order r, z, n)."""
    return _rnn.gru_cell(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


# --- the stacked recurrences over flat weight lists
def _recurrence(mode, input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first):
    """torch.MODE(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first), or the packed form (data, batch_sizes, hx, params, has_biases,
    num_layers, dropout, train, bidirectional), over functional_rnn.rnn."""
    batch_sizes = None
    if isinstance(has_biases, (list, tuple)):            # the packed form
        (batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first) = (hx, params, has_biases, num_layers, dropout, train, bidirectional,
                         batch_first, False)
        batch_sizes = [int(b) for b in getattr(batch_sizes, "data", batch_sizes)]
    n = num_layers * (2 if bidirectional else 1)
    per = len(params) // n if n else 0
    if n == 0 or per * n != len(params) or per != 2 + 2 * bool(has_biases) + (per % 2):
        raise ArgumentError(f"{mode.lower()}: expected {n} groups of weights (w_ih, w_hh"
                            f"{', b_ih, b_hh' if has_biases else ''}[, w_hr]) for "
                            f"{num_layers} layers{' x 2 directions' if bidirectional else ''}"
                            f", got {len(params)} tensors")
    weights = []
    for j in range(n):
        p = list(params[j * per:(j + 1) * per])
        biases = (p[2], p[3]) if has_biases else (None, None)
        weights.append((p[0], p[1], *biases, p[-1] if per % 2 else None))
    x = input.transpose(0, 1) if batch_first else input
    out, state = _rnn.rnn(mode, x, tuple(hx) if mode == "LSTM" else hx, weights, num_layers,
                          bidirectional, dropout, train, batch_sizes=batch_sizes)
    out = out.transpose(0, 1) if batch_first else out
    return (out, *state) if mode == "LSTM" else (out, state)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """nn.LSTM's forward on a flat list of weights, as torch.lstm: (output, h_n, c_n) from
    hx = (h_0, c_0); params per layer and direction w_ih, w_hh[, b_ih, b_hh][, w_hr]."""
    return _recurrence("LSTM", input, hx, params, has_biases, num_layers, dropout, train,
                       bidirectional, batch_first)


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """nn.GRU's forward on a flat list of weights, as torch.gru: (output, h_n)."""
    return _recurrence("GRU", input, hx, params, has_biases, num_layers, dropout, train,
                       bidirectional, batch_first)


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """nn.RNN's (tanh) forward on a flat list of weights, as torch.rnn_tanh: (output, h_n)."""
    return _recurrence("RNN_TANH", input, hx, params, has_biases, num_layers, dropout, train,
                       bidirectional, batch_first)


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """nn.RNN's (relu) forward on a flat list of weights, as torch.rnn_relu: (output, h_n)."""
    return _recurrence("RNN_RELU", input, hx, params, has_biases, num_layers, dropout, train,
                       bidirectional, batch_first)


__all__ = sorted(name for name, value in globals().items()
                 if callable(value) and not name.startswith("_") and name not in
                 ("ArgumentError", "ShapeError"))
