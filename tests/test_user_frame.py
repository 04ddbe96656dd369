"""Error messages and creation lines name the user's line, found by gradgraph's real
package directories: a user's folder called nn/, viz/ or autograd/ is user code
(issue 11, item 18)."""
import importlib.util
import os
import sys

import pytest

import autograd as ag
import nn
from autograd.errors import ShapeError

USER_CODE = '''\
import autograd as ag
import nn


def bad_matmul():
    return ag.ones(2, 3) @ ag.ones(4, 5)


def bad_layer():
    return nn.Linear(3, 2)(ag.ones(4, 5))


def record():
    with ag.record_creation_lines():
        return ag.ones(2, requires_grad=True) * 3.0
'''


def load_user_module(folder, name):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.py")
    with open(path, "w") as f:
        f.write(USER_CODE)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("parts", [("nn",), ("viz",), ("autograd",), ("src", "nn", "viz"),
                                   ("plain",)], ids="/".join)
def test_user_code_in_a_folder_named_like_a_package_is_named(tmp_path, parts):
    name = f"user_{'_'.join(parts)}"
    user = load_user_module(os.path.join(tmp_path, *parts), name)
    with pytest.raises(ShapeError, match=rf"\(at {name}\.py:6\)$"):
        user.bad_matmul()
    with pytest.raises(ShapeError, match=rf"\(at {name}\.py:10\)$"):   # through nn.Linear
        user.bad_layer()
    assert user.record().grad_fn.meta["line"] == f"{name}.py:15"


def test_gradgraph_frames_are_skipped_and_the_test_line_is_named():
    with pytest.raises(ShapeError, match=r"\(at test_user_frame\.py:\d+\)$"):
        nn.Linear(3, 2)(ag.ones(4, 5))


def test_own_packages_are_recognised_by_their_real_paths():
    from autograd import errors
    for package in (ag, nn, sys.modules["viz"] if "viz" in sys.modules else None):
        if package is None:
            continue
        path = os.path.realpath(package.__file__)
        assert path.startswith(errors._OWN_DIRS)
    assert not os.path.realpath(__file__).startswith(errors._OWN_DIRS)
