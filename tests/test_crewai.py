import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("crewai")


def _run(backend, home, extra=()):
    env = dict(os.environ, HOME=str(home))
    for key in ("COORDLAB_CREWAI_HOME", "CREWAI_STORAGE_DIR"):
        env.pop(key, None)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "coordlab.cli",
            "run",
            "--backend",
            backend,
            "--tickets",
            "8",
            "--json",
            "--no-progress",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout), out.stderr


def test_nothing_is_written_under_home_and_nothing_is_printed(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    summary, stderr = _run("crewai", home, ["--profile", "outage", "--layers", "none"])
    assert summary["trials"] == 8
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
    assert stderr == ""


def test_crewai_prompts_cost_more_tokens_than_plain(tmp_path):
    plain, _ = _run("plain", tmp_path, ["--profile", "perfect"])
    crew, _ = _run("crewai", tmp_path, ["--profile", "perfect"])
    assert crew["success_rate"] == plain["success_rate"] == 1.0
    assert crew["llm_calls"] == plain["llm_calls"]
    assert crew["tokens_out"] == plain["tokens_out"]
    assert crew["tokens_in"] > plain["tokens_in"] * 1.1


def _desk_and_ticket(spec):
    from coordlab import Layers, load_tickets
    from coordlab.experiment.runner import Session
    from coordlab.llm.profiles import get_profile

    ticket = next(t for t in load_tickets() if t.truth.action == "refund")
    session = Session(Layers.parse(spec))
    return session, session.desk_for(get_profile("perfect"), 0, [ticket]), ticket


@pytest.mark.parametrize("spec", ["state", "none"])
def test_the_flow_state_carries_the_hand_offs_and_nothing_else(spec, tmp_path):
    from coordlab.backends.crewai import CrewAIBackend, sqlite_persistence
    from coordlab.pipeline.steps import HANDOFFS

    session, desk, ticket = _desk_and_ticket(spec)
    try:
        persistence = sqlite_persistence(tmp_path / "flows.db")
        trial = CrewAIBackend(desk, persistence).run_trial(ticket, 0)
    finally:
        session.close()
    state = persistence.load_state(trial.key)  # as CrewAI's @persist saved it
    assert set(state) == {"id", "route", "counters", *HANDOFFS}  # no recorder, no trial
    assert state["counters"] == trial.counters()  # only the counters the layers decide with
    assert state["route"] == "done" and state["email"] == ticket.email
    if spec == "state":  # typed models (as JSON)
        assert state["decision"]["amount"] == ticket.truth.amount
        assert state["order"]["order_id"] == ticket.truth.order_id
    else:  # the text each consumer re-parses
        assert state["decision"].startswith("Action: refund")
        assert isinstance(state["order"], str) and isinstance(state["passages"], str)


@pytest.mark.parametrize("spec", ["state", "none"])
def test_steps_read_their_inputs_from_the_flow_state(spec, tmp_path):
    """Edit the decision in the persisted state: the resumed compose and deliver follow it."""
    from coordlab.backends.crewai import CrewAIBackend, sqlite_persistence

    session, desk, ticket = _desk_and_ticket(spec)
    try:
        persistence = sqlite_persistence(tmp_path / "flows.db")
        first = CrewAIBackend(desk, persistence).run_trial(ticket, 0, stop_after="decide")
        state = persistence.load_state(first.key)
        if spec == "state":
            state["decision"]["amount"] = 1.5
        else:
            head, _, tail = state["decision"].partition("Amount: ")
            state["decision"] = head + "Amount: 1.50\n" + tail.partition("\n")[2]
        persistence.save_state(first.key, "edited", state)
        CrewAIBackend(desk, persistence).resume_trial(ticket, 0)
        (entry,) = session.service.ledger(first.key)
    finally:
        session.close()
    assert (entry["kind"], entry["amount"]) == ("refund", 1.5)
    assert "$1.50" in entry["text"]
