"""nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch: PyTorch's weights loaded
through state_dict, then values and the gradients of every parameter, of the input and of
h0/c0 compared, in float64 and float32 over the constructor's arguments; numerical
gradchecks; a long sequence; the errors; ag.compile twins of an LSTM language model step
and of truncated BPTT."""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import functional_rnn as R
from nn import optim
from compile_twins import Call, assert_same, assert_same_runs, run, watched

torch = pytest.importorskip("torch")

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-4, atol=2e-5)}
T, B, I, H = 5, 3, 4, 6

# (num_layers, bidirectional, batch_first, bias, unbatched, dropout, proj_size, hx given)
COMBOS = [(1, False, False, True, False, 0.0, 0, False),
          (2, False, False, True, False, 0.0, 0, True),
          (1, True, False, True, False, 0.0, 0, True),
          (2, True, True, True, False, 0.5, 0, True),
          (1, False, True, False, False, 0.0, 0, False),
          (2, True, False, False, True, 0.3, 0, True),
          (1, False, False, True, True, 0.0, 0, False),
          (2, True, True, True, False, 0.0, 3, True)]
MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


def pair(cls, dtype, *args, **kwargs):
    """(ours, torch's) of class `cls`, ours holding torch's weights (loaded strictly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(torch.nn, cls)(*args, **kwargs).to(getattr(torch, dtype))
        ours = getattr(nn, cls)(*args, **kwargs, dtype=getattr(ag, dtype))
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ours, ref


def flat(out):
    return [t for o in out for t in flat(o)] if isinstance(out, tuple) else [out]


def backprop(lib, module, inputs, rng_seed=7):
    """module(*inputs) and a backward of fixed weights on every output: the outputs' and
    the gradients' values, inputs' then parameters' (by name)."""
    outs = flat(module(*inputs))
    rng = np.random.default_rng(rng_seed)
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype)).sum()
               for o in outs)
    loss.backward()
    arr = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    grads = [arr(x.grad) for x in flat(tuple(inputs))]
    grads += [arr(p.grad) for _, p in sorted(module.named_parameters())]
    return [arr(o) for o in outs], grads


def run_both(ours, ref, arrays, lstm):
    """Both modules on the same leaves (arrays: input, then h0 (and c0) or None)."""
    got = []
    for lib, m in ((ag, ours), (torch, ref)):
        xs = [None if a is None else lib.tensor(a, requires_grad=True) for a in arrays]
        inputs = (xs[0],) if xs[1] is None else (xs[0], tuple(xs[1:]) if lstm else xs[1])
        got.append(backprop(lib, m, inputs))
    return got


def assert_close(got, dtype):
    (ours_out, ours_g), (ref_out, ref_g) = got
    assert len(ours_out) == len(ref_out) and len(ours_g) == len(ref_g)
    for a, b in zip(ours_out + ours_g, ref_out + ref_g):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.filterwarnings("ignore:LSTM with projections")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode,extra,combo", [
    pytest.param(mode, extra, combo, id=f"{mode}-{extra.get('nonlinearity', '')}{i}")
    for mode, extra in MODES for i, combo in enumerate(COMBOS) if mode == "LSTM" or not combo[6]])
def test_sequence_layers_match_torch(mode, extra, combo, dtype):
    layers, bidir, batch_first, bias, unbatched, dropout, proj, given = combo
    ours, ref = pair(mode, dtype, I, H, num_layers=layers, bias=bias, batch_first=batch_first,
                     dropout=dropout, bidirectional=bidir, **extra,
                     **({"proj_size": proj} if proj else {}))
    ours.eval(), ref.eval()
    rng = np.random.default_rng(0)
    shape = (T, I) if unbatched else (B, T, I) if batch_first else (T, B, I)
    arrays = [rng.standard_normal(shape).astype(dtype)]
    if given:
        lead = (layers * (2 if bidir else 1),) + (() if unbatched else (B,))
        arrays.append(rng.standard_normal(lead + (proj or H,)).astype(dtype))
        if mode == "LSTM":
            arrays.append(rng.standard_normal(lead + (H,)).astype(dtype))
    else:
        arrays.append(None)
    assert_close(run_both(ours, ref, arrays, mode == "LSTM"), dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                       ("LSTMCell", {}), ("GRUCell", {})],
                         ids=["tanh", "relu", "lstm", "gru"])
@pytest.mark.parametrize("bias,unbatched,given", [(True, False, True), (False, False, False),
                                                  (True, True, True), (True, True, False)])
