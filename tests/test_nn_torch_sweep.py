"""An edge-case sweep of ``nn`` against PyTorch: constructor options, empty batches,
unbatched inputs, reductions, ignored targets, optimizer and scheduler options. Each
case compares values and float64 gradients (inputs and parameters) with PyTorch's."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _to_torch(v):
    return torch.tensor(v) if isinstance(v, np.ndarray) else v


def _to_ours(v):
    return ag.tensor(v) if isinstance(v, np.ndarray) else v


def compare(ours, theirs, arrays, kwargs=(), tol=1e-10):
    """ours(*xs, **kw) and theirs(*ts, **kw) on float64 leaves made from the float
    `arrays` (integer arrays are passed as constants): values and input gradients
    agree. Returns the two outputs."""
    kwargs = dict(kwargs)
    xs = [ag.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = ours(*xs, **{k: _to_ours(v) for k, v in kwargs.items()})
    ref = theirs(*ts, **{k: _to_torch(v) for k, v in kwargs.items()})
    o, r = (out[0], ref[0]) if isinstance(out, tuple) else (out, ref)
    assert o.shape == tuple(r.shape)
    np.testing.assert_allclose(o.data, r.detach().numpy(), rtol=tol, atol=tol)
    if r.requires_grad and r.numel():
        w = np.random.default_rng(1).standard_normal(o.shape)
        (o * ag.tensor(w)).sum().backward()
        (r * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            if t.grad is not None:
                np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol)
    return out, ref


def compare_modules(ours, theirs, arrays, tol=1e-10):
    """A module pair with the same state (PyTorch's, loaded into ours) in float64:
    state_dict keys, outputs, input and parameter gradients agree."""
    theirs = theirs.double()
    ours = ours.double()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    out, ref = compare(ours, theirs, arrays, tol=tol)
    grads = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is not None:
            np.testing.assert_allclose(grads[name].grad.data, p.grad.numpy(), rtol=tol, atol=tol)
    return out, ref


rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


# --- losses ------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 5), (2, 5, 3), (5,), (0, 5)], ids=str)
@pytest.mark.parametrize("kw", [{}, {"weight": 1}, {"label_smoothing": 0.3},
                                {"weight": 1, "label_smoothing": 0.3}], ids=str)
def test_cross_entropy_probability_targets(reduction, shape, kw):
    # 'mean' over (N, C, d) divides by N * d, and gives NaN for N = 0
    kw = {k: (rng.uniform(0.5, 2, shape[1 if len(shape) > 1 else 0]) if k == "weight" else v)
          for k, v in kw.items()}
    compare(lambda x, p, **k: F.cross_entropy(x, p, reduction=reduction, **k),
            lambda x, p, **k: TF.cross_entropy(x, p.detach(), reduction=reduction, **k),
            [randn(*shape), rng.uniform(size=shape)], kw)


# --- optimizers ------------------------------------------------------------------------------
def _optimizer_pair(name, kwargs, params, named=False):
    """The same optimizer over copies of `params` (arrays) in gradgraph and in PyTorch."""
    ours = [nn.Parameter(ag.tensor(p.copy())) for p in params]
    theirs = [torch.nn.Parameter(torch.tensor(p.copy())) for p in params]
    if named:
        ours = [(f"p{i}", p) for i, p in enumerate(ours)]
        theirs = [(f"p{i}", p) for i, p in enumerate(theirs)]
    return getattr(nn.optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)


def _step_both(a, b, grads):
    for pa, pb, g in zip(a.param_groups[0]["params"], b.param_groups[0]["params"], grads):
        pa.grad, pb.grad = ag.tensor(g), torch.tensor(g)
    a.step()
    b.step()


OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, maximize=True, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, maximize=True)),
    ("Adadelta", dict(rho=0.8, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.01, etas=(0.4, 1.3))),
    # (NAdam's mu_product and ASGD's eta are float32 in PyTorch under its float32 default
    # dtype, ours doubles: tests/test_optim_more.py compares them under float64)
]


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=lambda v: str(v))
@pytest.mark.parametrize("named", [False, True])
def test_optimizer_groups_state_and_steps_match_pytorch(name, kwargs, named):
    params = [randn(3, 4), randn(4)]
    a, b = _optimizer_pair(name, kwargs, params, named)
    for _ in range(4):
        _step_both(a, b, [randn(3, 4), randn(4)])
    for pa, pb in zip(a.param_groups[0]["params"], b.param_groups[0]["params"]):
        np.testing.assert_allclose(pa.data, pb.detach().numpy(), rtol=1e-12, atol=1e-14)
    sa, sb = a.state_dict(), b.state_dict()
    assert {k: v for k, v in sa["param_groups"][0].items()} == \
        {k: v for k, v in sb["param_groups"][0].items()}
    assert {i: sorted(s) for i, s in sa["state"].items()} == \
        {i: sorted(s) for i, s in sb["state"].items()}
    # PyTorch's state dict (as arrays) loads into ours and the next steps agree
    c, _ = _optimizer_pair(name, kwargs, [p.detach().numpy() for p in b.param_groups[0]["params"]])
    c.load_state_dict({"state": {i: {k: (v.numpy() if k != "step" else int(v)) for k, v in s.items()}
                                 for i, s in sb["state"].items()},
                       "param_groups": sb["param_groups"]})
    grads = [randn(3, 4), randn(4)]
    _step_both(c, b, grads)
    for pc, pb in zip(c.param_groups[0]["params"], b.param_groups[0]["params"]):
        np.testing.assert_allclose(pc.data, pb.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_optimizer_state_dict_without_newer_group_keys_still_steps():
    # a checkpoint saved before a group key existed keeps the optimizer's value for it
    p = nn.Parameter(ag.ones(3))
    opt = nn.optim.AdamW([p], lr=0.1)
    state = opt.state_dict()
    del state["param_groups"][0]["decoupled_weight_decay"]
    opt.load_state_dict(state)
    p.grad = ag.ones(3)
    opt.step()
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_optimizer_names_all_or_none():
    p, q = nn.Parameter(ag.ones(2)), nn.Parameter(ag.ones(2))
    with pytest.raises(ag.ArgumentError, match="every parameter with a name"):
        nn.optim.SGD([("p", p), q], lr=0.1)


# --- pooling ---------------------------------------------------------------------------------
POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=2, ceil_mode=True), dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), ceil_mode=True)]


@pytest.mark.parametrize("kw", POOLS + [dict(kernel_size=3, dilation=2, padding=1),
                                        dict(kernel_size=2, stride=1, dilation=(2, 1),
                                             ceil_mode=True)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5), (0, 2, 4, 4)], ids=str)
def test_max_pool_matches_pytorch(kw, shape):
    x = randn(*shape)
    out, ref = compare_modules(nn.MaxPool2d(return_indices=True, **kw),
                               torch.nn.MaxPool2d(return_indices=True, **kw), [x])
    assert out[1].dtype == np.int64
    np.testing.assert_array_equal(out[1].data, ref[1].numpy())
    x[..., :3, :3] = 1.0                          # ties: the index of the first maximum
    out = F.max_pool2d(ag.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(out.data, TF.max_pool2d(torch.tensor(x), return_indices=True,
                                                          **kw)[1].numpy())


def test_max_pool_ties_share_the_gradient():
    # deliberate difference: PyTorch gives [[1, 0], [0, 0]] (all to the first maximum)
    x = ag.tensor([[[[2.0, 2.0], [2.0, 2.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[0.25, 0.25], [0.25, 0.25]]]]


def test_max_pool_window_of_minus_inf_points_inside_the_input():
    x = np.full((1, 1, 3, 3), -np.inf)
    out, idx = F.max_pool2d(ag.tensor(x), 2, 2, 1, return_indices=True)
    ref, ref_idx = TF.max_pool2d(torch.tensor(x), 2, 2, 1, return_indices=True)
    np.testing.assert_array_equal(out.data, ref.numpy())
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())


@pytest.mark.parametrize("kw", POOLS + [dict(kernel_size=2, divisor_override=3),
                                        dict(kernel_size=3, padding=1, stride=1,
                                             divisor_override=2)], ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_matches_pytorch(kw, count_include_pad):
    compare_modules(nn.AvgPool2d(count_include_pad=count_include_pad, **kw),
                    torch.nn.AvgPool2d(count_include_pad=count_include_pad, **kw),
                    [randn(2, 3, 7, 6)])


# --- learning-rate schedulers ------------------------------------------------------------------
class Halve:
    """A callable object: its attributes are part of a scheduler's state_dict."""

    def __init__(self):
        self.calls = 0

    def __call__(self, epoch):
        self.calls += 1
        return 0.5 ** (epoch // 3)


SCHEDULERS = [
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.25, total_iters=4)),
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("PolynomialLR", dict(total_iters=4, power=2.0)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9)),
    ("LambdaLR", dict(lr_lambda=Halve())),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=2)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2, step_size_down=3,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9)),
]


