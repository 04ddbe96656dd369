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
        graph.push_backward_rules(self.rules)
        return self

    def __exit__(self, *exc):
        graph.pop_backward_rules()

    def _args(self):
        return (self.rules,)
