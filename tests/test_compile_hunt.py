"""ag.compile against training steps as users write them, each checked by twin runs
(eager and compiled from one seed, the inputs changing from call to call): micro-batch
accumulation, several backward passes, GAN alternation, hand-made updates, dtype mixes,
special values. Cases already in the other test_compile files are not repeated here."""
import collections
import dataclasses
import re
import types
import warnings
import weakref

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from nn.data import DataLoader, TensorDataset
from nn.optim import lr_scheduler as sched
from nn.utils import NonFiniteNormError, clip_grad_norm_
from compile_twins import (Call, adam, assert_same, assert_same_runs, batch, check_twins, flat,
                           mlp, mlp_and_opt, run, state_of, train_step, watched)


# --- several backward passes in one step -------------------------------------------------
def test_micro_batch_accumulation_inside_the_step():
    def build():
        model, opt = mlp_and_opt(adam)

        def step(x, y):
            opt.zero_grad()
            total = 0
            for xs, ys in zip(x.chunk(4), y.chunk(4)):
                loss = F.cross_entropy(model(xs), ys) / 4
                loss.backward()
                total = total + loss.detach()
            norm = clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return total, norm
        return step, watched(model, opt)
    check_twins(build, calls=7)


def test_two_backwards_with_retain_graph():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            a = F.cross_entropy(z, y)
            b = (z * z).mean()
            a.backward(retain_graph=True)
            g0 = model[0].weight.grad.clone()
            b.backward()
            opt.step()
            return a, b, g0
        return step, watched(model, opt)
    check_twins(build)


def test_backward_with_a_gradient_argument():
    def build():
        model, opt = mlp_and_opt()

        def step(x, w):
            opt.zero_grad()
            z = model(x)
            z.backward(w)
            opt.step()
            return z
        return step, watched(model, opt)

    def args(i, env):
        x, _ = batch(i)
        return x, ag.tensor(np.random.default_rng(i).standard_normal((8, 5)).astype(np.float32))
    check_twins(build, args=args)


def test_grad_without_backward_then_optimizer_step():
    def build():
        model, opt = mlp_and_opt(lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5))
        params = list(model.parameters())

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            for p, g in zip(params, ag.grad(loss, params)):
                p.grad = g
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_gradient_penalty_on_the_parameters():
    """Higher order: the penalty is the squared norm of the parameters' gradients."""
    def build():
        model, opt = mlp_and_opt(adam, extra=(nn.Tanh(),))
        params = list(model.parameters())

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            grads = ag.grad(loss, params, create_graph=True)
            penalty = sum((g * g).sum() for g in grads)
            (loss + 0.5 * penalty).backward()
            opt.step()
            return loss, penalty
        return step, watched(model, opt)
    check_twins(build)


# --- two compiled steps on shared parameters ---------------------------------------------
def test_gan_alternation_two_compiled_steps():
    def build():
        gen = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 12))
        disc = nn.Sequential(nn.Linear(12, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
        opt_g = optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.999))
        opt_d = optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.999))
        bce = F.binary_cross_entropy_with_logits

        def d_step(x):
            opt_d.zero_grad()
            fake = gen(ag.randn(x.shape[0], 4)).detach()
            real_l, fake_l = disc(x), disc(fake)
            loss = (bce(real_l, ag.ones_like(real_l)) + bce(fake_l, ag.zeros_like(fake_l)))
            loss.backward()
            opt_d.step()
            return loss

        def g_step(n):
            opt_g.zero_grad()
            logits = disc(gen(ag.randn(n, 4)))
            loss = bce(logits, ag.ones_like(logits))
            loss.backward()                     # D's grads accumulate, not zeroed here
            opt_g.step()
            return loss
        return (d_step, g_step), watched(gen, disc, opt_g, opt_d)

    outs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        (d, g), env = build()
        if compiled:
            d, g = ag.compile(d), ag.compile(g)
        hist = []
        for i in range(8):
            hist += [flat(d(batch(i, d=12)[0])), flat(g(8)), state_of(env)]
        outs.append(hist)
    assert_same(outs[0], outs[1], "gan")
    assert d.replays >= 5 and g.replays >= 5, (d.replays, g.replays)


