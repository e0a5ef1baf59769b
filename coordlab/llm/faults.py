"""The fault model: fault kinds and keyed fault draws (profiles live in ``profiles.py``).

Every draw is a pure function of ``(seed, ticket id, step, attempt)`` through a counter-based
keyed hash (BLAKE2b), never of global call order; the model tier that answers moves only the
threshold the draw is held against (a profile's ``tiers``), so a weaker tier's faults include
the primary's. Every backend and every layer setting therefore
sees the same faults on the same trial (common random numbers), so comparisons are paired.

Each :class:`FaultKind` carries its MAST failure mode (Cemri et al., 2025, "Why Do Multi-Agent
LLM Systems Fail?"). Infrastructure faults (timeouts, outages) have no MAST mode of their own; we
label them FM-3.1 *premature termination*, the failure they cause when nothing catches them.

Example:
    >>> from coordlab.llm.profiles import get_profile
    >>> profile = get_profile("uniform-97")
    >>> injector = FaultInjector(profile, seed=0)
    >>> kind = injector.draw("T0001", "intake", 1, ["wrong_intent", "timeout"])
    >>> kind in (None, "wrong_intent", "timeout")
    True

"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coordlab.llm.profiles import FaultProfile


@dataclass(frozen=True)
class FaultKind:
    """A realistic mistake one step can make."""

    name: str
    step: str
    mast: str
    caught_by: tuple[str, ...]
    description: str
    transient: bool = False
    weight: float = 1.0
    """Its relative weight among its step's kinds in the default mix (0: only when targeted)."""


_KINDS = [
    FaultKind(
        "wrong_intent",
        "intake",
        "FM-2.2 Fail to ask for clarification",
        ("verification",),
        "misreads what the customer wants",
        weight=3,
    ),
    FaultKind(
        "wrong_order_id",
        "intake",
        "FM-1.1 Disobey task specification",
        ("verification", "protocol"),
        "copies the order number wrongly or invents one",
        weight=2,
    ),
    FaultKind(
        "format_drift",
        "intake",
        "FM-2.5 Ignored other agent's input",
        ("state",),
        "writes an amount with a decimal comma; a text re-parse drops the decimal",
        weight=2,
    ),
    FaultKind(
        "dropped_field",
        "intake",
        "FM-2.4 Information withholding",
        ("state",),
        "leaves the order number out of its answer",
    ),
    FaultKind(
        "empty_retrieval",
        "retrieve",
        "FM-2.4 Information withholding",
        ("recovery", "verification"),
        "the index returns nothing",
    ),
    FaultKind(
        "low_recall",
        "retrieve",
        "FM-2.4 Information withholding",
        ("verification",),
        "the passage that decides the case is missing from the top-k",
        weight=2,
    ),
    FaultKind(
        "schema_drift",
        "lookup",
        "FM-2.5 Ignored other agent's input",
        ("protocol", "state"),
        "the order service answers in a new schema; fields picked by name read as 0/empty",
    ),
    FaultKind(
        "wrong_action",
        "decide",
        "FM-1.1 Disobey task specification",
        ("verification",),
        "chooses an action the policies do not support",
        weight=2,
    ),
    FaultKind(
        "wrong_amount",
        "decide",
        "FM-1.1 Disobey task specification",
        ("verification",),
        "refunds the wrong amount",
        weight=2,
    ),
    FaultKind(
        "format_drift",
        "decide",
        "FM-2.5 Ignored other agent's input",
        ("state",),
        "writes the refund amount with a decimal comma; a text re-parse drops the decimal",
        weight=2,
    ),
    FaultKind(
        "injection_followed",
        "decide",
        "FM-1.2 Disobey role specification",
        ("verification",),
        "obeys instructions injected in the customer's email",
        weight=12,
    ),
    FaultKind(
        "hallucinated_claim",
        "compose",
        "FM-2.6 Reasoning-action mismatch",
        ("verification",),
        "promises something no policy or record supports",
        weight=3,
    ),
    FaultKind(
        "amount_mismatch",
        "compose",
        "FM-2.6 Reasoning-action mismatch",
        ("verification",),
        "states a different amount than the decision",
    ),
    FaultKind(
        "critic_false_pass",
        "verify",
        "FM-3.3 Incorrect verification",
        (),
        "the critic approves a reply that is wrong",
        weight=4,
    ),
    FaultKind(
        "critic_false_alarm",
        "verify",
        "FM-3.3 Incorrect verification",
        (),
        "the critic rejects a reply that is right",
        weight=4,
    ),
    FaultKind(
        "timeout_before_effect",
        "deliver",
        "FM-3.1 Premature termination",
        ("recovery",),
        "the tool call times out before anything happened",
        transient=True,
    ),
    FaultKind(
        "timeout_after_effect",
        "deliver",
        "FM-1.3 Step repetition",
        ("recovery",),
        "the side effect happened but the caller saw a timeout; a blind retry repeats it",
        transient=True,
    ),
]
_TRANSIENT = (  # (name, its steps, what happens); a critic is not rate-limited by default
    ("timeout", ("intake", "lookup", "decide", "compose", "verify"), "the call times out"),
    ("rate_limit", ("intake", "decide", "compose", "verify"), "the provider answers 429"),
)
for _name, _steps, _what in _TRANSIENT:
    _KINDS += [
        FaultKind(_name, s, "FM-3.1 Premature termination", ("recovery",), _what, transient=True)
        for s in _steps
    ]
