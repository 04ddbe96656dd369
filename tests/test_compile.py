"""ag.compile: twin runs (eager and compiled from the same seed) agree bit for bit on
returned values, parameters, gradients and optimizer state at every step; constructs
that cannot be replayed fall back with a warning (or raise under strict); retraces;
guards; no allocation per replayed step."""
import gc
import random
import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import CompileCheckError, Escape
from autograd.errors import GraphError, OutOfRangeError
from nn import optim
from nn.optim import lr_scheduler as sched
from compile_twins import (CALLS, assert_same_runs, batch, batches, check_twins, mlp, run,
                           train_step, watched)


@pytest.mark.parametrize("make_opt", [
    lambda p: optim.SGD(p, lr=0.1),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.1, maximize=True),
    lambda p: optim.Adam(p, lr=1e-2),
    lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2, amsgrad=True),
    lambda p: optim.AdamW(p, lr=1e-2),
    lambda p: optim.RMSprop(p, lr=1e-2),
    lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-3),
], ids=["sgd", "momentum", "nesterov-wd", "dampening-maximize", "adam", "adam-wd-amsgrad",
        "adamw", "rmsprop", "rmsprop-centered"])
def test_optimizers_bit_identical(make_opt):
    def build():
        model = mlp()
        opt = make_opt(model.parameters())
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("make_sched", [
    lambda o: sched.StepLR(o, 2, gamma=0.5),
    lambda o: sched.MultiStepLR(o, [2, 4], gamma=0.3),
    lambda o: sched.ExponentialLR(o, 0.9),
    lambda o: sched.CosineAnnealingLR(o, 5),
    lambda o: sched.LambdaLR(o, lambda e: 1 / (1 + e)),
    lambda o: sched.LinearLR(o, 0.2, 1.0, 4),
    lambda o: sched.OneCycleLR(o, 0.2, total_steps=20),
    lambda o: sched.SequentialLR(o, [sched.LinearLR(o, 0.5, 1.0, 2), sched.ExponentialLR(o, 0.8)],
                                 [3]),
], ids=["step", "multistep", "exponential", "cosine", "lambda", "linear", "onecycle",
        "sequential"])
def test_schedulers_change_lr_without_retrace(make_sched):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt, scheduler=make_sched(opt)), watched(model, opt)
    f = check_twins(build)
    assert f.traces == 1


@pytest.mark.parametrize("clip", ["norm", "value"])
def test_gradient_clipping(clip):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return train_step(model, opt, clip=clip), watched(model, opt)
    check_twins(build)


def test_dropout_redraws_from_the_default_generator():
    def build():
        model = mlp(extra=(nn.Dropout(0.3),))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm(train):
    def build():
        model = mlp(extra=(nn.BatchNorm1d(16),))
        model.train(train)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt), watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("layer", ["tanh", "sigmoid", "gelu", "gelu_tanh", "silu", "leaky",
                                   "layernorm", "conv", "embedding"])
def test_layers(layer):
    def build():
        if layer == "embedding":       # 40 indices: the sorted-rows backward (a jit.kernel)
            model = nn.Sequential(nn.Embedding(12, 6), nn.Flatten(), nn.Linear(30, 5))
            opt = optim.Adam(model.parameters(), lr=1e-2)
            step = train_step(model, opt)
            ids = (lambda x, y: step((x[:, :5].sigmoid() * 11.99).long(), y))
            return ids, watched(model, opt)
        if layer == "conv":
            model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(3 * 2 * 1, 5))
        else:
            act = {"tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), "gelu": nn.GELU(),
                   "gelu_tanh": nn.GELU("tanh"), "embedding": None,
                   "silu": nn.SiLU(), "leaky": nn.LeakyReLU(0.1),
                   "layernorm": nn.LayerNorm(16)}[layer]
            model = nn.Sequential(nn.Linear(12, 16), act, nn.Linear(16, 5))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        step = train_step(model, opt)
        if layer == "conv":
            return (lambda x, y: step(x.reshape(8, 1, 4, 3), y)), watched(model, opt)
        return step, watched(model, opt)
    check_twins(build)


