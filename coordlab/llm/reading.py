"""How the simulated LLM reads a prompt: the header, the sections and their fields.

The simulator sees nothing but the text it is sent, so everything it knows comes from here, and
everything here is read with the one wire module (:mod:`coordlab.domain.wire`) the prompts are
written with: the answer format and the critic's strictness come from the header's flags, never
from the instructions' wording.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from coordlab.domain import wire
from coordlab.domain.policy import Rulebook
from coordlab.domain.wire import HEADER_RE
from coordlab.llm.base import Message
from coordlab.types import OrderView

__all__ = ["HEADER_RE", "PromptView", "read_messages", "read_prompt"]

_EMAIL_DATE = re.compile(r"^Date: (\d{4}-\d{2}-\d{2})", re.M)
_SENDER = re.compile(r"^From: (.+?) <", re.M)


@dataclass
class PromptView:
    """A parsed prompt."""

    step: str
    ticket: str
    attempt: int
    typed: bool
    """The header's ``format=json``."""
    strict: bool
    """The header's ``critic=strict``."""
    checks: str | None = None
    """The header's ``checks=``: the last step a critic reviews (``None`` except at verify)."""
    sections: dict[str, str] = field(default_factory=dict)

    def fields(self, name: str) -> dict | None:
        """A section's fields: parsed JSON, or ``key: value`` lines; ``None`` if absent."""
        return wire.read_fields(self.sections.get(name, ""))

    def rulebook(self) -> Rulebook:
        """The policy passages in the prompt."""
        return Rulebook(wire.read_passages(self.sections.get("Policies", "")))

    def email(self) -> str:
        """The customer's email."""
        return self.sections.get("Email", "")

    def received_on(self) -> dt.date:
        """The date the email was received (its ``Date:`` header)."""
        match = _EMAIL_DATE.search(self.email())
        return dt.date.fromisoformat(match.group(1)) if match else dt.date(2026, 1, 1)

    def customer(self) -> str:
        """The sender's name from the ``From:`` header."""
        match = _SENDER.search(self.email())
        return match.group(1) if match else "customer"

    def order(self) -> OrderView | None:
        """The order record in the prompt, if any."""
        return wire.read_order(self.sections.get("Order", ""))


def read_messages(messages: list[Message]) -> PromptView:
    """Parse the prompt in a conversation: its last message that carries a request header.

    Earlier messages (a framework's conversation history: previous prompts, answers, other
    agents' hand-offs) and system messages are paid for in tokens but do not change the answer.

    Raises:
        ValueError: if no message has a coordlab request header, or the header a bad flag.
    """
    asked = [m.content for m in messages if m.role != "system" and HEADER_RE.search(m.content)]
    return read_prompt(asked[-1] if asked else "")


def read_prompt(user: str) -> PromptView:
    """Parse the user message of a coordlab prompt (its last request header counts).

    A framework may wrap the prompt: its instructions can come before the header, and its own
    text after an ``### End`` line, which is not part of the last section. The system message
    is not read: the header's flags say all the simulator needs.

    Raises:
        ValueError: if the prompt has no coordlab request header, or a bad header flag.

    """
    headers = list(HEADER_RE.finditer(user))
    if not headers:
        raise ValueError("not a coordlab prompt: no '[coordlab] step=...' header")
    head = wire.read_header(headers[-1])
    return PromptView(
        step=head.step,
        ticket=head.ticket,
        attempt=head.attempt,
        typed=head.typed,
        strict=head.critic == "strict",
        checks=head.checks,
        sections=wire.read_sections(user[headers[-1].end() :]),
    )
