"""Plain graph data to DOT: labels, colours, clusters, legend.

Every string that can come from a user (parameter, module and custom op names) goes
through ``html`` (labels) or ``quoted`` (attributes), so no name can break or inject
into the DOT. Node names in the DOT are ``n<id>`` from graph order, so the same graph
always gives byte-identical text.
"""
import math

import graphviz
import numpy as np

from autograd.errors import ArgumentError

from .walk import ELIDED, INPUT, MODULE, OP, PARAM, module_label, truncate_scope

FONT = "Helvetica"

# (fill, border) per role; the output is an op (or leaf) drawn with OUTPUT's colours.
COLOURS = {
    OP: ("#f2f2f2", "#9e9e9e"),
    PARAM: ("#cfe3f7", "#4a7fb5"),
    INPUT: ("#fbf0c0", "#c9a227"),
    MODULE: ("#e6e0f3", "#7a68a6"),
    ELIDED: ("#ffffff", "#9e9e9e"),
    "output": ("#d4edc9", "#4f9a3a"),
    "saved": ("#fde0c5", "#d9822b"),
    "comm": ("#f8d7e6", "#b0306b"),
}
LEGEND_TEXT = {
    OP: "op (output shape, dtype)",
    PARAM: "parameter",
    INPUT: "input that requires grad",
    MODULE: "module (ops inside)",
    ELIDED: "elided nodes",
    "output": "output",
    "saved": "buffer saved for backward",
    "comm": "communication (peer, bytes)",
}
SUBTLE = "#555555"


# --- escaping ---------------------------------------------------------------------------
_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def visible(s):
    """`s` with control characters shown as escapes (a newline becomes the two
    characters backslash-n), so a hostile name stays on one line and readable."""
    return str(s).translate(_CONTROL)


def html(s):
    """`s` escaped for the inside of a Graphviz HTML-like label. Backslashes are doubled,
    or Graphviz would expand ``\\N`` and friends."""
    return (visible(s).replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;").replace("]", "&#93;")
            .replace("[", "&#91;"))


def quoted(s):
    """`s` as a double-quoted DOT string (for attributes such as tooltip). A user's
    backslash becomes '∖': DOT has no escape for a backslash before a quote, and
    Graphviz expands backslash sequences in attributes."""
    return '"' + visible(str(s).replace("\\", "∖")).replace('"', '\\"') + '"'


# --- numbers and shapes -------------------------------------------------------------------
_DTYPES = {"float32": "f32", "float64": "f64", "int64": "i64", "int32": "i32", "bool": "bool"}


def fmt_shape(shape):
    if shape is None:
        return "?"
    return "scalar" if shape == () else "×".join(str(n) for n in shape)


def fmt_dtype(dtype):
    return _DTYPES.get(dtype, dtype or "")


def fmt_num(x):
    """A norm or statistic in two significant digits: 0.042, 3.1e-9, 1.2e5."""
    x = float(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x).replace("inf", "Inf").replace("nan", "NaN")
    if 1e-3 <= abs(x) < 1e3:
        return f"{x:.2g}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def fmt_values(arr):
    """Values of a tiny array: '2.0000' for a scalar (micrograd's style), else a list."""
    a = np.asarray(arr)
    if a.size == 1:
        return f"{float(a.reshape(())):.4f}"
    return "[" + ", ".join(f"{float(v):.3g}" for v in a.ravel()) + "]"


# --- labels -------------------------------------------------------------------------------
def table(rows, fill, border, width=1, dashed=False):
    """An HTML-like table: a rounded box of rows (each a string of <td> cells)."""
    style = "rounded,dashed" if dashed else "rounded"
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return (f'<table border="{width}" cellborder="0" cellspacing="0" cellpadding="3" '
            f'bgcolor="{fill}" color="{border}" style="{style}">{body}</table>')


def cell(text, size=None, colour=None, bold=False, colspan=1, align=None, bgcolor=None,
         sides=None):
    """One <td>; `text` must already be escaped."""
    if bold and text:
        text = f"<b>{text}</b>"
    if (size or colour) and text:
        attrs = (f' point-size="{size}"' if size else "") + (f' color="{colour}"' if colour else "")
        text = f"<font{attrs}>{text}</font>"
    attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' align="{align}"' if align else "")
    attrs += f' bgcolor="{bgcolor}"' if bgcolor else ""
    attrs += f' border="1" sides="{sides}"' if sides else ""
    return f"<td{attrs}>{text}</td>"


def title_of(n, modules=None):
    """The bold first line of a node, escaped."""
    if n.kind == OP:
        return f"{html(n.name)} = {html(n.op)}" if n.name else html(n.op)
    if n.kind == PARAM:
        return html(n.name)
    if n.kind == INPUT:
        return html(n.name) if n.name else "input"
    if n.kind == MODULE:
        return html(n.name) + (f" ({html(n.op)})" if n.op else "")
    return f"… {n.count:,} nodes elided …"


MEMBERS_SHOWN = 4      # a module lists its parameters by name up to this many


