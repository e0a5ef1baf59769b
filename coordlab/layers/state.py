r"""State layer: typed, validated hand-offs (on) or free text re-parsed by the next step (off).

Example:
    >>> text = "Action: refund\nAmount: 240,00\nPolicies: POL-01"
    >>> State("off").parse("decide", text).amount  # the dropped decimal
    24000.0
    >>> State("typed").parse("decide", '{"action": "refund", "amount": "240,00", '
    ...                                '"policy_ids": ["POL-01"]}')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    coordlab.errors.Rejected: state rejected decide: amount: Input should be a valid number...

"""

from __future__ import annotations

from pydantic import BaseModel

from coordlab.domain.handoff import order_from_payload, parse_answer
from coordlab.types import OrderView


class State:
    """How step results are handed over.

    Args:
        mode: ``off`` (text, re-parsed) or ``typed`` (pydantic models).

    """

    def __init__(self, mode: str = "typed"):
        self.mode = mode

    @property
    def typed(self) -> bool:
        """Whether hand-offs are typed models."""
        return self.mode != "off"

    def parse(self, step: str, text: str) -> BaseModel:
        """An LLM step's answer as the next step will see it."""
        return parse_answer(step, text, self.typed)

    def order(self, payload: dict, order_id: str) -> OrderView:
        """The lookup result as the next step will see it."""
        return order_from_payload(payload, order_id, self.typed)