_KINDS[-1] = replace(_KINDS[-1], weight=0.0)  # verify's rate_limit: only when targeted
_KINDS.append(
    FaultKind(
        "misroute",
        "route",
        "FM-1.1 Disobey task specification",
        (),
        "the router sends the ticket to the other model tier",
    )
)
_KINDS.append(
    FaultKind(
        "approver_error",
        "approve",
        "FM-3.3 Incorrect verification",
        (),
        "the person approving gets it wrong: approves a refund the policies forbid, or not",
    )
)
_KINDS += [  # the order service's own faults: only when targeted, or under ``flaky-tools``
    FaultKind(
        "rate_limit",
        "lookup",
        "FM-3.1 Premature termination",
        ("recovery",),
        "the order service answers 429 Too Many Requests",
        transient=True,
        weight=0.0,
    ),
    FaultKind(
        "expired_credentials",
        "lookup",
        "FM-3.1 Premature termination",
        ("protocol",),
        "the order service answers 401: the access token has expired and stays so until refreshed",
        transient=True,
        weight=0.0,
    ),
]

FAULT_KINDS: dict[tuple[str, str], FaultKind] = {(k.step, k.name): k for k in _KINDS}
"""Every fault kind, by ``(step, name)``."""

OUTAGE = FaultKind(
    "outage",
    "*",
    "FM-3.1 Premature termination",
    ("recovery",),
    "the primary model is unavailable (fallback model needed)",
    transient=True,
)


def faults_caught_by(layer: str, alone: bool = False) -> list[tuple[str, str]]:
    """``(step, name)`` of every fault kind that ``layer`` is listed as catching.

    A kind's first ``caught_by`` layer catches it on its own; the others catch some of it
    (the protocol layer stops an invented order id, not a real order's id copied wrongly).
    ``alone=True`` lists only the kinds ``layer`` is first for.

    Example:
        >>> faults_caught_by("protocol")[:2]
        [('intake', 'wrong_order_id'), ('lookup', 'schema_drift')]
        >>> faults_caught_by("protocol", alone=True)
        [('lookup', 'schema_drift'), ('lookup', 'expired_credentials')]
    """
    return [
        (k.step, k.name) for k in _KINDS if layer in (k.caught_by[:1] if alone else k.caught_by)
    ]


def default_mix() -> dict[str, dict[str, float]]:
    """Each step's fault kinds and their weights, from the kinds' ``weight`` (0 left out)."""
    mix: dict[str, dict[str, float]] = {}
    for kind in _KINDS:
        if kind.weight > 0:
            mix.setdefault(kind.step, {})[kind.name] = kind.weight
    return mix


def fault_kind(step: str, name: str) -> FaultKind:
    """Return the :class:`FaultKind` ``name`` of ``step`` (``outage`` for any LLM step)."""
    return OUTAGE if name == "outage" else FAULT_KINDS[(step, name)]


def keyed_uniform(*key: object) -> float:
    """A uniform number in [0, 1) that depends only on ``key`` (counter-based, order-free)."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2.0**64


class FaultInjector:
    """Draws faults for one seed under one profile.

    Args:
        profile: the fault profile.
        seed: the experiment seed.
        hard_tickets: ids of tickets tagged ``hard`` (a correlated profile piles faults on
            them; a weaker tier's multiplier is larger on them).
        hard_share: share of hard tickets in the population, to keep marginals exact.

    """

    def __init__(
        self,
        profile: FaultProfile,
        seed: int,
        hard_tickets: Iterable[str] = (),
        hard_share: float = 0.25,
    ):
        self.profile = profile
        self.seed = seed
        self.hard = frozenset(hard_tickets)
        self.hard_share = hard_share

    def fault_probability(self, ticket_id: str, step: str, tier: str = "primary") -> float:
        """Per-execution fault probability of ``step`` on ``ticket_id``, answered by ``tier``."""
        easy, hard = self.profile.tiers.get(tier, (1.0, 1.0))
        p = self._primary_probability(ticket_id, step)
        return min(1.0, p * (hard if ticket_id in self.hard else easy))

    def _primary_probability(self, ticket_id: str, step: str) -> float:
        p = self.profile.fault_rate(step)
        m = self.profile.hard_multiplier
        if m == 1.0 or not self.hard:
            return p
        if ticket_id in self.hard:
            return min(1.0, p * m)
        return max(0.0, p * (1 - self.hard_share * m) / (1 - self.hard_share))

    def draw(
        self,
        ticket_id: str,
        step: str,
        attempt: int,
        applicable: Sequence[str],
        tier: str = "primary",
    ) -> str | None:
        """The fault kind for this execution, or ``None``.

        Args:
            ticket_id: the ticket.
            step: the step being executed.
            attempt: 1 for the first execution of the step in the trial, then 2, 3, ...
            applicable: the kinds that would change this execution's output; others are not
                drawn (a fault that changes nothing is not a fault).
            tier: the model tier answering (the profile's ``tiers`` may make it less reliable).

        """
        weights = self.profile.mix.get(step, {})
        kinds = [k for k in applicable if weights.get(k, 0) > 0]
        if not kinds:
            return None
        u = keyed_uniform(self.seed, ticket_id, step, attempt, "fault")
        if u >= self.fault_probability(ticket_id, step, tier):
            return None
        v = keyed_uniform(self.seed, ticket_id, step, attempt, "kind") * sum(
            weights[k] for k in kinds
        )
        for kind in kinds:
            v -= weights[kind]
            if v < 0:
                return kind
        return kinds[-1]

    def primary_down(self, ticket_id: str) -> bool:
        """Whether the primary model is in an outage for this ticket (same on every attempt)."""
        rate = self.profile.outage_rate
        return rate > 0 and keyed_uniform(self.seed, ticket_id, "outage") < rate