def subtitle_of(n):
    """The small second line: shape and dtype, or a module's contents."""
    if n.kind == ELIDED:
        return "max_nodes hides the middle of the graph"
    text = f"{fmt_shape(n.shape)} {fmt_dtype(n.dtype)}"
    if n.kind == MODULE:
        parts = [plural(n.count, "op")]
        if 0 < len(n.members) <= MEMBERS_SHOWN:
            parts.append(", ".join(html(member_name(n, m)) for m in n.members))
        elif n.members:
            weights = sum(math.prod(m.shape) for m in n.members)
            parts.append(f"{plural(len(n.members), 'parameter')} ({weights:,} weights)")
        return " · ".join(parts) + f"<br/>out {text}"
    return text


def plural(k, word):
    return f"{k:,} {word}{'s' if k != 1 else ''}"


def member_name(module, param):
    """A parameter's name relative to its module ("fc1.weight" in "fc1" -> "weight")."""
    prefix = module.name + "."
    return param.name[len(prefix):] if param.name.startswith(prefix) else param.name


def tooltip_of(n):
    parts = [n.name or "", n.op or "", f"shape {n.shape}", n.dtype or ""]
    if n.scope:
        parts.append(f"module {n.scope}")
    if n.line:
        parts.append(f"created at {n.line}")
    return " | ".join(p for p in parts if p)


def swatch(colour):
    """A legend's colour sample."""
    return f'<td bgcolor="{colour}" width="20"></td>'


def role_of(n):
    """The legend entry of a node: output, communication, or its kind."""
    return "output" if n.output else "comm" if n.comm else n.kind


class GraphStyle:
    """How nodes and edges look in the plain graph picture; ``flow.FlowStyle`` overrides
    it to colour by gradient."""

    def __init__(self, values=False):
        self.values = values

    def colours(self, n):
        """(fill, border, border width, dashed)"""
        fill, border = COLOURS[role_of(n)]
        return fill, border, 2 if n.output else 1, n.kind == ELIDED

    def rows(self, n):
        rows = [cell(title_of(n), bold=True)]
        if n.kind != ELIDED or n.count:
            rows.append(cell(subtitle_of(n), size=8, colour=SUBTLE))
        if n.comm:
            rows.append(cell(html(n.comm), size=8, colour=COLOURS["comm"][1]))
        if self.values and (n.value is not None or n.grad is not None):
            rows += self.value_rows(n)
        return rows

    def value_rows(self, n):
        """micrograd's data and grad, each on its own line (those that are known)."""
        rows = [f"{what} {fmt_values(v)}" for what, v in (("data", n.value), ("grad", n.grad))
                if v is not None]
        return [cell(r, size=9, sides="T" if i == 0 else None) for i, r in enumerate(rows)]

    def node(self, n):
        fill, border, width, dashed = self.colours(n)
        label = table(self.rows(n), fill, border, width, dashed)
        return f"n{n.id} [label=<{label}> tooltip={quoted(tooltip_of(n))}]"

    def edge(self, src, dst, carried, labelled):
        attrs = f" [label=<{fmt_shape(carried.shape)}>]" if labelled else ""
        return f"n{src} -> n{dst}{attrs}"

    def legend_rows(self, data):
        roles = {role_of(n) for n in data.nodes}
        if data.saved:
            roles.add("saved")
        rows = [cell("legend", bold=True, colspan=2)]
        for role in COLOURS:
            if role in roles:
                rows.append(swatch(COLOURS[role][0]) +
                            cell(LEGEND_TEXT[role], size=9, align="left"))
        return rows


# --- the whole picture --------------------------------------------------------------------
def dot_lines(data, style=None, group_by=None, depth=None, legend=True, extra=(), title=None):
    """The body lines of the DOT for GraphData `data`.

    group_by="module": nodes inside one cluster per module (nested, cut to `depth`
    levels). The title, the legend and `extra` (HTML tables, e.g. the parameter table)
    form the graph's label above the drawing, so they never disturb its layout."""
    style = style or GraphStyle()
    lines = []
    if group_by == "module":
        _clusters(data, style, depth, lines)
    elif group_by is not None:
        raise ArgumentError(f"draw_graph: group_by must be None or 'module', got {group_by!r}")
    else:
        lines.extend(style.node(n) for n in data.nodes)
    for i, (owner, shape, dtype) in enumerate(data.saved):
        fill, border = COLOURS["saved"]
        label = table([cell("saved", bold=True, size=9),
                       cell(f"{fmt_shape(shape)} {fmt_dtype(dtype)}", size=8, colour=SUBTLE)],
                      fill, border, dashed=True)
        lines.append(f"s{i} [label=<{label}>]")
        lines.append(f's{i} -> n{owner} [style=dashed color="{border}" arrowhead=odot]')
    labelled = any(n.kind == MODULE for n in data.nodes)
    loose, hidden, spine = residual_layout(data) if group_by == "module" else ((), (), ())
    lines.extend(f"n{a} -> n{b} [style=invis]" for a, b in hidden)
    for src, dst in data.edges:
        line = style.edge(src, dst, data.carried(src, dst), labelled)
        lines.append(_with_attr(line, "constraint=false") if (src, dst) in loose else line)
    lines.extend(f"n{i} [group=residual]" for i in spine)
    side = list(extra)
    if legend:
        side.insert(0, table(style.legend_rows(data), "#ffffff", "#bbbbbb"))
    # Graphviz stretches a nested table to fill its cell: empty cells take up the slack,
    # left and right of the tables (under a wide title) and under all but the tallest.
    rows = [cell(html(title), size=14, bold=True, colspan=len(side) + 2)] if title else []
    if side:
        tallest = max(range(len(side)), key=lambda i: side[i].count("<tr>"))
        span = ' rowspan="2"'
        rows.append(f"<td{span}></td>"
                    + "".join(f'<td valign="top"{span if i == tallest else ""}>{t}</td>'
                              for i, t in enumerate(side))
                    + f"<td{span}></td>")
        if len(side) > 1:
            rows.append("<td></td>" * (len(side) - 1))
    if rows:
        body = "".join(f"<tr>{r}</tr>" for r in rows)
        lines.append(f'label=<<table border="0" cellspacing="8">{body}</table>> labelloc=t')
    return lines


