"""Module bookkeeping: registration, names, state dicts, hooks, module scopes on graph
nodes, containers, repr, copying and dtype conversion."""
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import graph
from autograd.state import get_scope


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).relu()
        return self.norm(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()
        self.head = nn.Linear(4, 2)
        self.register_buffer("steps", ag.zeros(1))
        self.register_buffer("scratch", ag.zeros(3), persistent=False)

    def forward(self, x):
        return self.head(self.encoder(x) * 2.0)


def _scopes(out):
    """{op name: set of scopes} over the graph behind `out` (iterative walk)."""
    seen, stack, found = set(), [out.grad_fn], {}
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or type(node) is graph.AccumulateGrad:
            continue
        seen.add(id(node))
        found.setdefault(node.name, set()).add(node.scope)
        stack.extend(node.parents)
    return found


def _all_scopes(out):
    return set().union(*_scopes(out).values())


# --- registration and traversal ----------------------------------------------------------------
def test_named_parameters_buffers_and_modules():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.1.weight",
        "encoder.layers.1.bias", "encoder.norm.weight", "encoder.norm.bias", "head.weight",
        "head.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "scratch", "encoder.norm.running_mean", "encoder.norm.running_var",
        "encoder.norm.num_batches_tracked"]
    assert [n for n, _ in net.named_modules()] == [
        "", "encoder", "encoder.layers", "encoder.layers.0", "encoder.layers.1", "encoder.norm",
        "head"]
    assert [n for n, _ in net.named_children()] == ["encoder", "head"]
    assert list(net.children()) == [net.encoder, net.head]
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert len(list(net.parameters())) == 8 and len(list(net.buffers())) == 5
    assert net.get_submodule("encoder.layers.1") is net.encoder.layers[1]
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("encoder.nope")


def test_shared_parameters_and_modules_come_once():
    lin = nn.Linear(3, 3)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    tied = nn.Module()
    tied.a, tied.b = nn.Linear(2, 2), nn.Linear(2, 2)
    tied.b.weight = tied.a.weight
    assert [n for n, _ in tied.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    # the state dict lists a shared tensor under every name, as PyTorch's
    assert list(tied.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


def test_setattr_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(ag.ones(2))
    m.register_parameter("b", None)
    assert list(m._parameters) == ["w", "b"] and m.b is None
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = ag.ones(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    m.register_buffer("buf", ag.zeros(2))
    m.buf = ag.ones(2)
    assert m._buffers["buf"] is m.buf
    with pytest.raises(TypeError, match="buffer 'buf'"):
        m.buf = np.ones(2)
    del m.sub
    assert "sub" not in m._modules and not hasattr(m, "sub")
    m.add_module("child", nn.ReLU())
    assert m.child is m._modules["child"]
    with pytest.raises(KeyError, match="contain"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("forward", ag.zeros(1))

    class WithProperty(nn.Module):
        scale = property(lambda self: self._scale * 2,
                         lambda self, v: object.__setattr__(self, "_scale", v))
    wp = WithProperty()
    wp.scale = 3
    assert wp.scale == 6

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))
    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_parameter():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(ag.ones(1), requires_grad=False).requires_grad
    arr = np.zeros(3, np.float32)
    assert nn.Parameter(arr).data is arr                       # shares memory
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.data is not p.data and q.tolist() == [1, 2]
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter) and r.requires_grad and r.tolist() == [1, 2]


def test_train_eval_zero_grad_requires_grad_apply():
    net = Net()
    assert net.training and net.encoder.norm.training
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(ag.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all((p.grad.data == 0).all() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    order = []
    net.apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "Linear", "ModuleList", "BatchNorm1d", "Block", "Linear", "Net"]


def test_to_double_keeps_parameter_objects():
    net = Net()
    params = list(net.parameters())
    net(ag.randn(3, 4)).sum().backward()
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert {p.dtype for p in params} == {np.dtype(np.float64)}
    assert net.encoder.norm.num_batches_tracked.dtype == np.int64
    assert params[0].grad.dtype == np.float64
    x = ag.randn(3, 4, dtype="float64")
    net.zero_grad()
    net(x).sum().backward()
    assert params[0].grad.dtype == np.float64
    assert ag.gradcheck(lambda t: net.eval()(t), [x.requires_grad_()])


def test_repr_tree():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.1),
                          nn.Linear(64, 10, bias=False))
    assert repr(model) == """Sequential(
  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (2): ReLU()
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (4): Flatten(start_dim=1, end_dim=-1)
  (5): Dropout(p=0.1, inplace=False)
  (6): Linear(in_features=64, out_features=10, bias=False)
)"""
    assert repr(Net()).startswith("Net(\n  (encoder): Block(\n    (layers): ModuleList(\n"
                                  "      (0-1): 2 x Linear(in_features=4, out_features=4, "
                                  "bias=True)\n    )\n")
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.LayerNorm(5)) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"


