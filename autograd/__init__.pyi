# Generated from the definitions by `python -m autograd.stubs`; do not edit.
# tests/test_stubs.py fails when it is out of date.
import builtins
from typing import Any

import numpy

from . import cuda as cuda
from . import distributions as distributions
from . import functional as functional
from . import linalg as linalg
from . import random as random
from . import special as special
from .backprop import backward as backward
from .backprop import grad as grad
from .creation import Generator as Generator
from .creation import arange as arange
from .creation import as_tensor as as_tensor
from .creation import default_generator as default_generator
from .creation import empty as empty
from .creation import empty_like as empty_like
from .creation import eye as eye
from .creation import from_numpy as from_numpy
from .creation import full as full
from .creation import full_like as full_like
from .creation import get_rng_state as get_rng_state
from .creation import initial_seed as initial_seed
from .creation import linspace as linspace
from .creation import manual_seed as manual_seed
from .creation import ones as ones
from .creation import ones_like as ones_like
from .creation import rand as rand
from .creation import rand_like as rand_like
from .creation import randint as randint
from .creation import randn as randn
from .creation import randn_like as randn_like
from .creation import randperm as randperm
from .creation import seed as seed
from .creation import set_rng_state as set_rng_state
from .creation import tensor as tensor
from .creation import zeros as zeros
from .creation import zeros_like as zeros_like
from .devices import device as device
from .devices import finfo as finfo
from .devices import get_default_device as get_default_device
from .devices import get_device as get_device
from .devices import get_num_threads as get_num_threads
from .devices import iinfo as iinfo
from .devices import set_default_device as set_default_device
from .devices import set_num_threads as set_num_threads
from .errors import AnomalyError as AnomalyError
from .errors import ArgumentError as ArgumentError
from .errors import CheckpointError as CheckpointError
from .errors import DtypeError as DtypeError
from .errors import GradgraphError as GradgraphError
from .errors import GraphError as GraphError
from .errors import IntegerOverflowError as IntegerOverflowError
from .errors import MissingDependencyError as MissingDependencyError
from .errors import NotDifferentiableError as NotDifferentiableError
from .errors import OutOfRangeError as OutOfRangeError
from .errors import ShapeError as ShapeError
from .function import Function as Function
from .function import FunctionCtx as FunctionCtx
from .grad_mode import detect_anomaly as detect_anomaly
from .grad_mode import enable_grad as enable_grad
from .grad_mode import inference_mode as inference_mode
from .grad_mode import no_grad as no_grad
from .grad_mode import override_backward as override_backward
from .grad_mode import record_creation_lines as record_creation_lines
from .grad_mode import set_detect_anomaly as set_detect_anomaly
from .grad_mode import set_grad_enabled as set_grad_enabled
from .gradcheck import GradcheckError as GradcheckError
from .gradcheck import gradcheck as gradcheck
from .gradcheck import gradgradcheck as gradgradcheck
from .jit import compile as compile
from .node import RemovableHandle as RemovableHandle
from .state import is_anomaly_enabled as is_anomaly_enabled
from .state import is_grad_enabled as is_grad_enabled
from .state import is_inference_mode_enabled as is_inference_mode_enabled
from .tensor import Tensor as Tensor
from .tensor import get_default_dtype as get_default_dtype
from .tensor import set_default_dtype as set_default_dtype
from .toplevel import dtype as dtype
from .toplevel import e as e
from .toplevel import inf as inf
from .toplevel import nan as nan
from .toplevel import newaxis as newaxis
from .toplevel import pi as pi
from nn.toplevel import adaptive_avg_pool1d as adaptive_avg_pool1d
from nn.toplevel import adaptive_max_pool1d as adaptive_max_pool1d
from nn.toplevel import affine_grid_generator as affine_grid_generator
from nn.toplevel import alpha_dropout as alpha_dropout
from nn.toplevel import alpha_dropout_ as alpha_dropout_
from nn.toplevel import avg_pool1d as avg_pool1d
from nn.toplevel import batch_norm as batch_norm
from nn.toplevel import bilinear as bilinear
from nn.toplevel import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from nn.toplevel import celu as celu
from nn.toplevel import celu_ as celu_
from nn.toplevel import channel_shuffle as channel_shuffle
from nn.toplevel import constant_pad_nd as constant_pad_nd
from nn.toplevel import conv1d as conv1d
from nn.toplevel import conv2d as conv2d
from nn.toplevel import conv3d as conv3d
from nn.toplevel import conv_tbc as conv_tbc
from nn.toplevel import conv_transpose1d as conv_transpose1d
from nn.toplevel import conv_transpose2d as conv_transpose2d
from nn.toplevel import conv_transpose3d as conv_transpose3d
from nn.toplevel import convolution as convolution
from nn.toplevel import cosine_embedding_loss as cosine_embedding_loss
from nn.toplevel import cosine_similarity as cosine_similarity
from nn.toplevel import ctc_loss as ctc_loss
from nn.toplevel import dropout as dropout
from nn.toplevel import dropout_ as dropout_
from nn.toplevel import embedding as embedding
from nn.toplevel import feature_alpha_dropout as feature_alpha_dropout
from nn.toplevel import feature_alpha_dropout_ as feature_alpha_dropout_
from nn.toplevel import feature_dropout as feature_dropout
from nn.toplevel import feature_dropout_ as feature_dropout_
from nn.toplevel import grid_sampler as grid_sampler
from nn.toplevel import grid_sampler_2d as grid_sampler_2d
from nn.toplevel import grid_sampler_3d as grid_sampler_3d
from nn.toplevel import group_norm as group_norm
from nn.toplevel import gru as gru
from nn.toplevel import gru_cell as gru_cell
from nn.toplevel import hardshrink as hardshrink
from nn.toplevel import hinge_embedding_loss as hinge_embedding_loss
from nn.toplevel import instance_norm as instance_norm
from nn.toplevel import kl_div as kl_div
from nn.toplevel import layer_norm as layer_norm
from nn.toplevel import load as load
from nn.toplevel import lstm as lstm
from nn.toplevel import lstm_cell as lstm_cell
from nn.toplevel import margin_ranking_loss as margin_ranking_loss
from nn.toplevel import max_pool1d as max_pool1d
from nn.toplevel import max_pool1d_with_indices as max_pool1d_with_indices
from nn.toplevel import max_pool2d as max_pool2d
from nn.toplevel import max_pool3d as max_pool3d
from nn.toplevel import native_channel_shuffle as native_channel_shuffle
from nn.toplevel import pairwise_distance as pairwise_distance
from nn.toplevel import pdist as pdist
from nn.toplevel import pixel_shuffle as pixel_shuffle
from nn.toplevel import pixel_unshuffle as pixel_unshuffle
from nn.toplevel import poisson_nll_loss as poisson_nll_loss
from nn.toplevel import prelu as prelu
from nn.toplevel import rms_norm as rms_norm
from nn.toplevel import rnn_relu as rnn_relu
from nn.toplevel import rnn_relu_cell as rnn_relu_cell
from nn.toplevel import rnn_tanh as rnn_tanh
from nn.toplevel import rnn_tanh_cell as rnn_tanh_cell
from nn.toplevel import rrelu as rrelu
from nn.toplevel import rrelu_ as rrelu_
from nn.toplevel import save as save
from nn.toplevel import selu as selu
from nn.toplevel import selu_ as selu_
from nn.toplevel import threshold as threshold
from nn.toplevel import threshold_ as threshold_
from nn.toplevel import triplet_margin_loss as triplet_margin_loss

bool: numpy.dtype[Any]
bool_: numpy.dtype[Any]
double: numpy.dtype[Any]
float: numpy.dtype[Any]
float32: numpy.dtype[Any]
float64: numpy.dtype[Any]
int: numpy.dtype[Any]
int16: numpy.dtype[Any]
int32: numpy.dtype[Any]
int64: numpy.dtype[Any]
int8: numpy.dtype[Any]
long: numpy.dtype[Any]
short: numpy.dtype[Any]
uint8: numpy.dtype[Any]


def abs(x: Any) -> Tensor:
    """abs(x), elementwise: |x|; d/dx = sign(x): 0 at 0, and 0 at NaN (as PyTorch, whose sign(NaN) is 0)."""


def abs_(self: Any) -> Tensor:
    """In place: self = abs(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def absolute(input: Any) -> Tensor:
    """|input| (abs)."""


def acos(x: Any) -> Tensor:
    """acos(x), elementwise: Arccosine; d/dx acos x = -1 / sqrt(1 - x^2)."""


def acos_(self: Any) -> Tensor:
    """In place: self = acos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def acosh(x: Any) -> Tensor:
    """acosh(x), elementwise: Inverse hyperbolic cosine; d/dx acosh x = 1 / sqrt(x^2 - 1) (inf at 1)."""