def test_cells_match_torch(cls, extra, bias, unbatched, given, dtype):
    ours, ref = pair(cls, dtype, I, H, bias=bias, **extra)
    rng = np.random.default_rng(1)
    lead = () if unbatched else (B,)
    arrays = [rng.standard_normal(lead + (I,)).astype(dtype)]
    n = 2 if cls == "LSTMCell" else 1
    arrays += [rng.standard_normal(lead + (H,)).astype(dtype) for _ in range(n)] if given \
        else [None]
    assert_close(run_both(ours, ref, arrays, cls == "LSTMCell"), dtype)


def test_parameters_init_and_repr_as_torch():
    """Every parameter U(-1/sqrt(H), 1/sqrt(H)) (fresh draws, not torch's values), the
    parameters' names and shapes as torch's, and torch's repr."""
    ag.manual_seed(3)
    m = nn.LSTM(10, 400, num_layers=2, bidirectional=True, proj_size=5, batch_first=True)
    ref = torch.nn.LSTM(10, 400, num_layers=2, bidirectional=True, proj_size=5,
                        batch_first=True)
    assert [(k, tuple(v.shape)) for k, v in m.named_parameters()] == \
        [(k, tuple(v.shape)) for k, v in ref.named_parameters()]
    assert repr(m) == repr(ref)
    w = m.weight_hh_l1_reverse.data
    bound = 1 / math.sqrt(400)
    assert w.dtype == np.float32 and np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5
    for cls in ("RNN", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        kw = {"bias": False, **({"nonlinearity": "relu"} if "RNN" in cls else {})}
        assert repr(getattr(nn, cls)(3, 4, **kw)) == repr(getattr(torch.nn, cls)(3, 4, **kw))


def test_dropout_between_layers_in_training():
    """Training mode drops (outputs differ from eval, same seed same result); a one-layer
    module with dropout warns as torch does."""
    m = nn.GRU(I, H, num_layers=2, dropout=0.5)
    x = ag.tensor(np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32))
    ag.manual_seed(1)
    a = m(x)[0].data
    ag.manual_seed(1)
    assert np.array_equal(a, m(x)[0].data)
    assert not np.allclose(a, m.eval()(x)[0].data)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(I, H, dropout=0.2)


