"""Checkpoints: ``nn.save(obj, path)`` and ``nn.load(path)``, a format that holds data only.

`obj` is a tree of dicts (any dict subclass, keys of the types below), lists, tuples,
ndarrays and Tensors (saved as arrays: they load as ndarrays), numpy scalars, and
Python ``None``/``bool``/``int``/``float``/``str``: what the ``state_dict()`` of a
model, optimizer, scheduler or loader holds. Nothing is ever unpickled or evaluated on
load, so a hostile file can at worst fail to load: a pickle stream, a zip (``.npz`` or a
PyTorch checkpoint) or an ``.npy`` is refused by its first bytes, before anything else
is read.

File layout (all integers little-endian)::

    magic      8 bytes   b"\\x89GGC\\r\\n\\x1a\\n"
    version    uint32    1
    header_len uint64    H
    data_len   uint64    D
    header     H bytes   UTF-8 JSON: {"tree": T, "arrays": [{"dtype", "shape",
                         "offset", "nbytes"}, ...]}
    data       D bytes   the arrays' raw C-order little-endian bytes, back to back
    sha256     32 bytes  SHA-256 of everything before it

In the tree ``T``, JSON null/true/false/numbers/strings/arrays stand for None, bools,
ints, floats, strings and lists; every JSON object is a one-key tag: ``{"$dict":
[[key, value], ...]}`` (keys are tree values too, so int keys stay ints),
``{"$tuple": [...]}``, ``{"$array": i}`` and ``{"$scalar": i}`` (entry i of
"arrays", the latter a numpy scalar), ``{"$float": "nan" | "inf" | "-inf"}``. Array
dtypes are bool, signed and unsigned ints, floats (16 to 64 bits) and complex numbers.

Saving to a path is atomic: the file is written to a temporary file in the same
directory, flushed and fsynced, then renamed over the target with ``os.replace``, so
a crash leaves either the old file or the new one. The temporary file of a save that
was killed (kill -9, power loss) is removed by the next save to the same path. Loading checks the magic, version,
sizes and checksum before it parses anything, then validates every array entry;
each failure raises ``CheckpointError`` naming the file and what is wrong.
"""
import hashlib
import json
import math
import os
import re
import secrets
import socket
import struct
import time

import numpy as np

from autograd import Tensor
from autograd.errors import CheckpointError

MAGIC = b"\x89GGC\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct("<8sIQQ")
_DIGEST = 32
_DTYPES = {f"{k}{n}" for k, sizes in (("b", (1,)), ("i", (1, 2, 4, 8)), ("u", (1, 2, 4, 8)),
                                      ("f", (2, 4, 8)), ("c", (8, 16))) for n in sizes}


def save(obj, f):
    """Write `obj` to `f` (a path, written atomically, or a binary file object)."""
    arrays = []
    tree = _encode(obj, arrays, "obj")
    specs, offset = [], 0
    for a in arrays:
        specs.append({"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset,
                      "nbytes": a.nbytes})
        offset += a.nbytes
    header = json.dumps({"tree": tree, "arrays": specs}, separators=(",", ":"),
                        allow_nan=False).encode()
    chunks = [_PREFIX.pack(MAGIC, VERSION, len(header), offset), header]
    chunks += [a.reshape(-1).view(np.uint8) for a in arrays]
    if not isinstance(f, (str, os.PathLike)):
        _write(f, chunks)
        return
    write_atomically(f, lambda fh: _write(fh, chunks))


def write_atomically(path, write):
    """Call ``write(fh)`` on a temporary file in `path`'s directory, fsync it and rename
    it over `path`: a reader sees the old file or the whole new one, never a part.

    The temporary file is named after `path`, this host and this process, so the next
    save to `path` removes those left by a process that was killed mid-write (see
    ``remove_stale_temporaries``)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{_HOST}.{os.getpid()}."
                               f"{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
STALE_SECONDS = 3600     # a temporary of unknown owner untouched this long is abandoned


def remove_stale_temporaries(path):
    """Remove the temporary files of earlier saves to `path` whose writer is gone: made
    on this host by a process that no longer exists, or (another host's, or named the
    way older versions named them) not modified for ``STALE_SECONDS``. A save still in
    progress in a live process is left alone. Returns the paths removed."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mine = re.compile(r"\." + re.escape(os.path.basename(path)) +
                      r"\.(?:([A-Za-z0-9-]+)\.(\d+)\.)?[0-9a-f]{12}\.tmp")
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        m = mine.fullmatch(name)
        if m is None:
            continue
        full = os.path.join(folder, name)
        host, pid = m.group(1), m.group(2)
        if host == _HOST and pid is not None and os.name == "posix":
            stale = not _alive(int(pid))
        else:
            try:
                stale = now - os.path.getmtime(full) > STALE_SECONDS
            except OSError:
                continue
        if stale:
            try:
                os.unlink(full)
                removed.append(full)
            except OSError:
                pass
    return removed