def acosh_(self: Any) -> Tensor:
    """In place: self = acosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def add(a: Any, b: Any, *, alpha: Any = ...) -> Tensor:
    """a + alpha * b, with PyTorch's dtype promotion (a number or a Tensor on either side)."""


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i] (3-d batch1, batch2); with beta=0 the input is ignored, as PyTorch."""


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
    """input + value * tensor1 / tensor2, broadcast; refused for integer tensor1 and tensor2, as PyTorch."""


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = ...) -> Tensor:
    """input + value * tensor1 * tensor2, broadcast, computed in the three's result dtype."""


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2) for 2-d mat1, mat2; with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """beta * input + alpha * (mat @ vec) for a 2-d mat and a 1-d vec; with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""


def addmv_(self: Any, mat: Any, vec: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """In place: self = addmv(self, mat, vec, beta, alpha), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2) for 1-d vec1, vec2; with beta=0 the input is ignored, as PyTorch."""


def adjoint(input: Any) -> Tensor:
    """The conjugate transpose of the matrices in the last two dims (the transpose: the dtype is real), as Tensor.mH."""


def alias_copy(input: Any) -> Tensor:
    """A copy of `input` (``torch.alias_copy``: its alias, copied)."""


def all(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """True where every element over `dim` is non-zero (all dims if None); a bool tensor (uint8 for a uint8 input, as PyTorch)."""


def allclose(input: Any, other: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> builtins.bool:
    """True if isclose(input, other, rtol, atol, equal_nan) holds everywhere."""


def amax(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """The maximum over `dim` (all dims if None); tied maxima share the gradient equally."""


def amin(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """The minimum over `dim` (all dims if None); tied minima share the gradient equally."""


def aminmax(input: Any, *, dim: Any = ..., keepdim: Any = ...) -> Any:
    """(min, max): amin and amax over `dim` (one int, or all dims if None) together."""


def angle(input: Any) -> Tensor:
    """The argument of each element: 0 for a non-negative real, pi for a negative one, NaN for NaN; a float result (integers give the default float dtype) whose gradient is 0."""


def any(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """True where any element over `dim` is non-zero (all dims if None); a bool tensor (uint8 for a uint8 input, as PyTorch)."""


def arccos(x: Any) -> Tensor:
    """acos(x), elementwise: Arccosine; d/dx acos x = -1 / sqrt(1 - x^2)."""


def arccos_(self: Any) -> Tensor:
    """In place: self = acos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def arccosh(x: Any) -> Tensor:
    """acosh(x), elementwise: Inverse hyperbolic cosine; d/dx acosh x = 1 / sqrt(x^2 - 1) (inf at 1)."""


def arccosh_(self: Any) -> Tensor:
    """In place: self = acosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def arcsin(x: Any) -> Tensor:
    """asin(x), elementwise: Arcsine; d/dx asin x = 1 / sqrt(1 - x^2) (inf at ±1, NaN beyond and at ±inf)."""


def arcsin_(self: Any) -> Tensor:
    """In place: self = asin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def arcsinh(x: Any) -> Tensor:
    """asinh(x), elementwise: Inverse hyperbolic sine; d/dx asinh x = 1 / sqrt(x^2 + 1)."""


def arcsinh_(self: Any) -> Tensor:
    """In place: self = asinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def arctan(x: Any) -> Tensor:
    """atan(x), elementwise: Arctangent; d/dx atan x = 1 / (1 + x^2)."""


def arctan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting; d/dinput = other / r^2, d/dother = -input / r^2 (NaN at the origin, as PyTorch)."""


