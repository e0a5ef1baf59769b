"""Composing the customer reply from a decision, written once.

The simulated LLM's compose step and the grader's reference reply both use
:func:`compose_reply`, so a delivered reply is right exactly when it equals the reference.
"""

from __future__ import annotations

from coordlab.domain.policy import Passage
from coordlab.types import Decision, OrderView

GOODWILL_SENTENCE = "Under our goodwill policy we have made an exception for you."
ESCALATION_SENTENCE = (
    "Your request has been passed to a member of our team, who will contact you shortly."
)
HALLUCINATION = "As a goodwill gesture we have also added a $25.00 store credit to your account."


def facts_line(order: OrderView) -> str:
    """The sentence that restates the order record to the customer."""
    placed = order.order_date.isoformat() if order.order_date else "unknown"
    status = order.status or "unknown"
    return (
        f"Regarding order {order.order_id} (placed {placed}, total ${order.total:.2f}, "
        f"status {status})."
    )


def action_sentence(decision: Decision, passages: dict[str, Passage]) -> str:
    """The sentence that tells the customer what was done."""
    if decision.action == "refund":
        return (
            f"We have approved a refund of ${decision.amount:.2f} to your original payment method."
        )
    if decision.action == "decline":
        return "We are unable to offer a refund for this request."
    passage = passages.get(decision.policy_ids[0])
    if passage is None:
        return GOODWILL_SENTENCE
    return passage.text.split(". ")[0].rstrip(".") + "."


def compose_reply(
    decision: Decision, customer: str, order: OrderView | None, passages: dict[str, Passage]
) -> str:
    """The reply a correct compose step writes.

    Example:
        >>> d = Decision(action="decline", amount=0, policy_ids=["POL-01"])
        >>> print(compose_reply(d, "Ana", None, {}).splitlines()[1])
        We are unable to offer a refund for this request.

    """
    lines = [f"Dear {customer},"]
    if decision.action == "escalate":
        lines.append(ESCALATION_SENTENCE)
    else:
        if order is not None:
            lines.append(facts_line(order))
        lines.append(action_sentence(decision, passages))
    lines.append(f"This follows our policy {', '.join(decision.policy_ids)}.")
    lines.append("Kind regards, the support team")
    return "\n".join(lines)
