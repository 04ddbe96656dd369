"""ag.compile's fallbacks: every construct that makes a step run eagerly warns once
naming it (and the user's line where known), and under strict=True raises
compile.Escape with that same text instead; the max_programs warning says why the
programs were made."""
import random
import re
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import Escape
from autograd.jit.discover import discover
from nn import optim
from compile_twins import batch, check_twins
from test_compile_adversarial import basic


def _one_hot_guard(z, y):
    # one_hot's width is y.max() + 1, a value gradgraph reads: a guard that changes
    # when the batches' largest label alternates
    return F.cross_entropy(z, y) + F.one_hot(y).sum() * 0.0


def _labels_alternating(i):
    x, y = batch(i)
    y.data[:] = np.minimum(y.data, 3 + i % 2)
    y.data[0] = 3 + i % 2
    return x, y


def _after_step(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        F.cross_entropy(model(x), y)            # its label check: a guard after the update
        return loss
    return step


def _construct(name):
    """(step, args of call i, compile arguments, the part of the reason every run names)."""
    ag.manual_seed(0)
    step, env = basic()()
    model, opt = env["models"][0], env["opts"][0]
    plain = batch
    if name == "numpy_random":
        return (lambda x, y: step(x * float(np.random.rand() < 2), y)), plain, {}, \
            "numpy's global random generator used"
    if name == "python_random":
        return (lambda x, y: step(x * float(random.random() < 2), y)), plain, {}, \
            "Python's random module used"
    if name == "reseed":
        return (lambda x, y: (ag.manual_seed(1), step(x, y))[1]), plain, {}, \
            "the default generator reseeded inside the step"
    if name == "changing_guard":
        return basic(loss_fn=_one_hot_guard)()[0], _labels_alternating, {}, (
            r"the value read at functional\.py:\d+ \(called at test_compile_fallbacks\.py:\d+\) "
            r"changes from step to step")
    if name == "max_programs":
        return step, (lambda i: batch(i, b=4 + i)), {"max_programs": 2}, \
            "more than max_programs=2 traces: 2 programs: 2 input signatures"
    if name == "unhashable":
        return (lambda x, y, names: step(x, y)), (lambda i: batch(i) + ({"a"},)), {}, \
            "an argument that is not hashable"
    if name == "guard_after_update":
        return _after_step(model, opt), plain, {}, (
            r"a value check at losses\.py:\d+ \(called at test_compile_fallbacks\.py:\d+\) "
            r"after")
    if name == "input_requires_grad":
        return step, (lambda i: (batch(i)[0].requires_grad_(), batch(i)[1])), {}, \
            "an input that requires grad"
    if name == "item":
        return (lambda x, y: step(x * (1.0 + 0 * x.sum().item()), y)), plain, {}, \
            r"\.item\(\) \(at test_compile_fallbacks\.py:\d+\)"
    if name == "nonzero":
        return (lambda x, y: step(x[ag.nonzero(x > -1e9, as_tuple=True)].reshape(x.shape), y)), \
            plain, {}, r"np\.nonzero \(a data-dependent shape\)"
    if name == "argwhere":
        return (lambda x, y: step(x * (ag.argwhere(y).shape[0] + 1.0), y)), plain, {}, \
            r"np\.argwhere \(a data-dependent shape\)"
    if name == "unique":
        return (lambda x, y: step(x, ag.unique(y, return_inverse=True)[1])), plain, {}, \
            r"np\.unique \(a data-dependent shape\)"
    if name == "unique_consecutive":
        runs = lambda y: ag.unique_consecutive(y, return_inverse=True)[1] % 5  # noqa: E731
        return (lambda x, y: step(x, runs(y))), plain, {}, \
            r"np\.flatnonzero \(a data-dependent shape\)"
    if name == "hook":
        model[0].weight.register_hook(lambda g: g)
        return step, plain, {}, "a hook on a tensor"
    raise KeyError(name)


CONSTRUCTS = ["numpy_random", "python_random", "reseed", "changing_guard", "max_programs",
              "unhashable", "guard_after_update", "input_requires_grad", "item", "hook",
              "nonzero", "argwhere", "unique", "unique_consecutive"]
CALLS = 6


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_fallback_warns_once_and_strict_raises_the_same_reason(name):
    step, args, kw, expected = _construct(name)
    f = ag.compile(step, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(CALLS):
            f(*args(i))
    mine = [str(w.message) for w in caught if "compile" in str(w.message)]
    assert len(mine) == 1 and re.search(expected, mine[0]), mine
    reason = mine[0].split("runs eagerly: ", 1)[1]

    step, args, kw, _ = _construct(name)
    f = ag.compile(step, strict=True, **kw)
    with pytest.raises(Escape) as raised:
        for i in range(CALLS):
            f(*args(i))
    assert f"cannot be replayed: {reason}" in str(raised.value), (str(raised.value), reason)


@pytest.mark.parametrize("name", ["changing_guard", "max_programs", "unhashable", "hook"])
def test_strict_raises_before_the_step_changes_anything(name):
    """A fallback decided before the step runs (a guard failed again, too many programs,
    an unhashable argument, a hook) raises with the parameters as they were."""
    step, args, kw, _ = _construct(name)
    params = [t for t in discover(step)[0] if t.requires_grad]
    f = ag.compile(step, strict=True, **kw)
    for i in range(CALLS):
        before = [p.data.copy() for p in params]
        try:
            f(*args(i))
        except Escape:
            assert all(np.array_equal(p.data, b) for p, b in zip(params, before))
            return
    pytest.fail("no Escape")


def test_a_value_that_changes_every_step_ends_in_eager_with_a_warning():
    """F.one_hot's inferred width (the largest label + 1) read in gradgraph's code is a
    guard: it fails on the next batch with another largest label, then for good. The
    twins agree bit for bit throughout."""
    f = check_twins(basic(loss_fn=_one_hot_guard), calls=8,
                    args=lambda i, env: _labels_alternating(i),
                    warns=r"read at functional\.py:\d+ \(called at "
                          r"test_compile_fallbacks\.py:\d+\) changes from step to step")
    assert f.traces == 2 and f.replays == 0


def test_max_programs_warning_says_why_the_programs_were_made():
    """Two batch sizes and train/eval flips: the warning counts input signatures and
    the retraces by cause, so the user sees what to fix."""
    ag.manual_seed(0)
    step, env = basic()()
    model = env["models"][0]
    f = ag.compile(step, max_programs=5)
    with pytest.warns(UserWarning) as record:
        for i in range(12):
            if i in (4, 6, 8):
                model.train(not model.training)
            f(*batch(i, b=8 if i % 2 else 6))
    message = [str(w.message) for w in record if "max_programs" in str(w.message)]
    assert len(message) == 1, [str(w.message) for w in record]
    assert ("more than max_programs=5 traces: 5 programs: 2 input signatures, 3 retraces "
            "(3 after a module switched train/eval mode)") in message[0], message[0]


def test_max_programs_counts_a_guard_that_failed_once():
    ag.manual_seed(0)
    step = basic(loss_fn=_one_hot_guard)()[0]
    f = ag.compile(step, max_programs=2)
    calls = [_labels_alternating(i) for i in (0, 0, 1, 1)] + [batch(4, b=6)]
    with pytest.warns(UserWarning, match=r"2 programs: 1 input signature, 1 retrace \(1 after "
                                         r"a guard failed \(the value read at functional\.py"):
        for x, y in calls:          # warmup, trace, the guard fails, retrace, a new signature
            f(x, y)


# --- counts read every step: replayed, as arrays the op computes -------------------------
def _ignored(k, at_trace=False):
    """Batches whose labels hold class `k` at some calls and not at others (the trace's
    call 1 has it only if `at_trace`), and only `k` at call 6 (every target ignored)."""
    def args(i, env):
        x, y = batch(i)
        y.data[y.data == k] = (k + 1) % 5
        if i in (2, 3, 5, 7) or (i == 1 and at_trace):
            y.data[: i + 1] = k
        if i == 6:
            y.data[:] = k
        return x, y
    return args


CE_WEIGHT = np.linspace(0.5, 1.5, 5).astype(np.float32)

# the ignored class: -100 (the default) and 4 lie outside the labels' range in a batch
# without them (the mask is skipped), 2 inside (the mask is made, masking nothing)
COUNTED = {
    "ce_ignore_index": dict(ignore_index=-100),
    "ce_ignore_index_smoothing": dict(ignore_index=4, label_smoothing=0.1),
    "ce_weight": dict(weight=CE_WEIGHT),
    "ce_weight_ignore_index_smoothing": dict(weight=CE_WEIGHT, ignore_index=2, label_smoothing=0.2),
    "nll_ignore_index": dict(ignore_index=-100, nll=True),
    "nll_weight_ignore_index_sum": dict(weight=CE_WEIGHT, ignore_index=2, reduction="sum",
                                        nll=True),
}


# the weights of the labels at call 6 sum to 0: NaN with zero gradients (PyTorch's are NaN)
ZERO_SUM = {"ce_weight_zero_sum": dict(weight=np.array([1, 1, 0, 1, 1], np.float32))}


def _ignored_class(name):
    return {**COUNTED, **ZERO_SUM}[name].get("ignore_index", 2)


def _loss_fn(kw, lib=F, tensor=ag.tensor):
    """The loss of COUNTED's `kw` in gradgraph, or with `lib` torch.nn.functional and
    `tensor` torch.tensor in PyTorch."""
    kw = dict(kw)
    nll = kw.pop("nll", False)
    if "weight" in kw:
        kw["weight"] = tensor(kw["weight"])
    if nll:
        return lambda z, y: lib.nll_loss(lib.log_softmax(z, 1), y, **kw)
    if "weight" in kw or "label_smoothing" in kw or lib is not F:
        return lambda z, y: lib.cross_entropy(z, y, **kw)
    return nn.CrossEntropyLoss(**kw)             # the module once


@pytest.mark.parametrize("at_trace", [False, True])
@pytest.mark.parametrize("name", list(COUNTED) + list(ZERO_SUM))
def test_losses_with_a_count_replay_bit_for_bit(name, at_trace):
    """'mean' over the weights of the targets not ignored: their sum is an array the op
    computes, so a replay recomputes it. A batch with an ignored target after a trace
    without one retraces once: the mask (which masks nothing in a batch without one, the
    same bits) is then part of the program for good."""
    def build():
        return basic(loss_fn=_loss_fn({**COUNTED, **ZERO_SUM}[name]))()
    k = _ignored_class(name)
    f = check_twins(build, calls=9, args=_ignored(k, at_trace), replays=0)
    retrace = k in (-100, 4) and not at_trace
    assert (f.traces, f.replays) == ((2, 5) if retrace else (1, 7)), (f.traces, f.replays)


def test_every_target_ignored_gives_nan_and_zero_gradients_in_a_replay():
    ag.manual_seed(0)
    step, env = basic(loss_fn=nn.CrossEntropyLoss())()
    f = ag.compile(step)
    args = _ignored(-100, at_trace=True)
    for i in range(7):
        loss = f(*args(i, env))
    assert f.replays == 5 and np.isnan(loss.data)
    grads = [p.grad.data for p in env["models"][0].parameters()]
    assert all(not g.any() for g in grads)


@pytest.mark.parametrize("name", list(COUNTED))
def test_losses_with_a_count_compiled_match_pytorch(name):
    """The compiled steps' losses and parameters against PyTorch's from the same weights
    and batches (NaN where every target is ignored). Not bit for bit: PyTorch's float32
    reductions sum in another order."""
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    step, env = basic(loss_fn=_loss_fn(COUNTED[name]))()
    model = env["models"][0]
    mirror = _torch_mirror(torch, model)
    topt = torch.optim.SGD(mirror.parameters(), lr=0.1, momentum=0.9)
    tloss = _loss_fn(COUNTED[name], torch.nn.functional, torch.tensor)
    f = ag.compile(step)
    args = _ignored(_ignored_class(name))
    for i in range(9):
        x, y = args(i, None)
        ours = f(x, y)
        topt.zero_grad()
        theirs = tloss(mirror(torch.tensor(x.data)), torch.tensor(y.data))
        theirs.backward()
        topt.step()
        np.testing.assert_allclose(ours.data, theirs.item(), rtol=1e-5, err_msg=f"call {i}")
    assert f.replays >= 5
    for p, q in zip(model.parameters(), mirror.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-4, atol=1e-6)


def _torch_mirror(torch, model):
    """A PyTorch copy of a Sequential of Linear, BatchNorm1d and ReLU layers."""
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            t = torch.nn.Linear(m.in_features, m.out_features)
        elif isinstance(m, nn.BatchNorm1d):
            t = torch.nn.BatchNorm1d(m.num_features, momentum=m.momentum)
        else:
            t = torch.nn.ReLU()
        t.load_state_dict({k: torch.tensor(np.array(v.data)) for k, v in m.state_dict().items()})
        layers.append(t)
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("bn", ["1d", "2d"])
def test_batchnorm_cumulative_average_replays_bit_for_bit(bn):
    """momentum=None divides by the number of batches seen: an array computed from the
    num_batches_tracked buffer, which a replay recomputes."""
    def build():
        if bn == "1d":
            extra = lambda: (nn.BatchNorm1d(16, momentum=None),)
        else:
            extra = lambda: (nn.Unflatten(1, (4, 2, 2)), nn.BatchNorm2d(4, momentum=None),
                             nn.Flatten())
        return basic(extra=extra)()
    f = check_twins(build, calls=8)
    assert f.traces == 1 and f.replays == 6


def test_batchnorm_cumulative_average_compiled_matches_pytorch():
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    step, env = basic(extra=lambda: (nn.BatchNorm1d(16, momentum=None),))()
    model = env["models"][0]
    mirror = _torch_mirror(torch, model)
    topt = torch.optim.SGD(mirror.parameters(), lr=0.1, momentum=0.9)
    f = ag.compile(step)
    for i in range(8):
        x, y = batch(i)
        ours = f(x, y)
        topt.zero_grad()
        theirs = torch.nn.functional.cross_entropy(mirror(torch.tensor(x.data)),
                                                   torch.tensor(y.data))
        theirs.backward()
        topt.step()
        np.testing.assert_allclose(ours.data, theirs.item(), rtol=1e-5, err_msg=f"call {i}")
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(model[1], name).data,
                                       getattr(mirror[1], name).numpy(), rtol=1e-5,
                                       err_msg=f"{name}, call {i}")
        assert int(model[1].num_batches_tracked.data) == int(mirror[1].num_batches_tracked)
    assert f.replays == 6
