"""``.safetensors`` files: the weight format of the Hugging Face hub, which PyTorch
reads and writes with ``safetensors.torch``. Optional: needs the ``safetensors``
package (``pip install 'gradgraph[safetensors]'``), whose numpy API does the format.

    nn.save_safetensors(model, "model.safetensors")          # or a state dict
    model.load_state_dict(nn.load_safetensors("model.safetensors"))

A state dict has the same names as PyTorch's for the same layers, so files move both
ways: ``safetensors.torch.load_file`` reads what ``save_safetensors`` writes, and a
file written by ``safetensors.torch.save_file(torch_model.state_dict(), ...)`` loads
into the gradgraph model. ``safetensors.numpy.load_file(path)`` gives a dict of arrays
that ``load_state_dict`` takes as it is."""
import json
import struct

import numpy as np

from autograd.errors import ArgumentError, CheckpointError, MissingDependencyError
from autograd.tensor import Tensor

from .module import Module
from .serialization import write_atomically


def _numpy_api():
    try:
        import safetensors.numpy
    except ImportError:
        raise MissingDependencyError(
            "save_safetensors/load_safetensors need the safetensors package: "
            "pip install 'gradgraph[safetensors]' (or pip install safetensors)") from None
    return safetensors.numpy


def save_safetensors(tensors, path, metadata=None):
    """Write a Module's ``state_dict()``, or a dict {name: Tensor or ndarray}, to a
    ``.safetensors`` file (atomically). `metadata` is a dict of strings; by default
    ``{"format": "pt"}``, which the Hugging Face libraries expect of PyTorch weights
    (the layout is PyTorch's: C-ordered, little-endian)."""
    api = _numpy_api()
    if isinstance(tensors, Module):
        tensors = tensors.state_dict()
    if not isinstance(tensors, dict):
        raise ArgumentError(f"save_safetensors: expected a Module or a dict of tensors, got "
                            f"{type(tensors).__name__}")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise ArgumentError(f"save_safetensors: names must be strings, got {name!r}")
        arr = value.data if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ArgumentError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which "
                                f"safetensors cannot store")
        arrays[name] = np.ascontiguousarray(arr)
    metadata = {"format": "pt"} if metadata is None else metadata
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ArgumentError("save_safetensors: metadata must map strings to strings")
    data = api.save(arrays, metadata=metadata)
    write_atomically(path, lambda fh: fh.write(data))


def load_safetensors(path):
    """{name: Tensor} from a ``.safetensors`` file, sorted by name. bfloat16 entries
    (common in published weights; numpy has no bfloat16) become float32 exactly, float16
    ones float32 (gradgraph computes in float32 and float64)."""
    _numpy_api()
    import safetensors
    from safetensors import safe_open
    format_error = getattr(safetensors, "SafetensorError", ValueError)
    header = None
    out = {}
    try:
        with safe_open(path, framework="numpy") as f:
            for name in f.keys():
                try:
                    arr = f.get_tensor(name)
                except TypeError:                         # bfloat16: not a numpy dtype
                    header = header or _header(path)
                    arr = _bfloat16(path, header, name)
                out[name] = Tensor(arr)
    except (OSError, ValueError, format_error) as e:
        raise CheckpointError(f"load_safetensors: cannot read {path!r} as a safetensors "
                              f"file: {e}") from None
    return out


def _header(path):
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        return 8 + n, json.loads(fh.read(n))


def _bfloat16(path, header, name):
    start, entries = header
    spec = entries[name]
    if spec["dtype"] != "BF16":
        raise CheckpointError(f"load_safetensors: {name!r} has dtype {spec['dtype']}, which "
                              f"numpy cannot hold")
    lo, hi = spec["data_offsets"]
    with open(path, "rb") as fh:
        fh.seek(start + lo)
        raw = np.frombuffer(fh.read(hi - lo), dtype="<u2")
    # a bfloat16 is the top half of a float32: shift it into place
    return (raw.astype(np.uint32) << 16).view(np.float32).reshape(spec["shape"])
