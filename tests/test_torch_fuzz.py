"""Differential fuzzing against PyTorch: hypothesis composes random op chains and runs
each on gradgraph and on torch (float64), comparing values and first- and second-order
gradients, NaN for NaN.

A chain starts from one to three leaves (0-d to 3-d; values drawn so that zeros, ties,
±0, and sometimes ±inf and NaN occur: the kinks and special values) and applies 2-6
steps, each drawn from: elementwise ops with kinks (relu, abs, clamp at both bounds,
sign, maximum/minimum ties, pow), broadcasting binary ops with another leaf or an int /
bool tensor or a Python number, reductions with dim/keepdim (sum, mean, amax, max(dim),
var, std, logsumexp, softmax, norm), indexing (repeated and negative integer indices,
slices with steps, boolean masks), views (reshape, transpose, unsqueeze, flip, expand)
followed by in-place ops on a clone (mul_, add_, index assignment), and batched matmul.

CI runs 300 examples (derandomized: the same chains every run, ~10 s). A long run:
    GRADGRAPH_FUZZ_EXAMPLES=5000 python -m pytest tests/test_torch_fuzz.py
(GRADGRAPH_FUZZ_SPECIAL=0 leaves ±inf and NaN out of the leaves.)
"""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd as ag

torch = pytest.importorskip("torch")

FUZZ_EXAMPLES = int(os.environ.get("GRADGRAPH_FUZZ_EXAMPLES", "300"))
SPECIAL_ON = os.environ.get("GRADGRAPH_FUZZ_SPECIAL", "1") == "1"
RTOL, ATOL = 1e-7, 1e-9

# Values drawn for the leaves: exact zeros, ties and kink points are common.
PLAIN = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, 3.0, -1.5]
SPECIAL = [math.inf, -math.inf, math.nan]
# Tiny: |x|^2 underflows (norm must scale), and a subnormal. (Huge values are left to
# test_edge_values: at 1e170, log(2) is lost in 1e170 + log(2), and torch's logsumexp
# then gives softmax weights 1, 1 where ours are the exact 1/2, 1/2.)
EXTREME = [1e-207, -3e-170, 2.5e-160, 5e-324]


class Pair:
    """The same value in both libraries."""
    __slots__ = ("g", "t")

    def __init__(self, g, t):
        self.g, self.t = g, t

    @property
    def shape(self):
        return tuple(self.g.shape)


def both(fn_g, fn_t, *pairs, **kw):
    return Pair(fn_g(*(p.g for p in pairs), **kw), fn_t(*(p.t for p in pairs), **kw))


# --- the steps ---------------------------------------------------------------------------
UNARY = {
    "neg": (lambda x: -x, lambda x: -x),
    "abs": (ag.abs, torch.abs),
    "relu": (ag.relu, torch.relu),
    "tanh": (ag.tanh, torch.tanh),
    "sigmoid": (ag.sigmoid, torch.sigmoid),
    "exp_clamped": (lambda x: ag.exp(ag.clamp(x, -5.0, 5.0)),
                    lambda x: torch.exp(torch.clamp(x, -5.0, 5.0))),
    "sin": (ag.sin, torch.sin),
    "square": (lambda x: x ** 2, lambda x: x ** 2),
    "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "softplus": (ag.softplus, torch.nn.functional.softplus),
    "sign_times": (lambda x: ag.sign(x) * x, lambda x: torch.sign(x) * x),
    "clamp": (lambda x: ag.clamp(x, -1.0, 0.5), lambda x: torch.clamp(x, -1.0, 0.5)),
    "clamp_min": (lambda x: ag.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0)),
    "sqrt_abs": (lambda x: ag.sqrt(ag.abs(x) + 1.0), lambda x: torch.sqrt(torch.abs(x) + 1.0)),
    "log_shift": (lambda x: ag.log(x * x + 0.5), lambda x: torch.log(x * x + 0.5)),
    "rsub_scalar": (lambda x: 1.5 - x, lambda x: 1.5 - x),
    "div_scalar": (lambda x: x / 4.0, lambda x: x / 4.0),
    "rdiv": (lambda x: 2.0 / (x * x + 1.0), lambda x: 2.0 / (x * x + 1.0)),
}
BINARY = {
    "add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1.0)),
}
BINARY_FN = {
    "maximum": (ag.maximum, torch.maximum), "minimum": (ag.minimum, torch.minimum),
}


