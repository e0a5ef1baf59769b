"""The support desk as a LangGraph app: the hand-offs travel in the graph's state channels.

One ``StateGraph`` node per step (``verify`` only with the verification layer) plus an
``escalate`` node. Each node reads the channels its step needs (``email``, ``intake``,
``passages``, ``order``, ``decision``, ``reply``) and returns its own channel and the
``route``; conditional edges route on it: the next step, the step a rejection blames (verify →
revise), or ``escalate``. What a trial *records* (steps, tokens, clock, faults) is not state:
the recorder (:class:`~coordlab.pipeline.context.Trial`) is the run's context
(``invoke(..., context=TrialContext(trial))``, LangGraph's ``context_schema``).

The model is a LangChain ``BaseChatModel`` per model tier: the simulator behind
:class:`~coordlab.backends._langchain_model.SimChatModel`, or, with a real endpoint
(``desk.endpoint``), LangChain's own ``ChatOpenAI`` (retries off, ``temperature=0``, the
trial's ``seed``; see :func:`~coordlab.backends._langchain_model.openai_chat_model`). Tokens
are read from the reply's ``usage_metadata``.

Layers map to LangGraph's own constructs where it has them:

* state on: a pydantic state schema whose channels hold the typed hand-offs (LangGraph
  validates them); off: a ``TypedDict`` of text that each node re-parses;
* recovery on: a ``RetryPolicy`` on every node for :class:`TransientError` (zero delay: the
  backoff is added to the virtual clock instead of sleeping 0.5-1.5 s per retry);
* verification: the ``verify`` node and its conditional edge back to the blamed step;
* checkpoints: with a checkpointer each trial is a thread (``thread_id`` = ``seed/ticket``);
  ``run_trial(..., stop_after="decide")`` interrupts the graph after that node
  (``interrupt_after``), and :meth:`LangGraphBackend.resume_trial` continues the thread from
  its checkpoint, in another backend instance or process, without re-running a finished node
  or repeating a side effect. The recorder is not state: a resumed trial records only what ran
  after the resume; its counters (attempts, revisions, the model tier the router or an outage
  chose) travel in a ``counters`` channel, so it goes on where it stopped.

The graph is compiled once per backend instance (per configuration and seed), never per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy, interrupt

from coordlab.backends._handoffs import TypedHandoffs
from coordlab.backends._langchain_model import ChatModelLLM, chat_models
from coordlab.backends.base import Backend, Wiring
from coordlab.errors import ConfigError, Rejected, TransientError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.tools.approvals import ApprovalAnswer, ApprovalRequest
from coordlab.types import Ticket


class TypedDeskState(TypedHandoffs):
    """Graph state with the state layer on: the typed hand-offs (validated by pydantic)."""

    email: str
    route: str = ""
    counters: dict = {}


class TextDeskState(TypedDict, total=False):
    """Graph state with the state layer off: the hand-offs as the text each node re-parses."""

    email: str
    route: str
    counters: dict
    intake: str
    passages: str
    order: str | None
    decision: str
    approval: str | None
    reply: str
    verdict: str


@dataclass
class TrialContext:
    """The run's context: the recorder of the trial in progress (never checkpointed)."""

    trial: Trial


