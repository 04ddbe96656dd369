"""ag.compile against its issue's list, item by item, where the other compile tests left
a gap: every scheduler, hyperparameters changed by the user every step, each construct
that cannot be replayed (warning, and a raise under strict), each retrace trigger on its
own, the decorator and warmup forms, randomness drawn inside the step, the layers' and
losses' options, and what a step returns. Twin runs: compile_twins.check_twins."""
import re

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.jit import Escape
from nn import optim
from nn.optim import lr_scheduler as sched
from nn.optim.lr_cycles import CosineAnnealingWarmRestarts, CyclicLR
from test_compile import _examples_on_path
from compile_twins import (CALLS, adam, assert_same, batch, check_twins, flat, mlp, mlp_and_opt,
                           state_of, train_step, watched)
from test_compile_adversarial import basic


def _with_schedule(make_sched, make_opt=lambda p: optim.SGD(p, lr=0.1, momentum=0.9)):
    def build():
        model = mlp()
        opt = make_opt(model.parameters())
        return train_step(model, opt, scheduler=make_sched(opt)), watched(model, opt)
    return build


# --- every scheduler: the lr (and momentum) are inputs, never a retrace ------------------
SCHEDULERS = {
    "multiplicative": lambda o: sched.MultiplicativeLR(o, lambda e: 0.9),
    "constant": lambda o: sched.ConstantLR(o, 0.5, total_iters=3),
    "polynomial": lambda o: sched.PolynomialLR(o, total_iters=6, power=2.0),
    "chained": lambda o: sched.ChainedScheduler([sched.ConstantLR(o, 0.5, total_iters=3),
                                                 sched.ExponentialLR(o, 0.9)]),
    "warm-restarts": lambda o: CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "cyclic": lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "cyclic-exp-range": lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range",
                                           gamma=0.9),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_every_scheduler_without_retrace(name):
    f = check_twins(_with_schedule(SCHEDULERS[name]), calls=9, replays=6)
    assert f.traces == 1


def test_cyclic_lr_cycles_adam_beta1_without_retrace():
    f = check_twins(_with_schedule(lambda o: CyclicLR(o, 1e-3, 1e-2, step_size_up=2),
                            lambda p: optim.Adam(p, lr=1e-2)), calls=9, replays=6)
    assert f.traces == 1


def test_reduce_lr_on_plateau_stepped_between_calls():
    def between(i, env):
        if i:
            env["plateau"].step(1.0)            # never improves: the lr falls every 2 calls
    def build():
        step, env = basic()()
        env["plateau"] = sched.ReduceLROnPlateau(env["opts"][0], factor=0.5, patience=1)
        return step, env
    f = check_twins(build, between=between, calls=9, replays=6)
    assert f.traces == 1


