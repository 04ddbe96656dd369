"""The small PyTorch habits a transformer codebase relies on: devices, dtype names,
randint's two forms, new_* / type_as, finfo / iinfo, BLAS threads."""
import numpy as np
import pytest

import autograd as ag
import nn


def test_dtype_aliases_are_pytorchs_names():
    assert (ag.long, ag.int, ag.float, ag.double, ag.bool) == (
        np.int64, np.int32, np.float32, np.float64, np.bool_)
    assert ag.zeros(2, dtype=ag.long).dtype == np.int64
    assert ag.arange(3).to(ag.double).dtype == np.float64
    assert ag.tensor([1, 0]).to(ag.bool).dtype == np.bool_


def test_randint_takes_high_size_and_low_high_size():
    ag.manual_seed(0)
    a = ag.randint(3, (10,))
    assert a.shape == (10,) and a.dtype == np.int64 and 0 <= a.data.min() and a.data.max() < 3
    b = ag.randint(5, 8, (4, 2))
    assert b.shape == (4, 2) and b.data.min() >= 5 and b.data.max() < 8
    assert ag.randint(2, 4, size=(3,)).shape == (3,) and ag.randint(4, size=[2]).shape == (2,)
    assert ag.randint(10, (3,), dtype=ag.int).dtype == np.int32
    ag.manual_seed(7)
    first = ag.randint(0, 100, (20,)).tolist()
    ag.manual_seed(7)
    assert ag.randint(0, 100, (20,)).tolist() == first
    gen = np.random.default_rng(1)
    assert ag.randint(100, (5,), generator=gen).tolist() == \
        np.random.default_rng(1).integers(0, 100, 5).tolist()
    # every value of the range comes up, none outside it
    assert set(ag.randint(-2, 3, (2000,)).tolist()) == {-2, -1, 0, 1, 2}
    for bad in [(3,), (3, 5), (5, 3, (2,))]:
        with pytest.raises(ag.ArgumentError, match="randint"):
            ag.randint(*bad)


def test_device_is_cpu_and_other_devices_are_a_clear_error():
    x = ag.randn(2, 3, requires_grad=True)
    assert x.device == "cpu" and x.device.type == "cpu" and str(x.device) == "cpu"
    assert x.device == ag.device("cpu") and repr(ag.device("cuda:1")) == \
        "device(type='cuda', index=1)"
    assert not x.is_cuda and not ag.cuda.is_available() and ag.cuda.device_count() == 0
    assert x.to("cpu") is x and x.to(ag.device("cpu")) is x and x.cpu() is x
    y = x.to("cpu", ag.double)
    assert y.dtype == np.float64 and y.requires_grad
    assert x.to(device="cpu", dtype=ag.float) is x
    assert x.to(ag.zeros(1, dtype=ag.double)).dtype == np.float64
    c = x.to("cpu", copy=True)
    assert c is not x and c.data is not x.data and c.requires_grad
    assert ag.zeros(2, device="cpu").shape == (2,) and ag.arange(3, device="cpu").shape == (3,)
    for call in (lambda: x.to("cuda"), lambda: x.to("cuda:0", ag.float), lambda: x.cuda(),
                 lambda: ag.zeros(2, device="cuda"), lambda: ag.tensor([1.0], device="mps"),
                 lambda: ag.randint(3, (2,), device="cuda")):
        with pytest.raises(ag.ArgumentError, match="CPU only"):
            call()
    with pytest.raises(ag.ArgumentError, match="unknown device"):
        ag.device("gpu")


def test_module_to_cpu_is_a_no_op_and_other_devices_raise():
    m = nn.Linear(3, 2)
    w = m.weight
    assert m.to("cpu") is m and m.to(ag.device("cpu")) is m and m.weight is w
    assert m.weight.dtype == np.float32
    m.to("cpu", ag.double)
    assert m.weight is w and w.dtype == np.float64
    m.to(device="cpu", dtype=ag.float)
    assert w.dtype == np.float32
    with pytest.raises(ag.ArgumentError, match="Linear.to: device 'cuda'"):
        m.to("cuda")
    with pytest.raises(ag.ArgumentError, match="CPU only"):
        m.cuda()


