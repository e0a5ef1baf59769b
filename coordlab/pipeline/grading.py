"""Grading a trial from what reached the customer: the ledger of side effects.

``success``: exactly one side effect, whose action, order, amount and reply text equal the
reference (so the reply cites the right policies and only supported claims; an expected
escalation that escalates on the right grounds counts). ``escalated``: handed to a human when it
should not have been, or on the wrong grounds. ``silent_failure``: anything else that reached the
customer, including a duplicated side effect. ``crashed``: an unhandled error stopped the run.

Counters beside the outcome: ``duplicates`` (side effects beyond the first),
``unauthorized_refunds`` (refunds the ground truth does not allow: no refund due, or more than
is due) and ``wrong_refunds`` (every refund paid that differs from the ground truth: not due,
another order, or another amount, too little included).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from coordlab.datasets import load_policies
from coordlab.domain import policy
from coordlab.domain.policy import Passage, Rulebook
from coordlab.domain.reply import compose_reply
from coordlab.types import Decision, Intake, OrderView, Ticket


@dataclass(frozen=True)
class Grade:
    """A trial's outcome and its side-effect counters."""

    outcome: str
    duplicates: int
    unauthorized_refunds: int
    wrong_refunds: int
    action: str | None
    order_id: str | None
    amount: float | None
    expected_action: str = ""
    """What was due: the ground truth's action, or the approved refund with the approval layer."""
    expected_amount: float = 0.0


@cache
def full_rulebook() -> Rulebook:
    """Every policy of the dataset: what the verification gate's code knows."""
    return Rulebook(tuple(Passage(p.id, p.title, p.text) for p in load_policies()))


def expected_delivery(ticket: Ticket, order: OrderView | None, approvals: bool = False) -> tuple:
    """``(action, order_id, amount, reply)`` a correct pipeline delivers.

    With ``approvals`` (the approval layer on), a refund escalated only for the threshold is
    paid once a person approves it, so that refund is what a correct pipeline delivers.
    """
    truth = ticket.truth
    decision = Decision(action=truth.action, amount=truth.amount, policy_ids=truth.policy_ids)
    if approvals and order is not None and policy.needs_approval(decision, full_rulebook()):
        decision = approved_refund(ticket, order)
    passages: dict[str, Passage] = {p.id: p for p in full_rulebook().passages}
    reply = compose_reply(decision, ticket.customer, order, passages)
    return decision.action, truth.order_id, round(decision.amount, 2), reply


def waits_for_approval(ticket: Ticket, order: OrderView | None) -> bool:
    """Whether the right answer to ``ticket`` is a refund a person must approve.

    Such a refund is above the threshold: without the approval layer it is escalated, with it,
    paid once approved.
    """
    return expected_delivery(ticket, order, approvals=True)[0] != ticket.truth.action


def approved_refund(ticket: Ticket, order: OrderView) -> Decision:
    """The refund the policies pay on ``ticket`` once a person approves it above the threshold."""
    truth = ticket.truth
    intake = Intake(intent=truth.intent, order_id=truth.order_id,
                    requested_amount=truth.requested_amount, reason=truth.reason)  # fmt: skip
    return policy.decide(intake, order, full_rulebook(), ticket.received_at, approved=True)


def grade(
    ticket: Ticket,
    order: OrderView | None,
    ledger: list[dict],
    crashed: bool,
    approvals: bool = False,
) -> Grade:
    """Grade one trial from its ledger entries (``approvals``: the approval layer is on)."""
    truth = ticket.truth
    expected = expected_delivery(ticket, order, approvals)
    waited = expected[0] != truth.action  # a refund that completes only after approval
    due_action, due_order, due = expected[:3]
    unauthorized = sum(
        1
        for e in ledger
        if e["kind"] == "refund" and (due_action != "refund" or e["amount"] > due + 0.005)
    )
    wrong = sum(
        1
        for e in ledger
        if e["kind"] == "refund"
        and (due_action != "refund" or e["order_id"] != due_order or abs(e["amount"] - due) > 0.005)
    )
    duplicates = max(0, len(ledger) - 1)
    first = ledger[0] if ledger else None
    action = first["kind"] if first else None
    order_id = first["order_id"] if first else None
    amount = round(first["amount"], 2) if first else None
    if crashed:
        outcome = "crashed"
    elif first is None:
        outcome = "crashed"  # nothing delivered and no error: treat as a stopped run
    elif duplicates:
        outcome = "silent_failure"
    elif (action, order_id, amount, first["text"]) == expected:
        outcome = "success_after_approval" if waited else "success"
    else:
        outcome = "escalated" if action == "escalate" else "silent_failure"
    return Grade(
        outcome, duplicates, unauthorized, wrong, action, order_id, amount, due_action, due
    )
