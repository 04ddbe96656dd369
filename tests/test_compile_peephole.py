"""ag.compile's rewrites of planned calls into faster calls with the same bits
(autograd/jit/peephole.py), and the cases it must leave alone."""
import numpy as np

import autograd as ag
from autograd.jit import peephole
from autograd.jit.peephole import dense_scalars


def call(f, args, out, **kwargs):
    return ("call", f, tuple(args), kwargs, (out,), "out")


def specials(n, dtype=np.float32, seed=0):
    """n values, a third of them special (NaNs of both signs, +-0, +-inf, subnormals)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(dtype)
    odd = np.array([np.nan, -np.nan, 0.0, -0.0, np.inf, -np.inf,
                    np.finfo(dtype).smallest_subnormal, -np.finfo(dtype).smallest_subnormal], dtype)
    x[rng.integers(0, n, n // 3)] = rng.choice(odd, n // 3)
    return x


def bits(a):
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def test_relu_of_a_compiled_step_reads_a_zeros_array_and_keeps_eager_s_bits():
    rng = np.random.default_rng(1)
    w = ag.tensor(rng.standard_normal((64, 64)).astype(np.float32), requires_grad=True)

    def f(x):
        w.grad = None
        y = (x @ w).relu()
        (y * y).sum().backward()
        return y
    step = ag.compile(f)
    for i in range(4):          # NaNs and infinities in x: numpy warns in matmul
        x = ag.tensor(specials(32 * 64, seed=i).reshape(32, 64))
        with np.errstate(invalid="ignore", over="ignore"):
            got, g = step(x).data.copy(), w.grad.data.copy()
            want = f(x).data
        assert np.array_equal(bits(got), bits(want))
        assert np.array_equal(bits(g), bits(w.grad.data))
    program = next(iter(step.programs.values())).program
    assert program.n_dense == 1
    (relu,) = [ins for ins in program.code if ins[0] == "call" and ins[1] is np.maximum]
    z = relu[2][0]
    assert isinstance(z, np.ndarray) and not z.any() and not z.flags.writeable


def test_maximum_and_minimum_with_a_zero_either_side_keep_every_bit():
    for dtype in (np.float32, np.float64):
        x = specials(3001, dtype)[1:].reshape(50, 60)       # not aligned to 64 bytes
        for f in (np.maximum, np.minimum):
            for args in ((0, x), (x, 0.0)):
                out = np.empty_like(x)
                (ins,), n = dense_scalars([call(f, args, out)])
                z = ins[2][1 if isinstance(args[0], np.ndarray) else 0]
                assert n == 1 and z.shape == x.shape and not z.any()
                ins[1](*ins[2], out=out)
                assert np.array_equal(bits(out), bits(f(*args)))


def test_left_alone_small_strided_negative_zero_other_values_and_other_ufuncs():
    x = specials(4096).reshape(64, 64)
    cases = {"small": call(np.maximum, [0, x[:8, :8].copy()], np.empty((8, 8), np.float32)),
             "strided": call(np.maximum, [0, x[:, ::2]], np.empty((64, 32), np.float32)),
             "-0.0": call(np.maximum, [-0.0, x], np.empty_like(x)),
             "1.0": call(np.maximum, [1.0, x], np.empty_like(x)),
             "add": call(np.add, [0, x], np.empty_like(x)),
             "int": call(np.maximum, [0, x.view(np.int32)], np.empty(x.shape, np.int32))}
    for name, ins in cases.items():
        assert dense_scalars([ins]) == ([ins], 0), name


def test_refused_where_this_numpy_s_two_loops_would_differ(monkeypatch):
    """A loop for the array case that returns the other zero or NaN is caught by the check
    (here fmax's, which ignores NaNs), and the call keeps its scalar."""
    def maximum(a, b, out=None):
        f = np.fmax if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else np.maximum
        return f(a, b, out=out)
    monkeypatch.setattr(peephole, "_checked", {})
    assert not peephole._same_bits(maximum, True, np.dtype(np.float32))
    assert peephole._same_bits(np.maximum, True, np.dtype(np.float32))
