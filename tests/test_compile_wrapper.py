"""What the per-call wrapper of ag.compile must see between calls with the same argument
tensors (their arrays changed in place, replaced, reshaped, in another mode), a program
dropped or replaced under the same key, and the optimizer replay key's guard: twin-exact
with eager."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import discover
from nn import optim
from compile_twins import batch, check_twins, mlp, train_step, watched


def same_batch(build_step):
    """build() for check_twins whose step is called with the same two tensors every call
    (env["x"], env["y"])."""
    def build():
        step, env = build_step()
        x, y = batch(0)
        env["x"], env["y"] = x, y
        return step, env
    return build


def sgd(**kw):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, **kw)
        return train_step(model, opt), watched(model, opt)
    return build


def args(i, env):
    return env["x"], env["y"]


# --- the same argument tensors, changed between calls ------------------------------------
def test_same_tensors_new_values_in_place():
    def between(i, env):
        env["x"].data[...] = batch(i)[0].data
        env["y"].data[...] = batch(i)[1].data
    f = check_twins(same_batch(sgd()), args=args, between=between)
    assert f.traces == 1


def test_same_tensors_array_replaced():
    def between(i, env):
        if i >= 3:
            env["x"].data = batch(i)[0].data        # same shape: no new program
    f = check_twins(same_batch(sgd()), args=args, between=between)
    assert f.traces == 1


def twin(fn):
    """ag.compile(fn), and a call of it compared with fn's (a pure function)."""
    f = ag.compile(fn)

    def call(*a):
        got, want = f(*a), fn(*a)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got.data, want.data)
        return got
    return f, call


@pytest.mark.parametrize("how", ["shape", "strides", "dtype"])
def test_same_array_changed_in_place(how):
    """The same array object, its shape, strides or dtype set in place: a new key (the
    key holds them, not only the array's identity)."""
    f, call = twin(lambda u: (u * 2.0).sum(0))
    t = ag.tensor(np.arange(12, dtype=np.float32).reshape(2, 6))
    for _ in range(3):
        call(t)
    if how == "shape":
        t.data.shape = (3, 4)
    elif how == "strides":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            t.data.strides = (4, 8)         # another view of the same 48 bytes
    else:
        t.data.dtype = np.int32             # float32's bits as int32
    for _ in range(3):
        call(t)
    assert f.traces == 2


@pytest.mark.parametrize("mode", ["no_grad", "default_dtype"])
def test_same_tensors_other_mode(mode):
    """The same tensor in another grad mode or default dtype: another program."""
    f, call = twin(lambda u: u + ag.tensor([1.5, 1.5, 1.5]))
    t = ag.tensor(np.ones(3, np.float32))
    for _ in range(3):
        assert call(t).dtype == np.float32
    if mode == "no_grad":
        with ag.no_grad():
            for _ in range(3):
                call(t)
    else:
        old = ag.get_default_dtype()
        ag.set_default_dtype(np.float64)
        try:
            for _ in range(3):
                assert call(t).dtype == np.float64      # the constant is float64 now
        finally:
            ag.set_default_dtype(old)
    assert f.traces == 2
    for _ in range(2):
        assert call(t).dtype == np.float32
    assert f.traces == 2


def test_an_error_while_choosing_a_program_leaves_the_lock_free():
    """A call that raises while it holds the step's lock (an argument tensor without its
    array: the key reads it) releases it: another thread then replays (the fast path
    takes the lock by acquire and release, not `with`)."""
    import threading
    f, call = twin(lambda u: (u * 2.0).sum(0))
    t = ag.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    for _ in range(3):
        call(t)
    broken = ag.tensor(np.ones((2, 3), np.float32))
    del broken.data
    with pytest.raises(AttributeError):
        f(broken)
    done = []
    thread = threading.Thread(target=lambda: done.append(call(t)), daemon=True)
    thread.start()
    thread.join(15.0)
    assert done and f.traces == 1 and f.replays >= 2


def test_arguments_swapped():
    """The same two tensors in the other order: (8,12),(8,) keys differ from (8,),(8,12)
    and tensors of one shape passed swapped are new values, not the last call's."""
    a, b = ag.tensor(np.ones(3, np.float32)), ag.tensor(np.full(3, 2.0, np.float32))
    f = ag.compile(lambda u, v: u * 3.0 - v)
    for _ in range(3):
        assert f(a, b).tolist() == [1.0] * 3
        assert f(b, a).tolist() == [5.0] * 3
    assert f.traces == 1


def test_argument_passed_twice_then_two():
    """The same tensor as both arguments shares memory (its own key), then two tensors."""
    a, b = ag.tensor(np.ones(3, np.float32)), ag.tensor(np.full(3, 2.0, np.float32))
    f = ag.compile(lambda u, v: u * 3.0 - v)
    for _ in range(3):
        assert f(a, a).tolist() == [2.0] * 3
        assert f(a, b).tolist() == [1.0] * 3
        assert f(b, b).tolist() == [4.0] * 3
    assert f.traces == 2


