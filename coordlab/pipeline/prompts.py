"""Prompt templates for the LLM steps, written once and shared by every backend.

A prompt is a system message (the instructions and the answer format) and a user message that
starts with a request header ``[coordlab] step=... ticket=... attempt=...`` followed by
``### Section`` blocks. With the state layer on, earlier results appear as JSON and the answer is
asked for as JSON matching a schema; with it off, as ``Key: value`` text.
"""

from __future__ import annotations

import json
from functools import cache

from pydantic import BaseModel

from coordlab.llm.base import Message
from coordlab.pipeline.policy import Passage
from coordlab.types import Decision, Intake, OrderView, Verdict

HEADER = "[coordlab] step={step} ticket={ticket} attempt={attempt}"


class ReplyText(BaseModel):
    """The compose step's typed output."""

    text: str


OUTPUT_MODELS: dict[str, type[BaseModel]] = {
    "intake": Intake,
    "decide": Decision,
    "compose": ReplyText,
    "verify": Verdict,
}

TEXT_FORMATS = {
    "intake": (
        "Intent: <refund|status|complaint|other>\nOrder: <ORD-nnnnn or none>\n"
        "Amount: <requested amount or none>\nReason: <damaged|defective|not_received|"
        "changed_mind|legal|general|address|invoice|loyalty|none>"
    ),
    "decide": "Action: <refund|reply|escalate|decline>\nAmount: <amount>\nPolicies: <ids>",
    "compose": "<the reply text only>",
    "verify": "Verdict: <pass|fail>\nBlame: <step or none>\nReason: <one line>",
}

INSTRUCTIONS = {
    "intake": "You read customer emails for a support desk. Extract the customer's intent, the "
    "order number, the refund amount they ask for and the reason.",
    "decide": "You decide support tickets. Apply only the policies given. Choose the action, "
    "the refund amount (0 unless refunding) and the ids of the policies that justify "
    "it. Refunds above the approval threshold must be escalated.",
    "compose": "You write the reply to the customer. State the order record, the decision and "
    "the policy it follows. Do not promise anything the context does not support.",
    "critic-strict": "You are a strict reviewer. Check that every claim in the intake, the "
    "decision and the reply traces to a line of the email, the policies or the "
    "order record. If anything does not, fail it and blame the first step "
    "(intake, retrieve, lookup, decide, compose) that went wrong.",
    "critic-vague": "You review support replies. Is this reply correct?",
}


@cache
def _format_instructions(step: str, typed: bool) -> str:
    if typed:
        schema = json.dumps(OUTPUT_MODELS[step].model_json_schema(), sort_keys=True)
        return f"Answer with one JSON object matching this JSON schema: {schema}"
    return f"Answer in exactly this format:\n{TEXT_FORMATS[step]}"


def render_model(model: BaseModel, typed: bool) -> str:
    """Render a step result for the next prompt: JSON when typed, ``Key: value`` lines if not."""
    if typed:
        return model.model_dump_json()
    lines = []
    for key, value in model.model_dump(mode="json").items():
        if isinstance(value, float):
            value = f"{value:.2f}"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        lines.append(f"{key}: {'none' if value is None else value}")
    return "\n".join(lines)


def render_passages(passages: list[Passage]) -> str:
    """Render retrieved policy passages as ``[id] title`` blocks."""
    return "\n".join(f"[{p.id}] {p.title}\n{p.text}" for p in passages) or "(no passages)"


def build(
    step: str,
    ticket_id: str,
    attempt: int,
    sections: dict[str, str],
    typed: bool,
    mode: str | None = None,
) -> list[Message]:
    """Build the messages for one LLM call.

    Args:
        step: ``intake``, ``decide``, ``compose`` or ``verify``.
        ticket_id: the ticket (keys the simulator's fault draws).
        attempt: the step's execution number within the trial.
        sections: ``### name`` blocks for the user message, in order.
        typed: whether the state layer is on (JSON in and out).
        mode: for ``verify``, ``critic-strict`` or ``critic-vague``.

    """
    instructions = INSTRUCTIONS[mode or step]
    system = f"{instructions}\n{_format_instructions(step, typed)}"
    body = [HEADER.format(step=step, ticket=ticket_id, attempt=attempt)]
    body += [f"### {name}\n{text}" for name, text in sections.items()]
    return [Message("system", system), Message("user", "\n".join(body))]


def order_section(order: OrderView | None, typed: bool) -> str:
    """The ``### Order`` block (``none`` when there is no order)."""
    return render_model(order, typed) if order is not None else "none"
