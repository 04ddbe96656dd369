"""Datasets, DataLoader (batching, drop_last, seeded shuffling), random_split, collate."""
from collections import namedtuple

import numpy as np
import pytest

import autograd as ag
import nn.data as data
from nn.data import DataLoader, Subset, TensorDataset, default_collate, random_split


def _dataset(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return TensorDataset(x, np.arange(n))


def _order(loader):
    return np.concatenate([y.data for _, y in loader])


def test_tensor_dataset():
    ds = _dataset()
    assert len(ds) == 10
    x, y = ds[3]
    np.testing.assert_array_equal(x.data, [6, 7])
    assert y.item() == 3 and isinstance(x, ag.Tensor)
    with pytest.raises(ValueError, match="first dim"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_and_drop_last(drop_last, sizes):
    loader = DataLoader(_dataset(), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [len(y) for _, y in batches] == sizes
    assert batches[0][0].shape == (4, 2) and batches[0][0].dtype == np.float32
    np.testing.assert_array_equal(_order(loader), np.arange(sum(sizes)))


def test_shuffle_is_reproducible_from_a_seed():
    a = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=3)
    b = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=3)
    c = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=4)
    epoch1, epoch2 = _order(a), _order(a)
    np.testing.assert_array_equal(epoch1, _order(b))
    np.testing.assert_array_equal(epoch2, _order(b))
    assert not np.array_equal(epoch1, epoch2)           # a new order each epoch
    assert not np.array_equal(epoch1, _order(c))
    assert sorted(epoch1) == list(range(50))
    gen = DataLoader(_dataset(50), batch_size=8, shuffle=True,
                     generator=np.random.default_rng(3))
    np.testing.assert_array_equal(_order(gen), epoch1)


def test_shuffle_uses_autograd_generator_by_default():
    loader = DataLoader(_dataset(30), batch_size=7, shuffle=True)
    ag.manual_seed(11)
    first = _order(loader)
    ag.manual_seed(11)
    np.testing.assert_array_equal(_order(loader), first)
    assert loader.state_dict() == {}


def test_loader_state_dict_resumes_the_order():
    a = DataLoader(_dataset(40), batch_size=8, shuffle=True, seed=5)
    _order(a)
    state = a.state_dict()
    want = [_order(a) for _ in range(2)]
    b = DataLoader(_dataset(40), batch_size=8, shuffle=True, seed=99)
    b.load_state_dict(state)
    for w in want:
        np.testing.assert_array_equal(_order(b), w)
    with pytest.raises(ValueError, match="generator"):
        DataLoader(_dataset(), shuffle=True).load_state_dict(state)


def test_random_split():
    ds = _dataset(10)
    parts = random_split(ds, [7, 3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    got = sorted(int(p[i][1].item()) for p in parts for i in range(len(p)))
    assert got == list(range(10))
    again = random_split(ds, [7, 3], seed=0)
    np.testing.assert_array_equal(parts[0].indices, again[0].indices)
    assert not np.array_equal(parts[0].indices, random_split(ds, [7, 3], seed=1)[0].indices)
    assert [len(p) for p in random_split(_dataset(11), [0.5, 0.25, 0.25], seed=0)] == [6, 3, 2]
    with pytest.raises(ValueError, match="sum"):
        random_split(ds, [5, 4])


def test_subset_batches_equal_item_by_item_collate():
    ds = _dataset(20)
    sub = Subset(Subset(ds, np.arange(19, -1, -1)), [0, 2, 4, 6, 8, 10, 12])
    fast = list(DataLoader(sub, batch_size=3, shuffle=True, seed=1))
    slow = list(DataLoader(sub, batch_size=3, shuffle=True, seed=1, collate_fn=default_collate))
    assert len(fast) == len(slow) == 3
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.data, sx.data)
        np.testing.assert_array_equal(fy.data, sy.data)
    assert sorted(np.concatenate([y.data for _, y in fast])) == [7, 9, 11, 13, 15, 17, 19]


def test_sampler_and_custom_dataset():
    class Squares(data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": float(i), "sq": i * i, "name": f"n{i}"}

    loader = DataLoader(Squares(), batch_size=2, sampler=[5, 0, 3])
    batches = list(loader)
    assert len(loader) == 2 and len(batches) == 2
    assert batches[0]["x"].dtype == np.float64 and batches[0]["sq"].dtype == np.int64
    np.testing.assert_array_equal(batches[0]["sq"].data, [25, 0])
    assert batches[1]["name"] == ["n3"]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(Squares(), sampler=[0], shuffle=True)


def test_default_collate():
    Pair = namedtuple("Pair", "a b")
    out = default_collate([Pair(np.ones(2), 1), Pair(np.zeros(2), 2)])
    assert isinstance(out, Pair) and out.a.shape == (2, 2)
    xs = default_collate([(ag.tensor([1.0]), 0), (ag.tensor([2.0]), 1)])
    assert isinstance(xs, list) and xs[0].shape == (2, 1)
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object()])


def test_stacking_keeps_the_graph():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [5.0, 5.0])


def test_utils_data_reexports():
    import nn.utils.data as ud
    assert ud.DataLoader is DataLoader and ud.random_split is random_split


@pytest.mark.parametrize("own_generator", [True, False])
def test_loader_resumes_mid_epoch(own_generator):
    def make():
        return DataLoader(_dataset(22), batch_size=4, shuffle=True,
                          seed=7 if own_generator else None)

    ag.manual_seed(0)
    straight = [y.data for _, y in make_iter(make(), 3)]
    ag.manual_seed(0)
    loader, got = make(), []
    it = iter(loader)
    for _ in range(4):                   # stop inside the first epoch
        got.append(next(it)[1].data)
    state = loader.state_dict()
    rng_state = ag.default_generator().bit_generator.state
    assert state["batches_done"] == 4 and len(state["order"]) == 22

    ag.manual_seed(123)
    ag.default_generator().bit_generator.state = rng_state
    resumed = make()
    resumed.load_state_dict(state)
    got += [y.data for _, y in make_iter(resumed, 3)][:len(straight) - 4]
    assert len(got) == len(straight) == 18
    for a, b in zip(got, straight):
        np.testing.assert_array_equal(a, b)


def make_iter(loader, epochs):
    for _ in range(epochs):
        yield from loader


def test_getitems_protocol():
    class Batched(data.Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [(np.full(2, i, np.float32), i) for i in indices]

    batches = list(DataLoader(Batched(), batch_size=2))
    assert Batched.calls == [[0, 1], [2, 3], [4]]
    np.testing.assert_array_equal(batches[1][0].data, [[2, 2], [3, 3]])