# --- modes, buffers and metrics inside the step ------------------------------------------
def test_eval_flip_inside_the_step_for_a_validation_metric():
    def build():
        model, opt = mlp_and_opt(extra=(nn.BatchNorm1d(16), nn.Dropout(0.3)))

        def step(x, y, xv, yv):
            model.eval()
            with ag.no_grad():
                val = F.cross_entropy(model(xv), yv)
                acc = (model(xv).argmax(1) == yv).float().mean()
            model.train()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss, val, acc
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + batch(100 + i, b=6))


class _Counted(nn.Module):
    """A module keeping a step count and a running mean of its input in buffers it
    updates by hand."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(12, 5)
        self.register_buffer("count", ag.zeros(()))
        self.register_buffer("mean", ag.zeros(12))

    def forward(self, x):
        if self.training:
            with ag.no_grad():
                self.count += 1
                self.mean.mul_(1 - 1 / 8).add_(x.mean(0), alpha=1 / 8)
        return self.lin(x - self.mean)


def test_buffers_updated_by_hand():
    def build():
        model = _Counted()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


def test_manual_loss_scaling_and_unscaling_the_grads():
    def build():
        model, opt = mlp_and_opt(lambda p: optim.AdamW(p, lr=1e-2))

        def step(x, y, scale):
            opt.zero_grad()
            (F.cross_entropy(model(x), y) * scale).backward()
            for p in model.parameters():
                p.grad.div_(scale)
            norm = clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
            return norm
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + (ag.tensor(np.float32(2.0 ** (i % 3 + 4))),))


def test_zero_grad_at_the_end_of_the_step():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=False)
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_optimizer_step_twice_in_one_step():
    def build():
        model, opt = mlp_and_opt(adam)

        def step(x, y):
            for _ in range(2):
                opt.zero_grad()
                F.mse_loss(model(x), y).backward()
                opt.step()
            return model(x).sum()
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: (batch(i)[0], batch(50 + i, classes=8)[0][:, :5]))


def test_unused_parameter_keeps_grad_none():
    def build():
        model = nn.ModuleList([nn.Linear(12, 5), nn.Linear(12, 5)])
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)

        def step(x, y, branch):
            opt.zero_grad()
            F.cross_entropy(model[branch](x), y).backward()
            opt.step()
            return model[branch].weight.grad
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + (i % 3 == 2,), calls=9, replays=3)


# --- dtypes and layouts of the inputs ----------------------------------------------------
def test_float64_model_with_float32_inputs():
    def build():
        model = mlp().double()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        step = train_step(model, opt)
        return (lambda x, y: step(x.double(), y)), watched(model, opt)
    check_twins(build)


def test_labels_int32_then_int64():
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        return x, ag.tensor(y.data.astype(np.int32 if i < 4 else np.int64))
    check_twins(build, args=args, calls=8, replays=4)


def test_inputs_that_are_views_of_a_reused_buffer():
    """A loader writing each batch into one preallocated buffer, the step getting a slice
    of it at a changing offset."""
    buf = np.zeros((16, 12), np.float32)

    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        off = 8 * (i % 2)
        buf[off:off + 8] = x.data
        return ag.tensor(buf)[off:off + 8], y
    check_twins(build, args=args)


def test_transposed_view_input():
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        return ag.tensor(np.ascontiguousarray(x.data.T)).T, y
    check_twins(build, args=args)


# --- special values ----------------------------------------------------------------------
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_input_on_one_step(value):
    def build():
        model, opt = mlp_and_opt(adam, extra=(nn.LayerNorm(16),))

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            norm = clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return loss, norm
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        if i == 4:
            x.data[2, 3] = value
        return x, y
    check_twins(build, args=args, replays=3)        # the step with the value runs eagerly


def test_huge_inputs_to_layer_norm_on_one_step():
    def build():
        model, opt = mlp_and_opt(extra=(nn.LayerNorm(16),))
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        if i == 4:
            x.data[...] *= np.float32(3e37)
        return x, y
    check_twins(build, args=args, calls=8, replays=4)


# --- inference --------------------------------------------------------------------------
def test_inference_with_changing_batch_sizes():
    def build():
        model = mlp(extra=(nn.BatchNorm1d(16),))
        model.eval()

        def predict(x):
            with ag.no_grad():
                return F.log_softmax(model(x), 1).argmax(1), model(x).max(1).values
        return predict, watched(model)
    check_twins(build, args=lambda i, env: (batch(i, b=[8, 3, 8, 3, 1, 8][i % 6])[0],),
                calls=10, replays=5)


@dataclasses.dataclass
class _Result:
    loss: object


@pytest.mark.parametrize("wrap", [
    lambda z: z.max(1),                                 # namedtuple (values, indices)
    lambda z: z.topk(2, 1),
    lambda z: collections.OrderedDict(z=z),
    lambda z: _Result(z),
    lambda z: types.SimpleNamespace(z=z),
], ids=["max", "topk", "OrderedDict", "dataclass", "SimpleNamespace"])
def test_a_tensor_returned_in_another_container(wrap):
    """Named tuples and OrderedDicts are rebuilt by replays; other objects holding tensors
    run eagerly with a warning (a replay returned the first trace's tensors)."""
    model = mlp()

    def predict(x):
        with ag.no_grad():
            return wrap(model(x))
    f = ag.compile(predict)
    rebuilt = isinstance(wrap(ag.zeros(2, 3)), (tuple, dict))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [(f(x), predict(x)) for x in (batch(i)[0] for i in range(5))]
    said = [str(w.message) for w in caught if "returns tensors inside" in str(w.message)]
    assert len(said) == (0 if rebuilt else 1), said
    for i, (got, want) in enumerate(results):
        assert type(got) is type(want)
        got, want = (list(o.values()) if isinstance(o, dict) else list(vars(o).values())
                     if hasattr(o, "__dict__") else list(o) for o in (got, want))
        for g, w in zip(got, want):
            assert type(g.data) is type(w.data) and np.array_equal(g.data, w.data), i
    assert f.replays == (3 if rebuilt else 0)


# --- state the step changes, gradients by hand --------------------------------------------
def test_nonfinite_norm_raises_on_one_step_with_state_untouched():
    def build():
        model, opt = mlp_and_opt(adam)

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            norm = clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
            opt.step()
            return norm
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        if i == 4:
            x.data[0, 0] = np.inf
        return x, y
    eager, compiled = (run(build, c, calls=8, args=args, raises=NonFiniteNormError)
                       for c in (False, True))
    assert_same_runs(eager, compiled, replays=3)
    assert [h[0] for h in eager.history].count("raised") == 1


def test_optimizer_step_every_fourth_call_by_a_python_flag():
    def build():
        model, opt = mlp_and_opt(adam)

        def step(x, y, update):
            (F.cross_entropy(model(x), y) / 4).backward()
            if update:
                opt.step()
                opt.zero_grad()
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + (i % 4 == 3,), calls=24, replays=18)


