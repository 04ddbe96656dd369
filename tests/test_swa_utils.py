"""nn.optim.swa_utils against torch.optim.swa_utils: AveragedModel's averages (SWA by
default, avg_fn, multi_avg_fn, EMA, use_buffers with an int64 buffer) after every
update over a model with BatchNorm, float64 to 1e-12 and float32; update_bn's
statistics; SWALR's learning rates for both strategies, per-group swa_lr, resumed from
its state dict and under ag.compile; the argument checks."""
import numpy as np
import pytest

import autograd as ag
import nn
from nn import optim
from nn.optim import swa_utils
from compile_twins import check_twins, mlp, train_step, watched

torch = pytest.importorskip("torch")


def pair(dtype=np.float64, seed=0):
    """The same Linear, BatchNorm1d, Linear model in gradgraph and PyTorch."""
    rng = np.random.default_rng(seed)
    ours = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                                 torch.nn.Linear(3, 2))
    for p, q in zip(ours.parameters(), theirs.parameters()):
        value = rng.standard_normal(p.shape).astype(dtype)
        p.data, q.data = value.copy(), torch.tensor(value.copy())
    for b, c in zip(ours.buffers(), theirs.buffers()):
        b.data, c.data = b.data.astype(dtype) if b.data.dtype.kind == "f" else b.data, \
            c.data.to(torch.float64 if dtype == np.float64 else torch.float32) \
            if c.is_floating_point() else c.data
    return ours, theirs, rng


def move(ours, theirs, rng, t):
    """New parameters and buffers in both models (num_batches_tracked grows by 3 + t)."""
    for p, q in zip(ours.parameters(), theirs.parameters()):
        value = rng.standard_normal(p.shape).astype(p.data.dtype)
        p.data[...] = value
        q.data.copy_(torch.tensor(value))
    for b, c in zip(ours.buffers(), theirs.buffers()):
        if b.data.dtype.kind == "f":
            value = rng.uniform(0.5, 2, b.shape).astype(b.data.dtype)
            b.data[...] = value
            c.data.copy_(torch.tensor(value))
        else:
            b.data[...] += 3 + t
            c.data += 3 + t


def assert_same_model(a, b, rtol, where, atol=0):
    ours, theirs = a.state_dict(), b.state_dict()
    assert list(ours) == list(theirs), where
    for k, v in theirs.items():
        got = ours[k].data
        assert got.dtype == np.dtype(str(v.dtype).replace("torch.", "")), (where, k)
        np.testing.assert_allclose(got, v.numpy(), rtol=rtol, atol=atol, err_msg=f"{where} {k}")


AVERAGES = {
    "swa": dict(),
    "swa-buffers": dict(use_buffers=True),
    "avg_fn-ema": dict(avg_fn=("get_ema_avg_fn", 0.9)),
    "avg_fn-swa-buffers": dict(avg_fn=("get_swa_avg_fn",), use_buffers=True),
    "multi-ema-buffers": dict(multi_avg_fn=("get_ema_multi_avg_fn", 0.75), use_buffers=True),
    "multi-ema-low-decay": dict(multi_avg_fn=("get_ema_multi_avg_fn", 0.2)),
    "multi-swa": dict(multi_avg_fn=("get_swa_multi_avg_fn",)),
    "avg_fn-custom": dict(avg_fn="custom"),
}


def averaged(lib, model, kwargs):
    kw = dict(kwargs)
    for key in ("avg_fn", "multi_avg_fn"):
        if kw.get(key) == "custom":
            kw[key] = lambda avg, cur, n: avg * 0.5 + cur * 0.25 + n * 0.125
        elif key in kw:
            name, *args = kw[key]
            kw[key] = getattr(lib.swa_utils, name)(*args)
    return lib.swa_utils.AveragedModel(model, **kw)


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 0), (np.float32, 1e-6, 1e-7)],
                         ids=["float64", "float32"])
