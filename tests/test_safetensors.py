"""safetensors files both ways between PyTorch and gradgraph models with the same names."""
import numpy as np
import pytest

import autograd as ag
import nn

safetensors = pytest.importorskip("safetensors")
torch = pytest.importorskip("torch")
from safetensors.torch import load_file as torch_load, save_file as torch_save  # noqa: E402


def _encoder(lib):
    return lib.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)


def test_pytorch_file_loads_into_gradgraph_and_gives_the_same_outputs(tmp_path):
    torch.manual_seed(0)
    ref = _encoder(torch.nn).double()
    path = tmp_path / "torch.safetensors"
    torch_save(ref.state_dict(), str(path))
    ours = _encoder(nn).double()
    loaded = nn.load_safetensors(path)
    assert list(loaded) == sorted(ref.state_dict()) and all(
        isinstance(t, ag.Tensor) and t.dtype == np.float64 for t in loaded.values())
    assert ours.load_state_dict(loaded) == ([], [])
    x = np.random.default_rng(0).standard_normal((2, 5, 8))
    np.testing.assert_allclose(ours(ag.tensor(x)).data, ref(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_gradgraph_file_loads_into_pytorch(tmp_path):
    ag.manual_seed(1)
    ours = _encoder(nn)
    path = tmp_path / "ours.safetensors"
    nn.save_safetensors(ours, path)
    state = torch_load(str(path))
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata() == {"format": "pt"}
    ref = _encoder(torch.nn)
    ref.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32)
    np.testing.assert_allclose(ref(torch.tensor(x)).detach().numpy(), ours(ag.tensor(x)).data,
                               rtol=1e-5, atol=1e-6)
    # and a dict of arrays from safetensors.numpy goes straight into load_state_dict
    from safetensors.numpy import load_file
    twin = _encoder(nn)
    twin.load_state_dict(load_file(str(path)))
    np.testing.assert_array_equal(twin.linear1.weight.data, ours.linear1.weight.data)


def test_tied_weights_half_precision_and_metadata(tmp_path):
    emb = nn.Embedding(5, 4)
    head = nn.Linear(4, 5, bias=False)
    head.weight = emb.weight                                 # weight tying, as in GPT
    model = nn.ModuleDict({"wte": emb, "lm_head": head})
    path = tmp_path / "tied.safetensors"
    nn.save_safetensors(model, path, metadata={"step": "10"})
    state = torch_load(str(path))
    assert set(state) == {"wte.weight", "lm_head.weight"}
    assert torch.equal(state["wte.weight"], state["lm_head.weight"])
    # bfloat16 and float16 weights (as published) load as float32
    w = torch.randn(3, 4)
    torch_save({"bf": w.to(torch.bfloat16), "h": w.half(), "i": torch.arange(3)},
               str(tmp_path / "half.safetensors"))
    got = nn.load_safetensors(tmp_path / "half.safetensors")
    np.testing.assert_array_equal(got["bf"].data, w.to(torch.bfloat16).float().numpy())
    np.testing.assert_array_equal(got["h"].data, w.half().float().numpy())
    assert got["bf"].dtype == got["h"].dtype == np.float32 and got["i"].dtype == np.int64


def test_errors(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(ag.CheckpointError, match="cannot read"):
        nn.load_safetensors(bad)
    with pytest.raises(ag.ArgumentError, match="a Module or a dict"):
        nn.save_safetensors([1, 2], tmp_path / "x.safetensors")
    with pytest.raises(ag.ArgumentError, match="metadata must map strings"):
        nn.save_safetensors({"a": ag.ones(2)}, tmp_path / "x.safetensors", metadata={"a": 1})