def test_lr_written_into_the_groups_by_the_step():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y, lr):
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + ([0.1, 0.05, 0.1][i % 3],), calls=9,
                replays=5)


def test_noise_added_to_the_gradients():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            with ag.no_grad():
                for p in model.parameters():
                    p.grad += 0.01 * ag.randn_like(p)
            opt.step()
        return step, watched(model, opt)
    check_twins(build)


def test_freezing_the_discriminator_inside_the_generator_step():
    def build():
        gen = nn.Linear(4, 12)
        disc = nn.Sequential(nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = optim.SGD(gen.parameters(), lr=0.1)

        def g_step(z):
            for p in disc.parameters():
                p.requires_grad_(False)
            opt.zero_grad()
            loss = disc(gen(z)).mean()
            loss.backward()
            opt.step()
            for p in disc.parameters():
                p.requires_grad_(True)
            return loss
        return g_step, watched(gen, disc, opt)
    check_twins(build, args=lambda i, env: (batch(i, d=4)[0],))


def test_a_scalar_parameter_and_a_frozen_one_in_the_optimizer():
    class Temp(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(12, 5)
            self.log_t = nn.Parameter(ag.tensor(np.float32(0.5)))
            self.frozen = nn.Parameter(ag.ones(5), requires_grad=False)

        def forward(self, x):
            return self.lin(x) * self.log_t.exp() + self.frozen

    def build():
        model = Temp()
        opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


def test_backward_inputs_and_grad_allow_unused():
    def build():
        model, opt = mlp_and_opt()
        first = list(model[0].parameters())
        extra = nn.Linear(3, 3)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            gs = ag.grad(loss, first + [extra.weight], retain_graph=True, allow_unused=True)
            loss.backward(inputs=list(model[2].parameters()))
            opt.step()
            assert gs[2] is None
            return gs[0]
        return step, watched(model, opt)
    check_twins(build)


def test_loss_in_float64_of_a_float32_model():
    def build():
        model, opt = mlp_and_opt(adam)
        loss_fn = lambda z, y: F.cross_entropy(z.double(), y, label_smoothing=0.1)  # noqa: E731
        return train_step(model, opt, loss_fn=loss_fn), watched(model, opt)
    check_twins(build)


def test_manual_sgd_with_tensor_methods():
    def build():
        model = mlp()

        def step(x, y):
            model.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            with ag.no_grad():
                for p in model.parameters():
                    p.sub_(p.grad, alpha=0.1)
                    p.clamp_(-1, 1)
            return loss
        return step, watched(model)
    check_twins(build)


def test_a_numpy_array_argument():
    def build():
        model, opt = mlp_and_opt()
        step = train_step(model, opt)
        return (lambda x, y: step(ag.tensor(x), ag.tensor(y))), watched(model, opt)
    check_twins(build, args=lambda i, env: tuple(t.data for t in batch(i)), warns="not hashable")


# --- Python state the step rebinds ---------------------------------------------------------
class _Carried(nn.Module):
    """A recurrent cell whose hidden state is carried from call to call (truncated BPTT)
    in a module attribute or in a dict, a step counter scaling the output, or a MoCo-style
    queue written at a Python int pointer that the step advances."""

    def __init__(self, how):
        super().__init__()
        self.how, self.rnn, self.head = how, nn.Linear(18, 6), nn.Linear(6, 5)
        self.h, self.mem, self.t, self.ptr = ag.zeros(8, 6), {"h": ag.zeros(8, 6)}, 0, 0
        self.register_buffer("queue", ag.zeros(24, 6))

    def forward(self, x):
        h = self.mem["h"] if self.how == "dict" else self.h
        h = self.rnn(ag.cat([x, h.detach()], 1)).tanh()
        if self.how == "attribute":
            self.h = h
        elif self.how == "dict":
            self.mem["h"] = h
        out = self.head(h)
        if self.how == "counter":
            self.t += 1
            out = out / self.t
        elif self.how == "queue":
            out = out + (h @ self.queue.clone().T).mean(1, keepdim=True)
            with ag.no_grad():
                self.queue[self.ptr:self.ptr + 8] = h
            self.ptr = (self.ptr + 8) % 24
        return out


@pytest.mark.parametrize("how", ["attribute", "dict", "counter", "queue"])
def test_python_state_the_step_rebinds(how):
    """A tensor carried in an attribute or a dict item replays (a program input and
    output); a Python number the step advances on every call (a counter, a queue
    pointer) is a constant of each program: retraced a few times, then eager with a
    warning naming it."""
    def build():
        model = _Carried(how)
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    number = {"counter": "_Carried.t", "queue": "_Carried.ptr"}.get(how)
    check_twins(build, warns=number and re.escape(number) + " changed on every call",
                replays=None if number else 5)


class _LSTMState(nn.Module):
    """A cell whose (h, c) pair is carried in one attribute, reset by the user now and
    then; or a running average rebinding a registered buffer (not in place)."""

    def __init__(self, how):
        super().__init__()
        self.how, self.rnn, self.head = how, nn.Linear(18, 12), nn.Linear(6, 5)
        self.state = (ag.zeros(8, 6), ag.zeros(8, 6))
        self.register_buffer("avg", ag.zeros(6))

    def forward(self, x):
        h, c = (s.detach() for s in self.state)
        gates = self.rnn(ag.cat([x, h], 1))
        c = c * gates[:, :6].sigmoid() + gates[:, 6:].tanh()
        h = c.tanh()
        if self.how == "pair":
            self.state = (h, c)
        else:
            self.avg = 0.9 * self.avg + 0.1 * h.detach().mean(0)
        return self.head(h + self.avg)


@pytest.mark.parametrize("how", ["pair", "buffer"])
def test_a_pair_of_tensors_or_a_buffer_rebound_by_the_step(how):
    def build():
        model = _LSTMState(how)
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("change", ["reset", "keep"])
def test_hidden_state_reset_or_kept_by_the_user_between_calls(change):
    """Resetting the carried state (a new zeros tensor) replays from it; a hidden state
    the user keeps from an earlier call keeps its values."""
    def build():
        model = _Carried("attribute")
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt, kept=[])

    def between(i, env):
        model = env["models"][0]
        if change == "reset" and i % 3 == 0:
            model.h = ag.zeros(8, 6)
        elif change == "keep":
            env["kept"].append(model.h)

    def after(r):
        return [flat(h) for h in r.env["kept"]] + flat(r.env["models"][0].h)
    runs = [run(build, c, calls=8, between=between) for c in (False, True)]
    assert_same_runs(*runs, replays=4)
    assert_same(*map(after, runs), "hidden states")


def test_a_tensor_the_step_rebinds_that_other_state_shares_runs_eagerly():
    """The carried tensor is also a registered buffer of another module: copying the next
    value into its array would change that buffer too."""
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.keeper = nn.Linear(18, 6), nn.Module()
            self.keeper.register_buffer("h0", ag.zeros(8, 6))
            self.h = self.keeper.h0

        def forward(self, x):
            self.h = self.lin(ag.cat([x, self.h.detach()], 1)).tanh()
            return self.h

    def build():
        model = Shared()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt, loss_fn=lambda out, y: out.square().mean()), \
            watched(model, opt)
    check_twins(build, warns="Shared.h, whose tensor of shape", warmup=0)


