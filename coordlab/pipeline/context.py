"""What one run shares (:class:`Desk`) and what one trial accumulates (:class:`Trial`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from coordlab.config import Layers
from coordlab.errors import TransientError
from coordlab.llm.base import LLM, Completion
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.faults import FaultInjector
from coordlab.llm.pricing import TIERS
from coordlab.pipeline.support_desk import SupportDesk
from coordlab.retrieval.index import PolicyIndex
from coordlab.tools.store import OrderService
from coordlab.tracing import active as active_tracing
from coordlab.types import Order, StepRecord, Ticket

_TRACED = {"ok", "model", "fault", "error", "caught_by", "tokens_in", "tokens_out", "latency_s"}
"""What a step span carries of its record (not the prompt or the answer)."""


@dataclass
class Desk:
    """The support desk's components for one run: model, index, tools and the layer stack.

    ``pipeline`` is the stack of layers around the all-off desk (:func:`coordlab.layers.build`
    makes it from ``layers``); the steps and the shared decisions ask its hooks. ``llm``
    answers the steps. With a real endpoint (``endpoint`` set) it is the ``openai``
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
    pipeline: SupportDesk = field(default_factory=SupportDesk)
    approver: object = None
    """Who reviews over-threshold refunds (a :class:`coordlab.tools.approvals.Approver`)."""
    ask_person: object = None
    """``request -> answer``: how the approve step reaches that person. Default: the approver
    answers in place; a framework backend puts its human-in-the-loop construct here (LangGraph's
    ``interrupt``, CrewAI's ``@human_feedback``, ...), and the approver answers from outside."""

    def ask(self, request):
        """A person's answer to an approval ``request`` (through :attr:`ask_person`)."""
        return (self.ask_person or self.approver.review)(request)

    def __post_init__(self):
        if self.tools is None:
            self.tools = self.pipeline.connect(self.service)

    def close(self) -> None:
        """Release the tool client (MCP session)."""
        self.tools.close()


@dataclass
class Trial:
    """The recorder of one ticket's run: what each step execution cost and did.

    It holds no step results (those travel through the backend's framework as hand-offs):
    only the steps' records, calls, tokens, dollars, the virtual clock, the model tier in
    use, the retry and revision counters, and how the trial ended.
    """

    ticket: Ticket
    seed: int
    model: str = "primary"
    attempts: Counter = field(default_factory=Counter)
    records: list[StepRecord] = field(default_factory=list)
    clock_s: float = 0.0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    fallback_tokens: list[int] = field(default_factory=lambda: [0, 0])
    revisions: int = 0
    approvals: int = 0
    """Requests this trial sent to the approvals queue."""
    failures_in_a_row: Counter = field(default_factory=Counter)
    """Per step, its transient failures since it last succeeded (recovery gives up at its cap)."""
    escalation_reason: str = ""
    escalated_by: str | None = None
    crashed: str | None = None
    started_s: float = 0.0

    @property
    def key(self) -> str:
        """``seed/ticket``: the trial's id in the ledger."""
        return f"{self.seed}/{self.ticket.id}"

    def counters(self) -> dict:
        """What the layers decide with (attempts, revisions, model tier, escalation reason).

        Plain data, for a framework's checkpoint: :meth:`resume_counters` takes it back, so a
        resumed trial goes on counting retries and revisions on the same model tier.

        Example:
            >>> from coordlab import load_tickets
            >>> trial = Trial(ticket=load_tickets(limit=1)[0], seed=0)
            >>> trial.next_attempt("intake"), trial.counters()["attempts"]
            (1, {'intake': 1})
        """
        return {
            "attempts": dict(self.attempts),
            "revisions": self.revisions,
            "model": self.model,
            "escalation_reason": self.escalation_reason,
        }

    def resume_counters(self, saved: dict) -> None:
        """Go on counting from :meth:`counters` saved at a checkpoint."""
        self.attempts = Counter(saved["attempts"])
        self.revisions, self.model = saved["revisions"], saved["model"]
        self.escalation_reason = saved["escalation_reason"]

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