def test_get_parameter_buffer_submodule():
    net = Net()
    assert net.get_parameter("encoder.layers.1.weight") is net.encoder.layers[1].weight
    assert net.get_parameter("head.bias") is net.head.bias
    assert net.get_buffer("encoder.norm.running_mean") is net.encoder.norm.running_mean
    assert net.get_buffer("scratch") is net.scratch              # non-persistent too
    assert net.get_submodule("") is net
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert bn.get_buffer("running_var") is None                  # registered as None
    for getter, target, message in [
            (net.get_parameter, "encoder.norm.running_mean", "no parameter 'running_mean'"),
            (net.get_parameter, "encoder.layers", "no parameter 'layers'"),
            (net.get_parameter, "encoder.nope.weight", "no submodule 'nope'"),
            (net.get_buffer, "head.weight", "no buffer 'weight'"),
            (net.get_buffer, "encoder.layers.2.x", "no submodule '2'"),
            (bn.get_parameter, "weight", "no parameter 'weight'")]:
        with pytest.raises(AttributeError, match=message):
            getter(target)


def test_get_accessors_match_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    for target in ("0.weight", "1.bias"):
        assert ours.get_parameter(target).shape == tuple(theirs.get_parameter(target).shape)
    for target in ("1.running_mean", "1.num_batches_tracked"):
        assert ours.get_buffer(target).shape == tuple(theirs.get_buffer(target).shape)
    for get, target in (("get_parameter", "1.running_mean"), ("get_buffer", "0.weight"),
                        ("get_submodule", "2")):
        with pytest.raises(AttributeError):
            getattr(theirs, get)(target)
        with pytest.raises(AttributeError):
            getattr(ours, get)(target)


def _repr_cases(n):
    """Modules whose repr PyTorch 2.x prints specially, built from `n` (nn or torch.nn)."""
    class B(n.Module):
        def __init__(self):
            super().__init__()
            self.l = n.ModuleList([n.Sequential(n.Linear(2, 2), n.ReLU()) for _ in range(2)])
    return [n.BatchNorm1d(4), n.BatchNorm2d(3, momentum=None, affine=False),
            n.BatchNorm1d(3, bias=False), n.LayerNorm(5), n.LayerNorm((2, 3), bias=False),
            n.LayerNorm(4, elementwise_affine=False),
            n.ModuleList([B(), B(), n.Linear(2, 2), n.ReLU(), n.ReLU(), n.ReLU(), n.Linear(2, 2)]),
            n.ModuleList([n.Linear(2, 2)] * 3), n.ModuleList(),
            n.Sequential(n.ReLU(), n.ReLU()),          # Sequential does not compress
            n.ModuleDict({"a": n.ReLU(), "b": n.ReLU()})]