class _Slotted:
    __slots__ = ("h",)

    def __init__(self):
        self.h = ag.zeros(8, 6)


@pytest.mark.parametrize("where", ["closure", "slots"])
def test_hidden_state_carried_in_a_closure_or_a_slots_object(where):
    def build():
        model = _Carried("argument")
        opt = optim.SGD(model.parameters(), lr=0.1)
        box, h = _Slotted(), ag.zeros(8, 6)

        def step(x, y):
            nonlocal h
            prev = h if where == "closure" else box.h
            new = model.rnn(ag.cat([x, prev], 1)).tanh()
            if where == "closure":
                h = new.detach()
            else:
                box.h = new.detach()
            opt.zero_grad()
            loss = F.cross_entropy(model.head(new), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_hidden_state_returned_and_passed_back():
    def build():
        model = _Carried("argument")
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y, h):
            opt.zero_grad()
            h = model.rnn(ag.cat([x, h], 1)).tanh()
            loss = F.cross_entropy(model.head(h), y)
            loss.backward()
            opt.step()
            return loss, h.detach()
        return step, watched(model, opt, hs=[ag.zeros(8, 6)])
    compiled = None
    for compiled in (False, True):
        ag.manual_seed(0)
        step, env = build()
        f = ag.compile(step) if compiled else step
        h, hist = ag.zeros(8, 6), []
        for i in range(7):
            loss, h = f(*batch(i), h)
            hist.append(flat(loss) + flat(h) + state_of(env))
        if not compiled:
            eager = hist
    assert_same(eager, hist, "hidden state passed back")
    assert f.replays == 5


