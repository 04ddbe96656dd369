"""ag.compile's blocking (autograd/jit/blocks.py): runs of elementwise calls over large
arrays replayed block by block, scratch arrays shrunk to one block, and each case
where that would change a value and it must refuse."""
import numpy as np
import pytest

import autograd as ag
import nn
from autograd.jit import blocks
from autograd.jit.blocks import block_runs

N = 4 * blocks.BLOCK_BYTES // 8 + 5          # float64 elements: 5 blocks, a short last one


def effect(f, args, out):
    return ("call", f, tuple(args), {"out": (out,)}, (), "effect")


def call(f, args, out):
    return ("call", f, tuple(args), {}, (out,), "out")


def run(code):
    for _, f, args, kwargs, outs, mode in code:
        f(*args, **kwargs) if mode == "effect" else f(*args, out=outs[0])


def arrays(n=N, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n) for _ in range(k)]


def sgd_code(g, p, t, lr=-0.01):
    return [effect(np.multiply, [g, lr], t), effect(np.add, [p, t], p)]


def test_an_update_through_scratch_runs_by_blocks_in_one_block_buffer():
    g, p, t = arrays()
    want = p + g * -0.01
    code, undefined = block_runs(sgd_code(g, p, t), set(), {id(t)})
    assert len(code) == 2 * 5
    buffers = {id(ins[3]["out"][0].base) for ins in code[::2]}
    assert len(buffers) == 1 and buffers <= undefined           # the scratch: one block
    assert all(ins[3]["out"][0].base is not t for ins in code)
    run(code)
    assert np.array_equal(p, want)


def test_scratch_read_after_the_run_is_written_in_pieces_not_shrunk():
    g, p, t = arrays()
    code = sgd_code(g, p, t) + [call(np.matmul, [t, t], np.empty(()))]   # not elementwise
    planned, _ = block_runs(code, set(), {id(t)})
    assert len(planned) == 2 * 5 + 1
    assert all(np.shares_memory(ins[3]["out"][0], t) for ins in planned[:-1:2])
    run(planned)
    assert planned[-1][4][0] == (g * -0.01) @ (g * -0.01)


def test_scratch_rewritten_whole_after_the_run_is_shrunk():
    g, p, t = arrays()
    code = sgd_code(g, p, t) + [effect(np.multiply, [g, 2.0], t), effect(np.add, [p, t], p)]
    planned, _ = block_runs(code, set(), {id(t)})
    assert not any(np.shares_memory(a, t) for ins in planned[:10] for a in ins[3]["out"])


@pytest.mark.parametrize("case", ["partial overlap", "0-d operand on the output", "input",
                                  "strided", "broadcast", "small", "large", "one call",
                                  "kept"])
def test_refused(case):
    g, p, t = arrays()
    code, keep, inputs = sgd_code(g, p, t), set(), ()
    if case == "partial overlap":               # reads p shifted by one element
        code = [effect(np.multiply, [p[1:], 2.0], t[1:]), effect(np.add, [p[:-1], t[1:]], p[:-1])]
    elif case == "0-d operand on the output":   # p[0] read by every block, written by the first
        code = [effect(np.multiply, [g, p[0, ...]], t), effect(np.add, [p, t], p)]
    elif case == "input":
        inputs = {id(g)}
    elif case == "strided":
        big = np.zeros(2 * N)
        code = sgd_code(g, big[::2], t)
    elif case == "broadcast":
        code = [effect(np.multiply, [g, g[:1]], t), effect(np.add, [p, t], p)]
    elif case == "small":
        g, p, t = arrays(n=blocks.BLOCK_BYTES // 8 * blocks.MIN_BLOCKS - 1)
        code = sgd_code(g, p, t)
    elif case == "large":
        g, p, t = arrays(n=blocks.BLOCK_BYTES // 8 * blocks.MAX_BLOCKS + 1)
        code = sgd_code(g, p, t)
    elif case == "one call":
        code = code[:1]
    else:                                       # a kept scratch stays whole (not shrunk)
        keep = {id(t)}
    planned, _ = block_runs(code, keep, {id(t)}, inputs)
    if case == "kept":
        assert all(np.shares_memory(ins[3]["out"][0], t) for ins in planned[::2])
    else:
        assert planned == code


def _twins(make_opt, steps=4):
    """An MLP step under ag.compile and eagerly, from the same weights: the same bits of
    loss, weights and optimizer state after every step."""
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((32, 400)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, 32))
    models = []
    for _ in range(2):
        ag.manual_seed(0)
        m = nn.Sequential(nn.Linear(400, 300), nn.ReLU(), nn.Linear(300, 10))
        models.append((m, make_opt(m.parameters())))
    (m1, o1), (m2, o2) = models

    def step(model, opt):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    compiled = ag.compile(lambda: step(m1, o1))
    for _ in range(steps):
        assert compiled().item() == step(m2, o2).item()
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert np.array_equal(p.data, q.data) and np.array_equal(p.grad.data, q.grad.data)
    program = next(iter(compiled.programs.values())).program
    return sum(1 for ins in program.code if ins[0] == "call" and ins[5] == "effect"
               and ins[3].get("out", (p,))[0].shape == (blocks.BLOCK_BYTES // 4,))


@pytest.mark.parametrize("make_opt", [
    lambda ps: nn.optim.SGD(ps, lr=0.01),
    lambda ps: nn.optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: nn.optim.AdamW(ps, lr=1e-3)], ids=["sgd", "nesterov", "adamw"])
def test_a_compiled_update_by_blocks_keeps_eager_s_bits(make_opt):
    assert _twins(make_opt) > 0            # the 300 x 400 weight's update ran by blocks
