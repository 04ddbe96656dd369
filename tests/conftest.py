import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402

import autograd as ag  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Each test starts with float32 default, grad mode on, anomaly off."""
    yield
    ag.set_default_dtype("float32")
    ag.set_grad_enabled(True)
    ag.set_detect_anomaly(False)
    from autograd import graph
    graph.set_debug(False, False)
