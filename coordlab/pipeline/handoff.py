"""Turning a step's raw answer into the value the next step gets.

State layer **on**: the answer must be JSON that validates against the step's pydantic model;
anything else raises :class:`~coordlab.errors.Rejected` (blamed on that step).
State layer **off**: the answer is free text, re-parsed field by field the way glue code does it
(``Key: value`` lines, amounts stripped to digits and dots). That re-parse is where "$240,00"
silently becomes 24000 and a missing line becomes ``None``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ValidationError

from coordlab.errors import Rejected
from coordlab.pipeline.prompts import OUTPUT_MODELS, ReplyText
from coordlab.types import Decision, Intake, OrderRecord, OrderView, Verdict


def parse_answer(step: str, text: str, typed: bool) -> BaseModel:
    """Parse an LLM step's answer into its output model."""
    if typed:
        try:
            return OUTPUT_MODELS[step].model_validate_json(text)
        except ValidationError as err:
            raise Rejected(step, "state", _first_error(err)) from None
    return _LOOSE[step](text)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'answer'}: {first['msg']}"


def text_fields(text: str) -> dict[str, str]:
    """``Key: value`` lines as a dict with lower-case keys."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


def loose_amount(value: str | None) -> float | None:
    """Glue-code amount parsing: keep digits and dots (so ``240,00`` reads as 24000)."""
    if value is None or value.lower() in ("", "none", "null"):
        return None
    digits = re.sub(r"[^0-9.]", "", value)
    return float(digits) if digits else None


def _none(value: str | None) -> str | None:
    return None if value is None or value.lower() in ("", "none", "null") else value


def _loose_intake(text: str) -> Intake:
    f = text_fields(text)
    return Intake.model_construct(
        intent=f.get("intent"),
        order_id=_none(f.get("order")),
        requested_amount=loose_amount(f.get("amount")),
        reason=f.get("reason", "none"),
    )


def _loose_decision(text: str) -> Decision:
    f = text_fields(text)
    ids = [p.strip() for p in f.get("policies", "").split(",") if p.strip()]
    return Decision.model_construct(
        action=f.get("action"), amount=loose_amount(f.get("amount")) or 0.0, policy_ids=ids
    )


def _loose_verdict(text: str) -> Verdict:
    f = text_fields(text)
    return Verdict.model_construct(
        passed=f.get("verdict", "").lower() == "pass",
        blame=_none(f.get("blame")),
        reason=f.get("reason", ""),
        checker="critic",
    )


_LOOSE = {
    "intake": _loose_intake,
    "decide": _loose_decision,
    "compose": lambda text: ReplyText.model_construct(text=text.strip()),
    "verify": _loose_verdict,
}


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
