"""The support desk as a LangGraph app.

One ``StateGraph`` node per step (``verify`` only with the verification layer) plus an
``escalate`` node; conditional edges route on what each node decided: the next step, the step a
rejection blames (verify → revise), or ``escalate``. The model is a LangChain ``BaseChatModel``
per model tier: the simulator behind :class:`~coordlab.backends._langchain_model.SimChatModel`,
or, with a real endpoint (``desk.endpoint``), LangChain's own ``ChatOpenAI`` (retries off,
``temperature=0``, the trial's ``seed``; see
:func:`~coordlab.backends._langchain_model.openai_chat_model`). Tokens are read from the
reply's ``usage_metadata``.

Layers map to LangGraph's own constructs where it has them:

* state on: a pydantic state schema (LangGraph validates it); off: a ``TypedDict`` of text;
* recovery on: a ``RetryPolicy`` on every node for :class:`TransientError` (zero delay: the
  backoff is added to the virtual clock instead of sleeping 0.5-1.5 s per retry);
* verification: the ``verify`` node and its conditional edge back to the blamed step.

The graph is compiled once per backend instance (per configuration and seed), never per ticket.
A checkpointer may be passed (:func:`memory_checkpointer` gives an ``InMemorySaver`` that may
restore coordlab's types); each trial is then its own thread, ``thread_id`` = ``seed/ticket``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy
from pydantic import BaseModel, ConfigDict

from coordlab.backends._langchain_model import ChatModelLLM, chat_models
from coordlab.backends.base import Backend
from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.prompts import render_model
from coordlab.types import Decision, Intake, OrderView, Ticket


class TypedDeskState(BaseModel):
    """Graph state with the state layer on: typed, validated step results."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    trial: Trial
    route: str = ""
    intake: Intake | None = None
    order: OrderView | None = None
    decision: Decision | None = None
    reply: str = ""


class TextDeskState(TypedDict, total=False):
    """Graph state with the state layer off: step results as the text they were handed on in."""

    trial: Trial
    route: str
    intake: str
    order: str
    decision: str
    reply: str


class LangGraphBackend(Backend):
    """A compiled LangGraph ``StateGraph``.

    Args:
        desk: the run's components; its LLM (or its endpoint) becomes one LangChain chat
            model per tier.
        checkpointer: an optional LangGraph checkpointer.
    """

    name = "langgraph"

    def __init__(self, desk: Desk, checkpointer: Any = None):
        chats = chat_models(desk.llm, desk.endpoint, desk.seed)
        model = ChatModelLLM(chats, desk.endpoint)
        super().__init__(replace(desk, llm=model, tools=desk.tools))
        self.checkpointer = checkpointer
        self.graph = self._build().compile(checkpointer=checkpointer)

    def _build(self) -> StateGraph:
        desk = self.desk
        graph = StateGraph(TypedDeskState if desk.state.typed else TextDeskState)
        retry = None
        if desk.recovery.enabled:
            retry = RetryPolicy(
                max_attempts=desk.recovery.max_attempts,
                initial_interval=0.0,
                jitter=False,
                retry_on=TransientError,
            )
        nodes = (*steps.flow(desk), control.ESCALATE)
        for name in nodes:
            graph.add_node(name, self._node(name), retry_policy=retry)
        graph.add_edge(START, nodes[0])
        targets = {name: name for name in nodes} | {control.DONE: END}
        for name in nodes:
            graph.add_conditional_edges(name, _route, targets)
        return graph

    def _node(self, step: str):
        desk = self.desk

        def node(state) -> dict:
            trial = _get(state, "trial")
            try:
                if step == control.ESCALATE:
                    steps.escalate(desk, trial, trial.escalation_reason)
                else:
                    steps.STEP_FUNCTIONS[step](desk, trial)
            except TransientError as err:
                if control.on_transient(desk, trial, step, err) or step == control.ESCALATE:
                    raise  # the RetryPolicy retries it (or, escalating, it crashes the trial)
                trial.escalation_reason = "recovery"
                return {"route": control.ESCALATE}
            except Rejected as err:
                return {"route": control.on_rejected(desk, trial, step, err)}
            control.on_success(trial, step)
            return {"route": control.next_step(desk, step)} | self._results(step, trial)

        node.__name__ = f"{step}_node"
        return node

    def _results(self, step: str, trial: Trial) -> dict:
        result = trial.result_of(step)
        if result is None:
            return {}
        key, value = result
        typed = self.desk.state.typed
        return {key: value if typed or isinstance(value, str) else render_model(value, False)}

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket through the compiled graph."""
        trial = Trial(ticket=ticket, seed=seed)
        config: dict = {"recursion_limit": 100}
        if self.checkpointer is not None:
            config["configurable"] = {"thread_id": trial.key}
        try:
            self.graph.invoke({"trial": trial}, config)
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        return trial


def memory_checkpointer():
    """An ``InMemorySaver`` whose serializer is allowed to restore coordlab's state types.

    Example:
        >>> saver = memory_checkpointer()
        >>> type(saver).__name__
        'InMemorySaver'
    """
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    allowed = [("coordlab.pipeline.context", "Trial"), ("coordlab.domain.policy", "Passage")]
    allowed += [
        ("coordlab.types", n)
        for n in ("Ticket", "Truth", "Intake", "OrderView", "Decision", "Verdict", "StepRecord")
    ]
    return InMemorySaver(serde=JsonPlusSerializer(allowed_msgpack_modules=allowed))


def _get(state, key: str):
    return state[key] if isinstance(state, dict) else getattr(state, key)


def _route(state) -> str:
    return _get(state, "route")