def test_reduce_lr_on_plateau_stepped_inside_with_the_loss():
    """The metric is this step's loss: a replay would pass the trace's tensor to the
    Python call, whose buffer the program reuses (the reductions were decided from
    stale values, silently): the step runs eagerly with a warning."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        plateau = sched.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.05)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            plateau.step(loss.detach() * 3.0 + 1.0)
            return loss
        return step, watched(model, opt)
    check_twins(build, args=lambda i, env: batch(i % 3), calls=12, warns="ReduceLROnPlateau.step")


# --- Python numbers changed by the user every step: inputs, never a retrace ---------------
@pytest.mark.parametrize("make_opt,key,values", [
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "lr", (0.1, 0.05, 0.2)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "momentum", (0.9, 0.5, 0.7)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1), "dampening", (0.1, 0.3, 0.2)),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
     "weight_decay", (1e-2, 3e-2, 1e-3)),
    (lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2), "weight_decay", (1e-2, 5e-2, 2e-3)),
    (lambda p: optim.Adam(p, lr=1e-2), "betas", ((0.9, 0.999), (0.8, 0.99), (0.95, 0.9))),
    (lambda p: optim.Adam(p, lr=1e-2), "eps", (1e-8, 1e-3, 1e-6)),
    (lambda p: optim.AdamW(p, lr=1e-2), "weight_decay", (1e-2, 0.1, 0.05)),
    (lambda p: optim.AdamW(p, lr=1e-2, amsgrad=True), "lr", (1e-2, 3e-3, 2e-2)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, weight_decay=1e-3), "alpha",
     (0.99, 0.9, 0.95)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, weight_decay=1e-3), "weight_decay",
     (1e-3, 1e-2, 5e-3)),
    (lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True), "momentum",
     (0.5, 0.9, 0.2)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_hyperparameter_changed_every_step_never_retraces(make_opt, key, values):
    def between(i, env):
        for g in env["opts"][0].param_groups:
            g[key] = values[i % len(values)]
    f = check_twins(basic(make_opt), between=between, calls=9, replays=6)
    assert f.traces == 1


def test_adam_step_count_is_an_input():
    """Adam's bias corrections change every step; its per-parameter step count is eager's."""
    f = check_twins(basic(lambda p: optim.Adam(p, lr=1e-2)), calls=12, replays=9)
    assert f.traces == 1


# --- constructs that cannot be replayed: one warning naming it, or a raise under strict ----
def _construct_step(construct):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            if construct == "nonzero":
                z = z[np.nonzero((y == 0).data)[0].sum() * 0:]
            elif construct == "np.nonzero-dispatch":
                rows = np.nonzero(y == 0)[0]
                z = z * float(len(rows) >= 0)
            elif construct == "argwhere":
                z = z * (np.argwhere((y == 1).data).size * 0 + 1)
            elif construct == "float":
                z = z * float(z.mean() > -1e9)
            elif construct == "int":
                z = z[: int(y[0]) % 2 + 7]
            loss = F.cross_entropy(z, y[: z.shape[0]])
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    return build


CONSTRUCTS = {"nonzero": "np.nonzero", "np.nonzero-dispatch": "nonzero",
              "argwhere": "np.argwhere", "float": "float(tensor)", "int": "int(tensor)"}


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_a_construct_that_cannot_be_replayed_warns_once(construct):
    f = check_twins(_construct_step(construct), warns=re.escape(CONSTRUCTS[construct]))
    assert f.replays == 0


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_a_construct_that_cannot_be_replayed_raises_under_strict(construct):
    step, _ = _construct_step(construct)()
    f = ag.compile(step, strict=True)
    f(*batch(0))
    with pytest.raises(Escape, match="cannot be replayed"):
        f(*batch(1))


def test_a_tensor_as_a_slice_bound_is_a_guard():
    """z[:n] with n a tensor: the bound was read inside numpy's call, so a replay kept
    the traced bound (a wrong loss, silently, once n changed); now a guard: the step
    runs eagerly when n differs from the trace's, and then traces again."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            n = y[0].clamp(3, 4) + 4                # 7 or 8 rows
            loss = F.cross_entropy(z[:n], y[:n]) + z.narrow(0, 0, n).sum() * 1e-3
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    ns = [int(batch(i)[1].data[0].clip(3, 4)) + 4 for i in range(10)]
    assert len(set(ns[2:])) == 2, ns                  # the bound changes after the trace
    check_twins(build, calls=10, replays=3)


