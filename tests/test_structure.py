"""Structure, checked from the source: no import cycle, one table of steps, short backend files.

Everything here reads coordlab's files with :mod:`ast`; nothing is imported, so a cycle that only
shows at a function-level import is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import coordlab
from coordlab.domain.steps import STEPS

ROOT = Path(coordlab.__file__).parent
PACKAGE = "coordlab"
MODULES = sorted(ROOT.rglob("*.py"))

KNOWN_EDGES: dict[tuple[str, str], str] = {}
"""Package imports that close a cycle, allowed for a stated reason (none today)."""

STEP_TABLE = ROOT / "domain" / "steps.py"
KNOWN_STEP_TABLES: dict[str, str] = {}
"""Modules that still keep a step-keyed table, each with the reason (and who removes it)."""

BACKEND_LINES = 250
KNOWN_LONG_BACKENDS: dict[str, str] = {}


def _node(path: Path) -> str:
    """The package (first component under coordlab) or top-level module a file belongs to."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return PACKAGE if parts == ("__init__",) else parts[0]


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = [PACKAGE, *path.relative_to(ROOT).parent.parts]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _target(module: str) -> str | None:
    """The node a ``coordlab...`` module name belongs to (``None`` outside coordlab)."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return PACKAGE
    if (ROOT / parts[1]).is_dir() or (ROOT / f"{parts[1]}.py").is_file():
        return parts[1]
    return PACKAGE  # a name defined in coordlab/__init__.py


def _imports(path: Path):
    """``(line, imported module)`` of every import in a file, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            yield node.lineno, module
            if module == PACKAGE:  # from coordlab import api, __version__
                yield from ((node.lineno, f"{PACKAGE}.{alias.name}") for alias in node.names)


def import_graph() -> dict[str, dict[str, str]]:
    """``graph[a][b]`` = where node ``a`` imports node ``b`` (``file:line`` of one import)."""
    graph: dict[str, dict[str, str]] = {}
    for path in MODULES:
        source = _node(path)
        edges = graph.setdefault(source, {})
        for line, module in _imports(path):
            target = _target(module)
            if target and target != source and (source, target) not in KNOWN_EDGES:
                edges.setdefault(target, f"{path.relative_to(ROOT.parent)}:{line}")
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str]:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or ``[]`` if it is acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": ""}, "b": {}}) == []


def test_no_import_cycle_between_packages():
    graph = import_graph()
    cycle = find_cycle(graph)
    where = [f"{a} -> {b} ({graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
    assert not cycle, "import cycle between coordlab packages:\n" + "\n".join(where)


def test_known_cycle_edges_are_still_needed():
    for (a, b), reason in KNOWN_EDGES.items():
        assert b in _raw_edges(a), f"{a} -> {b} no longer imported: drop it ({reason})"


def _raw_edges(source: str) -> set[str]:
    return {
        target
        for path in MODULES
        if _node(path) == source
        for _, module in _imports(path)
        if (target := _target(module)) and target != source
    }


def test_simulator_retrieval_and_tools_do_not_import_the_pipeline():
    for package in ("domain", "llm", "retrieval", "tools"):
        assert "pipeline" not in _raw_edges(package), package


def test_layers_wrap_the_pipeline_and_the_pipeline_knows_no_layer():
    assert "pipeline" in _raw_edges("layers")  # a layer subclasses the all-off SupportDesk
    assert "layers" not in _raw_edges("pipeline")


def step_keyed_tables(source: str) -> list[tuple[int, list[str]]]:
    """``(line, keys)`` of dicts in ``source`` keyed by at least three step names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
            keys = [k.arg for k in node.keywords]
        else:
            continue
        steps = sorted(set(STEPS) & {k for k in keys if isinstance(k, str)})
        if len(steps) >= 3:
            found.append((node.lineno, steps))
    return found


def test_step_keyed_tables_are_found():
    source = 'A = {"intake": 1, "decide": 2}\nB = dict(intake=1, decide=2, compose=3, x=4)\n'
    assert step_keyed_tables(source) == [(2, ["compose", "decide", "intake"])]
    assert step_keyed_tables('C = {"intake": 1, "lookup": 2, "deliver": 3}') == [
        (1, ["deliver", "intake", "lookup"])
    ]


def test_no_step_keyed_table_outside_the_step_table():
    offenders = {
        str(path.relative_to(ROOT)): tables
        for path in MODULES
        if path != STEP_TABLE and (tables := step_keyed_tables(path.read_text()))
    }
    unexpected = {k: v for k, v in offenders.items() if k not in KNOWN_STEP_TABLES}
    assert not unexpected, f"step-keyed tables outside coordlab/domain/steps.py: {unexpected}"
    stale = set(KNOWN_STEP_TABLES) - set(offenders)
    assert not stale, f"no longer keyed by step, drop from KNOWN_STEP_TABLES: {stale}"


@pytest.mark.parametrize("path", sorted((ROOT / "backends").glob("[!_]*.py")), ids=lambda p: p.name)
def test_backend_framework_files_are_short(path):
    lines = len(path.read_text().splitlines())
    if path.name in KNOWN_LONG_BACKENDS:
        assert lines > BACKEND_LINES, f"{path.name} is short now: drop it from the exceptions"
        pytest.xfail(KNOWN_LONG_BACKENDS[path.name])
    assert lines <= BACKEND_LINES, f"{path.name}: {lines} lines"
