"""The pytest plugin (autograd.testing.pytest_plugin, a pytest11 entry point), through
pytester; every public function's docstring example (doctest); the examples."""
import doctest
import importlib
import importlib.metadata
import inspect
import os
import pathlib
import subprocess
import sys
import tomllib

import pytest

pytest_plugins = ["pytester"]
ROOT = pathlib.Path(__file__).resolve().parents[1]
PLUGIN = "autograd.testing.pytest_plugin"
# When gradgraph is installed its entry point loads the plugin as "gradgraph": block that
# name, so that both runs below are the same whether it is installed or not.
WITHOUT_PLUGIN = ("-p", "no:gradgraph", "-p", "no:cacheprovider")
WITH_PLUGIN = WITHOUT_PLUGIN + ("-p", PLUGIN)

USER_TESTS = """
import numpy as np

def test_fixture_check_grads(check_grads):
    check_grads(lambda x: np.tanh(x) * x, (np.linspace(-1, 1, 4),), order=2)

def test_fixture_gradcheck(gradcheck):
    gradcheck(lambda x, w: np.sum(np.exp(x @ w)), np.eye(2) * 0.3, np.ones((2, 3)))
    gradcheck.close(np.ones(2), [1.0, 1.0])
    gradcheck.backward_matches(lambda x: np.sum(x ** 2), lambda x: 2 * x,
                               {"x": np.array([1.0, -2.0])})

def test_wrong_backward(gradcheck):
    gradcheck.backward_matches(lambda x: np.sum(x ** 2), lambda x: -2 * x,
                               {"x": np.array([1.0, -2.0, 3.0])})
"""

UNRELATED = """
import pytest

def test_plain():
    assert [1, 2] == [1, 2]

def test_fails():
    assert {"a": 1} == {"a": 2}

@pytest.fixture
def gradcheck():
    return "the user's own fixture of the same name"

def test_own_fixture_wins(gradcheck):
    assert gradcheck == "the user's own fixture of the same name"
"""


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_plugin_fixtures_and_report(pytester, env):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(*WITH_PLUGIN)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*def test_wrong_backward(gradcheck):",
        ">*gradcheck.backward_matches(*",                     # pytest points at the user's line
        "E*AssertionError: assert_backward_matches: 1 of 1 gradients differ*",
        "E*gradient 'x' (shape (3,), float64): 3 of 3 elements differ*",
        "E*diagnosis: off by a constant factor -1 (sign)",
    ])
    assert "pytest_plugin.py" not in result.stdout.str()       # its frames are hidden
    assert "backward.py:" not in result.stdout.str()


def test_plugin_changes_nothing_for_unrelated_tests(pytester, env):
    pytester.makepyfile(test_unrelated=UNRELATED)
    without = pytester.runpytest_subprocess(*WITHOUT_PLUGIN, "-rA")
    with_plugin = pytester.runpytest_subprocess(*WITH_PLUGIN, "-rA")
    for result in (without, with_plugin):
        result.assert_outcomes(passed=2, failed=1)
    lines = [l for l in with_plugin.stdout.lines if l.startswith(("E ", "PASSED", "FAILED"))]
    assert lines == [l for l in without.stdout.lines if l.startswith(("E ", "PASSED", "FAILED"))]
    assert any("{'a': 1} == {'a': 2}" in l for l in lines)       # pytest's own rewriting


def test_plugin_is_registered_as_a_pytest11_entry_point():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["pytest11"]["gradgraph"] == PLUGIN
    assert "autograd.testing" in meta["tool"]["setuptools"]["packages"]
    importlib.import_module(PLUGIN)


def test_installed_entry_point_loads_the_plugin(pytester, env):
    """Where gradgraph is installed (as CI does), its entry point gives every pytest run
    the fixtures, without -p."""
    eps = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "gradgraph"]
    if not eps:
        pytest.skip("gradgraph is not installed: running from a source tree")
    assert eps[0].load() is importlib.import_module(PLUGIN)
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2, failed=1)


# --- doctests: every public function has a runnable example ---------------------------
MODULES = ["autograd.testing.close", "autograd.testing.check_grads",
           "autograd.testing.backward", "autograd.testing.strategies",
           "autograd.testing.pytest_plugin", "autograd.numpy_dispatch"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0 and result.attempted > 0
    for fname in getattr(module, "__all__", None) or dir(module):
        obj = getattr(module, fname)
        if fname.startswith("_") or getattr(obj, "__module__", None) != name:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            if fname in ("gradcheck", "check_grads_fixture"):      # fixtures: used above
                continue
            assert ">>>" in (obj.__doc__ or ""), f"{name}.{fname} has no example"


# --- the examples ----------------------------------------------------------------------
def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def test_check_handwritten_backprop_example():
    proc = _run("examples/check_handwritten_backprop.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "off by a constant factor -1 (sign)" in out
    assert "a factor a is missing" in out
    assert "a factor a·(1−a) is missing" in out
    assert out.rstrip().endswith("passes: dL/dw and dL/db equal gradgraph's gradient of the "
                                 "numpy forward")
    assert _run("examples/check_handwritten_backprop.py", "--help").returncode == 0
    readme = (ROOT / "README.md").read_text()
    start = readme.index("AssertionError: assert_backward_matches: 2 of 2")
    shown = readme[start + len("AssertionError: "):readme.index("\n```", start)]
    assert shown in out                       # the README shows the real message


def test_my_layer_example_passes_under_pytest():
    proc = _run("-m", "pytest", "-p", "no:cacheprovider", "examples/test_my_layer.py")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 passed" in proc.stdout
