"""ag.compile's planner (autograd/jit/plan.py): which elementwise calls it rewrites to run
in place, and each case where that would be wrong and it must refuse."""
import numpy as np

import autograd as ag
from autograd.jit.plan import plan


def call(f, args, out, **kwargs):
    return ("call", f, tuple(args), kwargs, (out,), "out")


def rewritten(code, keep=()):
    """(number of in-place rewrites, the planned code) of `code`, with the arrays in
    `keep` held in place (inputs, returned values, parameters)."""
    planned, n = plan(code, {id(a) for a in keep})
    return n, planned


def in_place(ins):
    """True if a planned call writes into the memory of one of its inputs."""
    out = ins[4][0]
    return any(isinstance(a, np.ndarray) and np.shares_memory(a, out) for a in ins[2])


def test_a_chain_of_elementwise_ops_runs_in_place():
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    t, u, v, r = (np.empty((4, 3)) for _ in range(4))
    code = [call(np.exp, [x], t), call(np.negative, [t], u), call(np.multiply, [u, 2.0], v),
            call(np.add, [v, x], r)]
    want = np.exp(x) * -2.0 + x
    n, planned = rewritten(code, keep=(x, r))
    assert n == 2                      # negative and multiply; exp reads an input, add
    assert [in_place(i) for i in planned] == [False, True, True, False]    # writes r
    for _, f, args, kwargs, outs, _ in planned:
        f(*args, outs[0], **kwargs)
    assert np.array_equal(r, want)


def test_the_same_temporary_twice_is_in_place():
    x = np.arange(6.0)
    t, u, r = np.empty(6), np.empty(6), np.empty(6)
    n, planned = rewritten([call(np.exp, [x], t), call(np.multiply, [t, t], u),
                            call(np.add, [u, x], r)], keep=(x, r))
    assert n == 1 and in_place(planned[1])


def test_a_whole_view_of_a_dying_temporary_is_in_place():
    """ReLU's backward: the gradient's bits as integers times a bool mask."""
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    mask = x > 0
    t, u, r = np.empty((4, 3)), np.empty((4, 3), np.int64), np.empty((4, 3))
    code = [call(np.exp, [x], t), call(np.multiply, [t.view(np.int64), mask], u),
            call(np.add, [u.view(np.float64), x], r)]
    n, planned = rewritten(code, keep=(x, mask, r))
    assert n == 1 and in_place(planned[1])
    for _, f, args, kwargs, outs, _ in planned:
        f(*args, outs[0], **kwargs)
    assert np.array_equal(r, np.where(mask, np.exp(x), 0.0) + x)
    half, r2 = np.empty((2, 3), np.int64), np.empty((2, 3))   # a view of part of t
    n, planned = rewritten([call(np.exp, [x], t),
                            call(np.multiply, [t.view(np.int64)[:2], mask[:2]], half),
                            call(np.add, [half.view(np.float64), x[:2]], r2)],
                           keep=(x, mask, r2))
    assert not in_place(planned[1])


def test_refused_while_a_view_of_the_input_is_live():
    x = np.ones((4, 3))
    t, u, r = np.empty((4, 3)), np.empty((4, 3)), np.empty(3)
    view = t[0]                         # read after the call
    code = [call(np.exp, [x], t), call(np.negative, [t], u), call(np.add, [view, u[1]], r)]
    n, planned = rewritten(code, keep=(x, r))
    assert n == 0 and not in_place(planned[1])


def test_refused_when_another_argument_views_the_input():
    x = np.ones((3, 3))
    t, r, s, out = (np.empty((3, 3)) for _ in range(4))
    tt = t.T
    n, planned = rewritten([call(np.exp, [x], t), call(np.add, [t, tt], r),
                            call(np.negative, [r], s), call(np.add, [s, x], out)], keep=(x, out))
    assert n == 1 and in_place(planned[2])   # only -r: t + t.T is not elementwise


def test_refused_when_broadcasting_changes_the_shape():
    x = np.ones((1, 3))
    y = np.ones((4, 3))
    t, u, r = np.empty((1, 3)), np.empty((4, 3)), np.empty((4, 3))
    n, _ = rewritten([call(np.exp, [x], t), call(np.add, [t, y], u),
                      call(np.add, [u, y], r)], keep=(x, y, r))
    assert n == 0


def test_refused_when_the_dtype_changes():
    x = np.arange(6)
    t, u, r = np.empty(6, np.int64), np.empty(6), np.empty(6)
    n, _ = rewritten([call(np.negative, [x], t), call(np.sqrt, [t], u),
                      call(np.add, [u, 1.0], r)], keep=(x, r))
    assert n == 0
    x32 = np.ones(6, np.float32)
    t32, u64 = np.empty(6, np.float32), np.empty(6)
    n, _ = rewritten([call(np.exp, [x32], t32), call(np.add, [t32, np.ones(6)], u64),
                      call(np.add, [u64, 1.0], r)], keep=(x32, r))
    assert n == 0


