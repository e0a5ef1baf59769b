r"""What travels between the desk and a model, written and read in one place.

A coordlab prompt is a system message (instructions and answer format) and a user message that
starts with a **request header** followed by ``### Section`` blocks::

    [coordlab] step=verify ticket=T0001 attempt=1 format=json critic=strict
    ### Email
    ...

The header's flags say what a model cannot be left to guess: ``format`` (``text``: ``Label:
value`` lines, or ``json``: one object of the step's output model) and, at ``verify``,
``critic`` (``strict`` or ``vague``). The prompt builder (:mod:`coordlab.pipeline.prompts`)
writes them, the simulator (:mod:`coordlab.llm.reading`) reads them, and the hand-off parser
(:mod:`coordlab.domain.handoff`) reads the answers the same module describes here.

Example:
    >>> head = header("verify", "T0001", 1, typed=True, mode="critic-strict")
    >>> head
    '[coordlab] step=verify ticket=T0001 attempt=1 format=json critic=strict'
    >>> read_header(head)
    Header(step='verify', ticket='T0001', attempt=1, typed=True, critic='strict', checks='compose')
    >>> print(render_answer("decide", {"action": "refund", "amount": 24.0,
    ...                                "policy_ids": ["POL-01"]}, typed=False))
    Action: refund
    Amount: 24.00
    Policies: POL-01

"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from coordlab.domain.policy import Passage
from coordlab.domain.steps import step as step_spec
from coordlab.types import OrderView

HEADER_RE = re.compile(r"\[coordlab\] step=(\w+) ticket=(\S+) attempt=(\d+)((?: [a-z]+=\S*)*)")
"""A request header; group 1 is the step, 2 the ticket, 3 the attempt, 4 the flags."""
FLAGS = {
    "format": ("text", "json"),
    "critic": ("vague", "strict"),
    "checks": ("compose", "intake", "decide"),
}
"""Each header flag and its values; the first value is what an absent flag means."""
END = "### End"
"""A line after which a framework's own text follows the last section."""
_PASSAGE_RE = re.compile(r"^\[(POL-\d+)\] (.+)$", re.M)


@dataclass(frozen=True)
class Header:
    """A parsed request header."""

    step: str
    ticket: str
    attempt: int
    typed: bool
    """``format=json``: the answer is one JSON object of the step's output model."""
    critic: str | None
    """``critic=strict|vague`` at ``verify`` (``None`` at other steps)."""
    checks: str | None = None
    """``checks=intake|decide|compose`` at ``verify``: the last step whose output the critic
    reviews (a critic on every hand-off); absent, the whole bundle up to compose."""


def header(
    step: str,
    ticket: str,
    attempt: int,
    typed: bool,
    mode: str | None = None,
    checks: str | None = None,
) -> str:
    """The request header of one call.

    ``mode``: ``critic-strict`` or ``critic-vague``; ``checks``: the step a critic on every
    hand-off reviews (omitted for the one critic before deliver).
    """
    flags = f" format={'json' if typed else 'text'}"
    flags += f" critic={mode.removeprefix('critic-')}" if mode else ""
    flags += f" checks={checks}" if checks else ""
    return f"[coordlab] step={step} ticket={ticket} attempt={attempt}{flags}"


def read_header(match: re.Match | str) -> Header:
    """Parse a header (a :data:`HEADER_RE` match or text that contains one).

    Raises:
        ValueError: no header, or a flag or value not in :data:`FLAGS`.
    """
    if isinstance(match, str):
        found = HEADER_RE.search(match)
        if found is None:
            raise ValueError("not a coordlab prompt: no '[coordlab] step=...' header")
        match = found
    flags = dict(flag.partition("=")[::2] for flag in match.group(4).split())
    for name, value in flags.items():
        if value not in FLAGS.get(name, ()):
            known = ", ".join(f"{k}={'|'.join(v)}" for k, v in FLAGS.items())
            raise ValueError(f"not a coordlab prompt: bad header flag {name}={value} ({known})")
    step = match.group(1)
    critic = flags.get("critic", FLAGS["critic"][0]) if step == "verify" else None
    checks = flags.get("checks", FLAGS["checks"][0]) if step == "verify" else None
    typed = flags.get("format", FLAGS["format"][0]) == "json"
    return Header(step, match.group(2), int(match.group(3)), typed, critic, checks)


