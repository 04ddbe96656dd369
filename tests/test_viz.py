"""viz: the graph walk (plain data) and the DOT made from it."""
import re
import time

import numpy as np
import pytest

import autograd as ag
import nn
import viz
from viz.walk import ELIDED, INPUT, MODULE, OP, PARAM, topological_order


def expression():
    """micrograd's example: L = (a*b + c) * f, every tensor named."""
    a = ag.tensor(2.0, requires_grad=True)
    b = ag.tensor(-3.0, requires_grad=True)
    c = ag.tensor(10.0, requires_grad=True)
    f = ag.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f
    return L, dict(a=a, b=b, c=c, f=f, e=e, d=d, L=L)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(5, 4), nn.Tanh())
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.block(self.act(self.fc1(x))))


def mlp_loss(seed=0):
    ag.manual_seed(seed)
    model = MLP()
    x = ag.randn(8, 6)
    y = ag.tensor(np.arange(8) % 3)
    return nn.functional.cross_entropy(model(x), y), model


def cluster_depths(source):
    """{cluster label: nesting depth} from the DOT text."""
    depth, out = 0, {}
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("subgraph cluster_"):
            depth += 1
        elif line == "}":
            depth -= 1
        elif line.startswith("label=<<b>") and "rounded,dashed" in line:
            out[line[len("label=<<b>"):line.index("</b>")]] = depth
    return out


def edge_lines(source):
    return [line for line in source.splitlines() if re.match(r"\s*[ns]\d+ -> ", line)]


# --- walk -------------------------------------------------------------------------------------
def test_walk_gives_nodes_edges_roles_in_graph_order():
    L, names = expression()
    data = viz.walk(L, names, values=True)
    assert [n.id for n in data.nodes] == list(range(7))
    by_name = {n.name: n for n in data.nodes}
    assert {k: by_name[k].kind for k in "abcfedL"} == dict(
        a=PARAM, b=PARAM, c=PARAM, f=PARAM, e=OP, d=OP, L=OP)
    assert (by_name["e"].op, by_name["d"].op, by_name["L"].op) == ("Mul", "Add", "Mul")
    assert data.roots == [by_name["L"].id] and by_name["L"].output
    assert sum(n.output for n in data.nodes) == 1
    assert len(data.edges) == 6
    assert all(src < dst for src, dst in data.edges)          # inputs come first
    pairs = {(data.node(s).name, data.node(d).name) for s, d in data.edges}
    assert pairs == {("a", "e"), ("b", "e"), ("e", "d"), ("c", "d"), ("d", "L"), ("f", "L")}
    assert by_name["e"].shape == () and by_name["e"].dtype == "float32"
    assert float(by_name["e"].value) == -6.0 and float(by_name["L"].value) == -8.0
    assert by_name["e"].grad is None                          # no backward yet


def test_walk_unnamed_leaf_is_an_input_and_values_come_from_grads():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    data = viz.walk(y, values=True)
    leaf = data.nodes[0]
    assert leaf.kind == INPUT and leaf.name is None
    np.testing.assert_allclose(leaf.grad, [2.0, 4.0])
    np.testing.assert_allclose(leaf.value, [1.0, 2.0])


def test_walk_is_deterministic_and_independent_of_id():
    a, _ = mlp_loss()
    b, _ = mlp_loss()
    da, db = viz.walk(a), viz.walk(b)
    assert [(n.id, n.kind, n.op, n.shape, n.scope) for n in da.nodes] == \
           [(n.id, n.kind, n.op, n.shape, n.scope) for n in db.nodes]
    assert da.edges == db.edges
    assert viz.draw_graph(a).source == viz.draw_graph(b).source


def test_walk_rejects_a_tensor_without_graph():
    with pytest.raises(ValueError, match="does not require grad"):
        viz.walk(ag.tensor([1.0]))


def test_walk_of_a_million_op_chain():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    t = time.perf_counter()
    data = viz.walk(y)
    elapsed = time.perf_counter() - t
    assert len(data.nodes) == 1_000_001 and len(data.edges) == 1_000_000
    assert data.nodes[0].kind == INPUT and data.nodes[-1].output
    assert data.edges[0] == (0, 1) and data.edges[-1] == (999_999, 1_000_000)
    assert elapsed < 60, f"walking 1,000,000 ops took {elapsed:.1f} s"


