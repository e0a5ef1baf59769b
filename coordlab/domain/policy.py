"""The support desk's business rules, written once.

:func:`decide` applies the rules to what a step knows: the intake, the order and the policy
passages it was given (a :class:`Rulebook`). When a passage the rules need is missing, it does
what an LLM does without grounds: it invents a goodwill policy (``POL-90``/``POL-99``), which the
verification layer can catch. The simulated LLM, the verification gate and the per-step
reference all call this one function; it lives in :mod:`coordlab.domain`, below both the
simulator (``llm/``) and the desk (``pipeline/``), so neither imports the other for it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from coordlab.types import Decision, Intake, OrderView

INVENTED_REFUND_POLICY = "POL-90"
INVENTED_REPLY_POLICY = "POL-99"

# Which passage each rule needs, found by a phrase of its title (not by id).
NEEDS = {
    "window": "refund windows",
    "threshold": "approval threshold",
    "limit": "refund limit",
    "digital": "digital goods",
    "damaged": "damaged items",
    "no_order": "without an order number",
    "status": "status inquiries",
    "complaint": "complaints",
    "legal": "legal threats",
    "address": "address changes",
    "invoice": "invoices",
    "loyalty": "loyalty points",
}


@dataclass(frozen=True)
class Passage:
    """A policy passage as a step sees it."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Rulebook:
    """The policy passages available to a step, with the rules' parameters read from them."""

    passages: tuple[Passage, ...] = field(default=())

    def find(self, need: str) -> Passage | None:
        """The passage a rule needs (``need`` is a key of :data:`NEEDS`), if available."""
        phrase = NEEDS[need]
        return next((p for p in self.passages if phrase in p.title.lower()), None)

    def ids(self) -> set[str]:
        """Ids of the available passages."""
        return {p.id for p in self.passages}

    def window_days(self, region: str) -> int:
        """Refund window for ``region`` as the window passage states it (0 if not stated)."""
        passage = self.find("window")
        match = passage and re.search(rf"\b{re.escape(region)} (\d+) days", passage.text)
        return int(match.group(1)) if match and region else 0

    def number(self, need: str, pattern: str) -> float:
        """A number read from a passage with ``pattern`` (one group)."""
        passage = self.find(need)
        match = passage and re.search(pattern, passage.text)
        return float(match.group(1).replace(",", "")) if match else 0.0


def age_days(order: OrderView, received_on: dt.date) -> int:
    """Days from the order date to the ticket (0 if the date is unknown)."""
    return (received_on - order.order_date).days if order.order_date else 0


def decide(
    intake: Intake,
    order: OrderView | None,
    book: Rulebook,
    received_on: dt.date,
    approved: bool = False,
) -> Decision:
    """Apply the policies in ``book`` to one ticket.

    ``approved``: a human approved a refund above the approval threshold, so it is paid (citing
    the policy that allows it and the threshold's) instead of escalated.

    Example:
        >>> intake = Intake(intent="status", order_id="ORD-10001", requested_amount=None,
        ...                 reason="none")
        >>> book = Rulebook((Passage("POL-07", "Order status inquiries", "..."),))
        >>> decide(intake, OrderView(order_id="ORD-10001"), book, dt.date(2026, 5, 1)).action
        'reply'

    """
    if intake.intent == "refund":
        return _refund(intake, order, book, received_on, approved)
    if intake.order_id is None:
        return _cite(book, "no_order", "escalate")
    if intake.intent == "status":
        return _cite(book, "status", "reply")
    if intake.intent == "complaint":
        legal = intake.reason == "legal"
        return _cite(book, "legal" if legal else "complaint", "escalate" if legal else "reply")
    need = intake.reason if intake.reason in ("address", "invoice", "loyalty") else "status"
    return _cite(book, need, "reply")


def _cite(book: Rulebook, need: str, action: str, amount: float = 0.0) -> Decision:
    passage = book.find(need)
    if passage is None:  # no grounds in context: the model makes a policy up
        return Decision(action="reply", amount=0.0, policy_ids=[INVENTED_REPLY_POLICY])
    return Decision(action=action, amount=round(amount, 2), policy_ids=[passage.id])


def _refund(
    intake: Intake, order: OrderView | None, book: Rulebook, received_on: dt.date, approved: bool
) -> Decision:
    if intake.order_id is None or order is None:
        return _cite(book, "no_order", "escalate")
    amount = intake.requested_amount if intake.requested_amount is not None else order.total
    if amount > order.total:
        return _grounded(book, "limit", "decline", amount)
    age = age_days(order, received_on)
    if order.category == "digital":
        need, eligible = "digital", intake.reason == "defective"
    elif intake.reason == "damaged":
        need = "damaged"
        eligible = age <= book.number("damaged", r"within (\d+) days")
    else:
        need, eligible = "window", age <= book.window_days(order.region)
    if book.find(need) is None:
        return _goodwill(amount)
    if not eligible:
        return _cite(book, need, "decline")
    threshold = book.number("threshold", r"above \$([\d,.]+\d)")
    if book.find("threshold") is None:
        return _goodwill(amount)
    if amount > threshold and not approved:
        return _cite(book, "threshold", "escalate")
    refund = _cite(book, need, "refund", amount)
    if amount > threshold:  # approved: the threshold policy is part of the grounds
        refund.policy_ids.append(book.find("threshold").id)
    return refund


def needs_approval(decision: Decision, book: Rulebook) -> bool:
    """Whether ``decision`` escalates only because the refund is above the approval threshold.

    Example:
        >>> book = Rulebook((Passage("POL-02", "Refund approval threshold", "above $200"),))
        >>> needs_approval(Decision(action="escalate", amount=0, policy_ids=["POL-02"]), book)
        True
    """
    threshold = book.find("threshold")
    return (
        threshold is not None
        and decision.action == "escalate"
        and list(decision.policy_ids) == [threshold.id]
    )


def _grounded(book: Rulebook, need: str, action: str, amount: float) -> Decision:
    return _cite(book, need, action) if book.find(need) else _goodwill(amount)


def _goodwill(amount: float) -> Decision:
    """What a model does with a refund request and no policy to check it against."""
    return Decision(action="refund", amount=round(amount, 2), policy_ids=[INVENTED_REFUND_POLICY])
