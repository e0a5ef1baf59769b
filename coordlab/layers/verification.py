"""Verification layer: a verify step between compose and deliver.

Modes: ``gate`` (deterministic policy rules in code), ``critic-strict`` / ``critic-vague`` (a
second LLM call, asked strictly or vaguely), ``full`` (gate, then strict critic).

The gate knows the business rules from code, not from retrieval, so it holds even when the
model is talked into something: it re-derives the decision from the intake and the order,
checks that the intake's order number and amount appear in the email, that every cited policy
was actually retrieved, and that the reply states the decided amount and policies.
"""

from __future__ import annotations

import re
from functools import cache

from coordlab.datasets import load_policies
from coordlab.domain import policy
from coordlab.domain.policy import Passage, Rulebook
from coordlab.types import Verdict


@cache
def full_rulebook() -> Rulebook:
    """Every policy of the dataset: what the gate's code knows."""
    return Rulebook(tuple(Passage(p.id, p.title, p.text) for p in load_policies()))


def gate(email, received, intake, hits, order, decision, reply) -> Verdict:
    """Check one ticket's results against the policy rules in code."""
    problem = _gate_problem(email, received, intake, hits, order, decision, reply)
    if problem is None:
        return Verdict(passed=True, reason="all rules hold", checker="gate")
    return Verdict(passed=False, blame=problem[0], reason=problem[1], checker="gate")


def _gate_problem(email, received, intake, hits, order, decision, reply):
    if intake.order_id and intake.order_id not in email:
        return "intake", f"order {intake.order_id} is not in the email"
    if intake.requested_amount is not None and not _mentions(email, intake.requested_amount):
        return "intake", "the requested amount is not in the email"
    if intake.order_id and order is not None and (order.total <= 0 or order.order_date is None):
        return "lookup", "the order record is incomplete"
    expected = policy.decide(intake, order, full_rulebook(), received)
    retrieved = {h.id for h in hits}
    if not set(expected.policy_ids) <= retrieved:
        return "retrieve", f"{', '.join(expected.policy_ids)} was not retrieved"
    if (decision.action, round(decision.amount, 2), list(decision.policy_ids)) != (
        expected.action,
        expected.amount,
        expected.policy_ids,
    ):
        return "decide", f"rules give {expected.action} {expected.amount:.2f}"
    if decision.action == "refund" and f"${decision.amount:.2f}" not in reply:
        return "compose", "the reply does not state the refund amount"
    if f"policy {', '.join(decision.policy_ids)}." not in reply:
        return "compose", "the reply does not cite the decision's policies"
    return None


def _mentions(email: str, amount: float) -> bool:
    numbers = re.findall(r"\$([\d,]+(?:\.\d+)?)", email)
    return any(abs(float(n.replace(",", "")) - amount) < 0.005 for n in numbers)


class Verification:
    """Which checks the verify step runs.

    Args:
        mode: ``off``, ``gate``, ``critic-strict``, ``critic-vague`` or ``full``.

    """

    def __init__(self, mode: str = "full"):
        self.mode = mode

    @property
    def enabled(self) -> bool:
        """Whether a verify step is inserted."""
        return self.mode != "off"

    @property
    def uses_gate(self) -> bool:
        """Whether the deterministic gate runs."""
        return self.mode in ("gate", "full")

    @property
    def critic_mode(self) -> str | None:
        """The critic prompt to use, if any."""
        return {
            "critic-strict": "critic-strict",
            "critic-vague": "critic-vague",
            "full": "critic-strict",
        }.get(self.mode)
