"""The errors gradgraph raises for bad input. Each names the op, shapes and dtypes.

All derive from ``GradgraphError``; each also derives from the builtin exception a
Python user would expect (``ValueError``, ``TypeError``, ``RuntimeError``), so
existing ``except`` clauses keep working. ``user_frame`` finds the user's line that
an error (or a node created with creation lines on) names.
"""
import os
import sys


def user_frame(frame=None):
    """'file.py:LINE' of the innermost caller outside gradgraph's own packages (of
    `frame` or its callers, if given)."""
    f = sys._getframe(1) if frame is None else frame
    while f is not None:
        name = f.f_code.co_filename
        if not own_file(name):
            return f"{os.path.basename(name)}:{f.f_lineno}"
        f = f.f_back
    return "?"


def own_file(name):
    """True if the code file `name` (a ``co_filename``) is gradgraph's own: under the
    real directories of its packages autograd, nn and viz."""
    own = _own_files.get(name)
    if own is None:
        own = _own_files[name] = os.path.realpath(name).startswith(_OWN_DIRS)
    return own


# gradgraph's own packages by their real directories (autograd and its siblings nn and
# viz), not by names in a path: a user's folder called nn/ holds user code.
_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_OWN_DIRS = tuple(os.path.join(_ROOT, package) + os.sep for package in ("autograd", "nn", "viz"))
_own_files = {}          # co_filename -> whether it is in _OWN_DIRS


class GradgraphError(Exception):
    """Base class of every error gradgraph raises on purpose.

    The message ends with the line of user code that made the failing call
    ("(at train.py:42)"), found by walking the stack past gradgraph's own frames."""

    def __init__(self, message="", *args):
        if isinstance(message, str) and "(at " not in message:
            message = f"{message} (at {user_frame()})"
        super().__init__(message, *args)


class ShapeError(GradgraphError, ValueError):
    """Shapes that do not fit the op (broadcasting, matmul, reshape, indexing...)."""


class DtypeError(GradgraphError, TypeError):
    """A dtype the op cannot take (e.g. requires_grad on an integer tensor)."""


class GraphError(GradgraphError, RuntimeError):
    """The graph is not in a state that allows the call (released, modified in place...)."""


class ArgumentError(GradgraphError, ValueError, TypeError):
    """An argument of the wrong kind or value (an empty list to cat, an unknown
    reduction, a negative learning rate...): both a ValueError and a TypeError."""


class OutOfRangeError(GradgraphError, IndexError):
    """An index or a dim outside a tensor's shape."""


class IntegerOverflowError(GradgraphError, OverflowError, ValueError):
    """A Python integer that does not fit the tensor's integer dtype (int64 by default):
    an OverflowError (what Python raises) and a ValueError (what PyTorch raises)."""


class AnomalyError(GradgraphError, FloatingPointError):
    """NaN or Inf met by an op while ``detect_anomaly()`` is on."""


class CheckpointError(GradgraphError, ValueError):
    """A checkpoint file that is corrupt, truncated, of another format or unsafe."""


def describe(*arrays):
    """'(3, 4) float32 and (5,) float64' for error messages."""
    return " and ".join(f"{tuple(getattr(a, 'shape', ()))} {getattr(a, 'dtype', type(a).__name__)}"
                        for a in arrays)


class NotDifferentiableError(GradgraphError, TypeError):
    """A numpy function gradgraph cannot differentiate, called on a tensor that requires
    grad: its result would silently lose the gradient, so it is refused (a TypeError, as
    numpy's own error for a function an array type does not implement)."""


class MissingDependencyError(GradgraphError, ImportError):
    """A function that needs an optional package that is not installed (SciPy for the
    special functions, safetensors, mpi4py, matplotlib for viz.explain's pictures); the
    message names the function and the extra to install."""
