"""``CompiledStep``: the programs of one compiled function, and when each runs."""
import functools
import inspect
import random
import sys
import threading
import warnings
from collections import OrderedDict

import numpy as np

from .. import versions
from ..graph import _wrap
from ..node import RAN
from ..state import current as _current, peek as _peek, set_grad_mode
from ..tensor import Tensor, get_default_dtype, set_default_dtype
from . import aliasing, arguments, carried, check as checking, kept, tracer, watch
from .discover import GRAD_SET, State, advanced, changed_value, discover, positions
from .patches import Patched
from .plan import _mentions
from . import program
from .program import Program, check_order
from .recorder import Recorder, _base
from .tracer import plain, traced


for _name, _what in (("item", ".item()"), ("tolist", ".tolist()"), ("__bool__", "bool(tensor)"),
                     ("__float__", "float(tensor)"), ("__int__", "int(tensor)"),
                     ("__index__", "int(tensor)"), ("__repr__", "printing a tensor"),
                     ("__format__", "printing a tensor")):
    tracer.CONVERSIONS[getattr(Tensor, _name).__code__] = _what


# One trace at a time in the process: a trace swaps numpy in gradgraph's modules and
# the default generator for everyone, and puts them back when it ends.
_TRACING = threading.RLock()
_NEW = "a new input signature"          # the cause of a signature's first trace


_REPLAYED, _TRACE, _CHECK, _EAGER = "replayed", "trace", "check", "eager"

# A value the step reads that changes on every call (a learning rate the step reads from
# its param group under an exponential schedule, a global counter) is retraced for this
# many calls in a row, then the step runs eagerly with a warning naming it.
RETRACES = 3


class _Entry:
    __slots__ = ("program", "state", "rebuild", "watched", "checks", "after", "before",
                 "lasting", "roots", "cause", "streak", "replayed", "variants", "number")


