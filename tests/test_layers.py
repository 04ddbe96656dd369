"""autograd's modules import in one direction: the layer table below, bottom first.

Every import of an autograd module, at the top of a file or inside a function, must name
a module of the same layer or a lower one, and the imports together must form no cycle.
A new module has to be placed in the table. ARCHITECTURE.md draws the same layers.
"""
import ast
import os
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "autograd")

LAYERS = [
    # foundation: no other autograd module
    ["errors", "state", "versions", "allocator", "cuda", "jit.tracer"],
    ["public", "ownership", "grad_mode", "node", "jit.hooks", "jit.check", "jit"],
    # the Tensor type (its op methods are bound at the top, by methods.py)
    ["tensor"],
    # recording ops into Tensors; what reads a Tensor's dtype
    ["graph", "dtypes", "devices"],
    # the primitives: forward and backward side by side
    ["ops.elementwise", "ops.special", "ops.transcendental", "ops.shapes", "ops.reductions", "ops",
     "ops_nn", "ops_losses", "views"],
    # the backward walk
    ["engine"],
    ["backprop", "function"],
    # Tensor's API and the public functions
    ["functions.arguments", "functions.elementwise", "functions.shapes", "functions.matmul",
     "functions.comparisons", "functions.rounding", "functions.special", "functions", "extras",
     "reductions", "indexing", "sorting", "scans", "einsum", "masking", "creation", "sampling",
     "methods", "scattering", "layout", "products", "linalg.basic", "linalg.decomp", "linalg.derived", "linalg.norms", "linalg.solvers", "linalg.lu", "linalg.ex", "linalg", "searching", "methods_inplace",
     "numpy_functions", "special",
     "distributions.constraints", "distributions.utils", "distributions.distribution",
     "distributions.normal", "distributions.bernoulli", "distributions.categorical",
     "distributions.continuous", "distributions.gamma", "distributions.counts",
     "distributions.independent", "distributions.multivariate_normal", "distributions.kl",
     "distributions.kl_pairs", "distributions",
     "numpy_shapes", "numpy_array_api", "numpy_dispatch", "functional", "gradcheck",
     "primitives",
     "methods_more", "composites", "creation_more", "differences", "toplevel", "random",
     "testing._report", "testing.diagnose", "testing.close", "testing.backward",
     "testing.check_grads", "testing", "testing.pytest_plugin", "testing.strategies",
     "jit.recorder", "jit.blocks", "jit.plan", "jit.peephole", "jit.kept", "jit.program",
     "jit.patches", "jit.bytecode",
     "jit.discover", "jit.aliasing", "jit.arguments", "jit.watch", "jit.carried", "jit.step"],
    ["__init__"],
    # what reads the finished package: the type stubs' generator
    ["stubs"],
]

# Imports inside a function that go up, each with its reason. ag.compile's machinery is
# loaded on its first use: the ops import the jit package for its two decorators
# (jit.hooks), and the compiler itself sits at the top.
LAZY_UPWARD = {
    ("jit", "jit.step"): "compile() loads the compiler on first use",
    ("jit.check", "creation"): "the compile check's generator state, read when it runs",
}


def _modules():
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                if rel.endswith(".__init__"):
                    rel = rel[:-len(".__init__")]
                found[rel] = path
    return found


def _imports(module, path, known):
    """(imported module, whether at module level) for each autograd module `module` imports."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    if module == "__init__":
        package = ""
    tree = ast.parse(open(path).read())
    top = set(id(n) for n in tree.body)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = package.split(".") if package else []
            base = parts[:len(parts) - node.level + 1] if node.level > 1 else parts
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{target}.{alias.name}" if target else alias.name
                name = full if full in known else (target or "__init__")
                out.append((name, id(node) in top))
                parent = name.rpartition(".")[0]   # importing jit.hooks runs jit/__init__.py
                if parent and parent != package:
                    out.append((parent, id(node) in top))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            for name in names:
                if name == "autograd" or name.startswith("autograd."):
                    rel = name[len("autograd."):] if "." in name else "__init__"
                    out.append((rel, id(node) in top))
    return out


def _layer_of():
    return {m: i for i, layer in enumerate(LAYERS) for m in layer}


def test_every_module_has_a_layer():
    layer = _layer_of()
    missing = sorted(set(_modules()) - set(layer))
    assert not missing, f"place these modules in tests/test_layers.py's LAYERS: {missing}"
    stale = sorted(set(layer) - set(_modules()))
    assert not stale, f"LAYERS names modules that do not exist: {stale}"


def test_imports_go_down():
    layer = _layer_of()
    modules = _modules()
    upward = []
    for module, path in modules.items():
        for target, _ in _imports(module, path, modules):
            if target in layer and layer[target] > layer.get(module, -1) and \
                    (module, target) not in LAZY_UPWARD:
                upward.append(f"{module} (layer {layer.get(module)}) imports {target} "
                              f"(layer {layer[target]})")
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_no_import_cycle():
    modules = _modules()
    edges = {m: {t for t, _ in _imports(m, p, modules) if t in modules and t != m
                 and (m, t) not in LAZY_UPWARD}
             for m, p in modules.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(modules):
        if m not in state:
            visit(m)


def test_the_table_is_checked(tmp_path, monkeypatch):
    """The checks see an upward import inside a function and a cycle through one."""
    modules = dict(_modules())
    bad = tmp_path / "graph.py"
    bad.write_text(open(modules["graph"]).read() + "\n\ndef f():\n    from .engine import run_backward\n")
    monkeypatch.setattr(sys.modules[__name__], "_modules", lambda: {**modules, "graph": str(bad)})
    with pytest.raises(AssertionError, match="graph .layer 3. imports engine"):
        test_imports_go_down()
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycle()
