"""ag.compile against the cases that break tracers: twin runs (eager and compiled from the
same seed, several calls, the same user actions between calls) must agree bit for bit on
returned values, parameters, buffers, gradients, optimizer state and the default
generator, or the compiled step must run eagerly with one warning."""
import threading
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import versions
from nn import optim
from nn.optim import lr_scheduler as sched
from nn.utils import clip_grad_norm_
from compile_twins import (CALLS, Call, assert_same, assert_same_runs, batch, check_twins, flat,
                           mlp, mlp_and_opt, run, state_of, train_step, watched)


def basic(make_opt=lambda p: optim.SGD(p, lr=0.1, momentum=0.9), extra=lambda: (), **kw):
    def build():
        model, opt = mlp_and_opt(make_opt, extra=extra())
        return train_step(model, opt, **kw), watched(model, opt)
    return build


# --- gradients across calls ------------------------------------------------------------
def test_accumulation_without_zero_grad():
    check_twins(basic(zero=False))


def test_zero_grad_set_to_none_false():
    check_twins(basic(make_opt=lambda p: optim.Adam(p, lr=1e-2), set_to_none=False))


def test_accumulate_over_several_calls_then_step():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def backward_only(x, y):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss
        return backward_only, watched(model, opt)

    def between(i, env):
        if i % 3 == 0 and i:
            env["opts"][0].step()
            env["opts"][0].zero_grad()
    check_twins(build, calls=10, between=between, replays=3)


def test_grads_set_to_none_by_the_user_between_calls():
    def between(i, env):
        if i in (3, 4):
            for p in env["models"][0].parameters():
                p.grad = None
    check_twins(basic(zero=False), between=between, calls=8, replays=3)


def test_grad_zeroed_in_place_by_the_user_between_calls():
    def between(i, env):
        if i == 4:
            env["opts"][0].zero_grad(set_to_none=False)
    check_twins(basic(zero=False), between=between, calls=8)


def test_grad_assigned_by_the_user_between_calls():
    def between(i, env):
        if i in (3, 5):
            for p in env["models"][0].parameters():
                p.grad = ag.tensor(np.full(p.shape, 0.25, p.data.dtype))
    check_twins(basic(zero=False), between=between, calls=8)


def test_grad_assigned_by_the_user_with_zero_grad_in_the_step():
    def between(i, env):
        if i in (3, 5):
            for p in env["models"][0].parameters():
                p.grad = ag.tensor(np.full(p.shape, 0.25, p.data.dtype))
    check_twins(basic(), between=between, calls=8)


# --- parameters changed between calls ----------------------------------------------------
@pytest.mark.parametrize("zero", [True, False])
def test_freeze_and_unfreeze_a_layer(zero):
    def between(i, env):
        first = env["models"][0][0]
        if i == 3:
            first.requires_grad_(False)
            first.weight.grad = first.bias.grad = None
        if i == 6:
            first.requires_grad_(True)
    check_twins(basic(zero=zero), between=between, calls=9, replays=3)


def test_freeze_one_parameter_keeping_its_grad():
    """requires_grad_(False) without clearing .grad: eager's optimizer still applies
    the stale gradient (it is not None), the backward no longer adds to it."""
    def between(i, env):
        if i == 3:
            env["models"][0][0].weight.requires_grad_(False)
    check_twins(basic(zero=False), between=between, calls=7, replays=3)


def test_data_replaced_and_load_state_dict():
    def between(i, env):
        model, opt = env["models"][0], env["opts"][0]
        if i == 3:
            model[0].weight.data = model[0].weight.data * 0.5
        if i == 5:
            sd = {k: v.data * 1.5 for k, v in model.state_dict().items()}
            model.load_state_dict({k: ag.tensor(v) for k, v in sd.items()})
        if i == 7:
            opt.load_state_dict(opt.state_dict())
    check_twins(basic(make_opt=lambda p: optim.Adam(p, lr=1e-2)), between=between, calls=10,
                replays=3)


def test_parameter_written_in_place_by_the_user():
    def between(i, env):
        if i == 4:
            with ag.no_grad():
                env["models"][0][0].weight.data[...] = 0.01
    check_twins(basic(), between=between, calls=7)


def test_lr_and_momentum_mutated_in_param_groups():
    def between(i, env):
        g = env["opts"][0].param_groups[0]
        g["lr"] = 0.1 / (i + 1)
        if i == 4:
            g["momentum"] = 0.5
    f = check_twins(basic(), between=between, calls=8)
    assert f.traces == 1


