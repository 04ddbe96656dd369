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
import nn.functional as F
from autograd.jit import Escape
from autograd.jit.discover import discover
from nn import optim
from compile_twins import batch
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
        return basic(loss_fn=_one_hot_guard)()[0], _labels_alternating, {}, \
            r"the value read at functional\.py:\d+ changes from step to step"
    if name == "max_programs":
        return step, (lambda i: batch(i, b=4 + i)), {"max_programs": 2}, \
            "more than max_programs=2 traces: 2 programs: 2 input signatures"
    if name == "unhashable":
        return (lambda x, y, names: step(x, y)), (lambda i: batch(i) + (["a"],)), {}, \
            "an argument that is not hashable"
    if name == "guard_after_update":
        return _after_step(model, opt), plain, {}, r"a value check at losses\.py:\d+ after"
    if name == "input_requires_grad":
        return step, (lambda i: (batch(i)[0].requires_grad_(), batch(i)[1])), {}, \
            "an input that requires grad"
    if name == "item":
        return (lambda x, y: step(x * (1.0 + 0 * x.sum().item()), y)), plain, {}, \
            r"\.item\(\) \(at test_compile_fallbacks\.py:\d+\)"
    if name == "hook":
        model[0].weight.register_hook(lambda g: g)
        return step, plain, {}, "a hook on a tensor"
    raise KeyError(name)


CONSTRUCTS = ["numpy_random", "python_random", "reseed", "changing_guard", "max_programs",
              "unhashable", "guard_after_update", "input_requires_grad", "item", "hook"]
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
