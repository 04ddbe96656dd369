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
