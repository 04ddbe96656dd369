import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402

import autograd as ag  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Each test starts with float32 default and fresh engine switches (grad mode on,
    anomaly and line recording off, no scope or statistics hook)."""
    yield
    ag.set_default_dtype("float32")
    from autograd import state
    state.reset()


# --- CI: torch parity tests must run -----------------------------------------------------
# With GRADGRAPH_REQUIRE_TORCH=1 (set by .ci/run, which installs PyTorch and Captum), a
# test skipped because torch or captum cannot be imported fails instead, so a broken
# install cannot turn the parity tests into silent skips. Without it (the README's test
# command on a machine without torch) they skip as usual.
REQUIRED = ("torch", "captum")


def _requires_torch():
    return os.environ.get("GRADGRAPH_REQUIRE_TORCH") == "1"


def _parity_skip(report):
    if not report.skipped:
        return None
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    return reason if any(f"import '{name}" in reason for name in REQUIRED) else None


def pytest_sessionstart(session):
    if _requires_torch():
        import importlib
        for name in REQUIRED:
            try:
                importlib.import_module(name)
            except Exception as e:       # noqa: BLE001  (any failure to import is fatal here)
                raise pytest.UsageError(f"GRADGRAPH_REQUIRE_TORCH=1 but {name} cannot be "
                                        f"imported: {e!r}") from None


def _fail_parity_skip(report, what):
    """Under GRADGRAPH_REQUIRE_TORCH=1, turn a torch parity `what` (test or module)
    skipped for want of torch into a failure."""
    reason = _parity_skip(report) if _requires_torch() else None
    if reason:
        report.outcome = "failed"
        report.longrepr = f"GRADGRAPH_REQUIRE_TORCH=1: a torch parity {what} was skipped: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_parity_skip(outcome.get_result(), "test")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_parity_skip(outcome.get_result(), "module")