def _alive(pid):
    """True if process `pid` exists on this host (POSIX: signal 0 only checks)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # it exists but belongs to another user
        return True
    return True


def _write(fh, chunks):
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        fh.write(chunk)
    fh.write(digest.digest())


def _fsync_dir(folder):
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _encode(obj, arrays, where):
    """`obj` as a JSON-able tree; arrays are appended to `arrays` and referenced."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, (np.ndarray, np.generic)):       # before float: np.float64 is one
        arr = np.asarray(obj)
        code = f"{arr.dtype.kind}{arr.dtype.itemsize}"
        if code not in _DTYPES or arr.dtype.fields is not None:
            raise CheckpointError(f"save: {where} is an array of dtype {arr.dtype}, which a "
                                  f"checkpoint cannot hold (bool, int, uint, float and "
                                  f"complex only)")
        arrays.append(np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C"))
        return {"$scalar" if isinstance(obj, np.generic) else "$array": len(arrays) - 1}
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
    if isinstance(obj, dict):
        return {"$dict": [[_encode(k, arrays, f"{where} key {k!r}"),
                           _encode(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"$tuple": items}
    raise CheckpointError(f"save: {where} is a {type(obj).__module__}.{type(obj).__name__}, "
                          f"which a checkpoint cannot hold; it holds dicts, lists, tuples, "
                          f"arrays, Tensors, numbers, strings, bools and None")


def load(f, map_location=None, *, weights_only=True):
    """Read a checkpoint written by ``save``. `map_location` and `weights_only` are
    accepted for PyTorch compatibility; the format holds data only, on the CPU."""
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    else:
        name = getattr(f, "name", "<file object>")
        data = f.read()

    def fail(problem):
        return CheckpointError(f"cannot load checkpoint '{name}': {problem}")

    if not data.startswith(MAGIC):
        raise fail(_identify(data))
    if len(data) < _PREFIX.size + _DIGEST:
        raise fail(f"the file is truncated: it has {len(data)} bytes, fewer than any "
                   f"checkpoint ({_PREFIX.size + _DIGEST})")
    _, version, header_len, data_len = _PREFIX.unpack_from(data)
    if version != VERSION:
        raise fail(f"format version {version}; this gradgraph reads version {VERSION}")
    size = _PREFIX.size + header_len + data_len + _DIGEST
    if len(data) != size:
        raise fail(f"the file is truncated: it has {len(data)} bytes but its header announces "
                   f"{size}" if len(data) < size else
                   f"{len(data) - size} unexpected bytes after the end of the checkpoint")
    if hashlib.sha256(memoryview(data)[:-_DIGEST]).digest() != data[-_DIGEST:]:
        raise fail("the file is corrupt: its SHA-256 checksum does not match its contents")
    start = _PREFIX.size + header_len
    try:
        header = json.loads(data[_PREFIX.size:start].decode())
        arrays = [_read_array(spec, data, start, data_len) for spec in header["arrays"]]
        return _decode(header["tree"], arrays)
    except CheckpointError as e:
        raise fail(str(e)) from None
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as e:
        raise fail(f"malformed header ({type(e).__name__}: {e})") from None


def _identify(data):
    """What a file that lacks the magic bytes is, for the error message."""
    never = "nn.load reads only files written by nn.save and never unpickles anything"
    if not data:
        return "the file is empty"
    if MAGIC.startswith(data):
        return f"the file is truncated: it has only {len(data)} bytes"
    if data[:1] == b"\x80":
        return f"it is a pickle stream (e.g. from pickle.dump or torch.save), refused: {never}"
    if data.startswith(b"PK\x03\x04"):
        return (f"it is a zip archive (an .npz or a PyTorch checkpoint, which may carry "
                f"pickled objects), refused: {never}")
    if data.startswith(b"\x93NUMPY"):
        return f"it is a numpy .npy file (which may carry pickled objects), refused: {never}"
    return f"it is not a gradgraph checkpoint (it lacks the magic bytes); {never}"


def _read_array(spec, data, start, data_len):
    dtype, shape, offset, nbytes = spec["dtype"], spec["shape"], spec["offset"], spec["nbytes"]
    dt = np.dtype(dtype) if isinstance(dtype, str) and dtype[:1] in ("<", "|") else None
    if dt is None or f"{dt.kind}{dt.itemsize}" not in _DTYPES or dt.fields is not None:
        raise CheckpointError(f"an array has dtype {dtype!r}, which a checkpoint may not hold "
                              f"(bool, int, uint, float and complex only)")
    if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)
            and type(offset) is int and type(nbytes) is int):
        raise CheckpointError(f"an array entry is malformed: {spec!r}")
    if math.prod(shape) * dt.itemsize != nbytes or not 0 <= offset <= data_len - nbytes:
        raise CheckpointError(f"an array entry (shape {shape}, {dtype}) does not fit the data "
                              f"section: offset {offset}, {nbytes} bytes, section of {data_len}")
    count = nbytes // dt.itemsize
    arr = np.frombuffer(data, dt, count, start + offset) if count else np.empty(0, dt)
    return arr.reshape(shape).astype(dt.newbyteorder("="), copy=True)


def _decode(tree, arrays):
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        return [_decode(v, arrays) for v in tree]
    if isinstance(tree, dict) and len(tree) == 1:
        (tag, value), = tree.items()
        if tag == "$dict" and isinstance(value, list):
            out = {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2):
                    raise CheckpointError(f"a dict entry is malformed: {item!r}")
                key = _decode(item[0], arrays)
                if isinstance(key, (list, dict, np.ndarray)):
                    raise CheckpointError(f"a dict key is of unhashable type {type(key).__name__}")
                out[key] = _decode(item[1], arrays)
            return out
        if tag == "$tuple" and isinstance(value, list):
            return tuple(_decode(v, arrays) for v in value)
        if tag in ("$array", "$scalar") and type(value) is int and 0 <= value < len(arrays):
            return arrays[value] if tag == "$array" else arrays[value][()]
        if tag == "$float" and value in ("nan", "inf", "-inf"):
            return float(value)
    raise CheckpointError(f"unknown entry in the tree: {json.dumps(tree)[:80]}")
