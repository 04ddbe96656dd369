"""ag.compile where eager semantics hang on memory or on threads: arguments that share
memory with each other or with the step's own state (a write through one is seen
through the other, as in eager), and compiled functions that call each other from
several threads (no call waits for a lock while another holds one of its own: no
deadlock). Each threaded test runs its threads as daemons joined with a timeout, so a
hang fails the test instead of the suite."""
import threading
import warnings

import numpy as np
import pytest

import autograd as ag

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
