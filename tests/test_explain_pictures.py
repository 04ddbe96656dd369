"""viz.explain pictures (matplotlib, no window) and the attribution-coloured graph."""
import sys

import numpy as np
import pytest

import autograd as ag
import nn
from viz.explain import conductance_shares, draw_attribution_graph
from viz.flow import scale_colour

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from viz.explain import plot, text  # noqa: E402


def _saved(fig, tmp_path, name):
    path = tmp_path / name
    fig.savefig(path, dpi=50)
    assert path.stat().st_size > 500
    return path


def test_normalise_clips_at_the_percentile_and_selects_the_sign():
    a = np.array([[1.0, -2.0], [3.0, 100.0]])
    n, scale = plot.normalise(a, "all", outlier_perc=30)
    assert scale == pytest.approx(np.percentile(np.abs(a), 70))
    assert n.max() == 1.0 and n.min() >= -1.0 and n[0, 0] == pytest.approx(1 / scale)
    pos, _ = plot.normalise(a, "positive", 0)
    assert pos[0, 1] == 0 and pos[1, 1] == 1.0
    neg, _ = plot.normalise(a, "negative", 0)
    np.testing.assert_allclose(neg, [[0, 1], [0, 0]])
    with pytest.raises(ag.ArgumentError, match="sign must be"):
        plot.normalise(a, "both")


def test_layouts():
    chw = np.zeros((3, 5, 6))
    assert plot.to_hw(chw).shape == (5, 6, 3)
    assert plot.to_hw(np.zeros((5, 6, 3))).shape == (5, 6, 3)
    assert plot.to_hw(np.zeros((1, 5, 6))).shape == (5, 6)
    assert plot.to_hw(np.zeros((5, 6)), "HW").shape == (5, 6)


def test_every_image_method_returns_fig_and_ax_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    img, attr = rng.random((1, 8, 8)), rng.normal(size=(1, 8, 8))
    for method in plot.METHODS:
        for sign in plot.SIGNS:
            fig, ax = plot.image_attr(attr, img, method=method, sign=sign)
            assert isinstance(fig, Figure) and isinstance(ax, Axes)
    fig, ax = plot.image_attr(attr, img, method="heat_map", sign="all", outlier_perc=0)
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, attr[0])                  # values, not rescaled
    assert ax.images[0].norm.vmin == -ax.images[0].norm.vmax     # centred on zero
    _saved(fig, tmp_path, "heat.png")
    with pytest.raises(ag.ArgumentError, match="needs the image"):
        plot.image_attr(attr, None, method="blended_heat_map")
    assert "matplotlib.pyplot" not in sys.modules or not sys.modules["matplotlib.pyplot"].get_fignums()


def test_grid_curves_attention_and_tokens(tmp_path):
    rng = np.random.default_rng(1)
    imgs = rng.random((3, 1, 8, 8))
    maps = {"saliency": rng.normal(size=(3, 1, 8, 8)), "ig": rng.normal(size=(3, 1, 8, 8))}
    fig, axes = plot.image_grid(imgs, maps, titles=["a", "b", "c"])
    assert axes.shape == (3, 3)
    _saved(fig, tmp_path, "grid.png")
    from viz.explain import Curve
    c = Curve(np.linspace(0, 1, 5), rng.random((3, 5)), rng.random(3))
    fig, ax = plot.curves({"ig": c, "random": c})
    assert len(ax.lines) == 2 and "AUC" in ax.get_legend().get_texts()[0].get_text()
    fig, axes = plot.attention_maps(rng.random((2, 4, 5, 5)), tokens=list("hello"))
    assert axes.shape == (2, 4)
    _saved(fig, tmp_path, "attn.png")
    fig, ax = text.token_figure(list("ab <c"), [1.0, -0.5, 0.0, 0.2, -1.0], prediction="d",
                                probability=0.4)
    assert isinstance(ax, Axes) and len(ax.texts) == 5
    _saved(fig, tmp_path, "tokens.png")


def test_token_html_is_self_contained_and_escaped():
    page = text.token_html(["<b>", "x", " "], [2.0, -1.0, 0.0], prediction="y",
                           probability=0.25, delta=1e-9)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert "&lt;b&gt;" in page and "<b>y</b>" in page and "␣" in page
    assert "rgba(46,160,67,0.850)" in page            # the largest positive: full green
    assert "rgba(215,48,39,0.425)" in page            # half of it, negative: red
    assert "0.2500" in page and "1e-09" in page
    with pytest.raises(ValueError, match="2 tokens but 3"):
        text.token_html(["a", "b"], [1.0, 2.0, 3.0])


def test_graph_coloured_by_conductance_share():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).double()
    x = ag.randn(2, 4, dtype=ag.float64)
    shares, sums = conductance_shares(model, ["0", "1", "2"], x, target=1, n_steps=10)
    assert sum(shares.values()) == pytest.approx(1.0) and set(sums) == {"0", "1", "2"}
    out = model(x)
    g = draw_attribution_graph(out, model, {"0": shares["0"], "2": shares["2"]},
                               label="conductance share")
    src = g.source
    top = max(("0", "2"), key=shares.get)
    assert scale_colour(1.0) in src and f"conductance share {shares[top]:.1%}" in src
    assert "style=\"rounded,dashed\"" in src or "dashed" in src     # module "1" not measured
    with pytest.raises(ag.ArgumentError, match="with a graph"):
        draw_attribution_graph(out.detach(), model, {})


def test_graph_coloured_by_an_activation_statistic():
    from viz.explain import activation_statistics
    ag.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)).double()
    x = ag.randn(5, 4, dtype=ag.float64)
    stats = activation_statistics(model, x, statistic="fraction_active")
    with ag.no_grad():
        h = model[1](model[0](x)).data
    assert stats["1"] == pytest.approx((h > 0).mean()) and set(stats) == {"0", "1", "2"}
    mean_abs = activation_statistics(model, x, names=["2"])
    with ag.no_grad():
        assert mean_abs == {"2": pytest.approx(np.abs(model(x).data).mean())}
    src = draw_attribution_graph(model(x), model, stats, label="fraction active",
                                 percent=False).source
    assert "fraction active" in src
    with pytest.raises(ag.ArgumentError, match="statistic must be"):
        activation_statistics(model, x, statistic="median")
