"""The backend contract and the registry of backends.

A backend owns *orchestration only*: the order of the steps, what happens on an error, how a
rejection loops back. The steps themselves (:mod:`coordlab.pipeline.steps`), the prompts, the
tools and the grading are shared, so two backends differ only in how they wire them.

Backends are registered by name with a lazy import path: ``import coordlab`` imports no
framework, and asking for a backend whose extra is missing raises
:class:`~coordlab.errors.MissingExtraError` naming the ``pip install`` to run. Three ways in:

* the built-ins below (``plain``, ``langgraph``, ``crewai``, ``autogen``; ``maf`` comes in
  through coordlab's own entry point, as an outside backend would);
* :func:`register` at run time, with a class or a ``"module:Class"`` string;
* the entry-point group ``coordlab.backends`` of an installed package, read the first time the
  registry is consulted (the backend's module is imported only when it is asked for); an
  extra in brackets names the one its dependencies come with, for the ``pip install`` hint::

      [project.entry-points."coordlab.backends"]
      mine = "my_package.backend:MyBackend [gpu]"

Example:
    >>> list(REGISTRY)[:2]
    ['plain', 'langgraph']
    >>> backend_class("plain").__name__
    'PlainBackend'
    >>> backend_class("nope")
    Traceback (most recent call last):
    coordlab.errors.ConfigError: unknown backend 'nope'; registered: plain, langgraph, ...

"""

from __future__ import annotations

import importlib
import importlib.metadata
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, MutableMapping
from typing import ClassVar

from coordlab.backends.wiring import Wiring
from coordlab.errors import ConfigError, MissingExtraError
from coordlab.pipeline.context import Desk, Trial
from coordlab.types import Ticket

ENTRY_POINT_GROUP = "coordlab.backends"
"""The entry-point group through which an installed package adds backends."""

BUILT_IN: dict[str, tuple[str, str | None]] = {
    "plain": ("coordlab.backends.plain:PlainBackend", None),
    "langgraph": ("coordlab.backends.langgraph:LangGraphBackend", "langgraph"),
    "crewai": ("coordlab.backends.crewai:CrewAIBackend", "crewai"),
    "autogen": ("coordlab.backends.autogen:AutoGenBackend", "autogen"),
}
"""Backend name -> (``module:Class``, the coordlab extra it needs)."""


