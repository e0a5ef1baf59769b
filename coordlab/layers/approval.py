"""Approval layer: a refund above the threshold waits for a person, and then completes.

Without it, a refund above the approval threshold is escalated: a person takes the ticket over.
With it (mode ``human``), an ``approve`` step after decide sends such a refund to the approvals
queue (:mod:`coordlab.tools.approvals`): a simulated person reviews it against the order and
the policy book, with its own keyed error rate and a queue time on the virtual clock, and an
approved refund goes on to compose and deliver with the approval token the refund tool asks for.
Graded, a ticket that completes this way is a ``success_after_approval``.

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> HumanApproval(SupportDesk()).flow()[3:6]
    ('decide', 'approve', 'compose')
"""

from __future__ import annotations

from coordlab.domain import policy
from coordlab.layers.base import Layer
from coordlab.tools.approvals import QUEUE_S, ApprovalRequest
from coordlab.types import Approval


class HumanApproval(Layer):
    """An ``approve`` step after decide; it overrides ``flow`` and ``approve``."""

    modes = ("off", "human")

    def flow(self) -> tuple[str, ...]:
        """The inner flow with ``approve`` right after decide."""
        inner = self.inner.flow()
        at = inner.index("decide") + 1
        return (*inner[:at], "approve", *inner[at:])

    def approve(self, desk, trial, given) -> Approval | None:
        """Ask a person to approve an over-threshold refund; ``None`` if none is asked or given."""
        request = approval_request(trial, given)
        if request is None:
            return None
        # ask before counting: a framework may pause here and run this hook again on resume
        answer = desk.ask(request)
        trial.next_attempt("approve")
        trial.clock_s += QUEUE_S
        trial.approvals += 1
        right = answer.approved == desk.approver.justified(request)
        fault = None if right else "approver_error"  # (the person answers right unless it errs)
        trial.record("approve", right, model="human", received=repr(request),
                     produced=answer.note, fault=fault)  # fmt: skip
        if not answer.approved:
            return None
        return Approval(token=answer.token, action="refund", amount=request.amount,
                        policy_ids=request.policy_ids)  # fmt: skip


def approval_request(trial, given) -> ApprovalRequest | None:
    """The request for a decision that escalates only for the threshold (else ``None``)."""
    book = policy.Rulebook(tuple(given.passages))
    intake, order = given.intake, given.order
    if order is None or not policy.needs_approval(given.decision, book):
        return None
    refund = policy.decide(intake, order, book, trial.ticket.received_at, approved=True)
    if refund.action != "refund":
        return None
    return ApprovalRequest(
        trial=trial.key,
        order_id=order.order_id,
        amount=refund.amount,
        reason=intake.reason,
        received_on=trial.ticket.received_at,
        policy_ids=refund.policy_ids,
        attempt=trial.attempts["approve"] + 1,
    )