def _torch_norm(x, d, k):
    """torch's vector_norm of x / c, times c: torch squares unscaled, so its norm
    underflows for |x| < 1e-154 (two elements or more), where gradgraph's scales as
    LAPACK's nrm2. c = 2^k (exact) brings max|x| < 2^-400 up to ~2^-400: far enough
    from both ends that neither the squares nor the gradient through c lose bits."""
    a = np.abs(x.detach().numpy())
    if not a.size:
        return torch.linalg.vector_norm(x, dim=d, keepdim=k)
    m = np.max(a, axis=d, keepdims=True)
    e = np.frexp(np.where(np.isfinite(m) & (m > 0), m, 1.0))[1]
    c = np.ldexp(1.0, np.minimum(e + 400, 0))
    out = torch.linalg.vector_norm(x / torch.tensor(c), dim=d, keepdim=k)
    return out * torch.tensor(c.reshape(tuple(out.shape)))


def reduction_steps():
    """(name, fn_g(x, dim, keepdim), fn_t(x, dim, keepdim), accepts a dim tuple)."""
    return [
        ("sum", lambda x, d, k: x.sum(dim=d, keepdim=k), lambda x, d, k: x.sum(dim=d, keepdim=k), True),
        ("mean", lambda x, d, k: x.mean(dim=d, keepdim=k), lambda x, d, k: x.mean(dim=d, keepdim=k), True),
        ("amax", lambda x, d, k: x.amax(dim=d, keepdim=k), lambda x, d, k: x.amax(dim=d, keepdim=k), True),
        ("amin", lambda x, d, k: x.amin(dim=d, keepdim=k), lambda x, d, k: x.amin(dim=d, keepdim=k), True),
        ("max_dim", lambda x, d, k: x.max(d, keepdim=k)[0], lambda x, d, k: x.max(d, keepdim=k)[0], False),
        ("var", lambda x, d, k: x.var(dim=d, keepdim=k), lambda x, d, k: x.var(dim=d, keepdim=k), True),
        ("std", lambda x, d, k: x.std(dim=d, keepdim=k), lambda x, d, k: x.std(dim=d, keepdim=k), True),
        ("logsumexp", lambda x, d, k: ag.logsumexp(x, d, keepdim=k),
         lambda x, d, k: torch.logsumexp(x, d, keepdim=k), True),
        ("softmax", lambda x, d, k: ag.softmax(x, d), lambda x, d, k: torch.softmax(x, d), False),
        ("log_softmax", lambda x, d, k: ag.log_softmax(x, d),
         lambda x, d, k: torch.log_softmax(x, d), False),
        ("norm", lambda x, d, k: ag.norm(x, dim=d, keepdim=k), _torch_norm, True),
        ("cumsum", lambda x, d, k: ag.cumsum(x, d), lambda x, d, k: torch.cumsum(x, d), False),
    ]


REDUCTIONS = reduction_steps()


@st.composite
def leaf_values(draw, shape, special):
    n = int(np.prod(shape))
    pool = PLAIN + (SPECIAL if special else [])
    floats = st.floats(-3, 3, allow_nan=False)
    picks = draw(st.lists(st.sampled_from(pool) | floats | st.sampled_from(EXTREME),
                          min_size=n, max_size=n))
    return np.array(picks, dtype=np.float64).reshape(shape)


small_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


def make_leaf(values):
    return Pair(ag.tensor(values.copy(), requires_grad=True),
                torch.tensor(values.copy(), requires_grad=True))


def broadcastable_shape(draw, shape):
    """A shape that broadcasts with `shape` (dims dropped from the left or set to 1)."""
    k = draw(st.integers(0, len(shape)))
    tail = list(shape[len(shape) - k:])
    return tuple(1 if draw(st.booleans()) else n for n in tail)


