"""Walk a recorded graph into plain data: nodes, edges, roles, shapes, gradient stats.

Nothing here knows about DOT. ``walk`` visits every node that produced the roots with
an explicit stack (a 1,000,000-op chain is fine) and numbers them in a deterministic
topological order, inputs first, so the same graph always gives the same ids.
``collapse_modules`` and ``elide`` turn one ``GraphData`` into a smaller one.
"""
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import math

import numpy as np

from autograd.graph import AccumulateGrad
from autograd.tensor import Tensor
from autograd.errors import ArgumentError

from .stats import VALUE_LIMIT, grad_stats

# Kinds of nodes: an op, a named leaf (parameter), an unnamed leaf that requires grad
# (input), a whole module (collapsed), a saved buffer, the marker of an elided range.
OP, PARAM, INPUT, MODULE, SAVED, ELIDED = "op", "param", "input", "module", "saved", "elided"


@dataclass(slots=True)
class NodeData:
    id: int                  # position in graph order (inputs first)
    kind: str
    op: str                  # op name; "AccumulateGrad" for leaves; module type for modules
    name: str | None = None  # the user's name for the tensor (parameter, named tensor)
    shape: tuple | None = None
    dtype: str | None = None
    scope: str | None = None  # qualified name of the module that made it
    output: bool = False     # a root of the walk
    line: str | None = None  # user code that created it (record_creation_lines)
    stats: object = None     # GradStats of the gradient of this node's output
    value: np.ndarray | None = None   # data, for tensors of at most VALUE_LIMIT elements
    grad: np.ndarray | None = None
    indexed: bool = False    # its output is read only by indexing ops (sparse gradient)
    count: int = 0           # ops inside a module / nodes in an elided range
    members: list = field(default_factory=list)   # NodeData of a module's parameters
    comm: str | None = None  # a communication node's label (peer, bytes): its
                             # ``communication()`` method, e.g. nn.parallel's send/recv


@dataclass
class GraphData:
    nodes: list                       # NodeData in graph order
    edges: list                       # (src id, dst id): src's output is an input of dst
    roots: list                       # ids of the roots
    # The tensor an edge carries is its source's output, except where collapsing or
    # eliding replaced the source: carriers[(src, dst)] is then the original NodeData.
    carriers: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)   # qualified name -> module type name
    saved: list = field(default_factory=list)     # (id of the op, shape, dtype) per buffer
    elided: int = 0                   # nodes hidden by elide()
    recorded: bool = False            # some op node carries recorded gradient stats
    # fold_repeats(): qualified name of a drawn module -> (name of the last of the run of
    # identical modules it stands for, how many there are)
    repeats: dict = field(default_factory=dict)
    _by_id: dict = field(default=None, repr=False, compare=False)

    def node(self, id):
        if self._by_id is None:
            self._by_id = {n.id: n for n in self.nodes}
        return self._by_id[id]

    def carried(self, src, dst):
        """NodeData of the tensor that edge (src, dst) carries."""
        return self.carriers.get((src, dst)) or self.node(src)


def topological_order(roots):
    """Nodes reachable from `roots`, each after all of its parents: an iterative
    depth-first post-order (first parent first), deterministic for a given graph."""
    DONE, OPEN = 2, 1
    state = {}
    order = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        s = state.get(node)
        if s is None:
            state[node] = OPEN
            stack.append(node)
            for p in reversed(node.parents):
                if p is not None and state.get(p) is None:
                    stack.append(p)
        elif s is OPEN:
            state[node] = DONE
            order.append(node)
    return order


def named_tensors(params):
    """{name: Tensor} from a dict, an iterable of (name, tensor) pairs, or anything with
    ``named_parameters()`` (a Module)."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if isinstance(params, dict) else params
    return {str(name): t for name, t in items if isinstance(t, Tensor)}


def module_types(model):
    """{qualified name: class name} of a model's submodules, if it is a Module."""
    if not hasattr(model, "named_modules"):
        return {}
    return {name: type(m).__name__ for name, m in model.named_modules() if name}


