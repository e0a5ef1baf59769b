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

from dataclasses import dataclass

from pydantic import BaseModel

from coordlab.domain import wire
from coordlab.domain.handoff import order_from_payload, parse_answer
from coordlab.domain.policy import Passage
from coordlab.pipeline.prompts import render_model, render_passages
from coordlab.types import OrderView, PolicyHit

ANSWERS = {"intake": "intake", "decision": "decide", "verdict": "verify", "approval": "approve"}
"""Hand-off key -> the LLM step whose answer it is (re-parsed with that step's format)."""


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
            return wire.read_order(carried)
        return parse_answer(ANSWERS[key], carried, typed=False)


def _passages(carried) -> list[Passage]:
    if carried is None:
        return []
    if isinstance(carried, str):
        return list(wire.read_passages(carried))
    return [Passage(h.id, h.title, h.text) for h in carried]


TEXT = Codec(typed=False)
JSON = Codec(typed=True)