def step(draw, y, leaves, special):
    """One random op applied to Pair `y`; may add leaves. Returns the new Pair and a
    description for the failure message."""
    shape = y.shape
    kinds = ["unary", "binary", "binary_fn", "scalar", "intdtype", "view"]
    if shape:
        kinds += ["reduce", "index", "inplace", "mask"]
    if len(shape) >= 1:
        kinds.append("matmul")
    kind = draw(st.sampled_from(kinds))
    if kind == "unary":
        name = draw(st.sampled_from(sorted(UNARY)))
        return both(*UNARY[name], y), name
    if kind in ("binary", "binary_fn"):
        other_shape = broadcastable_shape(draw, shape)
        if len(shape) < 3 and draw(st.booleans()):   # the other operand broadcasts y up
            other_shape = (draw(st.integers(1, 2)),) + shape
        other = make_leaf(draw(leaf_values(other_shape, special)))
        leaves.append(other)
        a, b = (y, other) if draw(st.booleans()) else (other, y)
        if kind == "binary":
            name = draw(st.sampled_from(sorted(BINARY)))
            fn = BINARY[name]
            return both(fn, fn, a, b), f"{name}{a.shape}{b.shape}"
        name = draw(st.sampled_from(sorted(BINARY_FN)))
        return both(*BINARY_FN[name], a, b), f"{name}{a.shape}{b.shape}"
    if kind == "scalar":
        c = draw(st.sampled_from([0.0, 1.0, -2.0, 0.5, 3]))
        op = draw(st.sampled_from(["radd", "rmul", "pow", "rpow", "sub"]))
        if op == "radd":
            return Pair(c + y.g, c + y.t), f"{c}+"
        if op == "rmul":
            return Pair(c * y.g, c * y.t), f"{c}*"
        if op == "sub":
            return Pair(y.g - c, y.t - c), f"-{c}"
        if op == "pow":
            e = draw(st.sampled_from([0, 1, 2, 3, 0.5, -1]))
            if e in (0.5, -1):       # keep the domain: |y| + 1
                return Pair((ag.abs(y.g) + 1.0) ** e, (torch.abs(y.t) + 1.0) ** e), f"pow{e}"
            return Pair(y.g ** e, y.t ** e), f"pow{e}"
        return Pair(2.0 ** ag.tanh(y.g), 2.0 ** torch.tanh(y.t)), "rpow"
    if kind == "intdtype":
        ishape = broadcastable_shape(draw, shape)
        ints = np.array(draw(st.lists(st.integers(-3, 3), min_size=int(np.prod(ishape)),
                                      max_size=int(np.prod(ishape))))).reshape(ishape)
        op = draw(st.sampled_from(["mul_int", "add_int", "mul_bool", "where"]))
        if op == "mul_int":
            return Pair(y.g * ag.tensor(ints), y.t * torch.tensor(ints)), f"*int{ishape}"
        if op == "add_int":
            return Pair(ag.tensor(ints) + y.g, torch.tensor(ints) + y.t), f"int{ishape}+"
        if op == "mul_bool":
            return Pair(y.g * ag.tensor(ints > 0), y.t * torch.tensor(ints > 0)), f"*bool{ishape}"
        return Pair(ag.where(y.g > 0, y.g, y.g * 0.5),
                    torch.where(y.t > 0, y.t, y.t * 0.5)), "where(y>0)"
    if kind == "reduce":
        name, fg, ft, tuple_ok = draw(st.sampled_from(REDUCTIONS))
        nd = len(shape)
        if tuple_ok and draw(st.booleans()):
            dims = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                                 unique_by=lambda d: d % nd))
            dim = tuple(dims)
        else:
            dim = draw(st.integers(-nd, nd - 1))
        keep = draw(st.booleans())
        if name in ("var", "std"):
            n = np.prod([shape[d] for d in (dim if isinstance(dim, tuple) else (dim,))])
            if n < 2:                # torch: a NaN with a warning (no degrees of freedom)
                return Pair(y.g.sum(dim=dim, keepdim=keep), y.t.sum(dim=dim, keepdim=keep)), \
                    f"sum({dim}, {keep})"
        return Pair(fg(y.g, dim, keep), ft(y.t, dim, keep)), f"{name}({dim}, {keep})"
    if kind == "index":
        axis_len = shape[0]
        form = draw(st.sampled_from(["ints", "slice", "int", "ellipsis_none"]))
        if form == "ints":
            idx = draw(st.lists(st.integers(-axis_len, axis_len - 1), min_size=1, max_size=5))
            return Pair(y.g[idx], y.t[idx]), f"[{idx}]"
        if form == "slice":
            start = draw(st.integers(-axis_len, axis_len))
            stepn = draw(st.sampled_from([1, 2, -1]))
            if stepn < 0:            # torch has no negative steps: flip, then slice
                return Pair(ag.flip(y.g, (0,))[::2], torch.flip(y.t, (0,))[::2]), "flip[::2]"
            return Pair(y.g[start::stepn], y.t[start::stepn]), f"[{start}::{stepn}]"
        if form == "int":
            i = draw(st.integers(-axis_len, axis_len - 1))
            return Pair(y.g[i], y.t[i]), f"[{i}]"
        return Pair(y.g[..., None], y.t[..., None]), "[..., None]"
    if kind == "mask":
        m = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(shape)),
                                   max_size=int(np.prod(shape))))).reshape(shape)
        m.reshape(-1)[0] = True      # never empty: amax of nothing raises in both
        return Pair(y.g[ag.tensor(m)], y.t[torch.tensor(m)]), "[mask]"
    if kind == "view":
        form = draw(st.sampled_from(["reshape", "transpose", "unsqueeze", "flip", "expand", "T"]))
        n = int(np.prod(shape))
        if form == "reshape":
            return Pair(y.g.reshape(-1), y.t.reshape(-1)) if n else Pair(y.g, y.t), "reshape(-1)"
        if form == "transpose" and len(shape) >= 2:
            return Pair(y.g.transpose(0, -1), y.t.transpose(0, -1)), "transpose(0,-1)"
        if form == "unsqueeze":
            d = draw(st.integers(-len(shape) - 1, len(shape)))
            return Pair(y.g.unsqueeze(d), y.t.unsqueeze(d)), f"unsqueeze({d})"
        if form == "flip" and shape:
            return Pair(ag.flip(y.g, (-1,)), torch.flip(y.t, (-1,))), "flip(-1)"
        if form == "expand" and len(shape) < 3:
            new = (2,) + shape
            return Pair(y.g.expand(*new), y.t.expand(*new)), f"expand{new}"
        return Pair(y.g.mT if len(shape) >= 2 else y.g, y.t.mT if len(shape) >= 2 else y.t), "mT"
    if kind == "inplace":
        form = draw(st.sampled_from(["mul_", "add_", "setitem", "setitem_repeat", "clamp_"]))
        g, t = y.g.clone(), y.t.clone()
        if form == "mul_":
            g.mul_(-1.5)
            t.mul_(-1.5)
        elif form == "add_":
            other = make_leaf(draw(leaf_values(broadcastable_shape(draw, shape), special)))
            leaves.append(other)
            g.add_(other.g)
            t.add_(other.t)
        elif form == "clamp_":
            g.clamp_(-0.5, 1.0)
            t.clamp_(-0.5, 1.0)
        else:
            axis_len = shape[0]
            idx = draw(st.lists(st.integers(-axis_len, axis_len - 1), min_size=1, max_size=4))
            if form == "setitem_repeat":
                # repeated indices take one value in torch only if the value is the same
                g[idx] = 0.25
                t[idx] = 0.25
            else:
                idx = sorted({i % axis_len for i in idx})
                value = make_leaf(draw(leaf_values((len(idx),) + shape[1:], special)))
                leaves.append(value)
                g[idx] = value.g
                t[idx] = value.t
        return Pair(g, t), form
    # matmul, batched: y (..., n) @ w of shape (n,), (n, m) or (batch, n, m)
    n = shape[-1]
    m = draw(st.integers(1, 3))
    batch = shape[0] if len(shape) == 3 else 2
    wshape = draw(st.sampled_from([(n, m), (n,), (batch, n, m), (1, n, m)]))
    w = make_leaf(draw(leaf_values(wshape, special)))
    leaves.append(w)
    return Pair(y.g @ w.g, y.t @ w.t), f"@{wshape}"


