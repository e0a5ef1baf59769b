"""A results cache on disk: a configuration computed before costs nothing the second time.

A cached row is keyed by everything that decides it: the backend and the installed versions of
its framework's packages, the layer setting, the fault profile (its whole definition, not just
its name), the seed, the ticket (its id and content), the share of hard tickets in the
population when a correlated profile spreads its faults by it, the dataset's orders and
policies, the price and latency table, the coordlab version and a digest of coordlab's own
source (so an edited checkout never reads rows its old code made). Rows live in one
append-only :class:`~coordlab.experiment.store.ResultStore` per digest of the non-per-trial
parts of that key, under ``<cache>/<digest>/``; each row also carries its ticket's content
digest, and a row whose ticket changed is recomputed (the newest row of a key wins).

A real endpoint (a :class:`~coordlab.llm.endpoint.ModelConfig`) is keyed by its models and
base URLs, never its key; its answers are not a pure function of the key, so a cached row is a
record of what that model said once, served again instead of paid for again. A
cached row keeps the ``wall_s`` of the run that made it. Several processes may share a cache
directory: each writes whole parts under unique names and never removes another's files.

Example:
    >>> import tempfile
    >>> from coordlab.config import Layers
    >>> from coordlab.datasets import load_tickets
    >>> cache = ResultCache(tempfile.mkdtemp())
    >>> first = cache.rows("plain", Layers.none(), "perfect", load_tickets(limit=3), [0])
    >>> again = cache.rows("plain", Layers.none(), "perfect", load_tickets(limit=3), [0])
    >>> [r["outcome"] for r in again] == [r["outcome"] for r in first], cache.hits
    (True, 3)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
from collections.abc import Sequence
from dataclasses import asdict
from functools import cache
from pathlib import Path

import pandas as pd

from coordlab.backends.base import REGISTRY, backend_class
from coordlab.config import Layers
from coordlab.datasets import hard_share, load_orders, load_policies
from coordlab.experiment.runner import run_trials
from coordlab.experiment.store import MANIFEST, ResultStore
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.pricing import TIERS
from coordlab.llm.profiles import FaultProfile, get_profile
from coordlab.types import Ticket

TICKET_DIGEST = "ticket_digest"
"""The column that holds a cached row's ticket content digest (dropped from what is returned)."""


