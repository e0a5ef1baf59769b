"""Turning a step's raw answer into the value the next step gets.

State layer **on**: the answer must be JSON that validates against the step's pydantic model;
anything else raises :class:`~coordlab.errors.Rejected` (blamed on that step).
State layer **off**: the answer is free text, re-parsed field by field the way glue code does it
(``Key: value`` lines, amounts stripped to digits and dots). That re-parse is where "$240,00"
silently becomes 24000 and a missing line becomes ``None``. Which line carries which field is
the step table's (:mod:`coordlab.domain.steps`), read by
:func:`coordlab.domain.wire.read_text_answer`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ValidationError

from coordlab.domain import wire
from coordlab.domain.steps import step as step_spec
from coordlab.errors import Rejected
from coordlab.types import (
    Approval,
    Decision,
    Intake,
    OrderRecord,
    OrderView,
    ReplyText,
    Route,
    Verdict,
)


def parse_answer(step: str, text: str, typed: bool) -> BaseModel:
    r"""Parse an LLM step's answer into its output model.

    Example:
        >>> parse_answer("decide", "Action: refund\nAmount: $240,00\nPolicies: POL-01", False)
        Decision(action='refund', amount=24000.0, policy_ids=['POL-01'])
    """
    model = step_spec(step).output
    if typed:
        try:
            return model.model_validate_json(text)
        except ValidationError as err:
            raise Rejected(step, "state", _first_error(err)) from None
    return _LOOSE[model](wire.read_text_answer(step, text))


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'answer'}: {first['msg']}"


def loose_amount(value: str | None) -> float | None:
    """Glue-code amount parsing: keep digits and dots (so ``240,00`` reads as 24000)."""
    if value is None or value.lower() in ("", "none", "null"):
        return None
    digits = re.sub(r"[^0-9.]", "", value)
    return float(digits) if digits else None


def _none(value: str | None) -> str | None:
    return None if value is None or value.lower() in ("", "none", "null") else value


def _loose_intake(f: dict[str, str]) -> Intake:
    return Intake.model_construct(
        intent=f.get("intent"),
        order_id=_none(f.get("order_id")),
        requested_amount=loose_amount(f.get("requested_amount")),
        reason=f.get("reason", "none"),
    )


def _loose_decision(f: dict[str, str]) -> Decision:
    ids = [p.strip() for p in f.get("policy_ids", "").split(",") if p.strip()]
    return Decision.model_construct(
        action=f.get("action"), amount=loose_amount(f.get("amount")) or 0.0, policy_ids=ids
    )


def _loose_verdict(f: dict[str, str]) -> Verdict:
    return Verdict.model_construct(
        passed=f.get("passed", "").lower() == "pass",
        blame=_none(f.get("blame")),
        reason=f.get("reason", ""),
        checker="critic",
    )


_LOOSE = {
    Intake: _loose_intake,
    Decision: _loose_decision,
    ReplyText: lambda f: ReplyText.model_construct(text=f["text"]),
    Verdict: _loose_verdict,
    Route: lambda f: Route.model_construct(model=f.get("model"), reason=f.get("reason", "")),
    Approval: lambda f: Approval.model_construct(
        token=f.get("token"), **_loose_decision(f).model_dump()
    ),
}
"""How glue code re-reads each output model from its text lines (by model, not by step)."""


def order_from_payload(payload: dict, order_id: str, typed: bool) -> OrderView:
    """The lookup step's hand-off: validate the payload (typed) or pick fields by name."""
    if typed:
        try:
            record = OrderRecord.model_validate(payload)
        except ValidationError as err:
            raise Rejected("lookup", "state", _first_error(err)) from None
        return OrderView(**record.model_dump())
    return OrderView.model_construct(
        order_id=order_id,
        total=_number(payload.get("total")),
        order_date=_date(payload.get("order_date")),
        region=payload.get("region") or "",
        status=payload.get("status") or "",
        category=payload.get("category") or "",
    )


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _date(value):
    from datetime import date

    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
