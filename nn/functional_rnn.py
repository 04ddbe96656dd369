"""The recurrent layers' arithmetic, written with existing ops (linear, sigmoid, tanh,
getitem, stack, cat, and the LSTM's and GRU's fused steps ops_nn.LstmCell and GruCell),
so their gradients of any order come from those ops.

A cell step takes ``xp``, the input's projection ``x @ w_ih.T + b_ih`` for that step:
a layer computes it for every time step in one matmul (``layer``) and loops only over
the recurrent part, as PyTorch's CPU kernels do. Formulas and gate orders are
PyTorch's:

    RNN   h' = tanh(xp + W_hh h + b_hh)           (or relu)
    LSTM  i, f, g, o = chunks of xp + W_hh h + b_hh; i, f, o sigmoid, g tanh
          c' = f * c + i * g,  h' = o * tanh(c')  (then h' @ W_hr.T with proj_size)
    GRU   r, z = sigmoid(chunks of xp + W_hh h + b_hh); n = tanh(xp_n + r * (W_hn h + b_hn))
          h' = (h - n) * z + n
"""
import numpy as np

import autograd as ag
from autograd.graph import apply2, applyn
from autograd.ops_nn import GruCell, LstmCell

from . import functional as F


def rnn_tanh_cell(xp, h, w_hh, b_hh, w_hr=None):
    return (F.linear(h, w_hh, b_hh) + xp).tanh()


def rnn_relu_cell(xp, h, w_hh, b_hh, w_hr=None):
    return (F.linear(h, w_hh, b_hh) + xp).relu()


def lstm_cell(xp, state, w_hh, b_hh, w_hr=None):
    """One LSTM step from (h, c) to (h', c'): the gates and the state update are one
    node (ops_nn.LstmCell) where gates and c agree in dtype and leading shape."""
    h, c = state
    n = c.shape[-1]
    gates = F.linear(h, w_hh, b_hh) + xp
    if gates.dtype == c.dtype and gates.shape[:-1] == c.shape[:-1]:
        hc = apply2(LstmCell, gates, c)
        h, c = hc[..., :n], hc[..., n:]
    else:
        s = gates.sigmoid()    # one op over all four gates (g's share unused): fewer nodes
        c = s[..., n:2 * n] * c + s[..., :n] * gates[..., 2 * n:3 * n].tanh()
        h = s[..., 3 * n:] * c.tanh()
    return (h if w_hr is None else F.linear(h, w_hr)), c


def gru_cell(xp, h, w_hh, b_hh, w_hr=None):
    """One GRU step: after the projections one node (ops_nn.GruCell) where xp, h and
    the weights agree in dtype and leading shape."""
    n = h.shape[-1]
    hp = F.linear(h, w_hh, b_hh)
    if hp.dtype == xp.dtype == h.dtype and hp.shape == xp.shape and \
            hp.shape[:-1] == h.shape[:-1]:
        return applyn(GruCell, [hp, xp, h])
    rz = (hp + xp)[..., :2 * n].sigmoid()
    new = (xp[..., 2 * n:] + hp[..., 2 * n:] * rz[..., :n]).tanh()
    return (h - new) * rz[..., n:] + new


CELLS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell,
         "GRU": gru_cell}


def layer(cell, x, state, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, reverse=False,
          batch_sizes=None):
    """One layer in one direction over x (T, B, I) from `state` (h, or (h, c) for an
    LSTM): (output (T, B, H_out), the last state). The input projection is one matmul
    for all steps; the loop runs the recurrent part, backwards in time if `reverse`.
    With `batch_sizes` (a list), x is a PackedSequence's data (sum of sizes, I)."""
    xp = F.linear(x, w_ih, b_ih)
    if batch_sizes is not None:
        return _packed_layer(cell, xp, state, (w_hh, b_hh, w_hr), reverse, batch_sizes)
    steps = xp.unbind(0)
    outs = [None] * len(steps)
    for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
        state = cell(steps[t], state, w_hh, b_hh, w_hr)
        outs[t] = state[0] if type(state) is tuple else state
    return ag.stack(outs, 0), state


def _rows(state, start, stop):
    return tuple(s[start:stop] for s in state) if type(state) is tuple else state[start:stop]


def _join(parts):
    if type(parts[0]) is tuple:
        return tuple(ag.cat(list(p), 0) for p in zip(*parts))
    return ag.cat(parts, 0)


def _packed_layer(cell, xp, state, weights, reverse, sizes):
    """The loop over packed steps: step t runs the first sizes[t] rows (sizes do not
    increase). Forwards, a row's state is final at its sequence's last step; backwards,
    a row starts from its initial state at its last step."""
    ends = np.cumsum(sizes)
    steps = [xp[e - b:e] for e, b in zip(ends, sizes)]
    outs, finished = [None] * len(sizes), []
    n = sizes[-1] if reverse else sizes[0]
    now = _rows(state, 0, n) if reverse else state
    for t in (range(len(sizes) - 1, -1, -1) if reverse else range(len(sizes))):
        b = sizes[t]
        if b > n:                                   # backwards: sequences starting
            now = _join([now, _rows(state, n, b)])
        elif b < n:                                 # forwards: sequences that ended
            finished.append(_rows(now, b, n))
            now = _rows(now, 0, b)
        n = b
        now = cell(steps[t], now, *weights)
        outs[t] = now[0] if type(now) is tuple else now
    return ag.cat(outs, 0), (_join([now] + finished[::-1]) if finished else now)


def rnn(mode, x, hx, weights, num_layers, bidirectional, dropout, training,
        batch_sizes=None):
    """The stacked (and bidirectional) recurrence over x (T, B, I) from hx ((L*D, B, H),
    or a pair for an LSTM): (output (T, B, D*H_out), h_n, or (h_n, c_n) for an LSTM).
    `weights[k]` is the (w_ih, w_hh, b_ih, b_hh, w_hr) of layer k // D, direction k % D;
    dropout applies to each layer's output but the last. With `batch_sizes`, x and the
    output are packed data (layer)."""
    cell, lstm, dirs = CELLS[mode], mode == "LSTM", 2 if bidirectional else 1
    hs, cs = (hx[0].unbind(0), hx[1].unbind(0)) if lstm else (hx.unbind(0), None)
    last_h, last_c = [], []
    for k in range(num_layers):
        outs = []
        for d in range(dirs):
            j = k * dirs + d
            out, state = layer(cell, x, (hs[j], cs[j]) if lstm else hs[j], *weights[j],
                               reverse=d == 1, batch_sizes=batch_sizes)
            outs.append(out)
            last_h.append(state[0] if lstm else state)
            if lstm:
                last_c.append(state[1])
        x = outs[0] if dirs == 1 else ag.cat(outs, x.ndim - 1)
        if dropout and k < num_layers - 1:
            x = F.dropout(x, dropout, training)
    h_n = ag.stack(last_h, 0)
    return x, ((h_n, ag.stack(last_c, 0)) if lstm else h_n)