def test_reprs_of_repeats_and_norms():
    ours = [repr(m) for m in _repr_cases(nn)]
    assert ours[6] == """ModuleList(
  (0-1): 2 x B(
    (l): ModuleList(
      (0-1): 2 x Sequential(
        (0): Linear(in_features=2, out_features=2, bias=True)
        (1): ReLU()
      )
    )
  )
  (2): Linear(in_features=2, out_features=2, bias=True)
  (3-5): 3 x ReLU()
  (6): Linear(in_features=2, out_features=2, bias=True)
)"""
    assert ours[2] == ("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=False, "
                       "track_running_stats=True)")
    assert ours[8] == "ModuleList()"
    assert ours[9] == "Sequential(\n  (0): ReLU()\n  (1): ReLU()\n)"


def test_reprs_match_pytorch():
    torch = pytest.importorskip("torch")
    assert [repr(m) for m in _repr_cases(nn)] == [repr(m) for m in _repr_cases(torch.nn)]


def test_batch_norm_without_bias():
    bn = nn.BatchNorm1d(3, bias=False)
    assert [k for k, _ in bn.named_parameters()] == ["weight"] and bn.bias is None
    x = ag.randn(4, 3, dtype="float64")
    want = (x.data - x.data.mean(0)) / np.sqrt(x.data.var(0) + 1e-5)
    np.testing.assert_allclose(bn.double()(x).data, want)


# --- state dicts -------------------------------------------------------------------------------
def test_state_dict_keys_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == [
        "steps", "encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.1.weight",
        "encoder.layers.1.bias", "encoder.norm.weight", "encoder.norm.bias",
        "encoder.norm.running_mean", "encoder.norm.running_var",
        "encoder.norm.num_batches_tracked", "head.weight", "head.bias"]
    assert "scratch" not in sd                                 # non-persistent buffer
    assert sd["head.weight"].data is net.head.weight.data and not sd["head.weight"].requires_grad
    assert net.state_dict(keep_vars=True)["head.weight"] is net.head.weight
    assert list(nn.Sequential(nn.Linear(2, 2)).state_dict()) == ["0.weight", "0.bias"]


def test_load_state_dict_round_trip_in_place():
    ag.manual_seed(0)
    src, dst = Net(), Net()
    src(ag.randn(5, 4))                                        # move the running statistics
    arrays = {id(t.data): t for t in dst.state_dict(keep_vars=True).values()}
    sd = {k: (v.data.copy() if i % 2 else v) for i, (k, v) in enumerate(src.state_dict().items())}
    result = dst.load_state_dict(sd)
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    for key, value in dst.state_dict().items():
        np.testing.assert_array_equal(value.data, src.state_dict()[key].data)
        assert id(value.data) in arrays                        # copied into the same buffers
    x = ag.randn(2, 4)
    np.testing.assert_array_equal(dst.eval()(x).data, src.eval()(x).data)
    f64 = {k: v.data.astype(np.float64) if v.dtype.kind == "f" else v
           for k, v in src.state_dict().items()}
    dst.load_state_dict(f64)
    assert dst.head.weight.dtype == np.float32


def test_load_state_dict_errors():
    net = Net()
    sd = net.state_dict()
    bad = dict(sd)
    bad["head.weight"] = np.zeros((3, 4), np.float32)
    before = net.head.bias.data.copy()
    bad["head.bias"] = np.ones(2, np.float32)
    with pytest.raises(nn.StateDictError) as e:
        net.load_state_dict(bad)
    assert ("size mismatch for head.weight: copying a param with shape (3, 4) from checkpoint, "
            "the shape in current model is (2, 4).") in str(e.value)
    np.testing.assert_array_equal(net.head.bias.data, before)  # nothing copied on error
    partial = {k: v for k, v in sd.items() if not k.startswith("encoder.norm")}
    partial["extra.weight"] = np.zeros(1)
    with pytest.raises(nn.StateDictError) as e:
        net.load_state_dict(partial)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "encoder.norm.weight", "encoder.norm.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    result = net.load_state_dict(partial, strict=False)
    assert result.unexpected_keys == ["extra.weight"]
    # num_batches_tracked is not missing: an unversioned state dict is an old checkpoint,
    # and BatchNorm keeps its own count (PyTorch gives the same list)
    assert result.missing_keys == ["encoder.norm.weight", "encoder.norm.bias",
                                   "encoder.norm.running_mean", "encoder.norm.running_var"]
    bad_shape = {**sd, "head.bias": np.zeros(3)}
    with pytest.raises(nn.StateDictError, match="size mismatch for head.bias"):
        net.load_state_dict(bad_shape, strict=False)        # shapes are checked even then