def test_param_group_added():
    def build():
        model = mlp()
        opt = optim.SGD(model[0].parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 4:
            env["opts"][0].add_param_group({"params": list(env["models"][0][2].parameters()),
                                            "lr": 0.05})
    check_twins(build, between=between, calls=8, replays=3)


def test_python_float_from_a_closure_that_changes():
    """A Python number the step reads from its closure is a constant of the trace: when
    it changes between calls, the program is traced again (never a stale value)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        cfg = {"scale": 1.0}
        box = [2.0]

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x) * cfg["scale"], y) * box[0]
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, cfg=cfg, box=box)

    def between(i, env):
        env["cfg"]["scale"] = 1.0 + 0.5 * (i // 3)
        if i == 5:
            env["box"][0] = 3.0
    check_twins(build, between=between, calls=9, replays=3)


SCALE = 1.0


def test_python_float_global_that_changes():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * SCALE
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def between(i, env):
        global SCALE
        SCALE = 1.0 + (i // 3)
    try:
        check_twins(build, between=between, calls=8, replays=3)
    finally:
        globals()["SCALE"] = 1.0


def test_nonlocal_float_that_changes():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        scale = 1.0

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * scale
            loss.backward()
            opt.step()
            return loss

        def set_scale(v):
            nonlocal scale
            scale = v
        return step, watched(model, opt, set=set_scale)

    def between(i, env):
        env["set"](1.0 + (i // 3))
    check_twins(build, between=between, calls=8, replays=3)


def test_module_hyperparameter_changed_between_calls():
    """Dropout's p and LeakyReLU's slope are Python numbers of the modules."""
    def build():
        model = nn.Sequential(nn.Linear(12, 16), nn.LeakyReLU(0.1), nn.Dropout(0.2),
                              nn.Linear(16, 5))
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)

    def between(i, env):
        if i == 3:
            env["models"][0][1].negative_slope = 0.3
        if i == 5:
            env["models"][0][2].p = 0.5
    check_twins(build, between=between, calls=8, replays=3)


# --- hooks ---------------------------------------------------------------------------------
def test_tensor_hook_on_a_parameter():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        model[0].weight.register_hook(lambda g: g * 0.5)
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="a hook on a tensor")


@pytest.mark.parametrize("register, warns", [
    (lambda layer: layer.weight.register_hook(lambda g: g * 0.5), "a hook on a tensor"),
    (lambda layer: layer.register_forward_hook(lambda m, a, out: out * 2), "a forward hook on a"),
    (lambda layer: layer.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,)),
     "a backward hook on a"),
], ids=["tensor-hook", "module-forward-hook", "module-backward-hook"])
def test_hook_registered_and_removed_between_calls(register, warns):
    def between(i, env):
        if i == 3:
            env["handle"] = register(env["models"][0][0])
        if i == 5:
            env["handle"].remove()
    check_twins(basic(), between=between, calls=8, warns=warns)


def test_hook_inside_the_step_on_an_intermediate():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h = model[0](x)
            h.register_hook(lambda g: g * 2)
            h.retain_grad()
            loss = F.cross_entropy(model[2](model[1](h)), y)
            loss.backward()
            opt.step()
            return loss, h.grad
        return step, watched(model, opt)
    check_twins(build)


def test_module_forward_hooks():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        model[0].register_forward_hook(lambda m, a, out: out * 2)
        model[2].register_forward_pre_hook(lambda m, a: (a[0] + 1,))
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="a forward hook on a")


def test_module_backward_hooks():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        model[0].register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] + 1,))
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="a backward hook on a")


@pytest.mark.parametrize("kind", ["forward", "backward"])
def test_module_hook_registered_and_removed_inside_the_step(kind):
    """A hook the step itself registers is traced as the rest of the step: its numpy is
    replayed (a Python effect of it happens only while traced, as any in the step)."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            layer = model[2]
            handle = (layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
                      if kind == "backward" else
                      layer.register_forward_hook(lambda m, a, out: out * 0.5))
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            handle.remove()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


def test_forward_hook_capturing_activations():
    """A hook that keeps a module's output for the user: its value after each call."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        seen = {}
        model[1].register_forward_hook(lambda m, a, out: seen.__setitem__("act", out.detach()))
        return train_step(model, opt), watched(model, opt, seen=seen)
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        step, env = build()
        f = ag.compile(step) if compiled else step
        acts = []
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for i in range(CALLS):
                f(*batch(i))
                acts.append(env["seen"]["act"].data.copy())
        runs.append(acts)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_post_accumulate_grad_hook():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        for p in model.parameters():
            p.register_post_accumulate_grad_hook(lambda t: t.grad.data.__imul__(0.5))
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="a hook on a tensor")


def test_post_accumulate_grad_hook_counting_calls():
    """A hook with a Python effect (a counter): the replay must run it, or fall back."""
    counts = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        n = [0]
        model[0].weight.register_post_accumulate_grad_hook(lambda t: n.__setitem__(0, n[0] + 1))
        step = train_step(model, opt)
        f = ag.compile(step) if compiled else step
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for i in range(CALLS):
                f(*batch(i))
        counts.append(n[0])
    assert counts[0] == counts[1] == CALLS


def test_tied_weights_and_a_parameter_used_twice():
    def build():
        emb = nn.Embedding(12, 8)
        lin = nn.Linear(8, 8)
        model = nn.ModuleList([emb, lin])
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            h = emb(x)                              # (B, 3, 8)
            h = lin(lin(h).tanh())                  # lin used twice
            logits = h @ emb.weight.T               # tied output layer
            loss = F.cross_entropy(logits.reshape(-1, 12), y.reshape(-1))
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def args(i, env):
        rng = np.random.default_rng(i)
        return ag.tensor(rng.integers(0, 12, (4, 3))), ag.tensor(rng.integers(0, 12, (4, 3)))
    check_twins(build, args=args)


# --- inputs -------------------------------------------------------------------------------
def test_non_contiguous_and_view_inputs():
    def args(i, env):
        x, y = batch(i, b=8, d=24)
        if i % 2:
            x = x[:, ::2]                           # a strided view
        else:
            x = ag.tensor(np.asfortranarray(x.data[:, :12]))
        return x, y
    check_twins(basic(), args=args, calls=8, replays=3)


def test_same_tensor_passed_twice():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(a, b, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(a) + model(b), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        return (x, x, y) if i % 2 else (x, ag.tensor(x.data.copy()), y)
    f = check_twins(build, args=args, calls=8, replays=5)
    assert f.traces == 2            # how the arguments share memory is part of the key


def test_input_aliasing_a_parameter():
    def build():
        model = mlp(d=16, h=16)
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        w = env["models"][0][0].weight
        return ag.tensor(w.data[:8]), batch(i)[1]        # a view of the parameter
    check_twins(build, args=args, calls=7)


def test_input_mutated_by_the_user_after_the_call():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt), watched(model, opt)
    x, y = batch(0)

    def args(i, env):
        x.data[...] = batch(i)[0].data                  # the same tensor, new values
        return x, y
    check_twins(build, args=args)


def test_int_bool_and_0d_inputs_and_python_scalars():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y, mask, scale, temperature=1.0, use_bias=True):
            opt.zero_grad()
            z = model(x) / temperature
            if use_bias:
                z = z + 0.1
            loss = (F.cross_entropy(z, y, reduction="none") * mask.float()).mean() * scale
            loss.backward()
            opt.step()
            return {"loss": loss, "n": mask.sum()}
        return step, watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        mask = ag.tensor(np.arange(8) % (2 + i % 2) == 0)
        return Call(x, y, mask, ag.tensor(np.float32(1 + i % 3)),
                    temperature=[1.0, 2.0][i % 2], use_bias=i % 4 < 2)
    check_twins(build, args=args, calls=12, replays=4)


def test_changing_batch_size_and_dtype():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        step = train_step(model, opt)
        return (lambda x, y: step(x.float(), y)), watched(model, opt)

    def args(i, env):
        x, y = batch(i, b=[8, 5, 8, 5, 3, 8][i % 6])
        if i in (6, 7):
            x = ag.tensor(x.data.astype(np.float64))
        return x, y
    f = check_twins(build, args=args, calls=10, replays=3)
    assert f.traces == 5


# --- returned values --------------------------------------------------------------------
def test_mutating_a_returned_tensor_does_not_corrupt_the_next_call():
    def build():
        model, opt = mlp_and_opt(lambda p: optim.SGD(p, lr=0.1))
        return train_step(model, opt, tail=lambda loss, z, y: (loss, z)), watched(model, opt)
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        step, env = build()
        f = ag.compile(step) if compiled else step
        hist = []
        for i in range(CALLS):
            loss, z = f(*batch(i))
            hist.append([np.array(loss.data), z.data.copy()] + state_of(env))
            z.data[...] = np.nan                   # the user writes into what came back
        runs.append(hist)
    for i, (a, b) in enumerate(zip(*runs)):
        assert_same(a, b, f"call {i}")


def test_returning_a_parameter_a_grad_and_a_dict():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            g = model[0].weight.grad
            opt.step()
            return {"loss": loss, "w": model[0].weight, "g": g, "pair": (loss * 2, "three")}
        return step, watched(model, opt)
    check_twins(build)


# --- modes, randomness, schedules -----------------------------------------------------------
def test_train_eval_flips_with_batchnorm_and_dropout():
    def between(i, env):
        env["models"][0].train(i % 3 != 2)
        if i == 4:
            ag.manual_seed(7)
    check_twins(basic(extra=lambda: (nn.BatchNorm1d(16), nn.Dropout(0.3))), between=between,
                calls=12, replays=2)


def test_manual_seed_between_calls_with_dropout():
    def between(i, env):
        ag.manual_seed(i % 2)
    check_twins(basic(extra=lambda: (nn.Dropout(0.5),)), between=between, calls=8)


def test_clipping_and_a_scheduler():
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        s = sched.StepLR(opt, 2, gamma=0.5)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            s.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("bad_calls, calls, extra", [
    ((5,), 9, (nn.Dropout(0.3),)),       # a replayed call raises
    ((1, 2), 7, ()),                     # the calls that would trace raise
], ids=["inside-the-step", "while-tracing"])
def test_exception_leaves_state_as_eager(bad_calls, calls, extra):
    def build():
        model = mlp(extra=(nn.BatchNorm1d(16), *extra))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        return (x, ag.tensor(np.full(8, 9))) if i in bad_calls else (x, y)   # out of range
    eager, compiled = (run(build, c, calls=calls, args=args, raises=ag.errors.OutOfRangeError)
                       for c in (False, True))
    assert_same_runs(eager, compiled, replays=2)
    assert [h[0] == "raised" for h in eager.history] == [i in bad_calls for i in range(calls)]
    assert all(type(t.data) is np.ndarray for t in compiled.env["models"][0].parameters())


def test_no_grad_inference_with_a_model_that_trains_between_calls():
    def build():
        model = mlp(extra=(nn.BatchNorm1d(16),))
        opt = optim.SGD(model.parameters(), lr=0.1)
        trainer = train_step(model, opt)

        def predict(x):
            with ag.no_grad():
                return F.softmax(model(x), 1)
        return predict, watched(model, opt, trainer=trainer)

    def between(i, env):
        env["models"][0].train()
        env["trainer"](*batch(50 + i))
        env["models"][0].eval()
    check_twins(build, args=lambda i, env: batch(i)[:1], between=between)


def test_nested_compiled_functions():
    """A compiled function called in a compiled step is part of its trace. The eager twin
    calls the plain function (compiled, called eagerly, it would run eagerly with a
    warning: its result requires grad)."""
    def build(nested):
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        inner = (ag.compile if nested else (lambda f: f))(lambda x: model(x).tanh())
        return train_step(inner, opt), watched(model, opt)
    assert_same_runs(run(lambda: build(False), False), run(lambda: build(True), True),
                     replays=CALLS - 2)


def test_two_threads_with_their_own_models():
    def run(compiled, out, seed):
        rng = np.random.default_rng(seed)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
        for p in model.parameters():
            p.data[...] = rng.standard_normal(p.shape).astype(np.float32) * 0.1
        opt = optim.SGD(model.parameters(), lr=0.1)
        step = train_step(model, opt)
        f = ag.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.extend(f(*batch(i)).data.copy() for i in range(30))
        out.extend(p.data.copy() for p in model.parameters())

    eager, results = [], [[], []]
    run(False, eager, 1)
    threads = [threading.Thread(target=run, args=(True, results[k], 1)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert len(r) == len(eager)
        for a, b in zip(r, eager):
            np.testing.assert_array_equal(a, b)


def test_one_compiled_function_called_from_two_threads():
    def run(f, model, out):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(20):
                out.append(f(*batch(i)).data.copy())

    def build():
        rng = np.random.default_rng(3)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
        for p in model.parameters():
            p.data[...] = rng.standard_normal(p.shape).astype(np.float32) * 0.1
        model.eval()
        return model

    model = build()

    def predict(x, y):
        with ag.no_grad():
            return F.cross_entropy(model(x), y, reduction="none")
    want = [predict(*batch(i)).data for i in range(20)]
    f = ag.compile(predict)
    outs = [[], []]
    threads = [threading.Thread(target=run, args=(f, model, outs[k])) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for o in outs:
        for a, b in zip(o, want):
            np.testing.assert_array_equal(a, b)


def test_nested_no_grad_compiled_function_is_part_of_the_outer_trace():
    def build():
        model = mlp()
        teacher = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        @ag.compile
        def soft_targets(x):
            with ag.no_grad():
                return F.softmax(teacher(x), 1)

        def step(x, y):
            opt.zero_grad()
            loss = F.kl_div(F.log_softmax(model(x), 1), soft_targets(x), reduction="batchmean")
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, teacher, opt)
    check_twins(build, calls=8)


def test_compiled_forward_differentiated_outside_runs_eagerly():
    """ag.compile(model) used as a forward whose result backward reaches later: a replay
    returns detached tensors, so it runs eagerly with a warning (never a silently
    missing gradient)."""
    def build():
        body, head = mlp(h=16, classes=16), nn.Linear(16, 5)
        opt = optim.SGD(list(body.parameters()) + list(head.parameters()), lr=0.1)
        fwd = ag.compile(body)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(head(fwd(x)), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(body, head, opt, fwd=fwd)
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        step, env = build()
        if not compiled:
            env["fwd"].fn, env["fwd"].warmup = env["fwd"].fn, 10 ** 9     # never traced
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runs.append([flat(step(*batch(i))) + state_of(env) for i in range(CALLS)])
        if compiled:
            assert sum("requires grad" in str(w.message) for w in caught) == 1
    for i, (a, b) in enumerate(zip(*runs)):
        assert_same(a, b, f"call {i}")
    with pytest.raises(ag.jit.Escape, match="requires grad"):
        f = ag.compile(mlp(), strict=True)
        for i in range(3):
            f(batch(i)[0])


# --- every layer and loss of nn, compiled --------------------------------------------------
class _Seq(nn.Module):
    """(8, 12) -> (8, 3, 4) -> `body` -> (8, 12) -> Linear -> (8, 5)."""

    def __init__(self, body, pair=False):
        super().__init__()
        self.body, self.pair, self.head = body, pair, nn.Linear(12, 5)

    def forward(self, x):
        h = x.reshape(x.shape[0], 3, 4)
        h = self.body(h, h) if self.pair else self.body(h)
        if isinstance(h, tuple):
            h = h[0]
        return self.head(h.reshape(x.shape[0], 12))


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(4, 2, dropout=0.1, batch_first=True)

    def forward(self, h):
        out, weights = self.mha(h, h, h, is_causal=False)
        return out + weights.sum() * 0


class _Dict(nn.Module):
    def __init__(self):
        super().__init__()
        self.d = nn.ModuleDict({"a": nn.Linear(12, 16), "b": nn.Linear(16, 5)})

    def forward(self, x):
        return self.d["b"](self.d["a"](x).relu())


class _Unpool(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool, self.unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        out, idx = self.pool(x.reshape(x.shape[0], 1, 3, 4))
        return self.head(self.unpool(out, idx, output_size=(3, 4)).flatten(1))


class _Unpool3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool, self.unpool = nn.MaxPool3d(2, 1, return_indices=True), nn.MaxUnpool3d(2, 1)
        self.frac = nn.FractionalMaxPool2d(2, output_ratio=0.7, return_indices=True)
        self.frac3d = nn.FractionalMaxPool3d((1, 2, 2), (2, 1, 2))
        self.head = nn.Linear(20, 5)

    def forward(self, x):
        out, idx = self.pool(x.reshape(x.shape[0], 1, 2, 2, 3))
        vol = self.unpool(out, idx, output_size=(2, 2, 3))
        plane, _ = self.frac(vol.reshape(x.shape[0], 2, 2, 3) + x.reshape(-1, 2, 2, 3))
        return self.head(ag.cat([plane.flatten(1), self.frac3d(vol).flatten(1), x], 1))


def _dry_run(model):
    """A lazy model after the call that gives its parameters their shapes."""
    with ag.no_grad():
        model(ag.zeros(2, 12))
    return model


def _parametrized():
    from nn.utils import parametrizations
    a, b, c = nn.Linear(12, 16), nn.Linear(16, 8), nn.Linear(8, 5)
    parametrizations.orthogonal(parametrizations.weight_norm(a), orthogonal_map="householder")
    parametrizations.spectral_norm(b)
    parametrizations.orthogonal(c, orthogonal_map="cayley")
    return nn.Sequential(a, nn.Tanh(), b, nn.ReLU(), c)


class _Transformer2d(nn.Module):
    def __init__(self, **sample):
        super().__init__()
        self.loc, self.head = nn.Linear(12, 6), nn.Linear(12, 5)
        self.sample = {"align_corners": False, **sample}

    def forward(self, x):
        theta = self.loc(x).reshape(-1, 2, 3)
        img = x.reshape(x.shape[0], 1, 3, 4)
        out = F.grid_sample(img, F.affine_grid(theta, img.shape, align_corners=False),
                            **self.sample)
        return self.head(out.flatten(1))


class _Transformer3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc, self.head = nn.Linear(12, 12), nn.Linear(24, 5)

    def forward(self, x):
        theta = self.loc(x).reshape(-1, 3, 4) * 2.0
        vol = x.reshape(x.shape[0], 1, 2, 2, 3)
        grid = F.affine_grid(theta, (x.shape[0], 1, 2, 3, 4), align_corners=True)
        out = F.grid_sample(vol, grid, padding_mode="reflection", align_corners=True)
        return self.head(out.flatten(1))


class _Params(nn.Module):
    def __init__(self):
        super().__init__()
        self.ps = nn.ParameterList([ag.randn(12, 16) * 0.3, nn.Parameter(ag.randn(16, 5) * 0.3)])
        self.pd = nn.ParameterDict({"bias": ag.zeros(16)})

    def forward(self, x):
        return (x @ self.ps[0] + self.pd["bias"]).relu() @ self.ps[1]


def _enc():
    return nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.1, batch_first=True)


def _dec():
    return nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.1, batch_first=True)


LAYERS = {
    "batchnorm2d": lambda: nn.Sequential(nn.Unflatten(1, (3, 2, 2)), nn.BatchNorm2d(3),
                                         nn.Flatten(), nn.Linear(12, 5)),
    "avgpool-conv": lambda: nn.Sequential(nn.Unflatten(1, (1, 4, 3)), nn.Conv2d(1, 2, 3, padding=1),
                                          nn.AvgPool2d(2), nn.Flatten(), nn.Linear(4, 5)),
    "rmsnorm": lambda: nn.Sequential(nn.Linear(12, 16), nn.RMSNorm(16), nn.Linear(16, 5)),
    "identity": lambda: nn.Sequential(nn.Linear(12, 16), nn.Identity(), nn.Tanh(), nn.Linear(16, 5)),
    "softmax": lambda: nn.Sequential(nn.Linear(12, 16), nn.Softmax(1), nn.Linear(16, 5)),
    "logsoftmax": lambda: nn.Sequential(nn.Linear(12, 16), nn.LogSoftmax(1), nn.Linear(16, 5)),
    "moduledict": _Dict,
    "modulelist": lambda: nn.Sequential(*nn.ModuleList([nn.Linear(12, 16), nn.SiLU(),
                                                        nn.Linear(16, 5)])),
    "mlp": lambda: nn.MLP(12, [16, 16], 5),
    "mha": lambda: _Seq(_Attention()),
    "encoder-layer": lambda: _Seq(_enc()),
    "decoder-layer": lambda: _Seq(_dec(), pair=True),
    "encoder": lambda: _Seq(nn.TransformerEncoder(_enc(), 2, norm=nn.LayerNorm(4))),
    "decoder": lambda: _Seq(nn.TransformerDecoder(_dec(), 2), pair=True),
    "transformer": lambda: _Seq(nn.Transformer(4, 2, 1, 1, dim_feedforward=8, dropout=0.1,
                                               batch_first=True), pair=True),
    "layernorm-no-bias": lambda: nn.Sequential(nn.Linear(12, 16), nn.LayerNorm(16, bias=False),
                                               nn.GELU(), nn.Linear(16, 5)),
    "elu-family": lambda: nn.Sequential(nn.Linear(12, 16), nn.ELU(0.5), nn.SELU(), nn.CELU(1.5),
                                        nn.PReLU(16), nn.Linear(16, 5)),
    "hard-gates": lambda: nn.Sequential(nn.Linear(12, 16), nn.Hardtanh(-0.5, 2.0), nn.ReLU6(),
                                        nn.Hardswish(), nn.Hardsigmoid(), nn.Threshold(0.6, -1.0),
                                        nn.Linear(16, 5)),
    "smooth-gates": lambda: nn.Sequential(nn.Linear(12, 16), nn.Softplus(2.0, 1.0), nn.Mish(),
                                          nn.Softsign(), nn.LogSigmoid(), nn.Tanhshrink(),
                                          nn.Linear(16, 5)),
    "conv1d-pools": lambda: nn.Sequential(nn.Unflatten(1, (2, 6)), nn.Conv1d(2, 4, 3, padding=1),
                                          nn.MaxPool1d(2), nn.AvgPool1d(2, stride=1, padding=1),
                                          nn.AdaptiveAvgPool1d(3), nn.Flatten(), nn.Linear(12, 5)),
    "conv1d-circular-upsample": lambda: nn.Sequential(
        nn.Unflatten(1, (2, 6)), nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"),
        nn.Upsample(scale_factor=2), nn.ReplicationPad1d((1, 0)), nn.AdaptiveMaxPool1d(4),
        nn.Flatten(), nn.Linear(12, 5)),
    "pixel-shuffle-adaptive-2d": lambda: nn.Sequential(
        nn.Unflatten(1, (4, 1, 3)), nn.PixelShuffle(2), nn.AdaptiveMaxPool2d((2, 3)),
        nn.Upsample(scale_factor=2, mode="bilinear"), nn.AdaptiveAvgPool2d((2, 2)),
        nn.ReflectionPad2d(1), nn.PixelUnshuffle(2), nn.ZeroPad2d((1, 0, 0, 0)),
        nn.UpsamplingBilinear2d((2, 4)), nn.ConstantPad2d((0, 0, 1, 0), 0.5),
        nn.UpsamplingNearest2d(scale_factor=1), nn.Flatten(), nn.Linear(48, 5)),
    "upsample-bicubic-exact-area": lambda: nn.Sequential(
        nn.Unflatten(1, (1, 3, 4)), nn.Upsample(scale_factor=1.5, mode="bicubic"),
        nn.Upsample(size=(4, 5), mode="nearest-exact"), nn.Upsample(size=(2, 3), mode="area"),
        nn.Flatten(), nn.Linear(6, 5)),
    "upsample-trilinear": lambda: nn.Sequential(
        nn.Unflatten(1, (1, 2, 2, 3)), nn.Upsample(scale_factor=1.5, mode="trilinear",
                                                   align_corners=True),
        nn.Upsample(scale_factor=0.5, mode="nearest"), nn.Flatten(), nn.Linear(2, 5)),
    "parameter-list-dict": lambda: _Params(),
    "dropout-family-rrelu": lambda: nn.Sequential(
        nn.Linear(12, 16), nn.Unflatten(1, (4, 4)), nn.Dropout1d(0.2), nn.Unflatten(2, (2, 2)),
        nn.Dropout2d(0.2), nn.AlphaDropout(0.1), nn.FeatureAlphaDropout(0.1), nn.RReLU(),
        nn.Softmax2d(), nn.Flatten(), nn.Linear(16, 5)),
    "bilinear": lambda: _Seq(nn.Bilinear(4, 4, 4), pair=True),
    "lp-pool-shuffle-lrn": lambda: nn.Sequential(
        nn.Unflatten(1, (4, 3)), nn.LocalResponseNorm(3), nn.ChannelShuffle(2), nn.Softplus(),
        nn.LPPool1d(2, 2, 1), nn.Unflatten(2, (1, 2)), nn.LPPool2d(1.5, (1, 2), 1), nn.Flatten(),
        nn.Linear(4, 5)),
    "max-unpool": lambda: _Unpool(),
    "pool3d-indices-fractional": lambda: _Unpool3d(),
    "lazy-after-dry-run": lambda: _dry_run(nn.Sequential(
        nn.Unflatten(1, (2, 2, 3)), nn.LazyConv2d(3, 2), nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.Flatten(), nn.LazyLinear(5))),
    "parametrized": lambda: _parametrized(),
    "spatial-transformer": lambda: _Transformer2d(),
    "spatial-transformer-3d-reflection": lambda: _Transformer3d(),
    "spatial-transformer-bicubic-border": lambda: _Transformer2d(mode="bicubic",
                                                                 padding_mode="border"),
    "volumetric": lambda: nn.Sequential(
        nn.Unflatten(1, (1, 2, 2, 3)), nn.Conv3d(1, 2, 2, padding=1, padding_mode="replicate"),
        nn.BatchNorm3d(2), nn.MaxPool3d(2, 1), nn.AvgPool3d((1, 2, 2), 1, ceil_mode=True),
        nn.InstanceNorm3d(2, affine=True), nn.ReflectionPad3d((1, 0, 0, 0, 1, 0)),
        nn.ConvTranspose3d(2, 2, 2, stride=(2, 1, 1)),
        nn.AdaptiveMaxPool3d((2, 2, 2)), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(2, 5)),
    "conv-transpose": lambda: nn.Sequential(
        nn.Unflatten(1, (3, 2, 2)), nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                       output_padding=1),
        nn.Flatten(2), nn.ConvTranspose1d(2, 1, 2, stride=2, groups=1), nn.Flatten(),
        nn.Linear(32, 5)),
    "unfold-fold": lambda: nn.Sequential(nn.Unflatten(1, (1, 3, 4)), nn.Unfold(2),
                                         nn.Fold((3, 4), 2), nn.Flatten(), nn.Linear(12, 5)),
    "shrink-glu-softmin": lambda: nn.Sequential(nn.Linear(12, 16), nn.Softshrink(0.2),
                                                nn.Hardshrink(0.1), nn.GLU(), nn.PReLU(),
                                                nn.Softmin(1), nn.Linear(8, 5)),
}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_every_layer(layer):
    def build():
        model = LAYERS[layer]()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


LOSSES = {
    "MSELoss": lambda: (nn.MSELoss(), lambda z, y: (z, F.one_hot(y, 5).float())),
    "L1Loss": lambda: (nn.L1Loss(reduction="sum"), lambda z, y: (z, F.one_hot(y, 5).float())),
    "NLLLoss": lambda: (nn.NLLLoss(), lambda z, y: (F.log_softmax(z, 1), y)),
    "CrossEntropyLoss": lambda: (nn.CrossEntropyLoss(label_smoothing=0.1), lambda z, y: (z, y)),
    "BCELoss": lambda: (nn.BCELoss(), lambda z, y: (z.sigmoid(), F.one_hot(y, 5).float())),
    "BCEWithLogitsLoss": lambda: (nn.BCEWithLogitsLoss(pos_weight=ag.tensor(np.full(5, 2.0, np.float32))),
                                  lambda z, y: (z, F.one_hot(y, 5).float())),
    "HuberLoss": lambda: (nn.HuberLoss(delta=0.3), lambda z, y: (z, F.one_hot(y, 5).float())),
    "SmoothL1Loss": lambda: (nn.SmoothL1Loss(beta=0.5), lambda z, y: (z, F.one_hot(y, 5).float())),
    "KLDivLoss": lambda: (nn.KLDivLoss(reduction="batchmean", log_target=True),
                          lambda z, y: (F.log_softmax(z, 1), F.log_softmax(F.one_hot(y, 5).float(), 1))),
    "PoissonNLLLoss": lambda: (nn.PoissonNLLLoss(full=True),
                               lambda z, y: (z, F.one_hot(y, 5).float() * 3.0)),
    "GaussianNLLLoss": lambda: (nn.GaussianNLLLoss(full=True),
                                lambda z, y: (z, F.one_hot(y, 5).float(), (z[:, :1] * 0.5).exp())),
    "MarginRankingLoss": lambda: (nn.MarginRankingLoss(0.2),
                                  lambda z, y: (z[:, 0], z[:, 1], _signs(y))),
    "HingeEmbeddingLoss": lambda: (nn.HingeEmbeddingLoss(0.5),
                                   lambda z, y: (z, F.one_hot(y, 5).float() * 2.0 - 1.0)),
    "CosineEmbeddingLoss": lambda: (nn.CosineEmbeddingLoss(-0.1),
                                    lambda z, y: (z, F.one_hot(y, 5).float(), _signs(y))),
    "TripletMarginLoss": lambda: (nn.TripletMarginLoss(swap=True),
                                  lambda z, y: (z, F.one_hot(y, 5).float(), z.flip(0))),
    "SoftMarginLoss": lambda: (nn.SoftMarginLoss(),
                               lambda z, y: (z, F.one_hot(y, 5).float() * 2.0 - 1.0)),
    "MultiLabelSoftMarginLoss": lambda: (nn.MultiLabelSoftMarginLoss(
        weight=ag.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32))),
        lambda z, y: (z, F.one_hot(y, 5).float())),
    "MultiMarginLoss": lambda: (nn.MultiMarginLoss(p=2, margin=0.5), lambda z, y: (z, y)),
    "CosineSimilarity": lambda: (lambda a, b: nn.CosineSimilarity()(a, b).sum(),
                                 lambda z, y: (z, F.one_hot(y, 5).float())),
    "TripletMarginWithDistanceLoss": lambda: (nn.TripletMarginWithDistanceLoss(
        distance_function=nn.CosineSimilarity(), margin=0.5, swap=True),
        lambda z, y: (z, F.one_hot(y, 5).float(), z.flip(0))),
    "MultiLabelMarginLoss": lambda: (nn.MultiLabelMarginLoss(),
                                     lambda z, y: (z, ag.stack([y, (y + 2) % 5, y * 0 - 1, y,
                                                                y], 1))),
    "CTCLoss": lambda: (nn.CTCLoss(), lambda z, y: (
        F.log_softmax(z, 1).unsqueeze(1), (y[:3] % 4 + 1).unsqueeze(0), ag.tensor([8]),
        ag.tensor([3]))),
    "PairwiseDistance": lambda: (lambda a, b: nn.PairwiseDistance(p=1.5)(a, b).mean(),
                                 lambda z, y: (z, F.one_hot(y, 5).float())),
}


def _signs(y):
    """+1 for an even class, -1 for an odd one: a +-1 target of y's shape."""
    return (y % 2 == 0).float() * 2.0 - 1.0


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_module(name):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss, prepare = LOSSES[name]()
        return train_step(model, opt, loss_fn=lambda z, y: loss(*prepare(z, y))), \
            watched(model, opt)
    check_twins(build)


def test_model_optimizer_and_config_passed_as_arguments():
    """Objects passed as arguments are walked like the closure: their parameters traced,
    their Python values checked (a replay stepped only what the closure reached)."""
    class Config:
        scale = 1.0

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        cfg = Config()

        def step(model, opt, cfg, x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) * cfg.scale
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt, cfg=cfg)

    def args(i, env):
        if i == 4:
            env["cfg"].scale = 3.0
        return (env["models"][0], env["opts"][0], env["cfg"]) + batch(i)
    check_twins(build, args=args, calls=8, replays=3)