@pytest.mark.parametrize("loss", ["mse", "l1", "huber", "smooth_l1", "bce_logits", "nll",
                                  "kl_div", "ce_smoothing"])
def test_losses(loss):
    fns = {
        "mse": lambda z, y: F.mse_loss(z, F.one_hot(y, 5).float()),
        "l1": lambda z, y: F.l1_loss(z, F.one_hot(y, 5).float()),
        "huber": lambda z, y: F.huber_loss(z, F.one_hot(y, 5).float(), delta=0.5),
        "smooth_l1": lambda z, y: F.smooth_l1_loss(z, F.one_hot(y, 5).float()),
        "bce_logits": lambda z, y: F.binary_cross_entropy_with_logits(z, F.one_hot(y, 5).float()),
        "nll": lambda z, y: F.nll_loss(F.log_softmax(z, 1), y),
        "kl_div": lambda z, y: F.kl_div(F.log_softmax(z, 1), F.softmax(z.detach() * 0.5, 1),
                                        reduction="batchmean"),
        "ce_smoothing": lambda z, y: F.cross_entropy(z, y, label_smoothing=0.1),
    }

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return train_step(model, opt, loss_fn=fns[loss]), watched(model, opt)
    check_twins(build)


def test_inference_under_no_grad():
    ag.manual_seed(0)
    model = mlp()
    model.eval()

    def predict(x):
        with ag.no_grad():
            return F.softmax(model(x), 1)
    f = ag.compile(predict)
    data = batches(9)
    for x, _ in data:
        got, want = f(x), predict(x)
        assert np.array_equal(got.data, want.data)
    assert f.replays == len(data) - 2
    a, b = f(data[0][0]), f(data[0][0])
    assert a.data is not b.data                 # returned tensors are fresh


# --- fallbacks: one per construct that cannot be replayed -----------------------------
def _fallback_step(construct):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    log = []

    def step(x, y):
        opt.zero_grad()
        z = model(x)
        if construct == "item":
            log.append(z.sum().item())
        elif construct == "bool":
            if z.sum() > 0:
                z = z * 2
        elif construct == "tolist":
            log.append(y.tolist())
        elif construct == "mask":
            z = z[z.data[:, 0] > 0] if False else z[(z > 0).all(1)]
        elif construct == "np_random":
            z = z * float(np.random.rand() > 2)
        elif construct == "py_random":
            z = z * float(random.random() > 2)
        elif construct == "generator":
            z = z + ag.rand(z.shape[1], generator=ag.Generator().manual_seed(1)) * 0
        elif construct == "print":
            log.append(f"{z.sum()}")
        loss = F.cross_entropy(z, y) if construct != "mask" else z.sum()
        loss.backward()
        opt.step()
        return loss
    return step, watched(model, opt)


@pytest.mark.parametrize("construct,message", [
    ("item", ".item()"), ("bool", "bool(tensor)"), ("tolist", ".tolist()"),
    ("mask", "boolean-mask indexing"), ("np_random", "numpy's global random generator"),
    ("py_random", "Python's random module"), ("print", "printing a tensor"),
    ("generator", "a draw from a Generator other than the default one")])
def test_fallback_warns_once_and_matches_eager(construct, message):
    def reseed(i, env):
        np.random.seed(0)
        random.seed(0)
    eager = run(lambda: _fallback_step(construct), False, calls=9, between=reseed)
    compiled = run(lambda: _fallback_step(construct), True, calls=9, between=reseed)
    assert_same_runs(eager, compiled, warns="runs eagerly")
    assert message in compiled.warnings[0]
    if construct not in ("np_random", "py_random", "mask", "generator"):
        assert "test_compile.py:" in compiled.warnings[0]      # names the line
    assert compiled.f.replays == 0


@pytest.mark.parametrize("construct", ["item", "bool", "tolist", "mask"])
def test_strict_raises(construct):
    step, _ = _fallback_step(construct)
    f = ag.compile(step, strict=True)
    data = batches()
    f(*data[0])
    with pytest.raises(Escape, match="cannot be replayed"):
        f(*data[1])