def _scheduled(lib, name, kwargs, steps, last_epoch=-1, state=None):
    """lr and momentum of each group after each of `steps` steps of `name` on SGD with
    two groups (lr 0.1 and 0.2)."""
    params = [lib.ones(2, requires_grad=True) for _ in range(2)]
    mod = nn.optim if lib is ag else torch.optim
    opt = mod.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)],
                  lr=0.1, momentum=0.9)
    if last_epoch != -1:
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    sched = getattr(mod.lr_scheduler, name)(opt, last_epoch=last_epoch, **kwargs)
    if state is not None:
        sched.load_state_dict(state)
    out = []
    for _ in range(steps):
        out.append([(g["lr"], g["momentum"]) for g in opt.param_groups])
        opt.step()
        sched.step()
    return out, sched


@pytest.mark.parametrize("name, kwargs", SCHEDULERS, ids=lambda v: str(v))
def test_scheduler_matches_pytorch(name, kwargs):
    ours, sched = _scheduled(ag, name, kwargs, 12)
    theirs, ref = _scheduled(torch, name, kwargs, 12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    # resuming with last_epoch does not move the lr one step ahead
    ours, _ = _scheduled(ag, name, kwargs, 4, last_epoch=5)
    theirs, _ = _scheduled(torch, name, kwargs, 4, last_epoch=5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    # a state dict taken after 12 steps continues the schedule in a new scheduler
    state = sched.state_dict()
    assert set(state) - {"_get_lr_called_within_step"} <= set(ref.state_dict())
    if name == "LambdaLR":
        assert state["lr_lambdas"] == [{"calls": kwargs["lr_lambda"].calls}] * 2


def test_scheduler_state_dict_resumes():
    full, _ = _scheduled(ag, "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3), 10)
    _, first = _scheduled(ag, "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3), 4)
    rest, _ = _scheduled(ag, "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3), 6,
                         state=first.state_dict())
    np.testing.assert_allclose([lr for lr, _ in sum(rest, [])][2:],
                               [lr for lr, _ in sum(full[4:], [])][2:], rtol=1e-14)


def test_warm_restarts_fractional_epochs_and_chained_scheduler():
    for lib in (ag, torch):
        mod = nn.optim if lib is ag else torch.optim
        opt = mod.SGD([lib.ones(2, requires_grad=True)], lr=0.1)
        sched = mod.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        lrs = []
        for epoch in (0.5, 1.25, 2.0, 3.5, 6.1, 7.0):
            sched.step(epoch)
            lrs.append(sched.get_last_lr()[0])
        opt2 = mod.SGD([lib.ones(2, requires_grad=True)], lr=0.1)
        chain = mod.lr_scheduler.ChainedScheduler([
            mod.lr_scheduler.LinearLR(opt2, start_factor=0.1, total_iters=3),
            mod.lr_scheduler.ExponentialLR(opt2, gamma=0.9)])
        for _ in range(6):
            opt2.step()
            chain.step()
            lrs.append(chain.get_last_lr()[0])
        if lib is ag:
            ours = lrs
    np.testing.assert_allclose(ours, lrs, rtol=1e-13)


def test_scheduler_argument_errors():
    opt = nn.optim.SGD([ag.ones(2, requires_grad=True)], lr=0.1)
    S = nn.optim.lr_scheduler
    with pytest.raises(ag.ArgumentError, match="T_0 must be a positive int"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ag.ArgumentError, match="mode must be"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ag.ArgumentError, match="cycle_momentum needs"):
        S.CyclicLR(nn.optim.Optimizer([ag.ones(2, requires_grad=True)], {"lr": 0.1}), 0.01, 0.1)
    with pytest.raises(ag.ArgumentError, match="factor must be in"):
        S.ConstantLR(opt, factor=2.0)
    with pytest.raises(ag.ArgumentError, match="should be a function"):
        S.MultiplicativeLR(opt, lr_lambda=0.9)
    other = nn.optim.SGD([ag.ones(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ag.ArgumentError, match="another optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(other, 2)])


# --- convolution and padding ---------------------------------------------------------------------
CONVS = [dict(bias=False), dict(stride=2, padding=(1, 2)), dict(dilation=2, padding=2),
         dict(groups=2), dict(groups=4, stride=(2, 1)), dict(padding="same"),
         dict(padding="same", dilation=(2, 1)), dict(kernel_size=(2, 4), padding="same"),
         dict(padding="valid")]
CONVS += [dict(padding_mode=m, **kw) for m in ("reflect", "replicate", "circular")
          for kw in (dict(padding=1), dict(padding=(2, 1), stride=2), dict(padding="same",
                                                                          kernel_size=(2, 3)))]


@pytest.mark.parametrize("kw", CONVS, ids=str)
@pytest.mark.parametrize("shape", [(2, 4, 7, 6), (4, 5, 5), (0, 4, 5, 5)], ids=str)
def test_conv2d_matches_pytorch(kw, shape):
    kw = {"kernel_size": 3, **kw}
    torch.manual_seed(0)
    compare_modules(nn.Conv2d(4, 8, **kw), torch.nn.Conv2d(4, 8, **kw), [randn(*shape)])
    assert repr(nn.Conv2d(4, 8, **kw)) == repr(torch.nn.Conv2d(4, 8, **kw))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", [(1, 2), (2, 0, 0, 3), (-1, 2, 1, -2), (3, 3, 2, 2),
                                     (0, 0, 0, 0)], ids=str)
def test_pad_modes_match_pytorch(mode, amounts):
    x = randn(2, 3, 4, 4)
    if len(amounts) == 2:
        x = x[0]                                  # PyTorch pads one dim of 2-d/3-d inputs
    compare(lambda t: F.pad(t, amounts, mode), lambda t: TF.pad(t, amounts, mode=mode), [x])


def test_pad_mode_errors():
    with pytest.raises(ag.ShapeError, match="circular padding .* at most its size 3"):
        F.pad(ag.ones(1, 2, 3), (4, 0), "circular")
    with pytest.raises(ag.ShapeError, match="reflect padding .* smaller than its size 2"):
        F.pad(ag.ones(1, 2, 3), (-1, 2), "reflect")      # what is left after the crop
    with pytest.raises(ag.ArgumentError, match="padding_mode must be"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")


# --- embedding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=0), dict(padding_idx=-1),
                                dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0),
                                dict(scale_grad_by_freq=True),
                                dict(scale_grad_by_freq=True, padding_idx=4, max_norm=2.0)],
                         ids=str)
@pytest.mark.parametrize("index", [[[0, 2, 4], [4, 1, 0]], 3, np.zeros((0, 2), np.int64),
                                   np.array([1, 1, 1, 3], np.int32)], ids=str)
def test_embedding_matches_pytorch(kw, index):
    torch.manual_seed(0)
    ours, theirs = nn.Embedding(5, 3, **kw), torch.nn.Embedding(5, 3, **kw)
    assert repr(ours) == repr(theirs)
    compare_modules(ours, theirs, [np.asarray(index)])
    # max_norm rescales the looked-up rows of the table in place
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)


# --- normalisation -------------------------------------------------------------------------------
BATCHNORMS = [dict(), dict(affine=False), dict(momentum=None), dict(track_running_stats=False),
              dict(eps=1e-3, momentum=0.5), dict(bias=False)]


@pytest.mark.parametrize("kw", BATCHNORMS, ids=str)
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 2), (0, 3), (0, 3, 2, 2)],
                         ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_pytorch(kw, shape, training):
    _compare_two_batches(*((lib.BatchNorm2d if len(shape) == 4 else lib.BatchNorm1d)(3, **kw)
                           for lib in (nn, torch.nn)), shape, training)