def test_state_dict_survives_checkpoint_file(tmp_path):
    ag.manual_seed(0)
    net, other = Net(), Net()
    net(ag.randn(4, 4))
    nn.save(net.state_dict(), tmp_path / "net.ckpt")
    other.load_state_dict(nn.load(tmp_path / "net.ckpt"))
    for (k, a), b in zip(net.state_dict().items(), other.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=k)


def test_state_dict_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                         nn.Linear(8, 3), nn.LayerNorm(3), nn.Embedding(4, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3),
                                 torch.nn.LayerNorm(3), torch.nn.Embedding(4, 3))
    theirs_sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs_sd)
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(theirs_sd[k].shape), k
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    ours.load_state_dict({k: v.numpy() for k, v in theirs_sd.items()})


# --- hooks -------------------------------------------------------------------------------------
def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0.0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append((m, args, out)))
    x = ag.ones(1, 2)
    out = lin(x)
    np.testing.assert_allclose(out.data, lin.bias.data[None])  # input zeroed by the pre-hook
    assert calls[0][0] is lin and calls[0][2] is out and (calls[0][1][0].data == 0).all()
    replace = lin.register_forward_hook(lambda m, args, out: out * 0.0 + 7.0)
    assert (lin(x).data == 7).all()
    pre.remove(), post.remove(), replace.remove()
    np.testing.assert_allclose(lin(x).data, x.data @ lin.weight.data.T + lin.bias.data)
    assert len(calls) == 2
    with lin.register_forward_hook(lambda m, a, o: "replaced"):
        assert lin(x) == "replaced"
    assert isinstance(lin(x), ag.Tensor)


# --- module scopes ------------------------------------------------------------------------------
def test_scopes_recorded_on_nodes():
    net = Net()
    x = ag.randn(3, 4)
    out = net(x)
    scopes = _scopes(out)
    assert out.grad_fn.scope == "head"
    assert scopes["Linear"] == {"encoder.layers.0", "encoder.layers.1", "head"}
    assert scopes["Relu"] == {"encoder"}                    # relu() called in Block.forward
    assert "" in _all_scopes(out)                           # `* 2.0` in Net.forward: the root
    assert {"encoder.norm"} <= _all_scopes(out)
    assert get_scope() is None                             # restored after the call
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    assert _scopes(seq(x)) == {"Linear": {"0"}, "Relu": {"1"}}


def test_scope_restored_after_an_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        nn.Sequential(nn.Linear(2, 2), Boom())(ag.ones(1, 2))
    assert get_scope() is None


def test_scope_names_follow_the_root_and_tree_changes():
    net = Net()
    x = ag.randn(3, 4)
    net(x)
    # the encoder called at top level is a root: its names are relative to it
    assert _scopes(net.encoder(x))["Linear"] == {"layers.0", "layers.1"}
    assert _scopes(net(x))["Linear"] == {"encoder.layers.0", "encoder.layers.1", "head"}
    net.encoder.layers.append(nn.Linear(4, 4))
    assert "encoder.layers.2" in _scopes(net(x))["Linear"]
    wrapper = nn.Sequential(net)
    assert _scopes(wrapper(x))["Linear"] == {"0.encoder.layers.0", "0.encoder.layers.1",
                                             "0.encoder.layers.2", "0.head"}


def test_scope_of_shared_and_unregistered_modules():
    lin = nn.Linear(2, 2)
    shared = nn.Sequential(lin, nn.Tanh(), lin)
    assert _scopes(shared(ag.ones(1, 2)))["Linear"] == {"0"}

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.plain = [nn.Linear(2, 2)]                  # not registered

        def forward(self, x):
            return self.plain[0](x)
    assert _scopes(Holder()(ag.ones(1, 2)))["Linear"] == {"Linear"}
    assert _scopes(nn.Sequential(Holder())(ag.ones(1, 2)))["Linear"] == {"0.Linear"}