def _small(shape, seed):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape) * 0.7,
                     dtype=ag.float64, requires_grad=True)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_gradcheck_first_and_second_order(mode):
    """Numerical gradients (and gradients of gradients) of a 3-step layer, with respect to
    the input, the initial state and every weight."""
    g, h, i = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1}[mode] * 2, 2, 2
    args = [_small((3, 2, i), 0), _small((2, h), 1), _small((2, h), 2), _small((g, i), 3),
            _small((g, h), 4), _small((g,), 5), _small((g,), 6)]

    def fn(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        state = (h0, c0) if mode == "LSTM" else h0 + c0
        out, last = R.layer(R.CELLS[mode], x, state, w_ih, w_hh, b_ih, b_hh)
        return out.sum(0) + (last[1] if mode == "LSTM" else last)

    assert ag.gradcheck(fn, args) and ag.gradgradcheck(fn, args)


def _composite_lstm_cell(xp, state, w_hh, b_hh, w_hr=None):
    """The LSTM step as it was written before ops_nn.LstmCell: sigmoid over the four
    gates, slices, products."""
    h, c = state
    n = c.shape[-1]
    gates = F.linear(h, w_hh, b_hh) + xp
    s = gates.sigmoid()
    c = s[..., n:2 * n] * c + s[..., :n] * gates[..., 2 * n:3 * n].tanh()
    return s[..., 3 * n:] * c.tanh(), c


def _composite_gru_cell(xp, h, w_hh, b_hh, w_hr=None):
    """The GRU step as it was written before ops_nn.GruCell."""
    n = h.shape[-1]
    hp = F.linear(h, w_hh, b_hh)
    rz = (hp + xp)[..., :2 * n].sigmoid()
    new = (xp[..., 2 * n:] + hp[..., 2 * n:] * rz[..., :n]).tanh()
    return (h - new) * rz[..., n:] + new


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lead", [(3,), ()])
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_fused_step_is_the_composite_bit_for_bit(mode, dtype, lead):
    # values and every gradient, over two steps (c' reaches the next step and h')
    lstm = mode == "LSTM"
    gates = 8 if lstm else 6
    rng = np.random.default_rng(4)
    data = [rng.standard_normal(shape).astype(dtype) * 3 for shape in
            [lead + (gates,), lead + (gates,), lead + (2,), lead + (2,), (gates, 2), (gates,)]]
    results = []
    cells = (R.lstm_cell, _composite_lstm_cell) if lstm else (R.gru_cell, _composite_gru_cell)
    for cell in cells:
        x1, x2, h, c, w, b = [ag.tensor(a, requires_grad=True) for a in data]
        if lstm:
            h1, c1 = cell(x1, (h, c), w, b)
            h2, c2 = cell(x2, (h1, c1), w, b)
        else:
            h1 = cell(x1, h, w, b)
            h2 = c2 = cell(x2, h1 * c, w, b)
        (h2 * c2.exp() + h1 * 2.0).sum().backward()
        results.append([h2.data, c2.data] + [t.grad.data for t in (x1, x2, h, c, w, b)])
    for ours, composite in zip(*results):
        np.testing.assert_array_equal(ours, composite)


@pytest.mark.parametrize("mode, most", [("LSTM", 45), ("GRU", 28)])
def test_a_recurrent_step_records_few_nodes(mode, most):
    # LSTM: the step's input, linear, + xp, the fused cell and the slices h', c' (the
    # composite made 14 a step: 94 nodes for 6 steps with the projection and the stack);
    # GRU: the step's input, linear and the fused cell (28 nodes; the composite: 100)
    x = ag.tensor(np.ones((6, 2, 3), np.float32), requires_grad=True)
    out, _ = getattr(nn, mode)(3, 4)(x)
    nodes, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in nodes and node.name != "AccumulateGrad":
            nodes.add(id(node))
            stack.extend(node.parents)
    assert len(nodes) <= most


def test_long_sequence_backward():
    """T = 2000: backward walks the graph without recursion, gradients as torch's."""
    ours, ref = pair("LSTM", "float64", 2, 3)
    x = np.random.default_rng(0).standard_normal((2000, 1, 2))
    assert_close(run_both(ours, ref, [x, None], True), "float64")


@pytest.mark.parametrize("make,call,match", [
    (lambda: nn.LSTM(4, 6), lambda m: m(ag.zeros(2, 3, 1, 4)),
     r"LSTM: expected input to be 2-d \(unbatched\) or 3-d, got shape \(2, 3, 1, 4\)"),
    (lambda: nn.GRU(4, 6), lambda m: m(ag.zeros(5, 3, 7)),
     r"GRU: input.size\(-1\) must be equal to input_size \(4\), got input of shape \(5, 3, 7\)"),
    (lambda: nn.RNN(4, 6, num_layers=2), lambda m: m(ag.zeros(5, 3, 4), ag.zeros(1, 3, 6)),
     r"RNN: expected h_0 of shape \(2, 3, 6\), got \(1, 3, 6\)"),
    (lambda: nn.LSTM(4, 6), lambda m: m(ag.zeros(5, 3, 4), (ag.zeros(1, 3, 6), ag.zeros(1, 3, 5))),
     r"LSTM: expected c_0 of shape \(1, 3, 6\), got \(1, 3, 5\)"),
    (lambda: nn.LSTM(4, 6), lambda m: m(ag.zeros(5, 3, 4), ag.zeros(1, 3, 6)),
     r"LSTM: expected hx to be a pair \(h_0, c_0\)"),
    (lambda: nn.GRU(4, 6), lambda m: m(ag.zeros(5, 4), ag.zeros(1, 1, 6)),
     r"GRU: for an unbatched 2-d input, h_0 should also be 2-d, got shape \(1, 1, 6\)"),
    (lambda: nn.LSTM(4, 6), lambda m: m(ag.zeros(0, 3, 4)),
     r"LSTM: expected a sequence of length > 0, got input of shape \(0, 3, 4\)"),
    (lambda: nn.LSTM(4, 6), lambda m: m(ag.zeros(5, 3, 4, dtype=ag.float64)),
     r"LSTM: input of dtype float64 \(shape \(5, 3, 4\)\) does not match the weights' dtype "
     r"float32"),
    (lambda: nn.LSTMCell(4, 6), lambda m: m(ag.zeros(3, 4), (ag.zeros(3, 6), ag.zeros(2, 6))),
     r"LSTMCell: expected cx of shape \(3, 6\), got \(2, 6\)"),
    (lambda: nn.GRUCell(4, 6), lambda m: m(ag.zeros(3, 5)),
     r"GRUCell: input.size\(-1\) must be equal to input_size \(4\), got input of shape "
     r"\(3, 5\)"),
    (lambda: nn.RNNCell(4, 6), lambda m: m(ag.zeros(2, 3, 4)),
     r"RNNCell: expected input to be 1-d \(unbatched\) or 2-d, got shape \(2, 3, 4\)"),
])
def test_bad_inputs_name_the_layer_and_shapes(make, call, match):
    with pytest.raises((ag.ShapeError, ag.DtypeError, ag.ArgumentError), match=match):
        call(make())


@pytest.mark.parametrize("make,match", [
    (lambda: nn.RNNBase("GRU", 4, 6, proj_size=2),
     "proj_size argument is only supported for LSTM"),
    (lambda: nn.LSTM(4, 6, proj_size=6), r"proj_size \(6\) has to be a positive integer "
                                         r"smaller than hidden_size \(6\)"),
    (lambda: nn.LSTM(4, 6, num_layers=2, dropout=1.5), "dropout should be a number in range"),
    (lambda: nn.RNN(4, 6, nonlinearity="gelu"), "RNN: unknown nonlinearity 'gelu'"),
    (lambda: nn.RNNCell(4, 6, nonlinearity="gelu"), "RNNCell: unknown nonlinearity 'gelu'"),
    (lambda: nn.LSTM(4, 0), "LSTM: hidden_size must be a positive integer, got 0"),
    (lambda: nn.GRUCell(0, 3), "GRUCell: input_size must be a positive integer, got 0"),
])
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ag.ArgumentError, match=match):
        make()