def _compare_two_batches(ours, theirs, shape, training):
    """A batch updates the running statistics, a second uses them: outputs, gradients
    and buffers as PyTorch's."""
    theirs.train(training)
    for _ in range(2):
        ours.train(training)
        compare_modules(ours, theirs, [randn(*shape)])
        for name, buf in theirs.named_buffers():
            np.testing.assert_allclose(dict(ours.named_buffers())[name].data, buf.numpy(),
                                       rtol=1e-12)


@pytest.mark.parametrize("cls, kw", [("LayerNorm", dict()), ("LayerNorm", dict(bias=False)),
                                     ("LayerNorm", dict(elementwise_affine=False, eps=1e-2)),
                                     ("RMSNorm", dict()), ("RMSNorm", dict(eps=1e-2)),
                                     ("RMSNorm", dict(elementwise_affine=False))], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 4), (0, 3, 4), (3, 4)], ids=str)
def test_trailing_norms_match_pytorch(cls, kw, shape):
    compare_modules(getattr(nn, cls)((3, 4), **kw), getattr(torch.nn, cls)((3, 4), **kw),
                    [randn(*shape[:-2], 3, 4)])


INSTANCE_NORMS = [dict(), dict(affine=True), dict(track_running_stats=True),
                  dict(affine=True, track_running_stats=True, momentum=0.3),
                  dict(track_running_stats=True, momentum=None), dict(affine=True, bias=False),
                  dict(eps=1e-2)]


