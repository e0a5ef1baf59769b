"""Fault profiles: per-step reliability, the mix of fault kinds, correlation and outages.

Example:
    >>> get_profile("seed-002").reliability["retrieve"]
    0.95
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from coordlab.errors import ConfigError

DEFAULT_MIX: dict[str, dict[str, float]] = {
    "intake": {
        "wrong_intent": 3,
        "wrong_order_id": 2,
        "format_drift": 2,
        "dropped_field": 1,
        "timeout": 1,
        "rate_limit": 1,
    },
    "retrieve": {"empty_retrieval": 1, "low_recall": 2},
    "lookup": {"timeout": 1, "schema_drift": 1},
    "decide": {
        "wrong_action": 2,
        "wrong_amount": 2,
        "format_drift": 2,
        "injection_followed": 12,
        "timeout": 1,
        "rate_limit": 1,
    },
    "compose": {"hallucinated_claim": 3, "amount_mismatch": 1, "timeout": 1, "rate_limit": 1},
    "verify": {"critic_false_pass": 4, "critic_false_alarm": 4, "timeout": 1},
    "deliver": {"timeout_before_effect": 1, "timeout_after_effect": 1},
}
"""Relative weights of the fault kinds of each step (renormalised over the applicable ones)."""


class FaultProfile(BaseModel):
    """Per-step reliability, the mix of fault kinds, correlation and outages.

    Attributes:
        reliability: probability that one execution of a step is fault-free.
        mix: relative weights of each step's fault kinds.
        hard_multiplier: >1 concentrates faults on tickets tagged ``hard`` while keeping each
            step's marginal fault rate (so the 0.97^n prediction breaks as in production).
        outage_rate: share of tickets during which the primary model is unavailable.

    """

    name: str
    reliability: dict[str, float]
    mix: dict[str, dict[str, float]] = Field(default_factory=lambda: DEFAULT_MIX)
    hard_multiplier: float = 1.0
    outage_rate: float = 0.0

    def fault_rate(self, step: str) -> float:
        """The marginal probability that one execution of ``step`` is faulty."""
        return 1.0 - self.reliability.get(step, 1.0)


def _rel(values: Sequence[float], verify: float = 0.97) -> dict[str, float]:
    steps = ("intake", "retrieve", "lookup", "decide", "compose", "deliver")
    return dict(zip(steps, values, strict=True)) | {"verify": verify}


SEED_002 = (0.98, 0.95, 0.97, 0.96, 0.97, 0.98)
PROFILES: dict[str, FaultProfile] = {
    "perfect": FaultProfile(name="perfect", reliability=_rel([1.0] * 6, verify=1.0)),
    "seed-002": FaultProfile(name="seed-002", reliability=_rel(SEED_002)),
    "uniform-97": FaultProfile(name="uniform-97", reliability=_rel([0.97] * 6)),
    "correlated-97": FaultProfile(
        name="correlated-97", reliability=_rel([0.97] * 6), hard_multiplier=3.0
    ),
    "outage": FaultProfile(name="outage", reliability=_rel(SEED_002), outage_rate=0.25),
}
"""The built-in profiles (DESIGN §10)."""


def get_profile(name: str | FaultProfile) -> FaultProfile:
    """Look a built-in profile up by name (a :class:`FaultProfile` passes through)."""
    if isinstance(name, FaultProfile):
        return name
    if name not in PROFILES:
        raise ConfigError(f"unknown profile '{name}'; built in: {', '.join(PROFILES)}")
    return PROFILES[name]


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
