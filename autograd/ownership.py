"""Buffer-ownership proofs: when may the engine write into a gradient array in place?

Reusing a gradient's buffer (keeping a leaf's first gradient, summing two gradients of
one node into the first, a rule writing into its incoming gradient) is safe only when
nothing but the engine can see the array. The proof is a reference count: at each site
below, ``refcount(x)`` of an array held by no one else is a known number, and any other
holder (a Tensor, a view, a user's hook, a saved buffer) adds at least one. Each site
compares against its named constant here and says so in a comment; the numbers depend
on how many local variables the site and its caller hold, so moving a variable moves
the number. ``tests/test_perf_safety.py`` builds the graphs where a buffer *is* shared
and fails if any constant is loosened by one.

The counts assume CPython <= 3.13, where every local variable holding an object counts.
3.14 can load locals without a reference (borrowed), so there ``refcount`` says "shared"
for everything: every gradient takes the out-of-place path, slower, never wrong.
"""
import sys

import numpy as np

from .state import current


def _never_sole(obj):
    return 1 << 30


# The one use of sys.getrefcount in the package, and the CPython-version switch.
refcount = sys.getrefcount if sys.version_info < (3, 14) else _never_sole

# --- the per-site counts of a sole-owned array (references listed) --------------------
# engine._call_rule, before handing `g` to a rule that may write into it: the walk's
# local `g` (engine._walk or _walk_observed), _call_rule's parameter, getrefcount's
# argument.
SOLE_IN_ENGINE_LOOP = 3
# owns_buffer, inside such a rule: the walk's local, _call_rule's parameter, the thread
# state's `donated`, the rule's parameter, owns_buffer's parameter, getrefcount's
# argument.
SOLE_IN_RULE = 6
# engine._add, summing into a pending gradient `old`: the pending dict, engine._send's
# local `old`, _add's parameter, getrefcount's argument. The same count at
# engine._add_at (a slice's gradient added into `old`): the pending dict,
# _add_into_pending's local `old`, _add_at's parameter, getrefcount's argument.
SOLE_PENDING = 4
# engine._accumulate, keeping a leaf's first gradient `g` as .grad without a copy: the
# walk's local `g`, _accumulate's parameter, getrefcount's argument.
SOLE_FIRST_LEAF_GRAD = 3
# engine._accumulate, after adding into .grad's array `arr` in place: .grad's Tensor,
# the local `arr`, getrefcount's argument. More means another holder must be told of
# the write (graph.mark_modified).
SOLE_LEAF_GRAD = 3
# views._foreign, a view's base array: the view's .base, the local `base`,
# getrefcount's argument. More means another tensor can see the buffer.
# The same count at engine._add_at, the base of a pending gradient that is a transpose
# of a fresh array (ops/shapes.py's _zeros): more means another view can see the buffer.
SOLE_VIEW_BASE = 3


def owns_buffer(g):
    """True if a backward rule may write into the gradient array `g` in place: the
    engine donated it as the only holder (engine._call_rule, SOLE_IN_ENGINE_LOOP)."""
    return (g is current().donated and refcount(g) <= SOLE_IN_RULE
            and type(g) is np.ndarray and g.base is None and g.flags.writeable)
