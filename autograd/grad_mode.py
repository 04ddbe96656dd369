"""``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode`` and
``detect_anomaly``: each a context manager and a decorator, as in PyTorch. They switch
this thread's engine state (``state.py``) only."""
import functools
import inspect
import sys

from . import state
from .state import is_anomaly_enabled, is_inference_mode_enabled  # noqa: F401  (public)


class _Mode:
    """Base: subclasses set `__enter__` / `__exit__`; instances also decorate functions
    (a generator function runs each of its steps inside the mode, as in PyTorch)."""

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        if (len(args) == 1 and not kwargs and callable(args[0])
                and cls is not set_grad_enabled):
            self.__init__()
            return self(args[0])         # used as @no_grad, without parentheses
        return self

    def __call__(self, fn):
        make = functools.partial(type(self), *self._args())
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(make, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make():
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()


def _wrap_generator(make, fn):
    """`fn` (a generator function) with every resumption of its body inside `make()`,
    while the caller's code between the steps runs in the caller's own mode."""
    @functools.wraps(fn)
    def generator(*args, **kwargs):
        with make():
            gen = fn(*args, **kwargs)
        try:
            with make():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make():
                        gen.close()
                    raise
                except BaseException:
                    with make():
                        response = gen.throw(*sys.exc_info())
                else:
                    with make():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value
    return generator


class no_grad(_Mode):
    """Record nothing in this thread: ops cost only the numpy call and a wrapper."""

    def __enter__(self):
        self.prev = state.set_grad_mode(False)

    def __exit__(self, *exc):
        state.set_grad_mode(self.prev)


class enable_grad(_Mode):
    def __enter__(self):
        self.prev = state.set_grad_mode(True)

    def __exit__(self, *exc):
        state.set_grad_mode(self.prev)


class set_grad_enabled(_Mode):
    """Switch recording on or off; works as a plain call, a context manager or decorator."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = state.set_grad_mode(self.mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.set_grad_mode(self.prev)

    def _args(self):
        state.set_grad_mode(self.prev)      # decorating must not change the mode now
        return (self.mode,)


class inference_mode(_Mode):
    """``inference_mode()`` (or ``inference_mode(True)``): record nothing, as
    ``no_grad``, and unlike it also not under an ``enable_grad`` inside (which only sets
    what ``is_grad_enabled()`` reports), as PyTorch. ``inference_mode(False)`` leaves
    inference mode: recording is on inside it, as in PyTorch (whose inference mode
    implies grad mode off, and its absence on)."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self.prev = state.set_inference_mode(self.mode)

    def __exit__(self, *exc):
        state.restore_inference_mode(self.prev)

    def _args(self):
        return (self.mode,)


def set_detect_anomaly(mode):
    state.set_debug(anomaly=mode)


class detect_anomaly(_Mode):
    """Raise at the first op whose forward or backward produces NaN or Inf, naming the op,
    its inputs' statistics and the line of user code that created it. Slows every op
    (a NaN check and a stack walk): use it to find a bug, not to train."""

    def __enter__(self):
        self.prev = state.set_debug(anomaly=True)

    def __exit__(self, *exc):
        state.set_debug(*self.prev)


class record_creation_lines(_Mode):
    """Make every recorded op keep the 'file.py:LINE' of the user code that created it,
    so that backward-time errors (in-place modification, released graph) can name it.
    Off by default: the stack walk costs about a microsecond per op."""

    def __enter__(self):
        self.prev = state.set_debug(lines=True)

    def __exit__(self, *exc):
        state.set_debug(*self.prev)


class override_backward(_Mode):
    """Replace the backward rule of some primitive ops, for the ops recorded inside the
    block on this thread (other threads are unaffected)::

        def rule(node, grad, inputs, output):   # -> one gradient (or None) per input
            ...
        with autograd.override_backward({autograd.ops.Relu: rule}):
            y = model(x)                         # Relu nodes recorded here use `rule`
        y.backward()                             # ... also when backward runs later

    Keys are op classes from ``autograd.ops`` / ``autograd.ops_nn`` (the exact class:
    overriding ``Amax`` does not override ``Amin``). `inputs` are the op's forward inputs
    (arrays, or the constants it was given) and `output` its output array. `grad` and the
    returned gradients are arrays in a first-order backward and Tensors under
    ``create_graph=True``, as for ``Node.backward`` (which the rule may call for the
    default gradient). A returned gradient may have the output's shape (broadcasting is
    undone by the engine); its shape and dtype are checked. Nested blocks add to the
    outer block's table. Recording inside the block takes the slower debug path (the
    forward arrays are kept), so use it for one computation, not for training. Used by
    ``viz.explain.DeepLift``."""

    def __init__(self, rules):
        self.rules = dict(rules)

    def __enter__(self):
        table = dict(state.current().backward_rules or {})
        table.update(self.rules)
        self.prev = state.set_backward_rules(table)
        return self

    def __exit__(self, *exc):
        state.set_backward_rules(self.prev)

    def _args(self):
        return (self.rules,)
