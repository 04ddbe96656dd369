"""``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``detect_anomaly``: each a
context manager and a decorator, as in PyTorch."""
import functools

from . import graph


class _Mode:
    """Base: subclasses set `_enter()` / `_exit()`; instances also decorate functions."""

    def __new__(cls, *args):
        self = super().__new__(cls)
        if len(args) == 1 and callable(args[0]) and cls is not set_grad_enabled:
            return self(args[0])         # used as @no_grad, without parentheses
        return self

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()


class no_grad(_Mode):
    """Record nothing: ops cost only the numpy call and a wrapper."""

    def __enter__(self):
        self.prev = graph._set_grad_enabled(False)

    def __exit__(self, *exc):
        graph._set_grad_enabled(self.prev)


class enable_grad(_Mode):
    def __enter__(self):
        self.prev = graph._set_grad_enabled(True)

    def __exit__(self, *exc):
        graph._set_grad_enabled(self.prev)


class set_grad_enabled(_Mode):
    """Switch recording on or off; works as a plain call, a context manager or decorator."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = graph._set_grad_enabled(self.mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        graph._set_grad_enabled(self.prev)

    def _args(self):
        graph._set_grad_enabled(self.prev)      # decorating must not change the mode now
        return (self.mode,)


class inference_mode(no_grad):
    pass


def is_anomaly_enabled():
    return graph._anomaly


def set_detect_anomaly(mode):
    graph.set_debug(anomaly=mode)


class detect_anomaly(_Mode):
    """Raise at the first op whose forward or backward produces NaN or Inf, naming the op,
    its inputs' statistics and the line of user code that created it. Slows every op
    (a NaN check and a stack walk): use it to find a bug, not to train."""

    def __enter__(self):
        self.prev = graph.set_debug(anomaly=True)

    def __exit__(self, *exc):
        graph.set_debug(*self.prev)


class record_creation_lines(_Mode):
    """Make every recorded op keep the 'file.py:LINE' of the user code that created it,
    so that backward-time errors (in-place modification, released graph) can name it.
    Off by default: the stack walk costs about a microsecond per op."""

    def __enter__(self):
        self.prev = graph.set_debug(lines=True)

    def __exit__(self, *exc):
        graph.set_debug(*self.prev)