@contextmanager
def _no_collector():
    """Pause the cycle collector: a walk makes ~3 objects per node and none in cycles,
    and generational collections over a million new objects cost more than the walk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def walk(roots, params=None, values=False, saved=False, leaf_grads=True):
    """GraphData of everything that produced `roots` (a Tensor or a list of them).

    params: names for tensors, a dict {name: Tensor} or a Module; leaves are labelled
    with them and any named intermediate tensor shows its name (and value).
    values: keep data and grad of tensors with at most VALUE_LIMIT elements.
    saved: list the arrays each op saved for backward (none once backward released them).
    leaf_grads: give leaves the stats of their ``.grad``."""
    with _no_collector():
        return _walk(roots, params, values, saved, leaf_grads)


def _walk(roots, params, values, saved, leaf_grads):
    tensors = roots if isinstance(roots, (list, tuple)) else [roots]
    root_nodes = []
    for t in tensors:
        if t._node is None:
            raise ArgumentError(f"viz: a tensor of shape {t.shape} has no graph: it does not "
                             f"require grad (was it computed under no_grad(), or from "
                             f"tensors without requires_grad=True?)")
        root_nodes.append(t._node)
    named = {t._node: (name, t) for name, t in named_tensors(params).items()
             if t._node is not None}
    for t in tensors:
        named.setdefault(t._node, (None, t))

    order = topological_order(root_nodes)
    index = {node: i for i, node in enumerate(order)}
    nodes = []
    append = nodes.append
    dtype_names = {}
    for i, node in enumerate(order):
        meta = node.meta
        dtype = dtype_names.get(node.dtype)
        if dtype is None:
            dtype = dtype_names[node.dtype] = str(node.dtype)
        append(NodeData(i, OP, node.name, None, node.shape, dtype, node.scope, False,
                        meta.get("line") if meta else None,
                        getattr(node, "grad_stats", None)))
    edges = [(index[p], i) for i, node in enumerate(order) for p in node.parents
             if p is not None]
    recorded = any(n.stats is not None for n in nodes)
    for node in root_nodes:
        nodes[index[node]].output = True
    for i, node in enumerate(order):
        describe = getattr(node, "communication", None)
        if describe is not None:
            nodes[i].comm = describe()
    for node in order:
        if type(node) is AccumulateGrad:
            _leaf(nodes[index[node]], node, named, leaf_grads)
    for node, (name, tensor) in named.items():
        i = index.get(node)
        if i is not None:
            nodes[i].name = name
            if values:
                _values(nodes[i], tensor)
    if values:
        for n in nodes:
            if n.grad is None and n.stats is not None and n.stats.values is not None:
                n.grad = n.stats.values
    _scope_leaves(nodes, edges)
    _mark_indexed(nodes, edges, {i for i, node in enumerate(order) if node.indexing})
    return GraphData(nodes, edges, [index[r] for r in dict.fromkeys(root_nodes)], {},
                     module_types(params), _saved_buffers(order) if saved else [],
                     recorded=recorded)


def _leaf(nd, node, named, leaf_grads):
    """Make NodeData `nd` a PARAM (named) or INPUT leaf with its .grad's stats."""
    nd.kind = PARAM if node in named and named[node][0] is not None else INPUT
    tensor = node.leaf()
    if tensor is not None:
        named.setdefault(node, (None, tensor))
        if leaf_grads and tensor.grad is not None:
            nd.stats = grad_stats(tensor.grad.data, units=False)


def _values(nd, tensor):
    if tensor is not None and tensor.data.size <= VALUE_LIMIT:
        nd.value = tensor.data
        if tensor.grad is not None:
            nd.grad = tensor.grad.data


def _mark_indexed(nodes, edges, indexing):
    """A node read only by indexing ops (ids in `indexing`, see Node.indexing) gets a
    sparse gradient by design: mark it so the flow checks don't call it dead."""
    readers = {}
    for src, dst in edges:
        readers.setdefault(src, set()).add(dst)
    for src, dsts in readers.items():
        nodes[src].indexed = dsts <= indexing