@pytest.mark.parametrize("name", list(AVERAGES))
def test_averaged_model_matches_torch(name, dtype, rtol, atol):
    ours, theirs, rng = pair(dtype)
    avg = [averaged(optim, ours, AVERAGES[name]), averaged(torch.optim, theirs, AVERAGES[name])]
    assert_same_model(*avg, 0, "made")
    for t in range(6):
        move(ours, theirs, rng, t)
        avg[0].update_parameters(ours)
        avg[1].update_parameters(theirs)
        assert_same_model(*avg, rtol, f"after update {t + 1}", atol)
    assert avg[0].n_averaged.item() == 6 and avg[0].n_averaged.dtype == np.int64
    x = rng.standard_normal((5, 4)).astype(dtype)
    for m in avg:
        m.eval()
    np.testing.assert_allclose(avg[0](ag.tensor(x)).data, avg[1](torch.tensor(x)).detach().numpy(),
                               rtol=rtol * 10, atol=atol * 10)


def test_averaged_models_state_dict_loads_into_torchs_layout():
    ours, theirs, rng = pair()
    avg = [averaged(optim, ours, {}), averaged(torch.optim, theirs, {})]
    for t in range(3):
        move(ours, theirs, rng, t)
        avg[0].update_parameters(ours)
    fresh = swa_utils.AveragedModel(ours)
    fresh.load_state_dict({k: v.data.copy() for k, v in avg[0].state_dict().items()})
    assert fresh.n_averaged.item() == 3
    avg[1].load_state_dict({k: torch.tensor(v.data) for k, v in avg[0].state_dict().items()})
    assert_same_model(avg[0], avg[1], 0, "loaded by PyTorch")


def test_swa_multi_avg_fn_refuses_an_integer_buffer_as_torch():
    """PyTorch's addcdiv_ refuses integer division; so does ours."""
    ours, theirs, rng = pair()
    avg = [averaged(lib, m, dict(multi_avg_fn=("get_swa_multi_avg_fn",), use_buffers=True))
           for lib, m in ((optim, ours), (torch.optim, theirs))]
    for a, m in zip(avg, (ours, theirs)):
        a.update_parameters(m)
    with pytest.raises(RuntimeError):
        avg[1].update_parameters(theirs)
    with pytest.raises(ag.DtypeError, match="addcdiv"):
        avg[0].update_parameters(ours)


def test_averaged_model_argument_checks():
    ours, theirs, _ = pair()
    ema = swa_utils.get_ema_avg_fn()
    with pytest.raises(AssertionError):
        torch.optim.swa_utils.AveragedModel(theirs, avg_fn=lambda *a: a[0],
                                            multi_avg_fn=lambda *a: None)
    with pytest.raises(ValueError, match="avg_fn or multi_avg_fn"):
        swa_utils.AveragedModel(ours, avg_fn=ema, multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for name in ("get_ema_avg_fn", "get_ema_multi_avg_fn"):
        for decay in (-0.1, 1.5, float("nan")):
            if decay == decay:
                with pytest.raises(ValueError):
                    getattr(torch.optim.swa_utils, name)(decay)
            with pytest.raises(ValueError, match="decay"):
                getattr(swa_utils, name)(decay)
    assert swa_utils.__all__ == torch.optim.swa_utils.__all__


def test_update_bn_matches_torch():
    """Statistics recomputed over a loader of (x, y) pairs with equal weights; momentum
    and the eval mode put back; an InstanceNorm's running statistics are not reset (PyTorch's
    update_bn only sees BatchNorm layers), only moved by the passes in training mode."""
    rng = np.random.default_rng(3)
    ours = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=0.3), nn.Unflatten(1, (3, 2)),
                         nn.InstanceNorm1d(3, track_running_stats=True))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6, momentum=0.3),
                                 torch.nn.Unflatten(1, (3, 2)),
                                 torch.nn.InstanceNorm1d(3, track_running_stats=True)).double()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        value = rng.standard_normal(p.shape)
        p.data, q.data = value.copy(), torch.tensor(value.copy())
    for b, c in zip(ours.buffers(), theirs.buffers()):
        if b.data.dtype.kind == "f":
            value = rng.uniform(0.5, 2, b.shape)
            b.data, c.data = value.copy(), torch.tensor(value.copy())
    batches = [rng.standard_normal((6, 4)) for _ in range(4)]
    ours.eval()
    theirs.eval()
    swa_utils.update_bn([(ag.tensor(x), 0) for x in batches], ours)
    torch.optim.swa_utils.update_bn([(torch.tensor(x), 0) for x in batches], theirs)
    assert not ours.training and ours[1].momentum == 0.3
    for (k, b), (j, c) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert k == j
        np.testing.assert_allclose(b.data, c.numpy(), rtol=1e-12, err_msg=k)
    before = [b.data.copy() for b in ours[1].buffers()]
    swa_utils.update_bn([ag.tensor(x) for x in batches], ours)        # tensors alone: the same
    for b, c in zip(ours[1].buffers(), before):
        np.testing.assert_array_equal(b.data, c)
    swa_utils.update_bn([ag.ones((2, 3))], nn.Sequential(nn.Linear(3, 3)))   # no BatchNorm