def test_reseeding_inside_the_step_falls_back():
    model = mlp(extra=(nn.Dropout(0.5),))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        ag.manual_seed(1)
        return train_step(model, opt)(x, y)
    f = ag.compile(step)
    with pytest.warns(UserWarning, match="reseeded"):
        for x, y in batches(9):
            f(x, y)
    assert f.replays == 0


def test_checkpoint_with_dropout_replays():
    """nn.utils.checkpoint sets the generator's state to redraw dropout's mask in
    backward: a replay reads the state and sets it back where the trace did, so it
    redraws this replay's masks (from where the stream is, not the trace's), as eager."""
    from nn.utils.checkpoint import checkpoint

    def build():
        inner = nn.Sequential(nn.Linear(16, 16), nn.Dropout(0.3), nn.ReLU())
        first, last = nn.Linear(12, 16), nn.Linear(16, 5)
        model = nn.Sequential(first, inner, last)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(last(checkpoint(inner, first(x))), y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    f = check_twins(build, calls=9)
    assert (f.traces, f.replays) == (1, 7)


# --- retraces -----------------------------------------------------------------------------
def _counted():
    ag.manual_seed(0)
    model = mlp(extra=(nn.Dropout(0.2),))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return ag.compile(train_step(model, opt)), model, opt


def test_new_input_shape_is_a_new_program():
    f, _, _ = _counted()
    for x, y in batches(4) + batches(4, b=5):
        f(x, y)
    assert f.traces == 2 and f.replays == 5


def _replace_data(model, opt):
    model[0].weight.data = model[0].weight.data.copy()


def _load_state_dicts(model, opt):
    sd, osd = model.state_dict(), opt.state_dict()
    model.load_state_dict(sd)
    opt.load_state_dict(osd)


def _replace_param_groups(model, opt):
    opt.param_groups = [dict(g) for g in opt.param_groups]


@pytest.mark.parametrize("change", [_replace_data, _load_state_dicts, _replace_param_groups],
                         ids=lambda c: c.__name__.strip("_"))
def test_retrace_after(change):
    """A change between the third and the fourth call: the step is traced again."""
    f, model, opt = _counted()
    data = batches(6)
    for x, y in data[:3]:
        f(x, y)
    change(model, opt)
    for x, y in data[3:]:
        f(x, y)
    assert f.traces == 2


def test_retrace_on_train_eval_flip():
    f, model, _ = _counted()
    data = batches(8)
    for i, (x, y) in enumerate(data):
        model.train(i < 4)
        f(x, y)
    assert f.traces == 2


def test_replay_bumps_the_version_of_updated_parameters():
    """A graph that saved a parameter before a replayed step raises at backward, as after
    an eager step (the optimizer step marks the parameters modified)."""
    f, model, _ = _counted()
    data = batches(4)
    for x, y in data[:3]:
        f(x, y)
    w = model[0].weight
    old = (w * w).sum()                            # saves w for backward
    f(*data[3])
    assert f.replays == 2
    with pytest.raises(GraphError, match="modified by Adam.step"):
        old.backward()


def test_max_programs_then_eager_with_warning():
    f, _, _ = _counted()
    f.max_programs = 2
    with pytest.warns(UserWarning, match="max_programs"):
        for b in (3, 4, 5, 6):
            for x, y in batches(3, b=b):
                f(x, y)
    assert f.traces == 2


# --- guards ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [7, -1])     # -1 is not ignore_index (-100): out of range too
def test_guard_bad_labels_raise_the_eager_error_with_state_unchanged(bad):
    def build():
        model = mlp(extra=(nn.BatchNorm1d(16), nn.Dropout(0.3)))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)

    def args(i, env):
        x, y = batch(i)
        if i == 5:
            y.data[3] = bad                                # out of range for 5 classes
        return x, y
    eager, compiled = (run(build, c, calls=8, args=args, raises=OutOfRangeError)
                       for c in (False, True))
    assert_same_runs(eager, compiled)
    assert [h[0] == "raised" for h in eager.history] == [i == 5 for i in range(8)]
    assert "out of bounds for 5 classes" in eager.history[5][2]
    assert compiled.f.replays == 4 and compiled.f.traces == 2   # the failed guard: a retrace