def compare(ours, theirs, what):
    a = ours.data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy(force=True) if torch.is_tensor(theirs) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch {b.dtype}"
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True,
                               err_msg=f"{what} differs from torch")


def grads(out, leaves, weight, create_graph):
    """d sum(out * weight) / d leaves in both libraries (None -> zeros)."""
    gg = ag.grad((out.g * ag.tensor(weight)).sum(), [p.g for p in leaves],
                 create_graph=create_graph, allow_unused=True, materialize_grads=True)
    gt = torch.autograd.grad((out.t * torch.tensor(weight)).sum(), [p.t for p in leaves],
                             create_graph=create_graph, allow_unused=True,
                             materialize_grads=True)
    return gg, gt


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_random_op_chains_match_torch(data):
    draw = data.draw
    special = SPECIAL_ON and draw(st.integers(0, 4)) == 0    # one in five: ±inf and NaN too
    shape = draw(small_shapes)
    leaves = [make_leaf(draw(leaf_values(shape, special)))]
    y = leaves[0]
    trail = [f"leaf{shape}"]
    for _ in range(draw(st.integers(2, 6))):
        if y.g.dtype != np.float64:                  # a bool/int result: back to floats
            break
        y, what = step(draw, y, leaves, special)
        trail.append(what)
        compare(y.g, y.t, " -> ".join(trail))
        if y.t.numel() == 0:                         # nothing left to reduce or index
            break
    what = " -> ".join(trail)
    if not (y.t.requires_grad and y.g.requires_grad and y.t.numel()):
        assert y.g.requires_grad == y.t.requires_grad, what
        return
    rng = np.random.default_rng(len(trail))
    # Not a constraint but a scale: second derivatives at tiny leaves (std, norm at
    # |x| ~ 1e-98) are of order 1/|x| ~ 1e98, where a rounding leaves ~1e82 that the
    # absolute tolerance cannot accept (torch's 0 there is as rounded); test_edge_values
    # compares those in relative terms.
    tiny = any(np.any((np.abs(p.g.data) < 1e-50) & (p.g.data != 0)) for p in leaves)
    second_order = not tiny
    weight = rng.standard_normal(y.shape)
    gg, gt = grads(y, leaves, weight, create_graph=True)
    for k, (a, b) in enumerate(zip(gg, gt)):
        compare(a, b, f"{what}: gradient of leaf {k}")
    if not second_order:
        return
    # second order: d sum_k(g_k * v_k) / d leaves. A first gradient without a graph is
    # constant (its part of the second derivative is zero), which the values must show.
    vs = [rng.standard_normal(a.shape) for a in gg]
    hg = _second(gg, vs, [p.g for p in leaves], lambda a: ag.tensor(a), ag.grad)
    ht = _second(gt, vs, [p.t for p in leaves], lambda a: torch.tensor(a), torch.autograd.grad)
    spread = any(t.startswith(("std", "var", "norm")) for t in trail)
    for k, (a, b) in enumerate(zip(hg, ht)):
        if spread:
            # Deliberate (docs/special_values.md, "Deliberate differences"): the second
            # derivative at norm's apex (a zero norm, std over equal values) is 0 here,
            # the derivative of the gradient 0 chosen there (as abs''(0)), NaN in torch.
            b_arr = b.detach().numpy(force=True) if torch.is_tensor(b) else np.asarray(b)
            a = np.where(np.isnan(b_arr), np.nan, a.data if isinstance(a, ag.Tensor) else a)
        compare(a, b, f"{what}: second derivative, leaf {k}")


def _second(firsts, vs, xs, wrap, grad):
    terms = [(g * wrap(v)).sum() for g, v in zip(firsts, vs) if g.requires_grad]
    if not terms:
        return [np.zeros(tuple(x.shape)) for x in xs]
    return grad(sum(terms[1:], terms[0]), xs, allow_unused=True, materialize_grads=True)
