"""viz: gradient statistics, flags, the gradient-flow picture, the parameter table, the
recorder."""
import math
import re

import numpy as np
import pytest

import autograd as ag
import nn
import viz
from autograd import graph
from autograd.state import stats_hook
from viz.stats import EXPLODING, NONFINITE, VANISHING, ZERO
from viz.walk import PARAM


def node_line(source, label):
    """The DOT line of the node whose bold title is `label`."""
    return next(line for line in source.splitlines() if f"<b>{label}</b>" in line)


# --- statistics -------------------------------------------------------------------------------
def test_grad_stats_numbers():
    g = np.array([[3.0, 0.0, 0.0], [-4.0, 0.0, 0.0]], dtype=np.float32)
    s = viz.grad_stats(g)
    assert s.norm == pytest.approx(5.0) and s.max_abs == 4.0
    assert s.zero_fraction == pytest.approx(4 / 6)
    assert s.dead_fraction == pytest.approx(2 / 3)       # units 1 and 2 are zero for all rows
    assert s.nonfinite == 0 and s.size == 6
    assert s.values is None                               # 6 elements: more than 4
    np.testing.assert_array_equal(viz.grad_stats(g[0, :2]).values, [3.0, 0.0])
    assert viz.grad_stats(g, units=False).dead_fraction == pytest.approx(4 / 6)
    bad = viz.grad_stats(np.array([1.0, np.nan, np.inf, -2.0]))
    assert bad.nonfinite == 2 and bad.norm == pytest.approx(math.sqrt(5)) and bad.max_abs == 2
    big = viz.grad_stats(np.full(4, 3e19, np.float32))   # float32 sum of squares overflows
    assert big.nonfinite == 0 and big.norm == pytest.approx(6e19, rel=1e-6)
    assert viz.grad_stats(np.ones(100)).values is None


def test_recording_is_off_by_default_and_a_context_manager_restores_it():
    assert stats_hook() is None and not viz.is_recording()
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    y = (x * 3.0).sum()
    with viz.record_gradient_flow():
        assert viz.is_recording()
        y.backward()
    assert stats_hook() is None
    node = y._node
    assert node.saved is None or node.saved == ()        # released by the backward...
    assert node.grad_stats.norm == 1.0                   # ...the stats stay
    mul = node.parents[0]
    assert mul.grad_stats.norm == pytest.approx(math.sqrt(2))
    z = (x * 3.0).sum()
    z.backward()
    assert getattr(z._node, "grad_stats", None) is None  # not recorded outside
    viz.record_gradient_flow()                           # a plain call switches it on
    try:
        assert viz.is_recording()
    finally:
        viz.record_gradient_flow(False)
    assert stats_hook() is None


def flagged_graph():
    """A graph with a dead ReLU, a NaN, a vanishing and an exploding path."""
    rng = np.random.default_rng(0)
    params = {
        "dead.w": ag.tensor(rng.standard_normal((4, 3)), requires_grad=True),
        "nan.w": ag.tensor([-1.0, 2.0], requires_grad=True),
        "tiny.w": ag.tensor([1.0, 2.0, 3.0], requires_grad=True),
        "huge.w": ag.tensor([1.0, -1.0], requires_grad=True),
        "ok.w": ag.tensor([0.5, -0.5], requires_grad=True),
    }
    x = ag.tensor(rng.standard_normal((5, 4)))
    with np.errstate(invalid="ignore"):
        dead = ((x @ params["dead.w"]) - 100.0).relu().sum()        # every unit dead
        nan = (params["nan.w"].log() * params["nan.w"]).sum()     # d/dw = log(w) + 1
    tiny = (params["tiny.w"] * 1e-9).sum()                         # d/dw = 1e-9
    huge = (params["huge.w"] * 1e5).sum()                          # d/dw = 1e5
    ok = (params["ok.w"] * params["ok.w"]).sum()
    loss = dead + nan + tiny + huge + ok
    return loss, params


