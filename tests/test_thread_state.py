"""The engine's switches are per thread (autograd/state.py): grad mode, inference and
anomaly mode, module scope, gradient-statistics recording. Threads are made to overlap
with events (deterministic), and the training test forces frequent thread switches."""
import sys
import threading

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import viz
from autograd import state


def run_threads(*fns, timeout=60):
    """Run each fn in its own thread; re-raise the first exception; return results."""
    results, errors = [None] * len(fns), []

    def target(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:       # noqa: BLE001  (re-raised in the main thread)
            errors.append(e)
    threads = [threading.Thread(target=target, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "thread hung"
    if errors:
        raise errors[0]
    return results


def make_problem(seed, width):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 6))
    y = rng.integers(0, 3, 32)
    model = nn.Sequential(nn.Linear(6, width), nn.Tanh(), nn.Linear(width, 3)).double()
    with ag.no_grad():
        for p in model.parameters():
            p.copy_(ag.tensor(rng.standard_normal(p.shape) * 0.3))
    return model, ag.tensor(x), ag.tensor(y)


def train(problem, steps=25, use_no_grad_eval=True):
    """Adam steps with an evaluation under no_grad after each: returns the losses and
    the final parameters as arrays."""
    model, x, y = problem
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if use_no_grad_eval:
            with ag.no_grad():
                losses.append(F.cross_entropy(model(x), y).item())
    return losses, [p.data.copy() for p in model.parameters()]


def test_two_threads_training_give_the_sequential_numbers_bit_for_bit():
    sequential = [train(make_problem(1, 8)), train(make_problem(2, 5))]
    problems = [make_problem(1, 8), make_problem(2, 5)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)          # switch threads as often as CPython allows
    try:
        threaded = run_threads(lambda: train(problems[0]), lambda: train(problems[1]))
    finally:
        sys.setswitchinterval(old)
    for (l1, p1), (l2, p2) in zip(sequential, threaded):
        assert l1 == l2
        for a, b in zip(p1, p2):
            assert np.array_equal(a, b)


def test_no_grad_in_one_thread_leaves_another_recording():
    entered, checked = threading.Event(), threading.Event()
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def quiet():
        with ag.no_grad():
            entered.set()
            assert checked.wait(10)
            return ag.is_grad_enabled(), (w * 2).requires_grad

    def busy():
        assert entered.wait(10)
        try:
            return ag.is_grad_enabled(), (w * 2).requires_grad
        finally:
            checked.set()
    assert run_threads(quiet, busy) == [(False, False), (True, True)]


def test_backward_in_one_thread_does_not_stop_recording_in_another():
    """backward() runs its rules with recording off: in its own thread only. A hook
    holds one thread's backward open while the other builds and differentiates a graph."""
    inside, done = threading.Event(), threading.Event()
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([0.5, -1.0], requires_grad=True)

    def hook(g):
        inside.set()
        assert done.wait(10)
        assert not ag.is_grad_enabled()          # this thread's backward: recording off

    def slow_backward():
        y = (a * a).sum()
        a.register_hook(hook)
        y.backward()
        return a.grad.data.tolist()

    def other():
        assert inside.wait(10)
        try:
            (gb,) = ag.grad((b ** 3).sum(), b, create_graph=True)   # needs recording
            (hb,) = ag.grad(gb.sum(), b)
            return gb.data.tolist(), hb.data.tolist()
        finally:
            done.set()
    ga, (gb, hb) = run_threads(slow_backward, other)
    assert ga == [2.0, 4.0, 6.0]
    assert gb == [0.75, 3.0] and hb == [3.0, -6.0]


def test_a_new_thread_starts_with_default_switches():
    with ag.no_grad(), ag.detect_anomaly(), viz.record_gradient_flow():
        seen = run_threads(lambda: (ag.is_grad_enabled(), ag.is_anomaly_enabled(),
                                    viz.is_recording(), state.get_scope()))
        assert not ag.is_grad_enabled() and ag.is_anomaly_enabled() and viz.is_recording()
    assert seen == [(True, False, False, None)]


def test_anomaly_and_inference_mode_are_per_thread():
    entered, checked = threading.Event(), threading.Event()
    x = ag.tensor([0.0, 1.0], requires_grad=True)

    def strict():
        with ag.detect_anomaly(), ag.inference_mode():
            entered.set()
            assert checked.wait(10)
            return ag.is_anomaly_enabled(), ag.is_inference_mode_enabled()

    def lenient():
        assert entered.wait(10)
        try:
            y = ag.log(x)                        # -inf: fine without anomaly mode
            return ag.is_anomaly_enabled(), ag.is_inference_mode_enabled(), y.requires_grad
        finally:
            checked.set()
    assert run_threads(strict, lenient) == [(True, True), (False, False, True)]


def test_module_scope_is_per_thread():
    """A module's forward held open in one thread: ops of another thread, outside any
    module, get no scope, and its own modules get its own root's names."""
    inside, done = threading.Event(), threading.Event()
    held = nn.Sequential(nn.Linear(2, 2), nn.Tanh())

    def block(module, args, out):
        inside.set()
        assert done.wait(10)
    held[1].register_forward_hook(block)
    other = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    x = ag.tensor([[1.0, -1.0]])

    def holder():
        return held(x).grad_fn.scope

    def outsider():
        assert inside.wait(10)
        try:
            loose = (x * ag.tensor(2.0, requires_grad=True)).grad_fn.scope
            out = other(x)
            return loose, out.grad_fn.scope, state.get_scope()
        finally:
            done.set()
    assert run_threads(holder, outsider) == ["1", (None, "1.1", None)]


def test_gradient_statistics_are_recorded_in_the_recording_thread_only():
    inside, done = threading.Event(), threading.Event()
    w = ag.tensor([1.0, -2.0], requires_grad=True)

    def recording():
        with viz.record_gradient_flow():
            inside.set()
            assert done.wait(10)
            y = (w * 3.0).tanh().sum()
            y.backward()
            return getattr(y.grad_fn, "grad_stats", None) is not None

    def plain():
        assert inside.wait(10)
        try:
            y = (w * 3.0).tanh().sum()
            y.backward()
            return viz.is_recording(), getattr(y.grad_fn, "grad_stats", None) is not None
        finally:
            done.set()
    assert run_threads(recording, plain) == [True, (False, False)]
