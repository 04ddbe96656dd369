"""ag.compile over ops whose forward or backward branches on the data (``if
infinite.any()``, NaN, ties, zeros, the origin): twin runs (eager and compiled, bit for
bit) whose inputs put such values in on some calls only, on the traced call or on later
ones, so that a branch frozen at trace time would be wrong on replay. Each step is the
op forward, backward and an SGD step: zs = x + (w - w.detach()) has x's exact values and
sends the op's gradient to w (compared, not stepped: it may be inf or NaN); the loss
a * op(zs) steps a."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from compile_twins import run, assert_same_runs, watched

SHAPE = (3, 4)


def _unit(rng, on):
    u = rng.uniform(-0.9, 0.9, SHAPE)
    if on:
        u[0, 0], u[1, 1], u[2, 2], u[2, 3], u[0, 3] = 0.0, 1.0, -1.0, np.inf, np.nan
    return [u]


def _probability(rng, on):
    p = rng.uniform(0.1, 0.9, SHAPE)
    if on:
        p[0, 0], p[1, 1], p[2, 2], p[0, 3] = 0.0, 1.0, 1.5, 0.005
    return [p]


def _origin(rng, on):
    a, b = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    if on:
        a[0, 0] = b[0, 0] = 0.0
        a[1, 1] = b[1, 1] = -0.0
    return [a, b]


def _xlogy(rng, on):
    x, y = rng.uniform(-0.9, 0.9, SHAPE), rng.uniform(0.1, 2, SHAPE)
    if on:
        x[0, 0], y[0, 0], x[1, 1], y[1, 1], y[2, 2] = 0.0, -1.0, 0.0, 0.0, np.nan
    return [x, y]


def _signs(rng, on):
    a, b = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    if on:
        b[0, 0], b[1, 1], a[2, 2], a[0, 2] = -0.0, np.nan, 0.0, np.inf
    return [a, b]


def _rows(rng, on):
    """NaN, ties, zeros and infinities in some rows."""
    u = rng.uniform(-0.9, 0.9, SHAPE)
    if on:
        u[0, :2] = np.nan
        u[1, :] = 0.5
        u[2, 1] = u[2, 3] = 0.0
    return [u]


def _infinite(rng, on):
    a, b = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    if on:
        a[0, 0] = b[0, 0] = -np.inf
        a[1, :2] = -np.inf
        b[2, 2] = np.inf
    return [a, b]


def _ties(rng, on):
    a, b = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    if on:
        b[0, :] = a[0, :]
        a[1, 2] = np.nan
        b[2, 0] = np.nan
    return [a, b]


def _masked(rng, on):
    """Queries a and keys b (a row of b at -1: its query's scores all masked)."""
    a, b = rng.uniform(-0.9, 0.9, SHAPE), rng.uniform(-0.9, 0.9, SHAPE)
    if on:
        b[1, :3] = -1.0
    return [a, b]


def _attention(a, b):
    """Attention of a's rows over b's with a float mask: -inf where b <= -0.95."""
    bias = ag.where(b.detach()[:, :3] > -0.95, 0.0, -np.inf)
    return F.scaled_dot_product_attention(a[None], b[None], b[None], attn_mask=bias)[0]


OPS = {     # name: (inputs(rng, edges on), the op)
    "asin": (_unit, ag.asin), "acos": (_unit, ag.acos), "atanh": (_unit, ag.atanh),
    "acosh": (_unit, ag.acosh), "erfinv": (_unit, ag.erfinv), "sinc": (_unit, ag.sinc),
    "sqrt": (_unit, ag.sqrt), "nan_to_num": (_unit, ag.nan_to_num),
    "logit": (_probability, ag.logit), "logit eps": (_probability, lambda z: ag.logit(z, 0.02)),
    "atan2": (_origin, ag.atan2), "hypot": (_origin, ag.hypot), "xlogy": (_xlogy, ag.xlogy),
    "copysign": (_signs, ag.copysign),
    "logaddexp": (_infinite, ag.logaddexp), "logaddexp2": (_infinite, ag.logaddexp2),
    "logcumsumexp": (lambda rng, on: _infinite(rng, on)[:1], lambda z: ag.logcumsumexp(z, 1)),
    "maximum": (_ties, ag.maximum), "minimum": (_ties, ag.minimum),
    "fmax": (_ties, ag.fmax), "fmin": (_ties, ag.fmin),
    "quantile": (_rows, lambda z: ag.quantile(z, 0.3, dim=1)),
    "nanquantile": (_rows, lambda z: ag.nanquantile(z, 0.7, dim=1)),
    "median": (_rows, lambda z: ag.median(z, dim=1)[0]),
    "nanmedian": (_rows, lambda z: ag.nanmedian(z, dim=1)[0]),
    "prod": (_rows, lambda z: ag.prod(z, 1)), "cumprod": (_rows, lambda z: ag.cumprod(z, 1)),
    "cummax": (_rows, lambda z: ag.cummax(z, 1)[0]), "cummin": (_rows, lambda z: ag.cummin(z, 1)[0]),
    "amax": (_rows, lambda z: ag.amax(z, 1)), "max dim": (_rows, lambda z: ag.max(z, 1)[0]),
    "nansum": (_rows, lambda z: ag.nansum(z, 1)),
    "norm 0": (_rows, lambda z: z.norm(0, dim=1)), "norm 1": (_rows, lambda z: z.norm(1, dim=1)),
    "norm inf": (_rows, lambda z: z.norm(float("inf"), dim=1)),
    "norm -inf": (_rows, lambda z: z.norm(float("-inf"), dim=1)),
    "norm -1": (_rows, lambda z: z.norm(-1, dim=1)),
    "attention": (_masked, _attention),
}


def inputs(name, i, edges_at):
    rng = np.random.default_rng(10 + i)
    return [ag.tensor(a) for a in OPS[name][0](rng, i in edges_at)]


def build_for(name, edges_at):
    def build():
        model = nn.Module()
        n = len(inputs(name, 0, edges_at))
        model.ws = nn.ParameterList([nn.Parameter(ag.zeros(*SHAPE, dtype=ag.float64))
                                     for _ in range(n)])
        model.a = nn.Parameter(ag.ones(1, dtype=ag.float64))
        opt = optim.SGD([model.a], lr=0.1, momentum=0.9)
        op = OPS[name][1]

        def step(*xs):
            model.zero_grad()
            out = op(*[x + (w - w.detach()) for x, w in zip(xs, model.ws)])
            loss = (model.a * out).nan_to_num().sum()
            loss.backward()
            opt.step()
            return loss, out
        return step, watched(model, opt)
    return build


@pytest.mark.parametrize("edges_at", [(1, 4), (3, 5)], ids=["traced", "replayed"])
@pytest.mark.parametrize("name", list(OPS))
def test_an_op_branching_on_its_data_replays_every_call(name, edges_at):
    """Edges on the traced call (1) and one replay (4), or on replays only (3, 5): every
    call replays, with eager's values, gradients and steps bit for bit. A branch that
    only skips work (``if infinite.any(): where(...)``) was a guard: the first change
    made the step eager, the second for good ('the value read at special.py:57 changes
    from step to step'); while a step is traced it now takes the general path
    (state.any_or_tracing)."""
    build = build_for(name, edges_at)
    runs = [run(build, c, args=lambda i, env: inputs(name, i, edges_at)) for c in (False, True)]
    assert_same_runs(*runs, replays=5)