def test_flags_for_dead_relu_nan_vanishing_and_exploding():
    loss, params = flagged_graph()
    with viz.record_gradient_flow(), np.errstate(invalid="ignore"):
        loss.backward()
    rows = {r["name"]: r for r in viz.parameter_stats(params.items())}
    assert rows["dead.w"]["flags"] == (ZERO,) and rows["dead.w"]["zero_fraction"] == 1.0
    assert rows["nan.w"]["flags"][0] == NONFINITE and rows["nan.w"]["nonfinite"] == 1
    assert rows["tiny.w"]["flags"] == (VANISHING,)
    assert rows["huge.w"]["flags"] == (EXPLODING,)
    assert rows["ok.w"]["flags"] == ()
    assert rows["ok.w"]["grad_norm"] == pytest.approx(math.sqrt(2))
    assert rows["ok.w"]["ratio"] == pytest.approx(2.0)
    # inside the graph: the Sub feeding the dead ReLU gets an all-zero gradient
    data = viz.walk(loss, params)
    sub = next(n for n in data.nodes if n.op == "Sub")
    assert sub.stats.norm == 0 and sub.stats.dead_fraction == 1.0
    log = next(n for n in data.nodes if n.op == "Log")
    assert log.stats.nonfinite == 0 and log.stats.norm > 0   # NaN arises below the Mul
    assert next(n for n in data.nodes if n.name == "nan.w").stats.nonfinite == 1

    source = viz.draw_gradient_flow(loss, params).source
    assert 'color="#d62728"' in node_line(source, "nan.w") and "1 NaN/Inf" in source
    assert "ZERO" in node_line(source, "dead.w") and "rounded,dashed" in node_line(source, "dead.w")
    assert "VANISHING" in node_line(source, "tiny.w")
    assert "EXPLODING" in node_line(source, "huge.w")
    assert not re.search("ZERO|VANISHING|EXPLODING|NaN", node_line(source, "ok.w"))
    # ... and in the table inside the picture
    table = source[source.index("<b>name</b>"):]
    assert "exploding" in table and "vanishing" in table and "NaN/Inf" in table
    # thresholds are configurable
    relaxed = viz.Thresholds(vanishing=1e-12, exploding=1e6, zero=1.0)
    src = viz.draw_gradient_flow(loss, params, thresholds=relaxed).source
    assert "VANISHING" not in node_line(src, "tiny.w") and "EXPLODING" not in src
    assert "ZERO" in node_line(src, "dead.w")             # an all-zero gradient still is


def test_flags_are_relative_to_the_root_gradient():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * 2.0).sum()
    with viz.record_gradient_flow():
        loss.backward(ag.tensor(1e-9))          # the whole gradient is scaled down alike
    source = viz.draw_gradient_flow(loss, {"w": w}).source
    assert "VANISHING" not in source and "‖g‖ at the root: 1e-9" in source
    v = ag.tensor([1.0, 2.0], requires_grad=True)
    (v * 1e-9).sum().backward()
    assert viz.parameter_stats([("v", v)])[0]["flags"] == (VANISHING,)


def test_dead_units_are_told_apart_from_sparse_gradients():
    """Through indexing most entries get no gradient, but every unit still gets some."""
    x = ag.tensor(np.ones((8, 4)), requires_grad=True)
    y = x[np.arange(8), np.arange(8) % 4].sum()
    with viz.record_gradient_flow():
        y.backward()
    s = viz.walk(y).nodes[0].stats                          # the leaf: entries as units
    assert s.zero_fraction == 0.75
    inner = x * 1.0
    z = inner[np.arange(8), np.arange(8) % 4].sum()
    with viz.record_gradient_flow():
        z.backward()
    mul = next(n for n in viz.walk(z).nodes if n.op == "Mul")
    assert mul.stats.zero_fraction == 0.75 and mul.stats.dead_fraction == 0.0
    assert ZERO not in viz.stats.flags(mul.stats, 1.0, viz.Thresholds())
    # cross-entropy on a batch of 4 with 10 classes: 6 classes get no gradient at all,
    # but only because indexing picked the other 4: not flagged
    logits = ag.tensor(np.zeros((4, 10)), requires_grad=True)
    loss = nn.functional.cross_entropy(logits * 1.0, ag.tensor([0, 1, 2, 3]))
    with viz.record_gradient_flow():
        loss.backward()
    data = viz.walk(loss)
    log_softmax = next(n for n in data.nodes if n.op == "LogSoftmax")
    assert log_softmax.indexed and log_softmax.stats.dead_fraction == 0.6
    assert ZERO not in viz.stats.flags(log_softmax.stats, 1.0, viz.Thresholds(), indexed=True)
    source = viz.draw_gradient_flow(loss).source
    assert "ZERO" not in source and "% dead" not in source   # nor "60% dead" in its label


