"""nn.SyncBatchNorm on one process: it is BatchNorm (values, gradients, running
statistics, eval mode) for 2-d to 5-d inputs, its state dict has PyTorch's keys, and
convert_sync_batchnorm swaps every BatchNorm*d below a model for one that holds the same
parameters and buffers. (On 2 ranks under DDP, against one process on the whole batch:
tests/mpi/parallel_checks.py's sync_batchnorm_matches_single_process.)"""
import numpy as np
import pytest

import autograd as ag
import nn

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("shape, bn", [((6, 3), nn.BatchNorm1d), ((4, 3, 5), nn.BatchNorm1d),
                                       ((2, 3, 4, 4), nn.BatchNorm2d),
                                       ((2, 3, 2, 3, 2), nn.BatchNorm3d)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_on_one_process_it_is_batchnorm(shape, bn, momentum):
    x = RNG.standard_normal(shape)
    sync = nn.SyncBatchNorm(3, momentum=momentum, dtype="float64")
    ref = bn(3, momentum=momentum, dtype="float64")
    for m in (sync, ref):
        m.weight.data[...] = [0.5, 2.0, -1.0]
    for step in range(2):
        a, b = ag.tensor(x + step, requires_grad=True), ag.tensor(x + step, requires_grad=True)
        (sync(a) ** 3).sum().backward()
        (ref(b) ** 3).sum().backward()
        np.testing.assert_array_equal(a.grad.data, b.grad.data)
    for p, q in zip(sync.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.grad.data, q.grad.data)
    for p, q in zip(sync.buffers(), ref.buffers()):
        np.testing.assert_array_equal(p.data, q.data)
    sync.eval(), ref.eval()
    np.testing.assert_array_equal(sync(ag.tensor(x)).data, ref(ag.tensor(x)).data)


def test_state_dict_keys_and_repr_are_pytorchs():
    torch = pytest.importorskip("torch")
    assert list(nn.SyncBatchNorm(4).state_dict()) == \
        list(torch.nn.SyncBatchNorm(4).state_dict())
    assert repr(nn.SyncBatchNorm(4)).startswith("SyncBatchNorm(4, eps=1e-05, momentum=0.1")


def test_convert_keeps_parameters_buffers_and_mode():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, affine=False),
                          nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)),
                          nn.InstanceNorm1d(2))
    model[2][1].eval()
    weight, running = model[2][1].weight, model[1].running_mean
    out = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert out is model
    assert [type(m).__name__ for m in out.modules()].count("SyncBatchNorm") == 2
    assert type(out[3]).__name__ == "InstanceNorm1d"          # not a batch norm
    assert out[2][1].weight is weight and out[1].running_mean is running
    assert out[1].weight is None and not out[2][1].training and out[1].training
    assert [n for n, _ in out.named_parameters()] == ["0.weight", "0.bias", "2.0.weight",
                                                       "2.0.bias", "2.1.weight", "2.1.bias"]
    lone = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert type(lone).__name__ == "SyncBatchNorm"


@pytest.mark.parametrize("shape", [(3,), (2, 4)])
def test_bad_input_names_the_layer_and_shape(shape):
    with pytest.raises(ag.GradgraphError, match=rf"SyncBatchNorm: expected .*{shape}"):
        nn.SyncBatchNorm(3)(ag.ones(*shape))
