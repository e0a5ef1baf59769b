"""The one table of steps: every fact about a step, written once.

Each :class:`Step` says what kind of work it is, which model it hands on, how its answer reads
as text, what an LLM doing it is told, and who it is in a framework that gives agents a persona.
The step lists (:data:`STEPS`, :data:`WORK_STEPS`, :data:`LLM_STEPS`), the prompt templates
(:mod:`coordlab.pipeline.prompts`), the text hand-offs (:mod:`coordlab.domain.wire`), the
simulator and the CrewAI/AutoGen personas are all derived from :data:`TABLE`; a test holds
that no other module keeps a table keyed by step names.

Example:
    >>> STEPS
    ('route', 'intake', 'retrieve', 'lookup', 'decide', 'approve', 'compose', 'verify', 'deliver')
    >>> step("decide").text_format.splitlines()[0]
    'Action: <refund|reply|escalate|decline>'
    >>> [s.name for s in TABLE if s.kind == "tool"]
    ['lookup', 'deliver']

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from coordlab.types import Approval, Decision, Intake, ReplyText, Route, Verdict

Kind = Literal["llm", "rag", "tool", "check", "router", "human"]
WHOLE_TEXT = "<the reply text only>"
"""The text format of a step whose whole answer is its one text field."""


@dataclass(frozen=True)
class Persona:
    """Who does a step, for frameworks that frame every call with a persona."""

    role: str
    goal: str
    backstory: str

    def paragraph(self) -> str:
        """The persona in one paragraph (an AutoGen system message).

        Example:
            >>> step("intake").persona.paragraph().split(". ")[0]
            "You are the support desk's intake clerk"
        """
        return (
            f"You are the support desk's {self.role.lower()}. {self.backstory} "
            f"Your goal: {self.goal.lower()}."
        )


@dataclass(frozen=True)
class TextField:
    """One ``Label: value`` line of a step's text answer."""

    label: str
    key: str
    """The output model's field the line carries."""
    placeholder: str


@dataclass(frozen=True)
class Step:
    """One step of the support desk.

    Attributes:
        name: the step's name (``intake``, ...).
        kind: ``llm`` (a model answers), ``rag`` (the policy index), ``tool`` (the order
            service), ``check`` (the verification layer's gate and/or critic) or ``router``
            (the routing layer's rules or model).
        work: one of the six work steps, always present (``verify`` is added by a layer).
        output: the pydantic model an LLM-answered step hands on when the state layer is on.
        fields: its text answer, line by line (empty: the whole answer is its ``text``).
        instructions: what the model is told (per mode for ``verify``: see ``modes``).
        modes: instructions by mode name, for steps that have several (the critic's).
        persona: role, goal and backstory in CrewAI and AutoGen.
        result: the hand-off its result travels under to later steps (``None``: nothing).
        inputs: the hand-offs it reads (``email`` and earlier steps' results).
        latency_s: virtual seconds of a step no model answers.
    """

    name: str
    kind: Kind
    work: bool = True
    output: type[BaseModel] | None = None
    fields: tuple[TextField, ...] = ()
    instructions: str = ""
    modes: Mapping[str, str] = field(default_factory=dict)
    persona: Persona | None = None
    result: str | None = None
    inputs: tuple[str, ...] = ()
    latency_s: float = 0.0

    @property
    def text_format(self) -> str:
        """The answer format a text prompt asks for (``""`` if no model answers the step)."""
        if self.output is None:
            return ""
        return "\n".join(f"{f.label}: {f.placeholder}" for f in self.fields) or WHOLE_TEXT

    @property
    def asks_model(self) -> bool:
        """Whether a model may be asked to do it (the critic and the router too, not a person)."""
        return self.output is not None and self.kind != "human"


CONTEXT = ("email", "intake", "passages", "order")
"""What every step after lookup reads: the email and the first three steps' results."""

