"""gradgraph's pytest plugin, registered through the ``pytest11`` entry point when
gradgraph is installed: two fixtures and nothing else (no hooks, no options, no
markers), so tests that do not ask for them run exactly as before.

- ``check_grads``: ``autograd.testing.check_grads``.
- ``gradcheck``: ``gradcheck(f, *args, order=2, ...)`` runs check_grads on `f` at `args`;
  ``gradcheck.backward_matches(...)`` and ``gradcheck.close(...)`` are
  ``assert_backward_matches`` and ``assert_close``.

Failures are AssertionErrors whose message is the report; the helpers hide their own
frames (``__tracebackhide__``), so pytest points at the line of your test.
"""
import pytest


class GradCheck:
    """The ``gradcheck`` fixture's value.

    >>> import numpy as np
    >>> gradcheck = GradCheck()
    >>> gradcheck(lambda x: np.sum(np.exp(x) * x), np.array([0.5, -1.0]))
    >>> gradcheck.close(np.ones(2), [1.0, 1.0])
    """

    def __call__(self, f, *args, **kwargs):
        __tracebackhide__ = True
        from . import check_grads
        check_grads(f, args, **kwargs)

    def backward_matches(self, forward, backward, inputs, **kwargs):
        __tracebackhide__ = True
        from . import assert_backward_matches
        assert_backward_matches(forward, backward, inputs, **kwargs)

    def close(self, actual, expected, rtol=None, atol=None, msg=None):
        __tracebackhide__ = True
        from . import assert_close
        assert_close(actual, expected, rtol, atol, msg)


@pytest.fixture
def gradcheck():
    """Gradient checks: ``gradcheck(f, *args)``, ``gradcheck.backward_matches(...)``,
    ``gradcheck.close(...)`` (see autograd.testing)."""
    return GradCheck()


@pytest.fixture(name="check_grads")
def check_grads_fixture():
    """``autograd.testing.check_grads``."""
    from . import check_grads
    return check_grads
