"""The two pictures: ``draw_graph`` (what produced a tensor) and ``draw_gradient_flow``
(how the gradient flowed back through it). Each walks the graph into plain data
(``walk``), reshapes it (``collapse_modules``, ``elide``) and writes DOT (``dot``)."""
import math

from autograd.tensor import Tensor
from autograd.errors import ArgumentError

from .dot import GraphStyle, digraph, dot_lines
from .flow import FlowStyle, parameter_stats, table_html
from .stats import VALUE_LIMIT, Thresholds, grad_stats
from .walk import (INPUT, OP, PARAM, GraphData, NodeData, collapse_modules, elide,
                   fold_repeats, module_types, named_tensors, walk)

AUTO_VALUES = 60      # show_values=None: values in graphs of at most this many nodes...


def _tiny(data):
    """...where every tensor is tiny: micrograd's scalar graphs, not a network's."""
    return len(data.nodes) <= AUTO_VALUES and all(
        math.prod(n.shape) <= VALUE_LIMIT for n in data.nodes if n.kind in (OP, PARAM, INPUT))


def graph_data(root, params=None, *, show_saved=False, max_nodes=2000, collapse=False,
               depth=None, values=True, fold_repeated=False):
    """The GraphData that draw_graph draws (for tests and custom drawing)."""
    data = walk(root, params, values=values, saved=show_saved)
    if fold_repeated:
        data = fold_repeats(data)
    if collapse:
        data = collapse_modules(data, depth)
    return elide(data, max_nodes)


def draw_graph(root, params=None, *, rankdir="TB", show_saved=False, show_values=None,
               max_nodes=2000, group_by=None, collapse=False, depth=None, legend=True,
               title=None, fold_repeated=False):
    """A graphviz.Digraph of everything that produced `root` (a Tensor or a list).

    params: names for tensors, {name: Tensor} or a Module (its named_parameters());
        intermediate tensors may be named too, and show their name and value.
    rankdir: "TB" (inputs at the top), "LR", "BT" or "RL".
    show_saved: draw the buffers ops saved for backward (before backward frees them).
    show_values: data and grad on tensors of at most 4 elements (micrograd's
        ``data | grad``); None shows them in graphs of at most 60 nodes where every
        tensor is that small.
    max_nodes: draw the first and last max_nodes/2 nodes and one node saying how many
        were elided in between; None draws everything.
    group_by="module": one cluster per module (from the scopes nn records).
    collapse: one node per module with its op count (implies group_by="module").
    depth: module nesting levels to show; deeper modules merge into their ancestor.
    fold_repeated: draw a run of identical sibling modules (a transformer's blocks
        h.0 ... h.11) once, labelled "×12" (see viz.fold_repeats).
    Where a module's residual adds chain (a transformer block), its two branches are
    drawn side by side between them and the residual stream in one column.
    """
    data = graph_data(root, params, show_saved=show_saved, max_nodes=max_nodes,
                      collapse=collapse, depth=depth, fold_repeated=fold_repeated)
    values = _tiny(data) if show_values is None else show_values
    lines = dot_lines(data, GraphStyle(values), "module" if collapse else group_by, depth,
                      legend, title=title)
    return digraph(lines, rankdir)


def draw_gradient_flow(root, params=None, *, thresholds=None, table=True, rankdir="TB",
                       show_values=False, max_nodes=2000, group_by=None, collapse=False,
                       depth=None, legend=True, title=None, fold_repeated=False):
    """The graph of `root` coloured by the gradient that flowed back through it.

    Call after ``loss.backward()``. Internal gradients are drawn only if that backward
    ran inside ``viz.record_gradient_flow()``; leaves always show their ``.grad``.
    `root` may also be a Module: then its parameters are drawn, grouped by module.
    thresholds: a ``viz.Thresholds`` (vanishing, exploding, zero) for the flags.
    table: add the per-parameter table (name, shape, ‖w‖, ‖grad‖, ratio, zeros).
    Other options as ``draw_graph``."""
    thresholds = thresholds or Thresholds()
    if isinstance(root, (Tensor, list, tuple)):
        data = graph_data(root, params, max_nodes=max_nodes, collapse=collapse, depth=depth,
                          values=show_values, fold_repeated=fold_repeated)
    elif hasattr(root, "named_parameters"):
        params = params or root
        data = _parameter_data(params)
        group_by = "module"
    else:
        raise ArgumentError(f"draw_gradient_flow: expected a Tensor (the loss) or a Module, got "
                        f"{type(root).__name__}")
    if not any(n.stats is not None for n in data.nodes):
        raise ArgumentError("draw_gradient_flow: no gradients to draw; call loss.backward() "
                         "first (inside viz.record_gradient_flow() to see the gradients of "
                         "every op, not only of the parameters)")
    style = FlowStyle(data, thresholds, show_values)
    extra = []
    if table:
        named = [(k, t) for k, t in named_tensors(params).items() if t.is_leaf]
        if named:
            extra.append(table_html(parameter_stats(named, thresholds, style.reference)))
    lines = dot_lines(data, style, "module" if collapse else group_by, depth, legend, extra,
                      title)
    return digraph(lines, rankdir)


def _parameter_data(model):
    """GraphData of a model's parameters only (no graph): one PARAM node each."""
    nodes = []
    for i, (name, p) in enumerate(named_tensors(model).items()):
        n = NodeData(i, PARAM, "parameter", name, tuple(p.shape), str(p.dtype))
        n.scope = name.rsplit(".", 1)[0] if "." in name else None
        n.stats = grad_stats(p.grad.data, units=False) if p.grad is not None else None
        nodes.append(n)
    return GraphData(nodes, [], [], modules=module_types(model))