# --- what a step returns ------------------------------------------------------------------
def test_a_returned_python_number_runs_eagerly_with_a_warning():
    """A replay cannot recompute a Python number (here the learning rate a schedule
    changes every step): it returned the traced value, silently."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        s = sched.ExponentialLR(opt, 0.5)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            s.step()
            return {"loss": loss, "lr": opt.param_groups[0]["lr"], "last": s.get_last_lr()}
        return step, watched(model, opt)
    f = check_twins(build, warns=r"returns a Python number \(float 0\.0\d+\)")
    assert f.replays == 0


def test_returned_tensors_are_fresh_and_detached():
    def build():
        model, opt = mlp_and_opt(adam)
        return train_step(model, opt, tail=lambda loss, z, y: (loss, z, None, "tag")), \
            watched(model, opt)
    f = check_twins(build, replays=3)
    step, env = build()
    f = ag.compile(step)
    outs = [f(*batch(i)) for i in range(5)]
    arrays = [t.data for o in outs[2:] for t in o[:2]]
    assert all(not np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])
    params = [p.data for p in env["models"][0].parameters()]
    params += [p.grad.data for p in env["models"][0].parameters()]
    assert all(not np.shares_memory(a, p) for a in arrays for p in params)
    assert all(not t.requires_grad and t.grad_fn is None for o in outs[2:] for t in o[:2])
    assert outs[-1][2:] == (None, "tag")
# --- layers' options, each compiled --------------------------------------------------------
class _Image(nn.Module):
    """(8, 12) -> (8, c, h, w) -> `body` -> flatten -> Linear -> (8, 5)."""

    def __init__(self, body, shape, features):
        super().__init__()
        self.body, self.shape, self.head = body, shape, nn.Linear(features, 5)

    def forward(self, x):
        return self.head(self.body(x.reshape((x.shape[0],) + self.shape)).flatten(1))


class _Tokens(nn.Module):
    """(8, 12) -> 5 tokens of (8, 5) indices -> `body` (Embedding first) -> Linear."""

    def __init__(self, body, features):
        super().__init__()
        self.body, self.head = body, nn.Linear(features, 5)

    def forward(self, x):
        idx = (x[:, :5].sigmoid() * 9.99).long()
        return self.head(self.body(idx).flatten(1))


class _Masked(nn.Module):
    """Attention layers with a key padding mask and an attention mask (inputs of the step,
    not constants: the padding differs from call to call)."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        if kind == "mha":
            self.body = nn.MultiheadAttention(4, 2, dropout=0.1, batch_first=True, bias=False,
                                              add_bias_kv=True)
        else:
            self.body = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.1,
                                                   activation="gelu", batch_first=True,
                                                   norm_first=True)
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        h = x.reshape(x.shape[0], 3, 4)
        pad = x[:, :3] > 1.0                     # a per-sample key padding mask
        pad = pad & (x[:, :3] < x[:, :3].amax(1, keepdim=True))     # never all keys
        causal = ag.triu(ag.ones(3, 3), 1).bool()
        if self.kind == "mha":
            out, w = self.body(h, h, h, key_padding_mask=pad, attn_mask=causal,
                               average_attn_weights=False)
            out = out + w.sum() * 0
        else:
            out = self.body(h, src_mask=causal, src_key_padding_mask=pad)
        return self.head(out.reshape(x.shape[0], 12))


OPTIONS = {
    "conv-stride-dilation": lambda: _Image(nn.Conv2d(1, 2, 3, stride=2, padding=2, dilation=2),
                                           (1, 4, 3), 8),
    "conv-groups-no-bias": lambda: _Image(nn.Conv2d(2, 4, (3, 1), groups=2, bias=False,
                                                    padding=(1, 0)), (2, 3, 2), 24),
    "conv-reflect": lambda: _Image(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"),
                                   (1, 4, 3), 24),
    "maxpool-padding-ceil": lambda: _Image(nn.MaxPool2d(2, stride=1, padding=1, ceil_mode=True),
                                           (1, 4, 3), 20),
    "maxpool-dilation": lambda: _Image(nn.MaxPool2d(2, dilation=2), (1, 4, 3), 1),
    "avgpool-no-pad-count": lambda: _Image(nn.AvgPool2d(2, padding=1, count_include_pad=False,
                                                        ceil_mode=True), (1, 4, 3), 6),
    "avgpool-divisor": lambda: _Image(nn.AvgPool2d(2, divisor_override=3), (3, 2, 2), 3),
    "batchnorm-no-affine": lambda: nn.Sequential(nn.Linear(12, 16),
                                                 nn.BatchNorm1d(16, affine=False), nn.Linear(16, 5)),
    "batchnorm-no-running-stats": lambda: nn.Sequential(
        nn.Linear(12, 16), nn.BatchNorm1d(16, track_running_stats=False), nn.Linear(16, 5)),
    "batchnorm2d-momentum": lambda: _Image(nn.BatchNorm2d(3, momentum=0.3, eps=1e-3),
                                           (3, 2, 2), 12),
    "layernorm-no-affine": lambda: nn.Sequential(nn.Linear(12, 16),
                                                 nn.LayerNorm(16, elementwise_affine=False),
                                                 nn.Linear(16, 5)),
    "layernorm-2d": lambda: _Image(nn.LayerNorm((3, 4)), (3, 4), 12),
    "rmsnorm-eps": lambda: nn.Sequential(nn.Linear(12, 16), nn.RMSNorm(16, eps=1e-3),
                                         nn.Linear(16, 5)),
    "embedding": lambda: _Tokens(nn.Embedding(10, 3), 15),
    "embedding-padding-idx": lambda: _Tokens(nn.Embedding(10, 3, padding_idx=0), 15),
    "embedding-bag-mean": lambda: _Tokens(nn.Sequential(nn.EmbeddingBag(10, 3, padding_idx=1),
                                                         nn.Unflatten(1, (1, 3))), 3),
    "embedding-bag-sum": lambda: _Tokens(nn.Sequential(nn.EmbeddingBag(10, 4, mode="sum"),
                                                        nn.Unflatten(1, (1, 4))), 4),
    "relu-inplace": lambda: nn.Sequential(nn.Linear(12, 16), nn.ReLU(inplace=True),
                                          nn.Linear(16, 5)),
    "leaky-inplace": lambda: nn.Sequential(nn.Linear(12, 16), nn.LeakyReLU(0.2, inplace=True),
                                           nn.Linear(16, 5)),
    "dropout-inplace": lambda: nn.Sequential(nn.Linear(12, 16), nn.Dropout(0.4, inplace=True),
                                             nn.Linear(16, 5)),
    "activations-inplace": lambda: nn.Sequential(
        nn.Linear(12, 16), nn.ELU(inplace=True), nn.SELU(inplace=True), nn.Hardtanh(inplace=True),
        nn.Mish(inplace=True), nn.Hardswish(inplace=True), nn.Threshold(0.1, 0.5, inplace=True),
        nn.Linear(16, 5)),
    "softmax-dim0": lambda: nn.Sequential(nn.Linear(12, 16), nn.Softmax(0), nn.Linear(16, 5)),
    "linear-no-bias": lambda: nn.Sequential(nn.Linear(12, 16, bias=False), nn.GELU("tanh"),
                                            nn.Linear(16, 5, bias=False)),
    "unflatten-flatten": lambda: nn.Sequential(nn.Unflatten(1, (3, 4)), nn.Flatten(),
                                               nn.Linear(12, 5)),
    "mha-masks": lambda: _Masked("mha"),
    "encoder-layer-masks-norm-first": lambda: _Masked("encoder"),
}