def test_topological_order_puts_every_parent_first_in_a_diamond_lattice():
    x = ag.tensor(1.0, requires_grad=True)
    layer = [x * float(i) for i in range(4)]
    for _ in range(5):
        layer = [layer[i] + layer[(i + 1) % 4] for i in range(4)]
    root = sum(layer[1:], layer[0])
    order = topological_order([root._node])
    pos = {n: i for i, n in enumerate(order)}
    assert all(pos[p] < pos[n] for n in order for p in n.parents if p is not None)
    assert len(order) == 1 + 4 + 20 + 3


def test_params_from_a_module_name_leaves_and_set_their_scope():
    loss, model = mlp_loss()
    data = viz.walk(loss, model)
    params = {n.name: n for n in data.nodes if n.kind == PARAM}
    assert set(params) == {name for name, _ in model.named_parameters()}
    assert params["block.0.weight"].scope == "block.0"
    assert params["block.0.weight"].shape == (4, 5)
    scopes = {n.scope for n in data.nodes if n.kind == OP}
    assert {"fc1", "act", "block.0", "block.1", "head"} <= scopes
    assert data.modules["block"] == "Sequential" and data.modules["head"] == "Linear"


def test_collapse_modules_counts_ops_and_keeps_edges_between_modules():
    loss, model = mlp_loss()
    full = viz.walk(loss, model)
    data = viz.collapse_modules(full)
    modules = {n.name: n for n in data.nodes if n.kind == MODULE}
    assert set(modules) == {"fc1", "act", "block.0", "block.1", "head"}
    ops = lambda scope: sum(1 for n in full.nodes if n.kind == OP and n.scope == scope)  # noqa
    assert all(m.count == ops(name) for name, m in modules.items())
    assert [p.name for p in modules["fc1"].members] == ["fc1.weight", "fc1.bias"]
    assert modules["fc1"].shape == (8, 5)                    # the tensor leaving fc1
    chain = [(data.node(s).name, data.node(d).name) for s, d in data.edges
             if data.node(s).kind == MODULE and data.node(d).kind == MODULE]
    assert chain == [("fc1", "act"), ("act", "block.0"), ("block.0", "block.1"),
                     ("block.1", "head")]
    assert not any(n.kind == PARAM for n in data.nodes)
    shallow = viz.collapse_modules(full, depth=1)
    assert {n.name for n in shallow.nodes if n.kind == MODULE} == {"fc1", "act", "block", "head"}
    assert next(n for n in shallow.nodes if n.name == "block").count == \
        ops("block.0") + ops("block.1")


def test_elide_keeps_both_ends_and_counts_the_middle():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(99):
        y = y * 1.5
    data = viz.elide(viz.walk(y), 20)
    assert len(data.nodes) == 20
    marker = [n for n in data.nodes if n.kind == ELIDED]
    assert len(marker) == 1 and marker[0].count == 100 - 19 == data.elided
    assert data.nodes[0].id == 0 and data.nodes[-1].id == 99 and data.nodes[-1].output
    assert (9, marker[0].id) in data.edges and (marker[0].id, 91) in data.edges
    source = viz.draw_graph(y, max_nodes=20).source
    assert "81 nodes elided" in source and len(edge_lines(source)) == 19


# --- DOT --------------------------------------------------------------------------------------
def test_draw_graph_dot_has_nodes_labels_colours_and_legend():
    L, names = expression()
    source = viz.draw_graph(L, names, rankdir="LR").source
    assert len(re.findall(r"^\tn\d+ \[label=", source, re.M)) == 7
    assert len(edge_lines(source)) == 6
    assert "rankdir=LR" in source
    assert "<b>e = Mul</b>" in source and "<b>L = Mul</b>" in source
    assert "data -6.0000" in source and "data 2.0000" in source        # micrograd style
    assert "grad" not in source.split("legend")[0].replace("gradient", "")  # none yet
    out = re.search(r"^\tn6 \[.*$", source, re.M).group(0)
    assert 'bgcolor="#d4edc9"' in out and 'border="2"' in out          # the output
    leaf = re.search(r"^\tn0 \[.*$", source, re.M).group(0)
    assert 'bgcolor="#cfe3f7"' in leaf                                 # a parameter
    legend = source[source.index("<b>legend</b>"):]
    assert "parameter" in legend and "output" in legend
    assert "module" not in legend and "saved" not in legend          # roles not present


def test_values_show_grads_after_backward_under_recording():
    L, names = expression()
    with viz.record_gradient_flow():
        L.backward()
    source = viz.draw_graph(L, names).source
    for text in ("grad 6.0000", "grad -4.0000", "grad -2.0000", "grad 4.0000", "grad 1.0000"):
        assert text in source
    assert "grad" not in viz.draw_graph(L, names, show_values=False).source.replace(
        "gradient", "")


