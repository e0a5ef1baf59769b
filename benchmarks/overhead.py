"""Per-trial wall time of each backend against plain and against its framework's floor.

    python benchmarks/overhead.py [--tickets N] [--repeat R] [--backends plain,autogen]

The *floor* of a framework is a graph of the same shape (the same nodes and routing, a
``RetryPolicy`` where the backend has one) whose LLM nodes call the same fake model through the
same adapter with a canned prompt, and whose every node hands on the same state its step would
(the hand-offs of one real trial, typed or text as the state layer says): what the framework
costs before any of coordlab's work. ``plain`` has a floor too (the same loop in Python). We print:

* ``x plain``: backend time / plain time (same work, different orchestration);
* ``x floor``: backend time / the framework's floor;
* ``wiring``: (backend - plain) / (floor - plain floor): how much of the framework overhead our
  wiring adds on top of the framework's own minimum (1.0 = none).

Profile ``perfect`` so every trial takes the same path (no retries) and floors match it.
"""

from __future__ import annotations

import argparse
import time

import coordlab
from coordlab import Layers, load_tickets
from coordlab.backends import available
from coordlab.experiment.runner import Session
from coordlab.llm.base import Message
from coordlab.llm.profiles import get_profile
from coordlab.pipeline import control, prompts
from coordlab.pipeline.context import Trial
from coordlab.pipeline.steps import OUTPUT, flow

LLM_STEPS = {"intake", "decide", "compose", "verify"}
EMAIL = "From: A B <a@example.com>\nDate: 2026-05-01\n\nWhere is order ORD-10012?"


def canned_messages() -> list[Message]:
    return prompts.build("intake", "T0001", 1, {"Email": EMAIL}, typed=False)


