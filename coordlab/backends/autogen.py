r"""The support desk as AutoGen agentchat 0.7: a ``GraphFlow`` of desk agents passing hand-offs.

* orchestration: a :class:`DeskAgent` per step plus ``escalate``, wired with ``DiGraphBuilder``;
  edges are conditional on the route a message names: the next step, itself (a **retry
  edge**), a blamed step, ``escalate``; ``max_turns`` above the layers' bound is a safety net;
* hand-offs travel in the messages: the task carries the email; each agent takes its inputs
  (``steps.INPUTS``) from the latest hand-offs it heard and posts its own (``steps.OUTPUT``):
  state on, a ``StructuredMessage[Handoff]``; off, a ``TextMessage`` ``"<key>:\n<text>\nNext:
  <route>"`` that each consumer re-parses (:mod:`~coordlab.backends._autogen_messages`). The
  recorder sits beside the team;
* LLM steps: an agent hands its prompt, with what it heard, to its ``AssistantAgent``
  (:mod:`coordlab.backends._autogen_model`): that history is AutoGen's cost in tokens;
* a person: with the approval layer, a ``UserProxyAgent`` (``person``) joins the graph; the
  approve agent hands it the request (route ``person``), its ``input_func`` (the approver)
  answers in the chat, and the approve agent goes on with that answer
  (:mod:`~coordlab.backends._asking`);
* resume: with a ``checkpointer`` (a mutable mapping), ``run_trial(..., stop_after="decide")``
  stops once that step has finished (a ``FunctionalTermination``) and stores the team's
  ``save_state()`` and the recorder's counters under ``seed/ticket`` (``None`` if it ended);
  :meth:`AutoGenBackend.resume_trial` (any instance or process) loads it and the graph goes on
  where it stopped: no step re-runs, no side effect repeats. The team is built once, reset
  between trials, on a private event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace

from autogen_agentchat.agents import BaseChatAgent, UserProxyAgent
from autogen_agentchat.base import Response
from autogen_agentchat.conditions import FunctionalTermination
from autogen_agentchat.messages import BaseChatMessage, MessageFactory, TextMessage
from autogen_agentchat.teams import DiGraphBuilder, GraphFlow
from autogen_core import CancellationToken

from coordlab.backends._asking import AnswerBook, PersonAsked
from coordlab.backends._autogen_loop import event_loop, requeueable
from coordlab.backends._autogen_messages import (
    CUSTOMER,
    HandoffMessage,
    carried,
    handoff_message,
    route_of,
    routes_from,
)
from coordlab.backends._autogen_model import AssistantLLM
from coordlab.backends.base import Backend, Wiring
from coordlab.errors import ConfigError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.tools.approvals import ApprovalAnswer
from coordlab.types import Ticket

PERSON = "person"  # the UserProxyAgent the approve step asks (with the approval layer)


class DeskAgent(BaseChatAgent):
    """The agent of one ``step``: it remembers the hand-offs it heard; ``backend`` has the rest."""

    def __init__(self, step: str, backend: AutoGenBackend):
        super().__init__(step, description=f"Runs the support desk's {step} step.")
        self.step, self.backend, self.typed = step, backend, backend.desk.pipeline.codec.typed
        self.handoffs: dict[str, BaseChatMessage] = {}  # key -> the latest message carrying it

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        """Structured hand-offs with the state layer on, text with it off (and to a person)."""
        return (HandoffMessage, TextMessage) if self.typed else (TextMessage,)

    def work(self) -> dict:
        """The step's inputs (``steps.INPUTS``), from the latest messages that carried them."""
        return {k: carried(m)[1] for k, m in self.handoffs.items() if k in steps.INPUTS[self.step]}

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        """Take in the hand-offs, run one attempt of the step (in a thread), post its own."""
        self.handoffs.update((found[0], m) for m in messages if (found := carried(m)))
        self.backend.models.hear(self.step, messages)
        if self.step == "approve":  # (every agent hears the person; approve asked)
            self.backend.take_answers(messages)
        try:
            route, out = await asyncio.to_thread(self._attempt, self.work())
        except PersonAsked as asked:  # the person's turn: hand over the request
            request = f"request:\n{asked.request.question()}\nNext: {PERSON}"
            return Response(chat_message=TextMessage(content=request, source=self.step))
        return Response(chat_message=handoff_message(self.step, route, out, self.typed))

    def _attempt(self, work: dict) -> tuple[str, dict]:
        trial = self.backend.trial
        try:
            run = control.run_step if self.step == control.ESCALATE else control.attempt
            return run(self.backend.desk, trial, self.step, work)
        except PersonAsked:
            raise
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
            return control.DONE, {}

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        """Forget the hand-offs (a new trial)."""
        self.handoffs = {}

    async def save_state(self) -> Mapping:
        """The hand-offs heard and (an LLM step) its assistant's state."""
        handoffs = {key: message.dump() for key, message in self.handoffs.items()}
        return {"handoffs": handoffs, "assistant": await self.backend.models.save_state(self.step)}

    async def load_state(self, state: Mapping) -> None:
        """Restore what :meth:`save_state` saved."""
        (factory := MessageFactory()).register(HandoffMessage)
        self.handoffs = {key: factory.create(data) for key, data in state["handoffs"].items()}
        await self.backend.models.load_state(self.step, state["assistant"], factory)


