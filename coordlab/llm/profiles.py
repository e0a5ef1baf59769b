"""Fault profiles: per-step reliability, the mix of fault kinds, correlation and outages.

Besides the built-in names, two families take the per-step reliability in percent:
``uniform-P`` (every work step P% reliable, no correlation: ``uniform-90``, ``uniform-99.5``)
and ``correlated-P`` (the same marginals, faults concentrated on hard tickets).

Example:
    >>> get_profile("seed-002").reliability["retrieve"]
    0.95
    >>> get_profile("uniform-99").reliability["decide"]
    0.99
    >>> get_profile("correlated-90").hard_multiplier
    4.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from coordlab.domain.steps import TABLE, WORK_STEPS
from coordlab.errors import ConfigError
from coordlab.llm.faults import default_mix

DEFAULT_MIX: dict[str, dict[str, float]] = default_mix()
"""Relative weights of the fault kinds of each step (renormalised over the applicable ones).

Derived from each :class:`~coordlab.llm.faults.FaultKind`'s ``weight``."""


SMALL_TIER: dict[str, tuple[float, float]] = {"fallback": (2.0, 4.0)}
"""The small model (tier ``fallback``: the routing layer's cheap tier and the fallback after an
outage) faults twice as often as the primary, four times as often on ``hard`` tickets.

coordlab's assumption, after the seeds' "the cheap tier is worse, especially on hard tickets":
a 97% step is 94% on the small model, 88% on a hard ticket."""


class FaultProfile(BaseModel):
    """Per-step reliability, the mix of fault kinds, correlation and outages.

    Attributes:
        reliability: probability that one execution of a step is fault-free.
        mix: relative weights of each step's fault kinds.
        hard_multiplier: >1 concentrates faults on tickets tagged ``hard`` while keeping each
            step's marginal fault rate (so the 0.97^n prediction breaks as in production).
        outage_rate: share of tickets during which the primary model is unavailable.
        tiers: fault-rate multipliers of model tiers other than the primary, ``(on easy
            tickets, on hard ones)``; default :data:`SMALL_TIER`. The draw is the same, only
            the threshold moves, so every fault of the primary is a fault of the small model
            too (paired comparisons stay paired). ``{}``: every tier as reliable as the
            primary.

    """

    name: str
    reliability: dict[str, float]
    mix: dict[str, dict[str, float]] = Field(default_factory=lambda: DEFAULT_MIX)
    hard_multiplier: float = 1.0
    outage_rate: float = 0.0
    tiers: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(SMALL_TIER))

    def fault_rate(self, step: str) -> float:
        """The marginal probability that one execution of ``step`` is faulty."""
        return 1.0 - self.reliability.get(step, 1.0)


APPROVER = 0.98
"""How often the person approving over-threshold refunds gets it right (coordlab's assumption)."""


def _rel(values: Sequence[float], verify: float = 0.97) -> dict[str, float]:
    """Per-step reliability: the six work steps, the layers' model steps, the approver."""
    person = APPROVER if verify < 1 else 1.0
    layer_steps = {s.name: person if s.kind == "human" else verify for s in TABLE if not s.work}
    return dict(zip(WORK_STEPS, values, strict=True)) | layer_steps


SEED_002 = (0.98, 0.95, 0.97, 0.96, 0.97, 0.98)
CORRELATION = 4.5
"""How much likelier a fault is on a ``hard`` ticket under ``correlated-*`` profiles.

Hard tickets are 21% of the dataset, so 4.5× leaves the other tickets almost fault-free (the
marginals stay exact up to 1 / 0.21 ≈ 4.8×). At 3× the product rule's error (about 1 point)
hid inside the interval of a few thousand trials; at 4.5× it is about 3 points."""
PROFILES: dict[str, FaultProfile] = {
    "perfect": FaultProfile(name="perfect", reliability=_rel([1.0] * 6, verify=1.0)),
    "seed-002": FaultProfile(name="seed-002", reliability=_rel(SEED_002)),
    "uniform-97": FaultProfile(name="uniform-97", reliability=_rel([0.97] * 6)),
    "correlated-97": FaultProfile(
        name="correlated-97", reliability=_rel([0.97] * 6), hard_multiplier=CORRELATION
    ),
    "outage": FaultProfile(name="outage", reliability=_rel(SEED_002), outage_rate=0.25),
    "flaky-tools": FaultProfile(
        name="flaky-tools",
        reliability=_rel(SEED_002) | {"lookup": 0.85},
        mix=DEFAULT_MIX
        | {"lookup": {"timeout": 1, "rate_limit": 2, "expired_credentials": 1, "schema_drift": 1}},
    ),
}
"""The built-in profiles (DESIGN §10), and ``flaky-tools``: ``seed-002`` with an order service
that fails 15% of lookups, mostly on its own account (rate limits, expired access tokens)."""


FAMILIES = {"uniform": 1.0, "correlated": CORRELATION}
"""Parametric profile families (``uniform-P``, ``correlated-P``) and their hard multiplier."""


def get_profile(name: str | FaultProfile) -> FaultProfile:
    """Look a profile up by name (a :class:`FaultProfile` passes through).

    Raises:
        ConfigError: an unknown name, or a family member whose P is not in (0, 100].
    """
    if isinstance(name, FaultProfile):
        return name
    if name in PROFILES:
        return PROFILES[name]
    family, _, percent = name.rpartition("-")
    if family in FAMILIES:
        return _family_member(name, family, percent)
    raise ConfigError(
        f"unknown profile '{name}'; built in: {', '.join(PROFILES)}, or uniform-P / "
        "correlated-P with P the per-step reliability in percent (e.g. uniform-99)"
    )


def _family_member(name: str, family: str, percent: str) -> FaultProfile:
    try:
        p = float(percent) / 100
    except ValueError:
        p = -1.0
    if not 0 < p <= 1:
        raise ConfigError(f"bad profile '{name}': P must be a percentage in (0, 100]")
    return FaultProfile(name=name, reliability=_rel([p] * 6), hard_multiplier=FAMILIES[family])


def targeted_profile(kinds: Iterable[tuple[str, str]], rate: float = 0.3) -> FaultProfile:
    """A profile that injects only ``kinds`` (``(step, name)`` pairs), at ``rate`` per execution.

    Used to show one layer at work: only the faults it exists for, often enough to count.
    """
    kinds = list(kinds)
    mix: dict[str, dict[str, float]] = {}
    for step, name in kinds:
        mix.setdefault(step, {})[name] = DEFAULT_MIX.get(step, {}).get(name, 1.0)
    reliability = {step: 1.0 - rate for step in mix}
    label = "+".join(sorted(f"{s}.{n}" for s, n in kinds))
    return FaultProfile(name=f"targeted[{label}]@{rate:g}", reliability=reliability, mix=mix)
