"""The measuring instrument: was a step's output right *given the input it received*?

These checks never feed back into the pipeline; they only label :class:`StepRecord` s so that
per-step accuracy, and the product of accuracies, can be held against end-to-end success.
"""

from __future__ import annotations

from coordlab.domain import policy
from coordlab.domain.policy import Rulebook
from coordlab.domain.reply import compose_reply
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.grading import expected_delivery
from coordlab.tools.store import APPROVAL_THRESHOLD
from coordlab.types import Decision, Intake, Order, OrderView


def decision_key(decision: Decision | None) -> tuple:
    """A comparable form of a decision (tolerant of unvalidated values)."""
    if decision is None:
        return ()
    return decision.action, round(float(decision.amount or 0), 2), list(decision.policy_ids)


def true_view(desk: Desk, order_id: str | None) -> OrderView | None:
    """The order as the store really holds it (``None`` if there is no such order)."""
    order = desk.orders.get(order_id or "")
    return None if order is None else order_view(order)


def order_view(order: Order) -> OrderView:
    """What a correct lookup returns for a stored ``order``."""
    return OrderView(
        order_id=order.id,
        total=order.total,
        order_date=order.order_date,
        region=order.region,
        status=order.status,
        category=order.category,
    )


def intake_ok(trial: Trial, intake: Intake) -> bool:
    """Intake is right when it matches the ticket's ground truth (its input is the email)."""
    t = trial.ticket.truth
    return (intake.intent, intake.order_id, intake.requested_amount, intake.reason) == (
        t.intent,
        t.order_id,
        t.requested_amount,
        t.reason,
    )


def right_tier(trial: Trial, threshold: float = APPROVAL_THRESHOLD) -> str:
    """The tier a careful router sends the ticket to, from its ground truth.

    The primary for an adversarial ticket, one with no order number, a legal threat, a
    requested amount above ``threshold``, or a refund or status request in indirect words
    (tagged ``hard``); the small model (``fallback``) for the rest.

    Example:
        >>> from coordlab import load_tickets
        >>> tickets = {t.id: t for t in load_tickets()}
        >>> [right_tier(Trial(ticket=tickets[i], seed=0)) for i in ("T0001", "T0048")]
        ['fallback', 'primary']
    """
    ticket, truth = trial.ticket, trial.ticket.truth
    risky = "adversarial" in ticket.tags or truth.order_id is None or truth.reason == "legal"
    large = (truth.requested_amount or 0) > threshold
    indirect = "hard" in ticket.tags and truth.intent in ("refund", "status")
    return "primary" if risky or large or indirect else "fallback"


def lookup_ok(desk: Desk, order_id: str, view: OrderView | None) -> bool:
    """Lookup is right when it returns the stored record (or refuses an unknown id)."""
    truth = true_view(desk, order_id)
    if truth is None:
        return view is None or view.total == 0
    return view is not None and view.model_dump() == truth.model_dump()


def decide_ok(trial: Trial, decision: Decision, intake, passages, order) -> bool:
    """Decide is right when it applies the rules to the passages and order it was given."""
    expected = policy.decide(intake, order, Rulebook(tuple(passages)), trial.ticket.received_at)
    return decision_key(decision) == decision_key(expected)


def expected_reply(trial: Trial, decision: Decision, passages, order) -> str:
    """The reply compose should write for the decision and context it was given."""
    by_id = {p.id: p for p in passages}
    return compose_reply(decision, trial.ticket.customer, order, by_id)


def right_so_far(desk: Desk, trial: Trial, step: str, given) -> bool:
    """Whether the hand-offs up to ``step`` (intake, decide or compose) are right.

    What a critic on every hand-off should say after ``step``: the intake matches the ticket,
    the decision (action, order, amount) is the one the ground truth delivers, the whole
    bundle would deliver correctly.
    """
    if step == "intake":
        return intake_ok(trial, given.intake)
    if step == "decide":
        truth = trial.ticket.truth
        expected = (truth.order_id, truth.action, round(truth.amount, 2), list(truth.policy_ids))
        return (given.intake.order_id, *decision_key(given.decision)) == expected
    return delivery_would_succeed(desk, trial, given)


def decided(given) -> Decision:
    """The decision to act on: the refund a person approved, or the decision as it was made."""
    approval = given.approval
    if approval is None:
        return given.decision
    return Decision(action=approval.action, amount=approval.amount, policy_ids=approval.policy_ids)


def delivery_would_succeed(desk: Desk, trial: Trial, given) -> bool:
    """Whether delivering these hand-offs would succeed (what a verifier should say).

    Only a refund a person approved is expected to be paid above the threshold: after a refusal
    (even a wrong one) the escalation that stands is what the desk should deliver.
    """
    order = true_view(desk, trial.ticket.truth.order_id)
    approved = desk.layers.on("approval") and given.approval is not None
    expected = expected_delivery(trial.ticket, order, approved)
    intake, decision, reply = given.intake, decided(given), given.reply
    got = (
        decision.action if decision else None,
        intake.order_id if intake else None,
        round(float(decision.amount or 0), 2) if decision else None,
        reply,
    )
    return got == expected