@pytest.mark.parametrize("layer", list(OPTIONS))
def test_layer_options(layer):
    def build():
        model = OPTIONS[layer]()
        opt = optim.AdamW(model.parameters(), lr=1e-2)
        return train_step(model, opt), watched(model, opt)
    check_twins(build, replays=3)


@pytest.mark.parametrize("train_mode", [True, False])
def test_embedding_max_norm_runs_eagerly_with_a_warning(train_mode):
    """max_norm rescales the looked-up rows of the weight in place, in forward, found by
    np.unique (a data-dependent shape): eager's results, with one warning."""
    def build():
        model = _Tokens(nn.Embedding(10, 3, max_norm=0.5), 15)
        model.train(train_mode)
        opt = optim.SGD(model.parameters(), lr=0.5)
        return train_step(model, opt), watched(model, opt)
    check_twins(build, warns="np.unique")


# --- every loss with each reduction --------------------------------------------------------
def _hot(y):
    return F.one_hot(y, 5).float()


LOSS_CASES = {
    "mse": lambda r: (nn.MSELoss(reduction=r), lambda z, y: (z, _hot(y))),
    "l1": lambda r: (nn.L1Loss(reduction=r), lambda z, y: (z, _hot(y))),
    "nll": lambda r: (nn.NLLLoss(reduction=r), lambda z, y: (F.log_softmax(z, 1), y)),
    "cross-entropy": lambda r: (nn.CrossEntropyLoss(reduction=r), lambda z, y: (z, y)),
    "cross-entropy-probabilities": lambda r: (nn.CrossEntropyLoss(reduction=r,
                                                                  label_smoothing=0.2),
                                              lambda z, y: (z, F.softmax(_hot(y) * 3, 1))),
    "bce": lambda r: (nn.BCELoss(weight=ag.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32)),
                                 reduction=r), lambda z, y: (z.sigmoid(), _hot(y))),
    "bce-logits": lambda r: (nn.BCEWithLogitsLoss(
        weight=ag.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32)), reduction=r),
        lambda z, y: (z, _hot(y) * 0.8)),
    "huber": lambda r: (nn.HuberLoss(reduction=r, delta=0.7), lambda z, y: (z, _hot(y))),
    "smooth-l1": lambda r: (nn.SmoothL1Loss(reduction=r, beta=0.0), lambda z, y: (z, _hot(y))),
    "kl-div": lambda r: (nn.KLDivLoss(reduction=r), lambda z, y: (F.log_softmax(z, 1),
                                                                   F.softmax(_hot(y), 1))),
    "poisson-nll": lambda r: (nn.PoissonNLLLoss(log_input=False, reduction=r),
                              lambda z, y: (z.exp(), _hot(y))),
    "gaussian-nll": lambda r: (nn.GaussianNLLLoss(reduction=r),
                               lambda z, y: (z, _hot(y), (z[:, 0] * 0.3).exp())),
    "margin-ranking": lambda r: (nn.MarginRankingLoss(reduction=r),
                                 lambda z, y: (z, z.flip(1), _hot(y) * 2.0 - 1.0)),
    "hinge-embedding": lambda r: (nn.HingeEmbeddingLoss(reduction=r),
                                  lambda z, y: (z, _hot(y) * 2.0 - 1.0)),
    "cosine-embedding": lambda r: (nn.CosineEmbeddingLoss(reduction=r),
                                   lambda z, y: (z, _hot(y), (y % 2 == 0).float() * 2.0 - 1.0)),
    "triplet-margin": lambda r: (nn.TripletMarginLoss(p=1.0, reduction=r),
                                 lambda z, y: (z, _hot(y), z.flip(0))),
    "soft-margin": lambda r: (nn.SoftMarginLoss(reduction=r),
                              lambda z, y: (z, _hot(y) * 2.0 - 1.0)),
    "multilabel-soft-margin": lambda r: (nn.MultiLabelSoftMarginLoss(reduction=r),
                                         lambda z, y: (z, _hot(y))),
    "multi-margin": lambda r: (nn.MultiMarginLoss(reduction=r), lambda z, y: (z, y)),
    "multilabel-margin": lambda r: (nn.MultiLabelMarginLoss(reduction=r),
                                    lambda z, y: (z, ag.stack([(y + 1) % 5, y, y * 0 - 1], 1)
                                                  .repeat(1, 2)[:, :5])),
    "ctc": lambda r: (nn.CTCLoss(reduction=r, zero_infinity=True), lambda z, y: (
        F.log_softmax(z.reshape(4, 2, 5), 2), (y.reshape(2, 4)[:, :3] % 4 + 1), ag.tensor([4, 3]),
        ag.tensor([3, 2]))),
    "triplet-with-distance": lambda r: (nn.TripletMarginWithDistanceLoss(reduction=r),
                                        lambda z, y: (z, _hot(y), z.flip(0))),
}


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("name", list(LOSS_CASES))
def test_every_loss_with_each_reduction(name, reduction):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss, prepare = LOSS_CASES[name](reduction)

        def step(x, y):
            opt.zero_grad()
            out = loss(*prepare(model(x), y))
            (out.sum() if reduction == "none" else out).backward()
            opt.step()
            return out
        return step, watched(model, opt)
    check_twins(build, replays=3)


