import asyncio
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("autogen_agentchat")

from autogen_agentchat.messages import StructuredMessage, TextMessage  # noqa: E402
from helpers import cached_rows  # noqa: E402

import coordlab  # noqa: E402
from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends import autogen  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402
from coordlab.llm.sim import SimLLM  # noqa: E402
from coordlab.pipeline import steps  # noqa: E402
from coordlab.pipeline.codec import TEXT  # noqa: E402
from coordlab.types import Intake, PolicyHit  # noqa: E402

OUTPUTS = ["intake", "passages", "order", "decision", "reply"]
KEYS = ("ticket_id", "outcome", "action", "amount", "llm_calls", "tokens_out", "faults")


def _backend(spec, profile="uniform-97", llm=None, tickets=None):
    tickets = tickets or load_tickets(limit=40)
    session = Session(Layers.parse(spec))
    desk = session.desk_for(get_profile(profile), 0, tickets, llm)
    return autogen.AutoGenBackend(desk), session


class Recording:
    """A model that remembers the conversations it was sent."""

    def __init__(self, sim):
        self.sim, self.calls = sim, []

    def complete(self, messages, model="primary"):
        self.calls.append(messages)
        return self.sim.complete(messages, model)


def test_runs_inside_an_already_running_event_loop():
    async def notebook_cell():
        return coordlab.run(backend="autogen", layers="all", tickets=12, return_rows=True)

    _, rows = asyncio.run(notebook_cell())
    plain = cached_rows("all", "uniform-97", 12)
    assert [tuple(r[k] for k in KEYS) for r in rows] == [tuple(r[k] for k in KEYS) for r in plain]


def test_cli_is_quiet_and_pays_for_conversation_history(tmp_path):
    def run(backend):
        out = subprocess.run(
            [sys.executable, "-m", "coordlab.cli", "run", "--backend", backend, "--tickets", "10"]
            + ["--profile", "perfect", "--layers", "all", "--json", "--no-progress"],
            env=dict(os.environ, HOME=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        return json.loads(out.stdout), out.stderr

    (plain, _), (auto, stderr) = run("plain"), run("autogen")
    assert stderr == ""
    assert auto["success_rate"] == plain["success_rate"] == 1.0
    assert auto["llm_calls"] == plain["llm_calls"]
    assert auto["tokens_out"] == plain["tokens_out"]
    assert auto["tokens_in"] > plain["tokens_in"] * 1.1


def test_an_assistant_hears_the_hand_offs_before_its_prompt():
    model = Recording(SimLLM("perfect"))
    backend, session = _backend("none", "perfect", llm=model)
    try:
        backend.run_trial(load_tickets(limit=1)[0], 0)
    finally:
        session.close()
    decide = next(c for c in model.calls if "step=decide" in c[-1].content)
    heard = "\n".join(m.content for m in decide[:-1])
    assert decide[0].role == "system" and "case officer" in decide[0].content
    assert "Ticket T0001" in heard  # the task
    assert "intake:\nIntent: refund" in heard and "Next: retrieve" in heard  # intake's hand-off
    assert "passages:\n[POL-" in heard and "order:\norder_id: ORD-10003" in heard


def test_history_is_forgotten_between_trials():
    tickets = load_tickets(limit=6)
    backend, session = _backend("all", tickets=tickets)
    try:
        first = backend.run_trial(tickets[0], 0).tokens_in
        for ticket in tickets[1:]:
            backend.run_trial(ticket, 0)
        again = backend.run_trial(tickets[0], 0).tokens_in
    finally:
        session.close()
    assert first == again


@pytest.mark.parametrize("spec, kind", [("state", StructuredMessage), ("none", TextMessage)])
def test_state_layer_chooses_structured_or_text_hand_offs(spec, kind):
    backend, session = _backend(spec, "perfect")
    try:
        backend.run_trial(load_tickets(limit=1)[0], 0)
    finally:
        session.close()
    handoffs = [m for m in backend.transcript if m.source in backend.nodes]
    assert handoffs and all(isinstance(m, kind) for m in handoffs)
    if kind is StructuredMessage:
        assert isinstance(handoffs[0].content.intake, Intake)
        assert all(isinstance(hit, PolicyHit) for hit in handoffs[1].content.passages)
        assert [m.content.carries for m in handoffs] == [*OUTPUTS, None]


def test_each_step_takes_its_inputs_from_the_messages_it_heard():
    """No shared object: a step's inputs are what the hand-off messages carried."""
    backend, session = _backend("none", "perfect")
    try:
        backend.run_trial(load_tickets(limit=1)[0], 0)
        agents = {name: backend._loop.run(_agent_state(backend, name)) for name in backend.nodes}
    finally:
        session.close()
    made = {"email", *(steps.OUTPUT[s] for s in steps.flow(backend.desk))}  # (no approve step)
    for step in ("intake", "retrieve", "lookup", "decide", "compose", "deliver"):
        assert set(agents[step]["handoffs"]) >= set(steps.INPUTS[step]) & made, step
    decide = backend.transcript[4]
    assert decide.source == "decide" and autogen.carried(decide)[0] == "decision"
    # text hand-offs: the consumer re-parses what travelled (the codec's text)
    assert TEXT.take("decision", autogen.carried(decide)[1]).action == "decline"


async def _agent_state(backend, name):
    state = await backend.team.save_state()
    return state["agent_states"][name]["agent_state"]


def test_a_tool_step_that_found_nothing_says_so():
    """lookup without an order id hands on ``order: none`` (not a missing hand-off)."""
    none = autogen.handoff_message("lookup", "decide", {"order": None}, typed=False)
    failed = autogen.handoff_message("lookup", "intake", {}, typed=False)
    assert autogen.carried(none) == ("order", None) and autogen.carried(failed) is None
    assert autogen.route_of(none) == "decide" and autogen.route_of(failed) == "intake"
    typed = autogen.handoff_message("lookup", "decide", {"order": None}, typed=True)
    assert autogen.carried(typed) == ("order", None) and autogen.route_of(typed) == "decide"


def test_retry_edge_and_revision_edges_are_taken():
    tickets = load_tickets(limit=20)
    backend, session = _backend("all", "uniform-97", tickets=tickets)
    paths = {}
    try:
        for ticket in tickets:
            trial = backend.run_trial(ticket, 0)
            paths[ticket.id] = ([m.source for m in backend.transcript], trial)
    finally:
        session.close()
    pairs = {(a, b) for path, _ in paths.values() for a, b in zip(path, path[1:], strict=False)}
    assert ("deliver", "deliver") in pairs  # a retry edge
    assert ("verify", "compose") in pairs  # the critic blames the reply: revise it
    assert ("lookup", "intake") in pairs  # the order service rejects intake's order id
    for path, trial in paths.values():
        backward = sum(
            backend.nodes.index(b) < backend.nodes.index(a)
            for a, b in zip(path[1:], path[2:], strict=False)
        )
        assert backward == trial.revisions and trial.crashed is None


def test_a_trial_that_exceeds_the_turn_limit_crashes(monkeypatch):
    monkeypatch.setattr(autogen, "turn_limit", lambda desk: 2)
    backend, session = _backend("none", "perfect")
    try:
        trial = backend.run_trial(load_tickets(limit=1)[0], 0)
    finally:
        session.close()
    assert trial.crashed.startswith("GraphFlow stopped")
