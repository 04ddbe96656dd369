"""Every op of tests/op_table.py against PyTorch, one thread: forward, and forward +
backward, at the table's shapes (~16 elements) and scaled to ~2^20 elements, float32 and
float64. Prints the worst ratios (gradgraph / PyTorch, medians of per-round ratios; a
large input's sample is one call, 3 rounds).

    python benchmarks/op_survey.py                  # both sizes (~15-20 minutes)
    python benchmarks/op_survey.py --sizes large --only erf gelu --top 0 --json out.json

An entry's function is run in PyTorch by binding its module's names anew (ag -> torch,
F -> torch.nn.functional, ag.special -> torch.special, gradgraph tensors -> PyTorch's);
an entry that uses a gradgraph-only name or numpy on a tensor's dtype is left out (the
count is printed). Large inputs: the first axis of the inputs of the highest rank
scaled to ~2^20 elements, or else (matmul, square matrices) every axis > 1 scaled to
~2^16 elements; the first that runs in both libraries with equal output shapes is used.
BENCH_THREADS defaults to 1 here, and BENCH_CLOCK=thread is recommended on a busy machine.
"""
import argparse
import json
import math
import os
import resource
import signal
import sys
import types

os.environ.setdefault("BENCH_THREADS", "1")
try:
    from . import common
except ImportError:
    import common

import numpy as np

sys.path.insert(0, os.path.join(common._ROOT, "tests"))
LARGE, LARGE_ALL_AXES = 1 << 20, 1 << 16
BUDGET = 2.0         # seconds for one forward of both libraries: longer ones are left out
MEMORY = 8 << 30     # bytes of data: an op whose output grows as n^2 fails with MemoryError


class Skip(Exception):
    pass


def _over_budget(signum, frame):
    raise Skip(f"one forward takes over {BUDGET} s")


def _torch_namespace(torch, op_table):
    """op_table's globals with the gradgraph names bound to PyTorch's."""
    import autograd as ag

    class Shim:                      # `ag` in PyTorch: torch, with gradgraph's spellings
        special, linalg = torch.special, torch.linalg

        def __getattr__(self, name):
            if hasattr(torch, name):
                return getattr(torch, name)
            raise Skip(f"torch has no {name}")

        @staticmethod
        def tensor(data, **kw):
            return torch.tensor(data.data.numpy() if isinstance(data, torch.Tensor) else data, **kw)

    ns = dict(vars(op_table))
    ns.update(ag=Shim(), F=torch.nn.functional, _S=torch.special, np=np)
    for name, value in list(ns.items()):
        if isinstance(value, ag.Tensor):
            ns[name] = torch.tensor(value.data)
        elif isinstance(value, types.FunctionType) and value.__module__ == op_table.__name__:
            ns[name] = _rebind(value, ns, torch)
    return ns


def _rebind(fn, ns, torch):
    """`fn` (a function of op_table) with its globals, closure and defaults in PyTorch."""
    if isinstance(fn, types.FunctionType) and fn.__module__ == "op_table":
        cells = tuple(types.CellType(_rebind(c.cell_contents, ns, torch))
                      for c in fn.__closure__ or ())
        defaults = tuple(_rebind(d, ns, torch) for d in fn.__defaults__ or ()) or None
        return types.FunctionType(fn.__code__, ns, fn.__name__, defaults, cells or None)
    module = getattr(fn, "__module__", None) or ""
    if callable(fn) and (module.startswith("autograd") or module.startswith("nn")):
        name = fn.__name__
        for where in ((torch.nn.functional,) if module.startswith("nn") else ()) + (
                torch.special if "special" in module else torch,
                torch.linalg if "linalg" in module else torch, torch, torch.nn.functional):
            if hasattr(where, name):
                return getattr(where, name)
        raise Skip(f"no torch {name}")
    if isinstance(fn, dict):
        return {k: _rebind(v, ns, torch) for k, v in fn.items()}
    return fn


def _scaled(shapes, how, target):
    biggest = max(math.prod(s) for s in shapes)
    if how == "lead":
        rank = max(len(s) for s in shapes)
        k = max(1, round(target / biggest))
        return [(s[0] * k,) + s[1:] if len(s) == rank and rank else s for s in shapes]
    rank = max(len(s) for s in shapes)
    k = max(1, round((target / biggest) ** (1.0 / max(rank, 1))))
    return [tuple(d * k if d > 1 else d for d in s) for s in shapes]


def _leaves(op, shapes, dtype, torch):
    from op_table import OpInfo
    ours = OpInfo(op.name, op.fn, shapes, op.domains).inputs(dtype)
    theirs = [torch.tensor(x.data, requires_grad=True) for x in ours]
    return ours, theirs


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _steps(fn, leaves, seed):
    def forward():
        return fn(*leaves)

    def both():
        _first(fn(*leaves)).backward(seed)
        for x in leaves:
            x.grad = None
    return forward, both


