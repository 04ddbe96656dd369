"""ag.compile where eager semantics hang on memory or on threads: arguments that share
memory with each other or with the step's own state (a write through one is seen
through the other, as in eager), plain numpy arrays of a tensor's memory made inside the
step (numpy tells the trace nothing of them: the step falls back), and compiled
functions that call each other from several threads (no call waits for a lock while
another holds one of its own: no deadlock). Each threaded test runs its threads as daemons joined with a timeout, so a
hang fails the test instead of the suite."""
import threading
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.errors import GraphError
from autograd.jit import Escape
from nn import optim
from compile_twins import normalised as _normalised
from test_compile_inplace import STEPS, _bits

TIMEOUT = 15.0


def _run_threads(*targets):
    """Runs each target in a daemon thread; returns their exceptions (None each) or
    fails if one is still running after TIMEOUT seconds (a deadlock)."""
    errors = [None] * len(targets)

    def wrap(i, target):
        def run():
            try:
                target()
            except BaseException as e:                  # noqa: BLE001 (reported below)
                errors[i] = e
        return run
    threads = [threading.Thread(target=wrap(i, t), daemon=True) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "deadlock: a thread did not finish"
    return errors


# --- compiled functions calling each other from two threads ------------------------------
def _crossing_pair(compile_args, fallback):
    """f calls g and g calls f, each first waiting (briefly) until the other thread is
    inside its outer function: thread 1 runs f -> g while thread 2 runs g -> f. With
    `fallback`, each reads a value (so every call runs eagerly with a warning)."""
    inside = {"f": threading.Event(), "g": threading.Event()}

    def f_body(x, depth):
        inside["f"].set()
        inside["g"].wait(2.0)
        y = x * 2.0
        if fallback:
            float(y.sum())
        return y + (g(y, depth - 1) if depth else 0.0)

    def g_body(x, depth):
        inside["g"].set()
        inside["f"].wait(2.0)
        y = x - 1.0
        if fallback:
            float(y.sum())
        return y * (f(y, depth - 1) if depth else 1.0)

    f = ag.compile(f_body, **compile_args) if compile_args is not None else f_body
    g = ag.compile(g_body, **compile_args) if compile_args is not None else g_body
    return f, g


@pytest.mark.parametrize("fallback, compile_args", [
    (False, {"warmup": 3}), (True, {"warmup": 0}), (False, {"warmup": 1, "check": 2})],
    ids=["eager-warmup", "eager-fallback", "check"])
def test_compiled_functions_calling_each_other_from_two_threads_do_not_deadlock(
        fallback, compile_args):
    """Thread 1 in f calls g while thread 2 in g calls f: with a lock per compiled
    function held across an eager run, each waited for the other's lock forever.
    Results are eager's."""
    x = ag.tensor(np.linspace(-1, 1, 6, dtype=np.float32))
    f, g = _crossing_pair(None, fallback)
    want = {"f": f(x, 1).data.copy(), "g": g(x, 1).data.copy()}
    f, g = _crossing_pair(compile_args, fallback)
    got = {"f": [], "g": []}

    def run(name, fn):
        return lambda: got[name].extend(fn(x, 1).data.copy() for _ in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        errors = _run_threads(run("f", f), run("g", g))
    assert errors == [None, None], errors
    for name in got:
        assert len(got[name]) == 3
        for a in got[name]:
            np.testing.assert_array_equal(a, want[name])


def test_a_step_waiting_for_a_worker_that_calls_another_compiled_function():
    """While f is traced it hands work to another thread that calls compiled g and waits
    for it: g must not wait for the process's trace lock, which f's trace holds (it runs
    eagerly instead, and is traced on a later call)."""
    x = ag.tensor(np.linspace(-1, 1, 6, dtype=np.float32))

    @ag.compile(warmup=0)
    def g(v):
        return v * 3.0 + 1.0

    def f_body(v):
        box = []
        worker = threading.Thread(target=lambda: box.append(g(v).data.copy()), daemon=True)
        worker.start()
        worker.join(TIMEOUT)
        assert box, "the worker calling g did not finish"
        return v + ag.tensor(box[0])
    f = ag.compile(f_body, warmup=0)
    want = (x + (x * 3.0 + 1.0)).data
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        errors = _run_threads(lambda: results.extend(f(x).data.copy() for _ in range(3)))
    assert errors == [None], errors
    assert len(results) == 3
    for a in results:
        np.testing.assert_array_equal(a, want)


# --- arguments that share memory -------------------------------------------------------
def _run(body, make_args, compiled, steps=STEPS, **compile_args):
    """body(model, x, y) -> loss in a training step (SGD with momentum) called with the
    arguments make_args(array, step) gives; per step: the loss (or the error), the
    arguments' values after the call, the parameters."""
    ag.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = body(model, x, y)
        loss.backward()
        opt.step()
        return loss
    f = ag.compile(step, **compile_args) if compiled else step
    rng = np.random.default_rng(1)
    hist = []
    for i in range(steps):
        x, y = make_args(rng.standard_normal((8, 4)).astype(np.float32), i, model)
        try:
            got = _bits(f(x, y).data)
        except Exception as e:                          # noqa: BLE001 (compared below)
            got = (type(e), _normalised(str(e)))
        hist.append((got, _bits(np.asarray(x.data)), _bits(np.asarray(y.data)),
                     [_bits(p.data) for p in model.parameters()]))
    return hist, f


def _twin(body, make_args, warns=None, **compile_args):
    """The eager and the compiled step, bit for bit at every step; returns the compiled
    step. With `warns`, the compiled step must warn that (and run eagerly)."""
    eager, _ = _run(body, make_args, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled, f = _run(body, make_args, True, **compile_args)
    said = [str(w.message) for w in caught]
    if warns is None:
        assert not said, said
    else:
        assert any(warns in m for m in said), said
    for i, (e, c) in enumerate(zip(eager, compiled)):
        assert e == c, f"step {i}: {e[0]} != {c[0]}"
    return f


def _raises_under_strict(body, make_args, message):
    hist, _ = _run(body, make_args, True, strict=True)
    assert hist[0][0][0] is not Escape                  # the warm-up call: eager
    assert all(h[0][0] is Escape and message in h[0][1] for h in hist[1:]), hist[1][0]


def _write_x_read_y(model, x, y):
    x.mul_(2.0)                           # eager: y sees it where they share memory
    x.add_(1.0)
    h = model(y)
    return (h * h).mean() + (y * y).sum() * 0.01


def _write_after_save(model, x, y):
    h = model(x)                          # saves x (for the weight's gradient)
    y.sub_(0.5)                           # where x and y share an owner, x's version moves
    return (h * h).mean() + (model(y) ** 2).mean()


_SHARING = {
    "same-tensor": lambda a, i, m: (lambda t: (t, t))(ag.tensor(a)),
    "same-array": lambda a, i, m: (ag.from_numpy(a), ag.from_numpy(a)),
    "equal-views": lambda a, i, m: (lambda t: (t[:], t[:]))(ag.tensor(a)),
    "overlapping": lambda a, i, m: (lambda t: (t[0:6], t[2:8]))(ag.tensor(a)),
    "transposed": lambda a, i, m: (lambda t: (t, t.T))(ag.tensor(a[:4])),
    "reversed": lambda a, i, m: (lambda t: (t[::-1], t))(ag.tensor(a)),
    "disjoint": lambda a, i, m: (lambda t: (t[0:4], t[4:8]))(ag.tensor(a)),
    "columns": lambda a, i, m: (lambda t: (t[:, ::2], t[:, 1::2]))(
        ag.tensor(np.concatenate([a, a], 1))),
    "own": lambda a, i, m: (ag.tensor(a), ag.tensor(a.copy())),
}


@pytest.mark.parametrize("sharing", list(_SHARING))
def test_arguments_sharing_memory_see_each_others_writes(sharing):
    """step(x, y) writes into x and reads y: where they share memory (the same tensor,
    one array, overlapping or transposed views) the replay sees the write through y as
    eager does, and the caller's arrays end as eager's."""
    f = _twin(_write_x_read_y, _SHARING[sharing])
    assert f.replays >= STEPS - 2


@pytest.mark.parametrize("sharing", ["disjoint", "columns", "own"])
def test_a_write_into_an_argument_moves_the_version_of_its_owner(sharing):
    """x and y are views of one array that do not overlap: eager keys in-place versions
    by the owner, so a write into y after the step saved x raises at backward; the
    compiled step raises the same error (and with separate arrays, neither does)."""
    f = _twin(_write_after_save, _SHARING[sharing])
    eager, _ = _run(_write_after_save, _SHARING[sharing], False)
    raised = [h[0][0] is GraphError for h in eager]
    assert all(raised) if sharing != "own" else not any(raised)
    if sharing == "own":
        assert f.replays >= STEPS - 2


def test_the_sharing_pattern_chooses_the_program():
    """Calls that alternate between one tensor passed twice and two tensors: two
    programs, each replayed, each eager's."""
    def make(a, i, m):
        return _SHARING["same-tensor" if i % 2 else "own"](a, i, m)
    f = _twin(_write_x_read_y, make, steps=10)
    assert f.traces == 2 and f.replays >= 6


@pytest.mark.parametrize("what", ["weight", "bias-view", "grad"])
def test_an_argument_sharing_memory_with_a_parameter_runs_eagerly(what):
    """step(x, w) with w on a parameter's (or its gradient's) memory: the step updates
    the parameter, which eager sees through w; the compiled step runs eagerly with a
    warning, as eager, and raises under strict."""
    def make(a, i, m):
        if what == "weight":
            return ag.tensor(a), m.weight.detach()
        if what == "bias-view":
            return ag.tensor(a), m.bias.detach()[None, :]
        if m.weight.grad is None:
            return ag.tensor(a), ag.zeros(3, 4)
        return ag.tensor(a), m.weight.grad

    def body(model, x, w):
        loss = (model(x) ** 2).mean()
        return loss + (w * w).sum() * 0.01
    f = _twin(body, make, warns="shares memory with a parameter")
    assert f.replays <= 1
    _raises_under_strict(body, make, "shares memory with a parameter")


def test_views_far_apart_in_one_array_run_eagerly():
    big = np.zeros(1 << 20, np.float32)

    def make(a, i, m):
        big[:32] = a.ravel()
        big[-32:] = a.ravel()
        t = ag.from_numpy(big)
        return t[:32].reshape(8, 4), t[-32:].reshape(8, 4)
    f = _twin(_write_x_read_y, make, warns="views far apart")
    assert f.replays == 0
    _raises_under_strict(_write_x_read_y, make, "views far apart")


# --- plain numpy arrays of a tensor's memory made inside the step --------------------------
def _asarray_written(model, x, y):
    h = model(x)
    a = np.asarray(h.data)                # a plain alias: its write is not traced
    a *= 2.0
    return (h * h).mean()


def _asarray_of_input_written(model, x, y):
    a = np.asarray(x)                     # the tensor itself (Tensor.__array__)
    a -= 1.0
    return (model(x) ** 2).mean()


def _array_read(model, x, y):
    s = float(np.array(x.data).std())     # a copy: its value would be a constant
    return (model(x * s) ** 2).mean()


def _asarray_read_into_a_tensor(model, x, y):
    h = model(x)
    extra = ag.tensor(np.asarray(h.detach()) * 2.0)
    return (h * h).mean() + extra.sum()


def _numpy_written(model, x, y):
    h = model(x)
    a = h.detach().numpy()                # the traced array itself: its write is traced
    a *= 2.0
    return (h * h).mean()


@pytest.mark.parametrize("body, call", [
    (_asarray_written, "np.asarray()"), (_asarray_of_input_written, "np.asarray()"),
    (_array_read, "np.array()"), (_asarray_read_into_a_tensor, "np.asarray()")],
    ids=["asarray-written", "asarray-of-the-input-written", "array-read",
         "asarray-into-a-tensor"])
def test_a_numpy_array_of_a_tensor_made_in_the_step_falls_back(body, call):
    """np.asarray(t.data) / np.asarray(t) / np.array(t.data) inside the step give a
    plain ndarray numpy calls no hook for: its reads were constants of the program and
    its writes were not replayed (silently wrong from the first replay). The step runs
    eagerly with a warning naming the call and the line; strict raises."""
    f = _twin(body, _SHARING["own"], warns=f"{call} of a tensor's memory (at "
              "test_compile_aliasing.py:")
    assert f.replays == 0
    _raises_under_strict(body, _SHARING["own"], f"{call} of a tensor's memory")


def test_the_traced_array_written_through_numpy_calls_replays():
    """t.detach().numpy() is the traced array itself: numpy calls on it are recorded."""
    f = _twin(_numpy_written, _SHARING["own"])
    assert f.replays >= STEPS - 2


def test_a_write_through_a_view_while_a_plain_alias_lives_replays_as_eager():
    """A write through a view of the graph while a plain numpy alias of its buffer lives:
    eager keeps it in the graph (the view's tensor takes a CopySlices node; the alias
    sees the write, as a PyTorch tensor's .numpy() does); the compiled step runs eagerly
    (the alias is not traced) with a warning, and is its twin."""
    def body(model, x, y):
        h = model(x) * 1.0
        a = np.asarray(h.data)            # noqa: F841 (alive until the write below)
        v = h[:, :2]
        del h
        v.mul_(2.0)
        return (v * v).mean()
    eager, _ = _run(body, _SHARING["own"], False)
    assert not any(isinstance(h[0][0], type) for h in eager)     # no step raised
    _twin(body, _SHARING["own"], warns="np.asarray() of a tensor's memory")
