"""How each backend wires a step, read from its source at run time (so it never drifts).

Each backend names, in its class's :class:`~coordlab.backends.base.Wiring`, the functions that
wire one step into its framework: the loop (plain), the node and its conditional edges
(LangGraph), the ``@listen`` method and the ``@router`` (CrewAI), the ``DiGraphBuilder`` edges
and the agent's turn (AutoGen), the workflow's edge groups and the executor's turn (MAF). A
``{step}`` in a name stands for the step asked about. :func:`wiring` finds them by name with
:mod:`importlib` and :mod:`inspect`; :func:`wiring_grid` shows the backends side by side, with
the lines that hand over to the shared decisions (:mod:`coordlab.pipeline.control`) marked.
A renamed or removed function raises here (and fails ``tests/test_wiring.py``).

Example:
    >>> [name for name, _ in wiring("plain")]
    ['PlainBackend._run']
    >>> print(wiring("plain")[0][1].splitlines()[0])
    def _run(self, trial: Trial, work: dict) -> None:
    >>> wiring_symbols("crewai", "verify")[0]
    'DeskFlow.run_verify'
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from coordlab.backends.base import available, backend_class
from coordlab.backends.wiring import Wiring


def described(backend: str) -> Wiring:
    """``backend``'s :class:`~coordlab.backends.base.Wiring` (declared on its class).

    Raises:
        ValueError: the backend declares none.
    """
    found = backend_class(backend).wiring
    if found is None:
        raise ValueError(f"backend {backend!r} declares no wiring (Backend.wiring)")
    return found


def wired_backends() -> list[str]:
    """The available backends that declare their wiring, in registry order."""
    return [name for name in available() if backend_class(name).wiring is not None]


SHARED = re.compile(
    r"control\.(run_step|attempt|execute|on_transient|on_rejected|on_success|next_step)\b"
)
"""A call to one of the shared decisions (:mod:`coordlab.pipeline.control`)."""


def wiring_symbols(backend: str, step: str = "decide") -> list[str]:
    """The qualified names of the functions that wire ``step`` in ``backend``."""
    return [name.format(step=step) for name in described(backend).symbols]


def source_of(module: str, qualname: str) -> str:
    """The dedented source of ``module.qualname`` (a function, method or class)."""
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return textwrap.dedent(inspect.getsource(target))


def without_docstring(source: str) -> str:
    r"""``source`` of one function with its docstring left out (the code is what is compared).

    Example:
        >>> print(without_docstring('def f():\n    "Doc."\n    return 1\n'))
        def f():
            return 1
        <BLANKLINE>
    """
    node = ast.parse(source).body[0]
    if ast.get_docstring(node) is None:
        return source
    doc = node.body[0]
    lines = source.splitlines(keepends=True)
    return "".join(lines[: doc.lineno - 1] + lines[doc.end_lineno :])


def wiring(backend: str, step: str = "decide") -> list[tuple[str, str]]:
    """``(qualified name, source)`` of every function that wires ``step`` in ``backend``.

    Raises:
        AttributeError: a named function no longer exists in the backend's module.
    """
    module = backend_class(backend).__module__
    return [
        (name, without_docstring(source_of(module, name))) for name in wiring_symbols(backend, step)
    ]


@dataclass
class Column:
    """One column of a :class:`Grid`: a heading, a subheading and HTML content."""

    title: str
    subtitle: str
    body: str


STYLE = {
    "grid": "display:grid;gap:8px;align-items:start;"
    "grid-template-columns:repeat(auto-fill,minmax(min(100%,34em),1fr))",
    "col": "border:1px solid #ddd;border-radius:4px;min-width:0",
    "h4": "margin:0;padding:4px 8px;background:#f3f4f6;font-size:13px",
    "sub": "padding:2px 8px;color:#555;font-size:11px;min-height:2.6em",
    "code": "margin:0;padding:4px 8px;font-family:monospace;font-size:11px;line-height:1.35;"
    "overflow-x:auto",
    "ln": "white-space:pre-wrap;text-indent:-4ch;overflow-wrap:anywhere",
    "shared": "background:#fff3bf",
    "own": "background:#d0ebff",
    "name": "color:#2a6f97;font-weight:bold",
    "fold": "color:#868e96;font-style:italic",
    "caption": "grid-column:1/-1;color:#555;font-size:12px",
}
"""Inline styles: a notebook shows them even when it is not trusted (a ``<style>`` is dropped).
Columns are at least 34em wide and wrap onto more rows when the page is narrow."""


def styled(kind: str) -> str:
    """The ``class`` and inline ``style`` attributes of an element of :data:`STYLE`'s ``kind``."""
    return f"class='{kind}' style='{STYLE[kind]}'"