def _digest(*parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


@cache
def source_digest() -> str:
    """A digest of coordlab's source files that decide a row (all but ``viz`` and ``testing``)."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for p in root.rglob("*.py") if p.parts[len(root.parts)] not in SKIP)
    return _digest(*(f"{p.relative_to(root)}:{p.read_bytes().hex()}" for p in files))


def user_layer_digests() -> dict[str, str]:
    """A digest of each registered layer that is not built in: its class's source code.

    A user's layer is part of what decides a row, so editing it must not serve stale rows.
    """
    from coordlab.layers import BUILT_IN
    from coordlab.layers import REGISTRY as LAYER_CLASSES

    return {
        name: _digest(_source(cls)) for name, cls in LAYER_CLASSES.items() if name not in BUILT_IN
    }


def _source(cls: type) -> str:
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):  # defined where no source is kept: the name is all we have
        return f"{cls.__module__}:{cls.__qualname__}"


SKIP = {"viz", "testing"}
"""Subpackages of coordlab whose code never changes a trial row."""


def framework_versions(backend: str) -> dict[str, str]:
    """The installed versions of the packages a backend's extra requires (``{}`` for plain)."""
    from packaging.requirements import Requirement

    extra = REGISTRY.get(backend, ("", None))[1]
    if extra is None:
        return {}
    wanted = [Requirement(r) for r in importlib.metadata.requires("coordlab") or []]
    names = sorted({r.name for r in wanted if r.marker and r.marker.evaluate({"extra": extra})})
    return {name: _version(name) for name in names}


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def population_key(profile: FaultProfile, population: Sequence[Ticket]) -> float | None:
    """What of the population decides a fault draw: the hard share, under a correlated profile.

    Mirrors :meth:`coordlab.llm.faults.FaultInjector.fault_probability`: with no correlation,
    or no hard ticket at all, the population does not matter.
    """
    if profile.hard_multiplier == 1.0 or not any("hard" in t.tags for t in population):
        return None
    return round(hard_share(population), 6)


@cache
def dataset_digest() -> str:
    """A digest of the bundled orders and policies (the tickets are keyed one by one)."""
    orders = [o.model_dump() for o in load_orders()]
    return _digest(orders, [p.model_dump() for p in load_policies()])


def ticket_digest(ticket: Ticket) -> str:
    """A digest of one ticket's content (email, tags, ground truth)."""
    return _digest(ticket.model_dump())


class ResultCache:
    """Rows of trials already run, on disk, shared by every process that points at ``path``.

    Args:
        path: the cache directory (created on first write).

    Attributes:
        hits: rows served from the cache so far; ``misses``: rows computed.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        self._read: dict[Path, tuple[tuple[Path, ...], pd.DataFrame]] = {}

    def store_for(
        self,
        backend: str,
        profile: FaultProfile,
        population: Sequence[Ticket],
        llm: ModelConfig | None = None,
    ) -> ResultStore:
        """The store that holds ``backend``'s rows of ``profile`` for ``population``'s tickets."""
        from coordlab._version import __version__

        key = {
            "llm": llm.label if llm is not None else "sim",
            "coordlab": __version__,
            "source": source_digest(),
            "user_layers": user_layer_digests(),
            "frameworks": framework_versions(backend),
            "dataset": dataset_digest(),
            "profile": profile.model_dump(),
            "population": population_key(profile, population),
            "tiers": {name: asdict(tier) for name, tier in TIERS.items()},
        }
        path = self.path / _digest(key)
        if not (path / MANIFEST).exists():  # creating clears leftovers: only for a new store
            return ResultStore.create(path, key, resume=True)
        return ResultStore(path)

    def rows(
        self,
        backend: str,
        layers: Layers,
        profile: str | FaultProfile,
        tickets: Sequence[Ticket],
        seeds: Sequence[int],
        progress: bool = False,
        llm: ModelConfig | None = None,
    ) -> list[dict]:
        """One row per (seed, ticket), in that order: from the cache, or run and stored.

        ``llm`` is a real endpoint: its rows are keyed by its model and URL (never its key).
        """
        profile = get_profile(profile)
        backend_class(backend)  # an unknown backend or a missing extra fails before any read
        store = self.store_for(backend, profile, tickets, llm)
        stored = self._stored(store, backend, layers, profile)
        digests = {t.id: ticket_digest(t) for t in tickets}
        missing = {
            seed: [t for t in tickets if stored.get((seed, t.id), {}).get(TICKET_DIGEST)
                   != digests[t.id]]
            for seed in seeds
        }  # fmt: skip
        for seed, todo in missing.items():
            if todo:
                fresh = list(
                    run_trials(backend, layers, profile, todo, [seed], llm=llm,
                               progress=progress, population=tickets)
                )  # fmt: skip
                for row in fresh:
                    row[TICKET_DIGEST] = digests[row["ticket_id"]]
                    stored[(seed, row["ticket_id"])] = row
                store.append(fresh)
                self.misses += len(fresh)
        self.hits += len(seeds) * len(tickets) - sum(map(len, missing.values()))
        return [_public(stored[(seed, t.id)]) for seed in seeds for t in tickets]

    def _stored(
        self, store: ResultStore, backend: str, layers: Layers, profile: FaultProfile
    ) -> dict:
        frame = self._frame(store)
        if frame.empty:
            return {}
        mine = frame[(frame["backend"] == backend) & (frame["layers"] == layers.label)]
        mine = mine[mine["profile"] == profile.name]
        mine = mine.astype(object).where(mine.notna(), None)  # NaN read back -> None, as run
        return {(r["seed"], r["ticket_id"]): r for r in mine.to_dict("records")}

    def _frame(self, store: ResultStore) -> pd.DataFrame:
        """The store's rows, read again only when its parts changed (a panel's seen setting)."""
        parts = tuple(store.parts())
        known = self._read.get(store.path)
        if known is None or known[0] != parts:
            known = (parts, store.read(keep="last"))  # a ticket edited since: the newer row
            self._read[store.path] = known
        return known[1]


def _public(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != TICKET_DIGEST}
