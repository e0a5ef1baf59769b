"""The approvals queue: a refund above the threshold waits for a person, who approves or not.

An :class:`ApprovalRequest` is what the desk sends (the order, the amount, the policies it
cites); a simulated :class:`Approver` reviews it the way a support lead would, from the order
store and the full policy book (not from the ticket's ground truth), with its own keyed error
rate (the ``approver_error`` fault of the ``approve`` step), a queue latency on the virtual
clock and a price per approval (``coordlab.Prices.approval_usd``). An approval comes with a
token; the refund tool pays an over-threshold refund only with a token issued for that order
and amount (:meth:`coordlab.tools.store.OrderService.issue_approval`).

Example:
    >>> from coordlab.datasets import load_orders, load_policies
    >>> from coordlab.tools.store import OrderService
    >>> passages = [policy.Passage(p.id, p.title, p.text) for p in load_policies()]
    >>> book = policy.Rulebook(tuple(passages))
    >>> order = next(o for o in load_orders() if o.total > 300)
    >>> service = OrderService([order])
    >>> request = ApprovalRequest(trial="0/T0001", order_id=order.id, amount=order.total,
    ...     reason="changed_mind", received_on=order.order_date, policy_ids=["POL-01", "POL-02"])
    >>> answer = Approver(service, book).review(request)
    >>> answer.approved, answer.token.startswith("APR-")
    (True, True)
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from coordlab.domain import policy
from coordlab.llm.faults import FaultInjector
from coordlab.types import Intake, OrderView

QUEUE_S = 600.0
"""Virtual seconds a request waits for a person (ten minutes of the approvals queue)."""


class ApprovalRequest(BaseModel):
    """What the desk asks a person to approve."""

    trial: str
    order_id: str
    amount: float
    reason: str
    received_on: dt.date
    policy_ids: list[str]
    attempt: int = 1
    """Which request of the trial this is (a retried approve step asks again)."""

    def question(self) -> str:
        """The request as a person reads it.

        Example:
            >>> ApprovalRequest(trial="0/T0001", order_id="ORD-1", amount=612.5, reason="damaged",
            ...     received_on="2026-03-02", policy_ids=["POL-01", "POL-04"]).question()
            'Approve a refund of $612.50 on ORD-1 (damaged; POL-01, POL-04)?'
        """
        why = "; ".join([self.reason, ", ".join(self.policy_ids)])
        return f"Approve a refund of ${self.amount:.2f} on {self.order_id} ({why})?"


class ApprovalAnswer(BaseModel):
    """What the person answers: approved with a token, or not (and why)."""

    approved: bool
    token: str | None = None
    note: str = ""


class Approver:
    """A simulated support lead reviewing over-threshold refunds.

    Args:
        service: the order service (its store, and the tokens it issues).
        book: every policy the shop has (a person reads the policy book, not a retrieval).
        injector: the fault draws (``approve`` step, ``approver_error``); ``None``: never wrong.
    """

    def __init__(self, service, book: policy.Rulebook, injector: FaultInjector | None = None):
        self.service, self.book, self.injector = service, book, injector

    def review(self, request: ApprovalRequest) -> ApprovalAnswer:
        """Approve ``request`` if the policies allow the refund (unless this review errs)."""
        right = self.justified(request)
        ticket, attempt = request.trial.split("/")[1], request.attempt
        erred = self.injector and self.injector.draw(ticket, "approve", attempt, ["approver_error"])
        if right != bool(erred):
            token = self.service.issue_approval(request.trial, request.order_id, request.amount)
            return ApprovalAnswer(approved=True, token=token, note="approved")
        return ApprovalAnswer(approved=False, note="the policies do not allow this refund")

    def justified(self, request: ApprovalRequest) -> bool:
        """Whether the policies, applied to the stored order, pay exactly this refund."""
        stored = self.service.fetch_quiet(request.order_id)
        if stored is None:
            return False
        order = OrderView(**{**stored, "order_date": dt.date.fromisoformat(stored["order_date"])})
        asked = {"order_id": request.order_id, "requested_amount": request.amount}
        intake = Intake.model_construct(intent="refund", reason=request.reason, **asked)
        expected = policy.decide(intake, order, self.book, request.received_on, approved=True)
        return (expected.action, round(expected.amount, 2), expected.policy_ids) == (
            "refund",
            round(request.amount, 2),
            list(request.policy_ids),
        )
