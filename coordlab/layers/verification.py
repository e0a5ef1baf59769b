"""Verification layer: a verify step between compose and deliver.

Modes: ``gate`` (deterministic policy rules in code), ``critic-strict`` / ``critic-vague`` (a
second LLM call, asked strictly or vaguely), ``per-step`` (a strict critic on every hand-off:
after each LLM step, before its output is handed on), ``gate+per-step`` (both), ``full`` (gate,
then strict critic).

The gate knows the business rules from code, not from retrieval, so it holds even when the
model is talked into something: it re-derives the decision from the intake and the order,
checks that the intake's order number and amount appear in the email, that every cited policy
was actually retrieved, and that the reply states the decided amount and policies.
"""

from __future__ import annotations

import re

from coordlab.domain import policy
from coordlab.domain.steps import TABLE
from coordlab.errors import Rejected, TransientError
from coordlab.layers.base import Layer
from coordlab.pipeline import reference, steps
from coordlab.pipeline.grading import full_rulebook
from coordlab.types import Verdict


def gate(email, received, intake, hits, order, decision, reply, approved=False) -> Verdict:
    """Check one ticket's results against the policy rules in code.

    ``approved``: a person approved the refund above the threshold (the rules then pay it).
    """
    problem = _gate_problem(email, received, intake, hits, order, decision, reply, approved)
    if problem is None:
        return Verdict(passed=True, reason="all rules hold", checker="gate")
    return Verdict(passed=False, blame=problem[0], reason=problem[1], checker="gate")


def _gate_problem(email, received, intake, hits, order, decision, reply, approved):
    if intake.order_id and intake.order_id not in email:
        return "intake", f"order {intake.order_id} is not in the email"
    if intake.requested_amount is not None and not _mentions(email, intake.requested_amount):
        return "intake", "the requested amount is not in the email"
    if intake.order_id and order is not None and (order.total <= 0 or order.order_date is None):
        return "lookup", "the order record is incomplete"
    expected = policy.decide(intake, order, full_rulebook(), received, approved)
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


class Verification(Layer):
    """A verify step between compose and deliver, and/or a critic on every hand-off.

    Modes: ``off``, ``gate``, ``critic-strict``, ``critic-vague``, ``per-step``,
    ``gate+per-step``, ``full`` (gate, then the strict critic). It overrides three hooks:
    ``flow`` (the verify step goes before deliver), ``verify`` (what that step runs) and
    ``check`` (the critic on every hand-off reviews each LLM step's result inside that step,
    so it is refused before any framework hands it on; ``per-step`` alone has no verify step:
    its critic after compose is the one critic).

    Example:
        >>> from coordlab.pipeline.support_desk import SupportDesk
        >>> Verification(SupportDesk(), "gate").flow()[-3:]
        ('compose', 'verify', 'deliver')
        >>> Verification(SupportDesk(), "per-step").flow()[-2:]
        ('compose', 'deliver')
    """

    modes = ("off", "gate", "critic-strict", "critic-vague", "per-step", "gate+per-step", "full")

    def flow(self) -> tuple[str, ...]:
        """The inner flow with ``verify`` before its last step (deliver), unless per-step only."""
        inner = self.inner.flow()
        if self.mode == "per-step":
            return inner
        return (*inner[:-1], "verify", inner[-1])

    def check(self, step, result, trial) -> None:
        """The inner checks, then, per step, a strict critic on each LLM step's result."""
        self.inner.check(step, result, trial)
        if self.mode.endswith("per-step") and step in REVIEWED:
            _review_hand_off(result.desk, trial, step, result)

    def verify(self, desk, trial, given) -> Verdict:
        """Run the gate and/or the critic; raise :class:`Rejected` on a failed check."""
        verdict = None
        if self.mode in ("gate", "gate+per-step", "full"):
            verdict = _run_gate(desk, trial, given)
        if critic := CRITICS.get(self.mode):
            verdict = _run_critic(desk, trial, given, critic)
        return verdict


CRITICS = {
    "critic-strict": "critic-strict",
    "critic-vague": "critic-vague",
    "full": "critic-strict",
}
"""Verification mode -> the critic prompt its verify step asks (none for ``gate``)."""

REVIEWED = tuple(s.name for s in TABLE if s.kind == "llm")
"""The steps a critic on every hand-off reviews: every LLM step."""


def decision_sections(codec, given) -> dict[str, str]:
    """The decision a critic reviews, and the approval it rests on when a person gave one."""
    sections = {"Decision": codec.render(reference.decided(given))}
    if given.approval is not None:
        sections["Approval"] = codec.render(given.approval)
    return sections


def _should_pass(desk, trial, given) -> bool:
    return reference.delivery_would_succeed(desk, trial, given)


def _run_gate(desk, trial, given) -> Verdict:
    trial.next_attempt("verify")
    verdict = gate(
        given.email,
        trial.ticket.received_at,
        given.intake,
        given.passages,
        given.order,
        reference.decided(given),
        given.reply,
        given.approval is not None,
    )
    good = _should_pass(desk, trial, given)
    trial.record(
        "verify",
        verdict.passed == good,
        model="gate",
        produced=verdict.reason,
        caught_by=None if verdict.passed else "verification",
    )
    if not verdict.passed:
        raise Rejected(verdict.blame or "decide", "verification", verdict.reason)
    return verdict


def _review_hand_off(desk, trial, step: str, given) -> None:
    codec = desk.pipeline.codec
    sections = {"Email": given.email}
    if step != "intake":
        sections = steps.context(desk, given) | decision_sections(codec, given)
    if step == "intake":
        sections["Intake"] = codec.render(given.intake)
    if step == "compose":
        sections["Reply"] = given.reply
    good = reference.right_so_far(desk, trial, step, given)
    verdict = _ask_reviewer(desk, trial, step, sections, lambda v: v.passed == good)
    if not verdict.passed:
        trial.records[-1].caught_by = "verification"
        raise Rejected(verdict.blame or step, "verification", verdict.reason)


def _ask_reviewer(desk, trial, step: str, sections: dict, right) -> Verdict:
    """The strict critic's verdict on ``step``; a failed call is retried as a critic's call.

    A timeout of the critic is the critic's, not the reviewed step's: recovery retries the
    critic (its own attempts, keyed like every verify call) and, when it gives up, the ticket
    goes to a human; without recovery the error propagates (the trial crashes).
    """
    while True:
        try:
            verdict, _ = steps.ask(desk, trial, "verify", sections, right, "critic-strict", step)
        except TransientError as err:
            if not desk.pipeline.after_transient(trial, "verify", err):
                raise Rejected("verify", "recovery", f"no critic answered after {step}") from None
            continue
        trial.failures_in_a_row["verify"] = 0
        return verdict


def _run_critic(desk, trial, given, mode: str) -> Verdict:
    codec = desk.pipeline.codec
    sections = steps.context(desk, given) | {
        **decision_sections(codec, given),
        "Reply": given.reply,
    }
    good = _should_pass(desk, trial, given)
    verdict, _ = steps.ask(desk, trial, "verify", sections, lambda v: v.passed == good, mode)
    if not verdict.passed:
        trial.records[-1].caught_by = "verification"
        raise Rejected(verdict.blame or "compose", "verification", verdict.reason)
    return verdict