def test_gradient_flow_after_a_plain_backward_shows_leaves_and_says_what_is_missing():
    loss, params = flagged_graph()
    with np.errstate(invalid="ignore"):
        loss.backward()                                       # no recording
    data = viz.walk(loss, params)
    assert not data.recorded
    assert all(n.stats is not None for n in data.nodes if n.kind == PARAM)
    source = viz.draw_gradient_flow(loss, params).source
    assert "gradient not recorded" in source and "viz.record_gradient_flow()" in source
    assert "EXPLODING" in node_line(source, "huge.w")


def test_gradient_flow_colour_and_width_follow_the_log_norm():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    loss = (a * 1e-3).sum() + (b * 10.0).sum()
    with viz.record_gradient_flow():
        loss.backward()
    source = viz.draw_gradient_flow(loss, {"a": a, "b": b}, table=False).source
    widths = {int(m.group(1)): float(m.group(2))
              for m in re.finditer(r"n(\d+) -> n\d+ \[color=\"#[0-9a-f]{6}\" penwidth=([\d.]+)",
                                   source)}
    data = viz.walk(loss, {"a": a, "b": b})
    ids = {n.name: n.id for n in data.nodes if n.name}
    assert widths[ids["b"]] > widths[ids["a"]]
    assert widths[ids["b"]] == pytest.approx(5.0)             # the largest gradient
    assert widths[ids["a"]] == pytest.approx(0.6)             # the smallest
    assert "<b>name</b>" not in source                        # table=False


def test_gradient_flow_of_a_model_and_the_collapsed_picture():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Sigmoid(),
                          nn.Linear(8, 2))
    loss = nn.functional.cross_entropy(model(ag.randn(16, 4)), ag.tensor(np.arange(16) % 2))
    with viz.record_gradient_flow():
        loss.backward()
    source = viz.draw_gradient_flow(model).source              # parameters only
    assert len(re.findall(r"^\tn\d+ \[", source, re.M)) == 6
    assert source.count("subgraph cluster_") == 3
    collapsed = viz.draw_gradient_flow(loss, model, collapse=True).source
    assert "<b>0 (Linear)</b>" in collapsed and "‖g‖ at output" in collapsed
    assert "weight: ‖g‖" in collapsed
    with pytest.raises(ValueError, match="no gradients"):
        fresh = nn.Linear(2, 2)
        viz.draw_gradient_flow(fresh(ag.randn(1, 2)).sum(), fresh)
    with pytest.raises(TypeError):
        viz.draw_gradient_flow(3.0)


def test_parameter_table_text():
    ag.manual_seed(0)
    model = nn.Linear(3, 2)
    model(ag.randn(4, 3)).sum().backward()
    text = viz.parameter_table(model)
    lines = text.splitlines()
    assert lines[0].split() == ["name", "shape", "‖w‖", "‖grad‖", "‖grad‖/‖w‖", "zero", "flags"]
    assert set(lines[1]) <= {"-", " "}
    w = model.weight
    norm = float(np.linalg.norm(w.data))
    gnorm = float(np.linalg.norm(w.grad.data))
    assert lines[2].split()[:5] == ["weight", "2×3", viz.dot.fmt_num(norm),
                                    viz.dot.fmt_num(gnorm), viz.dot.fmt_num(gnorm / norm)]
    assert lines[3].split()[0] == "bias"
    fresh = nn.Linear(3, 2)
    assert "no grad" in viz.parameter_table(fresh)