def _scope_leaves(nodes, edges):
    """Leaves record no scope: take it from a parameter's dotted name, else from its
    consumers when they all lie in one module."""
    consumers = {}
    for src, dst in edges:
        if nodes[src].kind != OP:
            consumers.setdefault(src, set()).add(nodes[dst].scope)
    for n in nodes:
        if n.kind == PARAM and "." in n.name:
            n.scope = n.name.rsplit(".", 1)[0]
        elif n.kind != OP:
            scopes = consumers.get(n.id, ())
            if len(scopes) == 1:
                n.scope = next(iter(scopes))


def _saved_buffers(order):
    out = []
    for i, node in enumerate(order):
        buffers = node.saved
        if buffers is None or type(node) is AccumulateGrad:
            continue
        for item in buffers if isinstance(buffers, tuple) else (buffers,):
            arr = item.data if isinstance(item, Tensor) else item
            if isinstance(arr, np.ndarray):
                out.append((i, arr.shape, str(arr.dtype)))
    return out


def truncate_scope(scope, depth):
    """`scope` cut to its first `depth` components ("a.b.c", 2 -> "a.b")."""
    if not scope:                   # None, or "" for the root module's own ops
        return None
    if depth is None:
        return scope
    if depth <= 0:
        return None
    parts = scope.split(".")
    return scope if len(parts) <= depth else ".".join(parts[:depth])


GLUE_OPS = 3          # a container module's own ops stay visible up to this many


def collapse_modules(data, depth=None):
    """One MODULE node per module (its scope cut to `depth` levels) in place of the ops
    and parameters inside it, with its op count; nodes outside modules are kept. The
    module's shape and stats are those of the last tensor leaving it. A module that
    contains (drawn) submodules and has at most GLUE_OPS ops of its own keeps those ops
    as op nodes: the residual adds of a transformer block stay visible between its
    attention and MLP instead of becoming a "Block (2 ops)" box beside them."""
    keys = {truncate_scope(n.scope, depth) for n in data.nodes} - {None}
    containers = {k[:i] for k in keys for i, c in enumerate(k) if c == "."}
    own = {}
    for n in data.nodes:
        key = truncate_scope(n.scope, depth)
        if key in containers:
            own[key] = own.get(key, 0) + (n.kind == OP)
    glue = {key for key, count in own.items() if count <= GLUE_OPS}
    group_of = {}
    groups = {}
    for n in data.nodes:
        key = truncate_scope(n.scope, depth)
        if key is None or key in glue:
            continue
        g = groups.get(key)
        if g is None:
            g = groups[key] = NodeData(n.id, MODULE, module_label(data, key), key, scope=key)
        group_of[n.id] = g
        if n.kind == OP:
            g.count += 1
        elif n.kind == PARAM:
            g.members.append(n)
        g.output = g.output or n.output
        _carry(g, n)                # until a tensor leaving the module is found
    leaving = {}
    for src, dst in data.edges:
        gs = group_of.get(src)
        if gs is not None and group_of.get(dst) is not gs:
            leaving[gs.id] = data.node(src)
    for g in groups.values():
        if g.id in leaving:
            _carry(g, leaving[g.id])
    return _merge(data, {i: g.id for i, g in group_of.items()},
                  sorted({g.id: g for g in group_of.values()}.values(), key=lambda g: g.id))


def _child(parent, index):
    return f"{parent}.{index}" if parent else str(index)


def module_label(data, key):
    """The type name of module `key`, with "×n" if it stands for n repeats."""
    kind = data.modules.get(key, "")
    if key in data.repeats:
        last, count = data.repeats[key]
        span = f"{'.'.join(key.rsplit('.', 2)[-2:])} … {'.'.join(last.rsplit('.', 2)[-2:])}"
        kind = f"{kind} ×{count}: {span}" if kind else f"×{count}: {span}"
    return kind


def _carry(group, n):
    group.shape, group.dtype, group.stats, group.indexed = n.shape, n.dtype, n.stats, n.indexed