# --- randomness: the default generator, redrawn ---------------------------------------------
RANDOM = {
    "randn": lambda z: z + 0.1 * ag.randn(*z.shape),
    "rand_like": lambda z: z * ag.rand_like(z),
    "randint": lambda z: z * ag.randint(0, 3, z.shape).float(),
    "randperm": lambda z: z[ag.randperm(z.shape[0])],
    "multinomial": lambda z: z + ag.multinomial(F.softmax(z.detach(), 1), 2, replacement=True)
    .float().sum(1, keepdim=True),
    "functional-dropout": lambda z: F.dropout(z, 0.3),
    "dropout-inplace": lambda z: F.dropout(z * 1.0, 0.3, inplace=True),
    "gumbel-softmax": lambda z: F.gumbel_softmax(z, tau=0.5),
    "gumbel-softmax-hard": lambda z: F.gumbel_softmax(z, hard=True) * z,
    "sdpa-dropout": lambda z: F.scaled_dot_product_attention(
        z[:, None, :, None], z[:, None, :, None], z[:, None, :, None], dropout_p=0.3)[:, 0, :, 0],
}


@pytest.mark.parametrize("name", list(RANDOM))
def test_draws_from_the_default_generator_are_redrawn(name):
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        return train_step(model, opt, loss_fn=lambda z, y: F.cross_entropy(RANDOM[name](z), y)), \
            watched(model, opt)
    check_twins(build, replays=3)