class Backend(ABC):
    """Runs one ticket through the support desk: the contract a framework file fills in.

    A backend is one class (``<Framework>Backend``) with a unique ``name``. The contract:

    * ``__init__(desk)`` stores the :class:`~coordlab.pipeline.context.Desk` as ``self.desk``
      and may build the framework's objects from it. It runs once per seed, never makes a
      model or tool call, and keeps no per-ticket state: a seed's trials share the instance.
    * ``run_trial(ticket, seed)`` runs the steps of :func:`coordlab.pipeline.steps.flow` on a
      fresh ``Trial(ticket=ticket, seed=seed)`` and returns it finished. The decisions (retry,
      give up, revise, escalate) are the layer stack's, through
      :mod:`coordlab.pipeline.control`; the backend only wires them. It never raises for a
      fault: a transient error recovery does not handle, a bad tool payload or any other
      exception ends the trial through ``trial.crash(err)``. Side effects go through
      ``desk.tools`` (request ids, idempotency key): a retried delivery is recorded once.
    * Hand-offs travel in the framework's own state or messages: a step takes
      ``steps.INPUTS[step]`` from there and its result (from ``control``) goes back there.
    * Optionally, resume: ``run_trial(ticket, seed, stop_after=step)`` stops after a step and
      ``resume_trial(ticket, seed)`` continues from the framework's checkpoint in a new
      instance, without re-running a finished step or repeating a side effect.
    * ``known_gaps``: check name -> why the backend fails it (the suite expects the failure);
      ``wiring`` (a :class:`Wiring`): how it wires a step, for the side-by-side view.

    :mod:`coordlab.testing` checks the contract; :func:`register` (or the entry-point group)
    makes a backend available by name.
    """

    name: str = ""
    known_gaps: dict[str, str] = {}
    wiring: ClassVar[Wiring | None] = None

    def __init__(self, desk: Desk):
        self.desk = desk

    def __repr__(self) -> str:
        return self.desk.pipeline.stack(type(self).__name__)

    @abstractmethod
    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket and return the finished :class:`Trial` (never raises for faults)."""


Target = str | type[Backend]
"""What a registry entry points at: a ``"module:Class"`` string or the class itself."""


class Registry(MutableMapping):
    """Backend name -> ``(target, extra)``; reads installed entry points on first use.

    Entries set here (built-ins, :func:`register`) win over an entry point of the same name.
    ``extra``: the extra its dependencies come with (an entry point's: of its distribution).
    """

    def __init__(self, entries: dict[str, tuple[Target, str | None]]):
        self._entries = dict(entries)
        self._origins: dict[str, str] = {}
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name not in self._entries:
                extra = ep.extras[0] if ep.extras else None
                self._entries[ep.name] = (f"{ep.module}:{ep.attr}", extra)
                dist = getattr(ep, "dist", None)  # (None for an EntryPoint made by hand)
                self._origins[ep.name] = dist.name if dist else ep.module.split(".")[0]

    def origin(self, name: str) -> str | None:
        """The distribution whose entry point added ``name`` (``None`` for the others)."""
        self._discover()
        return self._origins.get(name)

    def __getitem__(self, name: str) -> tuple[Target, str | None]:
        self._discover()
        return self._entries[name]

    def __setitem__(self, name: str, value: tuple[Target, str | None]) -> None:
        self._entries[name] = value
        self._origins.pop(name, None)

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        self._origins.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._discover()
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({', '.join(self)})"


REGISTRY = Registry(BUILT_IN)
"""Every backend by name: the built-ins, :func:`register`'s and the installed entry points'."""


def register(name: str, target: Target, extra: str | None = None) -> None:
    """Make a backend available by ``name`` (to the CLI, ``run``, sweeps and the suite).

    Args:
        name: the backend's name (a registered name is replaced).
        target: the :class:`Backend` subclass, or ``"module:Class"`` to import when first used.
        extra: the coordlab extra its dependencies come with, for the pip hint.

    Example:
        >>> from coordlab.backends.plain import PlainBackend
        >>> class Mine(PlainBackend):
        ...     name = "mine"
        >>> register("mine", Mine)
        >>> backend_class("mine") is Mine, "mine" in available()
        (True, True)
        >>> del REGISTRY["mine"]
    """
    if not isinstance(target, str) and not _is_backend(target):
        raise ConfigError(f"backend '{name}': {target!r} is not a Backend subclass")
    if isinstance(target, str) and ":" not in target:
        raise ConfigError(f"backend '{name}': '{target}' is not 'module:Class'")
    REGISTRY[name] = (target, extra)


def _is_backend(target: object) -> bool:
    return isinstance(target, type) and issubclass(target, Backend)


def backend_class(backend: str | type[Backend]) -> type[Backend]:
    """The backend class registered as ``backend`` (a class is returned as it is).

    Raises:
        ConfigError: an unknown name, or a target that is not a :class:`Backend`.
        MissingExtraError: the backend's module needs a package that is not installed.
    """
    if _is_backend(backend):
        return backend
    if backend not in REGISTRY:
        raise ConfigError(f"unknown backend '{backend}'; registered: {', '.join(REGISTRY)}")
    target, extra = REGISTRY[backend]
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except ImportError as err:
        raise MissingExtraError(f"backend '{backend}' needs {err.name}: {_hint(backend)}") from None
    except AttributeError:
        raise ConfigError(f"backend '{backend}': {module} has no {attr}") from None
    if not _is_backend(cls):
        raise ConfigError(f"backend '{backend}': {target} is not a Backend subclass")
    return cls


def _hint(name: str) -> str:
    extra, origin = REGISTRY[name][1], REGISTRY.origin(name)
    if extra:
        return f'pip install "{origin or "coordlab"}[{extra}]"'
    return f'reinstall "{origin}"' if origin else "reinstall coordlab"


def backend_name(backend: str | type[Backend]) -> str:
    """The name rows and test ids use: a registered name, or a class's ``name``.

    Example:
        >>> from coordlab.backends.plain import PlainBackend
        >>> backend_name("langgraph"), backend_name(PlainBackend)
        ('langgraph', 'plain')
    """
    if isinstance(backend, str):
        return backend
    return backend.name or backend.__name__


def available() -> list[str]:
    """Names of the backends whose dependencies are installed.

    A target that cannot be a backend (a broken entry point of another package) is left out
    with a warning, so it cannot take the others down.
    """
    names = []
    for name in REGISTRY:
        try:
            backend_class(name)
        except MissingExtraError:
            continue
        except ConfigError as err:
            warnings.warn(str(err), stacklevel=2)
            continue
        names.append(name)
    return names