def _merge(data, merged, extra, elided=0):
    """GraphData with node ids in `merged` ({old id: new id}) replaced, the new nodes
    `extra` added, edges deduplicated and inner edges dropped."""
    nodes = sorted([n for n in data.nodes if n.id not in merged] + list(extra),
                   key=lambda n: n.id)
    edges = []
    carriers = {}
    for src, dst in data.edges:
        s, d = merged.get(src, src), merged.get(dst, dst)
        if s == d:
            continue
        if s != src or d != dst:
            if (s, d) in carriers:
                continue
            carriers[(s, d)] = data.carried(src, dst)
        edges.append((s, d))
    roots = list(dict.fromkeys(merged.get(r, r) for r in data.roots))
    saved = [s for s in data.saved if s[0] not in merged]
    return GraphData(nodes, edges, roots, carriers, data.modules, saved,
                     data.elided + elided, data.recorded, repeats=data.repeats)


def elide(data, max_nodes):
    """Keep the first and last `max_nodes // 2` nodes in graph order and replace the
    middle with one ELIDED node that says how many it hides."""
    n = len(data.nodes)
    if max_nodes is None or n <= max_nodes:
        return data
    head = max(max_nodes // 2, 1)
    tail = max(max_nodes - head - 1, 1)
    hidden = data.nodes[head:n - tail]
    marker = NodeData(hidden[0].id, ELIDED, "", count=len(hidden))
    return _merge(data, {h.id: marker.id for h in hidden}, [marker], len(hidden))


def fold_repeats(data):
    """Draw a run of identical sibling modules (``h.0``, ``h.1``, ... ``h.11``: the same
    type, and the same ops, shapes and parameters in the same order) once: the nodes of
    the first stay, standing for all of them (``repeats[first] = (last, count)``, drawn
    as "x12"); what the last one fed is fed by the first; the others are left out."""
    members = {}                       # module name -> its nodes, in graph order
    for n in data.nodes:
        scope = n.scope or ""
        parts = scope.split(".")
        for i in range(1, len(parts) + 1):
            if parts[i - 1].isdigit():
                members.setdefault(".".join(parts[:i]), []).append(n)
    runs = {}                          # (parent, first index) -> [names in the run]
    by_parent = {}
    for name in members:
        parent, _, index = name.rpartition(".")
        by_parent.setdefault(parent, []).append(int(index))
    signature = {}
    for name, nodes in members.items():
        cut = len(name)
        signature[name] = (data.modules.get(name), tuple(
            (n.kind, n.op, n.shape, n.dtype, (n.scope or "")[cut:],
             (n.name or "")[cut:] if n.kind == PARAM else None) for n in nodes))
    for parent, indices in by_parent.items():
        indices.sort()
        start = 0
        for k in range(1, len(indices) + 1):
            prev = _child(parent, indices[k - 1])
            if (k < len(indices) and indices[k] == indices[k - 1] + 1
                    and signature[_child(parent, indices[k])] == signature[prev]):
                continue
            if k - start > 1:
                runs[(parent, indices[start])] = [_child(parent, i) for i in indices[start:k]]
            start = k
    taken = []                         # fold the outermost runs only
    for key in sorted(runs, key=lambda k: len(runs[k][0])):
        if any(runs[key][0].startswith(name + ".") for name in taken):
            del runs[key]
        else:
            taken += runs[key]
    if not runs:
        return data
    stand_in = {}                      # id of a node of a later repeat -> the first's
    run_of = {}                        # id of a node in any repeat -> its run
    repeats = dict(data.repeats)
    for key, names in runs.items():
        first = members[names[0]]
        for name in names:
            for a, b in zip(members[name], first):
                run_of[a.id] = key
                if name != names[0]:
                    stand_in[a.id] = b.id
        repeats[names[0]] = (names[-1], len(names))
    edges, seen = [], set()
    for src, dst in data.edges:
        if dst in stand_in and src in run_of and run_of[src] == run_of[dst]:
            continue                   # inside a later repeat, or from one into the next
        edge = (stand_in.get(src, src), stand_in.get(dst, dst))
        if edge[0] != edge[1] and edge not in seen:
            seen.add(edge)
            edges.append(edge)
    nodes = [n for n in data.nodes if n.id not in stand_in]
    roots = list(dict.fromkeys(stand_in.get(r, r) for r in data.roots))
    return GraphData(nodes, edges, roots, {}, data.modules,
                     [s for s in data.saved if s[0] not in stand_in], data.elided,
                     data.recorded, repeats=repeats)