# --- each retrace trigger on its own, bit for bit ----------------------------------------------
def _reload_model(i, env):
    if i == 3:
        m = env["models"][0]
        m.load_state_dict({k: v * 0.5 for k, v in m.state_dict().items()})


def _reload_optimizer(i, env):
    if i == 3:
        env["opts"][0].load_state_dict(env["opts"][0].state_dict())


def _replace_state(i, env):
    if i == 3:
        opt = env["opts"][0]
        opt.state = type(opt.state)({p: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                         for k, v in st.items()} for p, st in opt.state.items()})


def _replace_groups(i, env):
    if i == 3:
        opt = env["opts"][0]
        opt.param_groups = [dict(g, lr=g["lr"] * 0.5) for g in opt.param_groups]


def _replace_data(i, env):
    if i == 3:
        w = env["models"][0][0].weight
        w.data = w.data * 0.9


def _flip(i, env):
    env["models"][0].train(i not in (3, 4))


TRIGGERS = {"model.load_state_dict": _reload_model, "optimizer.load_state_dict": _reload_optimizer,
            "optimizer.state replaced": _replace_state, "param_groups replaced": _replace_groups,
            "p.data =": _replace_data, "train/eval": _flip}


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_each_retrace_trigger_alone(trigger):
    traces = {"train/eval": 3, "model.load_state_dict": 1}.get(trigger, 2)
    f = check_twins(basic(lambda p: optim.Adam(p, lr=1e-2), extra=lambda: (nn.Dropout(0.2),)),
                    between=TRIGGERS[trigger], calls=8, replays=8 - 1 - traces)
    # model.load_state_dict copies into the parameters' arrays: the program still holds
    assert f.traces == traces and f.replays == 8 - 1 - traces, (f.traces, f.replays)


# --- forms: decorator, warmup, check ---------------------------------------------------------
@pytest.mark.parametrize("form", ["bare", "with-arguments"])
def test_decorator_forms(form):
    def build():
        model, opt = mlp_and_opt(adam, extra=(nn.Dropout(0.2),))
        return train_step(model, opt), watched(model, opt)
    eager_step, env = (ag.manual_seed(0), build())[1]
    eager = [flat(eager_step(*batch(i))) + state_of(env) for i in range(CALLS)]
    ag.manual_seed(0)
    step, env = build()
    decorated = ag.compile(step) if form == "bare" else ag.compile(warmup=2, check=1)(step)
    assert decorated.__name__ == "step" and decorated.__wrapped__ is step
    for i in range(CALLS):
        assert_same(flat(decorated(*batch(i))) + state_of(env), eager[i], f"call {i}")
    assert decorated.traces == 1
    assert decorated.replays == CALLS - (2 if form == "bare" else 3)


@pytest.mark.parametrize("warmup", [0, 1, 3])
def test_warmup_calls_run_eagerly_then_one_trace(warmup):
    f = check_twins(basic(lambda p: optim.SGD(p, lr=0.1)), warmup=warmup, calls=8,
                    replays=8 - warmup - 1)
    assert f.calls == 8 and f.traces == 1 and f.replays == 8 - warmup - 1


def test_inference_mode_and_eval_forward():
    def build():
        model = mlp(extra=(nn.Dropout(0.5), nn.BatchNorm1d(16)))
        model.eval()

        def predict(x):
            with ag.inference_mode():
                z = model(x)
                return F.softmax(z, 1), z.argmax(1)
        return predict, watched(model)
    f = check_twins(build, args=lambda i, env: batch(i)[:1], replays=3)
    assert f.traces == 1


