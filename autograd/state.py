"""The engine's switches, one set per thread.

Every switch the engine reads while it records ops or runs backward lives in one
``EngineState`` object per thread: grad mode, inference mode, anomaly mode, creation-line
recording, overridden backward rules, the module scope, the gradient-statistics hook,
the gradient the engine has handed a backward rule as its only holder, and ag.compile's
recorder while a step is traced. So ``no_grad()`` in one thread, or a
``backward()`` running in it, changes nothing in another thread, as in PyTorch.

Other packages use the functions below (nn sets the scope, viz the statistics hook);
the hot paths read the object's attributes directly: ``s = current(); s.grad_enabled``.

What is *not* here, on purpose: facts about data shared by all threads (the in-place
write epochs of buffers and the views of them, in ``graph``), the default dtype and the
default random generator (process-wide, as in PyTorch).

Implementation: a ``ContextVar`` holding a mutable object that is made on the thread's
first use. Each thread starts with an empty context, so each gets its own object; (an
interpreter run with ``-X thread_inherit_context=1`` would make new threads share their
starter's switches). Measured with callgrind: reading three switches through
``ContextVar.get`` costs ~350 instructions more than three module globals, through a
``threading.local`` ~1,800 more.
"""
import contextvars


class EngineState:
    """One thread's switches. Read them from hot paths; change them through the
    functions of this module or the context managers built on them (``no_grad``,
    ``detect_anomaly``, ``viz.record_gradient_flow``, ``Module.__call__``)."""

    __slots__ = ("grad_enabled", "inference", "inference_grad", "anomaly", "lines",
                 "backward_rules", "debug", "scope", "scope_token", "stats_hook", "donated",
                 "recorder")

    def __init__(self):
        self.grad_enabled = True    # record ops (no_grad / enable_grad / set_grad_enabled)
        self.inference = False      # inside inference_mode()
        self.inference_grad = False # grad mode set inside inference_mode (records nothing)
        self.anomaly = False        # detect_anomaly(): check values for NaN/Inf
        self.lines = False          # record_creation_lines(): nodes keep their user line
        self.backward_rules = None  # override_backward(): {op class: rule} or None
        self.debug = False          # any of the three above: the slow recording path
        self.scope = None           # qualified name of the module whose forward runs
        self.scope_token = -1       # nn's naming pass of the running root module
        self.stats_hook = None      # callable(node, grad) run by backward on every node
        self.donated = None         # gradient handed to a backward rule as its only holder
        self.recorder = None        # ag.compile's Recorder while a step is traced here


_var = contextvars.ContextVar("gradgraph_engine_state", default=None)

# This thread's EngineState, or None before its first use. Hot paths read
# `peek() or current()`: one C call in the usual case.
peek = _var.get


def current():
    """This thread's EngineState (made on the thread's first use)."""
    s = peek()
    if s is None:
        s = EngineState()
        _var.set(s)
    return s


def reset():
    """Put this thread's switches back to their defaults (grad mode on, the rest off)."""
    s = current()
    for name in EngineState.__slots__:
        setattr(s, name, getattr(_DEFAULTS, name))


_DEFAULTS = EngineState()


def is_grad_enabled():
    """True if grad mode is on in this thread: ops record a graph, unless in inference
    mode (``grad_enabled`` is what the hot paths read: whether ops record)."""
    s = current()
    return s.inference_grad if s.inference else s.grad_enabled


def set_grad_mode(mode):
    """Switch grad mode on or off in this thread; returns the previous mode. Inside
    inference mode it is only reported: nothing records there whatever it says (as
    PyTorch's enable_grad inside inference_mode)."""
    s = current()
    if s.inference:
        prev, s.inference_grad = s.inference_grad, bool(mode)
    else:
        prev, s.grad_enabled = s.grad_enabled, bool(mode)
    return prev


def is_inference_mode_enabled():
    return current().inference


def set_inference_mode(mode):
    """Enter (True) or leave (False) inference mode in this thread: as in PyTorch,
    inference mode means grad mode off, and leaving it means grad mode on. Returns the
    previous modes for ``restore_inference_mode``."""
    s = current()
    prev = (s.grad_enabled, s.inference, s.inference_grad)
    s.inference = bool(mode)
    s.grad_enabled = not mode
    s.inference_grad = False
    return prev


def restore_inference_mode(prev):
    s = current()
    s.grad_enabled, s.inference, s.inference_grad = prev


def is_anomaly_enabled():
    return current().anomaly


def set_debug(anomaly=None, lines=None):
    """Switch anomaly checks and/or creation-line recording in this thread; returns the
    previous (anomaly, lines) pair, which ``set_debug(*prev)`` restores."""
    s = current()
    prev = (s.anomaly, s.lines)
    if anomaly is not None:
        s.anomaly = bool(anomaly)
    if lines is not None:
        s.lines = bool(lines)
    s.debug = bool(s.anomaly or s.lines or s.backward_rules)
    return prev


def set_backward_rules(rules):
    """Make ops recorded in this thread use `rules` ({op class: rule}, or None for none)
    as their backward rules (see ``override_backward``); returns the previous table."""
    s = current()
    prev, s.backward_rules = s.backward_rules, (dict(rules) if rules else None)
    s.debug = bool(s.anomaly or s.lines or s.backward_rules)
    return prev


def recorder():
    """The ag.compile Recorder tracing a step in this thread (autograd/jit), or None."""
    s = peek()
    return None if s is None else s.recorder


def any_or_tracing(mask):
    """``mask.any()`` for a branch that only skips work where no element needs it (a
    where whose mask would be all False: the same values either way); True while a step
    is traced, so that its program takes the general path, right for every call, rather
    than a guard that fails once the data change (and then runs the step eagerly)."""
    s = peek()
    return True if s is not None and s.recorder is not None else bool(mask.any())


def set_recorder(rec):
    """Start (a Recorder) or stop (None) tracing in this thread; returns the previous."""
    s = current()
    prev, s.recorder = s.recorder, rec
    return prev


def get_scope():
    """The qualified name of the module whose forward is running here, or None."""
    return current().scope


def stats_hook():
    """The callable that backward runs on every node's gradient in this thread, or None."""
    return current().stats_hook


def set_stats_hook(fn):
    """Set (or clear, with None) the gradient-statistics hook; returns the previous one."""
    s = current()
    prev, s.stats_hook = s.stats_hook, fn
    return prev
