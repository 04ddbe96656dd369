"""ag.compile steps that used to retrace on every call (a retrace storm: right results, no
replay) or fall back to eager: each checked by twin runs and by counting traces, so that a
storm (a trace per call, or max_programs' warning) fails the test."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn import optim
from nn.utils.checkpoint import checkpoint, checkpoint_sequential
from compile_twins import (adam, assert_same, assert_same_runs, batch, check_twins, flat, mlp,
                           mlp_and_opt, run, state_of, watched)


def adam_model(**kw):
    return mlp_and_opt(adam, **kw)


def twin_calls(build, calls, compiled_names=None):
    """`build()` -> (steps: dict of name -> function, env); calls(steps, i) makes the
    calls of round i. Eager and compiled runs must agree bit for bit after every round;
    returns the compiled steps (their .traces and .replays)."""
    histories, made = [], None
    for compiled in (False, True):
        ag.manual_seed(0)
        steps, env = build()
        if compiled:
            steps = {k: ag.compile(f) if compiled_names is None or k in compiled_names else f
                     for k, f in steps.items()}
            made = steps
        history = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # no fallback, no max_programs warning
            for i in range(len(calls)):
                history.append(flat(calls[i](steps, i)) + state_of(env))
        histories.append(history)
    for i, (a, b) in enumerate(zip(*histories)):
        assert_same(a, b, f"round {i}")
    return made


# --- an optimizer step every k calls (gradient accumulation), .grad None or not ---------
def accumulate_every(k, zero=lambda opt: opt.zero_grad(), make=adam_model):
    def build():
        model, opt = make()

        def step(x, y, update):
            (F.cross_entropy(model(x), y) / k).backward()
            if update:
                opt.step()
                zero(opt)
        return step, watched(model, opt)
    return build


def test_accumulation_by_a_flag_traces_each_variant_once():
    # warm-up, then traces: update=False with .grad set, update=True (its first one makes
    # Adam's state: not kept, traced again next time), update=False after zero_grad
    # (.grad None): 3 programs, and every later call replays
    f = check_twins(accumulate_every(4), args=lambda i, env: batch(i) + (i % 4 == 3,),
                    calls=40, replays=35)
    assert (f.traces, f.replays) == (3, 35), (f.traces, f.replays, f.causes)
    (entry,) = [e for e in f.programs.values() if e.variants]
    assert len(entry.variants) == 1


def test_accumulation_with_zero_grad_to_zeros_needs_no_variant():
    f = check_twins(accumulate_every(3, lambda opt: opt.zero_grad(set_to_none=False)),
                    args=lambda i, env: batch(i) + (i % 3 == 2,), calls=18, replays=14)
    assert f.traces == 2 and not any(e.variants for e in f.programs.values()), f.causes


@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9), adam],
                         ids=["sgd-momentum", "adam"])
@pytest.mark.parametrize("set_to_none", [False, True])
def test_a_head_used_on_some_calls_after_zero_grad(make_opt, set_to_none):
    """An auxiliary head used on calls 3, 4, 6: zero_grad(set_to_none=False) leaves its
    .grad None until then (the optimizer skips it) and zeroes it after (the optimizer
    updates it with its momentum): the program traced while it was None left the head
    alone on call 5 (silently), as if zero_grad had set it to None."""
    def build():
        model, aux = mlp(), nn.Linear(12, 5)
        opt = make_opt(list(model.parameters()) + list(aux.parameters()))

        def step(x, y, use_aux):
            opt.zero_grad(set_to_none=set_to_none)
            loss = F.cross_entropy(model(x), y)
            if use_aux:
                loss = loss + 0.5 * F.cross_entropy(aux(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, aux, opt)
    flags = [False, False, False, True, True, False, True, False, False]
    check_twins(build, calls=9, args=lambda i, env: batch(i) + (flags[i],), replays=3)


def test_accumulation_with_sgd_momentum_and_a_first_update_on_the_traced_call():
    # call 1 (traced) updates, making the momentum buffers: not kept
    f = check_twins(accumulate_every(3, make=lambda: (lambda m: (m, optim.SGD(
        m.parameters(), lr=0.1, momentum=0.9)))(mlp())),
        args=lambda i, env: batch(i) + (i % 3 == 1,), calls=30, replays=25)
    assert f.traces == 3, f.causes


def test_two_optimizers_stepping_every_second_and_third_call():
    # four .grad patterns over two parameter sets, four flag pairs: each program is made
    # once, then the twelve-call cycle replays
    def build():
        model = mlp()
        first, second = list(model[0].parameters()), list(model[2].parameters())
        o1, o2 = optim.SGD(first, lr=0.1), optim.Adam(second, lr=1e-2)

        def step(x, y, u1, u2):
            F.cross_entropy(model(x), y).backward()
            if u1:
                o1.step()
                o1.zero_grad()
            if u2:
                o2.step()
                o2.zero_grad()
        return step, watched(model, o1, o2)
    args = lambda i, env: batch(i) + (i % 2 == 1, i % 3 == 2)      # noqa: E731
    eager, compiled = (run(build, c, 48, args, max_programs=16) for c in (False, True))
    for i, (a, b) in enumerate(zip(eager.history, compiled.history)):
        assert_same(a, b, f"call {i}")
    assert not compiled.warnings, compiled.warnings
    f = compiled.f
    assert f.traces <= 10 and f.replays >= 48 - 1 - f.traces - 2, (f.traces, f.replays,
                                                                     f.causes)


def test_accumulate_and_update_as_two_compiled_functions():
    # the accumulating function sees .grad None after the update's zero_grad, and set
    # otherwise: two programs, one per pattern
    def build():
        model, opt = adam_model()

        def accumulate(x, y):
            (F.cross_entropy(model(x), y) / 4).backward()

        def update():
            opt.step()
            opt.zero_grad()
        return {"accumulate": accumulate, "update": update}, watched(model, opt)

    def call(steps, i):
        steps["accumulate"](*batch(i))
        if i % 4 == 3:
            steps["update"]()
    f = twin_calls(build, [call] * 40)
    acc, upd = f["accumulate"], f["update"]
    assert (acc.traces, acc.replays) == (2, 37), (acc.traces, acc.replays, acc.causes)
    assert upd.traces == 1 and upd.replays >= 7, (upd.traces, upd.replays, upd.causes)


def test_gradients_cleared_by_the_user_between_calls_every_other_call():
    def between(i, env):
        if i % 2:
            for p in env["models"][0].parameters():
                p.grad = None

    def build():
        model, opt = adam_model()

        def step(x, y):
            F.cross_entropy(model(x), y).backward()
            return model[0].weight.grad.sum()
        return step, watched(model, opt)
    f = check_twins(build, calls=20, between=between, replays=16)
    assert f.traces == 2, f.causes


def test_a_variant_is_dropped_when_the_parameters_change():
    # p.data replaced: every variant is stale for good; the next traces start afresh
    def between(i, env):
        if i == 9:
            model = env["models"][0]
            model[0].weight.data = model[0].weight.data * 0.5

    f = check_twins(accumulate_every(4), args=lambda i, env: batch(i) + (i % 4 == 3,),
                    calls=24, between=between, replays=14)
    assert f.traces <= 6, f.causes
    assert all(len(e.variants) <= 1 for e in f.programs.values() if not isinstance(e, str))


def test_accumulation_under_strict_raises_nothing():
    f = check_twins(accumulate_every(4), args=lambda i, env: batch(i) + (i % 4 == 3,),
                    calls=16, replays=11, strict=True)
    assert f.traces == 3


# --- requires_grad_ switched inside the step (GAN alternation) --------------------------
def gan():
    gen = nn.Linear(4, 12)
    disc = nn.Sequential(nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 1))
    return gen, disc, optim.SGD(gen.parameters(), lr=0.1), optim.Adam(disc.parameters(), lr=1e-2)


def set_requires_grad(module, flag):
    for p in module.parameters():
        p.requires_grad_(flag)


def test_gan_steps_each_switching_the_discriminator_at_their_start():
    # d_step starts by unfreezing the discriminator, g_step by freezing it: each leaves it
    # as the other found it. A replay must leave requires_grad as eager does, and bind the
    # discriminator's .grad, which d_step's trace found not requiring grad at its entry
    def build():
        gen, disc, og, od = gan()

        def d_step(real, z):
            set_requires_grad(disc, True)
            od.zero_grad()
            loss = disc(gen(z).detach()).mean() - disc(real).mean()
            loss.backward()
            od.step()
            return loss

        def g_step(z):
            set_requires_grad(disc, False)
            og.zero_grad()
            loss = -disc(gen(z)).mean()
            loss.backward()
            og.step()
            return loss
        return {"d": d_step, "g": g_step}, watched(gen, disc, og, od)

    def call(steps, i):
        z = batch(50 + i, d=4)[0]
        return steps["d"](batch(i)[0], z), steps["g"](z)
    f = twin_calls(build, [call] * 20)
    for step in f.values():
        assert (step.traces, step.replays) == (1, 18), (step.traces, step.replays, step.causes)


def freezing_g_step(unfreeze=False):
    """The generator's step, which freezes the discriminator at its start (and unfreezes
    it at its end if `unfreeze`)."""
    gen, disc, og, _ = gan()

    def g_step(z):
        set_requires_grad(disc, False)
        og.zero_grad()
        loss = disc(gen(z)).mean()
        loss.backward()
        og.step()
        if unfreeze:
            set_requires_grad(disc, True)
        return loss
    return g_step, watched(gen, disc, og)


def test_discriminator_frozen_by_the_step_and_unfrozen_by_the_user_between_calls():
    f = check_twins(freezing_g_step, args=lambda i, env: (batch(i, d=4)[0],), calls=12,
                    between=lambda i, env: set_requires_grad(env["models"][1], True))
    assert (f.traces, f.replays) == (1, 10), f.causes


def test_freezing_for_good_inside_the_step_retraces_once():
    f = check_twins(freezing_g_step, args=lambda i, env: (batch(i, d=4)[0],), calls=10, replays=7)
    assert f.traces == 1 or f.causes == {"a new input signature": 1,
                                         "a tensor's requires_grad changed": 1}, f.causes


def test_unfreezing_a_layer_for_good_inside_the_step():
    def build():
        model, opt = adam_model()
        set_requires_grad(model[0], False)

        def step(x, y):
            set_requires_grad(model[0], True)
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return step, watched(model, opt)
    f = check_twins(build, calls=10, replays=7)
    assert f.traces <= 2, f.causes


def test_freezing_chosen_by_a_flag_argument():
    def build():
        gen, disc, og, _ = gan()

        def step(z, freeze):
            set_requires_grad(disc, not freeze)
            og.zero_grad()
            disc(gen(z)).mean().backward()
            og.step()
            set_requires_grad(disc, True)
        return step, watched(gen, disc, og)
    # two flags; the discriminator's .grad (never zeroed) is None until its first
    # unfrozen call: a variant
    f = check_twins(build, args=lambda i, env: (batch(i, d=4)[0], i % 3 == 0), calls=18,
                    replays=14)
    assert f.traces == 3, f.causes


def test_a_hook_on_a_node_made_by_the_step_is_seen():
    # the step makes a new node for each discriminator parameter; a hook the user then
    # registers on one makes the step fall back (a replay would not run it)
    calls = []

    def between(i, env):
        if i == 5:
            env["models"][1][0].weight.register_hook(lambda g: calls.append(1))
    check_twins(lambda: freezing_g_step(unfreeze=True), args=lambda i, env: (batch(i, d=4)[0],),
                calls=9, between=between, warns="a hook on a tensor")


# --- activation checkpointing (nn.utils.checkpoint) ---------------------------------------
def checkpointed(inner_extra=(), outer_extra=(), preserve=True, sequential=False):
    """A step whose middle block is checkpointed: it keeps the generator's state to redraw
    dropout's masks in backward, which a replay can only do when nothing is redrawn."""
    def build():
        inner = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), *inner_extra, nn.Linear(16, 16),
                              nn.ReLU())
        first, last = nn.Linear(12, 16), nn.Linear(16, 5)
        after = nn.Sequential(*outer_extra)
        model = nn.Sequential(first, inner, after, last)
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            h = first(x)
            if sequential:
                h = checkpoint_sequential(inner, 2, h, use_reentrant=False)
            else:
                h = checkpoint(inner, h, use_reentrant=False, preserve_rng_state=preserve)
            loss = F.cross_entropy(last(after(h)), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    return build


def test_checkpoint_without_dropout_replays():
    f = check_twins(checkpointed(), calls=12)
    assert (f.traces, f.replays) == (1, 10), f.causes


def test_checkpoint_without_preserving_the_generator_state_replays():
    f = check_twins(checkpointed(preserve=False), calls=8)
    assert f.traces == 1


def test_checkpoint_sequential_replays():
    f = check_twins(checkpointed(sequential=True), calls=8)
    assert f.traces == 1


def test_checkpoint_with_dropout_outside_the_checkpointed_block_replays():
    # the block draws nothing, so there is no state to restore in backward; the dropout
    # after it draws between the forward and the recomputation
    f = check_twins(checkpointed(outer_extra=(nn.Dropout(0.3),)), calls=10)
    assert (f.traces, f.replays) == (1, 8), f.causes


def test_checkpoint_with_dropout_inside_replays():
    # backward sets the state its forward read in the same replay: the same masks
    f = check_twins(checkpointed(inner_extra=(nn.Dropout(0.3),)), calls=12)
    assert (f.traces, f.replays) == (1, 10), f.causes


def test_checkpoint_sequential_with_dropout_and_dropout_between_replays():
    def build():
        blocks = nn.Sequential(*[nn.Sequential(nn.Linear(12, 12), nn.Dropout(0.2), nn.Tanh())
                                 for _ in range(4)])
        head, drop = nn.Linear(12, 5), nn.Dropout(0.1)
        opt = optim.SGD(list(blocks.parameters()) + list(head.parameters()), lr=0.1,
                        momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            h = checkpoint_sequential(blocks, 2, x, use_reentrant=False)
            h = checkpoint(lambda t: head(drop(t)), h, use_reentrant=False)
            loss = F.cross_entropy(h, y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(blocks, head, opt)
    f = check_twins(build, calls=10)
    assert (f.traces, f.replays) == (1, 8), f.causes


def test_checkpoint_in_eval_mode_with_dropout_inside_replays():
    def between(i, env):
        env["models"][0].eval()
    f = check_twins(checkpointed(inner_extra=(nn.Dropout(0.3),)), calls=8, between=between)
    assert f.traces == 1


def test_the_user_reading_the_generator_state_in_the_step_falls_back():
    def build():
        model, opt = adam_model()

        def step(x, y):
            state = ag.default_generator().bit_generator.state
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            return ag.tensor(float(state["state"]["state"] % 7))
        return step, watched(model, opt)
    check_twins(build, calls=5,
                warns=r"state read or set inside the step \(read by the step.*test_compile_retrace")


def test_the_user_setting_the_generator_state_back_unchanged_still_falls_back():
    # the user's read alone is a constant of the program: not replayed
    def build():
        model, opt = adam_model(extra=(nn.Dropout(0.2),))

        def step(x, y):
            g = ag.default_generator().bit_generator
            state = g.state
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            g.state = state
            opt.step()
        return step, watched(model, opt)
    check_twins(build, calls=5, warns="state read or set inside the step")


def test_checkpoint_with_dropout_after_it_equals_the_plain_run():
    # eagerly: with no state kept for the block, its recomputation is still the forward's
    ag.manual_seed(0)
    block = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
    drop = nn.Dropout(0.5)
    x = ag.randn(5, 8)
    results = []
    for ckpt in (False, True):
        ag.manual_seed(3)
        block.zero_grad()
        h = checkpoint(block, x, use_reentrant=False) if ckpt else block(x)
        loss = (drop(h) ** 2).sum()
        loss.backward()
        results.append([loss.data] + [p.grad.data.copy() for p in block.parameters()]
                       + [ag.rand(1).data])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# --- a value read after the update ---------------------------------------------------------
def test_loss_item_returned_after_the_update_replays():
    def build():
        model, opt = adam_model()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()              # in the step's own return: a returned read
        return step, watched(model, opt)
    f = check_twins(build, calls=10)
    assert (f.traces, f.replays) == (1, 8)
    got = f(*batch(3))
    assert type(got) is float


def test_float_and_int_reads_returned_at_once_replay():
    def build_float():
        model, opt = adam_model()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return float(loss)
        return step, watched(model, opt)

    def build_int():
        model, opt = adam_model()

        def step(x, y):
            opt.zero_grad()
            logits = model(x)
            F.cross_entropy(logits, y).backward()
            opt.step()
            return (logits.argmax(1) == y).sum().item()
        return step, watched(model, opt)
    for build, kind in ((build_float, float), (build_int, int)):
        f = check_twins(build, calls=8)
        assert (f.traces, f.replays) == (1, 6)
        assert type(f(*batch(2))) is kind


def test_returned_read_with_strict_and_check():
    def build():
        model, opt = adam_model()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()
        return step, watched(model, opt)
    assert check_twins(build, calls=6, strict=True).replays == 4
    assert check_twins(build, calls=6, check=2).replays == 4


def _line(marker):
    """The line of this file holding `marker` (a comment), as 'file.py:N'."""
    with open(__file__) as f:
        (n,) = [i + 1 for i, text in enumerate(f) if text.rstrip().endswith(marker)]
    return f"test_compile_retrace.py:{n}"


def test_a_read_the_step_goes_on_with_falls_back_naming_its_line():
    # the value is stored, compared, or the read sits in a with block, a helper or a
    # tuple: Python of the step runs after it, so it stays a fallback, at the right line
    def stored(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        value = loss.item()                 # <- stored
        return value

    def clipped(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return max(loss.item(), 1.0)        # <- clipped

    def in_with(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        with ag.no_grad():
            return loss.item()              # <- in_with

    def read(t):
        return t.item()                     # <- helper

    def helper(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return read(loss)

    def pair(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item(), loss.item()     # <- pair

    for fn, marker in ((stored, "# <- stored"), (clipped, "# <- clipped"),
                       (in_with, "# <- in_with"), (helper, "# <- helper"), (pair, "# <- pair")):
        def build():
            model, opt = adam_model()
            return (lambda x, y: fn(x, y, model, opt)), watched(model, opt)
        f = check_twins(build, calls=5,
                        warns=rf"\.item\(\) \(at {_line(marker).replace('.', '[.]')}\)$")
        assert f.replays == 0


def test_a_value_check_after_the_update_names_the_users_line():
    def build():
        model, opt = adam_model()

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            F.cross_entropy(model(x), y)    # <- check after the update
            return loss
        return step, watched(model, opt)
    where = _line("# <- check after the update").replace(".", "[.]")
    check_twins(build, calls=5,
                warns=rf"a value check at losses[.]py:\d+ \(called at {where}\) after Adam[.]")


def test_checkpoint_with_dropout_inside_under_check_and_strict():
    assert check_twins(checkpointed(inner_extra=(nn.Dropout(0.3),)), calls=6,
                       check=3).replays == 4
    assert check_twins(checkpointed(inner_extra=(nn.Dropout(0.3),)), calls=6,
                       strict=True).replays == 4


def test_the_generator_state_set_to_one_read_before_the_step_falls_back():
    # the checkpoint's forward ran before the step, its backward inside: the state it
    # restores is not one a replay reads, so the step runs eagerly
    def build():
        model, opt = adam_model()
        block = nn.Sequential(nn.Linear(12, 12), nn.Dropout(0.3))
        held = {}

        def forward(x):
            held["h"] = checkpoint(block, x, use_reentrant=False)

        def step(y):
            opt.zero_grad()
            F.cross_entropy(model(held["h"]), y).backward()
            opt.step()
        return (forward, step), watched(model, block, opt)

    def run_twin(compiled):
        ag.manual_seed(0)
        (forward, step), env = build()
        f = ag.compile(step) if compiled else step
        history = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(5):
                x, y = batch(i)
                forward(x)
                f(y)
                history.append(state_of(env))
        return history, [str(w.message) for w in caught], f
    (eager, _, _), (compiled, said, f) = run_twin(False), run_twin(True)
    for i, (a, b) in enumerate(zip(eager, compiled)):
        assert_same(a, b, f"call {i}")
    assert f.replays == 0 and len(said) == 1 and "not read inside it" in said[0], said


def test_optimizer_scratch_made_while_tracing_stays_a_plain_array():
    # Adam's first step runs in the trace of the update (the warm-up call accumulates
    # only): its workspace must not keep the trace's arrays, which every later step and
    # program would compute on through TraceArray's Python hook
    from autograd.jit.tracer import TraceArray
    model, opt = adam_model()
    step = ag.compile(accumulate_every(4, make=lambda: (model, opt))()[0])
    for i in range(12):
        step(*batch(i), i % 4 == 3)
    assert (step.traces, step.replays) == (3, 7)
    work = [a for a in opt._work.flat.values()] + [a for v in opt._work.views.values()
                                                   for a in v]
    assert work and all(type(a) is np.ndarray for a in work), [type(a) for a in work]
    for entry in step.programs.values():
        for e in [entry] + entry.variants:
            names = list(e.program.run.__globals__.values()) + list(
                e.program.run.__defaults__ or ())
            assert not [v for v in names if type(v) is TraceArray]


# --- packed sequences: a program per lengths pattern ---------------------------------------
def packed_build(as_tensor):
    """An LSTM over a packed batch whose `lengths` (a list, or an int64 tensor) change
    from call to call; the packed data's shape follows the lengths (a data-dependent
    shape), so each lengths pattern is a program of its own (as torch.compile
    specialises on them)."""
    def build():
        lstm, head = nn.LSTM(3, 5), nn.Linear(5, 1)
        opt = optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.1)

        def step(x, lengths):
            opt.zero_grad()
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
            _, (h, _c) = lstm(packed)
            loss = head(h[-1]).pow(2).mean()
            loss.backward()
            opt.step()
            return loss
        return step, watched(lstm, head, opt)
    return build


def packed_args(patterns, as_tensor):
    def args(i, env):
        rng = np.random.default_rng(i)
        lengths = patterns[i % len(patterns)]
        x = ag.tensor(rng.standard_normal((6, 4, 3)).astype(np.float32))
        return x, (ag.tensor(np.array(lengths)) if as_tensor else list(lengths))
    return args


def test_packed_sequences_of_a_few_lengths_patterns_replay_each():
    """Batches bucketed to two lengths patterns: one program each, both replayed."""
    patterns = [(6, 4, 4, 2), (5, 5, 3, 1)]
    eager, compiled = (run(packed_build(False), c, 10, packed_args(patterns, False))
                       for c in (False, True))
    assert_same_runs(eager, compiled, replays=7)
    assert compiled.f.traces == 2


@pytest.mark.parametrize("as_tensor", [False, True], ids=["list", "tensor"])
def test_packed_sequences_of_new_lengths_every_call_say_why_they_run_eagerly(as_tensor):
    """New lengths every call: a list argument made a program per value until
    max_programs, then eager with a warning that counted signatures without saying which
    argument made them; a tensor's lengths are read by pack_padded_sequence (a guard
    failing twice, then eager). Either warning names the argument or the line, and
    points at the user's call of the step, not at compile's own file."""
    patterns = [tuple(np.random.default_rng(100 + i).integers(1, 7, 4)) for i in range(12)]
    eager, compiled = (run(packed_build(as_tensor), c, 12, packed_args(patterns, as_tensor))
                       for c in (False, True))
    why = (r"the value read at rnn\.py:\d+ \(called at test_compile_retrace\.py:\d+\) changes"
           if as_tensor else r"more than max_programs=8 traces: 8 programs: 8 input signatures "
                             r"\(the argument 'lengths' took 8 values")
    assert_same_runs(eager, compiled, warns=why)
    f, args = packed_build(as_tensor)()[0], packed_args(patterns, as_tensor)
    f = ag.compile(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(12):
            f(*args(i, None))                                   # <- the user's call
    line = next(i for i, text in enumerate(open(__file__), 1) if "# <- the user's call" in text
                and "next(" not in text)
    ours = [w for w in caught if str(w.message).startswith("compile")]
    assert [(w.filename, w.lineno) for w in ours] == [(__file__, line)]