_INTAKE = Step(
    "intake",
    "llm",
    output=Intake,
    fields=(
        TextField("Intent", "intent", "<refund|status|complaint|other>"),
        TextField("Order", "order_id", "<ORD-nnnnn or none>"),
        TextField("Amount", "requested_amount", "<requested amount or none>"),
        TextField(
            "Reason",
            "reason",
            "<damaged|defective|not_received|changed_mind|legal|general|address|invoice|"
            "loyalty|none>",
        ),
    ),
    instructions="You read customer emails for a support desk. Extract the customer's intent, "
    "the order number, the refund amount they ask for and the reason.",
    persona=Persona(
        "Intake clerk",
        "Read each customer email and say what is being asked",
        "You sort the inbox of an online shop's support desk.",
    ),
    result="intake",
    inputs=("email",),
)
_DECIDE = Step(
    "decide",
    "llm",
    output=Decision,
    fields=(
        TextField("Action", "action", "<refund|reply|escalate|decline>"),
        TextField("Amount", "amount", "<amount>"),
        TextField("Policies", "policy_ids", "<ids>"),
    ),
    instructions="You decide support tickets. Apply only the policies given. Choose the action, "
    "the refund amount (0 unless refunding) and the ids of the policies that justify it. "
    "Refunds above the approval threshold must be escalated.",
    persona=Persona(
        "Case officer",
        "Decide each ticket exactly as the shop's policies say",
        "You handle refunds and questions for an online shop.",
    ),
    result="decision",
    inputs=CONTEXT,
)
_COMPOSE = Step(
    "compose",
    "llm",
    output=ReplyText,
    instructions="You write the reply to the customer. State the order record, the decision and "
    "the policy it follows. Do not promise anything the context does not support.",
    persona=Persona(
        "Support writer",
        "Write the reply the customer will read",
        "You write clear, friendly replies for an online shop.",
    ),
    result="reply",
    inputs=(*CONTEXT, "decision", "approval"),
)
_VERIFY = Step(
    "verify",
    "check",
    work=False,
    output=Verdict,
    fields=(
        TextField("Verdict", "passed", "<pass|fail>"),
        TextField("Blame", "blame", "<step or none>"),
        TextField("Reason", "reason", "<one line>"),
    ),
    modes={
        "critic-strict": "You are a strict reviewer. Check that every claim in the intake, the "
        "decision and the reply traces to a line of the email, the policies or the order record. "
        "If anything does not, fail it and blame the first step (intake, retrieve, lookup, "
        "decide, compose) that went wrong.",
        "critic-vague": "You review support replies. Is this reply correct?",
    },
    persona=Persona(
        "Reviewer",
        "Check the desk's work before anything reaches a customer",
        "You review tickets for an online shop.",
    ),
    result="verdict",
    inputs=(*CONTEXT, "decision", "approval", "reply"),
)

_ROUTE = Step(
    "route",
    "router",
    work=False,
    output=Route,
    fields=(
        TextField("Model", "model", "<small|large>"),
        TextField("Reason", "reason", "<one line>"),
    ),
    instructions="You route a support desk's tickets to a model. Send a plain request (an order "
    "number, a common way of asking, nothing legal, adversarial or above the approval "
    "threshold) to the small model, anything else to the large one.",
    persona=Persona(
        "Dispatcher",
        "Send each ticket to the cheapest model that can handle it",
        "You triage the inbox of an online shop's support desk.",
    ),
    inputs=("email",),
)

_APPROVE = Step(
    "approve",
    "human",
    work=False,
    output=Approval,
    fields=(
        TextField("Token", "token", "<approval token>"),
        TextField("Action", "action", "refund"),
        TextField("Amount", "amount", "<amount>"),
        TextField("Policies", "policy_ids", "<ids>"),
    ),
    result="approval",
    inputs=(*CONTEXT, "decision"),
)

TABLE: tuple[Step, ...] = (
    _ROUTE,
    _INTAKE,
    Step("retrieve", "rag", result="passages", inputs=("email", "intake"), latency_s=0.03),
    Step("lookup", "tool", result="order", inputs=("intake",), latency_s=0.05),
    _DECIDE,
    _APPROVE,
    _COMPOSE,
    _VERIFY,
    Step("deliver", "tool", inputs=("intake", "decision", "approval", "reply"), latency_s=0.12),
)
"""Every step, in pipeline order."""

_BY_NAME = {s.name: s for s in TABLE}
STEPS: tuple[str, ...] = tuple(_BY_NAME)
"""Every step, including ``verify`` which only the verification layer adds."""
WORK_STEPS: tuple[str, ...] = tuple(s.name for s in TABLE if s.work)
"""The six work steps, always present, in order."""
LLM_STEPS: tuple[str, ...] = tuple(s.name for s in TABLE if s.asks_model)
"""The steps a model may answer (the critic included)."""


def step(name: str) -> Step:
    """The :class:`Step` called ``name``.

    Raises:
        KeyError: an unknown step, naming the known ones.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown step {name!r}; steps: {', '.join(STEPS)}") from None


def instructions(name: str, mode: str | None = None) -> str:
    """What a model doing step ``name`` (in ``mode``, for the critic's modes) is told.

    Example:
        >>> instructions("verify", "critic-vague")
        'You review support replies. Is this reply correct?'
    """
    spec = step(name)
    return spec.modes[mode] if mode else spec.instructions
