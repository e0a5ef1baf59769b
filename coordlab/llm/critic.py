"""The simulated critic: what an LLM reviewer notices, depending on how it is asked.

A *strict* critic (header flag ``critic=strict``; its instructions ask whether every claim traces
to a line of the context) redoes each step from the context and compares; a *vague* one
(``critic=vague``: "is this reply correct?") skims: it only notices a refund reply that does not
state the decided amount. Both read only the prompt.

A critic on every hand-off (header flag ``checks=intake`` or ``checks=decide``) is shown the
bundle only up to that step and reviews only what it was shown.
"""

from __future__ import annotations

from coordlab.domain import policy
from coordlab.domain.reply import compose_reply
from coordlab.llm.reading import PromptView


def review(view: PromptView) -> dict:
    """The fault-free verdict on the bundle in ``view``."""
    from coordlab.llm.responders import decision_from, intake_from

    intake, decision = intake_from(view), decision_from(view)
    reply = view.sections.get("Reply", "").strip()
    if not view.strict:
        stated = decision.action != "refund" or f"${decision.amount:.2f}" in reply
        return _verdict(None if stated else ("compose", "the refund amount is not stated"))
    return _verdict(_strict_problem(view, intake, decision, reply))


def _strict_problem(view, intake, decision, reply) -> tuple[str, str] | None:
    from coordlab.llm.responders import read_intake

    if read_intake(view.email()) != intake:
        return "intake", "the intake does not match the email"
    if view.checks == "intake":
        return None
    order = view.order()
    if intake.order_id and (order is None or order.total <= 0 or order.order_date is None):
        return "lookup", "the order record is incomplete"
    book = view.rulebook()
    approved = "Approval" in view.sections  # a person approved a refund above the threshold
    expected = policy.decide(intake, order, book, view.received_on(), approved)
    if set(expected.policy_ids) & {policy.INVENTED_REFUND_POLICY, policy.INVENTED_REPLY_POLICY}:
        return "retrieve", "no policy in the context covers this case"
    if expected != decision:
        return "decide", "the decision does not follow the policies"
    if view.checks == "decide":
        return None
    passages = {p.id: p for p in book.passages}
    if compose_reply(decision, view.customer(), order, passages) != reply:
        return "compose", "the reply makes a claim the context does not support"
    return None


def _verdict(problem: tuple[str, str] | None) -> dict:
    if problem is None:
        return {
            "passed": True,
            "blame": None,
            "reason": "all claims supported",
            "checker": "critic",
        }
    blame, reason = problem
    return {"passed": False, "blame": blame, "reason": reason, "checker": "critic"}
