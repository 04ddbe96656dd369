"""nn.save / nn.load: round trips, hostile files, truncation, corruption, atomic saves."""
import hashlib
import json
import os
import pathlib
import pickle

import numpy as np
import pytest

import autograd as ag
from autograd import CheckpointError
from nn import serialization as ser
from nn.serialization import load, save


class Touch:
    """Unpickling this creates the file at `path`: stands for any code a pickle can run."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_round_trip_of_every_kind(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {dt: (rng.standard_normal((2, 3)) * 50).astype(dt) for dt in
              ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
               "uint64", "float16", "float32", "float64", "complex64", "complex128"]}
    obj = {
        "arrays": arrays,
        "scalar0d": np.array(3.5),
        "empty": np.zeros((0, 4), np.float32),
        "strided": np.arange(20.0).reshape(4, 5)[::2, ::-2],
        "big_endian": np.arange(4, dtype=">f8"),
        "numpy_scalars": [np.float32(1.5), np.int64(-3), np.bool_(True), np.float64(0.1)],
        7: {"nested": [(1, 2.0, "s"), None, True, False], -1: 2 ** 100},
        (1, "a"): [float("nan"), float("inf"), -float("inf"), -0.0, 1e-310],
        None: "none key",
        "unicode": "ünïcødé ✓",
    }
    save(obj, tmp_path / "all.ckpt")
    got = load(tmp_path / "all.ckpt")
    want = dict(obj, big_endian=np.arange(4, dtype=np.float64),
                strided=np.ascontiguousarray(obj["strided"]))
    _same(got, want)
    assert [type(v) for v in got["numpy_scalars"]] == [np.float32, np.int64, np.bool_, np.float64]
    assert got["arrays"]["float32"].flags.writeable and got["arrays"]["float32"].flags.owndata


def test_tensors_are_saved_as_arrays(tmp_path):
    w = ag.tensor([[1.0, 2.0]], requires_grad=True)
    save({"w": w, "y": w * 2}, tmp_path / "t.ckpt")
    got = load(tmp_path / "t.ckpt")
    _same(got, {"w": np.array([[1.0, 2.0]], np.float32), "y": np.array([[2.0, 4.0]], np.float32)})


def test_file_objects(tmp_path):
    import io
    buf = io.BytesIO()
    save({"a": np.ones(3)}, buf)
    buf.seek(0)
    _same(load(buf), {"a": np.ones(3)})


@pytest.mark.parametrize("bad, what", [
    ({"f": lambda: 0}, "function"), ({"o": object()}, "object"),
    ([np.array(["text"])], "dtype"), ({"x": np.array([None], dtype=object)}, "dtype"),
    ({1: {2: {3}}}, "set")])
def test_unsupported_values_are_refused_at_save(bad, what, tmp_path):
    with pytest.raises(CheckpointError, match=what):
        save(bad, tmp_path / "bad.ckpt")
    assert os.listdir(tmp_path) == []


# --- hostile files --------------------------------------------------------------------
def test_the_payload_is_live(tmp_path):
    """The pickles below do run code when unpickled (so the refusals are meaningful)."""
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(Touch(probe)))
    assert probe.exists()


def _hostile_files(tmp_path, marker):
    evil = np.array([Touch(marker)], dtype=object)
    files = {}
    files["pickle"] = tmp_path / "raw.pt"
    files["pickle"].write_bytes(pickle.dumps({"state": Touch(marker)}))
    files["pickle_protocol0"] = tmp_path / "raw0.pt"
    files["pickle_protocol0"].write_bytes(pickle.dumps(Touch(marker), protocol=0))
    np.savez(tmp_path / "objects.npz", w=evil)
    files["npz"] = tmp_path / "objects.npz"
    np.save(tmp_path / "objects.npy", evil)
    files["npy"] = tmp_path / "objects.npy"
    # a well-formed gradgraph container, checksum and all, declaring an object array
    # whose bytes are a pickle
    payload = pickle.dumps(evil)
    header = {"tree": {"$array": 0},
              "arrays": [{"dtype": "|O", "shape": [1], "offset": 0, "nbytes": len(payload)}]}
    files["container_object_dtype"] = _craft(tmp_path / "objdtype.ckpt", header, payload)
    header = {"tree": {"$pickle": payload.hex()}, "arrays": []}
    files["container_unknown_tag"] = _craft(tmp_path / "tag.ckpt", header, b"")
    return files


def _craft(path, header, payload, version=1):
    head = json.dumps(header).encode()
    body = ser._PREFIX.pack(ser.MAGIC, version, len(head), len(payload)) + head + payload
    path.write_bytes(body + hashlib.sha256(body).digest())
    return path


def test_hostile_files_are_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    for kind, path in _hostile_files(tmp_path, marker).items():
        with pytest.raises(CheckpointError) as info:
            load(path)
        msg = str(info.value)
        assert str(path) in msg, kind
        expect = {"pickle": "pickle", "npz": "zip", "npy": ".npy",
                  "container_object_dtype": "dtype", "container_unknown_tag": "unknown",
                  "pickle_protocol0": "not a gradgraph checkpoint"}[kind]
        assert expect in msg, (kind, msg)
        assert not marker.exists(), kind


def test_the_module_never_unpickles():
    source = pathlib.Path(ser.__file__).read_text()
    assert "import pickle" not in source and "np.load" not in source
    assert "allow_pickle" not in source


# --- damaged files ----------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.ckpt"
    save({"w": np.arange(100, dtype=np.float32).reshape(10, 10), "step": 3,
          "groups": [{"lr": 0.1, "params": [0, 1]}]}, path)
    return path


def test_truncated_files(saved):
    data = saved.read_bytes()
    for cut in sorted({0, 3, 8, 20, 27, 28, 40, 59, 100, len(data) // 2, len(data) - 33,
                       len(data) - 1}):
        saved.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="empty" if cut == 0 else "truncated") as info:
            load(saved)
        assert str(saved) in str(info.value)


def test_corrupt_files(saved):
    data = saved.read_bytes()
    for pos in range(28, len(data), 37):              # header, data and checksum bytes
        damaged = bytearray(data)
        damaged[pos] ^= 0x10
        saved.write_bytes(bytes(damaged))
        with pytest.raises(CheckpointError, match="corrupt") as info:
            load(saved)
        assert str(saved) in str(info.value)
    saved.write_bytes(data + b"extra")
    with pytest.raises(CheckpointError, match="unexpected bytes"):
        load(saved)


def test_malformed_but_checksummed_headers(tmp_path):
    cases = [
        ({"tree": {"$array": 3}, "arrays": []}, b"", "unknown entry"),
        ({"tree": {"$array": 0}, "arrays": [{"dtype": "<f4", "shape": [4], "offset": 0,
                                             "nbytes": 16}]}, b"\0" * 8, "does not fit"),
        ({"tree": {"$array": 0}, "arrays": [{"dtype": "<f4", "shape": [-1], "offset": 0,
                                             "nbytes": 4}]}, b"\0" * 4, "malformed"),
        ({"tree": {"$dict": [[[1], 2]]}, "arrays": []}, b"", "unhashable"),
        ({"tree": 1}, b"", "malformed header"),
    ]
    for header, payload, message in cases:
        path = _craft(tmp_path / "m.ckpt", header, payload)
        with pytest.raises(CheckpointError, match=message):
            load(path)
    path = _craft(tmp_path / "v.ckpt", {"tree": 1, "arrays": []}, b"", version=2)
    with pytest.raises(CheckpointError, match="version 2"):
        load(path)
    (tmp_path / "deep.ckpt").unlink(missing_ok=True)
    path = tmp_path / "deep.ckpt"
    head = ("[" * 100000 + "]" * 100000).encode()
    body = ser._PREFIX.pack(ser.MAGIC, 1, len(head), 0) + head
    path.write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(CheckpointError, match="malformed"):
        load(path)


# --- atomic saving ------------------------------------------------------------------------
@pytest.mark.parametrize("crash_in", ["replace", "fsync", "write"])
def test_a_crash_mid_save_leaves_the_previous_file(crash_in, tmp_path, monkeypatch):
    path = tmp_path / "ckpt.bin"
    save({"version": 1, "w": np.zeros(1000)}, path)

    def crash(*args, **kwargs):
        raise OSError("simulated crash")

    if crash_in == "write":
        monkeypatch.setattr(ser, "_write", crash)
    else:
        monkeypatch.setattr(os, crash_in, crash)
    with pytest.raises(OSError, match="simulated crash"):
        save({"version": 2, "w": np.ones(1000)}, path)
    monkeypatch.undo()
    got = load(path)
    assert got["version"] == 1 and not got["w"].any()
    assert os.listdir(tmp_path) == ["ckpt.bin"]          # no temporary file left behind
    save({"version": 3}, path)
    assert load(path) == {"version": 3}


def test_save_writes_through_a_temporary_file_in_the_same_directory(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((os.path.dirname(src), os.path.exists(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save({"a": 1}, tmp_path / "x.ckpt")
    assert seen == [(str(tmp_path), True, str(tmp_path / "x.ckpt"))]


# --- exact resumption in a fresh process --------------------------------------------------
TRAIN_SCRIPT = r'''
import sys
sys.path.insert(0, REPO)
import numpy as np
import autograd as ag
import nn

mode, k, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ag.manual_seed(0)
rng = np.random.default_rng(0)
x = rng.standard_normal((50, 4)).astype(np.float32)
y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1)
model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                      nn.Linear(16, 3))
loader = nn.data.DataLoader(nn.data.TensorDataset(x, y), batch_size=8, shuffle=True)
opt = nn.optim.AdamW(model.parameters(), lr=0.05, amsgrad=True)
sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n)
step = 0
if mode == "resume":
    state = nn.load(path)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    loader.load_state_dict(state["loader"])
    if state["rng"] is not None:
        ag.default_generator().bit_generator.state = state["rng"]
    step = state["step"]
while step < n:
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        if mode == "first" and step == k:
            rng_state = ag.default_generator().bit_generator.state
            if "--forget-rng" in sys.argv:
                rng_state = None
            nn.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                     "scheduler": sched.state_dict(), "loader": loader.state_dict(),
                     "rng": rng_state, "step": step}, path)
            sys.exit(0)
        if step == n:
            break
nn.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
'''


def _run(script, *args):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_resuming_in_a_fresh_process_is_exact(tmp_path):
    repo = pathlib.Path(__file__).resolve().parents[1]
    script = tmp_path / "train.py"
    script.write_text(f"REPO = {str(repo)!r}\n" + TRAIN_SCRIPT)
    n, k = 20, 9                                      # k falls inside the second epoch
    _run(script, "straight", k, n, tmp_path / "straight.ckpt")
    _run(script, "first", k, n, tmp_path / "part.ckpt")
    _run(script, "resume", k, n, tmp_path / "part.ckpt")
    straight, resumed = load(tmp_path / "straight.ckpt"), load(tmp_path / "part.ckpt")
    assert straight["model"].keys() == resumed["model"].keys()
    assert "1.running_mean" in straight["model"]
    for key in straight["model"]:
        np.testing.assert_array_equal(straight["model"][key], resumed["model"][key], key)
    for i, state in straight["optimizer"]["state"].items():
        for name, value in state.items():
            np.testing.assert_array_equal(value, resumed["optimizer"]["state"][i][name])

    # the check has teeth: resuming without the generator state (dropout and shuffling
    # draw from it) gives other weights
    _run(script, "first", k, n, tmp_path / "forgot.ckpt", "--forget-rng")
    _run(script, "resume", k, n, tmp_path / "forgot.ckpt")
    forgot = load(tmp_path / "forgot.ckpt")
    assert not np.array_equal(forgot["model"]["0.weight"], straight["model"]["0.weight"])
