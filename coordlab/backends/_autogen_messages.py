r"""The messages of the AutoGen backend: hand-offs that carry a step's result and its route.

With the state layer on a step posts a ``StructuredMessage[Handoff]``; off, a ``TextMessage``
``"<key>:\n<text>\nNext: <route>"`` that each consumer re-parses. The task (from the customer)
carries the email.

Example:
    >>> message = handoff_message("lookup", "decide", {"order": None}, typed=False)
    >>> carried(message), route_of(message)
    (('order', None), 'decide')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from autogen_agentchat.messages import BaseChatMessage, TextMessage
from autogen_agentchat.messages import StructuredMessage as Structured
from pydantic import BaseModel

from coordlab.pipeline import control, steps
from coordlab.types import Approval, Decision, Intake, OrderView, PolicyHit, Verdict

CUSTOMER = "customer"  # the task's source; its body: "Ticket <id>", a blank line, the email
_TEXT_RE = re.compile(r"\A(?:(\w+):(?: (none)|\n(.*))\n)?Next: (\w+)\Z", re.S)


class Handoff(BaseModel):
    """A step's hand-off with the state layer on: its result (``carries`` names it) and route."""

    route: str
    carries: str | None = None
    intake: Intake | None = None
    passages: list[PolicyHit] | None = None
    order: OrderView | None = None
    decision: Decision | None = None
    approval: Approval | None = None
    reply: str | None = None
    verdict: Verdict | None = None


HandoffMessage = Structured[Handoff]


def handoff_message(step: str, route: str, out: Mapping, typed: bool) -> BaseChatMessage:
    r"""The message ``step`` posts: its hand-off ``out`` (empty if it failed) and the route.

    Example:
        >>> handoff_message("lookup", "decide", {"order": None}, typed=False).content
        'order: none\nNext: decide'
    """
    key = steps.OUTPUT[step] if out else None
    if typed:
        content = Handoff(route=route, carries=key, **out)
        return HandoffMessage(content=content, source=step)
    text = "" if key is None else f"{key}: none\n" if out[key] is None else f"{key}:\n{out[key]}\n"
    return TextMessage(content=f"{text}Next: {route}", source=step)


def carried(message: BaseChatMessage) -> tuple[str, object] | None:
    """``(hand-off key, carried value)`` of a message, if it carries one (the task: the email)."""
    if message.source == CUSTOMER:
        return "email", message.to_text().partition("\n\n")[2]
    if isinstance(message, Structured):
        key = message.content.carries
        return (key, getattr(message.content, key)) if key else None
    found = _TEXT_RE.match(message.to_text())
    return (found[1], None if found[2] else found[3]) if found and found[1] else None


def route_of(message: BaseChatMessage) -> str:
    """The route a hand-off message names (``done`` if none)."""
    if isinstance(message, Structured):
        return message.content.route
    return found[4] if (found := _TEXT_RE.match(message.to_text())) else control.DONE


def routes_from(nodes: Sequence[str], node: str) -> list[str]:
    """Where ``node`` may route: itself and earlier steps, the next one, ``escalate`` (a leaf)."""
    at = nodes.index(node)
    return [] if node == control.ESCALATE else [*nodes[: at + 2], control.ESCALATE]
