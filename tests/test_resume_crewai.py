"""A CrewAI trial stopped after decide resumes from its ``@persist`` state in a new backend."""

from collections import Counter
from dataclasses import replace

import pytest

pytest.importorskip("crewai")

from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends.crewai import CrewAIBackend, sqlite_persistence  # noqa: E402
from coordlab.errors import ConfigError  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402
from coordlab.llm.reading import HEADER_RE  # noqa: E402

FINISHED = ("intake", "retrieve", "lookup", "decide")


class Spy:
    """The model, counting the calls it gets per step."""

    def __init__(self, llm):
        self.llm, self.steps = llm, Counter()

    def complete(self, messages, model="primary"):
        self.steps[HEADER_RE.search(messages[-1].content).group(1)] += 1
        return self.llm.complete(messages, model)


def _strip(entries):
    return [(e["kind"], e["order_id"], e["amount"], e["text"]) for e in entries]


def _stopped_and_resumed(spec, ticket, path):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile("uniform-97"), 0, [ticket])
        first = CrewAIBackend(desk, sqlite_persistence(path)).run_trial(ticket, 0, "decide")
        saved = sqlite_persistence(path).load_state(first.key)
        at_stop = list(session.service.ledger(first.key))
        spy = Spy(desk.llm)  # a new backend, a new persistence object on the same file
        second = CrewAIBackend(replace(desk, llm=spy), sqlite_persistence(path))
        resumed = second.resume_trial(ticket, 0)
        return first, saved, at_stop, resumed, spy.steps, list(session.service.ledger(first.key))
    finally:
        session.close()


def _uninterrupted(spec, ticket):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile("uniform-97"), 0, [ticket])
        trial = CrewAIBackend(desk).run_trial(ticket, 0)
        return trial, list(session.service.ledger(trial.key))
    finally:
        session.close()


@pytest.mark.parametrize("spec", ["all", "none"])
def test_a_trial_stopped_after_decide_resumes_without_rerunning_or_repeating(spec, tmp_path):
    ticket = next(t for t in load_tickets() if t.truth.action == "refund")
    run = _stopped_and_resumed(spec, ticket, tmp_path / "flows.db")
    first, saved, at_stop, resumed, calls, ledger = run
    assert [r.step for r in first.records][-1] == "decide" and first.crashed is None
    assert at_stop == []  # nothing delivered before the stop
    assert saved["id"] == first.key and saved["route"] == "compose"
    decision = saved["decision"]  # what CrewAI persisted: the hand-offs, as JSON
    assert decision["action"] == "refund" if spec == "all" else decision.startswith("Action:")
    assert not {r.step for r in resumed.records} & set(FINISHED)  # no finished step re-ran
    assert not set(calls) & set(FINISHED) and calls["compose"] == 1  # the model: compose on
    assert resumed.records[0].step == "compose" and resumed.crashed is None
    whole, whole_ledger = _uninterrupted(spec, ticket)
    assert len(ledger) == 1  # one side effect, not repeated
    assert _strip(ledger) == _strip(whole_ledger)
    assert first.llm_calls + resumed.llm_calls == whole.llm_calls
    assert first.tokens_in + resumed.tokens_in == whole.tokens_in


def test_resuming_a_finished_trial_runs_nothing(tmp_path):
    session = Session(Layers())
    try:
        ticket = load_tickets(limit=1)[0]
        desk = session.desk_for(get_profile("perfect"), 0, [ticket])
        persistence = sqlite_persistence(tmp_path / "flows.db")
        done = CrewAIBackend(desk, persistence).run_trial(ticket, 0)
        again = CrewAIBackend(desk, persistence).resume_trial(ticket, 0)
        assert done.records and again.records == [] and again.crashed is None
        assert len(session.service.ledger(done.key)) == 1
    finally:
        session.close()


def test_resuming_needs_a_persistence():
    session = Session(Layers())
    try:
        ticket = load_tickets(limit=1)[0]
        desk = session.desk_for(get_profile("perfect"), 0, [ticket])
        with pytest.raises(ConfigError, match="persistence"):
            CrewAIBackend(desk).resume_trial(ticket, 0)
    finally:
        session.close()


def test_a_routed_trial_resumes_on_the_tier_its_router_chose(tmp_path):
    ticket = next(t for t in load_tickets() if t.truth.action == "refund" and not t.tags)
    first, saved, _, resumed, _, _ = _stopped_and_resumed(
        "routing:rules", ticket, tmp_path / "f.db"
    )
    assert saved["counters"]["model"] == "fallback"
    assert {r.model for r in first.records if r.step == "decide"} == {"fallback"}
    assert {r.model for r in resumed.records if r.step == "compose"} == {"fallback"}