def test_nodes_outside_modules_have_no_scope():
    x = ag.ones(2, requires_grad=True)
    assert (x * 2).grad_fn.scope is None


# --- containers ---------------------------------------------------------------------------------
def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    seq.append(c)
    assert seq[2] is c and seq(ag.ones(4, 2)).shape == (4, 1)
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]                 # slicing keeps the names
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[0] is b and seq._modules["1"] is c
    seq.insert(0, a)
    assert list(seq) == [a, b, c] and seq.state_dict().keys() == {"0.weight", "0.bias",
                                                                  "2.weight", "2.bias"}
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert named.fc is named[0] and list(named.state_dict()) == ["fc.weight", "fc.bias"]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml += [nn.ReLU()]
    ml.extend([nn.Tanh()])
    assert len(ml) == 3 and isinstance(ml[-1], nn.Tanh)
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias"]
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2
    assert ml.pop(1).__class__ is nn.ReLU and list(ml._modules) == ["0", "1"]
    md = nn.ModuleDict({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    md["dec"] = nn.Linear(2, 1)
    assert list(md) == ["enc", "act", "dec"] and "dec" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight",
                                                      "dec.bias"]
    del md["act"]
    assert list(md.keys()) == ["enc", "dec"] and isinstance(md.pop("enc"), nn.Linear)


def test_mlp():
    mlp = nn.MLP(6, [5, 4], 3)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(mlp.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight",
                                      "4.bias"]
    assert mlp(ag.ones(2, 6)).shape == (2, 3)
    full = nn.MLP(6, [5], 3, activation=nn.GELU, dropout=0.2, norm_layer=nn.BatchNorm1d,
                  bias=False, dtype="float64")
    assert [type(m).__name__ for m in full] == ["Linear", "BatchNorm1d", "GELU", "Dropout",
                                                "Linear"]
    assert full[0].bias is None and full[0].weight.dtype == np.float64
    assert [type(m).__name__ for m in nn.MLP(2, [3], 1, activation=None)] == ["Linear", "Linear"]


def test_deepcopy_is_independent():
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.head.weight is not net.head.weight
    np.testing.assert_array_equal(twin.head.weight.data, net.head.weight.data)
    twin.head.weight.data[...] = 0
    assert net.head.weight.data.any()
    twin(ag.randn(2, 4)).sum().backward()
    assert twin.head.weight.grad is not None and net.head.weight.grad is None
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in net.named_parameters()]


# --- nn.init.orthogonal_ -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3), (4, 4)])
def test_orthogonal_init(shape):
    w = ag.zeros(*shape, dtype="float64")
    assert nn.init.orthogonal_(w, gain=2.0, generator=np.random.default_rng(3)) is w
    m = w.data.reshape(shape[0], -1) / 2.0
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m            # orthonormal rows or columns
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)
    # Q of the QR of the seeded normal draw (transposed when wide), with R's diagonal > 0
    a = np.random.default_rng(3).normal(0.0, 1.0, (rows, cols))
    q, a = (m.T, a.T) if rows < cols else (m, a)
    r = q.T @ a
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    assert (np.diag(r) > 0).all() and np.allclose(np.tril(r, -1), 0, atol=1e-12)
    ag.manual_seed(7)
    first = nn.init.orthogonal_(ag.zeros(*shape)).data
    ag.manual_seed(7)
    np.testing.assert_array_equal(nn.init.orthogonal_(ag.zeros(*shape)).data, first)


def test_orthogonal_init_errors_and_empty():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(ag.zeros(3))
    assert nn.init.orthogonal_(ag.zeros(0, 3)).shape == (0, 3)