def _case(op, tfn, size, dtype, torch):
    """The four variants of one op at one size and dtype, or raises Skip."""
    import autograd as ag
    shapes = [tuple(s) for s in op.shapes]
    candidates = [shapes] if size == "small" else [
        _scaled(shapes, "lead", LARGE), _scaled(shapes, "all", LARGE_ALL_AXES)]
    for shapes in candidates:
        try:
            ours, theirs = _leaves(op, shapes, dtype, torch)
            signal.signal(signal.SIGALRM, _over_budget)
            signal.setitimer(signal.ITIMER_REAL, BUDGET)
            with np.errstate(all="ignore"):
                o, t = _first(op.fn(*ours)), _first(tfn(*theirs))
            if tuple(o.shape) == tuple(t.shape):
                break
        except Skip:
            raise
        except Exception:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    else:
        raise Skip("no shapes run in both")
    variants = {}
    for lib, fn, leaves, out in (("gradgraph", op.fn, ours, o), ("PyTorch", tfn, theirs, t)):
        seed = (ag.ones if lib == "gradgraph" else torch.ones)(tuple(out.shape), dtype=out.dtype)
        forward, both = _steps(fn, leaves, seed)
        variants[f"{lib} fwd"] = forward
        if out.requires_grad:
            variants[f"{lib} fwd+bwd"] = both
    return shapes, variants


def survey(names=None, sizes=("small", "large"), dtypes=("float32", "float64"), rounds=5,
           dump=None, first=0):
    """{(op label, size, dtype, mode): (gradgraph seconds, PyTorch seconds, ratio)}."""
    import op_table
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY, resource.getrlimit(resource.RLIMIT_DATA)[1]))
    torch = common.torch_or_none()
    ns = _torch_namespace(torch, op_table)
    results, skipped = {}, []
    for i, op in enumerate(op_table.OPS):
        if i < first or names and not any(n == op.name or n in op.name for n in names):
            continue
        label = f"{op.name}{list(map(tuple, op.shapes))}".replace(" ", "")
        try:
            tfn = _rebind(op.fn, ns, torch)
        except Skip as e:
            skipped.append((label, str(e)))
            continue
        for size in sizes:
            for dtype in dtypes:
                try:
                    with np.errstate(all="ignore"):
                        shapes, variants = _case(op, tfn, size, getattr(np, dtype), torch)
                        samples = common.interleaved(
                            variants, rounds=rounds if size == "small" else max(3, rounds - 2),
                            number=None if size == "small" else 1, target=0.002,
                            threaded=False)
                except Skip as e:
                    skipped.append((f"{label} {size} {dtype}", str(e)))
                    continue
                except Exception as e:
                    skipped.append((f"{label} {size} {dtype}", f"{type(e).__name__}: {e}"))
                    continue
                n = max(math.prod(s) for s in shapes)
                for mode in ("fwd", "fwd+bwd"):
                    if f"gradgraph {mode}" in samples and f"PyTorch {mode}" in samples:
                        r = common.ratios(samples, f"gradgraph {mode}", f"PyTorch {mode}")
                        results[(label, size, dtype, mode)] = (
                            common.Stats(samples[f"gradgraph {mode}"]).median,
                            common.Stats(samples[f"PyTorch {mode}"]).median, r.median, n)
        print(f"  {i + 1}/{len(op_table.OPS)} {label}", file=sys.stderr, flush=True)
        if dump:
            dump(results)
    return results, skipped


def worst_rows(results, size, top):
    keys = sorted((k for k in results if k[1] == size), key=lambda k: -results[k][2])
    rows = []
    for k in keys[:top] if top else keys:
        ours, theirs, ratio, n = results[k]
        rows.append(common.Row(f"{k[0]} n={n}", f"{k[2]} {k[3]}", ours * 1e6, "us",
                               ratio=ratio, vs=f"PyTorch ({theirs * 1e6:.4g} us)"))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", help="op names (or parts of names) to time")
    ap.add_argument("--sizes", nargs="+", default=["small", "large"], choices=["small", "large"])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--top", type=int, default=15, help="rows per size (0: all)")
    ap.add_argument("--json", help="also write every result to this file")
    ap.add_argument("--first", type=int, default=0, help="start at this entry of the table")
    args = ap.parse_args(argv)
    for line in common.machine_info():
        print(line)
    def dump(results):
        if args.json:
            with open(args.json, "w") as f:
                json.dump([list(k) + list(v) for k, v in results.items()], f)
    results, skipped = survey(args.only, args.sizes, args.dtypes, args.rounds, dump, args.first)
    for size in args.sizes:
        print(f"\n{size}: the {args.top or 'all'} worst ratios")
        common.print_table(worst_rows(results, size, args.top))
    print(f"\n{len(results)} timings; left out: {len(skipped)}")
    for what, why in skipped:
        print(f"  {what}: {why[:100]}")


if __name__ == "__main__":
    main()