def test_char_gpt_compile_flag_prints_both_speeds(tmp_path, capsys):
    """examples/char_gpt.py --compile: the same losses as without, both speeds printed."""
    _examples_on_path()
    import char_gpt
    args = ["--quick", "--iters", "12", "--n-layer", "1", "--n-embd", "16", "--block-size", "8",
            "--batch-size", "4", "--log-interval", "4", "--eval-interval", "12",
            "--eval-iters", "1", "--sample-len", "4", "--no-pictures", "--out", str(tmp_path)]
    runs = []
    for extra in ([], ["--compile"]):
        char_gpt.main(args + extra)
        out = capsys.readouterr().out
        runs.append(re.findall(r"loss (\d\.\d+)", out))
    assert runs[0] == runs[1] and len(runs[0]) >= 4, runs
    assert re.search(r"training speed: eager [\d,]+ tokens/s, compiled [\d,]+ tokens/s", out), out


# --- a param group's value read by the step itself ------------------------------------------
def _reads_lr(make_sched):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        s = make_sched(opt)

        def step(x, y):
            opt.zero_grad()
            lr = opt.param_groups[0]["lr"]
            loss = F.cross_entropy(model(x), y) * (1 + lr)      # a constant of the trace
            loss.backward()
            opt.step()
            if s is not None:
                s.step()
            return loss
        return step, watched(model, opt)
    return build


def test_a_group_value_read_by_the_step_is_assumed_by_its_program():
    """A schedule changes the lr the step reads: a replay used the traced lr (wrong
    losses, silently); now the program assumes the value read, and a changed one traces
    again (then, past max_programs, the step runs eagerly with a warning)."""
    f = check_twins(_reads_lr(lambda o: sched.ExponentialLR(o, 0.5)), calls=8, max_programs=3,
             warns="max_programs=3")
    assert f.replays == 0 and f.traces == 3


def test_a_group_value_read_by_the_step_replays_while_it_holds():
    f = check_twins(_reads_lr(lambda o: sched.StepLR(o, 4, gamma=0.5)), calls=11, replays=7)
    assert f.traces == 3 and f.replays == 7         # traced at calls 2, 4 (lr), 8 (lr)
    f = check_twins(_reads_lr(lambda o: None), calls=6, replays=4)
    assert f.traces == 1


def _reads_the_scheduler(read):
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        s = sched.StepLR(opt, 3, gamma=0.5)

        def step(x, y):
            opt.zero_grad()
            factor = s.get_last_lr()[0] if read == "get_last_lr" else min(s.last_epoch, 4)
            loss = F.cross_entropy(model(x), y) * (1 + factor)
            loss.backward()
            opt.step()
            s.step()
            return loss
        return step, watched(model, opt)
    return build


def test_a_scheduler_value_read_by_the_step_is_assumed_by_its_program():
    """As a param group's value: a replay used the traced value (silently); now the lr
    read by get_last_lr() must hold (it changes every 3 steps here) for a replay."""
    f = check_twins(_reads_the_scheduler("get_last_lr"), calls=11, replays=4)
    assert f.traces >= 3


def test_a_scheduler_count_read_by_the_step_retraces_then_runs_eagerly():
    f = check_twins(_reads_the_scheduler("last_epoch"), calls=9, max_programs=3,
                    warns="max_programs=3")
    assert f.replays == 0


# --- numpy arrays the step reaches -----------------------------------------------------------
@pytest.mark.parametrize("use", ["ag.tensor", "from_numpy", "operand"])
def test_a_numpy_array_changed_in_place_between_calls(use):
    """ag.tensor(a) of a numpy array in the closure copies it: a replay used the copy
    made while tracing (the user's new values ignored, silently); now it copies again."""
    scale = np.ones(5, np.float32)

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            z = (z * ag.tensor(scale) if use == "ag.tensor" else
                 z * ag.from_numpy(scale) if use == "from_numpy" else z * scale)
            loss = F.cross_entropy(z, y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)

    def between(i, env):
        scale[...] = np.linspace(0.5, 1.5, 5) * (1 + 0.1 * i)
    f = check_twins(build, between=between, calls=7, replays=4)
    assert f.traces == 1


def test_repeat_interleave_with_counts_from_the_step_runs_eagerly():
    """Counts computed in the step give a data-dependent shape: a replay kept the traced
    counts (silently); now the step runs eagerly with one warning."""
    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            z = ag.repeat_interleave(z, y.clamp(0, 1) + 1, dim=0)[:8]
            loss = F.cross_entropy(z, y)
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    f = check_twins(build, warns=r"np\.repeat \(a data-dependent shape\)")
    assert f.replays == 0