@pytest.mark.parametrize("kw", INSTANCE_NORMS, ids=str)
@pytest.mark.parametrize("shape", [(4, 3, 5), (3, 5), (2, 3, 2, 4), (3, 2, 3)], ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_instance_norm_matches_pytorch(kw, shape, training):
    two_d = len(shape) == 4 or shape == (3, 2, 3)
    _compare_two_batches(*((lib.InstanceNorm2d if two_d else lib.InstanceNorm1d)(3, **kw)
                           for lib in (nn, torch.nn)), shape, training)


@pytest.mark.parametrize("groups, channels, kw", [(2, 4, dict()), (1, 3, dict(eps=1e-2)),
                                                  (3, 3, dict(affine=False)),
                                                  (2, 6, dict(bias=False))], ids=str)
@pytest.mark.parametrize("shape", [(2, 5), (3, 2, 2), ()], ids=str)
def test_group_norm_matches_pytorch(groups, channels, kw, shape):
    compare_modules(nn.GroupNorm(groups, channels, **kw),
                    torch.nn.GroupNorm(groups, channels, **kw), [randn(2, channels, *shape)])


def test_norm_layers_refuse_as_pytorch():
    for ours, theirs in ((lambda: nn.GroupNorm(4, 6), lambda: torch.nn.GroupNorm(4, 6)),
                         (lambda: F.group_norm(ag.zeros(2, 6, 3), 4),
                          lambda: TF.group_norm(torch.zeros(2, 6, 3), 4)),
                         (lambda: nn.InstanceNorm1d(3)(ag.zeros(2, 3, 4, 5)),
                          lambda: torch.nn.InstanceNorm1d(3)(torch.zeros(2, 3, 4, 5))),
                         (lambda: nn.InstanceNorm1d(3, affine=True)(ag.zeros(2, 4, 5)),
                          lambda: torch.nn.InstanceNorm1d(3, affine=True)(torch.zeros(2, 4, 5))),
                         (lambda: F.instance_norm(ag.zeros(2, 3, 1)),
                          lambda: TF.instance_norm(torch.zeros(2, 3, 1)))):
        with pytest.raises((ValueError, RuntimeError)):
            theirs()
        with pytest.raises(ValueError):
            ours()
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(ag.zeros(2, 4, 5))


@pytest.mark.parametrize("p, dim, eps", [(2.0, 1, 1e-12), (1.0, 0, 1e-12), (3.0, -1, 0.5),
                                         (float("inf"), 1, 1e-12), (0.5, 1, 1e-3)], ids=str)
def test_normalize_matches_pytorch(p, dim, eps):
    x = randn(4, 3)
    x[1] = 0.0                      # a zero row: divided by eps, the gradient 1 / eps
    x[2] *= 1e-4
    compare(lambda t: F.normalize(t, p, dim, eps), lambda t: TF.normalize(t, p, dim, eps), [x],
            tol=1e-9)


# --- gradient clipping ---------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, float("inf")])
@pytest.mark.parametrize("grads", [[[3.0, -4.0], [[1.0, 2.0]]], [[np.inf, 1.0], [1.0]],
                                   [[np.nan, 1.0]], [[0.0, 0.0]]], ids=str)
def test_clip_grad_norm_matches_pytorch(norm_type, grads):
    results = []
    for lib, utils in ((ag, nn.utils), (torch, torch.nn.utils)):
        params = [lib.tensor(np.zeros_like(g, dtype=float), requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(np.array(g, dtype=float))
        try:
            total = utils.clip_grad_norm_(params, 1.0, norm_type, error_if_nonfinite=True,
                                          foreach=True)
            error = None
        except RuntimeError as e:
            error = type(e)
            total = utils.clip_grad_norm_(params, 1.0, norm_type, foreach=False)
        results.append((error is None, float(total),
                        [np.asarray(p.grad.data if lib is ag else p.grad.numpy()) for p in params]))
        # the two halves PyTorch 2.6 split it into
        fresh = [lib.tensor(np.array(g, dtype=float)) for g in grads]
        np.testing.assert_allclose(float(utils.get_total_norm(fresh, norm_type)), float(total),
                                   rtol=1e-12, equal_nan=True)
    (ok_a, total_a, grads_a), (ok_b, total_b, grads_b) = results
    assert ok_a == ok_b
    np.testing.assert_allclose(total_a, total_b, rtol=1e-12, equal_nan=True)
    for a, b in zip(grads_a, grads_b):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


def test_clip_grads_with_norm_and_value():
    p, q = ag.tensor([0.0, 0.0], requires_grad=True), ag.tensor([0.0], requires_grad=True)
    p.grad, q.grad = ag.tensor([3.0, 4.0]), ag.tensor([1.0])
    nn.utils.clip_grads_with_norm_([p, q], 1.0, ag.tensor(10.0))
    np.testing.assert_allclose(p.grad.data, [0.3, 0.4], rtol=1e-6)
    nn.utils.clip_grad_value_([p, q], 0.35, foreach=True)
    np.testing.assert_allclose(p.grad.data, [0.3, 0.35], rtol=1e-6)
    assert float(nn.utils.get_total_norm([])) == 0.0


# --- errors that name the op, the shapes and the dtypes ---------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.Conv2d(3, 4, 3)(ag.ones(1, 3, 5, 5, dtype=ag.float64)), ag.DtypeError,
     r"conv2d: input of dtype float64 \(shape \(1, 3, 5, 5\)\) does not match weight of dtype "
     r"float32"),
    (lambda: F.conv2d(ag.ones(1, 3, 5, 5), ag.ones(4, 3, 3)), ag.ShapeError,
     r"conv2d: weight must be 4-d .* got shape \(4, 3, 3\)"),
    (lambda: F.cross_entropy(ag.randn(4, 5), ag.tensor([1, 2, 3, 0]), weight=ag.ones(3)),
     ag.ShapeError, r"cross_entropy: weight of shape \(3,\) must hold one value per class, "
                    r"shape \(5,\)"),
    (lambda: F.nll_loss(ag.randn(4, 5), ag.tensor([1, 2, 3, 0]), weight=ag.ones(6)),
     ag.ShapeError, r"nll_loss: weight of shape \(6,\)"),
    (lambda: F.cross_entropy(ag.randn(4, 5), ag.rand(4, 5), weight=ag.ones(4)), ag.ShapeError,
     r"cross_entropy: weight of shape \(4,\)"),
    (lambda: F.cross_entropy(ag.tensor(1.0), ag.tensor(0)), ag.ShapeError,
     r"cross_entropy: input must have a class dim"),
    (lambda: nn.Embedding.from_pretrained(ag.ones(3)), ag.ShapeError,
     r"from_pretrained: embeddings must be 2-d .* got shape \(3,\)"),
    (lambda: nn.Flatten(3)(ag.ones(3, 4)), ag.OutOfRangeError,
     r"flatten: dim 3 is out of range for a tensor of shape \(3, 4\)"),
    (lambda: ag.ones(2, 3, 4).flatten(2, 1), ag.ArgumentError,
     r"flatten: start_dim 2 comes after end_dim 1"),
], ids=lambda v: getattr(v, "__name__", "") if isinstance(v, type) else None)
def test_bad_input_errors_name_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_flatten_dims_as_pytorch():
    for shape, dims in [((2, 3, 4), (1, -1)), ((2, 3, 4), (0, 1)), ((2, 3, 4), (-2, -2)),
                        ((), (0, -1)), ((5,), (0, 0))]:
        x = np.zeros(shape)
        assert ag.tensor(x).flatten(*dims).shape == tuple(torch.tensor(x).flatten(*dims).shape)