def test_unhashable_argument_runs_eagerly_with_a_warning():
    def build():
        step, env = basic()()
        return (lambda x, y, names: step(x, y)), env
    check_twins(build, args=lambda i, env: batch(i) + ({"a", "b"},), calls=5,
                warns="not hashable")


def test_tensors_inside_a_tuple_argument():
    def build():
        step, env = basic()()
        return (lambda batch: step(*batch)), env
    # a tuple's tensors are inputs (jit/arguments.py): each call after the trace replays
    f = check_twins(build, args=lambda i, env: (batch(i),), calls=5)
    assert f.traces == 1
    x, y = batch(0)

    def build_same():
        step, env = basic()()
        return (lambda batch: step(*batch)), env

    def same_tuple(i, env):                      # one tuple, its tensors' arrays replaced
        x.data, y.data = batch(i)[0].data, batch(i)[1].data
        return ((x, y),)
    f = check_twins(build_same, args=same_tuple, calls=6)  # inputs, read on every call
    assert f.traces == 1


def test_grad_mode_at_the_call_is_part_of_the_program():
    """A forward traced under no_grad and called with grad enabled (or the reverse) is
    another program: eager's result requires grad in one case only."""
    ag.manual_seed(0)
    model = mlp()
    f = ag.compile(lambda x: model(x).tanh())
    for i in range(6):
        x = batch(i)[0]
        if i % 2:
            with ag.no_grad():
                got, want = f(x), model(x).tanh()
            assert not got.requires_grad
        else:
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                got, want = f(x), model(x).tanh()
            assert got.requires_grad              # eager's, with its graph
        np.testing.assert_array_equal(got.data, want.data)
    assert f.replays >= 1