# --- recorder ---------------------------------------------------------------------------------
def test_recorder_logs_layer_norms_every_k_steps(tmp_path):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    rec = viz.GradientRecorder(model, every=3)
    assert list(rec.layers) == ["0", "2"]
    expected = []
    for step in range(7):
        for p in model.parameters():
            p.grad = None
        model(ag.randn(5, 3)).pow(2).mean().backward()
        recorded = rec.step()
        assert recorded == (step % 3 == 0)
        if recorded:
            expected.append(math.sqrt(sum(float(np.sum(p.grad.data.astype(np.float64) ** 2))
                                          for p in model[0].parameters())))
    assert rec.steps == [0, 3, 6]
    np.testing.assert_allclose(rec.history["0"], expected, rtol=1e-6)
    assert len(rec.table().splitlines()) == 3
    svg = rec.to_svg()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    cells = re.findall(r"<rect [^>]*><title>([^<]*)</title>", svg)
    assert len(cells) == 2 * 3 and cells[0].startswith("0, step 0:")
    assert svg.count("<polyline") == 2
    path = rec.save(tmp_path / "norms.svg")
    assert open(path).read() == svg
    per_param = viz.GradientRecorder(model, by="parameter")
    assert list(per_param.layers) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(ValueError, match="svg"):
        rec.save(tmp_path / "norms.txt")


def test_recorder_svg_escapes_layer_names_and_marks_missing_and_nonfinite():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    rec = viz.GradientRecorder({"<x>&": a, "b": b})
    a.grad = ag.tensor([np.inf])
    rec.step()
    svg = rec.to_svg()
    assert "&lt;x&gt;&amp;" in svg and "<x>&" not in svg
    assert 'fill="#d62728"' in svg and 'fill="#eeeeee"' in svg    # Inf, and no grad


@pytest.mark.parametrize("fill, shown", [(np.nan, "NaN"), (np.inf, "Inf"), (-np.inf, "Inf")])
def test_an_all_nonfinite_gradient_shows_as_such_and_is_flagged_nonfinite_only(fill, shown):
    """Issue 11, item 20: an all-NaN gradient read as '‖g‖ 0' with a ZERO flag."""
    s = viz.grad_stats(np.full((3, 2), fill))
    assert s.nonfinite == 6 and s.zero_fraction == 0.0 and s.dead_fraction == 0.0
    assert (math.isnan(s.norm) if shown == "NaN" else s.norm == math.inf)
    assert viz.stats.flags(s, 1.0, viz.Thresholds()) == (NONFINITE,)
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    x = ag.tensor(np.ones((3, 2), np.float32))
    with viz.record_gradient_flow():
        loss = (model(x) * float(fill)).sum()
        loss.backward()
    table = viz.parameter_table(model)
    row = next(line for line in table.splitlines() if line.startswith("2.bias"))
    assert shown in row and "NaN/Inf" in row and "zero" not in row.split()[-1]
    assert "0%" in row                                   # none of its entries is zero
    source = viz.draw_gradient_flow(loss, model).source
    line = node_line(source, "2.bias")        # its gradient is all NaN (or all -inf/inf)
    assert f"‖g‖ {shown}" in line and "NaN/Inf" in line and "ZERO" not in line


def test_the_recorder_tells_a_nan_gradient_from_a_missing_one():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    rec = viz.GradientRecorder(model)
    model(ag.ones(1, 2)).sum().backward()
    model[1].weight.grad = ag.tensor(np.full((1, 2), np.nan, np.float32))
    model[0].weight.grad = model[0].bias.grad = None
    rec.step()
    assert rec.history["0"] == [None] and math.isnan(rec.history["1"][0])
    row = {line.split()[0]: line.split()[1] for line in rec.table().splitlines()[1:]}
    assert row == {"0": "-", "1": "NaN"}
    svg = rec.to_svg()
    assert "0, step 0: no grad" in svg and "1, step 0: NaN" in svg
