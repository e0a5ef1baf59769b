"""What the simulated LLM answers at each step, and how each fault kind changes the answer.

An answer is a dict of field values. :func:`answer` computes the fault-free answer from the
prompt alone; :func:`applicable` lists the fault kinds that would change it; :func:`corrupt`
applies one. Transient kinds (timeout, rate limit) are raised by the simulator instead.
"""

from __future__ import annotations

import re

from coordlab.domain import policy
from coordlab.domain.reply import HALLUCINATION, compose_reply
from coordlab.llm.faults import keyed_uniform
from coordlab.llm.reading import PromptView
from coordlab.types import Decision, Intake

LEGAL = ("lawyer", "legal action", "chargeback")
REFUND = ("refund", "money back", "paid back", "reimburse")
STATUS = ("where is", "status", "tracking", "any news", "left your warehouse")
COMPLAINT = ("disappointed", "unacceptable", "frustrated")
OTHER = {"address": ("address",), "invoice": ("invoice", "receipt"), "loyalty": ("loyalty",)}
REASONS = {
    "damaged": ("damaged", "broken", "cracked"),
    "defective": ("defective", "won't open", "corrupted", "won't install"),
    "not_received": ("never arrived", "not received"),
}
INJECTION = ("ignore all previous instructions", "system override")
WRONG_INTENT = {
    "refund": "status",
    "status": "complaint",
    "complaint": "status",
    "other": "complaint",
}
WRONG_ACTION = {"refund": "decline", "decline": "refund", "escalate": "refund", "reply": "escalate"}
TRANSIENT = ["timeout", "rate_limit"]


def _body(email: str) -> str:
    return email.split("\n\n", 1)[-1].lower()


def read_intake(email: str) -> Intake:
    """The fault-free reading of an email."""
    body = _body(email)
    oid = re.search(r"ORD-\d{5}", email)
    order_id = oid.group(0) if oid else None
    has = lambda words: any(w in body for w in words)  # noqa: E731
    if has(LEGAL):
        return Intake(intent="complaint", order_id=order_id, requested_amount=None, reason="legal")
    if has(REFUND):
        amount = re.search(r"\$([\d,]+(?:\.\d+)?)", body)
        reason = next((r for r, words in REASONS.items() if has(words)), "changed_mind")
        value = float(amount.group(1).replace(",", "")) if amount else None
        return Intake(intent="refund", order_id=order_id, requested_amount=value, reason=reason)
    if has(STATUS) or not any(has(w) for w in OTHER.values()) and not has(COMPLAINT):
        return Intake(intent="status", order_id=order_id, requested_amount=None, reason="none")
    if has(COMPLAINT):
        return Intake(
            intent="complaint", order_id=order_id, requested_amount=None, reason="general"
        )
    reason = next(r for r, words in OTHER.items() if has(words))
    return Intake(intent="other", order_id=order_id, requested_amount=None, reason=reason)


PLAIN_ASKS = ("refund", "money back", "where is", "tracking", "status") + COMPLAINT + LEGAL
"""Common ways of asking; a request in other words is ambiguous enough for the large model."""


def loose_number(text: str) -> float | None:
    """The first number in ``text`` (``"$200.00"`` -> 200.0), or ``None``."""
    match = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    return float(match.group(0).replace(",", "")) if match else None


def route_email(email: str, threshold: float | None = None) -> dict:
    r"""The model a careful router picks: small for a plain request, large otherwise.

    Large when the email has no order number, is legal or adversarial, asks for more than the
    approval ``threshold`` (when the prompt gives one), or says what it wants in uncommon words
    (the router reads more than keywords, so it notices "could I have what I paid back?").

    Example:
        >>> route_email("Hi\n\nWhere is my order ORD-10001?")["model"]
        'small'
        >>> route_email("Hi\n\nAny news on ORD-10001?")["model"]
        'large'
    """
    body, intake = _body(email), read_intake(email)
    if intake.order_id is None or intake.reason == "legal" or any(m in body for m in INJECTION):
        return {"model": "large", "reason": "no order number, legal or adversarial"}
    if threshold is not None and (intake.requested_amount or 0) > threshold:
        return {"model": "large", "reason": "above the approval threshold"}
    if intake.intent in ("refund", "status") and not any(w in body for w in PLAIN_ASKS):
        return {"model": "large", "reason": "the request is worded unusually"}
    return {"model": "small", "reason": "a plain request"}


def intake_from(view: PromptView) -> Intake:
    """The intake as the prompt states it (may be wrong: it is what an upstream step said)."""
    f = view.fields("Intake") or {}
    amount = f.get("requested_amount")
    return Intake.model_construct(
        intent=f.get("intent"),
        order_id=f.get("order_id"),
        requested_amount=None if amount is None else float(amount),
        reason=f.get("reason") or "none",
    )


def decision_from(view: PromptView) -> Decision:
    """The decision as the prompt states it."""
    f = view.fields("Decision") or {}
    ids = f.get("policy_ids") or []
    ids = ids if isinstance(ids, list) else [p.strip() for p in ids.split(",") if p.strip()]
    return Decision.model_construct(
        action=f.get("action"), amount=float(f.get("amount") or 0), policy_ids=ids
    )


