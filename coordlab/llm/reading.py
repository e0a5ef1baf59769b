"""How the simulated LLM reads a prompt: the header, the sections and their fields.

The simulator sees nothing but the text it is sent, so everything it knows comes from here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from coordlab.llm.base import Message
from coordlab.pipeline.policy import Passage, Rulebook
from coordlab.types import OrderView

HEADER_RE = re.compile(r"\[coordlab\] step=(\w+) ticket=(\S+) attempt=(\d+)")
_PASSAGE_RE = re.compile(r"^\[(POL-\d+)\] (.+)$", re.M)


@dataclass
class PromptView:
    """A parsed prompt."""

    step: str
    ticket: str
    attempt: int
    typed: bool
    strict: bool
    sections: dict[str, str] = field(default_factory=dict)

    def fields(self, name: str) -> dict | None:
        """A section's fields: parsed JSON, or ``key: value`` lines; ``None`` if absent."""
        body = self.sections.get(name, "").strip()
        if not body or body == "none":
            return None
        if body.startswith("{"):
            return json.loads(body)
        pairs = (line.partition(":") for line in body.splitlines())
        return {k.strip().lower(): _value(v.strip()) for k, sep, v in pairs if sep}

    def rulebook(self) -> Rulebook:
        """The policy passages in the prompt."""
        body = self.sections.get("Policies", "")
        heads = list(_PASSAGE_RE.finditer(body))
        passages = []
        for i, head in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
            passages.append(Passage(head.group(1), head.group(2), body[head.end() : end].strip()))
        return Rulebook(tuple(passages))

    def email(self) -> str:
        """The customer's email."""
        return self.sections.get("Email", "")

    def received(self) -> dt.date:
        """The email's ``Date:`` header."""
        match = re.search(r"^Date: (\d{4}-\d{2}-\d{2})", self.email(), re.M)
        return dt.date.fromisoformat(match.group(1)) if match else dt.date(2026, 1, 1)

    def customer(self) -> str:
        """The sender's name from the ``From:`` header."""
        match = re.search(r"^From: (.+?) <", self.email(), re.M)
        return match.group(1) if match else "customer"

    def order(self) -> OrderView | None:
        """The order record in the prompt, if any."""
        f = self.fields("Order")
        if f is None:
            return None
        date = f.get("order_date")
        return OrderView.model_construct(
            order_id=f.get("order_id") or "",
            total=float(f.get("total") or 0),
            order_date=dt.date.fromisoformat(date) if date else None,
            region=f.get("region") or "",
            status=f.get("status") or "",
            category=f.get("category") or "",
        )


def _value(text: str):
    return None if text.lower() in ("none", "null", "") else text


def read_messages(messages: list[Message]) -> PromptView:
    """Parse the prompt in a conversation: its last message that carries a request header.

    Earlier messages (a framework's conversation history: previous prompts, answers, other
    agents' hand-offs) are paid for in tokens but do not change the answer; system messages
    are read for the format and critic markers.

    Raises:
        ValueError: if no message has a coordlab request header.
    """
    system = "\n".join(m.content for m in messages if m.role == "system")
    asked = [m.content for m in messages if m.role != "system" and HEADER_RE.search(m.content)]
    return read_prompt(system, asked[-1] if asked else "")


def read_prompt(system: str, user: str) -> PromptView:
    """Parse the two messages of a coordlab prompt (its last request header counts).

    Raises:
        ValueError: if the prompt has no coordlab request header.

    """
    headers = list(HEADER_RE.finditer(user))
    if not headers:
        raise ValueError("not a coordlab prompt: no '[coordlab] step=...' header")
    header = headers[-1]
    # A framework may wrap the prompt: its instructions can come before the header, and its own
    # text after an "### End" line, which is not part of the last section.
    preamble = system + user[: header.start()]
    body = user[header.end() :].split("\n### End", 1)[0]
    sections = {}
    for block in re.split(r"^### ", body, flags=re.M)[1:]:
        name, _, text = block.partition("\n")
        sections[name.strip()] = text.rstrip("\n")
    return PromptView(
        step=header.group(1),
        ticket=header.group(2),
        attempt=int(header.group(3)),
        typed="JSON schema" in preamble,
        strict="every claim" in preamble,
        sections=sections,
    )
