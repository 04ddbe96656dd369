"""A pipeline's graph across ranks: one cluster per rank, send -> recv edges between.

Each rank walks its own part of the graph (``viz.walk``), prefixes every scope with
``rank<r>`` (so viz's module clusters nest inside one cluster per rank), and the
plain data is gathered (an allgather through the watchdog); rank 0 renumbers the nodes
and links each ``Send`` to the ``Recv`` with the same micro-batch tag on the next rank.
"""
from viz.dot import GraphStyle, digraph, dot_lines
from viz.walk import GraphData, topological_order, walk

from .comm import allgather_object
from .ops import Recv, Send


def label_ranks(data, rank):
    """Prefix the scopes and module names of GraphData `data` with ``rank<r>``, in place."""
    top = f"rank{rank}"
    for n in data.nodes:
        n.scope = f"{top}.{n.scope}" if n.scope else top
    data.modules = {f"{top}.{k}": v for k, v in data.modules.items()}
    data.modules[top] = f"rank {rank}"
    return data


def pipeline_graph_data(pipe, out):
    """GraphData of the whole pipeline on rank 0 (None on the other ranks): call on
    every rank with what ``pipe(x)`` returned there (before or after backward)."""
    comm, rank = pipe.comm, pipe.rank
    data = label_ranks(walk(out, params=pipe), rank)
    ends = {Send: {}, Recv: {}}
    for i, node in enumerate(topological_order([out._node])):   # walk's numbering
        if type(node) in ends:
            ends[type(node)][node.tag] = i
    # through the watchdog (a rank that never calls this ends the job, not hangs it)
    parts = allgather_object((data, ends[Send], ends[Recv]), comm,
                             "pipeline_graph_data: every rank's graph")
    return _merge(parts) if rank == 0 else None


def _merge(parts):
    nodes, edges, roots, carriers, modules = [], [], [], {}, {}
    offsets, start = [], 0
    for data, _, _ in parts:
        offsets.append(start)
        for n in data.nodes:
            n.id += start
        nodes += data.nodes
        edges += [(s + start, d + start) for s, d in data.edges]
        roots += [r + start for r in data.roots]
        carriers.update({(s + start, d + start): c for (s, d), c in data.carriers.items()})
        modules.update(data.modules)
        start += len(data.nodes)
    for r in range(len(parts) - 1):
        sends, recvs = parts[r][1], parts[r + 1][2]
        for tag, i in sends.items():
            if tag in recvs:
                src, dst = i + offsets[r], recvs[tag] + offsets[r + 1]
                edges.append((src, dst))
                carriers[(src, dst)] = nodes[dst]       # the edge carries the activation
    return GraphData(nodes, edges, roots, carriers, modules,
                     recorded=any(d.recorded for d, _, _ in parts))


def draw_pipeline(pipe, out, rankdir="LR", legend=True, title=None):
    """A graphviz.Digraph of the pipeline's graph on rank 0 (None elsewhere), one
    cluster per rank with its modules inside; save it with ``viz.save``."""
    data = pipeline_graph_data(pipe, out)
    if data is None:
        return None
    lines = dot_lines(data, GraphStyle(), group_by="module", legend=legend, title=title)
    return digraph(lines, rankdir)