def tag(kind: str, text: str) -> str:
    """``text`` in a span styled as ``kind`` (``own``, ``shared``, ``name``, ``fold``)."""
    return f"<span {styled(kind)}>{text}</span>"


class Grid:
    """Columns side by side (HTML), with a one-line text form for saved outputs.

    Args:
        columns: the columns, left to right.
        caption: how to read it (above the columns).
        text: the plain-text form (what a notebook's saved output compares).
        legend: HTML shown after the caption (e.g. what each colour means).
    """

    def __init__(
        self, columns: Sequence[Column], caption: str = "", text: str = "", legend: str = ""
    ):
        self.columns, self.caption, self.text, self.legend = list(columns), caption, text, legend

    def _repr_html_(self) -> str:
        cols = "".join(
            f"<div {styled('col')}><h4 style='{STYLE['h4']}'>{html.escape(c.title)}</h4>"
            f"<div {styled('sub')}>{html.escape(c.subtitle)}</div>{c.body}</div>"
            for c in self.columns
        )
        caption = html.escape(self.caption) + self.legend
        caption = f"<div {styled('caption')}>{caption}</div>" if caption else ""
        return f"<div class='coordlab-grid' style='{STYLE['grid']}'>{caption}{cols}</div>"

    def __repr__(self) -> str:
        return self.text


def _code_html(sources: Sequence[tuple[str, str]], constructs: str) -> str:
    """Sources one block per line (a long line wraps under its own indent), constructs marked."""
    lines = []
    for name, source in sources:
        lines.append(f"<div {styled('name')}># {html.escape(name)}</div>")
        for line in source.rstrip().splitlines():
            kind = "shared" if SHARED.search(line) else "own" if re.search(constructs, line) else ""
            indent = len(line) - len(line.lstrip())
            look = f"{STYLE['ln']};padding-left:{indent + 4}ch;{STYLE.get(kind, '')}"
            text = html.escape(line.strip()) or " "
            lines.append(f"<div class='ln {kind}' style='{look}'>{text}</div>")
        lines.append(f"<div class='ln' style='{STYLE['ln']}'> </div>")
    return f"<div {styled('code')}>" + "".join(lines[:-1]) + "</div>"


def wiring_grid(step: str = "decide", backends: Sequence[str] | None = None) -> Grid:
    """The wiring of ``step`` in each backend, side by side, read from the source now.

    Example:
        >>> grid = wiring_grid("decide", ["plain", "langgraph"])
        >>> repr(grid).split(" · ")[:2]
        ["wiring of step 'decide'", 'plain: PlainBackend._run']
    """
    backends = list(backends or wired_backends())
    columns = []
    for backend in backends:
        sources, how = wiring(backend, step), described(backend)
        columns.append(Column(backend, how.summary, _code_html(sources, how.constructs)))
    caption = "Read from the source now (docstrings left out) —"
    shared = "a call to the shared decisions (coordlab.pipeline.control), the same everywhere"
    legend = f" {tag('own', 'the framework’s own constructs')} {tag('shared', shared)}"
    names = " · ".join(f"{b}: {', '.join(wiring_symbols(b, step))}" for b in backends)
    return Grid(columns, caption, f"wiring of step {step!r} · {names}", legend)