def test_a_dead_array_is_not_the_last_call_s():
    """A new array in place of a dead one (which may have its id) is keyed afresh."""
    f = ag.compile(lambda u: u * 2.0)
    t = ag.tensor(np.ones((2, 3), np.float32))
    for i in range(6):
        t.data = np.full((2, 3) if i % 2 else (3, 2), float(i), np.float32)
        assert f(t).tolist() == (np.full(t.shape, 2.0 * i)).tolist()
    assert f.traces == 2


# --- a program replaced or dropped under the same key ------------------------------------
def test_retrace_replaces_the_last_replayed_program():
    """A retrace (a module's mode switched) puts a new program under the same key: the
    next calls replay that one, not the one replayed before."""
    def build():
        model = mlp(extra=(nn.Dropout(0.5),))
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 3:
            env["models"][0].eval()
        if i == 5:
            env["models"][0].train()
    f = check_twins(same_batch(build), args=args, between=between, calls=8, replays=4)
    assert f.traces == 3


def test_a_failed_guard_drops_the_last_replayed_program():
    """The same tensors, the labels changed in place so that a guard of the program
    fails once (one_hot's width): that call runs eagerly and the next traces again, as
    with new tensors (the dropped program is not replayed)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt, loss_fn=_one_hot_guard), watched(model, opt)

    def between(i, env):
        y = env["y"].data
        y[:] = np.minimum(batch(i)[1].data, 3 + (i >= 3))
        y[0] = 3 + (i >= 3)
    f = check_twins(same_batch(build), args=args, between=between, calls=8, replays=4)
    assert f.traces == 2


def _one_hot_guard(z, y):
    return F.cross_entropy(z, y) + F.one_hot(y).sum() * 0.0


# --- the optimizer's replay key ------------------------------------------------------------
SGD_FLIPS = [("momentum", 0.0, 0.9), ("weight_decay", 0.0, 0.01), ("maximize", False, True),
             ("nesterov", False, True), ("dampening", 0.0, 0.5)]


@pytest.mark.parametrize("key,before,after", SGD_FLIPS)
def test_sgd_branch_flipped_in_the_param_group(key, before, after):
    """A value deciding which branch the inlined update takes, changed in the group
    between calls: the guard sees it (a retrace), twin-exact."""
    kw = {"momentum": 0.9} if key in ("nesterov", "dampening") else {}
    kw[key] = before

    def between(i, env):
        if i == 3:
            env["opts"][0].param_groups[0][key] = after
    f = check_twins(same_batch(sgd(**kw)), args=args, between=between, replays=3)
    assert f.traces == 2


@pytest.mark.parametrize("key,after", [("amsgrad", True), ("maximize", True),
                                       ("weight_decay", 0.1)])
def test_adam_branch_flipped_in_the_param_group(key, after):
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=0.01)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 3:
            env["opts"][0].param_groups[0][key] = after
    f = check_twins(build, between=between, replays=3)
    assert f.traces == 2


def test_a_group_replaced_by_an_equal_one_with_a_branch_flipped():
    def between(i, env):
        if i == 3:
            groups = env["opts"][0].param_groups
            groups[0] = {**groups[0], "weight_decay": 0.5}
    f = check_twins(sgd(), between=between, replays=3)
    assert f.traces == 2


class _FlagSGD(optim.SGD):
    """A user's optimizer whose branches read its own attribute: no guard can stand
    for its replay key (which is then called every time)."""
    sign = 1.0

    def _numbers(self, group):
        neg_lr, *rest = optim.SGD._numbers(self, group)
        return (neg_lr * self.sign, *rest)

    def _branches(self, group):
        return optim.SGD._branches(self, group) + (self.flip,)

    def _update(self, group, params):
        if self.flip:
            for p in params:
                p.data *= np.float32(0.5)
        optim.SGD._update(self, group, params)


def test_a_user_optimizer_branches_are_called():
    def build():
        model = mlp()
        opt = _FlagSGD(model.parameters(), lr=0.1)
        opt.flip = False
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 3:
            env["opts"][0].flip = True
    check_twins(build, between=between, replays=0)
    step, env = build()
    assert discover._inline_guard(discover._Check(), optim.Optimizer._replay_key,
                                  (env["opts"][0],), {}, [(False,) * 5 + (False,)]) is None


def test_the_replay_key_guard_is_used_and_names_each_value():
    """gradgraph's SGD: the guard stands for the call, reading each value _branches
    reads (so a test flipping one fails without it: the call is the fallback)."""
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    check = discover._Check()
    key = opt._replay_key()
    cond = discover._inline_guard(check, optim.Optimizer._replay_key, (opt,), {}, key)
    assert cond is not None
    for k in ("momentum", "dampening", "weight_decay", "nesterov", "maximize"):
        assert f"[{k!r}]" in cond
    assert "['lr']" not in cond             # read by the program on every replay
    ns = dict(check.ns)
    assert eval(cond, ns) is True           # noqa: S307
    opt.param_groups[0]["momentum"] = 0.0   # the same branch, another object: fails
    assert eval(cond, ns) is False          # noqa: S307
    assert discover._inline_guard(check, optim.Optimizer._replay_key, (opt,), {},
                                  [(True,) * 5]) is None     # the key does not match
