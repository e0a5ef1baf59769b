"""The support desk as CrewAI: a ``Flow`` carries the hand-offs, ``Agent``s run the LLM ``Task``s.

* hand-offs travel in the Flow's own state: each listener reads its step's inputs from
  ``self.state`` (:data:`~coordlab.pipeline.steps.INPUTS`) and writes back its output and the
  ``route`` control chose. State on: a ``FlowState`` subclass (:class:`DeskState`), validated;
  off: CrewAI's dict state of the text each consumer re-parses. The recorder is not state;
* orchestration: a ``@start`` that runs the first step (route or intake), a ``@listen`` per
  step and one ``@router`` over all of them that emits the next step's label (``to_...``);
* LLM steps: a ``Task`` of the step's ``Agent`` (role, goal, backstory) on the simulator behind
  a ``BaseLLM`` or CrewAI's ``LLM(model="openai/...")`` (:mod:`~coordlab.backends._crewai_model`):
  CrewAI's prompt framing is a real, counted cost. ``max_retry_limit=0`` and CrewAI's rate-limit
  retry off: :func:`~coordlab.pipeline.control.run_step` decides;
* checkpoints: with a ``persistence`` (a CrewAI ``FlowPersistence``, e.g.
  :func:`sqlite_persistence`) the flow runs under ``@persist``, which saves the whole state
  (the id ``seed/ticket``, the route, the hand-offs so far, as JSON) after every method.
  ``run_trial(..., stop_after="decide")`` ends the flow once decide has run (the router emits
  ``stopped``); :meth:`CrewAIBackend.resume_trial` kicks off a new flow with ``inputs={"id":
  ...}``: CrewAI restores the latest saved state, ``@start`` sees its route and does nothing,
  the router goes on (no finished step re-runs, no side effect repeats). The recorder is not
  state: a resumed trial records what ran after the resume, and its counters (attempts,
  revisions, model tier) are restored from a ``counters`` field of the state;
* a person: the approve step's request goes to ``ask_person``, a method under CrewAI's
  ``@human_feedback`` whose provider (the desk's approver) answers; ``answered`` runs approve
  again with that answer (:mod:`~coordlab.backends._asking`).

Tokens are counted per call, not from ``crew.usage_metrics`` (it double-counts a shared LLM).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ConfigDict, PrivateAttr

from coordlab.backends._asking import AnswerBook, DeskApprover, PersonAsked
from coordlab.backends._crewai_env import crewai_home, in_trial, prepare_environment
from coordlab.backends._crewai_env import sqlite_persistence as sqlite_persistence
from coordlab.backends._handoffs import TypedHandoffs
from coordlab.backends.base import Backend, Wiring
from coordlab.errors import ConfigError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.steps import HANDOFFS
from coordlab.tools.approvals import ApprovalAnswer
from coordlab.types import Ticket

prepare_environment()
with crewai_home():
    from crewai.flow.flow import Flow, FlowState, listen, or_, router, start
    from crewai.flow.human_feedback import human_feedback
    from crewai.flow.persistence import FlowPersistence, persist

from coordlab.backends._crewai_model import CrewAgentLLM  # noqa: E402

STOPPED = "stopped"
"""The router's label when a trial stops after ``stop_after`` (no listener: the flow ends)."""


class DeskState(FlowState, TypedHandoffs):
    """The structured flow state (state layer on): CrewAI's ``id``, the route, the hand-offs.

    Example:
        >>> state = DeskState(email="Where is ORD-10012?")
        >>> state.order = {"order_id": "ORD-10012", "total": "240.00"}  # validated
        >>> state.order.total
        240.0
    """

    model_config = ConfigDict(validate_assignment=True)
    route: str = ""
    counters: dict = {}
    email: str = ""


def initial_state(desk: Desk, trial: Trial) -> DeskState | dict:
    """A trial's first state: its id and email (typed with the state layer on, else a dict)."""
    first = {"id": trial.key, "route": "", "counters": {}, "email": trial.ticket.email}
    return DeskState(**first) if desk.pipeline.codec.typed else dict.fromkeys(HANDOFFS) | first