def _with_attr(line, attr):
    return line[:-1] + f" {attr}]" if line.endswith("]") else f"{line} [{attr}]"


def residual_layout(data):
    """Where a module's residual adds chain (y = x + f(x); z = y + g(y), a transformer
    block), lay the two branches f and g side by side between the adds.

    A residual add is an ``Add`` op inside a module whose one input (the skip) also
    feeds a submodule of that module. When the skip of add z is add y, the edges from y
    into g's submodules do not set ranks (constraint=false) and an invisible edge from
    y's own skip puts g's first node level with f's. Returns (loose edges, invisible
    edges, ids of the residual stream), the stream drawn in one column."""
    inputs, outputs = {}, {}
    for src, dst in data.edges:
        inputs.setdefault(dst, []).append(src)
        outputs.setdefault(src, []).append(dst)
    skip_of = {}
    for n in data.nodes:
        ins = inputs.get(n.id, ())
        if n.kind != OP or n.op != "Add" or not n.scope or len(set(ins)) != 2:
            continue
        inside = n.scope + "."
        for x in ins:
            if any(d != n.id and (data.node(d).scope or "").startswith(inside)
                   for d in outputs.get(x, ())):
                skip_of[n.id] = x
                break
    loose, hidden, spine = set(), [], []
    for z, y in skip_of.items():
        spine += [y, z]
        if y not in skip_of or data.node(y).scope != data.node(z).scope:
            continue
        inside = data.node(z).scope + "."
        for d in outputs.get(y, ()):
            if d != z and (data.node(d).scope or "").startswith(inside):
                loose.add((y, d))
                hidden.append((skip_of[y], d))
    return loose, hidden, list(dict.fromkeys(spine))


def _clusters(data, style, depth, lines):
    """Node lines nested in `subgraph cluster_k` blocks, one per module, in order of
    first appearance; an explicit stack walks the module tree."""
    children = {None: []}
    members = {None: []}
    for n in data.nodes:
        key = truncate_scope(n.scope, depth)
        if n.kind == MODULE:                   # a collapsed module sits in its parents
            key = key.rsplit(".", 1)[0] if "." in key else None
        path = [None]
        if key:
            parts = key.split(".")
            path += [".".join(parts[:i + 1]) for i in range(len(parts))]
        for parent, child in zip(path, path[1:]):
            if child not in children:
                children[child] = []
                members[child] = []
                children[parent].append(child)
        members[path[-1]].append(n)
    count = 0
    stack = [("close", None), ("open", None)]
    while stack:
        what, key = stack.pop()
        if what == "close":
            if key is not None:
                lines.append("}")
            continue
        if key is not None:
            kind = module_label(data, key)
            label = f"<b>{html(key)}</b>" + (f" ({html(kind)})" if kind else "")
            lines.append(f"subgraph cluster_{count} {{")
            lines.append(f'label=<{label}> style="rounded,dashed" color="#9a8fc0" '
                         f'fontcolor="#4b3f72" fontsize=10 labeljust=l')
            count += 1
        lines.extend(style.node(n) for n in members[key])
        stack.append(("close", key))
        stack.extend(("open", c) for c in reversed(children[key]))


def digraph(lines, rankdir="TB"):
    """A graphviz.Digraph with our defaults and the given body lines."""
    if rankdir not in ("TB", "BT", "LR", "RL"):
        raise ArgumentError(f"draw_graph: rankdir must be one of TB, BT, LR, RL, got {rankdir!r}")
    g = graphviz.Digraph(
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "11",
                    "nodesep": "0.25", "ranksep": "0.35", "newrank": "true",
                    "ordering": "in"},
        node_attr={"shape": "plaintext", "fontname": FONT, "fontsize": "10", "margin": "0"},
        edge_attr={"color": "#777777", "arrowsize": "0.6", "fontname": FONT,
                   "fontsize": "8", "fontcolor": SUBTLE})
    g.body.extend(line + "\n" if line.startswith("\t") else "\t" + line + "\n"
                  for line in lines)
    return g
