"""Prompt templates for the LLM steps, written once and shared by every backend.

A prompt is a system message (the step's instructions and the answer format) and a user message
that starts with the request header ``[coordlab] step=... ticket=... attempt=... format=...``
(plus ``critic=...`` at verify) followed by ``### Section`` blocks. With the state layer on,
earlier results appear as JSON and the answer is asked for as JSON matching a schema; with it
off, as ``Key: value`` text. The words come from the step table (:mod:`coordlab.domain.steps`),
the format from the wire module (:mod:`coordlab.domain.wire`).

Example:
    >>> system, user = build("intake", "T0001", 1, {"Email": "Where is ORD-10001?"}, typed=False)
    >>> print(user.content)
    [coordlab] step=intake ticket=T0001 attempt=1 format=text
    ### Email
    Where is ORD-10001?

"""

from __future__ import annotations

from pydantic import BaseModel

from coordlab.domain import steps, wire
from coordlab.domain.wire import render_model, render_passages
from coordlab.llm.base import Message
from coordlab.types import OrderView, ReplyText

__all__ = [
    "HEADER",
    "INSTRUCTIONS",
    "OUTPUT_MODELS",
    "TEXT_FORMATS",
    "ReplyText",
    "build",
    "order_section",
    "render_model",
    "render_passages",
]

HEADER = "[coordlab] step={step} ticket={ticket} attempt={attempt} format={format}"
"""The request header's required part (see :func:`coordlab.domain.wire.header`)."""

_ASKED = [s for s in steps.TABLE if s.asks_model]
OUTPUT_MODELS: dict[str, type[BaseModel]] = {s.name: s.output for s in _ASKED}
"""Each LLM step's output model (from the step table)."""
TEXT_FORMATS: dict[str, str] = {s.name: s.text_format for s in _ASKED}
"""Each LLM step's text answer format (from the step table)."""
INSTRUCTIONS: dict[str, str] = {
    name: text
    for s in _ASKED
    for name, text in ({s.name: s.instructions} if s.instructions else s.modes).items()
}
"""Instructions by step, or by critic mode for verify (from the step table)."""


def build(
    step: str,
    ticket_id: str,
    attempt: int,
    sections: dict[str, str],
    typed: bool,
    mode: str | None = None,
    checks: str | None = None,
) -> list[Message]:
    """Build the messages for one LLM call.

    Args:
        step: ``intake``, ``decide``, ``compose`` or ``verify``.
        ticket_id: the ticket (keys the simulator's fault draws).
        attempt: the step's execution number within the trial.
        sections: ``### name`` blocks for the user message, in order.
        typed: whether the state layer is on (JSON in and out); written as ``format=``.
        mode: for ``verify``, ``critic-strict`` or ``critic-vague``; written as ``critic=``.
        checks: for a critic on every hand-off, the step it reviews; written as ``checks=``.

    """
    system = f"{steps.instructions(step, mode)}\n{wire.answer_format(step, typed)}"
    body = [wire.header(step, ticket_id, attempt, typed, mode, checks)]
    body += [wire.section(name, text) for name, text in sections.items()]
    return [Message("system", system), Message("user", "\n".join(body))]


def order_section(order: OrderView | None, typed: bool) -> str:
    """The ``### Order`` block (``none`` when there is no order)."""
    return render_model(order, typed) if order is not None else "none"