def test_queue_written_at_a_tensor_pointer():
    class Queue(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(12, 4)
            self.register_buffer("queue", ag.zeros(32, 4))
            self.register_buffer("ptr", ag.zeros((), dtype="int64"))

        def forward(self, x):
            k = self.enc(x)
            logits = k @ self.queue.clone().T
            with ag.no_grad():
                self.queue[self.ptr + ag.arange(8)] = k
                nxt = self.ptr + 8
                self.ptr.copy_(nxt * (nxt < 32).long())
            return logits

    def build():
        model = Queue()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    check_twins(build, args=lambda i, env: (batch(i)[0], batch(i)[1] * 4))


# --- more than one model or function -------------------------------------------------------
def test_two_models_trained_by_one_step_taking_them_as_arguments():
    def build():
        models = [mlp(), mlp()]
        opts = [optim.Adam(m.parameters(), lr=1e-2) for m in models]

        def step(model, opt, x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(*models, *opts)
    check_twins(build, args=lambda i, env: (env["models"][i % 2], env["opts"][i % 2]) + batch(i),
                calls=10, replays=4)


def test_compiled_train_and_eval_functions_interleaved():
    def build():
        model, opt = mlp_and_opt(adam,
                               extra=(nn.BatchNorm1d(16), nn.Dropout(0.2)))

        def train(x, y):
            model.train()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        def evaluate(x):
            model.eval()
            with ag.no_grad():
                out = F.softmax(model(x), 1)
            model.train()
            return out
        return (train, evaluate), watched(model, opt)
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        (tr, ev), env = build()
        if compiled:
            tr, ev = ag.compile(tr), ag.compile(ev)
        runs.append([(flat(tr(*batch(i))), flat(ev(batch(50 + i, b=[4, 6][i % 2])[0])),
                      state_of(env)) for i in range(8)])
    assert_same(runs[0], runs[1], "train and eval")
    assert tr.replays == 6 and ev.replays >= 4, (tr.replays, ev.replays)


# --- the user's choices between calls -------------------------------------------------------
def test_zero_grad_set_to_none_chosen_per_call():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y, none):
            opt.zero_grad(set_to_none=none)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i) + (i % 3 == 0,), calls=10, replays=3)


