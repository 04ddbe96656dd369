"""viz: byte-identical DOT (golden files), and rendering through Graphviz's `dot`.

Set GRADGRAPH_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change,
then look at the diff."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import autograd as ag
import nn
import viz
import viz.render
from test_viz import expression, hostile_graph

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed "
                                      "(apt-get install graphviz); CI installs it")


def check_golden(name, text):
    path = os.path.join(GOLDEN, name)
    if os.environ.get("GRADGRAPH_UPDATE_GOLDEN"):
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    with open(path, encoding="utf-8", newline="\n") as f:
        expected = f.read()
    assert text == expected, f"DOT differs from {path}; rerun with GRADGRAPH_UPDATE_GOLDEN=1 " \
                             f"if the change is intended"


def small_model():
    """A two-layer model with fixed weights, its loss, after a recorded backward."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with ag.no_grad():
        model[0].weight.data[...] = (np.arange(12).reshape(4, 3) - 5.5) / 8
        model[0].bias.data[...] = [0.5, -0.25, 0.0, 0.125]
        model[2].weight.data[...] = (np.arange(8).reshape(2, 4) - 3.5) / 4
        model[2].bias.data[...] = [0.0, 0.5]
    x = ag.tensor([[1.0, -1.0, 0.5], [0.25, 2.0, -1.5]])
    loss = nn.functional.cross_entropy(model(x), ag.tensor([0, 1]))
    with viz.record_gradient_flow():
        loss.backward()
    return loss, model


def test_golden_expression_dot():
    L, names = expression()
    with viz.record_gradient_flow():
        L.backward()
    check_golden("expression.dot", viz.draw_graph(L, names, rankdir="LR").source)


def test_golden_gradient_flow_dot():
    loss, model = small_model()
    check_golden("small_model_flow.dot",
                 viz.draw_gradient_flow(loss, model, group_by="module").source)
    again, model2 = small_model()
    assert viz.draw_gradient_flow(again, model2, group_by="module").source == \
        viz.draw_gradient_flow(loss, model, group_by="module").source


def test_save_writes_dot_and_refuses_unknown_extensions(tmp_path):
    L, names = expression()
    g = viz.draw_graph(L, names)
    written = viz.save(g, tmp_path / "sub" / "graph.dot")
    assert written == [str(tmp_path / "sub" / "graph.dot")]
    assert open(written[0], encoding="utf-8").read() == g.source
    with pytest.raises(ValueError, match="extension"):
        viz.save(g, tmp_path / "graph.jpeg")


def test_save_without_dot_warns_naming_the_program_and_keeps_the_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.render.shutil, "which", lambda name: None)
    L, names = expression()
    with pytest.warns(viz.GraphvizMissingWarning, match="Graphviz program `dot`"):
        written = viz.save(viz.draw_graph(L, names), tmp_path / "graph.svg")
    assert written == [str(tmp_path / "graph.dot")]
    assert os.path.exists(tmp_path / "graph.dot") and not os.path.exists(tmp_path / "graph.svg")


@needs_dot
def test_save_renders_svg_png_pdf(tmp_path):
    loss, model = small_model()
    g = viz.draw_gradient_flow(loss, model, group_by="module")
    for ext, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")):
        written = viz.save(g, tmp_path / f"flow.{ext}")
        assert written == [str(tmp_path / "flow.dot"), str(tmp_path / f"flow.{ext}")]
        with open(written[1], "rb") as f:
            assert f.read(5).startswith(magic)
    svg = open(tmp_path / "flow.svg", encoding="utf-8").read()
    assert svg.count('class="node"') == 5 + 4            # ops + parameters
    assert svg.count('class="cluster"') == 3
    assert "0.weight" in svg and "gradient flow" in svg


@needs_dot
def test_dot_parses_hostile_names_into_exactly_the_intended_graph():
    total, params = hostile_graph()
    source = viz.draw_graph(total, params).source
    out = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         check=True).stdout
    parsed = json.loads(out)
    names = [o["name"] for o in parsed["objects"]]
    assert names == [f"n{i}" for i in range(len(names))] and len(names) == 20
    assert len(parsed["edges"]) == 19
    assert not any(o.get("color") == "red" or o.get("shape") == "star"
                   for o in parsed["objects"] + parsed["edges"])


@needs_dot
def test_bad_dot_text_raises_with_dot_error(tmp_path):
    with pytest.raises(RuntimeError, match="dot -Tsvg"):
        viz.save("digraph { a -> }", tmp_path / "broken.svg")