def best_ms_per_trial(repeat: int, n_trials: int, run_all) -> float:
    """Best of ``repeat`` timings of ``run_all()``, in ms per trial."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run_all()
        best = min(best, (time.perf_counter() - start) / n_trials)
    return best * 1000


def floor_desk(layers: Layers, tickets):
    """A desk for a floor: only its layer flags and its model are used (tools are closed)."""
    session = Session(layers)
    desk = session.desk_for(get_profile("perfect"), 0, tickets)
    session.close()
    return desk


def canned_handoffs(layers: Layers, tickets) -> tuple[dict, object]:
    """What one real trial hands on, by hand-off key, as the codec carries it; and its desk.

    A floor carries the same state as its backend (each node hands on what its step would),
    so the ratio measures coordlab's wiring, not the cost of the state itself.
    """
    session = Session(layers)
    try:
        desk = session.desk_for(get_profile("perfect"), 0, tickets)
        work, step = {"email": tickets[0].email}, flow(desk)[0]
        trial = Trial(ticket=tickets[0], seed=0)
        while step != control.DONE:
            step, out = control.run_step(desk, trial, step, work)
            work.update(out)
        return work, desk
    finally:
        session.close()


def time_backend(name: str, layers: Layers, tickets, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        session = Session(layers)
        try:
            desk = session.desk_for(get_profile("perfect"), 0, tickets)
            engine = coordlab.backends.backend_class(name)(desk)
            start = time.perf_counter()
            for ticket in tickets:
                engine.run_trial(ticket, 0)
            best = min(best, (time.perf_counter() - start) / len(tickets))
        finally:
            session.close()
    return best * 1000


def plain_floor(layers: Layers, tickets, repeat: int) -> float:
    canned, desk = canned_handoffs(layers, tickets)
    nodes, messages = flow(desk), canned_messages()

    def run_all():
        for ticket in tickets:
            work = {"email": ticket.email}
            for node in nodes:
                if node in LLM_STEPS:
                    desk.llm.complete(messages, "primary")
                if key := OUTPUT[node]:
                    work[key] = canned[key]

    return best_ms_per_trial(repeat, len(tickets), run_all)


def langgraph_floor(layers: Layers, tickets, repeat: int) -> float:
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import RetryPolicy

    from coordlab.backends._langchain_model import ChatModelLLM, SimChatModel
    from coordlab.backends.langgraph import TextDeskState, TypedDeskState, _route

    canned, desk = canned_handoffs(layers, tickets)
    llm, messages = ChatModelLLM(SimChatModel(llm=desk.llm)), canned_messages()
    nodes = (*flow(desk), "escalate")

    def make(node: str, after: str):
        key = OUTPUT[node]

        def run(state):
            if node in LLM_STEPS:
                llm.complete(messages, "primary")
            return {"route": after} | ({key: canned[key]} if key else {})

        return run

    graph = StateGraph(TypedDeskState if desk.pipeline.codec.typed else TextDeskState)
    retries = desk.pipeline.max_attempts > 1
    retry = RetryPolicy(initial_interval=0.0, jitter=False) if retries else None
    order = list(nodes[:-1])
    for i, node in enumerate(nodes):
        after = order[i + 1] if i + 1 < len(order) else "done"
        graph.add_node(node, make(node, after), retry_policy=retry)
    graph.add_edge(START, nodes[0])
    for node in nodes:
        graph.add_conditional_edges(node, _route, {n: n for n in nodes} | {"done": END})
    app = graph.compile()

    def run_all():
        for ticket in tickets:
            app.invoke({"email": ticket.email}, {"recursion_limit": 100})

    return best_ms_per_trial(repeat, len(tickets), run_all)


def crewai_floor(layers: Layers, tickets, repeat: int) -> float:
    """A flow of the backend's shape and state whose nodes only call the model and hand on.

    Each node writes a canned hand-off (those of a plain run of the first ticket) and the
    route into the same state as the backend's (``DeskState`` or a dict).
    """
    from crewai.flow.flow import Flow, listen, or_, router, start
    from pydantic import PrivateAttr

    from coordlab.backends._crewai_env import crewai_home
    from coordlab.backends._crewai_model import CrewAgentLLM
    from coordlab.backends.crewai import initial_state

    work, desk = canned_handoffs(layers, tickets)
    llm, messages = CrewAgentLLM(desk.llm), canned_messages()
    nodes = flow(desk)

    class FloorFlow(Flow):
        _at: int = PrivateAttr(0)

        def _node(self) -> None:
            node = nodes[self._at]
            if node in LLM_STEPS:
                llm.complete(messages, "primary")
            if key := OUTPUT[node]:
                _put(self.state, key, work[key])
            self._at += 1
            _put(self.state, "route", nodes[self._at] if self._at < len(nodes) else "done")

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
            return "again" if self._at < len(nodes) else "finished"

    def run_all():
        with crewai_home():
            for ticket in tickets:
                state = initial_state(desk, Trial(ticket=ticket, seed=0))
                FloorFlow(suppress_flow_events=True, initial_state=state).kickoff()

    return best_ms_per_trial(repeat, len(tickets), run_all)


def _put(state, key: str, value) -> None:
    if isinstance(state, dict):
        state[key] = value
    else:
        setattr(state, key, value)


def autogen_floor(layers: Layers, tickets, repeat: int) -> float:
    """A ``GraphFlow`` of the backend's shape whose nodes only call the model and hand on.

    The same nodes and route edges (:func:`coordlab.backends.autogen.build_team`); each node
    walks to the next one in order and posts the hand-off its step posted in a real run of the
    first ticket (the same message type and payload, typed or text); an LLM node first has its
    assistant hear what the node heard, with a canned prompt.
    """
    from autogen_agentchat.agents import BaseChatAgent
    from autogen_agentchat.base import Response
    from autogen_agentchat.messages import TextMessage

    from coordlab.backends._autogen_loop import event_loop
    from coordlab.backends._autogen_model import AssistantLLM
    from coordlab.backends.autogen import (
        CUSTOMER,
        AutoGenBackend,
        HandoffMessage,
        build_team,
        carried,
        handoff_message,
    )

    session = Session(layers)
    try:
        backend = AutoGenBackend(session.desk_for(get_profile("perfect"), 0, tickets))
        backend.run_trial(tickets[0], 0)
        posted = {m.source: carried(m) for m in backend.transcript}
    finally:
        session.close()
    desk = floor_desk(layers, tickets)
    models, loop, typed = AssistantLLM(desk.llm), event_loop(), desk.pipeline.codec.typed
    prompt = TextMessage(content="\n\n".join(m.content for m in canned_messages()), source="desk")
    nodes = (*flow(desk), "escalate")
    order = list(nodes[:-1])

    class FloorAgent(BaseChatAgent):
        def __init__(self, name: str):
            super().__init__(name, description="floor")
            at = order.index(name) if name in order else len(order)
            self.after = order[at + 1] if at + 1 < len(order) else "done"
            self.out = dict([found]) if (found := posted.get(name)) else {}

        @property
        def produced_message_types(self):
            return (HandoffMessage if typed else TextMessage,)

        async def on_messages(self, messages, cancellation_token) -> Response:
            if assistant := models.assistants.get(self.name):
                await assistant.on_messages([*messages, prompt], cancellation_token)
            return Response(chat_message=handoff_message(self.name, self.after, self.out, typed))

        async def on_reset(self, cancellation_token) -> None:
            pass

    async def build():
        return build_team(
            nodes, FloorAgent, max_turns=4 * len(nodes), custom_message_types=[HandoffMessage]
        )

    team = loop.run(build())

    async def one_trial(ticket):
        await team.reset()
        await models.reset()
        task = TextMessage(content=f"Ticket {ticket.id}\n\n{ticket.email}", source=CUSTOMER)
        await team.run(task=task)

    def run_all():
        for ticket in tickets:
            loop.run(one_trial(ticket))

    return best_ms_per_trial(repeat, len(tickets), run_all)


def maf_floor(layers: Layers, tickets, repeat: int) -> float:
    """A MAF ``Workflow`` of the backend's shape whose executors only call the model and hand on.

    The same executors and switch-case route edges as :func:`coordlab.backends.maf.build_workflow`;
    each executor walks to the next one in order, sending the work message with the hand-off its
    step would add (typed or text); an LLM executor first runs its step's ``Agent`` (the same
    adapter, :class:`~coordlab.backends._maf_model.AgentLLM`) on a canned prompt.
    """
    from agent_framework import Case, Default, Executor, Message, WorkflowBuilder, handler

    from coordlab.backends._autogen_loop import event_loop
    from coordlab.backends._maf_env import retry_edges_expected
    from coordlab.backends._maf_model import AgentLLM
    from coordlab.backends._maf_work import TypedWork, route_of, routes_from, with_result

    canned, desk = canned_handoffs(layers, tickets)
    models, loop, typed = AgentLLM(desk.llm), event_loop(), desk.pipeline.codec.typed
    asked = [Message(m.role, [m.content]) for m in canned_messages()]
    nodes = (*flow(desk), "escalate")
    order = list(nodes[:-1])

    class FloorExecutor(Executor):
        def __init__(self, name: str):
            super().__init__(id=name)
            at = order.index(name) if name in order else len(order)
            self.after = order[at + 1] if at + 1 < len(order) else "done"
            self.out = {key: canned[key]} if (key := OUTPUT[name]) else {}

        async def hand_on(self, work, ctx) -> None:
            if self.id in LLM_STEPS:
                await models.agents["primary", self.id].run(asked)
            work = with_result(work, self.after, self.out)
            if self.after == "done":
                await ctx.yield_output(work)
            else:
                await ctx.send_message(work)

    kind = TypedWork if typed else dict  # (explicit: this module's annotations are strings)

    class Floor(FloorExecutor):
        @handler(input=kind, output=kind, workflow_output=kind)
        async def on_work(self, work, ctx) -> None:
            await self.hand_on(work, ctx)

    executors = {n: Floor(n) for n in nodes}
    builder = WorkflowBuilder(max_iterations=4 * len(nodes), start_executor=executors[nodes[0]])
    for node in nodes[:-1]:
        *cases, last = routes_from(nodes, node)
        branches = [Case(lambda w, t=t: route_of(w) == t, executors[t]) for t in cases]
        builder.add_switch_case_edge_group(executors[node], [*branches, Default(executors[last])])
    with retry_edges_expected():
        workflow = builder.build()

    async def one_trial(ticket):
        work = {"route": nodes[0], "email": ticket.email}
        await workflow.run(TypedWork(**work) if typed else work)

    def run_all():
        for ticket in tickets:
            loop.run(one_trial(ticket))

    return best_ms_per_trial(repeat, len(tickets), run_all)


FLOORS = {
    "plain": plain_floor,
    "langgraph": langgraph_floor,
    "crewai": crewai_floor,
    "autogen": autogen_floor,
    "maf": maf_floor,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=160)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default=",".join(available()))
    args = parser.parse_args()
    tickets = load_tickets(limit=args.tickets)
    coordlab.run(layers="all", profile="perfect", tickets=3)  # warm imports and the index
    print(
        f"{'backend':<11}{'layers':<7}{'ms/trial':>9}{'floor ms':>10}{'x plain':>9}"
        f"{'x floor':>9}{'wiring':>8}"
    )
    for spec in ("none", "all"):
        layers = Layers.parse(spec)
        plain_ms = time_backend("plain", layers, tickets, args.repeat)
        plain_floor_ms = plain_floor(layers, tickets, args.repeat)
        for name in ["plain", *(b for b in args.backends.split(",") if b != "plain")]:
            ms = plain_ms if name == "plain" else time_backend(name, layers, tickets, args.repeat)
            floor = FLOORS[name](layers, tickets, args.repeat) if name in FLOORS else float("nan")
            wiring = (ms - plain_ms) / (floor - plain_floor_ms) if name != "plain" else 1.0
            print(
                f"{name:<11}{spec:<7}{ms:>9.2f}{floor:>10.2f}{ms / plain_ms:>9.2f}"
                f"{ms / floor:>9.2f}{wiring:>8.2f}"
            )


if __name__ == "__main__":
    main()
