"""README.md's Python blocks run as shown (tests/test_examples.py runs the examples).

The blocks of one `## ` section run in order in one namespace, so a block may use what an
earlier block of its section defined; each section starts empty, in a scratch directory.
A block followed by a plain block that starts with `SomeError:` must raise that error
with exactly that message. A block right after `<!-- not run: needs MPI -->` or
`<!-- not run: long training -->` is skipped; no other reason is accepted."""
import pathlib
import re
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
REASONS = ("needs MPI", "long training")
FENCE = re.compile(r"^( *)```(\w*)$")


def _blocks():
    """(section, first line number, language, code, the line before the fence)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    section, out, i = "", [], 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:]
        fence = FENCE.match(lines[i])
        if fence:
            indent, lang, start = fence.group(1), fence.group(2), i + 1
            i += 1
            while lines[i] != indent + "```":
                i += 1
            code = textwrap.dedent("\n".join(lines[start:i])) + "\n"
            out.append((section, start, lang, code, lines[start - 2].strip()))
        i += 1
    return out


def _sections():
    sections = {}
    blocks = _blocks()
    for n, (section, line, lang, code, before) in enumerate(blocks):
        if lang != "python":
            continue
        after = blocks[n + 1] if n + 1 < len(blocks) else None
        shown = (after[3] if after and after[2] == "" and after[1] == line + code.count("\n") + 2
                 and re.match(r"\w+Error: ", after[3]) else None)
        sections.setdefault(section, []).append((line, code, before, shown))
    return sections


def test_every_skipped_block_names_an_accepted_reason_and_compiles():
    skipped = [(line, code, b) for blocks in _sections().values()
               for (line, code, b, _) in blocks if b.startswith("<!--")]
    assert skipped and all(b in {f"<!-- not run: {r} -->" for r in REASONS}
                           for _, _, b in skipped), skipped
    for line, code, _ in skipped:
        compile(code, f"README.md block at line {line}", "exec")


@pytest.mark.filterwarnings("ignore:invalid value encountered")     # numpy's, at sqrt(-1)
@pytest.mark.parametrize("section", list(_sections()))
def test_the_sections_python_blocks_run(section, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "readme"}
    for line, code, before, shown in _sections()[section]:
        if before.startswith("<!-- not run"):
            continue
        compiled = compile(code, f"README.md block at line {line}", "exec")
        if shown is None:
            exec(compiled, namespace)
            continue
        kind, message = shown.rstrip("\n").split(": ", 1)
        with pytest.raises(BaseException) as err:
            exec(compiled, namespace)
        assert type(err.value).__name__ == kind and str(err.value) == message, line


def test_every_example_command_in_the_docs_takes_options_the_example_defines():
    """`python examples/NAME.py --option` in the READMEs and the examples' docstrings:
    each option is one the example's argparse defines (--help aside)."""
    texts = [README, ROOT / "benchmarks" / "README.md", ROOT / "ARCHITECTURE.md",
             *ROOT.glob("docs/*.md"), *ROOT.glob("examples/*.py")]
    missing, seen = [], 0
    for path in texts:
        for cmd in re.finditer(r"python3? (examples/\w+\.py)([^\n`#]*)", path.read_text()):
            source = (ROOT / cmd.group(1)).read_text()
            for option in re.findall(r"(?<![\w-])--[\w-]+", cmd.group(2)):
                seen += 1
                if option != "--help" and f'"{option}"' not in source:
                    missing.append(f"{path.name}: {cmd.group(0).strip()}")
    assert seen > 30 and missing == []


def test_every_extra_the_docs_install_is_declared():
    """`pip install -e '.[name]'` in the READMEs names an extra of pyproject.toml."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.findall(r"^(\w+) = \[",
                          pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0],
                          flags=re.M)
    named = {name for path in (README, ROOT / "benchmarks" / "README.md")
             for group in re.findall(r"\.\[([\w,]+)\]", path.read_text())
             for name in group.split(",")}
    assert named and named <= set(declared), named - set(declared)


def test_every_file_the_docs_name_exists():
    texts = [README, ROOT / "benchmarks" / "README.md", ROOT / "ARCHITECTURE.md"]
    named = {p for path in texts for p in re.findall(
        r"(?<![\w/.])((?:tests|examples|benchmarks|docs)/[\w/.-]+\.(?:py|md|png|svg))",
        path.read_text())}
    assert len(named) > 40 and sorted(p for p in named if not (ROOT / p).exists()) == []


def test_the_readme_lists_every_error_class_with_its_builtins():
    import autograd.errors as errors
    text = " ".join(README.read_text(encoding="utf-8").split())
    classes = [c for c in vars(errors).values() if isinstance(c, type)
               and issubclass(c, errors.GradgraphError) and c is not errors.GradgraphError]
    missing = [c.__name__ for c in classes if f"`{c.__name__}` (" + " and ".join(
        f"`{b.__name__}`" for b in c.__bases__ if b is not errors.GradgraphError) + ")" not in text]
    assert len(classes) >= 10 and missing == []


def test_every_dotted_name_the_readme_uses_exists():
    """`nn.X`, `F.X`, `viz.X`, `ag.X` and `autograd.X` in README.md name real attributes
    or modules (`autograd.numpy` is HIPS autograd's, named in the comparison)."""
    import importlib
    roots = {"nn": "nn", "F": "nn.functional", "viz": "viz", "ag": "autograd",
             "autograd": "autograd"}
    missing, seen = set(), 0
    for m in re.finditer(r"(?<![\w.])((?:nn|F|viz|ag|autograd)(?:\.\w+)+)", README.read_text()):
        first, *rest = m.group(1).split(".")
        obj, seen = importlib.import_module(roots[first]), seen + 1
        for i, name in enumerate(rest):
            try:
                obj = (getattr(obj, name) if hasattr(obj, name) else
                       importlib.import_module(".".join([roots[first], *rest[:i + 1]])))
            except ImportError:
                missing.add(m.group(1))
                break
    assert seen > 100 and missing == {"autograd.numpy"}
