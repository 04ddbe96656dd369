"""Recurrent layers with PyTorch's constructor arguments, parameter names, layouts and
initialisation, so a PyTorch state_dict loads into them directly: ``RNN`` (tanh or
relu), ``LSTM``, ``GRU`` over whole sequences, and the one-step ``RNNCell``,
``LSTMCell``, ``GRUCell``. The arithmetic is in ``functional_rnn``."""
import math
import warnings

import autograd as ag
from autograd.errors import ArgumentError, DtypeError, ShapeError

from . import functional as F
from . import functional_rnn as R
from . import init
from .module import Module
from .parameter import empty_parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _positive(name, op, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ArgumentError(f"{op}: {name} must be a positive integer, got {value!r}")


def _check_dtype(op, input, weight):
    if input.data.dtype != weight.data.dtype:
        raise DtypeError(f"{op}: input of dtype {input.data.dtype} (shape {input.shape}) does "
                         f"not match the weights' dtype {weight.data.dtype}; convert the "
                         f"input with .to({str(weight.data.dtype)!r}) (or the model with "
                         f".to(...))")


def _check_input(op, input, batched_dims, input_size, weight):
    if input.ndim not in (batched_dims - 1, batched_dims):
        raise ShapeError(f"{op}: expected input to be {batched_dims - 1}-d (unbatched) or "
                         f"{batched_dims}-d, got shape {tuple(input.shape)}")
    if input.shape[-1] != input_size:
        raise ShapeError(f"{op}: input.size(-1) must be equal to input_size ({input_size}), "
                         f"got input of shape {tuple(input.shape)}")
    _check_dtype(op, input, weight)


def _check_hidden(op, what, h, expected):
    if tuple(h.shape) != tuple(expected):
        raise ShapeError(f"{op}: expected {what} of shape {tuple(expected)}, got "
                         f"{tuple(h.shape)}")


def _uniform_all(module, hidden_size):
    """PyTorch's recurrent init: every parameter U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class RNNBase(Module):
    """The stacked, optionally bidirectional recurrence of RNN, LSTM and GRU.

    Parameters per layer k and direction (suffix ``_reverse`` for the backward one):
    ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}`` (G*H, H_out), ``bias_ih_l{k}`` and
    ``bias_hh_l{k}`` (G*H,), and with ``proj_size`` (LSTM only) ``weight_hr_l{k}``
    (proj_size, H); G is 1, 4 (gates i, f, g, o) or 3 (r, z, n), H_out is proj_size or
    H, I_0 = input_size and I_k = D*H_out after it.

    forward(input, hx=None): input (T, B, I), (B, T, I) with ``batch_first``, or
    unbatched (T, I); hx (L*D, B, H_out), for an LSTM a pair (h0, c0) with c0 (L*D, B,
    H), zeros by default, (L*D, H_out) for an unbatched input. Returns (output, h_n):
    output (T, B, D*H_out) (batch first if asked), h_n as hx; an LSTM (output, (h_n,
    c_n))."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers)):
            _positive(arg, name, value)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ArgumentError(f"{name}: dropout should be a number in range [0, 1] "
                                f"representing the probability of an element being zeroed, "
                                f"got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if proj_size and mode != "LSTM":
            raise ArgumentError(f"{name}: proj_size argument is only supported for LSTM, "
                                f"not RNN or GRU")
        if proj_size < 0 or (proj_size and proj_size >= hidden_size):
            raise ArgumentError(f"{name}: proj_size ({proj_size}) has to be a positive integer "
                                f"smaller than hidden_size ({hidden_size}), or 0")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        out, gates = proj_size or hidden_size, _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for k in range(num_layers):
            for suffix in ("", "_reverse")[:dirs]:
                shapes = {"weight_ih": (gates, input_size if k == 0 else out * dirs),
                          "weight_hh": (gates, out)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    key = f"{kind}_l{k}{suffix}"
                    setattr(self, key, empty_parameter(shape, dtype, device))
                    self._flat_weights_names.append(key)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_all(self, self.hidden_size)

    def flatten_parameters(self):
        """Nothing to do (PyTorch packs the weights for cuDNN here); kept for ported code."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters per layer and direction, in PyTorch's order."""
        names = self._flat_weights_names
        per = len(names) // (self.num_layers * (2 if self.bidirectional else 1))
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def _weights(self):
        """Per layer and direction: (w_ih, w_hh, b_ih, b_hh, w_hr), None where absent."""
        return [tuple(getattr(self, f"{kind}_l{k}{suffix}", None) for kind in
                      ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))
                for k in range(self.num_layers)
                for suffix in ("", "_reverse")[:2 if self.bidirectional else 1]]

    def forward(self, input, hx=None):
        name, lstm = type(self).__name__, self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        x, sizes = self._time_major(name, input)
        batched, batch = packed or input.ndim == 3, x.shape[1] if sizes is None else sizes[0]
        if hx is None:
            hx = [ag.zeros(*s, dtype=x.data.dtype) for s in self._state_shapes(batch)]
        else:
            hx = self._initial(name, hx, batch, batched)
            if packed and input.sorted_indices is not None:
                hx = [h.index_select(1, input.sorted_indices) for h in hx]
        out, h_n = R.rnn(self.mode, x, tuple(hx) if lstm else hx[0], self._weights(),
                         self.num_layers, self.bidirectional, self.dropout, self.training,
                         sizes)
        if packed:
            if input.unsorted_indices is not None:
                order = input.unsorted_indices
                h_n = (tuple(h.index_select(1, order) for h in h_n) if lstm
                       else h_n.index_select(1, order))
            return input._replace(data=out), h_n
        if not batched:
            out = out.squeeze(1)
            h_n = tuple(h.squeeze(1) for h in h_n) if lstm else h_n.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, h_n

    def _time_major(self, name, input):
        """(x (T, B, I), None), or a PackedSequence's (data, batch sizes as a list)."""
        if isinstance(input, PackedSequence):
            data = input.data
            if data.ndim != 2:
                raise ShapeError(f"{name}: expected a PackedSequence of 2-d data, got shape "
                                 f"{tuple(data.shape)}")
            _check_input(name, data, 2, self.input_size, self.weight_ih_l0)
            return data, input.batch_sizes.data.tolist()
        _check_input(name, input, 3, self.input_size, self.weight_ih_l0)
        x = input.transpose(0, 1) if input.ndim == 3 and self.batch_first else input
        if input.ndim == 2:
            x = x.unsqueeze(1)
        if x.shape[0] == 0:
            raise ShapeError(f"{name}: expected a sequence of length > 0, got input of shape "
                             f"{tuple(input.shape)}")
        return x, None

    def _state_shapes(self, batch):
        dirs = 2 if self.bidirectional else 1
        shapes = [(self.num_layers * dirs, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((self.num_layers * dirs, batch, self.hidden_size))
        return shapes

    def _initial(self, name, hx, batch, batched):
        """The given hx checked, as a list of (L*D, B, H) tensors."""
        shapes = self._state_shapes(batch)
        hx = list(hx) if self.mode == "LSTM" else [hx]
        if len(hx) != len(shapes):
            raise ArgumentError(f"{name}: expected hx to be a pair (h_0, c_0), got "
                                f"{len(hx)} tensors")
        for what, h, s in zip(("h_0", "c_0"), hx, shapes):
            if not batched and h.ndim != 2:
                raise ShapeError(f"{name}: for an unbatched 2-d input, {what} should also "
                                 f"be 2-d, got shape {tuple(h.shape)}")
            _check_hidden(name, what, h, s if batched else (s[0], s[2]))
            _check_dtype(name, h, self.weight_ih_l0)
        return hx if batched else [h.unsqueeze(1) for h in hx]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for arg, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, arg) != default:
                s += f", {arg}={getattr(self, arg)}"
        return s


class RNN(RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu with
    ``nonlinearity="relu"``), as ``torch.nn.RNN``; see RNNBase for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or "
                                f"'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, as ``torch.nn.LSTM`` (gates i, f, g, o; ``proj_size``
    projects h); returns (output, (h_n, c_n)); see RNNBase for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, as ``torch.nn.GRU`` (gates r, z, n with n = tanh(W_in x +
    b_in + r * (W_hn h + b_hn))); see RNNBase for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class RNNCellBase(Module):
    """One step: parameters ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih``
    and ``bias_hh`` (G*H,), all U(-1/sqrt(H), 1/sqrt(H)). forward(input, hx=None): input
    (B, I) or unbatched (I,); hx (B, H) (a pair for LSTMCell), zeros by default."""

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        _positive("input_size", name, input_size)
        _positive("hidden_size", name, hidden_size)
        self.mode, self.input_size, self.hidden_size, self.bias = (mode, input_size,
                                                                   hidden_size, bias)
        gates = _GATES[mode] * hidden_size
        self.weight_ih = empty_parameter((gates, input_size), dtype, device)
        self.weight_hh = empty_parameter((gates, hidden_size), dtype, device)
        for b in ("bias_ih", "bias_hh"):
            if bias:
                setattr(self, b, empty_parameter((gates,), dtype, device))
            else:
                self.register_parameter(b, None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_all(self, self.hidden_size)

    def forward(self, input, hx=None):
        name, lstm = type(self).__name__, self.mode == "LSTM"
        _check_input(name, input, 2, self.input_size, self.weight_ih)
        expected = input.shape[:-1] + (self.hidden_size,)
        if hx is None:
            hx = [ag.zeros(*expected, dtype=input.data.dtype)] * (2 if lstm else 1)
        else:
            hx = list(hx) if lstm else [hx]
            for what, h in zip(("hx", "cx") if lstm else ("hx",), hx):
                _check_hidden(name, what, h, expected)
                _check_dtype(name, h, self.weight_ih)
        xp = F.linear(input, self.weight_ih, self.bias_ih)
        cell = R.CELLS[self.mode]
        return cell(xp, tuple(hx) if lstm else hx[0], self.weight_hh, self.bias_hh)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu), as ``torch.nn.RNNCell``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' "
                                f"or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)


class GRUCell(RNNCellBase):
    """One GRU step, as ``torch.nn.GRUCell``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)
