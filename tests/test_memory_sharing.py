"""Memory sharing as PyTorch's: a result is the input itself, a view of its memory, or
new memory exactly where PyTorch's is, so a write into one of them changes the other
exactly where it does in PyTorch (a result that shares where PyTorch's does not is a
silent wrong answer at the first in-place write). Checked on edge arguments that make
an op change nothing (a dim of size 1, n=0 or 1, a no-op permutation, a 0-d input),
on every name gradgraph shares with PyTorch called with small arguments, through writes
into views in both directions, on nn modules, and on state dicts."""
import inspect
import io
import contextlib
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def relation(out, inp):
    """'is' if out is inp, 'view' if it shares inp's memory, else 'new' ('no tensor' for
    a number, a dtype, a string...)."""
    if out is inp:
        return "is"
    if isinstance(out, torch.Tensor):
        same = out.numel() and out.untyped_storage().data_ptr() == inp.untyped_storage().data_ptr()
    elif isinstance(out, ag.Tensor):
        same = out.data.size and np.shares_memory(out.data, inp.data)
    elif isinstance(out, np.ndarray):
        same = np.shares_memory(out, inp.numpy() if isinstance(inp, torch.Tensor) else inp.data)
    else:
        return "no tensor"
    return "view" if same else "new"


def _input(L, shape, dtype):
    n = int(np.prod(shape))
    a = (np.arange(n).reshape(shape) % 3 + 1).astype(dtype)
    return L.tensor(a) if L is ag else torch.tensor(a)


def _ns(L):
    return (L, F) if L is ag else (torch, TF)


