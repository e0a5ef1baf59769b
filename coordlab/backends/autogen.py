"""The support desk as AutoGen agentchat 0.7: a ``GraphFlow`` of desk agents.

* orchestration: one agent per step (``verify`` only with the verification layer) plus
  ``escalate``, wired with ``DiGraphBuilder``. Every edge is conditional on the route the step's
  hand-off message names: the next step, the step itself (a **retry edge** after a transient
  error), the step a rejection blames (verify → revise) or ``escalate``; a finished trial names
  no edge and the graph completes (``escalate`` is the leaf GraphFlow requires: it retries in
  place). GraphFlow has no loop counter of its own: the loop is bounded
  by :mod:`coordlab.pipeline.control` (``max_attempts`` per step, ``max_revisions`` per trial),
  and ``max_turns`` is set above that bound as a safety net (a trial that hits it crashes);
* hand-offs: with the state layer on, each step posts a ``StructuredMessage[Handoff]`` (typed,
  validated); with it off, a ``TextMessage`` with the result as text and a ``Next:`` line;
* LLM steps: the step's desk agent hands its prompt, with the group-chat messages it received,
  to its own ``AssistantAgent`` whose model client is the simulator, or, with a real endpoint
  (``desk.endpoint``), autogen-ext's ``OpenAIChatCompletionClient`` for the call's tier
  (retries off, ``temperature=0``, the trial's ``seed``; see
  :mod:`coordlab.backends._autogen_model`); tokens come from the reply's ``RequestUsage``;
* recovery and verification: the shared decisions of :func:`coordlab.pipeline.control.attempt`,
  routed by the graph's edges.

The team is built once per backend instance and ``reset()`` between trials. AutoGen is async: a
backend runs its team on a private event loop in a background thread, so ``run_trial`` works the
same from a script and from a notebook whose own loop is already running. The steps themselves
are synchronous (shared with every backend) and run in a worker thread, so the loop stays free.

AutoGen is in maintenance mode upstream; Microsoft Agent Framework is its successor, and a
backend for it is one more file like this one plus the conformance suite.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import BaseChatMessage, StructuredMessage, TextMessage
from autogen_agentchat.teams import DiGraphBuilder, GraphFlow
from autogen_core import CancellationToken
from pydantic import BaseModel

from coordlab.backends._autogen_model import AssistantLLM
from coordlab.backends.base import Backend
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.prompts import render_model
from coordlab.types import Decision, Intake, OrderView, Ticket

_NEXT_RE = re.compile(r"^Next: (\w+)$", re.M)


class Handoff(BaseModel):
    """What a step hands on with the state layer on: its result and where to go next."""

    step: str
    route: str
    intake: Intake | None = None
    order: OrderView | None = None
    decision: Decision | None = None
    reply: str | None = None
    passages: list[str] | None = None


HandoffMessage = StructuredMessage[Handoff]


def route_of(message: BaseChatMessage) -> str:
    """The route a hand-off message names (``done`` if none)."""
    if isinstance(message, StructuredMessage):
        return message.content.route
    names = _NEXT_RE.findall(message.to_model_text())
    return names[-1] if names else control.DONE


def routes_from(nodes: Sequence[str], node: str) -> list[str]:
    """Where ``node`` may route: itself and earlier steps, the next step, ``escalate``.

    ``escalate`` routes nowhere: GraphFlow needs a leaf, so it retries in place.
    """
    if node == control.ESCALATE:
        return []
    at = nodes.index(node)
    return [*nodes[: at + 2], control.ESCALATE]


class EventLoopThread:
    """An event loop in a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="coordlab-autogen", daemon=True
        )
        self._thread.start()

    def run(self, coro):
        """Run ``coro`` on the loop and return its result (from any other thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("EventLoopThread.run called from its own loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


_LOOP: EventLoopThread | None = None


def event_loop() -> EventLoopThread:
    """The shared loop every AutoGen team of this process runs on."""
    global _LOOP
    if _LOOP is None:
        _LOOP = EventLoopThread()
    return _LOOP


class DeskAgent(BaseChatAgent):
    """One step of the desk as an AutoGen chat agent.

    Args:
        step: the step it runs (its agent name).
        backend: the backend whose desk, current trial and assistants it uses.
    """

    def __init__(self, step: str, backend: AutoGenBackend):
        super().__init__(step, description=f"Runs the support desk's {step} step.")
        self.step = step
        self.backend = backend

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        """Structured hand-offs with the state layer on, text with it off."""
        return (HandoffMessage,) if self.backend.desk.pipeline.codec.typed else (TextMessage,)

    async def on_messages(
        self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken
    ) -> Response:
        """Run one attempt of the step (in a worker thread) and post the hand-off."""
        models = self.backend.models
        models.loop = asyncio.get_running_loop()
        if self.step in models.heard:
            models.hear(self.step, messages)
        route = await asyncio.to_thread(self._attempt)
        self.backend.route = route
        return Response(chat_message=self.backend.handoff(self.step, route))

    def _attempt(self) -> str:
        trial = self.backend.trial
        try:
            run = control.run_step if self.step == control.ESCALATE else control.attempt
            return run(self.backend.desk, trial, self.step)
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
            return control.DONE

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        """Nothing to forget: the trial lives in the backend."""


def build_team(nodes: Sequence[str], agent: Callable[[str], BaseChatAgent], **kwargs) -> GraphFlow:
    """A ``GraphFlow`` over ``nodes`` whose edges follow the route each message names."""
    builder = DiGraphBuilder()
    for name in nodes:
        builder.add_node(agent(name))
    for name in nodes:
        for target in routes_from(nodes, name):
            builder.add_edge(
                name,
                target,
                condition=lambda message, target=target: route_of(message) == target,
                activation_condition="any",
            )
    builder.set_entry_point(nodes[0])
    return GraphFlow(builder.get_participants(), graph=builder.build(), **kwargs)


def turn_limit(desk: Desk) -> int:
    """More turns than the recovery layer can ever use (retries and revisions included)."""
    budget, n_steps = desk.pipeline, len(steps.flow(desk))
    return (budget.max_revisions + 1) * n_steps * budget.max_attempts + budget.max_attempts


class AutoGenBackend(Backend):
    """A ``GraphFlow`` team, built once and reset between trials."""

    name = "autogen"

    def __init__(self, desk: Desk):
        self.models = AssistantLLM(desk.llm, desk.endpoint, desk.seed)
        super().__init__(replace(desk, llm=self.models, tools=desk.tools))
        self.trial: Trial | None = None
        self.route = ""
        self.nodes = (*steps.flow(self.desk), control.ESCALATE)
        self.transcript: list[BaseChatMessage] = []
        """The last trial's group chat: the task, then every step's hand-off in order."""
        self._loop = event_loop()
        self.max_turns = turn_limit(self.desk)
        self.team = self._loop.run(self._build())

    async def _build(self) -> GraphFlow:
        return build_team(
            self.nodes,
            lambda step: DeskAgent(step, self),
            max_turns=self.max_turns,
            custom_message_types=[HandoffMessage],
        )

    def handoff(self, step: str, route: str) -> BaseChatMessage:
        """The message ``step`` posts: its result (if it has one) and the route."""
        result = self._result(step)
        if self.desk.pipeline.codec.typed:
            fields = dict([result]) if result else {}
            return HandoffMessage(content=Handoff(step=step, route=route, **fields), source=step)
        text = "done"
        if result:
            value = result[1]
            if isinstance(value, list):
                text = ", ".join(value)
            else:
                text = value if isinstance(value, str) else render_model(value, False)
        return TextMessage(content=f"{step}: {text}\nNext: {route}", source=step)

    def _result(self, step: str) -> tuple[str, object] | None:
        if step == "retrieve" and self.trial.hits:
            return "passages", [p.id for p in self.trial.hits]
        return self.trial.result_of(step)

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket through the team."""
        self.trial, self.route = Trial(ticket=ticket, seed=seed), ""
        result = self._loop.run(self._kickoff(ticket))
        self.transcript = [m for m in result.messages if isinstance(m, BaseChatMessage)]
        if self.route != control.DONE:
            self.trial.crashed = f"GraphFlow stopped: {result.stop_reason}"
        return self.trial

    async def _kickoff(self, ticket: Ticket):
        await self.team.reset()
        await self.models.reset()
        task = TextMessage(content=f"Ticket {ticket.id}\n\n{ticket.email}", source="customer")
        return await self.team.run(task=task)


class _FloorAgent(BaseChatAgent):
    """A node that only calls its model (if any) and names the next node."""

    def __init__(self, name: str, after: str, ask: Callable | None):
        super().__init__(name, description="floor")
        self.after, self.ask = after, ask

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        """Text."""
        return (TextMessage,)

    async def on_messages(self, messages, cancellation_token) -> Response:
        """Ask the model, then route on."""
        if self.ask:
            await self.ask()
        return Response(chat_message=TextMessage(content=f"Next: {self.after}", source=self.name))

    async def on_reset(self, cancellation_token) -> None:
        """Stateless."""


def floor_team(nodes: Sequence[str], asks: dict[str, Callable]) -> GraphFlow:
    """A team of the backend's shape that does none of coordlab's work (for the benchmark).

    The same nodes and route edges; each node walks to the next one in order, and a node in
    ``asks`` awaits its coroutine function first (an assistant answering a canned prompt).
    """
    order = list(nodes[:-1])

    def agent(name: str) -> BaseChatAgent:
        at = order.index(name) if name in order else len(order)
        after = order[at + 1] if at + 1 < len(order) else control.DONE
        return _FloorAgent(name, after, asks.get(name))

    return build_team(nodes, agent, max_turns=4 * len(nodes))
