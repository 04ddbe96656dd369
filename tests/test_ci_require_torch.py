"""GRADGRAPH_REQUIRE_TORCH=1 (set by .ci/run) turns a torch or captum parity test that
would skip (the package cannot be imported) into a failure; without it the test skips."""
import ast
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = '''
import pytest

def test_parity():
    pytest.importorskip("torch_missing_probe")

def test_plain():
    pytest.skip("some other reason")
'''


def run(tmp_path, require):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "GRADGRAPH_REQUIRE_TORCH"}
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    if require:
        env["GRADGRAPH_REQUIRE_TORCH"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider",
                           "test_probe.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout


def test_a_skipped_torch_test_fails_when_torch_is_required(tmp_path):
    code, out = run(tmp_path, require=True)
    assert code == 1, out
    assert "a torch parity test was skipped" in out and "1 failed, 1 skipped" in out


def test_it_skips_without_the_variable(tmp_path):
    code, out = run(tmp_path, require=False)
    assert code == 0 and "2 skipped" in out, out


def test_no_test_module_imports_torch_or_captum_unconditionally():
    """The README's `pip install -e '.[test]' && python -m pytest` has no torch or captum:
    a test module that imports either at its top level stops the whole run at collection
    (test_inplace_methods.py and test_zero_dim.py did). Use pytest.importorskip."""
    offenders = []
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(HERE, name)) as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                       [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m.split(".")[0] in ("torch", "captum") for m in modules):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []
