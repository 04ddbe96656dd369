"""Pictures of a transformer (examples/gpt.py): residual adds kept in the collapsed
picture, attention and MLP side by side between them, identical blocks folded into one
drawn "×n". Asserts on the walk data and the DOT text."""
import pathlib
import re
import sys

import numpy as np

import autograd as ag
import nn
import viz
from viz.dot import residual_layout
from viz.walk import MODULE, OP

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
from gpt import GPT, GPTConfig  # noqa: E402


def gpt_loss(n_layer=3, widths=None):
    ag.manual_seed(0)
    model = GPT(GPTConfig(block_size=8, vocab_size=13, n_layer=n_layer, n_head=2, n_embd=8))
    idx = ag.tensor(np.random.default_rng(0).integers(0, 13, (2, 8)))
    return model(idx, idx)[1], model


def test_collapsed_block_keeps_its_residual_adds_as_ops():
    loss, model = gpt_loss(2)
    data = viz.collapse_modules(viz.walk(loss, model))
    modules = {n.name for n in data.nodes if n.kind == MODULE}
    assert "transformer.h.0.attn" in modules and "transformer.h.1.mlp.c_fc" in modules
    assert not {"transformer.h.0", "transformer.h.1"} & modules       # no "Block (2 ops)"
    adds = [n for n in data.nodes if n.kind == OP and n.scope == "transformer.h.0"]
    assert [n.op for n in adds] == ["Add", "Add"]


def test_residual_layout_puts_the_mlp_beside_the_attention():
    loss, model = gpt_loss(2)
    data = viz.collapse_modules(viz.walk(loss, model))
    loose, hidden, spine = residual_layout(data)
    name = {n.id: n.name or n.op for n in data.nodes}
    scope = {n.id: n.scope for n in data.nodes}
    # per block: the first add's edge into ln_2 sets no rank; ln_2 hangs from the
    # block's input instead (the embeddings' sum, then block 0's second add)
    assert sorted(name[d] for _, d in loose) == ["transformer.h.0.ln_2", "transformer.h.1.ln_2"]
    assert all(name[s] == "Add" and scope[s].endswith(("h.0", "h.1")) for s, _ in loose)
    inputs = {name[d]: (name[a], scope[a]) for a, d in hidden}
    assert inputs["transformer.h.0.ln_2"] == ("Add", "")       # the root module's own op
    assert inputs["transformer.h.1.ln_2"] == ("Add", "transformer.h.0")
    assert len(spine) == 5                        # embeddings' sum + two adds per block
    source = viz.draw_graph(loss, model, collapse=True).source
    assert source.count("constraint=false") == 2 and source.count("style=invis") == 2
    assert source.count("[group=residual]") == 5
    flat = viz.draw_graph(loss, model).source     # not grouped: no layout hints
    assert "constraint=false" not in flat and "group=residual" not in flat


def test_fold_repeats_draws_identical_blocks_once():
    loss, model = gpt_loss(3)
    full = viz.walk(loss, model)
    data = viz.fold_repeats(full)
    assert data.repeats == {"transformer.h.0": ("transformer.h.2", 3)}
    per_block = sum(1 for n in full.nodes if (n.scope or "").startswith("transformer.h.1"))
    assert per_block > 20 and len(data.nodes) == len(full.nodes) - 2 * per_block
    assert not any((n.scope or "").startswith(("transformer.h.1", "transformer.h.2"))
                   for n in data.nodes)
    ids = {n.id for n in data.nodes}
    assert all(s in ids and d in ids for s, d in data.edges)
    # block 0's second add now feeds ln_f (as block 2's did); nothing feeds block 0 twice
    by_id = {n.id: n for n in data.nodes}
    into_ln_f = [by_id[s] for s, d in data.edges if by_id[d].scope == "transformer.ln_f"
                 and by_id[s].kind == OP and by_id[s].scope != "transformer.ln_f"]
    assert [(n.op, n.scope) for n in into_ln_f] == [("Add", "transformer.h.0")]
    assert len(data.edges) == len(set(data.edges))
    source = viz.draw_graph(loss, model, collapse=True, fold_repeated=True).source
    assert "(Block ×3: h.0 … h.2)" in source
    assert not re.search(r"transformer\.h\.[12]", source)
    assert viz.draw_graph(loss, model, fold_repeated=True, group_by="module").source.count(
        "subgraph cluster") < viz.draw_graph(loss, model, group_by="module").source.count(
        "subgraph cluster")


def test_fold_repeats_leaves_different_siblings_alone():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 3), nn.Linear(3, 3))
    loss = model(ag.randn(2, 4)).sum()
    full = viz.walk(loss, model)
    data = viz.fold_repeats(full)
    assert data.repeats == {"0": ("1", 2)}        # 0 and 1 alike; 2 and 3 differ in shape
    assert {n.scope for n in data.nodes} >= {"0", "2", "3"}
    assert "1" not in {n.scope for n in data.nodes}
    single = viz.fold_repeats(viz.walk(nn.Linear(3, 2)(ag.randn(2, 3)).sum()))
    assert single.repeats == {}