def test_refused_for_a_value_returned_to_the_user():
    x = np.ones(5)
    t, u = np.empty(5), np.empty(5)
    n, _ = rewritten([call(np.exp, [x], t), call(np.negative, [t], u)], keep=(x, t, u))
    assert n == 0


def test_refused_for_a_value_saved_for_backward():
    x = np.ones(5)
    t, u, g, r = np.empty(5), np.empty(5), np.empty(5), np.empty(5)
    code = [call(np.exp, [x], t),            # forward: t = exp(x), saved
            call(np.negative, [t], u),       # forward goes on from t
            call(np.multiply, [u, t], g),    # backward reads the saved t
            call(np.add, [g, 1.0], r)]
    n, planned = rewritten(code, keep=(x, r))
    assert not in_place(planned[1])
    assert n == 1 and in_place(planned[2])   # u and t both die at the multiply


def test_refused_for_matmul_a_ufunc_that_is_not_elementwise():
    x = np.ones((3, 3))
    t, u, r = np.empty((3, 3)), np.empty((3, 3)), np.empty((3, 3))
    n, _ = rewritten([call(np.exp, [x], t), call(np.matmul, [t, x], u),
                      call(np.add, [u, x], r)], keep=(x, r))
    assert n == 0


def test_refused_with_where():
    x = np.ones(4)
    t, u, r = np.empty(4), np.empty(4), np.empty(4)
    mask = np.array([True, False, True, False])
    n, _ = rewritten([call(np.exp, [x], t), call(np.negative, [t], u, where=mask),
                      call(np.add, [u, x], r)], keep=(x, r, mask))
    assert n == 0


def test_compiled_program_counts_its_rewrites_and_matches_eager():
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((6, 6)))

    def f(x):
        with ag.no_grad():
            return ((x @ w).exp() * 2 + 1).tanh()
    step = ag.compile(f)
    xs = [ag.tensor(rng.standard_normal((4, 6))) for _ in range(4)]
    for x in xs:
        assert np.array_equal(step(x).data, f(x).data)
    program = next(iter(step.programs.values())).program
    assert program.n_inplace == 3          # exp, * 2, + 1; tanh writes the returned array


def _gelu_slice_step(index):
    """A compiled step whose backward goes through GELU (np.empty arrays in float32)
    and getitem's backward (np.zeros, then the gradient written at `index`)."""
    import nn.functional as F
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)

    def f(x):
        w.grad = None
        y = F.gelu(x @ w)
        y[index].sum().backward()
        return y
    step = ag.compile(f)
    for _ in range(4):
        x = ag.tensor(rng.standard_normal((4, 8)).astype(np.float32))
        got, g = step(x).data, w.grad.data.copy()
        want = f(x).data
        assert np.array_equal(got, want) and np.array_equal(g, w.grad.data)
    return [ins for ins in program_of(step).code if ins[0] == "restore"]


def test_an_array_made_by_np_empty_is_not_restored_one_by_np_zeros_is():
    """GELU in float32 writes its results into np.empty arrays: nothing to put back
    before a replay writes them; getitem's backward adds into np.zeros at rows that
    depend on values (np.add.at): put back."""
    restored = _gelu_slice_step(np.array([1, 2, 2]))
    assert len(restored) == 1 and restored[0][1].shape == (4, 8)     # getitem's zeros


def test_no_restore_before_the_only_write_through_a_basic_index():
    """getitem's backward for y[1:3]: np.zeros, then the gradient assigned to rows 1:3,
    the same rows every replay; rows 0 and 3 keep the trace's zeros."""
    assert _gelu_slice_step(slice(1, 3)) == []


def test_a_restore_stays_before_a_second_write_or_a_read():
    z, g = np.zeros((4, 3)), np.ones((2, 3))
    put = ("call", np.ndarray.__setitem__, (z, slice(1, 3), g), {}, (), "effect")
    again = ("call", np.ndarray.__setitem__, (z, 0, 2.0), {}, (), "effect")
    total = np.empty(3)
    read = call(np.add.reduce, [z], total, axis=0)
    restore = ("restore", z, np.zeros((4, 3)))
    cases = {"once": ([restore, put, read], 0), "twice": ([restore, put, again, read], 1),
             "read first": ([read, restore, put, read], 1),
             "advanced": ([restore, ("call", np.ndarray.__setitem__, (z, [1, 2], g), {}, (),
                                     "effect"), read], 1)}
    for name, (code, n) in cases.items():
        planned, _ = plan(code, {id(g), id(total)})
        assert sum(ins[0] == "restore" for ins in planned) == n, name