SCHEDULES = [
    dict(swa_lr=0.05), dict(swa_lr=0.05, anneal_strategy="linear", anneal_epochs=4),
    dict(swa_lr=[0.5, 0.01], anneal_epochs=0), dict(swa_lr=[0.5, 0.01], anneal_epochs=1),
    dict(swa_lr=0.2, anneal_epochs=7, anneal_strategy="cos", last_epoch=-1),
]


def _opts():
    w, b = ag.ones(2, requires_grad=True), ag.ones(1, requires_grad=True)
    tw, tb = torch.ones(2, requires_grad=True), torch.ones(1, requires_grad=True)
    return (optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9),
            torch.optim.SGD([{"params": [tw]}, {"params": [tb], "lr": 0.3}], lr=0.1,
                            momentum=0.9))


@pytest.mark.filterwarnings("ignore:Detected call of")
@pytest.mark.parametrize("kwargs", SCHEDULES, ids=lambda kw: "-".join(map(str, kw.values())))
def test_swalr_matches_torch(kwargs):
    opt, topt = _opts()
    ours, theirs = swa_utils.SWALR(opt, **kwargs), torch.optim.swa_utils.SWALR(topt, **kwargs)
    for t in range(15):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14), t
        assert [g["swa_lr"] for g in opt.param_groups] == [g["swa_lr"] for g in topt.param_groups]
        ours.step()
        theirs.step()
    state = ours.state_dict()
    assert {"_anneal_strategy", "anneal_epochs", "base_lrs", "last_epoch",
            "_step_count"} <= set(state) and "anneal_func" not in state
    again = swa_utils.SWALR(_opts()[0], swa_lr=1.0, anneal_strategy="linear")
    again.optimizer.load_state_dict(opt.state_dict())
    again.load_state_dict(state)
    for t in range(5):
        again.step()
        theirs.step()
        assert again.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14), t


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.1, anneal_strategy="exp"),
                                    dict(swa_lr=0.1, anneal_epochs=-1),
                                    dict(swa_lr=0.1, anneal_epochs=2.0),
                                    dict(swa_lr=[0.1, 0.2, 0.3])], ids=str)
def test_swalr_argument_checks(kwargs):
    opt, topt = _opts()
    with pytest.raises(ValueError):
        torch.optim.swa_utils.SWALR(topt, **kwargs)
    with pytest.raises(ValueError, match="anneal|swa_lr"):
        swa_utils.SWALR(opt, **kwargs)


def test_compiled_steps_under_swalr_are_eagers_bits():
    def build():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        schedule = swa_utils.SWALR(opt, swa_lr=1e-3, anneal_epochs=4)
        return train_step(model, opt, scheduler=schedule), watched(model, opt)
    f = check_twins(build, calls=9)
    assert f.traces == 1
