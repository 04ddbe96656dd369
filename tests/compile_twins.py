"""Twin runs for the ag.compile tests: a step run eagerly and under ag.compile from the same
seed, the same calls and the same user actions between calls, must agree bit for bit after
every call on the returned values, parameters, buffers, gradients, optimizer state and the
default generator's state (or raise the same error), and warn only where the test says.

    check_twins(build)      build() -> (step, watched(model, opt, ...)); returns the
                            compiled step (for its .traces and .replays)
    run(build, compiled), assert_same_runs(eager, compiled)    its two halves, for a
                            test that looks at a run's history or warnings itself
"""
import re
import warnings
from typing import NamedTuple

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from autograd import creation
from nn import optim
from nn.optim import Optimizer
from nn.utils import clip_grad_norm_, clip_grad_value_

CALLS = 7


# --- the usual model, data and training step ------------------------------------------
def batch(i, b=8, d=12, classes=5):
    """The i-th batch (x float32 (b, d), y int64 (b,) in [0, classes))."""
    rng = np.random.default_rng(100 + i)
    return (ag.tensor(rng.standard_normal((b, d)).astype(np.float32)),
            ag.tensor(rng.integers(0, classes, b)))


def batches(n=CALLS, b=8, d=12, classes=5):
    return [batch(i, b, d, classes) for i in range(n)]


def mlp(d=12, h=16, classes=5, extra=()):
    return nn.Sequential(nn.Linear(d, h), *extra, nn.ReLU(), nn.Linear(h, classes))


def adam(params):
    return optim.Adam(params, lr=1e-2)


def mlp_and_opt(make_opt=lambda p: optim.SGD(p, lr=0.1, momentum=0.9), **kw):
    """mlp(**kw) and make_opt(its parameters) (SGD with momentum 0.9 by default; `adam`)."""
    model = mlp(**kw)
    return model, make_opt(model.parameters())


def train_step(model, opt, *, loss_fn=F.cross_entropy, zero=True, set_to_none=True,
               clip=None, scheduler=None, tail=None):
    """step(x, y): zero_grad (unless not `zero`), loss_fn(model(x), y).backward(), clip
    ("norm" to 0.5 or "value" to 0.05), opt.step(), scheduler.step(); returns the loss, or
    tail(loss, model(x), y) when given."""
    def step(x, y):
        if zero:
            opt.zero_grad(set_to_none=set_to_none)
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        if clip == "norm":
            clip_grad_norm_(model.parameters(), 0.5)
        elif clip == "value":
            clip_grad_value_(model.parameters(), 0.05)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        return loss if tail is None else tail(loss, logits, y)
    return step


# --- what the twins compare -------------------------------------------------------------
def watched(*objects, **extra):
    """The environment of a step: its modules, optimizers and tensors (compared after
    every call) and, by name, anything else the test's `between` or `args` reach."""
    env = {"models": [], "opts": [], "tensors": [], **extra}
    for o in objects:
        key = ("models" if isinstance(o, nn.Module) else "opts" if isinstance(o, Optimizer)
               else "tensors" if isinstance(o, ag.Tensor) else None)
        if key is None:
            raise TypeError(f"watched: a Module, Optimizer or Tensor, not {type(o).__name__}")
        env[key].append(o)
    return env


def flat(x):
    """Copies of the arrays (and the plain values) in a returned value."""
    if isinstance(x, ag.Tensor):
        return [("T", x.data.dtype), np.array(x.data, copy=True)]
    if isinstance(x, (tuple, list)):
        return [type(x).__name__] + [v for i in x for v in flat(i)]
    if isinstance(x, dict):
        return ["dict"] + [v for k in x for v in [k] + flat(x[k])]
    return [x]


def state_of(env):
    """Everything the twins must agree on after a call: each watched tensor, parameter
    and buffer (dtype, values, requires_grad, .grad), each optimizer's state and
    param_groups (all but the parameters), and the default generator's state."""
    out = []
    tensors = list(env.get("tensors", ()))
    for m in env.get("models", ()):
        tensors += list(m.parameters()) + list(m.buffers())
    order = {id(t): i for i, t in enumerate(tensors)}
    for t in tensors:
        out += [t.data.dtype, np.array(t.data, copy=True), t.requires_grad,
                None if t.grad is None else np.array(t.grad.data, copy=True)]
    for o in env.get("opts", ()):
        for p in sorted(o.state, key=lambda p: order.get(id(p), -1)):
            st = o.state[p]
            out += [(k, st[k].copy() if isinstance(st[k], np.ndarray) else st[k])
                    for k in sorted(st)]
        out += [{k: v for k, v in g.items() if k != "params"} for g in o.param_groups]
    out.append(creation.default_generator().bit_generator.state["state"])
    return out


