"""MAF: a trial stopped after ``decide`` resumes from the workflow's own checkpoint.

The checkpoints are MAF's (``FileCheckpointStorage``: files another process could read), and a
new backend with a new workflow restores the trial's latest one: the workflow goes on at
``compose`` without re-running a finished step or repeating the side effect.
"""

import asyncio

import pytest

pytest.importorskip("agent_framework")

from agent_framework import FileCheckpointStorage, InMemoryCheckpointStorage  # noqa: E402
from helpers import RecordingLLM  # noqa: E402

from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends.maf import TRIAL_KEY, WORKFLOW_NAME, MAFBackend  # noqa: E402
from coordlab.errors import ConfigError  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402

TICKETS = load_tickets(limit=60)
WORK = ["intake", "retrieve", "lookup", "decide"]


def _uninterrupted(spec, profile, ticket, seed):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile(profile), seed, TICKETS)
        trial = MAFBackend(desk).run_trial(ticket, seed)
        return trial, desk.service.ledger(trial.key)
    finally:
        session.close()


def _stop_and_resume(spec, profile, ticket, seed, folder):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile(profile), seed, TICKETS)
        desk.llm = model = RecordingLLM(desk.llm)
        first = MAFBackend(desk, FileCheckpointStorage(folder))
        stopped = first.run_trial(ticket, seed, stop_after="decide")
        ledger_at_stop = desk.service.ledger(stopped.key)
        calls_at_stop, model.calls = model.steps, []
        second = MAFBackend(desk, FileCheckpointStorage(folder))
        resumed = second.resume_trial(ticket, seed)
        out = dict(stopped=stopped, resumed=resumed, ledger_at_stop=ledger_at_stop)
        out["ledger"] = desk.service.ledger(resumed.key)
        return out | dict(calls=(calls_at_stop, model.steps))
    finally:
        session.close()


@pytest.mark.parametrize("spec", ["all", "none", "state,recovery"])
def test_a_stopped_trial_resumes_at_compose_in_a_new_workflow(spec, tmp_path):
    ticket = TICKETS[0]
    got = _stop_and_resume(spec, "perfect", ticket, 0, tmp_path)
    reference, ledger = _uninterrupted(spec, "perfect", ticket, 0)
    stopped, resumed = got["stopped"], got["resumed"]
    assert [r.step for r in stopped.records] == WORK and stopped.crashed is None
    assert got["ledger_at_stop"] == []
    assert got["calls"][0] == ["intake", "decide"]
    # the new workflow starts at compose: nothing before it runs again, no model call for it
    assert [r.step for r in resumed.records][0] == "compose"
    assert not {r.step for r in resumed.records} & set(WORK)
    assert set(got["calls"][1]) <= {"compose", "verify"} and "compose" in got["calls"][1]
    assert resumed.crashed is None
    # one side effect, the one an uninterrupted run makes
    assert len(got["ledger"]) == 1 and got["ledger"] == ledger
    assert [r.step for r in reference.records] == WORK + [r.step for r in resumed.records]


def test_the_checkpoint_is_mafs_own_with_the_work_in_flight(tmp_path):
    """The checkpoint at the stop: compose's work message waits, the counters are state."""
    got = _stop_and_resume("state", "perfect", TICKETS[0], 0, tmp_path)
    name = f"{WORKFLOW_NAME} {Layers.parse('state').label}"  # one name per layer setting
    listing = FileCheckpointStorage(tmp_path).list_checkpoints(workflow_name=name)
    saved = asyncio.run(listing)
    counted = [c for c in saved if c.state.get(TRIAL_KEY)]
    assert {c.state[TRIAL_KEY]["key"] for c in counted} == {got["stopped"].key}
    (stop,) = [c for c in counted if c.state[TRIAL_KEY]["attempts"] == dict.fromkeys(WORK, 1)]
    assert stop.iteration_count == len(WORK)  # one superstep per step, then the stop
    (in_flight,) = [m for messages in stop.messages.values() for m in messages]
    assert in_flight.target_id is None or in_flight.target_id == "compose"
    work = in_flight.data
    assert work.route == "compose" and work.decision is not None and work.reply is None


@pytest.mark.parametrize(
    "ticket_id, seed, blamed",
    [("T0054", 1, "intake"), ("T0018", 0, "retrieve")],
)
def test_a_revision_after_the_resume_goes_back_before_the_stop(ticket_id, seed, blamed, tmp_path):
    """verify blames a step that ran before the stop: the work carries what it needs."""
    ticket = next(t for t in TICKETS if t.id == ticket_id)
    got = _stop_and_resume("all", "uniform-97", ticket, seed, tmp_path)
    reference, ledger = _uninterrupted("all", "uniform-97", ticket, seed)
    path = [r.step for r in got["resumed"].records]
    assert path[0] == "compose" and blamed in path
    assert got["resumed"].crashed is None and got["resumed"].revisions == 1
    assert len(got["ledger"]) == 1 and got["ledger"] == ledger
    assert reference.revisions == 1


