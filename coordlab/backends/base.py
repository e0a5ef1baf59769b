"""The backend contract and the registry of backends.

A backend owns *orchestration only*: the order of the steps, what happens on an error, how a
rejection loops back. The steps themselves (:mod:`coordlab.pipeline.steps`), the prompts, the
tools and the grading are shared, so two backends differ only in how they wire them.

Backends are registered by name with a lazy import path: ``import coordlab`` imports no
framework, and asking for a backend whose extra is missing raises
:class:`~coordlab.errors.MissingExtraError` naming the ``pip install`` to run.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod

from coordlab.errors import ConfigError, MissingExtraError
from coordlab.pipeline.context import Desk, Trial
from coordlab.types import Ticket

REGISTRY: dict[str, tuple[str, str | None]] = {
    "plain": ("coordlab.backends.plain:PlainBackend", None),
    "langgraph": ("coordlab.backends.langgraph:LangGraphBackend", "langgraph"),
    "crewai": ("coordlab.backends.crewai:CrewAIBackend", "crewai"),
    "autogen": ("coordlab.backends.autogen:AutoGenBackend", "autogen"),
}
"""Backend name -> (``module:Class``, the pip extra it needs)."""


class Backend(ABC):
    """Runs one ticket through the support desk."""

    name: str = ""

    def __init__(self, desk: Desk):
        self.desk = desk

    def __repr__(self) -> str:
        return self.desk.pipeline.stack(type(self).__name__)

    @abstractmethod
    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket and return the finished :class:`Trial` (never raises for faults)."""


def backend_class(name: str) -> type[Backend]:
    """Import and return the backend class registered as ``name``."""
    if name not in REGISTRY:
        raise ConfigError(f"unknown backend '{name}'; registered: {', '.join(REGISTRY)}")
    target, extra = REGISTRY[name]
    module, _, cls = target.partition(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as err:
        hint = f'pip install "coordlab[{extra}]"' if extra else "reinstall coordlab"
        raise MissingExtraError(f"backend '{name}' needs {err.name}: {hint}") from None


def available() -> list[str]:
    """Names of the backends whose dependencies are installed."""
    names = []
    for name in REGISTRY:
        try:
            backend_class(name)
        except MissingExtraError:
            continue
        names.append(name)
    return names
