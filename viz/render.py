"""``save``: write a picture as DOT, and as SVG/PNG/PDF through Graphviz's ``dot``."""
import os
import shutil
import subprocess
import warnings

from autograd.errors import ArgumentError, GradgraphError

FORMATS = ("svg", "png", "pdf")


class GraphvizError(GradgraphError, RuntimeError):
    """Graphviz's `dot` program failed on a graph."""


class GraphvizMissingWarning(UserWarning):
    """The Graphviz `dot` program is not installed: only the .dot file was written."""


def dot_source(graph):
    """DOT text of a graphviz.Digraph/Source, or of a string that already is DOT."""
    return graph if isinstance(graph, str) else graph.source


def save(graph, path, timeout=300):
    """Write `graph` (a graphviz.Digraph or DOT text) to `path`; returns the files written.

    The DOT text always goes to `path` with its extension replaced by .dot. For a path
    ending in .svg, .png or .pdf the picture is rendered by Graphviz's `dot` program;
    if `dot` is not installed a GraphvizMissingWarning says so (the .dot is still
    written). Raises ValueError for another extension, RuntimeError if `dot` fails."""
    root, ext = os.path.splitext(os.fspath(path))
    fmt = ext[1:].lower()
    if fmt not in FORMATS + ("dot", "gv"):
        raise ArgumentError(f"viz.save: cannot write {path!r}: use an extension among .dot, "
                         f"{', '.join('.' + f for f in FORMATS)}")
    dot_path = root + ".dot" if fmt != "gv" else os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(dot_path)), exist_ok=True)
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(dot_source(graph))
    written = [dot_path]
    if fmt in FORMATS:
        program = shutil.which("dot")
        if program is None:
            warnings.warn(f"viz.save: wrote {dot_path} but not {path}: rendering needs the "
                          f"Graphviz program `dot`, which is not installed (install "
                          f"Graphviz, e.g. `apt-get install graphviz` or `brew install "
                          f"graphviz`, or see https://graphviz.org/download/)",
                          GraphvizMissingWarning, stacklevel=2)
            return written
        proc = subprocess.run([program, f"-T{fmt}", "-o", os.fspath(path), dot_path],
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise GraphvizError(f"viz.save: `dot -T{fmt}` failed on {dot_path}: "
                               f"{proc.stderr.strip()[:2000]}")
        written.append(os.fspath(path))
    return written