# (name, input shape, dtype, the call: L, F, x -> a tensor)
CASES = [
    # view ops that change nothing: a view, as PyTorch's (x itself where PyTorch gives it)
    ("reshape same", (2, 3), "f4", lambda L, F, x: x.reshape(2, 3)),
    ("view same", (2, 3), "f4", lambda L, F, x: x.view(2, 3)),
    ("view_as", (2, 3), "f4", lambda L, F, x: x.view_as(x)),
    ("reshape_as", (2, 3), "f4", lambda L, F, x: x.reshape_as(x)),
    ("permute identity", (2, 3), "f4", lambda L, F, x: x.permute(0, 1)),
    ("transpose 1-d", (3,), "f4", lambda L, F, x: x.transpose(0, 0)),
    ("transpose same dim", (2, 3), "f4", lambda L, F, x: x.transpose(1, 1)),
    ("t 1-d", (3,), "f4", lambda L, F, x: x.t()),
    ("t 0-d", (), "f4", lambda L, F, x: x.t()),
    ("T 1-d", (3,), "f4", lambda L, F, x: x.T),
    ("mT", (2, 3), "f4", lambda L, F, x: x.mT),
    ("movedim no-op", (2, 3), "f4", lambda L, F, x: x.movedim(0, 0)),
    ("movedim 0-d", (), "f4", lambda L, F, x: L.movedim(x, 0, 0)),
    ("swapaxes no-op", (2, 3), "f4", lambda L, F, x: x.swapaxes(1, 1)),
    ("expand same", (2, 3), "f4", lambda L, F, x: x.expand(2, 3)),
    ("expand -1", (2, 3), "f4", lambda L, F, x: x.expand(-1, -1)),
    ("expand 0-d", (), "f4", lambda L, F, x: x.expand(())),
    ("expand_as same", (2, 3), "f4", lambda L, F, x: x.expand_as(x)),
    ("broadcast_to same", (2, 3), "f4", lambda L, F, x: L.broadcast_to(x, (2, 3))),
    ("squeeze nothing", (2, 3), "f4", lambda L, F, x: x.squeeze()),
    ("squeeze dim not 1", (2, 3), "f4", lambda L, F, x: x.squeeze(0)),
    ("squeeze 0-d", (), "f4", lambda L, F, x: x.squeeze()),
    ("unsqueeze", (2, 3), "f4", lambda L, F, x: x.unsqueeze(0)),
    ("flatten 1-d", (3,), "f4", lambda L, F, x: x.flatten()),
    ("flatten start = end", (2, 3), "f4", lambda L, F, x: x.flatten(1, 1)),
    ("flatten 0-d", (), "f4", lambda L, F, x: x.flatten()),
    ("flatten 2-d", (2, 3), "f4", lambda L, F, x: x.flatten()),
    ("ravel 1-d", (3,), "f4", lambda L, F, x: x.ravel()),
    ("unflatten", (2, 3), "f4", lambda L, F, x: x.unflatten(1, (3,))),
    ("narrow all", (2, 3), "f4", lambda L, F, x: x.narrow(0, 0, 2)),
    ("x[:]", (2, 3), "f4", lambda L, F, x: x[:]),
    ("x[...]", (2, 3), "f4", lambda L, F, x: x[...]),
    ("x[None]", (2, 3), "f4", lambda L, F, x: x[None]),
    ("x[0-d int tensor]", (2, 3), "f4", lambda L, F, x: x[L.tensor(1)]),
    ("x[:, 0-d int tensor]", (2, 3), "f4", lambda L, F, x: x[:, L.tensor(1)]),
    ("x[0-d int32 tensor]", (2, 3), "f4", lambda L, F, x: x[L.tensor(1, dtype=L.int32)]),
    ("x[0-d bool tensor]", (2, 3), "f4", lambda L, F, x: x[L.tensor(True)]),
    ("x[[0]]", (2, 3), "f4", lambda L, F, x: x[[0]]),
    ("select 0-d tensor", (2, 3), "f4", lambda L, F, x: x.select(0, L.tensor(1))),
    ("unbind", (2, 3), "f4", lambda L, F, x: x.unbind()[0]),
    ("chunk 1", (2, 3), "f4", lambda L, F, x: x.chunk(1)[0]),
    ("split larger", (2, 3), "f4", lambda L, F, x: x.split(5)[0]),
    ("tensor_split 1", (2, 3), "f4", lambda L, F, x: x.tensor_split(1)[0]),
    ("diagonal", (3, 3), "f4", lambda L, F, x: x.diagonal()),
    ("diagonal of a transpose", (3, 4), "f4", lambda L, F, x: x.t().diagonal(-1)),
    ("diagonal of dims 0, 2", (2, 3, 3), "f4", lambda L, F, x: x.diagonal(0, 0, 2)),
    ("diagonal of dims 3, 1", (1, 4, 2, 2), "f4", lambda L, F, x: x.diagonal(-1, -1, 1)),
    ("atleast_1d", (3,), "f4", lambda L, F, x: L.atleast_1d(x)),
    ("atleast_2d", (2, 3), "f4", lambda L, F, x: L.atleast_2d(x)),
    ("detach", (2, 3), "f4", lambda L, F, x: x.detach()),
    # conversions that change nothing: x itself, as PyTorch's
    ("contiguous", (2, 3), "f4", lambda L, F, x: x.contiguous()),
    ("float of float32", (2, 3), "f4", lambda L, F, x: x.float()),
    ("double of float64", (2, 3), "f8", lambda L, F, x: x.double()),
    ("long of int64", (2, 3), "i8", lambda L, F, x: x.long()),
    ("int of int32", (2, 3), "i4", lambda L, F, x: x.int()),
    ("short of int16", (2, 3), "i2", lambda L, F, x: x.short()),
    ("char of int8", (2, 3), "i1", lambda L, F, x: x.char()),
    ("byte of uint8", (2, 3), "u1", lambda L, F, x: x.byte()),
    ("bool of bool", (2, 3), "?", lambda L, F, x: x.bool()),
    ("long of float", (2, 3), "f4", lambda L, F, x: x.long()),
    ("to same dtype", (2, 3), "f4", lambda L, F, x: x.to(L.float32)),
    ("to copy=True", (2, 3), "f4", lambda L, F, x: x.to(L.float32, copy=True)),
    ("type same dtype", (2, 3), "f4", lambda L, F, x: x.type(L.float32)),
    ("type_as", (2, 3), "f4", lambda L, F, x: x.type_as(x)),
    ("cpu", (2, 3), "f4", lambda L, F, x: x.cpu()),
    ("positive", (2, 3), "f4", lambda L, F, x: x.positive()),
    ("requires_grad_", (2, 3), "f4", lambda L, F, x: x.requires_grad_(False)),
    ("numpy", (2, 3), "f4", lambda L, F, x: x.numpy()),
    # ops that compute: new memory even where they change nothing, as PyTorch's
    ("clone", (2, 3), "f4", lambda L, F, x: x.clone()),
    ("cat of one", (2, 3), "f4", lambda L, F, x: L.cat([x])),
    ("stack of one", (2, 3), "f4", lambda L, F, x: L.stack([x])),
    ("sum over no dim", (2, 3), "f4", lambda L, F, x: x.sum(dim=[])),
    ("sum over size-1 dim", (1, 3), "f4", lambda L, F, x: x.sum(0)),
    ("mean over size-1 dim", (1, 3), "f4", lambda L, F, x: x.mean(0)),
    ("amax over size-1 dim", (1, 3), "f4", lambda L, F, x: x.amax(0)),
    ("where all true", (2, 3), "f4", lambda L, F, x: L.where(x > 0, x, 0.0)),
    ("clamp unbounded above", (2, 3), "f4", lambda L, F, x: x.clamp(min=None, max=1e9)),
    ("mul 1", (2, 3), "f4", lambda L, F, x: x.mul(1)),
    ("pow 1", (2, 3), "f4", lambda L, F, x: x.pow(1)),
    ("nan_to_num", (2, 3), "f4", lambda L, F, x: x.nan_to_num()),
    ("round", (2, 3), "f4", lambda L, F, x: x.round()),
    ("roll 0", (2, 3), "f4", lambda L, F, x: x.roll(0, 0)),
    ("flip nothing", (2, 3), "f4", lambda L, F, x: x.flip([])),
    ("rot90 0", (2, 3), "f4", lambda L, F, x: x.rot90(0)),
    ("repeat 1", (2, 3), "f4", lambda L, F, x: x.repeat(1, 1)),
    ("tile 1", (2, 3), "f4", lambda L, F, x: x.tile((1, 1))),
    ("tril above all", (2, 3), "f4", lambda L, F, x: x.tril(5)),
    ("masked_fill nothing", (2, 3), "f4", lambda L, F, x: x.masked_fill(x < 0, 0.0)),
    ("index_select all", (2, 3), "f4", lambda L, F, x: x.index_select(0, L.tensor([0, 1]))),
    ("index_select 0-d", (), "f4", lambda L, F, x: x.index_select(0, L.tensor([0]))),
    ("sum_to_size same", (2, 3), "f4", lambda L, F, x: x.sum_to_size(2, 3)),
    ("sum_to_size () of 0-d", (), "f4", lambda L, F, x: x.sum_to_size(())),
    ("sort 0-d", (), "f4", lambda L, F, x: x.sort().values),
    ("sort size 1", (1,), "f4", lambda L, F, x: x.sort().values),
    ("msort 0-d", (), "f4", lambda L, F, x: x.msort()),
    ("topk 0-d", (), "f4", lambda L, F, x: x.topk(1).values),
    ("max 0-d over dim", (), "f4", lambda L, F, x: x.max(0).values),
    ("min 0-d over dim", (), "f4", lambda L, F, x: x.min(0).values),
    ("max over size-1 dim", (1, 3), "f4", lambda L, F, x: x.max(0).values),
    ("kthvalue 0-d", (), "f4", lambda L, F, x: x.kthvalue(1).values),
    ("median 0-d over dim", (), "f4", lambda L, F, x: x.median(0).values),
    ("mode 0-d", (), "f4", lambda L, F, x: x.mode().values),
    ("prod 0-d", (), "f4", lambda L, F, x: x.prod()),
    ("prod of one element", (1,), "f8", lambda L, F, x: x.prod()),
    ("prod over size-1 dim", (2, 1, 3), "f4", lambda L, F, x: x.prod(1)),
    ("prod over size-1 dim int", (2, 1), "i8", lambda L, F, x: x.prod(1)),
    ("cumprod size-1 dim int", (1, 3), "i8", lambda L, F, x: x.cumprod(0)),
    ("cumprod size-1 dim float64", (1, 3), "f8", lambda L, F, x: x.cumprod(0)),
    ("cumsum size-1 dim", (1, 3), "f8", lambda L, F, x: x.cumsum(0)),
    ("cummax size-1 dim", (1, 3), "f8", lambda L, F, x: x.cummax(0).values),
    ("logcumsumexp size-1 dim", (1, 3), "f8", lambda L, F, x: x.logcumsumexp(0)),
    ("diff n=0", (3,), "f4", lambda L, F, x: x.diff(n=0)),
    ("matrix_power 1", (2, 2), "f4", lambda L, F, x: L.linalg.matrix_power(x, 1)),
    ("multi_dot of one", (2, 2), "f4", lambda L, F, x: L.linalg.multi_dot([x, x]) * 0 + x),
    # nn.functional
    ("dropout p=0", (2, 3), "f4", lambda L, F, x: F.dropout(x, 0.0)),
    ("dropout eval", (2, 3), "f4", lambda L, F, x: F.dropout(x, 0.5, training=False)),
    ("dropout1d unbatched p=0", (2, 3), "f4", lambda L, F, x: F.dropout1d(x, 0.0)),
    ("dropout1d batched p=0", (2, 3, 4), "f4", lambda L, F, x: F.dropout1d(x, 0.0)),
    ("dropout2d p=0", (1, 2, 3, 3), "f4", lambda L, F, x: F.dropout2d(x, 0.0)),
    ("dropout3d unbatched eval", (1, 2, 3, 3), "f4",
     lambda L, F, x: F.dropout3d(x, 0.5, training=False)),
    ("alpha_dropout eval", (2, 3), "f4", lambda L, F, x: F.alpha_dropout(x, 0.5)),
    ("pixel_shuffle 1", (1, 4, 2, 2), "f4", lambda L, F, x: F.pixel_shuffle(x, 1)),
    ("pixel_shuffle of 1x1", (1, 4, 1, 1), "f4", lambda L, F, x: F.pixel_shuffle(x, 2)),
    ("pixel_unshuffle 1", (1, 4, 2, 2), "f4", lambda L, F, x: F.pixel_unshuffle(x, 1)),
    ("pixel_unshuffle to 1x1", (1, 4, 2, 2), "f4", lambda L, F, x: F.pixel_unshuffle(x, 2)),
    ("channel_shuffle 1", (1, 4, 2, 2), "f4", lambda L, F, x: F.channel_shuffle(x, 1)),
    ("channel_shuffle C", (1, 4, 2, 2), "f4", lambda L, F, x: F.channel_shuffle(x, 4)),
    ("unfold kernel 1", (1, 4, 2, 2), "f4", lambda L, F, x: F.unfold(x, 1)),
    ("unfold whole image", (1, 4, 2, 2), "f4", lambda L, F, x: F.unfold(x, 2)),
    ("unfold unbatched", (4, 2, 2), "f4", lambda L, F, x: F.unfold(x, 2)),
    ("pad constant 0", (1, 2, 3), "f4", lambda L, F, x: F.pad(x, (0, 0))),
    ("pad reflect 0", (1, 2, 3), "f4", lambda L, F, x: F.pad(x, (0, 0), mode="reflect")),
    ("pad replicate 0", (1, 2, 3), "f4", lambda L, F, x: F.pad(x, (0, 0), mode="replicate")),
    ("pad circular 0", (1, 2, 3), "f4", lambda L, F, x: F.pad(x, (0, 0), mode="circular")),
    ("interpolate scale 1", (1, 2, 3), "f4", lambda L, F, x: F.interpolate(x, scale_factor=1)),
    ("adaptive_avg_pool same size", (1, 2, 3), "f4",
     lambda L, F, x: F.adaptive_avg_pool1d(x, 3)),
    ("max_pool kernel 1", (1, 2, 3), "f4", lambda L, F, x: F.max_pool1d(x, 1)),
    ("avg_pool kernel 1", (1, 2, 3), "f4", lambda L, F, x: F.avg_pool1d(x, 1)),
    ("softmax over size-1 dim", (2, 1), "f4", lambda L, F, x: F.softmax(x, 1)),
    ("hardtanh wide", (2, 3), "f4", lambda L, F, x: F.hardtanh(x, -10.0, 10.0)),
    ("relu of positive", (2, 3), "f4", lambda L, F, x: F.relu(x)),
    ("normalize", (2, 3), "f4", lambda L, F, x: F.normalize(x, dim=0) * 0 + x),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_edge_arguments_share_memory_as_pytorch(case):
    name, shape, dtype, call = case
    got = []
    for L in (torch, ag):
        x = _input(L, shape, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got.append(relation(call(*_ns(L), x), x))
    assert got[1] == got[0], f"{name}: PyTorch's result is {got[0]}, ours {got[1]}"


# --- every name gradgraph shares with PyTorch, called with small arguments ---------------
def _namespaces():
    """(label, ours, theirs, takes the input as self) for the Tensor methods and the
    functions of autograd, autograd.linalg, autograd.special and nn.functional."""
    return [("Tensor", ag.Tensor, torch.Tensor, True), ("autograd", ag, torch, False),
            ("linalg", ag.linalg, torch.linalg, False), ("special", ag.special, torch.special,
                                                           False), ("F", F, TF, False)]


# a name called here must not touch the world: no printing, saving, hooks or seeds
_NOT_CALLED = {"backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad",
               "save", "load", "manual_seed", "seed", "set_default_dtype", "set_printoptions",
               "set_num_threads", "set_rng_state", "compile", "set_default_device",
               "use_deterministic_algorithms", "set_grad_enabled", "set_anomaly_enabled"}
# PyTorch's result is no tensor where ours is (x.type() names the type)
_KNOWN = {("Tensor", "type", ())}
_ARGS = [(), (0,), (-1,), (1,), (0, 0), ((),), (1, 1)]
_SHAPES = [(), (1,), (1, 3)]


def _call(fn, args):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args)


def _flat(r):
    return [t for e in r for t in _flat(e)] if isinstance(r, (tuple, list)) else [r]


def _names(ours, theirs):
    return sorted(n for n in dir(ours) if not n.startswith("_") and n not in _NOT_CALLED
                  and callable(getattr(theirs, n, None)) and callable(getattr(ours, n))
                  and not inspect.isclass(getattr(ours, n)))


@pytest.mark.parametrize("space", _namespaces(), ids=lambda s: s[0])
def test_every_shared_name_shares_memory_as_pytorch(space):
    """Each name of the namespace that PyTorch's has too, called on 0-d, (1,) and (1, 3)
    float32 inputs with each of a few argument lists: wherever both run, each result
    is the input, a view of it or new memory as PyTorch's."""
    label, ours, theirs, method = space
    names = _names(ours, theirs)
    assert len(names) > {"Tensor": 300, "autograd": 300, "F": 80}.get(label, 10)
    wrong, ran = [], set()
    for name in names:
        for shape in _SHAPES:
            for args in _ARGS:
                got = []
                for L, space_ in ((torch, theirs), (ag, ours)):
                    x = _input(L, shape, "f4")
                    fn = getattr(x, name) if method else getattr(space_, name)
                    try:
                        r = _call(fn, args if method else (x,) + args)
                    except Exception:
                        break
                    got.append([relation(o, x) for o in _flat(r)])
                if len(got) == 2:
                    ran.add(name)
                    if got[0] != got[1] and (label, name, args) not in _KNOWN:
                        wrong.append(f"{name}{args} on {shape}: PyTorch {got[0]}, ours {got[1]}")
    assert not wrong, "\n".join(wrong)
    assert len(ran) > len(names) // 3


# --- writes through views, both ways -----------------------------------------------------
VIEWS = [
    ("view", lambda L, x: x.view(3, 4)), ("reshape", lambda L, x: x.reshape(-1)),
    ("flatten", lambda L, x: x.flatten()), ("unflatten", lambda L, x: x.unflatten(1, (2, 2))),
    ("view_as", lambda L, x: x.view_as(x)), ("transpose", lambda L, x: x.transpose(0, 1)),
    ("t", lambda L, x: x.t()), ("T", lambda L, x: x.T), ("mT", lambda L, x: x.mT),
    ("permute", lambda L, x: x.permute(1, 0)), ("movedim", lambda L, x: x.movedim(0, 1)),
    ("swapaxes", lambda L, x: x.swapaxes(0, 1)), ("unsqueeze", lambda L, x: x.unsqueeze(1)),
    ("squeeze nothing", lambda L, x: x.squeeze()), ("expand same", lambda L, x: x.expand(3, 4)),
    ("row", lambda L, x: x[1]), ("columns", lambda L, x: x[:, 1:]),
    ("strided", lambda L, x: x[::2, ::3]), ("x[None]", lambda L, x: x[None]),
    ("x[...]", lambda L, x: x[...]), ("x[0-d tensor]", lambda L, x: x[L.tensor(2)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 2)), ("select", lambda L, x: x.select(1, 3)),
    ("unbind", lambda L, x: x.unbind(1)[2]), ("split", lambda L, x: x.split(2, 1)[1]),
    ("chunk", lambda L, x: x.chunk(3)[1]), ("tensor_split", lambda L, x: x.tensor_split(2)[1]),
    ("diagonal", lambda L, x: x.diagonal()), ("diagonal offset", lambda L, x: x.diagonal(1)),
    ("diagonal of a transpose", lambda L, x: x.t().diagonal(1)),
    ("diagonal of dims 1, 0", lambda L, x: x.diagonal(-1, 1, 0)),
    ("detach", lambda L, x: x.detach()), ("float", lambda L, x: x.float()),
    ("contiguous", lambda L, x: x.contiguous()), ("t of 1-d", lambda L, x: x[0].t()),
    ("flatten start = end", lambda L, x: x.flatten(1, 1)),
    ("dropout eval", lambda L, x: (F if L is ag else TF).dropout(x, 0.5, training=False)),
]


def _writes(x, v, L):
    """In-place writes into v and into x, in turn; each yields after its write."""
    v.add_(10)
    yield
    x.mul_(2)
    yield
    v[...] = 7.0
    yield
    x.sub_(L.ones(x.shape))
    yield
    v.fill_(3.0).clamp_(max=2.5)
    yield
    x.copy_(L.arange(12.0).reshape(3, 4))
    yield
    v.zero_()
    yield


@pytest.mark.parametrize("make", VIEWS, ids=[v[0] for v in VIEWS])
def test_writes_through_views_reach_the_tensor_and_back_as_in_pytorch(make):
    name, view = make
    runs = []
    for L in (torch, ag):
        x = L.arange(12.0).reshape(3, 4) * 1
        v = view(L, x)
        states = []
        for _ in _writes(x, v, L):
            states.append((np.array(x.tolist()), np.array(v.tolist())))
        runs.append(states)
    for step, ((tx, tv), (ox, ov)) in enumerate(zip(*runs)):
        np.testing.assert_array_equal(ox, tx, err_msg=f"{name}: the tensor after write {step}")
        np.testing.assert_array_equal(ov, tv, err_msg=f"{name}: the view after write {step}")


def test_a_diagonal_no_linked_view_can_make_sees_writes_and_refuses_its_own():
    """The diagonal of dims not adjacent in memory (0 and 2 of a (2, 3, 3) tensor) is
    numpy's read-only view: x's writes show in it as in PyTorch's view; a write into it,
    or into x while it is in a graph, is refused (PyTorch allows both), never lost."""
    for L in (torch, ag):
        x = L.arange(18.0).reshape(2, 3, 3)
        d = x.diagonal(0, 0, 2)
        x.mul_(2)
        assert d.tolist() == [[0.0, 20.0], [6.0, 26.0], [12.0, 32.0]]
    with pytest.raises(ag.GraphError, match="add_"):
        d.add_(1)
    y = ag.ones(2, 3, 3, requires_grad=True) * 1
    d = y.diagonal(0, 0, 2)
    with pytest.raises(ag.GraphError, match="mul_"):
        y.mul_(2)
    (d * d).sum().backward()


# --- nn modules and state dicts ----------------------------------------------------------
MODULES = [
    ("Identity", lambda m: m.Identity(), (2, 3)), ("Flatten", lambda m: m.Flatten(), (2, 3)),
    ("Flatten 4-d", lambda m: m.Flatten(), (2, 3, 1, 1)),
    ("Flatten 1-d", lambda m: m.Flatten(0), (3,)),
    ("Unflatten", lambda m: m.Unflatten(1, (3,)), (2, 3)),
    ("Dropout eval", lambda m: m.Dropout().eval(), (2, 3)),
    ("Dropout p=0", lambda m: m.Dropout(0.0), (2, 3)),
    ("Dropout1d p=0", lambda m: m.Dropout1d(0.0), (2, 3)),
    ("Dropout2d eval", lambda m: m.Dropout2d().eval(), (2, 3, 4, 4)),
    ("Dropout3d p=0", lambda m: m.Dropout3d(0.0), (2, 3, 2, 2)),
    ("AlphaDropout eval", lambda m: m.AlphaDropout().eval(), (2, 3)),
    ("FeatureAlphaDropout p=0", lambda m: m.FeatureAlphaDropout(0.0), (2, 3, 4)),
    ("Sequential()", lambda m: m.Sequential(), (2, 3)),
    ("Sequential(Identity)", lambda m: m.Sequential(m.Identity()), (2, 3)),
    ("ReLU inplace", lambda m: m.ReLU(inplace=True), (2, 3)),
    ("PixelShuffle(1)", lambda m: m.PixelShuffle(1), (1, 4, 2, 2)),
    ("PixelUnshuffle(2) to 1x1", lambda m: m.PixelUnshuffle(2), (1, 1, 2, 2)),
    ("ChannelShuffle(1)", lambda m: m.ChannelShuffle(1), (1, 4, 2, 2)),
    ("Upsample(scale 1)", lambda m: m.Upsample(scale_factor=1), (1, 2, 3, 3)),
    ("AdaptiveAvgPool2d same", lambda m: m.AdaptiveAvgPool2d(3), (1, 2, 3, 3)),
    ("MaxPool2d(1)", lambda m: m.MaxPool2d(1), (1, 2, 3, 3)),
    ("ZeroPad2d(0)", lambda m: m.ZeroPad2d(0), (1, 2, 3, 3)),
    ("ReflectionPad1d(0)", lambda m: m.ReflectionPad1d(0), (1, 2, 3)),
    ("ReplicationPad1d(0)", lambda m: m.ReplicationPad1d(0), (1, 2, 3)),
    ("CircularPad1d(0)", lambda m: m.CircularPad1d(0), (1, 2, 3)),
    ("Unfold(1)", lambda m: m.Unfold(1), (1, 4, 2, 2)),
    ("Fold(1)", lambda m: m.Fold((2, 2), 1), (1, 4, 4)),
    ("Hardtanh wide", lambda m: m.Hardtanh(-10, 10), (2, 3)),
    ("Softmax over size 1", lambda m: m.Softmax(1), (2, 1)),
]


@pytest.mark.parametrize("case", MODULES, ids=[c[0] for c in MODULES])
def test_module_outputs_share_memory_as_pytorch(case):
    name, make, shape = case
    got = []
    for L, m in ((torch, torch.nn), (ag, nn)):
        x = _input(L, shape, "f4")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got.append(relation(make(m)(x), x))
    assert got[1] == got[0], f"{name}: PyTorch's output is {got[0]}, ours {got[1]}"


def test_state_dicts_share_and_loads_copy_as_pytorch():
    """state_dict() holds the parameters' and buffers' memory (new tensors; the
    parameters themselves with keep_vars=True); load_state_dict copies into the
    parameters (assign=True takes the given tensors)."""
    for L, m in ((torch, torch.nn), (ag, nn)):
        net = m.Sequential(m.Linear(3, 2), m.BatchNorm1d(2))
        sd = net.state_dict()
        for key, p in list(net.named_parameters()) + list(net.named_buffers()):
            assert relation(sd[key], p) == "view", (L.__name__, key)
        assert net.state_dict(keep_vars=True)["0.weight"] is net[0].weight
        source = {k: v.clone() for k, v in sd.items()}
        net.load_state_dict(source)
        assert relation(net[0].weight, source["0.weight"]) == "new"
        net.load_state_dict(source, assign=True)
        assert relation(net[0].weight, source["0.weight"]) == "view"


def test_optimizer_state_dict_holds_the_state_and_loading_copies_it():
    """An optimizer's state_dict() holds its state tensors themselves, as PyTorch's. A
    deliberate difference: PyTorch's load_state_dict keeps the given state tensors
    themselves (pytorch/pytorch#196083, a silent-correctness bug there: stepping one
    optimizer moves the other's state); ours copies them, so the two stay apart. (Not
    run against torch.optim here: its first optimizer costs seconds to import.)"""
    net = nn.Linear(3, 2)
    first = nn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(ag.ones(1, 3)).sum().backward()
    first.step()
    buf = first.state[net.weight]["momentum_buffer"]
    assert first.state_dict()["state"][0]["momentum_buffer"] is buf
    second = nn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    second.load_state_dict(first.state_dict())
    assert relation(second.state[net.weight]["momentum_buffer"], buf) == "new"