# --- losses: class targets, elementwise losses ---------------------------------------------------
CLASS_OPTIONS = [{}, {"weight": 1}, {"ignore_index": 1}, {"ignore_index": 1, "weight": 1},
                 {"label_smoothing": 0.2}, {"label_smoothing": 0.2, "weight": 1, "ignore_index": 1}]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape, target_shape", [((4, 5), (4,)), ((2, 5, 3), (2, 3)),
                                                 ((5,), ()), ((0, 5), (0,))], ids=str)
@pytest.mark.parametrize("loss, kw", [("cross_entropy", kw) for kw in CLASS_OPTIONS] +
                         [("nll_loss", kw) for kw in CLASS_OPTIONS[:4]], ids=str)
def test_class_target_losses_match_pytorch(loss, kw, shape, target_shape, reduction):
    kw = {k: (rng.uniform(0.5, 2, 5) if k == "weight" else v) for k, v in kw.items()}
    target = rng.integers(0, 5, target_shape)
    compare(lambda x, t, **k: getattr(F, loss)(x, t, reduction=reduction, **k),
            lambda x, t, **k: getattr(TF, loss)(x, t, reduction=reduction, **k),
            [randn(*shape), target], kw)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", [{}, {"weight": 1}, {"label_smoothing": 0.1}], ids=str)