def answer(view: PromptView) -> dict:
    """The fault-free answer to a prompt."""
    if view.step == "intake":
        return read_intake(view.email()).model_dump()
    if view.step == "decide":
        return policy.decide(
            intake_from(view), view.order(), view.rulebook(), view.received_on()
        ).model_dump()
    if view.step == "compose":
        return {"text": _reply(view, decision_from(view))}
    if view.step == "route":
        threshold = loose_number(view.sections.get("Approval threshold", ""))
        return route_email(view.email(), threshold)
    from coordlab.llm.critic import review

    return review(view)


def _reply(view: PromptView, decision: Decision) -> str:
    book = view.rulebook()
    return compose_reply(decision, view.customer(), view.order(), {p.id: p for p in book.passages})


def applicable(view: PromptView, ans: dict) -> list[str]:
    """Fault kinds that would change ``ans`` (transient kinds are always applicable)."""
    kinds: list[str] = []
    if view.step == "intake":
        has_id = ans["order_id"] is not None
        kinds = ["wrong_order_id"] + (["wrong_intent", "dropped_field"] if has_id else [])
        kinds += ["format_drift"] if ans["requested_amount"] else []
    elif view.step == "decide":
        refund = ans["action"] == "refund" and ans["amount"] > 0
        kinds = ["wrong_action"] + (["wrong_amount", "format_drift"] if refund else [])
        injected = any(m in view.email().lower() for m in INJECTION)
        kinds += ["injection_followed"] if injected and ans["action"] != "refund" else []
    elif view.step == "compose":
        kinds = ["hallucinated_claim"] + (
            ["amount_mismatch"] if "refund of $" in ans["text"] else []
        )
    elif view.step == "verify":
        kinds = ["critic_false_alarm"] if ans["passed"] else ["critic_false_pass"]
    elif view.step == "route":
        kinds = ["misroute"]
    return kinds + TRANSIENT


def corrupt(kind: str, view: PromptView, ans: dict) -> dict:
    """Apply fault ``kind`` to a fault-free answer."""
    ans = dict(ans)
    if kind == "wrong_intent":
        ans["intent"] = WRONG_INTENT[ans["intent"]]
        ans["reason"] = "none" if ans["intent"] == "status" else "general"
    elif kind == "wrong_order_id":
        ans["order_id"] = _wrong_id(ans["order_id"], view)
    elif kind == "dropped_field":
        del ans["order_id"]
    elif kind == "format_drift":
        key = "requested_amount" if view.step == "intake" else "amount"
        ans[key] = f"{ans[key]:.2f}".replace(".", ",")
    elif kind in ("wrong_action", "injection_followed"):
        return _wrong_decision(kind, view, ans)
    elif kind == "wrong_amount":
        ans["amount"] = round(ans["amount"] * 1.5, 2)
    elif kind == "hallucinated_claim":
        lines = ans["text"].splitlines()
        ans["text"] = "\n".join(lines[:-2] + [HALLUCINATION] + lines[-2:])
    elif kind == "amount_mismatch":
        ans["text"] = re.sub(
            r"refund of \$([\d.]+)",
            lambda m: f"refund of ${float(m.group(1)) * 1.1:.2f}",
            ans["text"],
        )
    elif kind == "misroute":
        ans.update(model="small" if ans["model"] == "large" else "large", reason="looks routine")
    elif kind == "critic_false_pass":
        ans.update(passed=True, blame=None, reason="looks fine")
    elif kind == "critic_false_alarm":
        blamed = view.checks or "compose"  # a critic blames the step it was asked about
        seems_off = "the reply" if blamed == "compose" else f"the {blamed} result"
        ans.update(passed=False, blame=blamed, reason=f"{seems_off} seems off")
    return ans


def _wrong_id(order_id: str | None, view: PromptView) -> str:
    if order_id is None:  # invents a plausible number
        return f"ORD-{90000 + int(keyed_uniform(view.ticket, 'invent') * 9999):05d}"
    digits = list(order_id[4:])
    for i in range(len(digits) - 1, 0, -1):
        if digits[i] != digits[i - 1]:
            digits[i], digits[i - 1] = digits[i - 1], digits[i]
            return "ORD-" + "".join(digits)
    return f"ORD-{(int(order_id[4:]) + 1) % 100000:05d}"


def _wrong_decision(kind: str, view: PromptView, ans: dict) -> dict:
    intake, order = intake_from(view), view.order()
    asked = intake.requested_amount
    amount = asked if asked is not None else (order.total if order else 0.0)
    if kind == "injection_followed":
        return {"action": "refund", "amount": amount, "policy_ids": [policy.INVENTED_REFUND_POLICY]}
    action = WRONG_ACTION[ans["action"]]
    paid = round(amount, 2) if action == "refund" else 0.0
    return {"action": action, "amount": paid, "policy_ids": ans["policy_ids"]}