def program_of(step):
    return next(iter(step.programs.values())).program


def test_an_integer_range_check_becomes_one_python_guard():
    lo, hi = np.array(3), np.array(7)                   # 0-d int64, computed by the step
    t1, t2 = np.empty((), bool), np.empty((), bool)
    out = np.empty(())
    code = [call(np.less, [lo, 0], t1), ("guard", np.ndarray.__bool__, t1, (), False, "a:1"),
            call(np.greater_equal, [10, hi], t2),       # 10 >= hi, the int on the left
            ("guard", np.ndarray.__bool__, t2, (), True, "a:2"),
            call(np.add, [lo, hi], out)]
    planned, _ = plan(code, {id(lo), id(hi), id(out)})
    guards = [ins for ins in planned if ins[0] == "guard"]
    assert len(planned) == 3 and len(guards) == 2
    for (_, test, a, args, value, _), x in zip(guards, ([3, -1], [7, 11])):
        assert test(a, *args) is value                  # the values the trace read
        a[()] = x[1]
        assert test(a, *args) is not value              # and a change of side
        a[()] = x[0]


def test_a_float_or_a_shared_comparison_stays_a_numpy_call():
    f32 = np.array(0.1, np.float32)           # float32 < 0.1 is not Python's comparison
    lo = np.array(3)
    t1, t2 = np.empty((), bool), np.empty((), bool)
    out = np.empty((), bool)
    code = [call(np.less, [f32, 0.1], t1), ("guard", np.ndarray.__bool__, t1, (), False, "a:1"),
            call(np.less, [lo, 0], t2), ("guard", np.ndarray.__bool__, t2, (), False, "a:2"),
            call(np.logical_not, [t2], out)]    # t2 read again
    planned, _ = plan(code, {id(f32), id(lo), id(out)})
    assert [ins[0] for ins in planned] == ["call", "guard", "call", "guard", "call"]


def effect(f, args, out):
    return ("call", f, tuple(args), {"out": (out,)}, (), "effect")


def test_np_empty_scratch_shares_blocks_by_liveness():
    x = np.linspace(-1, 1, 9).reshape(3, 3)
    s1, s2, r1, r2 = (np.empty((3, 3)) for _ in range(4))
    code = [effect(np.exp, [x], s1), call(np.matmul, [s1, x], r1),     # s1 dies here
            effect(np.negative, [x], s2), call(np.add, [s2, r1], r2)]
    want = -x + np.exp(x) @ x
    for undefined, shared in (((), False), ({id(s1), id(s2)}, True)):
        planned, _ = plan(code, {id(x), id(r2)}, undefined)
        a, b = planned[0][3]["out"][0], planned[2][3]["out"][0]
        assert np.shares_memory(a, b) is shared
        for _, f, args, kwargs, outs, _ in planned:
            f(*args, *outs, **kwargs)
        assert np.array_equal(planned[-1][4][0], want)


def test_a_failing_guard_puts_back_only_state_from_outside_the_step():
    """Of the arrays written before cross-entropy's label guards, BatchNorm's running
    statistics are put back when a guard fails; GELU's np.empty scratch is not (the GPT
    step copied 20 MB of it per replay)."""
    import nn
    import nn.functional as F
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 3))
    model.float()

    def f(x, y):
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
    step = ag.compile(f)
    for _ in range(3):
        step(ag.tensor(rng.standard_normal((5, 6)).astype(np.float32)),
             ag.tensor(rng.integers(0, 3, 5)))
    backups = {id(b) for b in program_of(step).backups}
    assert backups == {id(b.data) for b in model.buffers()}


def test_a_copy_through_a_reshape_becomes_the_call_s_output():
    """A bias gradient: g^T @ ones as (n, 1), copied into the .grad as (n,)."""
    g, ones = np.arange(12.0).reshape(4, 3), np.ones((4, 1))
    t, grad = np.empty((3, 1)), np.empty(3)
    copy = ("call", np.array, (t.reshape(3),), {"copy": True}, (grad,), "copy")
    planned, _ = plan([call(np.matmul, [g.T, ones], t), copy], {id(g), id(ones), id(grad)})
    assert len(planned) == 1 and np.shares_memory(planned[0][4][0], grad)
    f, args, kwargs, outs = planned[0][1:5]
    f(*args, out=outs[0], **kwargs)
    assert np.array_equal(grad, g.sum(0))
    part = ("call", np.array, (t[:2, 0],), {"copy": True}, (np.empty(2),), "copy")
    planned, _ = plan([call(np.matmul, [g.T, ones], t), part], {id(g), id(ones), id(part[4][0])})
    assert len(planned) == 2                    # a part of it: still a copy