def section(name: str, text: str) -> str:
    """One ``### name`` block of a prompt."""
    return f"### {name}\n{text}"


def read_sections(body: str) -> dict[str, str]:
    """The ``### name`` blocks after a header (a framework's text after ``### End`` dropped)."""
    body = body.split("\n" + END, 1)[0]
    sections = {}
    for block in re.split(r"^### ", body, flags=re.M)[1:]:
        name, _, text = block.partition("\n")
        sections[name.strip()] = text.rstrip("\n")
    return sections


def render_model(model: BaseModel, typed: bool) -> str:
    """A step result in a prompt section: JSON when typed, ``field: value`` lines if not."""
    if typed:
        return model.model_dump_json()
    values = model.model_dump(mode="json").items()
    return "\n".join(f"{key}: {_text_value(value)}" for key, value in values)


def read_fields(body: str) -> dict | None:
    """A section's fields: parsed JSON or ``field: value`` lines; ``None`` if absent."""
    body = body.strip()
    if not body or body == "none":
        return None
    if body.startswith("{"):
        return json.loads(body)
    pairs = (line.partition(":") for line in body.splitlines())
    return {k.strip().lower(): _none(v.strip()) for k, sep, v in pairs if sep}


def read_order(body: str) -> OrderView | None:
    r"""The order record :func:`render_model` wrote (``None`` for ``none``), fields unchecked.

    Example:
        >>> read_order("order_id: ORD-10001\ntotal: 240.00\norder_date: none").total
        240.0
    """
    f = read_fields(body)
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


def render_passages(passages: list[Passage]) -> str:
    """Retrieved policy passages as ``[id] title`` blocks."""
    return "\n".join(f"[{p.id}] {p.title}\n{p.text}" for p in passages) or "(no passages)"


def read_passages(body: str) -> tuple[Passage, ...]:
    """The passages :func:`render_passages` wrote (none from ``(no passages)``).

    Example:
        >>> read_passages(render_passages([Passage("POL-01", "Refund windows", "30 days.")]))
        (Passage(id='POL-01', title='Refund windows', text='30 days.'),)
        >>> read_passages(render_passages([]))
        ()
    """
    heads = list(_PASSAGE_RE.finditer(body))
    ends = [h.start() for h in heads[1:]] + [len(body)]
    return tuple(
        Passage(h.group(1), h.group(2), body[h.end() : end].strip())
        for h, end in zip(heads, ends[: len(heads)], strict=True)
    )


@cache
def answer_format(step: str, typed: bool) -> str:
    """The system message's line that asks for the answer's format."""
    spec = step_spec(step)
    if typed:
        schema = json.dumps(spec.output.model_json_schema(), sort_keys=True)
        return f"Answer with one JSON object matching this JSON schema: {schema}"
    return f"Answer in exactly this format:\n{spec.text_format}"


def render_answer(step: str, answer: dict, typed: bool) -> str:
    """An answer as a model writes it: JSON, or the step's text format."""
    if typed:
        return json.dumps(answer)
    fields = step_spec(step).fields
    if not fields:
        return answer["text"]
    lines = [(f.label, f.key) for f in fields if f.key in answer]
    return "\n".join(f"{label}: {_text_value(answer[key], key)}" for label, key in lines)


def read_text_answer(step: str, text: str) -> dict[str, str]:
    r"""A text answer's raw values by output field (lines that are missing are left out).

    Example:
        >>> read_text_answer("intake", "Intent: refund\nAmount: 240,00")
        {'intent': 'refund', 'requested_amount': '240,00'}
    """
    fields = step_spec(step).fields
    if not fields:
        return {"text": text.strip()}
    lines = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep:
            lines[label.strip().lower()] = value.strip()
    return {f.key: lines[f.label.lower()] for f in fields if f.label.lower() in lines}


def _text_value(value, key: str = "") -> str:
    if value is None:
        return "none"
    if key == "passed":
        return "pass" if value else "fail"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _none(text: str) -> str | None:
    return None if text.lower() in ("none", "null", "") else text
