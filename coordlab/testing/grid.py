"""The conformance grid and the rows a backend produces on it (cached per process).

The grid (:func:`settings`) is every layer setting of :data:`GRID` under each profile of
:data:`PROFILES` on every 4th bundled ticket, and each layer's own faults
(:data:`LAYER_FAULTS`, at a 30% rate) with all layers off and with that layer alone on, on
every 2nd ticket; seed 0 throughout. :func:`grid_rows` is what ``check_paired_agreement``
compares and what :mod:`coordlab.testing.digest` hashes for ``plain``.

Example:
    >>> len(sample_tickets(4)) == len(sample_tickets(1)[::4])
    True
    >>> len(settings()) == len(GRID) * len(PROFILES) + 2 * len(LAYER_FAULTS)
    True
    >>> targeted("protocol")
    'targeted[lookup.expired_credentials+lookup.schema_drift]@0.3'

"""

from __future__ import annotations

import functools

from coordlab.backends.base import Backend
from coordlab.config import LAYER_NAMES, Layers
from coordlab.datasets import load_tickets
from coordlab.experiment.runner import run_trials
from coordlab.llm.faults import faults_caught_by
from coordlab.llm.profiles import FaultProfile, get_profile, targeted_profile

GRID = (
    "none",
    "state",
    "protocol",
    "verification",
    "recovery",
    "all",
    "all,-state",
    "all,-protocol",
    "all,-verification",
    "all,-recovery",
    "verification:per-step",
    "all,verification:gate+per-step",
    "routing:rules",
    "all,routing",
    "approval",
    "all,approval",
)
"""Layer settings for paired agreement: all off, each alone, all on, all but each, the critic
on every hand-off, the router (rules alone, the model router with everything else) and a
person's approval (alone, and with everything else)."""

PROFILES = ("uniform-97", "outage")
"""The fault profiles of the conformance grid."""

EVERY = 4
"""The grid's tickets: every ``EVERY``-th bundled ticket."""

SEED = 0
"""The grid's seed."""

LAYER_FAULTS = {layer: faults_caught_by(layer, alone=True) for layer in LAYER_NAMES}
"""Each layer's own faults: what it must catch (``check_layers_catch_their_faults``), read from
every fault kind's ``caught_by`` (the kinds the layer is listed first for: it catches them alone).
"""

TARGETED_EVERY = 2
"""Targeted profiles run on every ``TARGETED_EVERY``-th ticket."""

VOLATILE = ("wall_s",)
"""Row columns that vary from run to run and are never compared."""

_PROFILES: dict[str, FaultProfile] = {}


def sample_tickets(every: int = EVERY):
    """Every ``every``-th bundled ticket: all tags and actions, a quarter of the time."""
    return load_tickets()[::every]


def add_profile(profile: FaultProfile) -> str:
    """Make a profile that is not built in usable by name in :func:`rows`; return the name."""
    _PROFILES[profile.name] = profile
    return profile.name


def stable(row: dict) -> dict:
    """A row without its :data:`VOLATILE` columns."""
    return {k: v for k, v in row.items() if k not in VOLATILE}


@functools.cache
def rows(
    backend: str | type[Backend], spec: str, profile: str, every: int = EVERY, seed: int = SEED
) -> tuple[dict, ...]:
    """One pass of ``backend`` over the sampled tickets (rows without volatile columns)."""
    profile_obj = _PROFILES.get(profile) or get_profile(profile)
    run = run_trials(backend, Layers.parse(spec), profile_obj, sample_tickets(every), [seed])
    return tuple(stable(r) for r in run)


def targeted(layer: str) -> str:
    """The name of a profile with only ``layer``'s faults, at a 30% rate (usable in rows)."""
    return add_profile(targeted_profile(LAYER_FAULTS[layer], rate=0.3))


def settings() -> list[tuple[str, str, int]]:
    """Every ``(spec, profile, every)`` of the conformance grid."""
    out = [(spec, p, EVERY) for spec in GRID for p in PROFILES]
    for layer in LAYER_FAULTS:
        out += [("none", targeted(layer), TARGETED_EVERY), (layer, targeted(layer), TARGETED_EVERY)]
    return out


def grid_rows(backend: str | type[Backend]) -> dict[str, tuple[dict, ...]]:
    """``{"spec/profile": rows}`` over the whole conformance grid."""
    return {f"{spec}/{p}": rows(backend, spec, p, every) for spec, p, every in settings()}
