"""ag.compile's per-call decisions (step.py, discover.State): one generated check per
program covers everything it assumes, a failed guard is handled the same way in checked
and plain replays."""
import pytest

import autograd as ag
from compile_twins import batch, check_twins
from test_compile_adversarial import basic
from test_compile_audit import _reads_lr, _reads_the_scheduler
from test_compile_fallbacks import _labels_alternating, _one_hot_guard


READ = "an optimizer's (param group, state, defaults) or scheduler's value the step reads changed"


def _traced(build):
    """The compiled step of build() after its warm-up and traced calls, its env and its
    program's entry."""
    ag.manual_seed(0)
    step, env = build()
    f = ag.compile(step)
    f(*batch(0))
    f(*batch(1))
    (entry,) = f.programs.values()
    return f, env, entry


def test_the_values_read_from_param_groups_are_in_the_generated_check():
    """A param group's value the step read is tested by State.stale() itself (one
    generated function), with the retrace reason the max_programs warning counts."""
    f, env, entry = _traced(_reads_lr(lambda o: None))
    assert entry.state.stale() is None
    env["opts"][0].param_groups[0]["lr"] = 0.25
    assert entry.state.stale().startswith(READ)
    env["opts"][0].param_groups[0]["lr"] = 0.5      # the traced value again: it holds
    assert entry.state.stale() is None
    del env["opts"][0].param_groups[0]["lr"]        # a key removed: stale, no KeyError
    assert entry.state.stale().startswith(READ)


def test_the_values_read_from_schedulers_are_in_the_generated_check():
    """get_last_lr() of StepLR(step_size=3) holds for two calls after the trace, then
    moves; last_epoch, read by a step that steps the scheduler, has moved already."""
    f, env, entry = _traced(_reads_the_scheduler("get_last_lr"))
    assert entry.state.stale() is None
    env["opts"][0].step()
    entry.watched[2][0].step()
    assert entry.state.stale().startswith(READ)
    f, env, entry = _traced(_reads_the_scheduler("last_epoch"))
    assert entry.state.stale().startswith(READ)


def test_a_guard_failing_in_checked_calls_is_handled_as_in_replays():
    """check=k: a guard that fails on every checked call drops the program and, failing
    again, ends in eager with the 'changes from step to step' warning, as in replays
    (it ran eagerly on every call, silently retrying the same program)."""
    f = check_twins(basic(loss_fn=_one_hot_guard), calls=8, check=8,
                    args=lambda i, env: _labels_alternating(i),
                    warns=r"read at functional\.py:\d+ changes from step to step")
    assert f.traces == 2 and f.replays == 0