def test_default_dtype_at_the_call_is_part_of_the_program():
    def step(x):
        with ag.no_grad():
            return x.float() * ag.tensor(0.1) + ag.ones(x.shape[1])
    f = ag.compile(step)
    try:
        for i in range(6):
            ag.set_default_dtype(np.float64 if i >= 3 else np.float32)
            x = batch(i)[0]
            got, want = f(x), step(x)
            assert got.data.dtype == want.data.dtype
            np.testing.assert_array_equal(got.data, want.data)
    finally:
        ag.set_default_dtype(np.float32)


def test_accumulation_with_alternating_batch_sizes():
    check_twins(basic(zero=False), args=lambda i, env: batch(i, b=[8, 5][i % 2]), calls=9,
                replays=4)


@pytest.mark.parametrize("how", ["clamp_", "np.clip-out", "ema-inplace"])
def test_parameter_written_inside_the_step_after_the_update(how):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        ema = [ag.tensor(p.data.copy()) for p in model.parameters()]
        inner = train_step(model, opt)

        def step(x, y):
            loss = inner(x, y)
            with ag.no_grad():
                for p, e in zip(model.parameters(), ema):
                    if how == "clamp_":
                        p.clamp_(-0.05, 0.05)
                    elif how == "np.clip-out":
                        np.clip(p.data, -0.05, 0.05, out=p.data)
                    else:
                        e.data *= 0.9
                        e.data += p.data * 0.1
            return loss
        return step, watched(model, opt, *ema)
    check_twins(build)


