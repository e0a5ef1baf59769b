r"""The hand-off codec: what a step hands the next one (the state layer's hook).

A backend carries the step results in its framework's own state or messages. The codec says
what those values are: :data:`TEXT` (state off) carries text (an LLM step's answer as it
came, the order and the passages as they are shown in a prompt) that every consumer re-parses;
:data:`JSON` (state on) carries the typed pydantic models, validated when produced.

Example:
    >>> answer = "Action: refund\nAmount: 240,00\nPolicies: POL-01"
    >>> carried = TEXT.carry("decision", TEXT.parse("decide", answer), answer)
    >>> carried == answer, TEXT.take("decision", carried).amount  # the dropped decimal
    (True, 24000.0)
    >>> JSON.typed, TEXT.typed
    (True, False)

"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import BaseModel

from coordlab.pipeline.handoff import order_from_payload, parse_answer, text_fields
from coordlab.pipeline.policy import Passage
from coordlab.pipeline.prompts import render_model, render_passages
from coordlab.types import OrderView, PolicyHit

ANSWERS = {"intake": "intake", "decision": "decide", "verdict": "verify"}
"""Hand-off key -> the LLM step whose answer it is (re-parsed with that step's format)."""

_PASSAGE_RE = re.compile(r"^\[(POL-\d+)\] (.+)$", re.M)


@dataclass(frozen=True)
class Codec:
    """Text or typed hand-offs.

    Args:
        typed: pydantic models (``True``) or text re-parsed by each consumer (``False``).
    """

    typed: bool

    def parse(self, step: str, text: str) -> BaseModel:
        """An LLM step's answer, parsed (typed: validated, or :class:`Rejected`)."""
        return parse_answer(step, text, self.typed)

    def order(self, payload: dict, order_id: str) -> OrderView:
        """The lookup tool's payload as the desk holds it."""
        return order_from_payload(payload, order_id, self.typed)

    def render(self, model: BaseModel) -> str:
        """A step result as the next prompt shows it."""
        return render_model(model, self.typed)

    def carry(self, key: str, value, answer: str | None = None):
        """What a framework carries for ``value`` under hand-off ``key``.

        ``answer`` is the LLM's raw text for an LLM step's result: with text hand-offs that
        text itself travels, and the next step parses it again.
        """
        if value is None or isinstance(value, str):
            return value
        if key == "passages":
            hits = [PolicyHit(id=p.id, title=p.title, text=p.text) for p in value]
            return hits if self.typed else render_passages(value)
        if self.typed:
            return value
        return answer if answer is not None else render_model(value, typed=False)

    def take(self, key: str, carried):
        """The value a consumer works with, from what was carried under ``key``."""
        if key == "passages":
            return _passages(carried)
        if carried is None or self.typed or key == "reply":
            return carried
        if key == "order":
            return _order(carried)
        return parse_answer(ANSWERS[key], carried, typed=False)


def _passages(carried) -> list[Passage]:
    if carried is None:
        return []
    if not isinstance(carried, str):
        return [Passage(h.id, h.title, h.text) for h in carried]
    heads = list(_PASSAGE_RE.finditer(carried))
    ends = [h.start() for h in heads[1:]] + [len(carried)] * bool(heads)
    return [
        Passage(h.group(1), h.group(2), carried[h.end() : end].strip("\n"))
        for h, end in zip(heads, ends, strict=True)
    ]


def _order(text: str) -> OrderView:
    f = text_fields(text)
    none = lambda v: None if v in (None, "none") else v  # noqa: E731
    date = none(f.get("order_date"))
    return OrderView.model_construct(
        order_id=f.get("order_id", ""),
        total=float(f.get("total") or 0),
        order_date=dt.date.fromisoformat(date) if date else None,
        region=f.get("region", ""),
        status=f.get("status", ""),
        category=f.get("category", ""),
    )


TEXT = Codec(typed=False)
JSON = Codec(typed=True)