def test_cross_entropy_every_target_ignored(reduction, kw):
    # 'mean' of nothing is NaN with zero gradients, as PyTorch
    kw = {k: (rng.uniform(0.5, 2, 5) if k == "weight" else v) for k, v in kw.items()}
    out, _ = compare(lambda x, t, **k: F.cross_entropy(x, t, ignore_index=1, reduction=reduction,
                                                       **k),
                     lambda x, t, **k: TF.cross_entropy(x, t, ignore_index=1,
                                                        reduction=reduction, **k),
                     [randn(4, 5), np.ones(4, np.int64)], kw)
    assert (reduction == "mean") == bool(np.isnan(out.data).all())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss, kw", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
                                      ("smooth_l1_loss", {"beta": 0.0}),
                                      ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {}),
                                      ("huber_loss", {"delta": 2.0})], ids=str)
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 3)], ids=str)
def test_elementwise_losses_match_pytorch(loss, kw, shape, reduction):
    x, t = randn(*shape) * 2, randn(*shape)
    if shape == (3, 4):
        x[0, :3], t[0, :3] = [0.0, 1.0, 2.5], [0.0, 0.0, 0.5]     # the kinks: d = 0, beta, delta
    compare(lambda a, b: getattr(F, loss)(a, b, reduction=reduction, **kw),
            lambda a, b: getattr(TF, loss)(a, b, reduction=reduction, **kw), [x, t])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 4)], ids=str)
