"""``check=k``: the first k replays of each program are checked against eager.

The state a step can change (the discovered tensors' arrays and gradients, optimizer
state and hyperparameters, schedulers, the default generator) is copied before the
replay; after it, the copy is put back, the step runs eagerly, and every array and
number must be the same bit for bit (NaN equal to NaN) as the replay left it.
"""
import copy

import numpy as np

from ..errors import GradgraphError


class CompileCheckError(GradgraphError, AssertionError):
    """A replay differed from the eager step (``check=k``): a bug in compile."""


def snapshot(tensors, optimizers, schedulers):
    from .. import creation
    return {
        "data": [t.data.copy() for t in tensors],
        "grads": [(t.grad, None if t.grad is None else t.grad.data.copy()) for t in tensors],
        "opt": [({p: {k: copy.deepcopy(v) for k, v in st.items()} for p, st in o.state.items()},
                 [{k: v for k, v in g.items() if k != "params"} for g in o.param_groups])
                for o in optimizers],
        "sched": [copy.deepcopy(s.state_dict()) for s in schedulers],
        "gen": creation.default_generator().bit_generator.state,
    }


def restore(snap, tensors, optimizers, schedulers):
    from .. import creation
    for t, a in zip(tensors, snap["data"]):
        np.copyto(t.data, a)
    for t, (g, a) in zip(tensors, snap["grads"]):
        t.grad = g
        if g is not None:
            np.copyto(g.data, a)
    for o, (state, groups) in zip(optimizers, snap["opt"]):
        for p, st in state.items():
            live = o.state.setdefault(p, {})
            for k, v in st.items():
                if isinstance(v, np.ndarray) and isinstance(live.get(k), np.ndarray):
                    np.copyto(live[k], v)
                else:
                    live[k] = copy.deepcopy(v)
        for g, saved in zip(o.param_groups, groups):
            g.update(saved)
    for s, st in zip(schedulers, snap["sched"]):
        s.load_state_dict(copy.deepcopy(st))
    creation.default_generator().bit_generator.state = snap["gen"]


def compare(replayed, eager, what):
    """Raise CompileCheckError at the first difference between two snapshots."""
    def same(a, b):
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a), np.asarray(b)
            return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
                a, b, equal_nan=a.dtype.kind in "fc")
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a == b or (a != a and b != b)

    for key in ("returned", "data", "grads", "opt", "sched", "gen"):
        a, b = replayed[key], eager[key]
        if key == "grads":
            a, b = [x for _, x in a], [x for _, x in b]
        if key == "opt":
            a = [(list(s.values()), g) for s, g in a]
            b = [(list(s.values()), g) for s, g in b]
        if not same(a, b):
            raise CompileCheckError(
                f"compile(check=...): the replay of {what} differs from the eager step in "
                f"{_names[key]}; please report this with the step's code (run without "
                f"compile in the meantime)")


_names = {"returned": "the returned values", "data": "a parameter or buffer",
          "grads": "a gradient", "opt": "the optimizer state", "sched": "a scheduler",
          "gen": "the default generator's state"}