def test_keyword_arguments_in_either_order():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y, w=None):
            opt.zero_grad()
            loss = F.cross_entropy(model(x) * w, y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        w = ag.tensor(np.float32(1 + i))
        return [Call(x=x, y=y, w=w), Call(w=w, y=y, x=x), Call(x, y=y, w=w)][i % 3]
    check_twins(build, args=args, calls=9, replays=3)


def test_loss_weights_written_in_place_and_replaced_between_calls():
    def build():
        model, opt = mlp_and_opt()
        crit = nn.CrossEntropyLoss(weight=ag.ones(5), label_smoothing=0.05)

        def step(x, y):
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, crit=crit)

    def between(i, env):
        env["crit"].weight.data[i % 5] = 2.0
        if i == 5:
            env["crit"].weight = ag.tensor(np.arange(1, 6, dtype=np.float32))
    check_twins(build, between=between, replays=4)


def test_an_empty_batch_on_some_calls():
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i, b=0 if i in (3, 4, 5) else 8), calls=8,
                replays=2)


def test_adversarial_examples_from_the_input_gradient():
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            x.requires_grad_()
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            x_adv = (x + 0.1 * x.grad.sign()).detach()
            opt.zero_grad()
            loss = F.cross_entropy(model(x_adv), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_an_input_of_the_wrong_dtype_on_one_call_raises_the_eager_error():
    def build():
        model = mlp().double()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        return (x if i in (2, 5) else x.double()), y
    eager, compiled = (run(build, c, calls=8, args=args, raises=ag.errors.DtypeError)
                       for c in (False, True))
    assert_same_runs(eager, compiled, replays=3)
    assert [h[0] == "raised" for h in eager.history] == [i in (2, 5) for i in range(8)]


@pytest.mark.parametrize("where", ["argument", "config"])
def test_a_negative_zero_float_chooses_its_own_program(where):
    """-0.0 and 0.0 are equal and hash alike; as an argument or a value the step reads,
    each keeps its sign (compared by bits)."""
    config = {"w": 0.0}

    def build():
        model, opt = mlp_and_opt()

        def step(x, y, w=None):
            opt.zero_grad()
            z = model(x)
            F.cross_entropy(z, y).backward()
            opt.step()
            return z.detach() * (config["w"] if w is None else w)
        return step, watched(model, opt)

    def args(i, env):
        config["w"] = -0.0 if i >= 4 else 0.0     # one change: no retrace storm
        return batch(i) + ((config["w"],) if where == "argument" else ())
    check_twins(build, args=args, calls=8, replays=3)


def test_a_tensor_of_python_floats_made_after_the_optimizer_step_replays():
    """ag.tensor's int64 range check reads the Python data, not the array: it is no guard
    (a guard after an update would make the step run eagerly)."""
    def build():
        model, opt = mlp_and_opt()

        def tail(loss, logits, y):
            return loss.detach() * ag.tensor([1.0, 0.5]) + ag.tensor(2.0)
        return train_step(model, opt, tail=tail), watched(model, opt)
    check_twins(build)


def test_an_activation_cached_in_an_attribute_by_the_step():
    class Cached(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.last = nn.Linear(12, 5), None

        def forward(self, x):
            out = self.lin(x)
            self.last = out.detach()
            return out

    def build():
        model = Cached()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    eager, compiled = run(build, False), run(build, True)
    assert_same_runs(eager, compiled, replays=5)
    want, got = (r.env["models"][0].last.data for r in (eager, compiled))
    assert type(got) is np.ndarray and got.tobytes() == want.tobytes()


# --- the optimizer's groups and state changed by the user between calls ---------------------
def test_groups_without_decay_on_biases_and_a_lambda_per_group():
    def build():
        model = mlp(extra=(nn.LayerNorm(16),))
        matrices = [p for p in model.parameters() if p.ndim == 2]
        rest = [p for p in model.parameters() if p.ndim != 2]
        opt = optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                           {"params": rest, "weight_decay": 0.0, "lr": 3e-3}], lr=1e-2)
        schedule = sched.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1 / (1 + e)])
        return train_step(model, opt, scheduler=schedule), watched(model, opt)
    check_twins(build, calls=9)