class LangGraphBackend(Backend):
    """A compiled LangGraph ``StateGraph``.

    Args:
        desk: the run's components; its LLM (or its endpoint) becomes one LangChain chat
            model per tier.
        checkpointer: an optional LangGraph checkpointer (needed to stop and resume).
    """

    name = "langgraph"
    wiring = Wiring(
        "StateGraph: a node per step, conditional edges on its route",
        ("LangGraphBackend._build", "LangGraphBackend._node"),
        r"StateGraph\(|RetryPolicy\(|\.add_node\(|\.add_edge\(|\.add_conditional_edges\(",
    )

    def __init__(self, desk: Desk, checkpointer: Any = None):
        chats = chat_models(desk.llm, desk.endpoint, desk.seed)
        model = ChatModelLLM(chats, desk.endpoint)
        super().__init__(replace(desk, llm=model, tools=desk.tools, ask_person=ask_by_interrupt))
        self.scratch = checkpointer is None and desk.layers.on("approval")
        if self.scratch:  # an interrupt needs a checkpointer to resume from; a trial's own
            checkpointer = memory_checkpointer()  # thread is dropped once it has finished
        self.checkpointer = checkpointer
        self.graph = self._build().compile(checkpointer=checkpointer)

    def _build(self) -> StateGraph:
        pipeline = self.desk.pipeline
        state = TypedDeskState if pipeline.codec.typed else TextDeskState
        graph = StateGraph(state, context_schema=TrialContext)
        retry = None
        if pipeline.max_attempts > 1:
            retry = RetryPolicy(
                max_attempts=pipeline.max_attempts,
                initial_interval=0.0,
                jitter=False,
                retry_on=TransientError,
            )
        nodes = (*steps.flow(self.desk), control.ESCALATE)
        for name in nodes:
            graph.add_node(name, self._node(name), retry_policy=retry)
        graph.add_edge(START, nodes[0])
        targets = {name: name for name in nodes} | {control.DONE: END}
        for name in nodes:
            graph.add_conditional_edges(name, _route, targets)
        return graph

    def _node(self, step: str):
        desk = self.desk

        def node(state, runtime: Runtime[TrialContext]) -> dict:
            trial = runtime.context.trial
            work = {key: _get(state, key) for key in steps.INPUTS[step]}
            return step_update(trial, work) | {"counters": trial.counters()}

        def step_update(trial: Trial, work: dict) -> dict:
            try:
                out = control.execute(desk, trial, step, work)
            except TransientError as err:
                if control.on_transient(desk, trial, step, err) or step == control.ESCALATE:
                    raise  # the RetryPolicy retries it (or, escalating, it crashes the trial)
                trial.escalation_reason = "recovery"
                return {"route": control.ESCALATE}
            except Rejected as err:
                return {"route": control.on_rejected(desk, trial, step, err)}
            control.on_success(trial, step)
            return {"route": control.next_step(desk, step)} | out

        node.__name__ = f"{step}_node"
        return node

    def run_trial(self, ticket: Ticket, seed: int, stop_after: str | None = None) -> Trial:
        """Run one ticket through the compiled graph (``stop_after``: interrupt after a node)."""
        trial = Trial(ticket=ticket, seed=seed)
        return self._invoke(trial, {"email": ticket.email}, stop_after)

    def resume_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Continue a stopped trial from its checkpoint; the new recorder holds what ran now."""
        if self.checkpointer is None:
            raise ConfigError("resuming a trial needs a checkpointer")
        trial = Trial(ticket=ticket, seed=seed)
        saved = self.graph.get_state({"configurable": {"thread_id": trial.key}}).values
        if saved.get("counters"):
            trial.resume_counters(saved["counters"])  # the same tier, the budgets it had left
        return self._invoke(trial, None, None)

    def _invoke(self, trial: Trial, start: dict | None, stop_after: str | None) -> Trial:
        config: dict = {"recursion_limit": 100}
        if self.checkpointer is not None:
            config["configurable"] = {"thread_id": trial.key}
        options = {"interrupt_after": [stop_after]} if stop_after else {}
        try:
            state = self.graph.invoke(start, config, context=TrialContext(trial), **options)
            while asked := state.get("__interrupt__"):  # a person is asked; resume with the answer
                answer = self.desk.approver.review(ApprovalRequest(**asked[0].value))
                resume = Command(resume=answer.model_dump())
                state = self.graph.invoke(resume, config, context=TrialContext(trial), **options)
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        if self.scratch and not (stop_after and self.graph.get_state(config).next):
            self.checkpointer.delete_thread(trial.key)  # (a stopped trial keeps it, to resume)
        return trial


def ask_by_interrupt(request: ApprovalRequest) -> ApprovalAnswer:
    """Pause the graph (LangGraph's ``interrupt``) until a person's answer resumes it."""
    answer = interrupt(request.model_dump(mode="json"))
    return ApprovalAnswer.model_validate(answer)


def memory_checkpointer():
    """An ``InMemorySaver`` whose serializer may restore coordlab's hand-off types.

    Example:
        >>> saver = memory_checkpointer()
        >>> type(saver).__name__
        'InMemorySaver'
    """
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    allowed = [
        ("coordlab.types", name)
        for name in ("Intake", "PolicyHit", "OrderView", "Decision", "Approval", "Verdict")
    ]
    return InMemorySaver(serde=JsonPlusSerializer(allowed_msgpack_modules=allowed))


def _get(state, key: str):
    """A channel's value (``None`` if no node has written it yet, as in the typed schema)."""
    return state.get(key) if isinstance(state, dict) else getattr(state, key)


def _route(state) -> str:
    return _get(state, "route")