def test_new_tensors_take_dtype_from_self():
    x = ag.randn(2, dtype=ag.double)
    for t, shape, value in [(x.new_zeros(2, 3), (2, 3), 0.0), (x.new_ones((4,)), (4,), 1.0),
                            (x.new_full((2, 2), 7.5), (2, 2), 7.5)]:
        assert t.shape == shape and t.dtype == np.float64 and (t.data == value).all()
        assert not t.requires_grad
    assert x.new_zeros(3, dtype=ag.long).dtype == np.int64
    assert x.new_ones(2, requires_grad=True).requires_grad
    assert x.new_empty(5).shape == (5,) and x.new_tensor([1, 2]).dtype == np.float64
    i = ag.tensor([1, 2])
    assert i.type_as(x).dtype == np.float64 and x.type_as(i).dtype == np.int64
    f = ag.randn(3, requires_grad=True)
    (f.type_as(x) * 2).sum().backward()          # a float cast stays differentiable
    np.testing.assert_array_equal(f.grad.data, [2, 2, 2])


def test_finfo_iinfo():
    assert ag.finfo(ag.float).eps == np.finfo(np.float32).eps
    assert ag.finfo(ag.double).tiny == np.finfo(np.float64).tiny
    assert ag.finfo().bits == 32 and ag.finfo(ag.float64).max == np.finfo(np.float64).max
    assert ag.iinfo(ag.long).max == 2 ** 63 - 1 and ag.iinfo(ag.int).min == -2 ** 31
    with pytest.raises(ag.ArgumentError, match="iinfo"):
        ag.finfo(ag.long)
    with pytest.raises(ag.ArgumentError, match="finfo"):
        ag.iinfo(ag.float)


def test_set_num_threads_sets_blas_threads():
    before = ag.get_num_threads()
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1
        a = ag.randn(64, 64)
        np.testing.assert_allclose((a @ a).data, a.data @ a.data, rtol=1e-5)
    finally:
        ag.set_num_threads(before)
    assert ag.get_num_threads() == before
    with pytest.raises(ag.ArgumentError, match="set_num_threads"):
        ag.set_num_threads(0)


def test_generator_is_an_independent_reproducible_stream():
    g = ag.Generator().manual_seed(3)
    assert g.initial_seed() == 3 and g.device == "cpu"
    state = g.get_state()
    a = [ag.randint(10, (5,), generator=g).tolist(), ag.randn(3, generator=g).tolist(),
         ag.randperm(6, generator=g).tolist(),
         ag.multinomial(ag.tensor([0.2, 0.8]), 4, True, generator=g).tolist()]
    ag.manual_seed(0)
    before = ag.rand(2).tolist()
    g2 = ag.Generator().manual_seed(3)
    b = [ag.randint(10, (5,), generator=g2).tolist(), ag.randn(3, generator=g2).tolist(),
         ag.randperm(6, generator=g2).tolist(),
         ag.multinomial(ag.tensor([0.2, 0.8]), 4, True, generator=g2).tolist()]
    assert a == b
    ag.manual_seed(0)
    assert ag.rand(2).tolist() == before                  # the default stream is untouched
    g.set_state(state)
    assert ag.randint(10, (5,), generator=g).tolist() == a[0]
    loader = nn.data.DataLoader(nn.data.TensorDataset(ag.arange(8)), batch_size=8,
                                shuffle=True, generator=ag.Generator().manual_seed(1))
    again = nn.data.DataLoader(nn.data.TensorDataset(ag.arange(8)), batch_size=8,
                               shuffle=True, generator=ag.Generator().manual_seed(1))
    assert next(iter(loader))[0].tolist() == next(iter(again))[0].tolist()
    w = ag.zeros(3, 4)
    nn.init.normal_(w, generator=ag.Generator().manual_seed(2))
    assert w.data.any()
    with pytest.raises(ag.ArgumentError, match="CPU only"):
        ag.Generator(device="cuda")


