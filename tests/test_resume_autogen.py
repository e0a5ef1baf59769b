"""AutoGen: a trial stopped after ``decide`` resumes from the team's own saved state.

The checkpoint is what ``GraphFlow.save_state()`` returns (sent through JSON, as a file read by
another process would be), loaded into a new backend and team: the graph goes on at ``compose``
without re-running a finished step or repeating the side effect.
"""

import json

import pytest

pytest.importorskip("autogen_agentchat")

from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends.autogen import AutoGenBackend  # noqa: E402
from coordlab.errors import ConfigError  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402

TICKETS = load_tickets(limit=60)
WORK = ["intake", "retrieve", "lookup", "decide"]


class Recording:
    """The desk's model, remembering which step each call was for."""

    def __init__(self, llm):
        self.llm, self.steps = llm, []

    def complete(self, messages, model="primary"):
        self.steps.append(messages[-1].content.split("step=")[1].split()[0])
        return self.llm.complete(messages, model)


def _uninterrupted(spec, profile, ticket, seed):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile(profile), seed, TICKETS)
        trial = AutoGenBackend(desk).run_trial(ticket, seed)
        return trial, desk.service.ledger(trial.key)
    finally:
        session.close()


def _stop_and_resume(spec, profile, ticket, seed):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile(profile), seed, TICKETS)
        desk.llm = model = Recording(desk.llm)
        store = {}
        first = AutoGenBackend(desk, checkpointer=store)
        stopped = first.run_trial(ticket, seed, stop_after="decide")
        ledger_at_stop = desk.service.ledger(stopped.key)
        calls_at_stop, model.steps = model.steps, []
        saved = json.loads(json.dumps(store))
        second = AutoGenBackend(desk, checkpointer=saved)
        resumed = second.resume_trial(ticket, seed)
        out = dict(stopped=stopped, resumed=resumed, ledger_at_stop=ledger_at_stop)
        out |= dict(ledger=desk.service.ledger(resumed.key), calls=(calls_at_stop, model.steps))
        return out | dict(first=first, second=second, saved=saved)
    finally:
        session.close()


@pytest.mark.parametrize("spec", ["all", "none", "state,recovery"])
def test_a_stopped_trial_resumes_at_compose_in_a_new_team(spec):
    ticket = TICKETS[0]
    got = _stop_and_resume(spec, "perfect", ticket, 0)
    reference, ledger = _uninterrupted(spec, "perfect", ticket, 0)
    stopped, resumed = got["stopped"], got["resumed"]
    assert [r.step for r in stopped.records] == WORK and stopped.crashed is None
    assert got["ledger_at_stop"] == []
    assert [m.source for m in got["first"].transcript][-1] == "decide"
    assert got["calls"][0] == ["intake", "decide"]
    # the new team starts at compose: nothing before it runs again, no model call for it
    assert got["second"].transcript[0].source == "compose"
    assert not {r.step for r in resumed.records} & set(WORK)
    assert set(got["calls"][1]) <= {"compose", "verify"} and "compose" in got["calls"][1]
    assert resumed.crashed is None
    # one side effect, the one an uninterrupted run makes
    assert len(got["ledger"]) == 1 and got["ledger"] == ledger
    assert [r.step for r in reference.records][-1] == [r.step for r in resumed.records][-1]


@pytest.mark.parametrize(
    "ticket_id, seed, blamed",
    [("T0054", 1, "intake"), ("T0018", 0, "retrieve")],
)
def test_a_revision_after_the_resume_uses_the_restored_agents(ticket_id, seed, blamed):
    """verify blames a step that ran before the stop: that agent's own state comes back."""
    ticket = next(t for t in TICKETS if t.id == ticket_id)
    got = _stop_and_resume("all", "uniform-97", ticket, seed)
    reference, ledger = _uninterrupted("all", "uniform-97", ticket, seed)
    path = [m.source for m in got["second"].transcript]
    assert path[:2] == ["compose", "verify"] and path[2] == blamed
    assert got["resumed"].crashed is None and got["resumed"].revisions == 1
    assert len(got["ledger"]) == 1 and got["ledger"] == ledger
    assert reference.revisions == 1


def test_each_desk_agent_saves_the_hand_offs_it_heard():
    got = _stop_and_resume("state", "perfect", TICKETS[0], 0)
    agents = got["saved"]["0/T0001"]["team"]["agent_states"]
    heard = {name: set(agents[name]["agent_state"]["handoffs"]) for name in WORK}
    assert heard["intake"] == {"email"}
    assert heard["decide"] == {"email", "intake", "passages", "order"}
    assert agents["intake"]["agent_state"]["assistant"]["memory"]["llm_context"]["messages"]
    assert agents["lookup"]["agent_state"]["assistant"] is None  # a tool step: no assistant
    # compose has not spoken: what it will hear waits in its container's buffer
    assert len(agents["compose"]["message_buffer"]) == 5


def test_the_saved_state_round_trips_through_load_and_save():
    got = _stop_and_resume("state", "perfect", TICKETS[0], 0)
    state = got["saved"]["0/T0001"]["team"]
    backend = got["second"]

    async def reload():
        await backend.team.reset()
        await backend.team.load_state(state)
        return await backend.team.save_state()

    assert json.loads(json.dumps(backend._loop.run(reload()))) == state


def test_a_trial_that_ends_before_the_stop_leaves_nothing_to_resume():
    """Layers off, T0054 crashes at lookup (seed 0): it never reaches decide."""
    ticket = next(t for t in TICKETS if t.id == "T0054")
    got = _stop_and_resume("none", "uniform-97", ticket, 0)
    assert got["stopped"].crashed and got["saved"] == {"0/T0054": None}
    assert got["resumed"].records == [] and got["ledger"] == []


def test_stopping_needs_a_checkpointer_and_resuming_a_checkpoint():
    session = Session(Layers.parse("none"))
    try:
        backend = AutoGenBackend(session.desk_for(get_profile("perfect"), 0, TICKETS[:1]))
        with pytest.raises(ConfigError, match="checkpointer"):
            backend.run_trial(TICKETS[0], 0, stop_after="decide")
        with pytest.raises(ConfigError, match="no checkpoint"):
            backend.resume_trial(TICKETS[0], 0)
    finally:
        session.close()


@pytest.mark.parametrize("profile", ["uniform-97", "outage"])
def test_resumed_trials_deliver_what_uninterrupted_ones_do(profile):
    """Over 30 tickets (retries, revisions, the fallback model before the stop included)."""
    tickets, spec = TICKETS[:30], Layers.parse("all")
    with_stop, without = Session(spec), Session(spec)
    try:
        desk = with_stop.desk_for(get_profile(profile), 0, tickets)
        reference_desk = without.desk_for(get_profile(profile), 0, tickets)
        store, reference = {}, AutoGenBackend(reference_desk)
        first, second = AutoGenBackend(desk, store), AutoGenBackend(desk, store)
        for ticket in tickets:
            stopped = first.run_trial(ticket, 0, stop_after="decide")
            resumed = second.resume_trial(ticket, 0)
            expected = reference.run_trial(ticket, 0)
            assert desk.service.ledger(stopped.key) == reference_desk.service.ledger(expected.key)
            assert resumed.revisions == expected.revisions and resumed.model == expected.model
            steps = [r.step for r in stopped.records + resumed.records]
            assert steps == [r.step for r in expected.records], ticket.id
    finally:
        with_stop.close()
        without.close()