# --- memory ----------------------------------------------------------------------------------
def _adam_mlp(b=64, h=128):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, h), nn.ReLU(), nn.Linear(h, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def step(x, y):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((b, 64)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, b))
    return ag.compile(step), x, y


def test_replay_allocates_no_arrays():
    f, x, y = _adam_mlp(b=256, h=512)        # one hidden activation: 512 KB
    for _ in range(3):
        f(x, y)
    # numpy's ufunc iterator allocates its own buffers in some calls (h += bias, a
    # broadcast: 34 KB at the default size), as eagerly; at 16 elements they are
    # small, and what remains is the replay's: the fancy-index assignment of NLL's
    # backward (~3 KB of numpy's index machinery) is the largest, arrays none
    old = np.setbufsize(16)
    try:
        f(x, y)
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(5):
            f(x, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        np.setbufsize(old)
    assert peak - base < 8_000


def test_no_growth_over_5000_steps():
    f, x, y = _adam_mlp(b=4)
    for _ in range(10):
        f(x, y)
    tracemalloc.start()
    for _ in range(200):
        f(x, y)
    gc.collect()        # free lists (tuples, floats) fill up to their bound: not growth
    first, _ = tracemalloc.get_traced_memory()
    for _ in range(4800):
        f(x, y)
    gc.collect()
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert last - first < 1000


# --- check=k ---------------------------------------------------------------------------------
def test_check_compares_replays_with_eager():
    def build():
        model = mlp(extra=(nn.Dropout(0.2), nn.BatchNorm1d(16)))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt, scheduler=sched.ExponentialLR(opt, 0.9)), watched(model, opt)
    check_twins(build, check=3)


def test_check_catches_a_wrong_replay():
    ag.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    f = ag.compile(train_step(model, opt), check=2)
    data = batches()
    f(*data[0])
    f(*data[1])
    program = next(iter(f.programs.values())).program
    pick = [ins for ins in program.code if ins[0] == "call" and ins[1] is np.ndarray.__getitem__]
    pick[0][2][1][0][...] = 0           # corrupt a constant: NLL's row numbers, arange(n)
    with pytest.raises(CompileCheckError, match="differs from the eager step"):
        f(*data[2])


# --- the char-GPT (examples/char_gpt.py's training step) ------------------------------------
def _examples_on_path():
    import pathlib
    import sys
    examples = str(pathlib.Path(__file__).resolve().parent.parent / "examples")
    if examples not in sys.path:
        sys.path.insert(0, examples)


def test_char_gpt_step_bit_identical():
    _examples_on_path()
    import char_gpt
    from gpt import GPT, GPTConfig
    rng = np.random.default_rng(0)
    data = []
    for _ in range(CALLS):
        chunk = rng.integers(0, 20, (4, 9))
        data.append((ag.tensor(chunk[:, :-1]), ag.tensor(chunk[:, 1:])))

    def build():
        model = GPT(GPTConfig(block_size=8, vocab_size=20, n_layer=1, n_head=2, n_embd=16,
                              dropout=0.1))
        opt = model.configure_optimizers(0.1, 3e-3)
        schedule = sched.LambdaLR(opt, lambda s: char_gpt.lr_factor(s, 2, CALLS, 0.1))
        return char_gpt.make_train_step(model, opt, schedule, grad_clip=1.0), watched(model, opt)
    check_twins(build, args=lambda i, env: data[i])


def test_train_digits_compile_flag(tmp_path, capsys):
    _examples_on_path()
    import train_digits
    import re
    args = ["--quick", "--model", "mlp", "--epochs", "2", "--out", str(tmp_path)]
    runs = []
    for extra in ([], ["--compile"]):
        accuracy = train_digits.main(args + extra)
        out = capsys.readouterr().out
        runs.append((accuracy, re.findall(r"loss (\S+)\s+train\s+(\S+)\s+test\s+(\S+)", out)))
    assert runs[0] == runs[1] and len(runs[0][1]) == 2     # the same losses, from the same bits
    assert re.search(r"eager [\d,]+ samples/s, compiled [\d,]+ samples/s", out)