def build_team(
    nodes: Sequence[str],
    agent: Callable[[str], BaseChatAgent],
    person: BaseChatAgent | None = None,
    **kwargs,
) -> GraphFlow:
    """A ``GraphFlow`` over ``nodes`` whose edges follow the route each message names.

    ``person``: the agent the approve step hands a request to; it answers back to approve.
    """
    builder = DiGraphBuilder()
    for name in nodes:
        builder.add_node(agent(name))
    edges = {name: routes_from(nodes, name) for name in nodes}
    if person is not None:
        builder.add_node(person).add_edge(person.name, "approve", activation_condition="any")
        edges["approve"].append(person.name)
    for name, targets in edges.items():
        for target in targets:
            when = lambda message, target=target: route_of(message) == target  # noqa: E731
            builder.add_edge(name, target, condition=when, activation_condition="any")
    builder.set_entry_point(nodes[0])
    return GraphFlow(builder.get_participants(), graph=builder.build(), **kwargs)


def turn_limit(desk: Desk) -> int:
    """More turns than the recovery layer can ever use (retries, revisions, asking a person)."""
    flow, budget = steps.flow(desk), desk.pipeline
    n_steps = len(flow) + 2 * ("approve" in flow)  # (the request and the person's answer)
    return (budget.max_revisions + 1) * n_steps * budget.max_attempts + budget.max_attempts


class AutoGenBackend(Backend):
    """A ``GraphFlow`` team, built once and reset between trials.

    Args:
        desk: the run's components; its LLM (or endpoint) answers through AssistantAgents.
        checkpointer: a mutable mapping for team states (needed to stop and resume a trial).
    """

    name = "autogen"
    wiring = Wiring(
        "GraphFlow: DiGraphBuilder edges conditional on the route",
        ("build_team", "DeskAgent.on_messages", "DeskAgent._attempt"),
        r"DiGraphBuilder\(|\.add_(node|edge)\(|condition=|GraphFlow\(|handoff_message\(",
    )

    def __init__(self, desk: Desk, checkpointer: MutableMapping | None = None):
        self.models = AssistantLLM(desk.llm, desk.endpoint, desk.seed)
        self.answers = AnswerBook()  # the person's answers, for the approve step that asked
        super().__init__(replace(desk, llm=self.models, ask_person=self.answers.ask))
        self.checkpointer, self.trial, self.stop_after = checkpointer, None, None
        self.nodes = (*steps.flow(self.desk), control.ESCALATE)
        self.transcript: list[BaseChatMessage] = []  # the last run's chat (task, hand-offs)
        self._loop = event_loop()
        self.team = self._loop.run(self._build())

    async def _build(self) -> GraphFlow:
        person = UserProxyAgent(PERSON, input_func=self._person_answers)
        return build_team(
            self.nodes,
            lambda step: DeskAgent(step, self),
            person if "approve" in self.nodes else None,
            max_turns=turn_limit(self.desk),
            termination_condition=FunctionalTermination(self._stops),
            custom_message_types=[HandoffMessage],
        )

    def _person_answers(self, prompt: str) -> str:
        """The person's ``input_func``: the approver answers the request in the chat."""
        return self.desk.approver.review(self.answers.waiting).model_dump_json()

    def take_answers(self, messages: Sequence[BaseChatMessage]) -> None:
        """Keep the person's answers for the step that asked."""
        for message in messages:
            if message.source == PERSON:
                answer = ApprovalAnswer.model_validate_json(message.to_text())
                self.answers.give(self.answers.waiting, answer)

    def _stops(self, delta: Sequence) -> bool:  # stop_after has finished, and steps are left
        # not finished yet (a retry in place, a person asked), or nothing is left
        ends = (self.stop_after, PERSON, control.DONE)
        return any(m.source == self.stop_after and route_of(m) not in ends for m in delta)

    def run_trial(self, ticket: Ticket, seed: int, stop_after: str | None = None) -> Trial:
        """Run one ticket (``stop_after``: stop once that step has finished, and checkpoint)."""
        if stop_after and self.checkpointer is None:
            raise ConfigError("stopping a trial to resume it needs a checkpointer")
        self.trial = Trial(ticket=ticket, seed=seed)
        task = TextMessage(content=f"Ticket {ticket.id}\n\n{ticket.email}", source=CUSTOMER)
        return self._loop.run(self._run(task, None, stop_after))

    def resume_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Continue a stopped trial from its checkpoint; the new recorder holds what ran now."""
        self.trial = trial = Trial(ticket=ticket, seed=seed)
        if trial.key not in (self.checkpointer or {}):
            raise ConfigError(f"no checkpoint of trial {trial.key} to resume")
        if not (saved := self.checkpointer[trial.key]):  # None: the trial had ended
            return trial
        trial.resume_counters(saved["recorder"])  # go on counting where it stopped
        return self._loop.run(self._run(None, saved["team"]))

    async def _run(self, task, state: Mapping | None, stop_after: str | None = None) -> Trial:
        self.stop_after = stop_after
        await self.team.reset()
        await self.models.reset()
        if state is not None:
            await self.team.load_state(state)
        result = await self.team.run(task=task)
        self.transcript = [m for m in result.messages if isinstance(m, BaseChatMessage)]
        last = [m for m in self.transcript if m.source in self.nodes][-1:]
        stopped = self._stops(last)
        if self.stop_after:  # the checkpoint if it stopped there; None if the trial ended first
            self.checkpointer[self.trial.key] = await self._checkpoint() if stopped else None
        if not stopped and [route_of(m) for m in last] != [control.DONE]:
            self.trial.crashed = f"GraphFlow stopped: {result.stop_reason}"
        return self.trial

    async def _checkpoint(self) -> dict:
        """The team's state and the recorder's counters that the layers decide with."""
        team = requeueable(await self.team.save_state())
        return {"team": team, "recorder": self.trial.counters()}