def test_a_trial_that_ends_before_the_stop_leaves_nothing_to_resume(tmp_path):
    """Layers off, T0054 crashes at lookup (seed 0): it never reaches decide."""
    ticket = next(t for t in TICKETS if t.id == "T0054")
    got = _stop_and_resume("none", "uniform-97", ticket, 0, tmp_path)
    assert got["stopped"].crashed
    assert got["resumed"].records == [] and got["ledger"] == []


def test_stopping_needs_a_storage_a_step_and_resuming_a_checkpoint():
    session = Session(Layers.parse("none"))
    try:
        desk = session.desk_for(get_profile("perfect"), 0, TICKETS[:1])
        with pytest.raises(ConfigError, match="checkpoint storage"):
            MAFBackend(desk).run_trial(TICKETS[0], 0, stop_after="decide")
        backend = MAFBackend(desk, InMemoryCheckpointStorage())
        with pytest.raises(ConfigError, match="cannot stop after 'decied'"):
            backend.run_trial(TICKETS[0], 0, stop_after="decied")
        backend.run_trial(TICKETS[0], 0)  # no stop: nothing is checkpointed
        with pytest.raises(ConfigError, match="no checkpoint"):
            backend.resume_trial(TICKETS[0], 0)
    finally:
        session.close()


def test_a_rerun_trial_resumes_from_its_latest_stop():
    """Stopped after decide, then again after intake: resume goes on from intake's stop."""
    session = Session(Layers.parse("all"))
    try:
        desk = session.desk_for(get_profile("perfect"), 0, TICKETS[:2])
        storage = InMemoryCheckpointStorage()
        first = MAFBackend(desk, storage)
        first.run_trial(TICKETS[0], 0, stop_after="decide")  # (more supersteps than intake's)
        first.run_trial(TICKETS[1], 0, stop_after="decide")  # another trial in between
        first.run_trial(TICKETS[0], 0, stop_after="intake")
        resumed = MAFBackend(desk, storage).resume_trial(TICKETS[0], 0)
        assert [r.step for r in resumed.records][:2] == ["retrieve", "lookup"]
        assert resumed.crashed is None and len(desk.service.ledger(resumed.key)) == 1
    finally:
        session.close()


def test_checkpoints_of_another_layer_setting_are_not_restored():
    """The same trial stopped under `state` is not resumed by a `state,recovery` backend."""
    storage, sessions = InMemoryCheckpointStorage(), []
    try:
        backends = {}
        for spec in ("state", "state,recovery"):
            sessions.append(session := Session(Layers.parse(spec)))
            desk = session.desk_for(get_profile("perfect"), 0, TICKETS[:1])
            backends[spec] = MAFBackend(desk, storage)
        backends["state"].run_trial(TICKETS[0], 0, stop_after="decide")
        with pytest.raises(ConfigError, match="no checkpoint"):
            backends["state,recovery"].resume_trial(TICKETS[0], 0)
        assert backends["state"].resume_trial(TICKETS[0], 0).records[0].step == "compose"
    finally:
        for session in sessions:
            session.close()


@pytest.mark.parametrize("profile", ["uniform-97", "outage"])
def test_resumed_trials_deliver_what_uninterrupted_ones_do(profile):
    """Over 30 tickets (retries, revisions, the fallback model before the stop included)."""
    tickets, spec = TICKETS[:30], Layers.parse("all")
    with_stop, without = Session(spec), Session(spec)
    try:
        desk = with_stop.desk_for(get_profile(profile), 0, tickets)
        reference_desk = without.desk_for(get_profile(profile), 0, tickets)
        storage, reference = InMemoryCheckpointStorage(), MAFBackend(reference_desk)
        first, second = MAFBackend(desk, storage), MAFBackend(desk, storage)
        for ticket in tickets:
            stopped = first.run_trial(ticket, 0, stop_after="decide")
            resumed = second.resume_trial(ticket, 0)
            expected = reference.run_trial(ticket, 0)
            assert desk.service.ledger(stopped.key) == reference_desk.service.ledger(expected.key)
            if resumed.records:  # (a trial that ended before the stop has nothing to resume)
                assert resumed.model == expected.model, ticket.id
                assert resumed.revisions == expected.revisions, ticket.id
            steps = [r.step for r in stopped.records + resumed.records]
            assert steps == [r.step for r in expected.records], ticket.id
    finally:
        with_stop.close()
        without.close()
