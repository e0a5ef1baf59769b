"""The approvals queue: policies that pay an approved refund, tokens, and a person who reviews."""

import pytest

from coordlab.datasets import load_orders, load_policies
from coordlab.domain import policy
from coordlab.errors import Rejected
from coordlab.llm.faults import FaultInjector
from coordlab.llm.profiles import targeted_profile
from coordlab.tools.approvals import ApprovalRequest, Approver
from coordlab.tools.store import APPROVAL_THRESHOLD, OrderService

BOOK = policy.Rulebook(tuple(policy.Passage(p.id, p.title, p.text) for p in load_policies()))
BIG = [o for o in load_orders() if o.total > APPROVAL_THRESHOLD and o.category == "physical"]


def _request(order, amount=None, seed_ticket="0/T0001"):
    cited = [BOOK.find("window").id, BOOK.find("threshold").id]
    return ApprovalRequest(trial=seed_ticket, order_id=order.id, amount=amount or order.total,
                           reason="changed_mind", received_on=order.order_date,
                           policy_ids=cited)  # fmt: skip


def test_an_approved_refund_is_paid_and_cites_the_threshold_policy():
    from coordlab.types import Intake, OrderView

    order = BIG[0]
    view = OrderView(
        **{**order.model_dump(exclude={"id", "customer", "item"}), "order_id": order.id}
    )
    intake = Intake(
        intent="refund", order_id=order.id, requested_amount=None, reason="changed_mind"
    )
    waiting = policy.decide(intake, view, BOOK, order.order_date)
    assert policy.needs_approval(waiting, BOOK)
    paid = policy.decide(intake, view, BOOK, order.order_date, approved=True)
    assert (paid.action, paid.amount) == ("refund", order.total)
    assert paid.policy_ids[-1] == BOOK.find("threshold").id


def test_the_refund_tool_pays_above_the_threshold_only_with_a_token_for_that_refund():
    order = BIG[0]
    service = OrderService([order])
    with pytest.raises(Rejected, match="needs an approval token"):
        service.record("refund", "0/T0001/deliver/1", order.id, order.total, "text")
    with pytest.raises(Rejected, match="not valid"):
        service.record("refund", "0/T0001/deliver/1", order.id, order.total, "text",
                       approval_token="APR-made-up")  # fmt: skip
    other = service.issue_approval("0/T0001", order.id, order.total - 10)
    with pytest.raises(Rejected, match="not valid"):
        service.record(
            "refund", "0/T0001/deliver/1", order.id, order.total, "t", approval_token=other
        )
    token = service.issue_approval("0/T0001", order.id, order.total)
    service.record("refund", "0/T0001/deliver/1", order.id, order.total, "t", approval_token=token)
    assert service.ledger("0/T0001")[0]["amount"] == order.total


def test_the_approver_approves_what_the_policies_pay_and_nothing_else():
    service = OrderService(BIG)
    approver = Approver(service, BOOK)
    for order in BIG[:10]:
        assert approver.review(_request(order)).approved
        assert not approver.review(_request(order, amount=order.total * 1.2)).approved


def test_the_approver_errs_at_its_own_keyed_rate():
    service = OrderService(BIG)
    wrong_half = targeted_profile([("approve", "approver_error")], rate=0.5)
    approver = Approver(service, BOOK, FaultInjector(wrong_half, seed=0))
    answers = [approver.review(_request(o, seed_ticket=f"0/T{i:04d}")).approved
               for i, o in enumerate(BIG * 4)]  # fmt: skip
    assert 0.3 < answers.count(False) / len(answers) < 0.7
    again = [approver.review(_request(o, seed_ticket=f"0/T{i:04d}")).approved
             for i, o in enumerate(BIG * 4)]  # fmt: skip
    assert again == answers  # keyed: the same request, the same mistake


def test_with_the_approval_layer_over_threshold_refunds_complete_after_approval():
    from helpers import cached_rows

    rows = cached_rows("all,approval", "perfect")
    waited = [r for r in rows if r["approvals"]]
    assert len(waited) >= 30
    assert {r["outcome"] for r in waited} == {"success_after_approval"}
    assert all(r["action"] == "refund" and r["amount"] > APPROVAL_THRESHOLD for r in waited)
    assert {r["outcome"] for r in rows if not r["approvals"]} == {"success"}
    without = cached_rows("all", "perfect")
    assert sum(r["action"] == "escalate" for r in without) == sum(
        r["action"] == "escalate" for r in rows
    ) + len(waited)