def test_ema_replacing_data_inside_the_step_falls_back():
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        ema = [ag.tensor(p.data.copy()) for p in model.parameters()]
        inner = train_step(model, opt)

        def step(x, y):
            loss = inner(x, y)
            for p, e in zip(model.parameters(), ema):
                e.data = e.data * 0.9 + p.data * 0.1
            return loss
        return step, watched(model, opt, *ema)
    check_twins(build, warns=r"\.data replaced")


def test_gradient_penalty_with_create_graph():
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            x = x.detach().requires_grad_()
            loss = F.cross_entropy(model(x), y)
            (gx,) = ag.grad(loss, [x], create_graph=True)
            total = loss + 0.1 * (gx * gx).sum()
            total.backward()
            opt.step()
            return total
        return step, watched(model, opt)
    check_twins(build)


def test_manual_update_with_autograd_grad():
    def build():
        model = mlp()
        params = list(model.parameters())

        def step(x, y):
            loss = F.cross_entropy(model(x), y)
            grads = ag.grad(loss, params)
            with ag.no_grad():
                for p, g in zip(params, grads):
                    p.data -= 0.1 * g.data
            return loss
        return step, watched(model)
    check_twins(build)


def test_distributed_data_parallel_falls_back():
    """DDP averages gradients in a post-accumulate-grad hook (an MPI call a replay would
    not make): the step runs eagerly, with one warning."""
    pytest.importorskip("mpi4py")
    from nn.parallel import DistributedDataParallel

    def build():
        model = DistributedDataParallel(mlp())
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="a hook on a tensor")