def test_show_saved_draws_buffers_until_backward_frees_them():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).exp().sum()
    data = viz.walk(y, saved=True)
    owners = sorted({data.node(i).op for i, _, _ in data.saved})
    assert owners == ["Exp", "Mul"]
    source = viz.draw_graph(y, show_saved=True).source
    assert len(re.findall(r"^\ts\d+ -> n\d+ \[style=dashed", source, re.M)) == len(data.saved) == 3
    assert "buffer saved for backward" in source
    y.backward()
    assert viz.walk(y, saved=True).saved == []
    assert "s0" not in viz.draw_graph(y, show_saved=True).source


def test_group_by_module_makes_nested_clusters():
    loss, model = mlp_loss()
    source = viz.draw_graph(loss, model, group_by="module").source
    labels = re.findall(r"label=<<b>([^<]*)</b>(?: \(([^)]*)\))?> style=\"rounded,dashed\"", source)
    assert [name for name, _ in labels] == ["fc1", "act", "block", "block.0", "block.1", "head"]
    assert dict(labels)["block"] == "Sequential" and dict(labels)["block.1"] == "Tanh"
    assert cluster_depths(source) == {"fc1": 1, "act": 1, "block": 1, "block.0": 2,
                                      "block.1": 2, "head": 1}
    # every parameter sits in its own module's cluster
    fc1 = source[source.index("<b>fc1</b>"):source.index("<b>act</b>")]
    assert "<b>fc1.weight</b>" in fc1 and "<b>fc1.bias</b>" in fc1
    flat = viz.draw_graph(loss, model, group_by="module", depth=1).source
    assert "<b>block.0</b>" not in flat and flat.count("subgraph cluster_") == 4


def test_collapsed_picture_has_one_node_per_module_with_op_count():
    loss, model = mlp_loss()
    source = viz.draw_graph(loss, model, collapse=True).source
    assert "<b>fc1 (Linear)</b>" in source and "<b>head (Linear)</b>" in source
    assert "1 op · weight, bias" in source
    assert 'label=<8×5>' in source                          # edges carry shapes
    assert "fc1.weight" not in source.split("label=<<table border=\"0\"")[0]
    one = viz.draw_graph(loss, model, collapse=True, depth=1).source
    assert "<b>block (Sequential)</b>" in one and "2 ops" in one


HOSTILE = ['a" -> b [color=red]', "<b>bold</b>", "x > y", "{rec|ord}", "new\nline",
           "back\\slash", "amp & ersand", "]", "\\N\\G", "ends with\\"]


def hostile_graph():
    tensors = {name: ag.tensor([float(i)], requires_grad=True) for i, name in enumerate(HOSTILE)}
    total = sum(tensors.values(), ag.tensor([0.0]))
    return total, dict(tensors, **{'out" [shape=star]': total})


def test_hostile_names_are_escaped_everywhere():
    total, params = hostile_graph()
    source = viz.draw_graph(total, params).source
    # Tooltips are quoted with only " escaped (a user's backslash becomes '∖'); blank
    # them out with a regex that would run past a badly escaped quote: no raw name is left.
    assert 'tooltip="a\\" -> b [color=red] |' in source
    assert 'tooltip="ends with∖ |' in source and 'tooltip="∖N∖G |' in source
    labels = re.sub(r'tooltip="(?:[^"\\\n]|\\.)*"', 'tooltip=""', source)
    for bad in ("[color=red]", '" -> b', "<b>bold</b>", "x > y", "\nline", 'out" [shape'):
        assert bad not in labels, bad
    assert "<b>{rec|ord}</b>" in labels            # plain text in an HTML-like label
    assert "a&quot; -&gt; b &#91;color=red&#93;" in source
    assert "&lt;b&gt;bold&lt;/b&gt;" in source
    assert "<b>new\\\\nline</b>" in source           # a visible \n, doubled for Graphviz
    assert "<b>back\\\\slash</b>" in source and "<b>\\\\N\\\\G</b>" in source
    assert len(edge_lines(source)) == 2 * len(HOSTILE) - 1     # leaf -> add, add -> add
    # custom-op names are user strings too
    class Evil(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    Evil.__name__ = 'E<v>il" ]'
    y = Evil.apply(params[HOSTILE[0]])
    src = viz.draw_graph(y).source
    assert "E&lt;v&gt;il&quot; &#93;" in src and 'E<v>il"' not in src


def test_bad_options_raise_clear_errors():
    L, names = expression()
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(L, rankdir="UP")
    with pytest.raises(ValueError, match="group_by"):
        viz.draw_graph(L, group_by="layer")
