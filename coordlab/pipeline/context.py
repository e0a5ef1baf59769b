"""What one run shares (:class:`Desk`) and what one trial accumulates (:class:`Trial`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from coordlab.config import Layers
from coordlab.domain.policy import Passage
from coordlab.errors import TransientError
from coordlab.layers import Protocol, Recovery, State, Verification
from coordlab.llm.base import LLM, Completion
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.faults import FaultInjector
from coordlab.llm.pricing import TIERS
from coordlab.retrieval.index import PolicyIndex
from coordlab.tools.store import OrderService
from coordlab.tracing import active as active_tracing
from coordlab.types import Decision, Intake, Order, OrderView, StepRecord, Ticket, Verdict

_TRACED = {"ok", "model", "fault", "error", "caught_by", "tokens_in", "tokens_out", "latency_s"}
"""What a step span carries of its record (not the prompt or the answer)."""


@dataclass
class Desk:
    """The support desk's components for one run: model, index, tools and layers.

    ``llm`` answers the steps. With a real endpoint (``endpoint`` set) it is the ``openai``
    SDK connector, and each framework backend replaces it with its framework's own
    OpenAI-compatible connector built from ``endpoint`` (sending ``seed`` with every call).
    """

    llm: LLM
    index: PolicyIndex
    service: OrderService
    injector: FaultInjector
    layers: Layers
    orders: dict[str, Order]
    tools: object = None
    endpoint: ModelConfig | None = None
    seed: int = 0

    def __post_init__(self):
        self.state = State(self.layers.state)
        self.protocol = Protocol(self.layers.protocol)
        self.verification = Verification(self.layers.verification)
        self.recovery = Recovery(self.layers.recovery)
        if self.tools is None:
            self.tools = self.protocol.connect(self.service)

    def close(self) -> None:
        """Release the tool client (MCP session)."""
        self.tools.close()


@dataclass
class Trial:
    """Everything one ticket's run produced, step by step."""

    ticket: Ticket
    seed: int
    model: str = "primary"
    attempts: Counter = field(default_factory=Counter)
    intake: Intake | None = None
    raw_hits: list[Passage] = field(default_factory=list)
    hits: list[Passage] = field(default_factory=list)
    order: OrderView | None = None
    decision: Decision | None = None
    reply: str = ""
    verdict: Verdict | None = None
    records: list[StepRecord] = field(default_factory=list)
    clock_s: float = 0.0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    fallback_tokens: list[int] = field(default_factory=lambda: [0, 0])
    revisions: int = 0
    streaks: Counter = field(default_factory=Counter)
    escalation_reason: str = ""
    escalated_by: str | None = None
    crashed: str | None = None
    started_s: float = 0.0

    @property
    def key(self) -> str:
        """``seed/ticket``: the trial's id in the ledger."""
        return f"{self.seed}/{self.ticket.id}"

    def next_attempt(self, step: str) -> int:
        """Count one more execution of ``step`` and return its attempt number."""
        self.attempts[step] += 1
        self.started_s = self.clock_s
        if tracing := active_tracing():
            tracing.step_started(self.key, step, self.attempts[step])
        return self.attempts[step]

    def request_id(self, step: str) -> str:
        """The request id of the current attempt of ``step``."""
        return f"{self.key}/{step}/{self.attempts[step]}"

    def charge(self, completion: Completion) -> None:
        """Add one model call's tokens, dollars and latency."""
        self.llm_calls += 1
        self.tokens_in += completion.tokens_in
        self.tokens_out += completion.tokens_out
        self.cost_usd += TIERS[completion.model].cost(completion.tokens_in, completion.tokens_out)
        if completion.model == "fallback":
            self.fallback_tokens[0] += completion.tokens_in
            self.fallback_tokens[1] += completion.tokens_out
        self.clock_s += completion.latency_s

    def result_of(self, step: str) -> tuple[str, object] | None:
        """``(name, value)`` of what ``step`` hands on (intake, order, decision, reply), if any."""
        name = {
            "intake": "intake",
            "lookup": "order",
            "decide": "decision",
            "compose": "reply",
        }.get(step)
        value = getattr(self, name) if name else None
        return (name, value) if value is not None else None

    def crash(self, err: Exception) -> None:
        """Mark the trial crashed by ``err`` (an unhandled error: no layer caught it)."""
        kind = err.kind if isinstance(err, TransientError) else type(err).__name__
        self.crashed = f"{kind}: {err}"

    def record(self, step: str, ok: bool, **details) -> StepRecord:
        """Append a :class:`StepRecord` for the current attempt of ``step``."""
        rec = StepRecord(
            step=step,
            attempt=self.attempts[step],
            ok=ok,
            start_s=self.started_s,
            end_s=self.clock_s,
            **details,
        )
        self.records.append(rec)
        if tracing := active_tracing():
            tracing.step_ended(self.key, **rec.model_dump(include=_TRACED))
        return rec