def test_a_bound_method_with_a_log_list_replays():
    class Trainer:
        def __init__(self):
            self.model = mlp()
            self.opt = optim.SGD(self.model.parameters(), lr=0.1)
            self.losses = []
            self.lr_scale = 1.0

        def step(self, x, y):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y) * self.lr_scale
            loss.backward()
            self.opt.step()
            return loss

    def build():
        t = Trainer()
        return t.step, watched(t.model, t.opt, t=t)

    def between(i, env):
        if i:
            env["t"].losses.append(float(i))      # the user's log grows every call
        if i == 5:
            env["t"].lr_scale = 0.5
    f = check_twins(build, between=between, calls=9, replays=5)
    assert f.traces == 2


def test_detect_anomaly_at_the_call_is_part_of_the_program():
    """Traced without detect_anomaly, called inside it: eager raises at the NaN, so must
    the compiled step (a replay would not check)."""
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x) * ag.tensor(x.shape[0] * 1.0).sqrt(), y)
        loss.backward()
        opt.step()
        return loss
    f = ag.compile(step)
    for i in range(4):
        f(*batch(i))
    x, y = batch(9)
    x.data[0, 0] = np.nan
    with pytest.raises(ag.errors.AnomalyError):
        with ag.detect_anomaly():
            f(x, y)


