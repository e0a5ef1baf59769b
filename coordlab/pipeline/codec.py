r"""The hand-off codec: how a step's result reaches the next step (the state layer's hook).

:data:`TEXT` (state off) renders results as ``Key: value`` lines that the next step re-parses;
:data:`JSON` (state on) renders JSON and validates every answer against the step's pydantic
model. Both are the same two functions of :mod:`coordlab.pipeline.handoff` with ``typed`` set.

Example:
    >>> TEXT.parse("decide", "Action: refund\nAmount: 240,00\nPolicies: POL-01").amount
    24000.0
    >>> JSON.typed, TEXT.typed
    (True, False)

"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from coordlab.pipeline.handoff import order_from_payload, parse_answer
from coordlab.pipeline.prompts import render_model
from coordlab.types import OrderView


@dataclass(frozen=True)
class Codec:
    """Text or typed hand-offs.

    Args:
        typed: JSON validated by pydantic (``True``) or free text (``False``).
    """

    typed: bool

    def parse(self, step: str, text: str) -> BaseModel:
        """An LLM step's answer as the next step will see it."""
        return parse_answer(step, text, self.typed)

    def order(self, payload: dict, order_id: str) -> OrderView:
        """The lookup tool's payload as the next step will see it."""
        return order_from_payload(payload, order_id, self.typed)

    def render(self, model: BaseModel) -> str:
        """A step result as the next prompt shows it."""
        return render_model(model, self.typed)


TEXT = Codec(typed=False)
JSON = Codec(typed=True)
