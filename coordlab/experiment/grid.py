"""What a sweep runs: configurations (backend × layer setting × profile) and units of work.

A *unit* is one configuration, one seed and a chunk of tickets: the piece an executor runs in
one go, so the per-process set-up (the policy index, the tool server, a framework's graph) is
paid once per chunk. Every trial is keyed by ``(backend, layers, profile, seed, ticket_id)``.

Example:
    >>> [s.label for s in layer_settings("none;state,recovery")]
    ['none', 'state,recovery']
    >>> len(layer_settings("all"))
    16
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coordlab.backends.base import REGISTRY
from coordlab.config import Layers, layer_grid
from coordlab.errors import ConfigError
from coordlab.llm.profiles import get_profile
from coordlab.types import Ticket

KEY = ("backend", "layers", "profile", "seed", "ticket_id")
"""The columns that identify a trial."""


def parse_seeds(spec: str | int | Iterable[int]) -> list[int]:
    """``"0-9"`` -> 0..9, ``"3"`` -> [3], ``"1,4"`` -> [1, 4]; ints and lists pass through."""
    if isinstance(spec, int):
        return [spec]
    if not isinstance(spec, str):
        return list(spec)
    seeds: list[int] = []
    try:
        for part in spec.split(","):
            lo, _, hi = part.strip().partition("-")
            seeds += list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise ConfigError(f"bad seeds '{spec}': use N, A-B or a comma list") from None
    if not seeds:
        raise ConfigError(f"bad seeds '{spec}': the range is empty")
    return seeds


def layer_settings(grid: str | Iterable[str | Layers]) -> list[Layers]:
    """``all`` (the 16 on/off combinations), ``SPEC;SPEC;...``, or a list of specs."""
    if isinstance(grid, str):
        if grid.strip() == "all":
            return layer_grid()
        grid = [part for part in grid.split(";") if part.strip()]
    settings = [Layers.parse(spec) for spec in grid]
    if not settings:
        raise ConfigError("--layers-grid names no layer setting")
    return settings


def names(value: str | Iterable[str], what: str) -> list[str]:
    """A comma list (or a list) of names, without repeats, in order."""
    items = value.split(",") if isinstance(value, str) else list(value)
    items = list(dict.fromkeys(i.strip() for i in items if i.strip()))
    if not items:
        raise ConfigError(f"no {what} given")
    return items


@dataclass(frozen=True)
class Config:
    """One configuration of a sweep."""

    backend: str
    layers: str
    profile: str


@dataclass(frozen=True)
class Unit:
    """A configuration, a seed and the tickets to run (a chunk of the population)."""

    config: Config
    seed: int
    tickets: tuple[Ticket, ...]


def configs(backends: Sequence[str], settings: Sequence[Layers], profiles: Sequence[str]):
    """Every configuration of the grid, checked (unknown names fail before anything runs)."""
    for backend in backends:
        if backend not in REGISTRY:
            raise ConfigError(f"unknown backend '{backend}'; registered: {', '.join(REGISTRY)}")
    for profile in profiles:
        get_profile(profile)
    return [
        Config(backend, layers.label, profile)
        for backend in backends
        for layers in settings
        for profile in profiles
    ]


def plan(
    grid: Sequence[Config],
    seeds: Sequence[int],
    tickets: Sequence[Ticket],
    done: set[tuple] = frozenset(),
    chunk: int = 100,
) -> list[Unit]:
    """The units still to run: every (configuration, seed) over the tickets not in ``done``."""
    units = []
    for config in grid:
        for seed in seeds:
            key = (config.backend, config.layers, config.profile, seed)
            todo = [t for t in tickets if (*key, t.id) not in done]
            for start in range(0, len(todo), chunk):
                units.append(Unit(config, seed, tuple(todo[start : start + chunk])))
    return units
