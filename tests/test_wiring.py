"""The wiring grid reads each backend's source by name: a renamed function fails here."""

import ast
import importlib
import inspect

import pytest

from coordlab.backends.base import REGISTRY, available
from coordlab.viz import wiring

STEPS = ("intake", "retrieve", "lookup", "decide", "compose", "verify", "deliver", "escalate")
FRAMEWORKS = (
    "langgraph", "langchain_core", "crewai", "autogen_agentchat", "autogen_core", "agent_framework",
)  # fmt: skip

CONSTRUCTS = {
    "plain": ("while ",),
    "langgraph": ("StateGraph(", ".add_node(", ".add_conditional_edges("),
    "crewai": ("@listen(", "@router("),
    "autogen": ("DiGraphBuilder(", ".add_edge(", "condition="),
    "maf": ("WorkflowBuilder(", ".add_switch_case_edge_group(", "Case(", "send_message("),
}
"""What each backend's wiring of a step must contain: its framework's own constructs."""
OWN = {
    "langgraph": "add_conditional_edges",
    "crewai": "@router",
    "autogen": "DiGraphBuilder",
    "maf": "WorkflowBuilder",
}
"""A construct only that framework has."""


def _needs(backend):
    if backend not in available():
        pytest.skip(f"{backend}'s extra is not installed")


def test_every_registered_backend_declares_its_wiring():
    assert set(REGISTRY) == set(CONSTRUCTS)
    assert wiring.wired_backends() == available()


def test_a_backend_without_wiring_is_left_out_of_the_grid(monkeypatch):
    from coordlab.backends.base import register
    from coordlab.backends.plain import PlainBackend

    class Unwired(PlainBackend):
        name, wiring = "unwired", None

    register("unwired", Unwired)
    try:
        assert "unwired" not in wiring.wired_backends()
        with pytest.raises(ValueError, match="declares no wiring"):
            wiring.wiring("unwired")
    finally:
        del REGISTRY["unwired"]


@pytest.mark.parametrize("backend", sorted(CONSTRUCTS))
@pytest.mark.parametrize("step", STEPS)
def test_every_named_symbol_is_the_function_of_that_name(backend, step):
    _needs(backend)
    for name, source in wiring.wiring(backend, step):
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef), name
        assert node.name == name.rsplit(".", 1)[-1]
        assert ast.get_docstring(node) is None  # the docstring is left out
    if backend == "crewai":  # the @listen of the step asked about, not another step's
        assert f'@listen("to_{step}")' in wiring.wiring(backend, step)[0][1]


@pytest.mark.parametrize("backend", sorted(CONSTRUCTS))
def test_each_backend_wires_a_step_with_its_own_framework(backend):
    _needs(backend)
    source = "\n".join(text for _, text in wiring.wiring(backend, "decide"))
    for construct in CONSTRUCTS[backend]:
        assert construct in source, f"{backend} lacks {construct}"
    assert any(wiring.SHARED.search(line) for line in source.splitlines())
    assert not [mark for other, mark in OWN.items() if other != backend and mark in source]


def test_plain_imports_no_framework():
    module = importlib.import_module(wiring.backend_class("plain").__module__)
    tree = ast.parse(inspect.getsource(module))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]  # fmt: skip
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [name for name in imported if name.split(".")[0] in FRAMEWORKS]


def test_the_grid_marks_shared_and_own_lines():
    html = wiring.wiring_grid("decide", ["plain"])._repr_html_()
    assert "class='ln shared'" in html and "class='ln own'" in html
    assert "control.run_step" in html or "control.attempt" in html


def test_a_missing_symbol_raises(monkeypatch):
    from dataclasses import replace

    from coordlab.backends.plain import PlainBackend

    gone = replace(PlainBackend.wiring, symbols=("PlainBackend._gone",))
    monkeypatch.setattr(PlainBackend, "wiring", gone)
    with pytest.raises(AttributeError):
        wiring.wiring("plain")


def test_grid_has_a_column_per_backend_and_names_the_step_and_symbols():
    backends = ["plain", "crewai"] if "crewai" in available() else ["plain"]
    grid = wiring.wiring_grid("verify", backends)
    assert [c.title for c in grid.columns] == backends
    assert grid.text.startswith("wiring of step 'verify' · plain: PlainBackend._run")
    if "crewai" in available():
        assert "crewai: DeskFlow.run_verify" in grid.text
        assert "@listen(&quot;to_verify&quot;)" in grid._repr_html_()
    assert grid._repr_html_().count("class='col'") == len(backends)