def test_binary_cross_entropy_match_pytorch(shape, reduction):
    p, t, w = rng.uniform(0.02, 0.98, shape), rng.uniform(size=shape), rng.uniform(size=shape)
    compare(lambda a, b: F.binary_cross_entropy(a, b, weight=ag.tensor(w), reduction=reduction),
            lambda a, b: TF.binary_cross_entropy(a, b, weight=torch.tensor(w),
                                                 reduction=reduction), [p, t])
    x = randn(*shape) * 30                                   # saturated logits stay finite
    pos = rng.uniform(0.5, 3, shape[-1:])
    compare(lambda a, b: F.binary_cross_entropy_with_logits(
                a, b, weight=ag.tensor(w), pos_weight=ag.tensor(pos), reduction=reduction),
            lambda a, b: TF.binary_cross_entropy_with_logits(
                a, b, weight=torch.tensor(w), pos_weight=torch.tensor(pos), reduction=reduction),
            [x, t])


@pytest.mark.filterwarnings("ignore:kl_div")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target):
    p = rng.uniform(0.05, 1, (3, 4))
    t = np.log(p) if log_target else p
    compare(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
            lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
            [randn(3, 4), t])


def test_loss_corner_gradients_are_finite_where_pytorch_differs():
    # deliberate differences, both at points where the loss is not differentiable:
    # kl_div's gradient in a target of exactly 0 is 0 - input (PyTorch: NaN from xlogy) ...
    t = ag.tensor([0.0, 0.5], requires_grad=True)
    F.kl_div(ag.tensor([-1.0, -2.0]), t, reduction="sum").backward()
    assert np.isfinite(t.grad.data).all() and t.grad.data[0] == 1.0
    # ... and binary_cross_entropy at p = 0 with target 0 keeps the one-sided derivative
    # 1 / (1 - p) = 1 (PyTorch's (p - t) / max(p (1 - p), 1e-12) gives 0 there)
    p = ag.tensor([0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(p, ag.tensor([0.0, 1.0]), reduction="sum").backward()
    assert p.grad.tolist() == [1.0, -1.0]


# --- state dicts ---------------------------------------------------------------------------------
def test_load_state_dict_assign_takes_the_arrays_as_pytorch():
    results = []
    for lib in (nn, torch.nn):
        model = lib.Sequential(lib.Linear(2, 3), lib.BatchNorm1d(3))
        model[0].weight.requires_grad_(False)
        T = ag.tensor if lib is nn else torch.tensor
        state = {k: T(np.full(tuple(v.shape), 2.0)) for k, v in model.state_dict().items()}
        keys = model.load_state_dict(state, assign=True)
        w = model[0].weight
        results.append((list(keys.missing_keys), list(keys.unexpected_keys), str(w.dtype)[-7:],
                        type(w).__name__, w.requires_grad, model[1].bias.requires_grad,
                        list(model.state_dict())))
        shared = (w.data is state["0.weight"].data if lib is nn
                  else w.data_ptr() == state["0.weight"].data_ptr())
        assert shared
        with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
            model.load_state_dict({**state, "0.weight": T(np.ones((3, 3)))}, assign=True)
    assert results[0] == results[1]


@pytest.mark.parametrize("layer", [lambda: nn.BatchNorm1d(3), lambda: nn.LayerNorm(3),
                                   lambda: nn.RMSNorm(3)])
def test_norm_layers_refuse_mixed_dtypes_as_pytorch(layer):
    with pytest.raises(ag.DtypeError, match=r"_norm: input of dtype float64 \(shape \(2, 3\)\) "
                                            r"does not match weight of dtype float32"):
        layer()(ag.randn(2, 3, dtype=ag.float64))