# --- small review findings, each as PyTorch does --------------------------------------
def test_index_select_refuses_negative_indices_and_keeps_a_0d_tensor_0d():
    torch = pytest.importorskip("torch")
    x = ag.arange(5.0)
    for bad in ([-1], [0, -5], [5]):
        with pytest.raises(ag.OutOfRangeError, match="index_select"):
            ag.index_select(x, 0, ag.tensor(bad))
        with pytest.raises(Exception):
            torch.index_select(torch.arange(5.0), 0, torch.tensor(bad))
    s = ag.tensor(3.0, requires_grad=True)
    for idx in ([0], 0):
        y = ag.index_select(s, 0, ag.tensor(idx))
        assert y.shape == tuple(torch.index_select(torch.tensor(3.0), 0, torch.tensor(idx)).shape) == ()
    y.backward()
    assert s.grad.item() == 1.0
    with pytest.raises(ag.ShapeError, match="index_select"):
        ag.index_select(s, 0, ag.tensor([0, 0]))


def test_masked_fill_and_multinomial_take_what_torch_takes():
    torch = pytest.importorskip("torch")
    x = ag.arange(4.0)
    with pytest.raises(ag.DtypeError, match="masked_fill.*bool"):
        x.masked_fill(ag.tensor([1, 0, 1, 0]), 2.0)
    with pytest.raises(RuntimeError):
        torch.arange(4.0).masked_fill(torch.tensor([1, 0, 1, 0]), 2.0)
    np.testing.assert_array_equal(x.masked_fill(ag.tensor([True, False, True, False]), 2.0).data,
                                  [2.0, 1.0, 2.0, 3.0])
    with pytest.raises(ag.ArgumentError, match="multinomial.*floating"):
        ag.multinomial(ag.tensor([1, 2, 3]), 2)
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor([1, 2, 3]), 2)



@pytest.mark.parametrize("cond", [[1, 0, 1, 0], [1.0, 0.0, 1.0, 0.0]])
def test_where_wants_a_bool_condition_as_torch(cond):
    torch = pytest.importorskip("torch")
    x, y = ag.arange(4.0), ag.zeros(4)
    with pytest.raises(ag.DtypeError, match="where.*bool"):
        ag.where(ag.tensor(cond), x, y)
    with pytest.raises(ag.DtypeError, match="where.*bool"):
        x.where(np.asarray(cond), y)
    with pytest.raises(RuntimeError):
        torch.where(torch.tensor(cond), torch.arange(4.0), torch.zeros(4))
    mask = ag.tensor(cond) != 0
    np.testing.assert_array_equal(ag.where(mask, x, y).data, [0.0, 0.0, 2.0, 0.0])
    assert ag.where(True, x, y) is not None          # a Python bool or list stays accepted
    np.testing.assert_array_equal(ag.where([True, False, True, False], x, y).data,
                                  [0.0, 0.0, 2.0, 0.0])

def test_generator_initial_seed_is_torchs():
    torch = pytest.importorskip("torch")
    assert ag.Generator().initial_seed() == torch.Generator().initial_seed()
    assert ag.Generator().manual_seed(7).initial_seed() == 7
    a, b = ag.Generator(), ag.Generator()          # a fresh generator is reproducible
    np.testing.assert_array_equal(ag.randn(3, generator=a).data, ag.randn(3, generator=b).data)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_dim_is_empty(name):
    torch = pytest.importorskip("torch")
    for shape, dim in [((2, 0), 1), ((0, 3), 0), ((0,), 0)]:
        x = ag.zeros(*shape, requires_grad=True)
        y = getattr(ag, name)(x, dim)
        assert y.shape == tuple(getattr(torch, name)(torch.zeros(shape), dim).shape) == shape
        assert y.dtype == x.dtype
        y.sum().backward()
        assert x.grad.shape == shape


def test_pow_in_place_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for L in (ag, torch):
        t = L.tensor([1.0, -2.0, 3.0], dtype=L.float64, requires_grad=True)
        u = t * 1.0
        u.pow_(3)
        u.sum().backward()
        out.append([np.asarray(u.detach()), np.asarray(t.grad)])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
    i = ag.tensor([2, 3])
    i **= 2
    assert i.dtype == np.int64 and i.tolist() == [4, 9]


def test_layer_norm_reset_parameters():
    import nn
    ln = nn.LayerNorm(3)
    ln.weight.data[:] = 5.0
    ln.bias.data[:] = -1.0
    ln.reset_parameters()
    np.testing.assert_array_equal(ln.weight.data, np.ones(3))
    np.testing.assert_array_equal(ln.bias.data, np.zeros(3))
    nn.LayerNorm(3, elementwise_affine=False).reset_parameters()