@pytest.mark.parametrize("change", ["zero the momentum", "clear the state"])
def test_optimizer_state_reset_by_the_user(change):
    def build():
        model, opt = mlp_and_opt(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            opt = env["opts"][0]
            if change == "clear the state":
                opt.state.clear()
            for state in opt.state.values():
                state["momentum_buffer"][...] = 0
    check_twins(build, between=between, calls=9, replays=4)


@pytest.mark.parametrize("change", ["extend", "pop", "replace an item"])
def test_a_group_params_list_changed_in_place(change):
    def build():
        model = mlp()
        opt = optim.SGD(list(model[2].parameters()), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        params = env["opts"][0].param_groups[0]["params"]
        first = list(env["models"][0][0].parameters())
        if i == 4 and change == "extend":
            params.extend(first)
        elif i == 4 and change == "pop":
            params.pop()
        elif i == 4:
            params[-1] = first[-1]
    check_twins(build, between=between, calls=9, replays=4)


def test_a_gradient_kept_by_the_user_from_an_earlier_call():
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt, kept=[])

    def between(i, env):
        env["kept"].append(env["models"][0][0].weight.grad)
    runs = [run(build, c, calls=6, between=between) for c in (False, True)]
    assert_same_runs(*runs, replays=4)
    want, got = ([None if g is None else g.data.tobytes() for g in r.env["kept"]] for r in runs)
    assert got == want


@pytest.mark.parametrize("how", ["set_to_none=False", "two backwards"])
def test_a_gradient_kept_by_the_user_in_other_steps(how):
    """set_to_none=False: eager zeroes and accumulates into the same .grad Tensor, which
    the kept one is; two backwards: the .grad made by the first is accumulated into."""
    def build():
        model, opt = mlp_and_opt()
        if how == "set_to_none=False":
            return train_step(model, opt, set_to_none=False), watched(model, opt, kept=[])

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x[:4]), y[:4]).backward()
            loss = F.cross_entropy(model(x[4:]), y[4:])
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, kept=[])

    def between(i, env):
        env["kept"].append(env["models"][0][0].weight.grad)
    runs = [run(build, c, calls=6, between=between) for c in (False, True)]
    assert_same_runs(*runs, replays=4)
    want, got = ([None if g is None else g.data.tobytes() for g in r.env["kept"]] for r in runs)
    assert got == want
    same = [[a is b for a, b in zip(r.env["kept"], r.env["kept"][1:])] for r in runs]
    assert same[0] == same[1]


def test_a_gradient_nobody_keeps_is_bound_again_not_made_anew():
    """The reference count that tells a kept .grad: a Tensor nobody holds is the same
    from replay to replay (no copy of its array)."""
    model, opt = mlp_and_opt()
    f = ag.compile(train_step(model, opt))
    w = model[0].weight
    refs = []
    for i in range(5):
        f(*batch(i))
        refs.append(weakref.ref(w.grad))
    assert f.replays == 3
    assert refs[2]() is refs[3]() is refs[4]() is w.grad


def test_a_penalty_on_the_norms_of_whole_tensors_replays():
    """norm's range check of a 0-d sum of squares compares arrays (a guard that holds
    while the sum is in range), not float(s), which a trace keeps as a constant: a
    guard failing every step, then eager."""
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss = loss + 1e-3 * sum(p.norm() for p in model.parameters())
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


# --- data the step fetches itself ---------------------------------------------------------
@pytest.mark.parametrize("source", ["list iterator", "DataLoader", "generator",
                                    "generator drawing"])
def test_a_step_that_fetches_its_batch_from_an_iterator(source):
    """x, y = next(batches) inside the step: every replay trained on the traced batch
    (silently); now the step runs eagerly with a warning naming the line."""
    rng = np.random.default_rng(0)
    data = TensorDataset(ag.tensor(rng.standard_normal((64, 12)).astype(np.float32)),
                         ag.tensor(rng.integers(0, 5, 64)))

    def build():
        model, opt = mlp_and_opt()
        it = (iter([batch(i) for i in range(8)]) if source == "list iterator" else
              (batch(i) for i in range(8)) if source == "generator" else
              ((ag.randn(8, 12), batch(i)[1]) for i in range(8)) if source == "generator drawing"
              else
              iter(DataLoader(data, batch_size=8)))

        def step():
            x, y = next(it)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: (), warns=r"next\(\) of an iterator")