def test_inside_override_backward_runs_eagerly_with_a_warning():
    def double(node, grad, inputs, output):
        return tuple(2 * g if g is not None else None for g in node.backward(grad))

    def build():
        step, env = basic()()

        def wrapped(x, y):
            with ag.override_backward({ag.ops.Relu: double}) if wrapped.on else _null():
                return step(x, y)
        wrapped.on = False
        env["w"] = wrapped
        return wrapped, env

    def between(i, env):
        env["w"].on = i >= 4
    check_twins(build, between=between, calls=7, replays=4)

    ag.manual_seed(0)
    step, env = basic()()
    f = ag.compile(step)
    with pytest.warns(UserWarning, match="override_backward"):
        for i in range(5):
            if i < 3:
                f(*batch(i))
            else:
                with ag.override_backward({ag.ops.Relu: double}):
                    f(*batch(i))


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_generated_state_check_follows_its_fields_and_fails_on_a_missing_attribute():
    from autograd.jit.discover import State
    model = mlp()
    w = model[0].weight
    st = State([w], list(model.modules()), [])
    assert st.stale() is None
    model[2].eval()
    assert st.stale() == "a module switched train/eval mode"
    model[2].train()
    assert st.stale() is None
    st.grads = ((w, ag.zeros(*w.shape), np.zeros(w.shape, np.float32)),)  # set after a call
    assert w.grad is None and "set to None" in st.stale()
    st.grads = ()
    assert st.stale() is None
    hooks = model[0].__dict__.pop("_forward_hooks")       # read through the module's dict
    try:
        # an edit of a module's __dict__ itself is not counted (autograd/versions.py's
        # structure): the modules' part of the check runs again once something is
        assert st.stale() is None
        versions.structure_changed()
        assert st.stale() == "a hook was registered"
    finally:
        model[0].__dict__["_forward_hooks"] = hooks
    assert st.stale() is None
