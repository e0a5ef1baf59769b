"""The support desk as CrewAI: a ``Flow`` routes the steps, ``Agent``s run the LLM ``Task``s.

* orchestration: a ``Flow`` whose ``@start`` runs intake and whose one ``@router`` (listening to
  every step) emits the next step's label (``to_retrieve`` ... ``to_escalate``), so a
  verification failure loops back to the blamed step; structured pydantic state with the state
  layer on, the unstructured dict state with it off; ``suppress_flow_events=True``;
* LLM steps: each is a CrewAI ``Task`` executed by that step's ``Agent`` (role, goal,
  backstory), whose LLM is the simulator behind a ``crewai.llms.base_llm.BaseLLM`` subclass,
  or, with a real endpoint (``desk.endpoint``), CrewAI's own ``LLM(model="openai/...")`` for
  the call's tier (its native OpenAI provider; retries off, ``temperature=0``, the trial's
  ``seed``). CrewAI wraps coordlab's prompt in its own (role/goal/backstory, task framing),
  and the model counts tokens on what it really receives: that overhead is a real cost;
* recovery: CrewAI's own retries do not match the semantics (an agent's ``max_retry_limit``
  re-runs the same attempt; every ``BaseLLM.call`` retries 429s up to 3 times, sleeping; the
  flow has none), so agents get ``max_retry_limit=0``, the rate-limit retry is switched off
  (:func:`~coordlab.backends._crewai_model.crewai_retries_off`) and the shared
  :func:`coordlab.pipeline.control.run_step` decides; verification is the ``verify`` step plus
  the router.

Token usage is counted per call from the simulator, not from ``crew.usage_metrics`` (which
double-counts a shared LLM and accumulates across kickoffs).
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import replace
from typing import Any

from pydantic import ConfigDict, PrivateAttr

from coordlab.backends._crewai_env import crewai_home, prepare_environment
from coordlab.backends.base import Backend
from coordlab.pipeline import control
from coordlab.pipeline.context import Desk, Trial
from coordlab.types import Decision, Intake, OrderView, Ticket

prepare_environment()
with crewai_home():
    from crewai.flow.flow import Flow, FlowState, listen, or_, router, start

from coordlab.backends._crewai_model import CrewAgentLLM  # noqa: E402

_IN_TRIAL = contextvars.ContextVar("coordlab_crewai_trial", default=False)


class _QuietTrialErrors(logging.Filter):
    """Drop CrewAI's "Error executing listener" logs inside a coordlab trial.

    A failed step is an outcome coordlab grades (crashed), not an error to print.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_IN_TRIAL.get() and "Error executing listener" in record.getMessage())


logging.getLogger("crewai.flow.runtime").addFilter(_QuietTrialErrors())


class TypedFlowState(FlowState):
    """Flow state with the state layer on (``FlowState`` brings CrewAI's ``id``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    route: str = ""
    intake: Intake | None = None
    order: OrderView | None = None
    decision: Decision | None = None
    reply: str = ""


class DeskFlow(Flow):
    """The routing. State: ``TypedFlowState`` or a dict, chosen by ``initial_state``."""

    _desk: Any = PrivateAttr(None)
    _trial: Any = PrivateAttr(None)

    @classmethod
    def for_trial(cls, desk: Desk, trial: Trial) -> DeskFlow:
        """A flow for one trial (typed state when the state layer is on)."""
        state = TypedFlowState if desk.pipeline.codec.typed else None
        flow = cls(suppress_flow_events=True, initial_state=state)
        flow._desk, flow._trial = desk, trial
        return flow

    def _run(self, step: str) -> None:
        self._set("route", control.run_step(self._desk, self._trial, step))
        if result := self._trial.result_of(step):
            self._set(*result)

    def _set(self, key: str, value) -> None:
        if isinstance(self.state, dict):
            self.state[key] = value if isinstance(value, str) else repr(value)
        else:
            setattr(self.state, key, value)

    def _route(self) -> str:
        route = self.state["route"] if isinstance(self.state, dict) else self.state.route
        return "finished" if route == control.DONE else f"to_{route}"

    @start()
    def first_intake(self):
        """Start with intake."""
        self._run("intake")

    @listen("to_intake")
    def run_intake(self):
        """Run intake (again, after a revision, for intake)."""
        self._run("intake")

    @listen("to_retrieve")
    def run_retrieve(self):
        """Run retrieve."""
        self._run("retrieve")

    @listen("to_lookup")
    def run_lookup(self):
        """Run lookup."""
        self._run("lookup")

    @listen("to_decide")
    def run_decide(self):
        """Run decide."""
        self._run("decide")

    @listen("to_compose")
    def run_compose(self):
        """Run compose."""
        self._run("compose")

    @listen("to_verify")
    def run_verify(self):
        """Run verify."""
        self._run("verify")

    @listen("to_deliver")
    def run_deliver(self):
        """Run deliver."""
        self._run("deliver")

    @listen("to_escalate")
    def run_escalate(self):
        """Hand the ticket to a human."""
        self._run(control.ESCALATE)

    @router(
        or_(
            first_intake,
            run_intake,
            run_retrieve,
            run_lookup,
            run_decide,
            run_compose,
            run_verify,
            run_deliver,
            run_escalate,
        )
    )
    def next_step(self):
        """Emit the label of the step ``control`` chose (``finished`` when done)."""
        return self._route()


class CrewAIBackend(Backend):
    """A CrewAI ``Flow`` per trial, with one ``Agent`` per LLM step."""

    name = "crewai"

    def __init__(self, desk: Desk):
        model = CrewAgentLLM(desk.llm, desk.endpoint, desk.seed)
        super().__init__(replace(desk, llm=model, tools=desk.tools))

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket through a fresh flow."""
        trial = Trial(ticket=ticket, seed=seed)
        token = _IN_TRIAL.set(True)
        try:
            with crewai_home():
                DeskFlow.for_trial(self.desk, trial).kickoff()
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        finally:
            _IN_TRIAL.reset(token)
        return trial


def _floor_flow_class():
    """A flow of the same shape that only calls the model (for ``benchmarks/overhead.py``)."""

    class FloorFlow(Flow):
        _plan: Any = PrivateAttr(None)
        _call: Any = PrivateAttr(None)
        _at: int = PrivateAttr(0)

        def _node(self) -> None:
            if self._plan[self._at]:
                self._call()
            self._at += 1

        @start()
        def first(self):
            """Node 1."""
            self._node()

        @listen("again")
        def step(self):
            """Nodes 2..n."""
            self._node()

        @router(or_(first, step))
        def next_node(self):
            """Loop until the plan is done."""
            return "again" if self._at < len(self._plan) else "finished"

    return FloorFlow