# --- ag.compile twins --------------------------------------------------------------------
VOCAB, SEQ, BATCH = 11, 6, 4


def tokens(i):
    rng = np.random.default_rng(200 + i)
    return ag.tensor(rng.integers(0, VOCAB, (BATCH, SEQ + 1)))


class CharRNN(nn.Module):
    """Embedding -> 2-layer LSTM (dropout between layers), or a bidirectional 2-layer GRU,
    -> Linear, batch first; with `carry`, the state of the last call is the next call's
    initial state, detached."""

    def __init__(self, carry=False, kind="lstm"):
        super().__init__()
        gru = kind == "gru"
        self.emb, self.head = nn.Embedding(VOCAB, 8), nn.Linear(20 if gru else 10, VOCAB)
        self.rnn = (nn.GRU(8, 10, num_layers=2, bidirectional=True, batch_first=True) if gru
                    else nn.LSTM(8, 10, num_layers=2, dropout=0.2, batch_first=True))
        self.carry, self.state = carry, None

    def forward(self, idx):
        state = self.state
        if state is not None:
            state = state.detach() if isinstance(state, ag.Tensor) else tuple(
                s.detach() for s in state)
        out, state = self.rnn(self.emb(idx), state)
        if self.carry:
            self.state = state
        return self.head(out)


@pytest.mark.parametrize("carry,kind", [(False, "lstm"), (True, "lstm"), (True, "gru")],
                         ids=["lm_step", "truncated_bptt", "gru_bidirectional_bptt"])
def test_compiled_recurrent_step_is_bit_identical(carry, kind):
    """An LSTM language model's training step (Adam, clipped), and truncated BPTT carrying
    (h, c) (or a bidirectional GRU's h) detached from call to call and returning it: eager
    and compiled runs agree bit for bit on the results, parameters, gradients, optimizer
    state and the carried state after every call. (Returning the carried pair made every
    replay return the traced call's pair before jit/step.py collected the result before
    rebinding.)"""
    def build():
        model = CharRNN(carry, kind)
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(seq):
            opt.zero_grad()
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), seq[:, 1:].reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return (loss, model.state) if carry else loss     # returned and carried
        return step, watched(model, opt, kept=[])

    def between(i, env):           # the state each call starts from (None on the first)
        env["kept"].append(env["models"][0].state)

    runs = [run(build, c, calls=6, between=between, args=lambda i, env: Call(tokens(i)))
            for c in (False, True)]
    assert_same_runs(*runs, replays=4)
    kept = [[flat_copy(s) for s in r.env["kept"][1:]] + [flat_copy(r.env["models"][0].state)]
            for r in runs]
    assert_same(*kept, "carried states")
    assert (kept[0][0] is None) == (not carry)


def flat_copy(state):
    if isinstance(state, ag.Tensor):
        state = (state,)
    return None if state is None else [np.array(s.data, copy=True) for s in state]