def assert_same(a, b, where):
    """a and b equal item by item, arrays bit for bit (dtype, shape and bytes: -0.0 is
    not 0.0), numbers by == (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), (where, a, b)
        assert a.dtype == b.dtype and a.shape == b.shape, (where, a.dtype, b.dtype, a.shape,
                                                           b.shape)
        if np.ascontiguousarray(a).tobytes() != np.ascontiguousarray(b).tobytes():
            np.testing.assert_array_equal(a, b, err_msg=str(where))
            raise AssertionError(f"{where}: equal values in other bits (-0.0 or a NaN)")
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, a.keys(), b.keys())
        assert_same(list(a.values()), list(b.values()), where)
    elif isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same(u, v, f"{where}, item {i}")
    else:
        assert a == b or (a != a and b != b), (where, a, b)


# --- the twin runs ----------------------------------------------------------------------
class Call:
    """The arguments of one call, for an `args` that passes keywords."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Run(NamedTuple):
    history: list       # per call: flat(returned) or ["raised", class, message], + state_of
    f: object           # the step called (compiled or not)
    env: dict
    warnings: list      # the messages warned during the calls


def normalised(message):
    """An error message without what differs from run to run: version numbers."""
    return re.sub(r"version \d+", "version N", message)


def run(build, compiled, calls=CALLS, args=None, between=None, raises=(), **compile_args):
    """`calls` calls of build()'s step (compiled with `compile_args` if `compiled`) on
    ``args(i, env)`` (a tuple or a Call; default the batch `batch(i)`), after
    ``between(i, env)`` (the user's actions). An error of a class in `raises` is recorded
    as the call's result; any other propagates."""
    args = args or (lambda i, env: batch(i))
    ag.manual_seed(0)
    step, env = build()
    f = ag.compile(step, **compile_args) if compiled else step
    history = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(calls):
            if between is not None:
                between(i, env)
            a = args(i, env)
            a = a if isinstance(a, Call) else Call(*a)
            try:
                got = flat(f(*a.args, **a.kwargs))
            except raises as e:
                got = ["raised", type(e), normalised(str(e))]
            history.append(got + state_of(env))
    return Run(history, f, env, [str(w.message) for w in caught])


def assert_same_runs(eager, compiled, warns=None, replays=0):
    """The runs agree bit for bit after every call; they warn the same messages (numpy's
    overflow warnings, say; a replay runs no Python, so a Python warning comes only
    from eager calls), and of compile's own warnings the compiled run gives none or
    (`warns`, a regex) exactly one matching; at least `replays` replays."""
    ours = [w for w in compiled.warnings if w.startswith("compile")]
    assert not [w for w in eager.warnings if w.startswith("compile")], eager.warnings
    assert set(compiled.warnings) - set(ours) == set(eager.warnings), \
        (eager.warnings, compiled.warnings)
    if warns is None:
        assert not ours, ours
    else:
        assert len(ours) == 1 and re.search(warns, ours[0]), ours
    assert len(eager.history) == len(compiled.history)
    for i, (a, b) in enumerate(zip(eager.history, compiled.history)):
        assert_same(a, b, f"call {i}")
    assert compiled.f.replays >= replays, (compiled.f.replays, compiled.f.traces)


def check_twins(build, calls=CALLS, args=None, between=None, raises=(), warns=None,
                replays=None, **compile_args):
    """run() eagerly and compiled, then assert_same_runs(); `replays` defaults to calls - 2
    (all but the warm-up and the traced call), or none when `warns` is given. Returns the
    compiled step."""
    eager = run(build, False, calls, args, between, raises)
    compiled = run(build, True, calls, args, between, raises, **compile_args)
    if replays is None:
        replays = calls - 2 if warns is None else 0
    assert_same_runs(eager, compiled, warns, replays)
    return compiled.f