def arctan_(self: Any) -> Tensor:
    """In place: self = atan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def arctanh(x: Any) -> Tensor:
    """atanh(x), elementwise: Inverse hyperbolic tangent; d/dx atanh x = 1 / (1 - x^2)."""


def arctanh_(self: Any) -> Tensor:
    """In place: self = atanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def argmax(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """The index of the maximum over `dim` (of the flattened tensor if None); no gradient."""


def argmin(x: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """The index of the minimum over `dim` (of the flattened tensor if None); no gradient."""


def argsort(x: Any, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Tensor:
    """Indices that sort x along dim (int64)."""


def argwhere(input: Any, *, as_tuple: Any = ...) -> Any:
    """The indices of the non-zero elements, in C order: an (n, ndim) int64 tensor, or with as_tuple one 1-d tensor per dim (a 0-d input counting as 1-d)."""


def as_strided(input: Any, size: Any, stride: Any, storage_offset: Any = ...) -> Tensor:
    """A view of the memory input lies in: element i of the result is the buffer's element storage_offset + sum(i_k * stride_k), in elements from the buffer's start as PyTorch's storage (storage_offset defaults to input's own)."""


def as_strided_(self: Any, size: Any, stride: Any, storage_offset: Any = ...) -> Tensor:
    """In place: self becomes ``as_strided(self, ...)``, a view of the same memory with the new shape, as PyTorch's (refused on a leaf that requires grad outside no_grad)."""


def asarray(obj: Any, *, dtype: Any = ..., device: Any = ..., copy: Any = ..., requires_grad: Any = ...) -> Tensor:
    """`obj` (a Tensor, array, buffer-like, number or nested list) as a tensor, as ``torch.asarray``: memory shared where it can be (copy=None), always copied (copy=True), or shared or an error (copy=False)."""


def asin(x: Any) -> Tensor:
    """asin(x), elementwise: Arcsine; d/dx asin x = 1 / sqrt(1 - x^2) (inf at ±1, NaN beyond and at ±inf)."""


def asin_(self: Any) -> Tensor:
    """In place: self = asin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def asinh(x: Any) -> Tensor:
    """asinh(x), elementwise: Inverse hyperbolic sine; d/dx asinh x = 1 / sqrt(x^2 + 1)."""


def asinh_(self: Any) -> Tensor:
    """In place: self = asinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def atan(x: Any) -> Tensor:
    """atan(x), elementwise: Arctangent; d/dx atan x = 1 / (1 + x^2)."""


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting; d/dinput = other / r^2, d/dother = -input / r^2 (NaN at the origin, as PyTorch)."""


def atan_(self: Any) -> Tensor:
    """In place: self = atan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def atanh(x: Any) -> Tensor:
    """atanh(x), elementwise: Inverse hyperbolic tangent; d/dx atanh x = 1 / (1 - x^2)."""


def atanh_(self: Any) -> Tensor:
    """In place: self = atanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def atleast_1d(*tensors: Any) -> Tensor:
    """Each tensor with at least 1 dims (size-1 dims added as numpy.atleast_1d does): one tensor, or a tuple for several."""


def atleast_2d(*tensors: Any) -> Tensor:
    """Each tensor with at least 2 dims (size-1 dims added as numpy.atleast_2d does): one tensor, or a tuple for several."""


def atleast_3d(*tensors: Any) -> Tensor:
    """Each tensor with at least 3 dims (size-1 dims added as numpy.atleast_3d does): one tensor, or a tuple for several."""


def baddbmm(input: Any, batch1: Any, batch2: Any, beta: Any = ..., alpha: Any = ...) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2) for (b, n, m) @ (b, m, p); with beta=0 the input is ignored (its NaN and Inf do not propagate), as PyTorch."""


def bartlett_window(window_length: Any, periodic: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """The triangular window 1 - |2 n / (N - 1) - 1|, as ``torch.bartlett_window``."""


def bernoulli(input: Any, p: Any = ..., generator: Any = ...) -> Tensor:
    """1 with probability `input` (or the number `p`, if given) and 0 otherwise, per element, as ``torch.bernoulli``: `input`'s shape and floating dtype, drawn from autograd's default generator (``manual_seed`` reproduces them, as dropout's masks) or the numpy Generator `generator`."""


def bincount(input: Any, weights: Any = ..., minlength: Any = ...) -> Tensor:
    """The number of times each value 0, 1, ..., max(input) occurs in the 1-d non-negative integer input (the sum of their `weights` if given), at least `minlength` long; no gradient."""


def binomial(count: Any, prob: Any, generator: Any = ...) -> Tensor:
    """Binomial(count, prob) draws per element (float tensors broadcast together: count >= 0 whole numbers, prob in [0, 1]), as ``torch.binomial``."""


def bitwise_and(input: Any, other: Any) -> Tensor:
    """input & other of bool or integer tensors."""


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """input << other of integer tensors (shifted by the width or more: 0)."""


def bitwise_not(input: Any) -> Tensor:
    """~input of a bool or integer tensor."""


def bitwise_or(input: Any, other: Any) -> Tensor:
    """input | other of bool or integer tensors."""


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """input >> other of integer tensors, arithmetic (shifted by the width or more: 0, or -1 for a negative input)."""


def bitwise_xor(input: Any, other: Any) -> Tensor:
    """input ^ other of bool or integer tensors."""


def blackman_window(window_length: Any, periodic: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)), as ``torch.blackman_window``."""


def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) on the diagonal of one matrix, zeros elsewhere; dtypes promoted to a common one."""


def bmm(a: Any, b: Any) -> Tensor:
    """The batched matrix product of 3-d tensors a (B, n, m) and b (B, m, p)."""


def broadcast_shapes(*shapes: Any) -> builtins.tuple[builtins.int, ...]:
    """The shape the given shapes broadcast to (numpy's rule, PyTorch's), as a tuple."""


def broadcast_tensors(*tensors: Any) -> builtins.tuple[Tensor, ...]:
    """The tensors expanded to their common shape (views, as torch.broadcast_tensors; a tensor of that shape itself)."""


def broadcast_to(input: Any, size: Any) -> Tensor:
    """input broadcast to shape `size` (expand)."""


def bucketize(input: Any, boundaries: Any, *, out_int32: Any = ..., right: Any = ...) -> Tensor:
    """For each value, the index of its bucket among the increasing 1-d `boundaries`: boundaries[i-1] < v <= boundaries[i] (<= and < with right=True); searchsorted with the arguments swapped."""


def can_cast(from_: Any, to: Any) -> builtins.bool:
    """Whether PyTorch's casting rules allow `from_` into `to` (``torch.can_cast``): no float into an integer or bool, no integer into a bool; widening and narrowing within a category are allowed."""


def cartesian_prod(*tensors: Any) -> Tensor:
    """All combinations of the 1-d tensors' elements, one per row (in the order of nested loops, the last tensor innermost); one tensor is returned as it is."""


def cat(tensors: Any, dim: Any = ...) -> Tensor:
    """The tensors joined along existing dim `dim` (dtypes promoted to a common one)."""


def cdist(x1: Any, x2: Any, p: Any = ..., compute_mode: Any = ...) -> Tensor:
    """The p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M): (..., P, R), batch dims broadcast."""


def ceil(x: Any) -> Tensor:
    """The smallest integer >= x, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""


def ceil_(self: Any) -> Tensor:
    """In place: self = ceil(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def chain_matmul(*matrices: Any) -> Tensor:
    """torch.chain_matmul (deprecated there): linalg.multi_dot of 2-d matrices; a copy of a single one."""


def cholesky(input: Any, upper: Any = ...) -> Tensor:
    """torch.cholesky (deprecated there): linalg.cholesky(input, upper=upper)."""


def cholesky_inverse(input: Any, upper: Any = ...) -> Tensor:
    """(L L^T)^-1 (U^T U if `upper`) from the Cholesky factor input (..., n, n)."""


def cholesky_solve(input: Any, input2: Any, upper: Any = ...) -> Tensor:
    """X with (L L^T) X = input (U^T U if `upper`) for the Cholesky factor input2 (..., n, n) and input (..., n, k)."""


def chunk(x: Any, chunks: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""


def clamp(x: Any, min: Any = ..., max: Any = ...) -> Tensor:
    """min(max(x, min), max), as PyTorch: max wins when min > max, NaN stays NaN."""


def clamp_(self: Any, min: Any = ..., max: Any = ...) -> Tensor:
    """In place: self = clamp(self, min, max)."""


def clamp_max(x: Any, max: Any) -> Tensor:
    """min(x, max), as clamp(x, max=max): the gradient passes where x <= max."""


def clamp_max_(self: Any, other: Any) -> Tensor:
    """In place: self = clamp(self, max=max)."""


def clamp_min(x: Any, min: Any) -> Tensor:
    """max(x, min), as clamp(x, min=min): the gradient passes where x >= min."""


def clamp_min_(self: Any, other: Any) -> Tensor:
    """In place: self = clamp(self, min=min)."""


def clip(x: Any, min: Any = ..., max: Any = ...) -> Tensor:
    """min(max(x, min), max), as PyTorch: max wins when min > max, NaN stays NaN."""


def clip_(self: Any, min: Any = ..., max: Any = ...) -> Tensor:
    """In place: self = clamp(self, min, max), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def clone(x: Any, *, memory_format: Any = ...) -> Tensor:
    """A copy with its own memory (x.clone()); the gradient flows back to x."""


def column_stack(tensors: Any) -> Tensor:
    """The tensors side by side as columns, as ``torch.column_stack``: a 0-d or 1-d tensor of n elements becomes an (n, 1) column, then ``hstack``."""


def combinations(input: Any, r: Any = ..., with_replacement: Any = ...) -> Tensor:
    """The length-`r` combinations of a 1-d tensor's elements, one per row (k, r), in itertools' order, as ``torch.combinations``; differentiable (an index of `input`)."""


def concat(tensors: Any, dim: Any = ...) -> Tensor:
    """The tensors joined along existing dim `dim` (dtypes promoted to a common one)."""


def concatenate(tensors: Any, axis: Any = ...) -> Tensor:
    """``cat(tensors, dim=axis)``, as ``torch.concatenate``."""


def conj(self: Any) -> Tensor:
    """The complex conjugate: this tensor itself, as its dtype is real."""


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with the sign of other (its sign bit: -0 and -NaN count as negative), elementwise with broadcasting; integers give the default float dtype. d/dinput is ±1 (0 at 0 and NaN, as abs's), also at ±inf, where PyTorch's result / input gives NaN; other gets no gradient (PyTorch's is 0)."""


def corrcoef(input: Any) -> Tensor:
    """Pearson's correlation coefficients of the variables in input's rows: cov(input) divided by the outer product of the standard deviations, clipped to [-1, 1]."""


def cos(x: Any) -> Tensor:
    """cos(x), elementwise: Cosine; d/dx cos x = -sin x."""


def cos_(self: Any) -> Tensor:
    """In place: self = cos(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def cosh(x: Any) -> Tensor:
    """cosh(x), elementwise: Hyperbolic cosine; d/dx cosh x = sinh x."""


def cosh_(self: Any) -> Tensor:
    """In place: self = cosh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def count_nonzero(input: Any, dim: Any = ...) -> Tensor:
    """The number of non-zero elements over `dim` (an int or a tuple; all if None): an int64 tensor, no gradient."""


def cov(input: Any, *, correction: Any = ..., fweights: Any = ..., aweights: Any = ...) -> Tensor:
    """The covariance matrix of the variables in input's rows (a 1-d input: one variable) over the observations in its columns, divided by N - correction (with weights as torch.cov: fweights integer repeat counts, aweights relative weights)."""


def cross(input: Any, other: Any, dim: Any = ...) -> Tensor:
    """The cross product of 3-vectors along `dim` (the first dim of size 3 if None, as torch.cross); the inputs broadcast."""


def cummax(input: Any, dim: Any) -> Any:
    """(values, indices): the running maximum along `dim` and where it was found (the latest of equal values; from a NaN on, NaN and the latest NaN's index), as PyTorch."""


def cummin(input: Any, dim: Any) -> Any:
    """(values, indices): the running minimum along `dim`, as cummax."""


def cumprod(input: Any, dim: Any, *, dtype: Any = ...) -> Tensor:
    """The cumulative product along `dim`; integers and bool give int64."""


def cumsum(x: Any, dim: Any, *, dtype: Any = ...) -> Tensor:
    """The cumulative sum along `dim`, as `dtype` if given (integers and bool give int64)."""


def cumulative_trapezoid(y: Any, x: Any = ..., *, dx: Any = ..., dim: Any = ...) -> Tensor:
    """The running trapezoid integral of `y` along `dim` (one element fewer than y there), as ``torch.cumulative_trapezoid``."""


def deg2rad(input: Any) -> Tensor:
    """Degrees to radians, x * pi / 180 (integers give the default float dtype)."""


def deg2rad_(self: Any) -> Tensor:
    """In place: self = deg2rad(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def det(A: Any) -> Tensor:
    """The determinant of each square matrix (..., n, n): a tensor of shape (...)."""


def detach(self: Any) -> Tensor:
    """A tensor on the same data that does not require grad (shares the memory)."""


def detach_(self: Any) -> Tensor:
    """Detach this tensor from its graph in place; returns self."""


def detach_copy(input: Any) -> Tensor:
    """A copy of `input` out of the graph (``torch.detach_copy``)."""


def diag(input: Any, diagonal: Any = ...) -> Tensor:
    """A 1-d input: the square matrix with it on diagonal `diagonal`; a 2-d input: that diagonal of it."""


def diag_embed(input: Any, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
    """Matrices (in dims dim1, dim2 of the result) with input's last dim on their diagonal `offset`, zeros elsewhere."""


def diagflat(input: Any, offset: Any = ...) -> Tensor:
    """The square matrix with input's elements (flattened) on diagonal `offset`."""


def diagonal(input: Any, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
    """The diagonal `offset` (above the main one if > 0) of the matrices in dims dim1 and dim2, as the last dim of the result (the other dims first, in order)."""


def diagonal_copy(input: Any, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
    """A copy of ``Tensor.diagonal``'s result, not a view of the input (differentiable), as ``torch.diagonal_copy``."""


def diagonal_scatter(input: Any, src: Any, offset: Any = ..., dim1: Any = ..., dim2: Any = ...) -> Tensor:
    """input with src written over input.diagonal(offset, dim1, dim2)."""


def diff(input: Any, n: Any = ..., dim: Any = ..., prepend: Any = ..., append: Any = ...) -> Tensor:
    """The n-th forward difference along `dim`, x[i + 1] - x[i] applied n times, after `prepend` and `append` are joined on along `dim` (numbers are broadcast to one slice); bool tensors give x[i + 1] != x[i], as PyTorch."""


def digamma(x: Any) -> Tensor:
    """digamma(x), elementwise: Gamma'(x) / Gamma(x) (-inf at +0, +inf at -0, NaN at the negative integers, as PyTorch); d/dx digamma x = polygamma(1, x)."""


def dist(input: Any, other: Any, p: Any = ...) -> Tensor:
    """The p-norm of input - other (broadcast), over all elements."""


def div(a: Any, b: Any, *, rounding_mode: Any = ...) -> Tensor:
    """a / b with PyTorch's dtype promotion: true division (integers give the default float dtype) by default; rounding_mode="trunc" rounds the quotient towards zero, "floor" down (floor_divide), both in the operands' dtype (integers stay integers, and an integer division by zero raises), with gradient 0, as PyTorch's."""


def divide(a: Any, b: Any, *, rounding_mode: Any = ...) -> Tensor:
    """a / b with PyTorch's dtype promotion: true division (integers give the default float dtype) by default; rounding_mode="trunc" rounds the quotient towards zero, "floor" down (floor_divide), both in the operands' dtype (integers stay integers, and an integer division by zero raises), with gradient 0, as PyTorch's."""


def dot(input: Any, other: Any) -> Tensor:
    """The inner product of two 1-d tensors of one size and dtype (a 0-d tensor)."""


def dsplit(input: Any, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
    """tensor_split along dim 2, where a number of sections must divide the dim's size."""


def dstack(tensors: Any) -> Tensor:
    """The tensors (at least 3-d, as numpy.atleast_3d) joined along dim 2."""


def einsum(equation: Any, *operands: Any) -> Tensor:
    """Einstein summation as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``, also with a list of operands, implicit output (letters used once, in alphabetical order, after the ``...`` dims), ``...`` with broadcasting, repeated letters (diagonals)."""


def empty_permuted(size: Any, physical_layout: Any, *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """An uninitialised tensor of `size` laid out in memory in the order of dims `physical_layout` (outermost first), as ``torch.empty_permuted``."""


def empty_strided(size: Any, stride: Any, *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """An uninitialised tensor of `size` whose strides (in elements) are `stride`, over a buffer just large enough, as ``torch.empty_strided``."""


def eq(a: Any, b: Any) -> Tensor:
    """a == b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def equal(input: Any, other: Any) -> builtins.bool:
    """True if input and other have the same shape and the same values (NaN equals nothing), as torch.equal; the dtypes may differ."""


def erf(x: Any) -> Tensor:
    """erf(x), elementwise: erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt; d/dx erf x = 2/sqrt(pi) exp(-x^2)."""


def erf_(self: Any) -> Tensor:
    """In place: self = erf(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def erfc(x: Any) -> Tensor:
    """erfc(x), elementwise: 1 - erf(x), to full relative precision for large x (where 1 - erf(x) is 0 from x = 6); d/dx erfc x = -2/sqrt(pi) exp(-x^2)."""


def erfc_(self: Any) -> Tensor:
    """In place: self = erfc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def erfinv(x: Any) -> Tensor:
    """erfinv(x), elementwise: The inverse of erf on [-1, 1] (±inf at ±1, NaN beyond); d/dy erfinv y = sqrt(pi)/2 exp(erfinv(y)^2) (from its saved output)."""


def exp(x: Any) -> Tensor:
    """exp(x), elementwise: e^x; d/dx e^x = e^x (its output, which it saves)."""


def exp2(x: Any) -> Tensor:
    """exp2(x), elementwise: 2^x; d/dx 2^x = 2^x ln 2 (from its saved output)."""


def exp2_(self: Any) -> Tensor:
    """In place: self = exp2(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def exp_(self: Any) -> Tensor:
    """In place: self = exp(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def expand(x: Any, *sizes: Any) -> Tensor:
    """x broadcast to `sizes` (-1 keeps a size), without copying; the gradient is summed back."""


def expand_copy(x: Any, *sizes: Any) -> Tensor:
    """A copy of ``Tensor.expand``'s result, not a view of the input (differentiable), as ``torch.expand_copy``."""


def expm1(x: Any) -> Tensor:
    """expm1(x), elementwise: e^x - 1, exact for small x (where exp(x) - 1 loses every digit); d/dx = e^x, its output plus 1."""


def expm1_(self: Any) -> Tensor:
    """In place: self = expm1(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def fill(input: Any, value: Any) -> Tensor:
    """A new tensor of `input`'s shape and dtype filled with `value` (a number or a 0-d Tensor, whose gradient is the sum of the result's), as ``torch.fill``."""


def fill_(self: Any, value: Any) -> Tensor:
    """In place: fill self with `value`; the old values get a zero gradient."""


def fix(input: Any) -> Tensor:
    """input rounded towards zero (trunc)."""


def fix_(self: Any) -> Tensor:
    """In place: self = trunc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def flatten(x: Any, start_dim: Any = ..., end_dim: Any = ...) -> Tensor:
    """x with dims start_dim..end_dim merged into one."""


def flip(x: Any, dims: Any) -> Tensor:
    """x with the order of elements along `dims` reversed: a new tensor, as PyTorch's (numpy's reversed view is copied, so a write into either does not reach the other)."""


def fliplr(x: Any) -> Tensor:
    """x (at least 2-d) with the order of its columns (dim 1) reversed: flip(x, 1)."""


def flipud(x: Any) -> Tensor:
    """x (at least 1-d) with the order of its rows (dim 0) reversed: flip(x, 0)."""


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (both cast to it), a float64 result."""


def floor(x: Any) -> Tensor:
    """The largest integer <= x, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""


def floor_(self: Any) -> Tensor:
    """In place: self = floor(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def floor_divide(a: Any, b: Any) -> Tensor:
    """floor(a / b), as Python's // and torch.floor_divide (exact: numpy's floor_divide, the quotient of remainder); integer division by zero raises."""


def fmax(input: Any, other: Any) -> Tensor:
    """The elementwise maximum of input and other, where a NaN loses to a number (NaN only where both are); the gradient goes to input where input >= other or other is NaN, else to other (PyTorch's choice: all of it to input at a tie)."""


def fmin(input: Any, other: Any) -> Tensor:
    """The elementwise minimum of input and other, where a NaN loses to a number; the gradient goes to input where input <= other or other is NaN, else to other."""


def fmod(a: Any, b: Any) -> Tensor:
    """a mod b with the sign of a (C's fmod, as torch.fmod), computed exactly; d/da = 1, d/db = -trunc(a / b)."""


def frac(x: Any) -> Tensor:
    """x - trunc(x), the fractional part with x's sign; d/dx = 1 (trunc's is 0)."""


def frac_(self: Any) -> Tensor:
    """In place: self = frac(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def frexp(input: Any) -> builtins.tuple[Tensor, ...]:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1) (0, inf and NaN as themselves with exponent 0): the mantissa's gradient is 2 ** -exponent, the exponent an int32 tensor without one."""


def frobenius_norm(input: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """sqrt(sum x^2) over `dim`, as ``torch.frobenius_norm``."""


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of a CPU object that exports DLPack (a PyTorch or JAX tensor, a numpy array, a Tensor...), as ``torch.from_dlpack``."""


def frombuffer(buffer: Any, *, dtype: Any, count: Any = ..., offset: Any = ..., requires_grad: Any = ...) -> Tensor:
    """A 1-d tensor over the memory of `buffer` (bytes, bytearray, array.array, ...), sharing it as ``torch.frombuffer``: `count` elements of `dtype` (-1: all) from byte `offset`."""


def gather(x: Any, dim: Any, index: Any) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (and so on), as torch.gather."""


def gcd(input: Any, other: Any) -> Tensor:
    """The greatest common divisor of input and other, elementwise (non-negative; gcd(0, 0) = 0): integer tensors, no gradient."""


def gcd_(self: Any, other: Any) -> Tensor:
    """In place: self = gcd(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def ge(a: Any, b: Any) -> Tensor:
    """a >= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def ger(a: Any, b: Any) -> Tensor:
    """The outer product of 1-d tensors a and b: a[i] * b[j]."""


def gradient(input: Any, *, spacing: Any = ..., dim: Any = ..., edge_order: Any = ...) -> builtins.tuple[Tensor, ...]:
    """The derivative of `input` along each of `dim` (every dim by default), one tensor each, as ``torch.gradient``: central differences inside, one-sided (first or second order, `edge_order`) at the ends; `spacing` a number, one per dim, or 1-d coordinate tensors."""


def greater(input: Any, other: Any) -> Tensor:
    """input > other elementwise (gt): a bool tensor, no gradient."""


def greater_equal(input: Any, other: Any) -> Tensor:
    """input >= other elementwise (ge): a bool tensor, no gradient."""


def gt(a: Any, b: Any) -> Tensor:
    """a > b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def hamming_window(window_length: Any, periodic: Any = ..., alpha: Any = ..., beta: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """The Hamming window alpha - beta cos(2 pi n / (N - 1)), as ``torch.hamming_window``."""


def hann_window(window_length: Any, periodic: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """The Hann window 0.5 - 0.5 cos(2 pi n / (N - 1)), as ``torch.hann_window``."""


def heaviside(input: Any, values: Any) -> Tensor:
    """The step function: 0 where input < 0 (and NaN), 1 where input > 0, values (a Tensor of input's dtype, broadcast) where input is 0. input gets no gradient (the step is flat wherever it has a slope), values gets it where input is 0 (PyTorch has no derivative for heaviside: its backward raises)."""


def histc(input: Any, bins: Any = ..., min: Any = ..., max: Any = ...) -> Tensor:
    """The histogram of input's values in `bins` equal bins between min and max (the data's min and max if both are 0, widened by 1 each way if equal); values outside are left out, max falls in the last bin."""


def histogram(input: Any, bins: Any, *, range: Any = ..., weight: Any = ..., density: Any = ...) -> Tensor:
    """(hist, bin_edges) of a float tensor's values, as ``torch.histogram``: `bins` equal bins over `range` (min to max by default) or the edges a 1-d tensor `bins` gives, each counting its values (or summing `weight`), divided to a density if `density`."""


def histogramdd(input: Any, bins: Any, *, range: Any = ..., weight: Any = ..., density: Any = ...) -> Tensor:
    """(hist, bin_edges) of the points in the rows of a (..., D) float tensor, as ``torch.histogramdd``: `bins` an int, D ints or D 1-d edge tensors; `range` a flat list (min_0, max_0, min_1, ...)."""


def hsplit(input: Any, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
    """tensor_split along dim 1 (0 for a 1-d tensor), where a number of sections must divide the dim's size."""


def hstack(tensors: Any) -> Tensor:
    """The tensors joined along dim 1 (dim 0 for 1-d ones); 0-d ones count as 1-d."""


def hypot(input: Any, other: Any) -> Tensor:
    """sqrt(input^2 + other^2) without overflow, elementwise with broadcasting; the gradient is (input, other) / hypot (NaN at the origin, as PyTorch)."""


def i0(x: Any) -> Tensor:
    """i0(x), elementwise: The modified Bessel function of the first kind of order 0; d/dx i0 x = i1 x."""


def i0_(self: Any) -> Tensor:
    """In place: self = i0(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def igamma(input: Any, other: Any) -> Tensor:
    """The regularised lower incomplete gamma function P(a, x) of input a and other x, elementwise with broadcasting; only x gets a gradient, x^(a-1) e^-x / Gamma(a), as PyTorch (a backward that needs a's raises)."""


def igammac(input: Any, other: Any) -> Tensor:
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise with broadcasting; only x gets a gradient."""


def index_add(input: Any, dim: Any, index: Any, source: Any, *, alpha: Any = ...) -> Tensor:
    """input with alpha * source added at entries `index` of dim: out[..., index[i], ...] += alpha * source[..., i, ...], as torch.index_add."""


def index_copy(input: Any, dim: Any, index: Any, source: Any) -> Tensor:
    """input with source's slices written at entries `index` of dim, as torch.index_copy (a repeated index: the last write wins)."""


def index_fill(input: Any, dim: Any, index: Any, value: Any) -> Tensor:
    """input with the number (or 0-d tensor) `value` at entries `index` of dim, as torch.index_fill."""


def index_put(input: Any, indices: Any, values: Any, accumulate: Any = ...) -> Tensor:
    """input with `values` (broadcast) written at input[indices], as torch.index_put: `indices` a tuple of integer or bool tensors for the leading dims, broadcast together. accumulate=True adds the values (repeated indices sum); else where an index repeats the last value wins and, as in PyTorch, every value written there gets that place's gradient (their gradient is a gather of the output's)."""


def index_put_(input: Any, indices: Any, values: Any, accumulate: Any = ...) -> Tensor:
    """index_put in place (see ``Tensor.add_`` for the checks)."""


def index_reduce(input: Any, dim: Any, index: Any, source: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
    """input with source's slices reduced into entries `index` of dim ('prod', 'mean', 'amax' or 'amin'; include_self: the input's own values take part), as torch.index_reduce: scatter_reduce with the index repeated over the other dims."""


def index_select(x: Any, dim: Any, index: Any) -> Tensor:
    """The entries of x at `index` (1-d integers) along dim."""


def inner(input: Any, other: Any) -> Tensor:
    """The sum over the last dims of both: out[i..., j...] = sum_k a[i..., k] b[j..., k]; a product if one of them is 0-d."""


def inverse(A: Any) -> Tensor:
    """inv(A): the inverse of each square matrix (..., n, n); LinAlgError if one is singular."""


def is_complex(self: Any) -> builtins.bool:
    """True if the dtype is complex (never: gradgraph has no complex dtype)."""


def is_conj(self: Any) -> builtins.bool:
    """False: a real tensor has no conjugate bit."""


def is_contiguous(x: Any, memory_format: Any = ...) -> builtins.bool:
    """True if x's data is laid out in C order without gaps."""


def is_floating_point(self: Any) -> builtins.bool:
    """True if the dtype is a floating-point one."""


def is_neg(self: Any) -> builtins.bool:
    """False: gradgraph keeps no negative bit."""


def is_nonzero(self: Any) -> builtins.bool:
    """The truth of a one-element tensor's value; refused for any other number of elements, as PyTorch."""


def is_same_size(self: Any, other: Any) -> builtins.bool:
    """True if `other` has this tensor's shape."""


def is_signed(self: Any) -> builtins.bool:
    """True if the dtype can hold negative values (floats and signed integers)."""


def is_tensor(obj: Any) -> builtins.bool:
    """True if `obj` is a Tensor (a Parameter too), as ``torch.is_tensor``."""


def isclose(input: Any, other: Any, rtol: Any = ..., atol: Any = ..., equal_nan: Any = ...) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (broadcast), as PyTorch: a bool tensor, no gradient."""


def isfinite(x: Any) -> Tensor:
    """True where x is neither infinite nor NaN, elementwise: a bool tensor (no gradient)."""


def isin(elements: Any, test_elements: Any, *, assume_unique: Any = ..., invert: Any = ...) -> Tensor:
    """A bool tensor of `elements`' shape: True where the element is one of `test_elements` (False with `invert`), as ``torch.isin``; either may be a number."""


def isinf(x: Any) -> Tensor:
    """True where x is +inf or -inf, elementwise: a bool tensor (no gradient)."""


def isnan(x: Any) -> Tensor:
    """True where x is NaN, elementwise: a bool tensor (no gradient)."""


def isneginf(x: Any) -> Tensor:
    """True where x is -inf, elementwise: a bool tensor (no gradient)."""


def isposinf(x: Any) -> Tensor:
    """True where x is +inf, elementwise: a bool tensor (no gradient)."""


def isreal(input: Any) -> Tensor:
    """True everywhere: a real tensor's elements are all real (a bool tensor)."""


def kaiser_window(window_length: Any, periodic: Any = ..., beta: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """The Kaiser window I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), as ``torch.kaiser_window``."""


def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product: blocks a[i, j] * b, in any number of dims (the one with fewer padded with leading 1s)."""


def kthvalue(input: Any, k: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """(values, indices) of the k-th smallest element along dim (k from 1; NaN is the largest)."""


def lcm(input: Any, other: Any) -> Tensor:
    """The least common multiple of input and other, elementwise (non-negative): integer tensors, no gradient."""


def lcm_(self: Any, other: Any) -> Tensor:
    """In place: self = lcm(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def ldexp(input: Any, other: Any) -> Tensor:
    """input * 2 ** other, with 2 ** other computed in the result's float dtype (a float64 input takes 2 ** 200 from an int16 other); integers give the default float dtype."""


def ldexp_(self: Any, other: Any) -> Tensor:
    """In place: self = ldexp(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def le(a: Any, b: Any) -> Tensor:
    """a <= b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """input + weight * (end - input), computed as PyTorch: end - (end - input) * (1 - weight) where |weight| >= 0.5 (exact at weight = 1). weight is a number or a Tensor (broadcast); all three get their gradients."""


def less(input: Any, other: Any) -> Tensor:
    """input < other elementwise (lt): a bool tensor, no gradient."""


def less_equal(input: Any, other: Any) -> Tensor:
    """input <= other elementwise (le): a bool tensor, no gradient."""


def lgamma(x: Any) -> Tensor:
    """lgamma(x), elementwise: log |Gamma(x)| (inf at the poles 0, -1, -2, ...); d/dx lgamma x = digamma x."""


def log(x: Any) -> Tensor:
    """log(x), elementwise: Natural logarithm; d/dx log x = 1/x."""


def log10(x: Any) -> Tensor:
    """log10(x), elementwise: Base-10 logarithm; d/dx log10 x = 1 / (x ln 10)."""


def log10_(self: Any) -> Tensor:
    """In place: self = log10(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def log1p(x: Any) -> Tensor:
    """log1p(x), elementwise: log(1 + x), exact for small x; d/dx = 1 / (1 + x)."""


def log1p_(self: Any) -> Tensor:
    """In place: self = log1p(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def log2(x: Any) -> Tensor:
    """log2(x), elementwise: Base-2 logarithm; d/dx log2 x = 1 / (x ln 2)."""


def log2_(self: Any) -> Tensor:
    """In place: self = log2(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def log_(self: Any) -> Tensor:
    """In place: self = log(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def log_softmax(x: Any, dim: Any = ..., dtype: Any = ...) -> Tensor:
    """x - logsumexp(x) over dim; `dtype` casts x first (PyTorch's argument)."""


def logaddexp(input: Any, other: Any) -> Tensor:
    """log(e^input + e^other) without overflow, elementwise with broadcasting."""


def logaddexp2(input: Any, other: Any) -> Tensor:
    """log2(2^input + 2^other) without overflow, elementwise with broadcasting."""


def logcumsumexp(input: Any, dim: Any) -> Tensor:
    """log(cumsum(exp(x))) along `dim`, without overflow or underflow (a running logaddexp in float64: exact where the early elements are far below the later ones; NaN and inf as PyTorch)."""


def logdet(A: Any) -> Tensor:
    """log det(A): NaN where det A < 0, -inf where A is singular (torch.logdet)."""


def logical_and(a: Any, b: Any) -> Tensor:
    """a and b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""


def logical_not(x: Any) -> Tensor:
    """not x elementwise, any dtype taken as a truth value (zero is False); a bool tensor, no gradient."""


def logical_or(a: Any, b: Any) -> Tensor:
    """a or b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""


def logical_xor(a: Any, b: Any) -> Tensor:
    """a xor b elementwise, any dtype taken as a truth value (non-zero is True, as PyTorch); a bool tensor, no gradient."""


def logit(input: Any, eps: Any = ...) -> Tensor:
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] if eps is given."""


def logit_(self: Any, eps: Any = ...) -> Tensor:
    """In place: self = logit(self, eps), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def logspace(start: Any, end: Any, steps: Any, base: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """`steps` values base^t for t evenly spaced from `start` to `end`, as ``torch.logspace`` (the default float dtype unless `dtype`; an integer dtype truncates)."""


def logsumexp(x: Any, dim: Any, keepdim: Any = ...) -> Tensor:
    """log(sum(exp(x))) over dim, shifted by the (constant) max so it never overflows."""


def lt(a: Any, b: Any) -> Tensor:
    """a < b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def lu(A: Any, pivot: Any = ..., get_infos: Any = ...) -> builtins.tuple[Tensor, ...]:
    """torch.lu (deprecated there): (LU, pivots), with info if `get_infos`."""


def lu_solve(input: Any, LU_data: Any, LU_pivots: Any) -> Tensor:
    """torch.lu_solve (deprecated there): linalg.lu_solve(LU_data, LU_pivots, input)."""


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: Any = ..., unpack_pivots: Any = ...) -> builtins.tuple[Tensor, ...]:
    """(P, L, U) of a packed LU (..., m, n) and its pivots (..., k) (see lu_factor); L and U empty if not `unpack_data`, P empty if not `unpack_pivots`."""


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """x with `value` where mask is True (mask broadcasts)."""


def masked_fill_(x: Any, mask: Any, value: Any) -> Tensor:
    """Write `value` where mask is True, in place (see ``Tensor.add_`` for the checks)."""


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    """input (broadcast with the bool mask) with source's first elements, in C order, written where mask is True; the gradient flows to input's other elements and to the elements of source used."""


def masked_select(input: Any, mask: Any) -> Tensor:
    """The elements of input where the bool `mask` is True (both broadcast), as a 1-d tensor in C order; the gradient flows back to those elements."""


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy's rules: 1-d operands are vectors, batch dims broadcast."""


def matrix_exp(A: Any) -> Tensor:
    """exp(A) = sum_k A^k / k! of each square matrix (..., n, n)."""


def matrix_power(A: Any, n: Any) -> Tensor:
    """A @ A @ ..."""


def max(x: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """max(x): the largest element; max(x, dim): (values, indices); max(a, b): maximum."""


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise maximum of a and b (NaN wins); at a tie each side gets half the gradient."""


def mean(x: Any, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
    """The mean over `dim` (all dims if None), computed in `dtype` if given; integers computed in the default float dtype; an integer or bool `dtype` is refused, as PyTorch."""


def median(input: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """median(x): the lower of the two middle values of all elements (a tensor), its gradient shared by the elements equal to it; median(x, dim): (values, indices) along dim, the gradient going to the selected element."""


def meshgrid(*tensors: Any, indexing: Any = ...) -> Tensor:
    """Coordinate grids of 1-d tensors: the i-th output varies along dim i ('ij', the default) or, for the first two, along dims swapped ('xy', as numpy's default)."""


def min(x: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """min(x): the smallest element; min(x, dim): (values, indices); min(a, b): minimum."""


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise minimum of a and b (NaN wins); at a tie each side gets half the gradient."""


def mm(a: Any, b: Any) -> Tensor:
    """The matrix product of 2-d tensors a and b."""


def mode(input: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """(values, indices): the most frequent value along dim (the smallest of equally frequent ones) and its last index, as PyTorch."""


def moveaxis(input: Any, source: Any, destination: Any) -> Tensor:
    """input with its dims `source` moved to positions `destination` (the others keep their order)."""


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """input with its dims `source` moved to positions `destination` (the others keep their order)."""


def msort(x: Any) -> Tensor:
    """The values of x sorted along dim 0 (``sort(x, 0).values``)."""


def mul(a: Any, b: Any) -> Tensor:
    """a * b, with PyTorch's dtype promotion."""


def multinomial(input: Any, num_samples: Any, replacement: Any = ..., generator: Any = ...) -> Tensor:
    """Draw `num_samples` indices per row of `input` (k,) or (m, k), with probability proportional to the row's weights (which need not sum to 1), as ``torch.multinomial``."""


def multiply(input: Any, other: Any) -> Tensor:
    """input * other (mul)."""


def mv(input: Any, vec: Any) -> Tensor:
    """The product of a 2-d tensor and a 1-d one."""


def mvlgamma(input: Any, p: Any) -> Tensor:
    """The multivariate log-gamma function of dimension p >= 1, elementwise: sum_{i=0}^{p-1} lgamma(x - i/2) + p (p - 1) / 4 log(pi), as PyTorch (which no longer checks x > (p - 1) / 2)."""


def nan_to_num(input: Any, nan: Any = ..., posinf: Any = ..., neginf: Any = ...) -> Tensor:
    """input with NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and lowest finite values), as PyTorch; the replaced elements get a zero gradient."""


def nan_to_num_(self: Any, nan: Any = ..., posinf: Any = ..., neginf: Any = ...) -> Tensor:
    """In place: self = nan_to_num(self, nan, posinf, neginf), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def nanmean(input: Any, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
    """The mean over `dim` of the elements that are not NaN (NaN where all are); the NaNs get gradient 0."""


def nanmedian(input: Any, dim: Any = ..., keepdim: Any = ...) -> Any:
    """median ignoring NaN (NaN only where the slice is all NaN, with index 0: PyTorch's index there depends on its selection algorithm)."""


def nanquantile(input: Any, q: Any, dim: Any = ..., keepdim: Any = ..., *, interpolation: Any = ...) -> Tensor:
    """quantile ignoring NaN (NaN only where the slice is all NaN)."""


def nansum(input: Any, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
    """The sum over `dim` with NaN counted as 0 (whose gradient is 0)."""


def narrow(x: Any, dim: Any, start: Any, length: Any) -> Tensor:
    """x[..., start:start + length, ...] at dim."""


def narrow_copy(input: Any, dim: Any, start: Any, length: Any) -> Tensor:
    """narrow(input, dim, start, length) as a copy with its own memory."""


def ne(a: Any, b: Any) -> Tensor:
    """a != b elementwise, a bool tensor (no gradient); the operands are compared in their common dtype, as PyTorch (a Python int beyond an integer tensor's range wrapped around into it, as PyTorch)."""


def neg(x: Any) -> Tensor:
    """-x; d/dx = -1."""


def neg_(self: Any) -> Tensor:
    """In place: self = neg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def negative(input: Any) -> Tensor:
    """-input (neg)."""


def negative_(self: Any) -> Tensor:
    """In place: self = neg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def nextafter(input: Any, other: Any) -> Tensor:
    """The next floating-point value after input towards other, elementwise (float tensors of one dtype); no gradient."""


def nonzero(input: Any, *, as_tuple: Any = ...) -> Any:
    """The indices of the non-zero elements, in C order: an (n, ndim) int64 tensor, or with as_tuple one 1-d tensor per dim (a 0-d input counting as 1-d)."""


def nonzero_static(input: Any, *, size: Any, fill_value: Any = ...) -> Tensor:
    """nonzero(input) as exactly `size` rows: cut, or padded with rows of fill_value."""


def norm(x: Any, p: Any = ..., dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """p-norm over dim (all dims by default), as torch.norm: p = inf / -inf is the largest / smallest |x|, p = 0 counts the non-zeros (zero gradient), "fro" is 2."""


def norm_except_dim(v: Any, pow: Any = ..., dim: Any = ...) -> Tensor:
    """The `pow`-norm of `v` over every dim but `dim`, those dims kept as 1 (weight normalisation's norm, ``torch.norm_except_dim``); dim=-1: of the whole tensor."""


def normal(mean: Any, std: Any = ..., size: Any = ..., *, generator: Any = ..., dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """Draws from N(mean, std^2), as ``torch.normal``: a Tensor `mean` and/or `std` (broadcast together; the result has their float dtype), or numbers and a `size`. std must be >= 0."""


def not_equal(input: Any, other: Any) -> Tensor:
    """input != other elementwise (ne): a bool tensor, no gradient."""


def nuclear_norm(input: Any, dim: Any = ..., keepdim: Any = ...) -> Tensor:
    """The sum of the singular values of the matrices in `dim` (the last two by default), as ``torch.nuclear_norm``; nuclear_norm(x, True) keeps the dims."""


def numel(self: Any) -> builtins.int:
    """The number of elements."""


def outer(a: Any, b: Any) -> Tensor:
    """The outer product of 1-d tensors a and b: a[i] * b[j]."""


def permute(x: Any, *dims: Any) -> Tensor:
    """x with its dims reordered to `dims` (a view)."""


def permute_copy(x: Any, *dims: Any) -> Tensor:
    """A copy of ``Tensor.permute``'s result, not a view of the input (differentiable), as ``torch.permute_copy``."""


def pinverse(input: Any, rcond: Any = ...) -> Tensor:
    """torch.pinverse: linalg.pinv(input, rtol=rcond)."""


def poisson(input: Any, generator: Any = ...) -> Tensor:
    """A Poisson draw of rate `input` per element (>= 0), in `input`'s dtype, as ``torch.poisson``."""


def polygamma(n: Any, input: Any) -> Tensor:
    """The n-th derivative of digamma (n >= 0; n = 0 is digamma), elementwise; d/dx polygamma(n, x) = polygamma(n + 1, x)."""


def positive(input: Any) -> Tensor:
    """+input: input itself; refused for a bool tensor, as PyTorch."""


def pow(x: Any, exponent: Any) -> Tensor:
    """x ** exponent: a number exponent records Pow, a Tensor one (or base) PowT."""


def prod(input: Any, dim: Any = ..., keepdim: Any = ..., *, dtype: Any = ...) -> Tensor:
    """The product over `dim` (all elements if None); integers and bool give int64, as PyTorch. d/dx_i is the product of the other elements, exact with zeros: one zero gets the product of the rest, the others 0; with two zeros every gradient is 0."""


def promote_types(type1: Any, type2: Any) -> Tensor:
    """The smallest dtype both dtypes convert to without leaving their category (bool < integer < float), as ``torch.promote_types``."""


def put(input: Any, index: Any, source: Any, accumulate: Any = ...) -> Tensor:
    """input with source's elements written at the flat positions `index` (an integer tensor with as many elements; negative from the end), or added there with `accumulate` (repeated positions sum); source must have input's dtype, as in PyTorch."""


def qr(input: Any, some: Any = ...) -> builtins.tuple[Tensor, ...]:
    """torch.qr: linalg.qr(input, "reduced" if some else "complete"), as (Q, R)."""


def quantile(input: Any, q: Any, dim: Any = ..., keepdim: Any = ..., *, interpolation: Any = ...) -> Tensor:
    """The q-th quantiles of input along dim (of all elements if None), q a number or a 1-d tensor in [0, 1] (its dim then comes first), as PyTorch: the sorted values at rank q (n - 1), between two ranks by `interpolation` (linear, lower, higher, midpoint, nearest: half to even)."""


def rad2deg(input: Any) -> Tensor:
    """Radians to degrees, x * 180 / pi (integers give the default float dtype)."""


def rad2deg_(self: Any) -> Tensor:
    """In place: self = rad2deg(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def randint_like(input: Any, low: Any = ..., high: Any = ..., *, generator: Any = ..., dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """Integers drawn uniformly from [low, high) in `input`'s shape and dtype (or `dtype`), as ``torch.randint_like``; randint_like(input, high) draws from [0, high)."""


def range(start: Any, end: Any, step: Any = ..., *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """start, start + step, ... up to `end` included, in the default float dtype, as the deprecated ``torch.range`` (use ``arange``, which stops before `end`)."""


def ravel(input: Any) -> Tensor:
    """input flattened to 1-d (reshape(-1): a view where possible)."""


def reciprocal(x: Any) -> Tensor:
    """1 / x, x ** -1 (integers computed in the default float dtype)."""


def reciprocal_(self: Any) -> Tensor:
    """In place: self = reciprocal(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def relu(x: Any) -> Tensor:
    """relu(x), elementwise: max(x, 0)."""


def relu_(self: Any) -> Tensor:
    """In place: self = relu(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def remainder(a: Any, b: Any) -> Tensor:
    """a mod b with the sign of b (Python's `%`, as torch.remainder), computed exactly; d/da = 1, d/db = -floor(a / b)."""


def renorm(input: Any, p: Any, dim: Any, maxnorm: Any) -> Tensor:
    """input with each slice along `dim` whose p-norm exceeds maxnorm scaled to norm maxnorm: by maxnorm / (norm + 1e-7), as PyTorch."""


def repeat(x: Any, *sizes: Any) -> Tensor:
    """Tile x: repeat(2, 3) on a (a, b) tensor gives (2a, 3b), as torch.repeat (a new tensor)."""


def repeat_interleave(x: Any, repeats: Any = ..., dim: Any = ..., output_size: Any = ...) -> Tensor:
    """Each element of x repeated `repeats` times along dim (x flattened if dim is None)."""


def reshape(x: Any, *shape: Any) -> Tensor:
    """x with shape `shape` (one entry may be -1): a view where numpy can make one."""


def resolve_conj(self: Any) -> Tensor:
    """The complex conjugate: this tensor itself, as its dtype is real."""


def resolve_neg(self: Any) -> Tensor:
    """The complex conjugate: this tensor itself, as its dtype is real."""


def result_type(tensor1: Any, tensor2: Any) -> Tensor:
    """The dtype an op on `tensor1` and `tensor2` (Tensors or numbers) computes in, by PyTorch's promotion rules (``torch.result_type``)."""


def roll(input: Any, shifts: Any, dims: Any = ...) -> Tensor:
    """input with its elements moved `shifts` places along `dims` (wrapping around); all elements as one row, in order, if dims is None."""


def rot90(input: Any, k: Any = ..., dims: Any = ...) -> Tensor:
    """input rotated by k quarter turns in the plane of `dims`, from the first dim towards the second."""


def round(x: Any, decimals: Any = ...) -> Tensor:
    """x rounded to `decimals` decimal places, halves to even (round(2.5) = 2), as PyTorch; integer tensors are returned as they are (decimals=0)."""


def round_(self: Any, decimals: Any = ...) -> Tensor:
    """In place: self = round(self, decimals), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def row_stack(tensors: Any) -> Tensor:
    """``vstack(tensors)``, as ``torch.row_stack``."""


def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x), as PyTorch (its bits; NaN at -inf and -inf at -0, where x ** -0.5 gives 0 and inf)."""


def rsqrt_(self: Any) -> Tensor:
    """In place: self = rsqrt(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def rsub(input: Any, other: Any, *, alpha: Any = ...) -> Tensor:
    """other - alpha * input, as ``torch.rsub``."""


def scalar_tensor(s: Any, *, dtype: Any = ..., requires_grad: Any = ..., device: Any = ...) -> Tensor:
    """A 0-d tensor holding the number `s`, in the default float dtype unless `dtype` (``torch.scalar_tensor``)."""


def scatter(input: Any, dim: Any, index: Any, src: Any = ..., value: Any = ..., reduce: Any = ...) -> Tensor:
    """input with src's values (or the number `value`) written at `index` along dim: out[index[i][j]][j] = src[i][j] for dim=0, as torch.scatter."""


def scatter_add(input: Any, dim: Any, index: Any, src: Any) -> Tensor:
    """input with src's values added at `index` along dim: out[index[i][j]][j] += src[i][j] for dim=0, as torch.scatter_add."""


def scatter_reduce(input: Any, dim: Any, index: Any, src: Any, reduce: Any, *, include_self: Any = ...) -> Tensor:
    """input with src's values reduced into it at `index` along dim, as torch.scatter_reduce: each element written is the sum, prod, mean, amax or amin of the src elements sent to it, and of its own value if include_self."""


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: Any = ..., right: Any = ..., side: Any = ..., sorter: Any = ...) -> Tensor:
    """For each value of input, the index in sorted_sequence's last dim where it would be inserted keeping the order: the first such place, or the last with right=True or side='right'."""


def select(x: Any, dim: Any, index: Any) -> Tensor:
    """x[..., index, ...] at dim (the dim is removed)."""


def select_copy(x: Any, dim: Any, index: Any) -> Tensor:
    """A copy of ``Tensor.select``'s result, not a view of the input (differentiable), as ``torch.select_copy``."""


def select_scatter(input: Any, src: Any, dim: Any, index: Any) -> Tensor:
    """input with src written over input.select(dim, index)."""


def set_printoptions(precision: Any = ..., threshold: Any = ..., edgeitems: Any = ..., linewidth: Any = ..., profile: Any = ..., sci_mode: Any = ...) -> None:
    """How a Tensor's repr prints, as ``torch.set_printoptions``: digits after the point (`precision`, 4), the element count above which it summarises with ``...`` (`threshold`, 1000) and the items shown at each edge then (`edgeitems`, 3), the line width (`linewidth`, 75), scientific notation always (`sci_mode=True`), never (False) or as numpy picks (None)."""


def sgn(x: Any) -> Tensor:
    """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch)."""


def sigmoid(x: Any) -> Tensor:
    """sigmoid(x), elementwise: 1 / (1 + e^-x), computed without overflow for any x."""


def sigmoid_(self: Any) -> Tensor:
    """In place: self = sigmoid(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def sign(x: Any) -> Tensor:
    """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch)."""


def signbit(input: Any) -> Tensor:
    """True where the sign bit is set (negative numbers, -0.0, a NaN with the sign bit): a bool tensor, no gradient."""


def sin(x: Any) -> Tensor:
    """sin(x), elementwise: Sine; d/dx sin x = cos x."""


def sin_(self: Any) -> Tensor:
    """In place: self = sin(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def sinc(input: Any) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0 (the normalised sinc, as PyTorch); its derivative at 0 is 0."""


def sinc_(self: Any) -> Tensor:
    """In place: self = sinc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def sinh(x: Any) -> Tensor:
    """sinh(x), elementwise: Hyperbolic sine; d/dx sinh x = cosh x."""


def sinh_(self: Any) -> Tensor:
    """In place: self = sinh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def slice_copy(input: Any, dim: Any = ..., start: Any = ..., end: Any = ..., step: Any = ...) -> Tensor:
    """A copy of input[..., start:end:step, ...] along `dim`, as ``torch.slice_copy``."""


def slice_scatter(input: Any, src: Any, dim: Any = ..., start: Any = ..., end: Any = ..., step: Any = ...) -> Tensor:
    """input with src written over input[..., start:end:step, ...] (at dim)."""


def slogdet(A: Any) -> Tensor:
    """(sign, logabsdet) of det(A), each of shape (...): sign is -1, 0 or 1 (no gradient), logabsdet = log |det A| (-inf where A is singular)."""


def softmax(x: Any, dim: Any = ..., dtype: Any = ...) -> Tensor:
    """exp(x) / sum(exp(x)) over dim; `dtype` casts x first; a bool or integer x is refused, as in PyTorch."""


def softplus(x: Any) -> Tensor:
    """softplus(x), elementwise: log(1 + e^x), stable for any x; d/dx = sigmoid(x) (0.5 at 0, as PyTorch: a composite of relu and abs would give their kinks' 0 there, and 0 as its second derivative)."""


def sort(x: Any, dim: Any = ..., descending: Any = ..., stable: Any = ...) -> Any:
    """(values, indices) of x sorted along dim."""


def split(x: Any, split_size: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """x cut along `dim` into pieces of split_size (an int) or of the given sizes: views."""


def split_copy(x: Any, split_size: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """A copy of ``Tensor.split``'s result, not a view of the input (differentiable), as ``torch.split_copy``."""


def split_with_sizes(input: Any, split_sizes: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """input cut along `dim` into pieces of the given sizes (they must add up to the dim's size): views."""


def split_with_sizes_copy(input: Any, split_sizes: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """A copy of ``Tensor.split_with_sizes``'s result, not a view of the input (differentiable), as ``torch.split_with_sizes_copy``."""


def sqrt(x: Any) -> Tensor:
    """Square root, x ** 0.5 (integers computed in the default float dtype)."""


def sqrt_(self: Any) -> Tensor:
    """In place: self = sqrt(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def square(x: Any) -> Tensor:
    """x * x, x ** 2 (a bool tensor gives int64)."""


def square_(self: Any) -> Tensor:
    """In place: self = square(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def squeeze(x: Any, dim: Any = ...) -> Tensor:
    """x without its size-1 dims (only those of `dim` if given)."""


def squeeze_copy(x: Any, dim: Any = ...) -> Tensor:
    """A copy of ``Tensor.squeeze``'s result, not a view of the input (differentiable), as ``torch.squeeze_copy``."""


def stack(tensors: Any, dim: Any = ...) -> Tensor:
    """The tensors (all of one shape) joined along a new dim `dim`."""


def std(x: Any, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Tensor:
    """sqrt(var); where the variance is 0 (equal values) the gradient is 0, as PyTorch, not 0 * inf = NaN (double where: sqrt never sees the zero)."""


def std_mean(x: Any, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., *, correction: Any = ...) -> builtins.tuple[Tensor, ...]:
    """(std, mean) over `dim`, as torch.std_mean: std's arguments."""


def sub(a: Any, b: Any, *, alpha: Any = ...) -> Tensor:
    """a - alpha * b, with PyTorch's dtype promotion."""


def subtract(input: Any, other: Any, *, alpha: Any = ...) -> Tensor:
    """input - alpha * other (sub)."""


def sum(x: Any, dim: Any = ..., keepdim: Any = ..., dtype: Any = ...) -> Tensor:
    """The sum over `dim` (all dims if None), as `dtype` if given; keepdim keeps reduced dims as 1."""


def svd(input: Any, some: Any = ..., compute_uv: Any = ...) -> builtins.tuple[Tensor, ...]:
    """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not Vh); `some` is not full_matrices. compute_uv=False: U and V are zeros (..., m, m) and (..., n, n), as PyTorch's."""


def swapaxes(input: Any, axis0: Any, axis1: Any) -> Tensor:
    """input with dims axis0 and axis1 exchanged (transpose)."""


def swapdims(input: Any, axis0: Any, axis1: Any) -> Tensor:
    """input with dims axis0 and axis1 exchanged (transpose)."""


def t(x: Any) -> Tensor:
    """The transpose of a tensor of at most 2 dims (a view of x as it is for 0 and 1 dims)."""


def t_copy(x: Any) -> Tensor:
    """A copy of ``Tensor.t``'s result, not a view of the input (differentiable), as ``torch.t_copy``."""


def take(input: Any, index: Any) -> Tensor:
    """The elements of input (taken as 1-d) at `index`, in index's shape."""


def take_along_dim(input: Any, indices: Any, dim: Any = ...) -> Tensor:
    """gather with the input and indices broadcast over the other dims, as torch.take_along_dim."""


def tan(x: Any) -> Tensor:
    """tan(x), elementwise: Tangent; d/dx tan x = 1 + tan(x)^2 (from its saved output)."""


def tan_(self: Any) -> Tensor:
    """In place: self = tan(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def tanh(x: Any) -> Tensor:
    """tanh(x), elementwise: Hyperbolic tangent; d/dx tanh x = 1 - tanh(x)^2 (from its saved output)."""


def tanh_(self: Any) -> Tensor:
    """In place: self = tanh(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def tensor_split(input: Any, indices_or_sections: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """input cut along `dim` into `sections` pieces (an int: the first n % sections one longer) or at the given indices (a list or a 1-d integer tensor: Python's slice rules, so an index past the end gives empty pieces): views."""


def tensordot(a: Any, b: Any, dims: Any = ...) -> Tensor:
    """The sum over dims `dims` of a and b: an int n (a's last n with b's first n), or two lists of dims; a's other dims then b's in the result."""


def tile(input: Any, dims: Any) -> Tensor:
    """input repeated dims[i] times along each dim i (dims padded with leading 1s)."""


def topk(x: Any, k: Any, dim: Any = ..., largest: Any = ..., sorted: Any = ...) -> Any:
    """(values, indices) of the k largest (or smallest) elements along dim, largest first (smallest first with largest=False)."""


def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a 2-d tensor."""


def transpose(x: Any, dim0: Any, dim1: Any) -> Tensor:
    """x with dims dim0 and dim1 swapped (a view)."""


def transpose_copy(x: Any, dim0: Any, dim1: Any) -> Tensor:
    """A copy of ``Tensor.transpose``'s result, not a view of the input (differentiable), as ``torch.transpose_copy``."""


def trapezoid(y: Any, x: Any = ..., *, dx: Any = ..., dim: Any = ...) -> Tensor:
    """The trapezoid rule's integral of `y` along `dim`, at points `x` (1-d, or broadcastable to y) or spaced `dx` (1 by default), as ``torch.trapezoid``: sum (x_i+1 - x_i) (y_i+1 + y_i) / 2; 0 for an empty dim."""


def trapz(y: Any, x: Any = ..., *, dx: Any = ..., dim: Any = ...) -> Tensor:
    """``trapezoid``, by its older name (``torch.trapz``)."""


def triangular_solve(input: Any, A: Any, upper: Any = ..., transpose: Any = ..., unitriangular: Any = ...) -> builtins.tuple[Tensor, ...]:
    """torch.triangular_solve (deprecated there): (X, a copy of A) with op(A) X = input, op(A) = A^T if `transpose`; `upper` says which triangle of A is read."""


def tril(x: Any, diagonal: Any = ...) -> Tensor:
    """The lower triangle of the last two dims (j <= i + diagonal); zeros above."""


def tril_indices(row: Any, col: Any, offset: Any = ..., *, dtype: Any = ..., device: Any = ...) -> Tensor:
    """The (2, N) row and column indices of the lower triangle (on and below diagonal `offset`) of a `row` x `col` matrix, row by row, as ``torch.tril_indices``."""


def triu(x: Any, diagonal: Any = ...) -> Tensor:
    """The upper triangle of the last two dims (j >= i + diagonal); zeros below."""


def triu_indices(row: Any, col: Any, offset: Any = ..., *, dtype: Any = ..., device: Any = ...) -> Tensor:
    """The (2, N) row and column indices of the upper triangle (on and above diagonal `offset`) of a `row` x `col` matrix, row by row, as ``torch.triu_indices``."""


def true_divide(input: Any, other: Any) -> Tensor:
    """input / other, true division (div)."""


def trunc(x: Any) -> Tensor:
    """x rounded towards zero, elementwise (integer tensors are returned as they are); the gradient is 0, as PyTorch's."""


def trunc_(self: Any) -> Tensor:
    """In place: self = trunc(self), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def unbind(x: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """The slices of x along dim, as a tuple of views (the dim removed)."""


def unbind_copy(x: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """A copy of ``Tensor.unbind``'s result, not a view of the input (differentiable), as ``torch.unbind_copy``."""


def unflatten(x: Any, dim: Any, sizes: Any) -> Tensor:
    """Dim `dim` split into `sizes` (one of them may be -1)."""


def unfold_copy(input: Any, dimension: Any, size: Any, step: Any) -> Tensor:
    """A copy of ``Tensor.unfold``'s result, not a view of the input (differentiable), as ``torch.unfold_copy``."""


def unique(input: Any, sorted: Any = ..., return_inverse: Any = ..., return_counts: Any = ..., dim: Any = ...) -> Any:
    """The distinct values (sorted, also when sorted=False: PyTorch's order is then unspecified), or with `dim` the distinct slices along dim; with return_inverse each element's (slice's) index among them, with return_counts how often each occurs."""


def unique_consecutive(input: Any, return_inverse: Any = ..., return_counts: Any = ..., dim: Any = ...) -> Any:
    """input with each run of equal consecutive values (or slices along dim) kept once, as torch.unique_consecutive; return_inverse: each element's (slice's) run, and return_counts: each run's length."""


def unravel_index(indices: Any, shape: Any) -> builtins.tuple[Tensor, ...]:
    """The coordinates of flat `indices` in a tensor of `shape` (row-major), as ``torch.unravel_index``: a tuple of int64 tensors of `indices`' shape, one per dimension."""


def unsafe_chunk(x: Any, chunks: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """x cut along `dim` into `chunks` pieces of equal size (the last may be smaller)."""


def unsafe_split(x: Any, split_size: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """x cut along `dim` into pieces of split_size (an int) or of the given sizes: views."""


def unsafe_split_with_sizes(input: Any, split_sizes: Any, dim: Any = ...) -> builtins.tuple[Tensor, ...]:
    """input cut along `dim` into pieces of the given sizes (they must add up to the dim's size): views."""


def unsqueeze(x: Any, dim: Any) -> Tensor:
    """x with a size-1 dim inserted at `dim`."""


def unsqueeze_copy(x: Any, dim: Any) -> Tensor:
    """A copy of ``Tensor.unsqueeze``'s result, not a view of the input (differentiable), as ``torch.unsqueeze_copy``."""


def vander(x: Any, N: Any = ..., increasing: Any = ...) -> Tensor:
    """The Vandermonde matrix of a 1-d tensor: column j is x^(N-1-j) (x^j if `increasing`), N = len(x) by default, as ``torch.vander`` (an integer x stays int64); differentiable."""


def var(x: Any, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., correction: Any = ...) -> Tensor:
    """Variance with Bessel's correction by default (correction=1), as PyTorch; var(x, False) is PyTorch's var(x, unbiased=False) over all elements (not dim 0)."""


def var_mean(x: Any, dim: Any = ..., unbiased: Any = ..., keepdim: Any = ..., *, correction: Any = ...) -> builtins.tuple[Tensor, ...]:
    """(var, mean) over `dim`, as torch.var_mean: var's arguments."""


def vdot(input: Any, other: Any) -> Tensor:
    """dot with the first vector conjugated: dot, for real tensors."""


def view_copy(x: Any, *shape: Any, dtype: Any = ...) -> Tensor:
    """A copy of ``Tensor.view``'s result, not a view of the input (differentiable), as ``torch.view_copy``."""


def vsplit(input: Any, indices_or_sections: Any) -> builtins.tuple[Tensor, ...]:
    """tensor_split along dim 0, where a number of sections must divide the dim's size."""


def vstack(tensors: Any) -> Tensor:
    """The tensors (at least 2-d: a 1-d one is a row) joined along dim 0."""


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Elements of x where condition holds, else of y; the unselected side gets zero gradient (see README on NaN in unselected branches)."""


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input is 0 (unless other is NaN), elementwise with broadcasting; d/dinput = log(other) (0 where input is 0 and other <= 0), d/dother = input / other, as PyTorch."""


def xlogy_(self: Any, other: Any) -> Tensor:
    """In place: self = xlogy(self, other), written in self's dtype (an error if the result's dtype cannot be cast to it, as PyTorch's; see ``Tensor.add_`` for the other checks)."""


def zero_(self: Any) -> Tensor:
    """In place: fill self with zeros; the old values get a zero gradient."""