# --- packed sequences --------------------------------------------------------------------
def packed_run(lib, cls, module, x, lengths, h, batch_first, enforce_sorted):
    """pad(module(pack(x)))'s output and h_n, backpropagated with fixed weights: outputs'
    and gradients' values (input, h0/c0, then parameters by name)."""
    rnn = nn.utils.rnn if lib is ag else torch.nn.utils.rnn
    xs = lib.tensor(x, requires_grad=True)
    hs = None if h is None else [lib.tensor(a, requires_grad=True) for a in h]
    packed = rnn.pack_padded_sequence(xs, lengths, batch_first=batch_first,
                                      enforce_sorted=enforce_sorted)
    out, h_n = module(packed, None if hs is None else tuple(hs) if cls == "LSTM" else hs[0])
    padded, got_lengths = rnn.pad_packed_sequence(out, batch_first=batch_first,
                                                  total_length=x.shape[1 if batch_first else 0])
    outs = [padded] + flat(h_n)
    rng = np.random.default_rng(5)
    sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype)).sum()
        for o in outs).backward()
    arr = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    grads = [arr(t.grad) for t in [xs] + (hs or [])]
    grads += [arr(p.grad) for _, p in sorted(module.named_parameters())]
    return [arr(o) for o in outs] + [np.asarray(arr(got_lengths))], grads


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("layers,bidir,batch_first,enforce_sorted,given", [
    (1, False, False, True, False), (2, True, False, False, True), (2, True, True, False, False),
    (1, True, True, True, True)])
def test_packed_sequences_match_torch(cls, layers, bidir, batch_first, enforce_sorted, given):
    """Sequences of lengths 5, 3, 3, 1 (sorted, or not), packed, through the layer and
    padded again: values and all gradients as torch's (float64)."""
    ours, ref = pair(cls, "float64", I, H, num_layers=layers, bidirectional=bidir,
                     batch_first=batch_first)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6, I) if batch_first else (6, 4, I))
    h = None
    if given:
        h = [rng.standard_normal((layers * (1 + bidir), 4, H)) for _ in
             range(2 if cls == "LSTM" else 1)]
    got = [packed_run(lib, cls, m, x, lengths, h, batch_first, enforce_sorted)
           for lib, m in ((ag, ours), (torch, ref))]
    assert_close(got, "float64")


def test_pad_and_pack_sequence_as_torch():
    seqs = [np.arange(n * 2, dtype=np.float64).reshape(n, 2) + n for n in (2, 4, 1)]
    ours = nn.utils.rnn.pad_sequence([ag.tensor(s) for s in seqs], batch_first=True,
                                     padding_value=-1.0)
    ref = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True,
                                          padding_value=-1.0)
    np.testing.assert_array_equal(ours.data, ref.numpy())
    a = nn.utils.rnn.pack_sequence([ag.tensor(s) for s in seqs], enforce_sorted=False)
    b = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u.data, v.numpy())
    with pytest.raises(ag.ArgumentError, match=r"lengths \[1, 4, 2\] are not sorted"):
        nn.utils.rnn.pack_padded_sequence(ag.zeros(4, 3, 2), [1, 4, 2])
    with pytest.raises(ag.ShapeError, match=r"2 lengths for a batch of 3 \(input of shape "
                                            r"\(4, 3, 2\)\)"):
        nn.utils.rnn.pack_padded_sequence(ag.zeros(4, 3, 2), [4, 2])


def test_compiled_step_on_packed_sequences_is_bit_identical():
    """A bidirectional LSTM on packed unsorted sequences (lengths passed as a list) under
    ag.compile: replays agree with eager bit for bit."""
    def build():
        lstm, head = nn.LSTM(3, 5, bidirectional=True), nn.Linear(10, 2)
        opt = optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.1)

        def step(x, lengths):
            opt.zero_grad()
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
            out, (h, _) = lstm(packed)
            padded, _ = nn.utils.rnn.pad_packed_sequence(out)
            loss = head(h.transpose(0, 1).reshape(-1, 10)).square().mean() + padded.mean()
            loss.backward()
            opt.step()
            return loss
        return step, watched(lstm, head, opt)

    def args(i, env):
        x = np.random.default_rng(i).standard_normal((6, 4, 3)).astype(np.float32)
        return Call(ag.tensor(x), [3, 6, 2, 4])
    runs = [run(build, c, calls=6, args=args) for c in (False, True)]
    assert_same_runs(*runs, replays=4)