class DeskFlow(Flow):
    """The routing; the state (:class:`DeskState` or a dict) carries the hand-offs."""

    _desk: Any = PrivateAttr(None)
    _trial: Any = PrivateAttr(None)
    _stop_after: str | None = PrivateAttr(None)
    _last: str | None = PrivateAttr(None)
    _answers: Any = PrivateAttr(default_factory=AnswerBook)

    def _get(self, key: str):
        return self.state.get(key) if isinstance(self.state, dict) else getattr(self.state, key)

    def _put(self, key: str, value) -> None:
        if isinstance(self.state, dict):
            self.state[key] = value
        else:
            setattr(self.state, key, value)

    def _run(self, step: str) -> None:
        """Run ``step`` on the hand-offs it reads from the state; write back its own."""
        work = {key: self._get(key) for key in steps.INPUTS[step]}
        try:
            route, out = control.run_step(self._desk, self._trial, step, work)
        except PersonAsked:  # a person's turn: ask_person puts the request to them
            route, out = "person", {}
        if (key := steps.OUTPUT[step]) in out:
            self._put(key, out[key])
        self._put("route", route)
        self._put("counters", self._trial.counters())
        self._last = step

    @start()
    def begin(self):
        """Run the first step, unless the state was restored from a checkpoint (it has a route)."""
        if not self._get("route"):
            self._run(steps.flow(self._desk)[0])
        elif saved := self._get("counters"):  # restored: go on on the same tier and budgets
            self._trial.resume_counters(saved)

    @listen("to_route")
    def run_route(self):
        """Pick the model tier (the routing layer's step)."""
        self._run("route")

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

    @listen("to_approve")
    def run_approve(self):
        """Send an over-threshold refund for approval (the approval layer's step)."""
        self._run("approve")

    @listen("to_person")
    @human_feedback(message="A refund above the approval threshold: approve it?",
                    provider=DeskApprover())  # fmt: skip
    def ask_person(self):
        """Put the approval request to a person (CrewAI's human feedback on this output)."""
        return self._answers.waiting.model_dump(mode="json")

    @router(ask_person)
    def answered(self):
        """Keep the person's answer for the approve step, and run that step again."""
        answer = ApprovalAnswer.model_validate_json(self.last_human_feedback.feedback)
        self._answers.give(self._answers.waiting, answer)
        return "to_approve"

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

    @router(or_(begin, run_route, run_intake, run_retrieve, run_lookup, run_decide, run_approve,
                run_compose, run_verify, run_deliver, run_escalate))  # fmt: skip
    def next_step(self):
        """Emit the label of the route in the state (``finished`` when done, ``stopped``)."""
        route = self._get("route")
        if self._last is not None and self._last == self._stop_after != route != "person":
            return STOPPED
        return "finished" if route == control.DONE else f"to_{route}"


def checkpointed(persistence: FlowPersistence) -> type[DeskFlow]:
    """:class:`DeskFlow` under CrewAI's ``@persist``: its state is saved after every method."""
    # CrewAI 1.15 reads a flow's methods from the class's own namespace: list them again.
    methods = {name: DeskFlow.__dict__[name] for name in DeskFlow.flow_definition().methods}
    namespace = {"__module__": __name__, "__doc__": "The desk's flow, persisted.", **methods}
    return persist(persistence)(type(DeskFlow)("CheckpointedDeskFlow", (DeskFlow,), namespace))


class CrewAIBackend(Backend):
    """A CrewAI ``Flow`` per trial, with one ``Agent`` per LLM step.

    Args:
        desk: the run's components; its LLM (or its endpoint) serves the agents.
        persistence: a CrewAI ``FlowPersistence`` (e.g. :func:`sqlite_persistence`): each
            trial's flow state is then saved after every step under the id ``seed/ticket``,
            and a stopped trial can be resumed (:meth:`resume_trial`).
    """

    name = "crewai"
    wiring = Wiring(
        "Flow: one @listen per step, one @router over all of them",
        ("DeskFlow.run_{step}", "DeskFlow._run", "DeskFlow.next_step"),
        r"@listen\(|@router\(|or_\(",
    )

    def __init__(self, desk: Desk, persistence: FlowPersistence | None = None):
        model = CrewAgentLLM(desk.llm, desk.endpoint, desk.seed)
        super().__init__(replace(desk, llm=model, tools=desk.tools))
        self.persistence = persistence
        self.flow_class = DeskFlow if persistence is None else checkpointed(persistence)

    def run_trial(self, ticket: Ticket, seed: int, stop_after: str | None = None) -> Trial:
        """Run one ticket through a fresh flow (``stop_after``: end the flow after that step)."""
        return self._kickoff(Trial(ticket=ticket, seed=seed), stop_after, None)

    def resume_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Continue a trial from its persisted state; the new recorder holds what ran now."""
        if self.persistence is None:
            raise ConfigError("resuming a trial needs a persistence (CrewAIBackend(desk, ...))")
        trial = Trial(ticket=ticket, seed=seed)
        return self._kickoff(trial, None, {"id": trial.key})

    def _kickoff(self, trial: Trial, stop_after: str | None, inputs: dict | None) -> Trial:
        try:
            with in_trial(), crewai_home():
                flow = self.flow_class(
                    suppress_flow_events=True,
                    initial_state=initial_state(self.desk, trial),
                    persistence=self.persistence,
                )
                flow._desk = replace(self.desk, ask_person=flow._answers.ask)
                flow._trial, flow._stop_after = trial, stop_after
                flow.kickoff(inputs=inputs)
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        return trial
