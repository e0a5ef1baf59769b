"""A LangGraph trial stopped after decide resumes from its checkpoint in a new backend."""

import pytest

pytest.importorskip("langgraph")

from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends.langgraph import LangGraphBackend, memory_checkpointer  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402

FINISHED = ("intake", "retrieve", "lookup", "decide")


def _run(spec, ticket, stop_after):
    """Stop a trial after ``stop_after``, then resume it in a second backend instance."""
    session = Session(Layers.parse(spec))
    saver = memory_checkpointer()
    try:
        desk = session.desk_for(get_profile("uniform-97"), 0, [ticket])
        first = LangGraphBackend(desk, checkpointer=saver).run_trial(ticket, 0, stop_after)
        ledger_after_stop = list(session.service.ledger(first.key))
        resumed = LangGraphBackend(desk, checkpointer=saver).resume_trial(ticket, 0)
        return first, ledger_after_stop, resumed, session.service.ledger(first.key)
    finally:
        session.close()


def _uninterrupted(spec, ticket):
    session = Session(Layers.parse(spec))
    try:
        desk = session.desk_for(get_profile("uniform-97"), 0, [ticket])
        trial = LangGraphBackend(desk).run_trial(ticket, 0)
        return trial, session.service.ledger(trial.key)
    finally:
        session.close()


@pytest.mark.parametrize("spec", ["all", "none"])
def test_a_trial_stopped_after_decide_resumes_without_rerunning_or_repeating(spec):
    ticket = next(t for t in load_tickets() if t.truth.action == "refund")
    first, ledger_at_stop, resumed, ledger = _run(spec, ticket, "decide")
    assert [r.step for r in first.records][-1] == "decide"
    assert ledger_at_stop == []  # nothing delivered before the stop
    assert not {r.step for r in resumed.records} & set(FINISHED)  # no finished node re-ran
    assert resumed.records[0].step == "compose"
    assert resumed.crashed is None
    whole, whole_ledger = _uninterrupted(spec, ticket)
    assert len(ledger) == 1  # one side effect, not repeated
    strip = lambda entries: [(e["kind"], e["order_id"], e["amount"], e["text"]) for e in entries]  # noqa: E731
    assert strip(ledger) == strip(whole_ledger)
    assert first.llm_calls + resumed.llm_calls == whole.llm_calls


def test_resuming_needs_a_checkpointer():
    from coordlab.errors import ConfigError

    session = Session(Layers())
    try:
        ticket = load_tickets(limit=1)[0]
        desk = session.desk_for(get_profile("perfect"), 0, [ticket])
        with pytest.raises(ConfigError, match="checkpointer"):
            LangGraphBackend(desk).resume_trial(ticket, 0)
    finally:
        session.close()


def test_a_routed_trial_resumes_on_the_tier_its_router_chose():
    ticket = next(t for t in load_tickets() if t.truth.action == "refund" and not t.tags)
    first, _, resumed, ledger = _run("routing:rules", ticket, "decide")
    assert {r.model for r in first.records if r.step == "decide"} == {"fallback"}
    assert {r.model for r in resumed.records if r.step == "compose"} == {"fallback"}
    assert resumed.counters()["attempts"]["decide"] == 1  # counted on from the checkpoint