# --- nn.init.eye_ and dirac_ ----------------------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [((3, 5), None), ((4, 2), None), ((0, 3), None),
                                          ((6, 2, 3, 4), 2), ((2, 5, 3), 1), ((4, 1, 3), 1),
                                          ((6, 3, 2, 2, 2), 3), ((4, 4, 5), 4), ((3, 0, 2), 1)])
def test_eye_and_dirac_init_match_pytorch(shape, groups):
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64"):
        w = nn.Parameter(ag.full(shape, 7.0, dtype=dtype))
        t = torch.full(shape, 7.0, dtype=getattr(torch, dtype), requires_grad=True)
        if groups is None:
            assert nn.init.eye_(w) is w
            torch.nn.init.eye_(t)
        else:
            assert nn.init.dirac_(w, groups) is w
            torch.nn.init.dirac_(t, groups)
        assert w.dtype == dtype and w.requires_grad and w.grad_fn is None
        np.testing.assert_array_equal(w.data, t.detach().numpy())


def test_dirac_init_makes_a_convolution_pass_its_input_through():
    conv = nn.Conv2d(6, 6, (3, 5), padding=(1, 2), groups=3, bias=False)
    nn.init.dirac_(conv.weight, groups=3)
    x = ag.randn(2, 6, 4, 7)
    np.testing.assert_array_equal(conv(x).data, x.data)


@pytest.mark.parametrize("fn,shape,message", [
    (nn.init.eye_, (3,), r"eye_: only tensors with 2 dimensions are supported, got shape \(3,\)"),
    (nn.init.eye_, (2, 3, 4), r"eye_: only tensors with 2 dimensions"),
    (nn.init.dirac_, (3, 3), r"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                             r"got shape \(3, 3\)"),
    (nn.init.dirac_, (4, 2, 3, 3, 3, 3), r"dirac_: only tensors with 3, 4, or 5 dimensions"),
    (lambda w: nn.init.dirac_(w, groups=3), (4, 3, 3),
     r"dirac_: dim 0 must be divisible by groups, a positive int; got groups=3 for the tensor "
     r"of shape \(4, 3, 3\)"),
    (lambda w: nn.init.dirac_(w, groups=0), (4, 3, 3), r"dirac_: dim 0 must be divisible"),
])
def test_eye_and_dirac_init_refuse_bad_shapes_as_pytorch(fn, shape, message):
    with pytest.raises(ValueError, match=message):
        fn(ag.zeros(*shape))


def test_state_dict_hooks_rewrite_entries_on_save_and_load():
    """A post hook may replace its module's entries (keys with the module's prefix);
    a load pre hook sees a copy it may change, and its error messages fail the load."""
    import numpy as np
    import nn
    outer = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    seen = []

    def double_on_save(module, sd, prefix, _):
        seen.append(prefix)
        sd[prefix + "weight"] = sd[prefix + "weight"] * 2

    def halve_on_load(module, sd, prefix, _meta, strict, missing, unexpected, errors):
        if sd[prefix + "weight"].shape != (3, 2):
            errors.append(f"{prefix}weight: wrong shape")
            return
        sd[prefix + "weight"] = sd[prefix + "weight"] / 2

    handle = outer[0].register_state_dict_post_hook(double_on_save)
    outer[0].register_load_state_dict_pre_hook(halve_on_load)
    w = outer[0].weight.data.copy()
    sd = outer.state_dict()
    assert seen == ["0."] and np.array_equal(sd["0.weight"].data, 2 * w)
    assert np.array_equal(outer[0].weight.data, w)           # the module is untouched
    outer[0].weight.data[...] = 0
    outer.load_state_dict(sd)
    assert np.array_equal(outer[0].weight.data, w) and sd["0.weight"].shape == (3, 2)
    handle.remove()
    assert np.array_equal(outer.state_dict()["0.weight"].data, w)
    sd["0.weight"] = np.zeros((2, 2))
    with pytest.raises(nn.StateDictError, match="0.weight: wrong shape"):
        outer.load_state_dict(sd)