class CompiledStep:
    """A compiled step. One program per input signature (each tensor argument's shape and dtype,
    in tuples, lists and dicts too; the other arguments' values), and per pattern of the leaves'
    ``.grad`` None or not where the step accumulates into them (an optimizer step every k
    calls), at most `max_programs` traces in all, then eager with a warning that counts them by
    cause and names the arguments whose values or shapes differed (a packed batch's
    ``lengths``: a program per pattern, as torch.compile specialises on them). A program is retraced when a tensor's array is replaced (``p.data = ...``,
    ``load_state_dict``), a module switches train/eval mode, an optimizer's state or groups are
    replaced, a Python value the step reads changes, or one of its guards fails (that step runs
    eagerly). A value that changes on every call (more than RETRACES retraces in a row) or a
    guard that fails twice makes the step run eagerly, with a warning naming the value and the
    line that read it. A step that reads a value in Python (``.item()``, ``bool(t)``,
    ``.tolist()``, printing), uses a data-dependent shape (boolean masks, ``nonzero``), numpy's
    or Python's global random generator, or reseeds, runs eagerly with one warning naming the
    construct and line; under ``strict=True`` every fallback raises ``Escape`` with that reason
    instead.

    Python side effects of the step (printing, appending to lists) happen only while it
    is traced, as in JAX; a place the step rebinds (``self.h = h``) a replay rebinds too,
    and a Python number it advances on every call (a counter) makes it eager
    (carried.py). A step that returns a Python number (a learning
    rate, a count) or passes a tensor to a Python call a replay makes (a scheduler's
    ``step(loss)``) runs eagerly with a warning: a replay cannot recompute the number or
    hand the call this step's tensor; but ``return loss.item()`` (a value read and
    returned at once, nothing of the step after it) is read again from each replay. Returned tensors are fresh and detached;
    ``.grad`` arrays are the program's buffers, reused from step to step."""

    def __init__(self, fn, warmup, check, max_programs, strict):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.warmup, self.check, self.max_programs, self.strict = warmup, check, max_programs, strict
        self.programs = {}          # signature -> _Entry, or the reason it runs eagerly
        self.traces = 0
        self.calls = 0
        self.replays = 0
        self.warned = set()
        self.failed_guards = {}     # 'file:line' of a guard that failed -> self.traces then
        self.causes = {}            # why each trace was made -> how many (max_programs' warning)
        self.dropped = {}           # signature -> why its program was dropped (a guard failed)
        self.cause = {}             # signature -> why its latest trace was made
        self.streaks = {}           # signature -> retraces in a row for one changed value
        self.refused = {}           # signature -> (lasting, its owners, State): an argument
        #                             shared memory with the step's state (aliasing.touches)
        self.kept = {}              # signature -> the programs its next trace keeps as variants
        self.lock = threading.RLock()     # a program's buffers serve one replay at a time

    def __call__(self, *args, **kwargs):
        e = _peek() or _current()           # this thread's engine state, read once
        if e.recorder is not None:          # inside another compiled step's trace: part of it
            return self.fn(*args, **kwargs)
        # No call waits for a lock while its thread holds one across user code, so compiled
        # functions calling each other from several threads cannot deadlock: `self.lock`
        # is held only to choose and replay a program (numpy calls, no user code); eager
        # runs hold no lock; a trace holds the process's trace lock, which no call waits
        # for (while another thread traces, a call that would trace runs eagerly).
        # (acquire and release rather than `with`: 920 instructions rather than 2,040)
        lock = self.lock
        lock.acquire()
        try:
            what, value = self._replay(e, args, kwargs)
        finally:
            lock.release()
        if what is _REPLAYED:
            return value
        if what is _TRACE:
            if _TRACING.acquire(blocking=False):
                before = kept.counts()      # references the trace takes are not the user's
                prior = self.programs.get(value)
                try:
                    result = self._trace(value, args, kwargs)
                finally:
                    _TRACING.release()
                entry = self.programs.get(value)
                if type(entry) is _Entry and entry is not prior:
                    entry.program.handed()
                kept.shift(before)
                return result
            with self.lock:
                self._not_traced(value)
        elif what is _CHECK:
            return self._checked(*value, args, kwargs)
        return self.fn(*args, **kwargs)

    def _replay(self, e, args, kwargs):
        """(_REPLAYED, the result), (_TRACE, key), (_CHECK, (entry, replayed state,
        result)) or (_EAGER, None): what this call (in engine state `e`) does, after a
        replay if it is one."""
        self.calls += 1
        if self.calls <= self.warmup:
            return _EAGER, None
        key, arrays, owners = arguments.signature(args, kwargs, e)
        if key is None:
            self._eager(None, "an argument that is not hashable (a program is chosen by its "
                        "arguments: tensors by shape and dtype, anything else by value)")
            return _EAGER, None
        if not key[3]:
            self._eager(None, "inside override_backward() (its rules are Python a replay "
                        "would not run)")
            return _EAGER, None
        entry = self.programs.get(key)
        if entry is None:
            stale = self.dropped.pop(key, None)
        elif type(entry) is str:
            return _EAGER, None
        else:
            stale = entry.state.stale()
            if stale is not None and entry.variants:
                entry, stale = self._variant(key, entry, stale)
            if stale is None:
                return self._run(key, entry, args, kwargs, arrays, owners)
            if self._storm(key, entry, stale):
                return _EAGER, None
        refused = self.refused.get(key)
        if refused is not None:
            if refused[2].stale() is None:
                shared = aliasing.touches(arrays, refused[0])
                if shared is not None:
                    self._eager(None, shared)
                    return _EAGER, None
            del self.refused[key]
        if self.traces >= self.max_programs:
            self._eager(key, f"more than max_programs={self.max_programs} traces: "
                             f"{self._why_traced()}")
            return _EAGER, None
        self.traces += 1
        self.kept[key] = ([entry] + entry.variants if stale == GRAD_SET and entry is not None
                          else [])
        cause = self.cause[key] = stale or _NEW
        self.causes[cause] = self.causes.get(cause, 0) + 1
        return _TRACE, key

    def _variant(self, key, entry, stale):
        """Under the lock: `key`'s program is stale for reason `stale`. If one of its
        variants (programs of `key` traced for another pattern of leaves' ``.grad`` None or
        not: gradient accumulation, an optimizer step and ``zero_grad`` every k calls)
        holds now, it becomes `key`'s program: (it, None); else (entry, stale). A variant
        stale for another reason than that pattern is dropped."""
        variants = []
        for i, other in enumerate(entry.variants):
            now = other.state.stale()
            if now is None:
                self.programs[key] = other
                other.variants = ([entry] if stale == GRAD_SET else []) + variants \
                    + entry.variants[i + 1:]
                entry.variants = []
                return other, None
            if now == GRAD_SET:
                variants.append(other)
        entry.variants = variants
        return entry, stale

    def _run(self, key, entry, args, kwargs, arrays, owners):
        """Under the lock: the replay of `entry`, whose state holds, for `_replay`."""
        if not entry.lasting.isdisjoint(owners) or 0 in owners:
            shared = aliasing.touches(arrays, entry.lasting)
            if shared is not None:
                self._eager(None, shared)
                return _EAGER, None
        state = entry.state
        if state.read:                  # gradients the program reads at entry
            state.prepare()
        if entry.before is not None:
            entry.before()
        if entry.checks:
            entry.checks -= 1
            return self._checked_replay(key, entry, arrays)
        failed = entry.program.run(arrays)
        if failed is None:
            self.replays += 1
            entry.replayed = True
            if state.flips:
                state.settle()
            if entry.after is not None:
                entry.after(args, kwargs)
            return _REPLAYED, entry.rebuild()
        return self._guard_failed(key, entry, failed)

    def _guard_failed(self, key, entry, failed):
        """Under the lock: a guard of `key`'s program `entry` failed (the value read at
        `failed`). This step runs eagerly; the next call tries `entry`'s variants (other
        .grad patterns), else traces again, unless a program traced after that check
        failed before fails it too (a value that changes from step to step: eager for
        good)."""
        self.programs.pop(key, None)
        if entry.number > self.failed_guards.get(failed, entry.number):
            self._eager(key, f"the value read at {failed} changes from step to step")
        self.failed_guards[failed] = self.traces
        if entry.variants and key not in self.programs:
            first = self.programs[key] = entry.variants[0]
            first.variants = entry.variants[1:]
        else:
            self.dropped[key] = f"a guard failed (the value read at {failed})"
        return _EAGER, None

    def _storm(self, key, entry, stale):
        """Under the lock: `key`'s program is stale for reason `stale`. True (eager for
        good, with a warning naming the value) if a value the step reads has changed on
        more than RETRACES calls in a row, each retraced and never replayed."""
        what = changed_value(stale)
        if what is None:
            return False
        n = self.streaks[key] = (entry.streak + 1 if entry.cause == stale and not entry.replayed
                                 else 1)
        if n <= RETRACES:
            return False
        self._eager(key, f"{what} changed on every call ({n} in a row): a program takes it as "
                         f"a constant; pass it to the step as a tensor argument "
                         f"(ag.tensor(value)) instead")
        return True

    def _not_traced(self, key):
        """Under the lock: the trace of `key` just counted is not kept (it did not run, or
        made optimizer state); the next call's trace counts instead, for the same cause."""
        self.traces -= 1
        cause = self.dropped[key] = self.cause[key]
        self.causes[cause] -= 1

    def _why_traced(self):
        """How the programs so far came about: 'N programs: k input signatures, r
        retraces (i after <cause>; ...)', for the max_programs warning."""
        new = self.causes.get(_NEW, 0)
        again = sorted(((n, c) for c, n in self.causes.items() if c is not _NEW and n),
                       key=lambda nc: -nc[0])
        text = f"{self.traces} programs: {new} input signature{'s' * (new != 1)}"
        if again:
            r = sum(n for n, _ in again)
            text += (f", {r} retrace{'s' * (r != 1)} ("
                     + "; ".join(f"{n} after {c}" for n, c in again) + ")")
        return text + self._varying()

    def _varying(self):
        """' (the argument 'lengths' took 8 values: ...)' for the arguments whose key
        parts (a value, a tensor's shape) differ between the input signatures traced,
        for the max_programs warning; '' if none does."""
        keys = [k for k in self.cause if type(k) is tuple]
        if len(keys) < 2 or any(len(k) != len(keys[0]) for k in keys):
            return ""
        try:
            params = [p.name for p in inspect.signature(self.fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            params = []
        said = []
        for i in range(5, len(keys[0])):        # (0-4: the engine's modes, default dtype)
            values = len({k[i] for k in keys})
            if values > 1:
                j = i - 5
                name = repr(params[j]) if j < len(params) else str(j + 1)
                said.append(f"the argument {name} took {values} values")
        if not said:
            return ""
        return (f" ({', '.join(said)}: a program is made for each value of an argument "
                f"that is not a tensor and each shape of a tensor; bucket them to a few, or "
                f"raise max_programs)")

    def _checked_replay(self, key, entry, arrays):
        """check=k, under the lock: the replay, its state, and the state before it put
        back (the eager step runs after, outside the lock: _checked). A failed guard is
        handled as in a replay (guards run before the program writes anything)."""
        before = checking.snapshot(*entry.watched)
        failed = entry.program.run(arrays)
        if failed is not None:
            return self._guard_failed(key, entry, failed)
        self.replays += 1
        entry.replayed = True
        result = entry.rebuild()
        replayed = checking.snapshot(*entry.watched)
        replayed["returned"] = _flatten(result)[1]
        checking.restore(before, *entry.watched)
        return _CHECK, (entry, replayed, result)

    def _checked(self, entry, replayed, result, args, kwargs):
        """A replay compared bit for bit with the eager step from the same state."""
        eager = self.fn(*args, **kwargs)
        eager_state = checking.snapshot(*entry.watched)
        eager_state["returned"] = _flatten(eager)[1]
        checking.compare(replayed, eager_state, getattr(self.fn, "__qualname__", "the step"))
        return result

    def _eager(self, key, reason):
        """This call (and, if `key` is given, every later one of that signature) runs
        eagerly, with one warning per reason; under strict, raise that message instead."""
        if self.strict:
            raise tracer.Escape(f"compile: {getattr(self.fn, '__qualname__', self.fn)} cannot "
                                f"be replayed: {reason}; run it eagerly (strict=False falls "
                                f"back with a warning)")
        if key is not None:
            self.programs[key] = reason
        if reason not in self.warned:
            self.warned.add(reason)
            warnings.warn(f"compile: {getattr(self.fn, '__qualname__', self.fn)} runs eagerly: "
                          f"{reason}", stacklevel=_user_level())

    def _trace(self, key, args, kwargs):
        """The step traced (its result, eager's): a program for `key`, or the reason it
        runs eagerly. A traced array still alive when the trace's frames are gone is
        held where the state check does not look: eager then (carried.stray)."""
        older = tracer.alive()
        prior = self.programs.get(key)
        result = self._record(key, args, kwargs)
        if type(self.programs.get(key)) is _Entry and self.programs[key] is not prior:
            stray = carried.stray(older)
            if stray is not None:
                self._eager(key, stray)
        return result

    def _record(self, key, args, kwargs):
        tensors, modules, optimizers, schedulers, slots = discover(
            self.fn, arguments.others(args, kwargs))
        hooked = _hooked(tensors, modules)
        if hooked is not None:
            self._eager(key, hooked)
            return self.fn(*args, **kwargs)
        roots = aliasing.owners(tensors, optimizers)
        lasting = frozenset(id(r) for r in roots)
        given = arguments.tensors(args, kwargs)
        given_arrays = [t.data for t in given]
        last = key[-1]
        shared = last[1] if type(last) is tuple and last and last[0] is arguments.SHARED else None
        touching = aliasing.touches(given_arrays, lasting)
        if type(shared) is str or touching is not None:
            # arguments sharing memory in a way a trace cannot lay out (a program of this
            # key never replays), or with the step's state (this call runs eagerly)
            if touching is not None:
                with self.lock:
                    self.traces -= 1
                    self.causes[self.cause[key]] -= 1
                    # the next calls of this signature are checked against the same state
                    # (its arrays kept alive, so that no id is reused) before discovery
                    self.refused[key] = (lasting, roots, State(tensors, modules, optimizers))
            self._eager(None if touching else key, touching or shared)
            return self.fn(*args, **kwargs)
        views = aliasing.layout(given, given_arrays, shared) if shared else None
        state = State(tensors, modules, optimizers)
        rec = Recorder(self.strict)
        rec.caller = sys._getframe()            # the step's frame's caller (returned reads)
        swapped = [(t, t.data) for t in tensors if type(t.data) is np.ndarray]
        grads = {id(t.grad): (t.grad, t.grad.data) for t in tensors
                 if t.grad is not None and type(t.grad.data) is np.ndarray}
        inputs, contiguous, same, standins = [], [], {}, []
        requires = any(t.requires_grad for t in given)

        def as_input(a):
            view = views[len(inputs)] if views is not None else None
            if view is None:
                buf = np.array(a.data, order="C", copy=True)
                if not a.data.flags.writeable:
                    buf.flags.writeable = False     # an in-place write is refused as in eager
                contiguous.append(a.data.flags.c_contiguous)
            else:                   # shares memory with another argument: aliasing.py
                buf = view
                contiguous.append(False)
            inputs.append(buf)
            if id(a) not in same:   # the same Tensor passed twice is one traced Tensor
                same[id(a)] = _wrap(traced(buf), a._node)
                standins.append((len(inputs) - 1, same[id(a)]))
            return same[id(a)]

        copies = []             # the argument lists and dicts the trace runs on
        targs = [arguments.substitute(a, as_input, copies) for a in args]
        tkwargs = {k: arguments.substitute(kwargs[k], as_input, copies)   # signature's order
                   for k in sorted(kwargs)}
        # every leaf, also one that starts requiring grad inside the step (requires_grad_)
        leaves = [t for t in tensors if t.is_leaf]
        entry_grads = [(t, t.grad, None if t.grad is None else t.grad.data) for t in leaves]
        rec.sync = lambda: tuple((t, t.grad, None if t.grad is None else plain(t.grad.data))
                                 for t in leaves)
        np_state, py_state = np.random.get_state(), random.getstate()
        for t, a in swapped:
            t.data = traced(a)
        for g, a in grads.values():
            g.data = traced(a)
        held = [(d, k, traced(a)) for d, k, a in _state_arrays(optimizers)]
        for d, k, t in held:                    # optimizer state, written by inlined steps
            d[k] = t
        groups = watch.watch_groups(optimizers)
        watch.watch_schedulers(schedulers)
        before = slots.snapshot()
        iterating = positions(slots.iterators)
        modes = _modes()
        prev = tracer._set_active(rec)
        try:
            with Patched(slots.generators) as patched:
                rebound = aliasing.rebind(slots, patched.exports)
                try:
                    out = self.fn(*targs, **tkwargs)
                finally:
                    aliasing.unbind(rebound)
        finally:
            tracer._set_active(prev)
            rec.caller = None       # (a cycle through this frame would keep the trace alive)
            rec.finish()
            reads = watch.unwatch_groups(groups, rec) + watch.unwatch_schedulers(schedulers)
            for t, a in swapped:
                if type(t.data) is tracer.TraceArray and plain(t.data) is a:
                    t.data = a
                else:
                    rec.escapes.append("a tensor's .data replaced inside the step")
                    t.data = plain(t.data)
            for g, a in grads.values():
                g.data = plain(g.data)
            made = _untrace_state(optimizers, {id(t) for _, _, t in held})
            for buf in inputs:
                buf.flags.writeable = True
            # what the step wrote into its inputs goes to the caller's tensors, and
            # the marks of the buffers that outlive the step are made again by replays
            written = [i for i, buf in enumerate(inputs) if id(_base(buf)) in rec.written
                       or rec.escapes and isinstance(given_arrays[i], np.ndarray)]
            # (after an escape, a plain numpy alias may have written any of them)
            computed = carried.made_bases(rec.code, rec.consts, rec.undefined)
            marks = _lasting_marks(rec, inputs, computed)
            changes, kept, changed = carried.argument_changes(given, standins, inputs, computed)
            after = _after(inputs, written, marks, changes)
            if after is not None:
                after(args, kwargs, trace=True)
        changed_argument = arguments.put_back(copies, _caller_object(copies, standins, given))
        if changed_argument is not None:
            rec.escapes.append(f"it changes {changed_argument} (appending, setting an "
                               f"item): a replay would not (keep it in an attribute of an "
                               f"object the step names, or return what it adds)")
        final = rec.sync()
        for binding in rec.bindings + [final]:
            for _t, g, data in binding:
                if g is not None:
                    g.data = plain(g.data)
                    if g.data is not data:
                        rec.escapes.append("a gradient's array replaced inside the step")
        spec, outs = _flatten(out)      # before rebound gives a tensor kept there a copy
        mentioned = {id(_base(a)) for ins in rec.code for a in _mentions(ins)}
        places, dropped, rebinds = carried.rebound(      # (a returned array is read too)
            before, slots.snapshot(), mentioned | {id(_base(o)) for o in outs},
            carried.Spec(standins, computed, lasting, given),
            lambda t: _held(t, tensors, modules, optimizers),
            {id(t) for t in leaves if t.requires_grad})
        if rec.returned is not None and out is rec.returned[3]:
            # `return loss.item()`: the program computes the array, a replay reads it
            array, method, read_args, _ = rec.returned
            spec, outs = ("V", method, read_args), [array]
        if _requires_grad(out) and all(g is e[1] for (_t, g, _a), e in zip(final, entry_grads)):
            # no backward ran and a result's graph is unused: a forward whose result is
            # differentiated later, but a replay's results are detached. It runs eagerly
            # (this call's result keeps its graph)
            self._eager(key, "it returns a tensor that requires grad (a replay's results are "
                        "detached: compile the whole step, backward included)")
            _untrace_result(out)
            return out
        result = _rebuild(spec, [np.array(o, copy=True) for o in outs])
        known = computed | {id(_base(a)) for a in inputs} | {id(_base(a)) for _, a in swapped}
        known |= {id(_base(a)) for _, a in grads.values()}
        known |= {id(_base(plain(t))) for _, _, t in held}
        reason = (rec.escapes[0] if rec.escapes else changed if changed else rebinds if rebinds
                  else "numpy's global random generator used"
                  if _changed(np.random.get_state(), np_state)
                  else "Python's random module used" if random.getstate() != py_state
                  else "the default generator reseeded inside the step" if patched.reseeded
                  else "an input that requires grad" if requires
                  else _unreplayable_return(spec) or check_order(rec.code, rec.where)
                  or advanced(iterating) or carried.unseen(rec.code, known, tensors))
        if reason is not None:
            self._eager(key, reason)
            _untrace_result(result)         # tensors in a container kept whole
            return result
        if made and rec.inlined:
            # an inlined optimizer step made its state (its first step): a replay would
            # start from the trace's new arrays again; trace the next call instead
            with self.lock:
                self._not_traced(key)
            return result
        for i in written:               # read from (and written back to) the caller's
            contiguous[i] = False       # array by after(), never written where it is
        entry = _Entry()
        entry.state = state
        state.values = before       # the Python values the step sees, as the trace found them
        if dropped:                 # tensors the trace found at places it rebound
            gone = {id(t) for t in dropped}
            state.arrays = [(t, a) for t, a in state.arrays if id(t) not in gone]
            state.nodes = [(t, n) for t, n in state.nodes if id(t) not in gone]
        state.renew()
        state.reads = reads
        state.inlined = rec.inlined
        state.slots = tuple(_state_slots(optimizers))
        # the .grad a leaf has on entry is read (accumulated into) unless the step's
        # first call (zero_grad) sets it to None: zero_grad(set_to_none=False) leaves a
        # None (which the optimizer skips) and zeroes an array (which it updates with)
        cleared = program.cleared(rec.code[0], dropped=True) if rec.code else set()
        state.grads = tuple(e for e in entry_grads if id(e[0]) not in cleared)
        state.read = tuple(e for e in state.grads
                           if e[1] is not None and id(_base(e[2])) in mentioned)
        bindings, final_binding, made_grads, adopted = _grad_cells(
            rec.bindings, final, entry_grads, state.grads, mentioned)
        entry.program = Program(rec.code, inputs, bindings, final_binding,
                                list(outs) + kept + places.kept, contiguous,
                                rec.undefined.values(), made_grads, adopted)
        entry.watched = (tensors, optimizers, schedulers)
        entry.lasting, entry.roots = lasting, roots     # (alive: their ids stay theirs)
        entry.cause, entry.streak = self.cause.get(key), self.streaks.pop(key, 0)
        entry.replayed = False
        entry.number = self.traces              # (a guard failing twice: _guard_failed)
        entry.checks = self.check
        entry.after = _after(inputs, written, marks, changes, places if places else None)
        left = _modes()
        if left != modes:       # ag.set_grad_enabled(False) as a plain call: the caller's
            entry.after = _setting_modes(entry.after, left)     # mode after each replay
        entry.before = places.before if places.inputs else None
        entry.variants = self.kept.pop(key, [])
        if spec == ("T",):                       # one tensor returned (the loss)
            out0 = outs[0]
            entry.rebuild = lambda: _wrap(out0.copy(), None)
        else:
            entry.rebuild = lambda: _rebuild(spec, [o.copy() for o in outs])
        if key is not None:
            self.programs[key] = entry
        return result


def _caller_object(copies, standins, given):
    """v -> what the caller holds for it: its container for a copy the trace ran on, its
    tensor for a stand-in; a tensor the trace computed gets a plain copy of its array."""
    objects = {id(new): orig for orig, new, _ in copies}
    objects.update((id(s), given[i]) for i, s in standins)

    def back(v):
        o = objects.get(id(v))
        if o is not None:
            return o
        if isinstance(v, Tensor) and type(v.data) is tracer.TraceArray:
            v.data = plain(v.data).copy()
        return v
    return back


def _modes():
    """This thread's grad mode and the default dtype: what a step may set for its caller."""
    return _current().grad_enabled, get_default_dtype()


def _setting_modes(after, modes):
    """`after` (a replay's last act, or None), then the thread's `modes` set (_modes)."""
    def set_modes(args, kwargs):
        if after is not None:
            after(args, kwargs)
        set_grad_mode(modes[0])
        set_default_dtype(modes[1])
    return set_modes


def _user_level():
    """The stacklevel, for a warning of its caller's caller, of the first frame outside
    compile's own files: the user's call of the step."""
    f, level = sys._getframe(2), 2
    while f is not None and f.f_code.co_filename.startswith(tracer._PACKAGE):
        f, level = f.f_back, level + 1
    return level


def _hooked(tensors, modules):
    """Why the step cannot be replayed if a tensor or module it reaches has a hook (Python
    that backward or a module call runs: a replay would not run it), else None."""
    for t in tensors:
        meta = t._node.meta if t._node is not None else None
        if meta and (meta.get("hooks") or meta.get("post_hooks")):
            return (f"a hook on a tensor of shape {t.data.shape} (register_hook or "
                    f"register_post_accumulate_grad_hook: Python a replay would not run)")
    if modules:
        from nn.module import _global_hooks
        if _global_hooks:
            return ("a global module hook (nn.module.register_module_*_hook: Python a "
                    "replay would not run)")
    for m in modules:
        if m._forward_hooks or m._forward_pre_hooks:
            return (f"a forward hook on a {type(m).__name__} (Python a replay would not run)")
        if m._backward_hooks or m._backward_pre_hooks:
            return (f"a backward hook on a {type(m).__name__} (Python a replay would not run)")
    return None


def _requires_grad(out):
    """True if `out` holds a tensor whose graph no backward has run through yet."""
    return any(t.grad_fn is not None and t.grad_fn.saved is not None
               and t.grad_fn.saved is not RAN for t in _returned_tensors(out))


def _untrace_result(out):
    """The tensors of a traced step's return value on plain arrays again."""
    for t in _returned_tensors(out):
        t.data = plain(t.data)


def _returned_tensors(out):
    """The tensors in a step's return value: through tuples, lists and dicts, and one
    level into other objects (no cycles)."""
    if isinstance(out, Tensor):
        yield out
        return
    deep = isinstance(out, (tuple, list, dict))
    for x in _members(out):
        if deep or isinstance(x, Tensor):
            yield from _returned_tensors(x)


def _lasting_marks(rec, inputs, made):
    """The in-place marks (versions.mark_modified) of the trace on buffers that outlive
    the step, as (buffer or input position, op): not the arrays the trace made (`made`:
    their bases' ids)."""
    position = {id(_base(buf)): i for i, buf in enumerate(inputs)}
    return [(position.get(id(base), base), op) for base, op in rec.marks
            if id(base) in position or id(base) not in made]


def _after(inputs, written, marks, changes=(), places=None):
    """What follows a replay (or the trace, `trace=True`) of a step that writes into
    its input tensors or marks lasting buffers: the inputs' new values copied into the
    caller's tensors, then eager's marks, then what the step did to its argument
    Tensors (`changes`) and the places it rebinds (`places`, after a replay: the trace
    left them); None if there is nothing to do."""
    if not written and not marks and not changes and places is None:
        return None

    def after(args, kwargs, trace=False):
        given = arguments.tensors(args, kwargs)
        for i in written:
            t = given[i]
            if t.data.flags.writeable:          # (else another argument shares its memory)
                np.copyto(t.data, inputs[i])
        for target, op in marks:
            if type(target) is int:
                versions.mark_modified(given[target].data, op)
            elif not trace:                 # the trace marked it already
                versions.mark_modified(target, op)
        if changes:
            carried.apply_changes(changes, given, trace)
        if places is not None and not trace:
            places.after(given)
    return after


def _held(t, tensors, modules, optimizers):
    """True if tensor `t` is a parameter or buffer of the step's modules, or its memory
    is also that of other state of the step."""
    if any(u is t for m in modules for d in (m._parameters, m._buffers) for u in d.values()):
        return True
    mine = id(aliasing._root(t.data))
    return any(id(r) == mine for r in aliasing.owners([u for u in tensors if u is not t],
                                                      optimizers))


def _state_arrays(optimizers):
    """(state dict, key, array) of every array in the optimizers' per-parameter state."""
    return [(st, k, v) for o in optimizers for st in o.state.values() for k, v in st.items()
            if type(v) is np.ndarray]


def _untrace_state(optimizers, installed):
    """Put plain arrays back into the optimizers' state; True if a traced array there
    is not one of those `installed` for the trace (state made while tracing)."""
    made = False
    for o in optimizers:
        for st in o.state.values():
            for k, v in st.items():
                if type(v) is tracer.TraceArray:
                    made = made or id(v) not in installed
                    st[k] = plain(v)
    return made


def _state_slots(optimizers):
    """(container, key, value) that a replay of inlined optimizer steps relies on: each
    parameter's state dict and the arrays in it."""
    for o in optimizers:
        for p, st in o.state.items():
            yield o.state, p, st
            for k, v in st.items():
                if type(v) is np.ndarray:
                    yield st, k, v


def _grad_cells(bindings, final, at_entry, accumulated, mentioned):
    """The trace's gradient bindings as the program takes them (program._bind): (leaf,
    cell), one cell [Tensor, its array] per gradient Tensor; and the cells of the
    gradients the trace made, and of those at its entry that it accumulates into
    (`accumulated`: State.grads), with their leaves (kept.grad_lines). A leaf's .grad
    at the entry whose array no instruction names (`mentioned`: the ids of the buffers
    they name) is not bound: a replay leaves the leaf the .grad it has (one the user
    set between calls)."""
    cells = {}
    untouched = {id(g) for _t, g, a in at_entry
                 if g is not None and id(_base(a)) not in mentioned}

    def pairs(binding):
        return tuple((t, cells.setdefault(id(g), [g, None if g is None else g.data]))
                     for t, g, _ in binding if id(g) not in untouched)
    out = [pairs(b) for b in bindings], pairs(final)
    entry = {id(g) for _t, g, _a in at_entry}
    made = {id(g): (t, cells[id(g)]) for b in bindings + [final] for t, g, _a in b
            if g is not None and id(g) not in entry}
    adopted = [(t, cells[id(g)]) for t, g, _a in accumulated if id(g) in cells]
    return out + (list(made.values()), adopted)


def _changed(a, b):
    return a[0] != b[0] or not np.array_equal(a[1], b[1]) or a[2:] != b[2:]


def _flatten(out):
    """(structure, the arrays of the Tensors in it) of a step's return value."""
    arrays = []

    def spec(x):
        if isinstance(x, Tensor):
            arrays.append(plain(x.data))
            return ("T",)
        if type(x) in (tuple, list):
            return (type(x), [spec(i) for i in x])
        if isinstance(x, tuple) and hasattr(type(x), "_make"):     # max, topk, sort
            return (type(x)._make, [spec(i) for i in x])
        if type(x) in (dict, OrderedDict):
            return (dict, {k: spec(v) for k, v in x.items()}, type(x))
        return ("c", x)
    return spec(out), arrays


def _members(x):
    """The values held by `x`, a return value _flatten keeps whole (a dataclass, a
    namespace, a set, a dict or sequence of a type of the user's), one level deep."""
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, (tuple, list, set, frozenset)):
        return list(x)
    d = getattr(x, "__dict__", None)
    return list(d.values()) if type(d) is dict else []


def _unreplayable_return(spec):
    """Why a step whose return value `spec` holds a Python number cannot be replayed (a
    replay would return the traced value: a learning rate read from the optimizer, a
    count), else None."""
    if spec[0] == "c":
        v = spec[1]
        if isinstance(v, (int, float, complex, np.generic)):
            return (f"it returns a Python number ({type(v).__name__} {v!r}), which a replay "
                    f"cannot recompute (return a tensor, or read the value outside the step)")
        if any(isinstance(m, Tensor) for m in _members(v)):
            return (f"it returns tensors inside a {type(v).__name__}, which a replay cannot "
                    f"rebuild (return them in a tuple, list, named tuple or dict)")
        return None
    if spec[0] in ("T", "V"):
        return None
    items = spec[1].values() if spec[0] is dict else spec[1]
    return next((r for r in map(_unreplayable_return, items) if r), None)


def _rebuild(spec, arrays):
    """The step's return value of structure `spec` around fresh Tensors of `arrays`."""
    return _build(spec, iter(arrays))


def _build(s, it):
    if s[0] == "T":
        return _wrap(next(it), None)
    if s[0] == "V":                 # a value the step read and returned: read again
        return s[1](next(it), *s[2])
    if s[0] == "c":
        return s[1]
    if s[0] is dict:
        return s[2]((k, _build(v, it)) for k, v in s[1].items())
    return s[0](_build(i, it) for i in s[1])