@pytest.mark.parametrize("how", ["requires_grad_", "data="])
def test_what_the_step_does_to_its_argument_tensor_reaches_the_caller(how):
    def build():
        model, opt = mlp_and_opt()

        def step(x, y):
            if how == "data=":
                x.data = x.data * 2 - 1
            else:
                x.requires_grad_()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, xs=[])

    def args(i, env):
        env["xs"].append(batch(i)[0])
        return env["xs"][-1], batch(i)[1]
    runs = [run(build, c, args=args) for c in (False, True)]
    assert_same_runs(*runs, replays=5)
    assert_same(*[[flat(x) + [x.requires_grad] + flat(x.grad) for x in r.env["xs"]]
                  for r in runs], "the caller's tensors")


# --- training recipes with several passes ---------------------------------------------------
def test_the_argument_tensor_stored_by_the_step_is_the_callers():
    def build():
        model, opt = mlp_and_opt()
        seen = {}

        def step(x, y):
            seen["x"] = x
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, xs=[], seen=seen)

    def args(i, env):
        env["xs"].append(batch(i)[0])
        return env["xs"][-1], batch(i)[1]
    runs = [run(build, c, args=args) for c in (False, True)]
    assert_same_runs(*runs, replays=5)
    assert runs[1].env["seen"]["x"] is runs[1].env["xs"][-1]


def test_a_hook_on_the_argument_tensor_runs_eagerly():
    def build():
        model, opt = mlp_and_opt()
        norms = []

        def step(x, y):
            x.requires_grad_()
            x.register_hook(lambda g: norms.append(g.shape))
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, norms=norms)
    eager, compiled = (run(build, c) for c in (False, True))
    assert_same_runs(eager, compiled, warns="a hook on the step's argument tensor")
    assert eager.env["norms"] == compiled.env["norms"]


def test_an_argument_that_requires_grad_on_a_later_call_runs_eagerly():
    """The program traced with a plain input never gave it a gradient: an input that
    requires grad chooses a program of its own, which runs eagerly."""
    def build():
        model, opt = mlp_and_opt()
        return train_step(model, opt), watched(model, opt, xs=[])

    def args(i, env):
        x, y = batch(i)
        if i == 4:
            x.requires_grad_()
        env["xs"].append(x)
        return x, y
    runs = [run(build, c, args=args) for c in (False, True)]
    assert_same_runs(*runs, warns="an input that requires grad", replays=2)
    assert_same(*[[flat(x.grad) if x.grad is not None else None for x in r.env["xs"]]
                  for r in runs], "the inputs' gradients")


def test_sharpness_aware_minimisation():
    """SAM: a step up the gradient scaled by its global norm (full-tensor norms: guards
    before the update), a second backward there, the step back, then the update."""
    def build():
        model, opt = mlp_and_opt()
        params = list(model.parameters())

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            with ag.no_grad():
                scale = 0.05 / (ag.stack([p.grad.norm() for p in params]).norm() + 1e-12)
                ups = [p.grad * scale for p in params]
                for p, u in zip(params, ups):
                    p.add_(u)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            with ag.no_grad():
                for p, u in zip(params, ups):
                    p.sub_(u)
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_lookahead_synchronised_by_a_flag():
    def build():
        model, opt = mlp_and_opt(adam)
        params = list(model.parameters())
        slow = [ag.tensor(p.data.copy()) for p in params]

        def step(x, y, sync):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if sync:
                with ag.no_grad():
                    for p, s in zip(params, slow):
                        s.add_(p - s, alpha=0.5)
                        p.copy_(s)
            return loss
        return step, watched(model, opt, *slow)
    check_twins(build, args=lambda i, env: batch(i) + (i % 3 == 2,), calls=12, replays=6)


def test_distillation_from_a_teacher_in_eval_mode():
    def build():
        teacher = mlp(h=32, extra=(nn.Dropout(0.5),)).eval()
        student, opt = mlp_and_opt(adam, extra=(nn.Dropout(0.1),))

        def step(x, y):
            with ag.no_grad():
                soft = F.softmax(teacher(x) / 2.0, 1)
            logits = student(x)
            kd = F.kl_div(F.log_softmax(logits / 2.0, 1), soft, reduction="batchmean") * 4.0
            loss = 0.5 * kd + 0.5 * F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss
        return step, watched(student, teacher, opt)
    check_twins(build)
