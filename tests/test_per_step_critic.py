"""A critic on every hand-off (``verification:per-step``): it reviews each LLM step's result
before the result moves on, so a wrong intake is stopped before decide reads it."""

from helpers import RecordingLLM, cached_rows

from coordlab import Layers, load_tickets
from coordlab.backends.plain import PlainBackend
from coordlab.experiment.runner import Session
from coordlab.llm.profiles import get_profile, targeted_profile

WRONG_INTAKE = targeted_profile([("intake", "wrong_intent"), ("intake", "wrong_order_id")], 0.3)


def _trial(spec, profile="perfect", ticket=0):
    session = Session(Layers.parse(spec))
    try:
        tickets = load_tickets()
        desk = session.desk_for(get_profile(profile), 0, tickets)
        desk.llm = llm = RecordingLLM(desk.llm)
        return PlainBackend(desk).run_trial(tickets[ticket], 0), llm
    finally:
        session.close()


def _headers(llm):
    return [m[-1].content.splitlines()[0] for m in llm.calls]


def test_a_critic_follows_every_llm_step_and_sees_only_what_came_before():
    trial, llm = _trial("verification:per-step")
    assert llm.steps == ["intake", "verify", "decide", "verify", "compose", "verify"]
    checks = [h.split("checks=")[1] for h in _headers(llm) if "step=verify" in h]
    assert checks == ["intake", "decide", "compose"]
    intake_review = llm.calls[1][-1].content
    assert "### Intake" in intake_review and "### Policies" not in intake_review
    assert "### Reply" not in llm.calls[3][-1].content
    assert "### Reply" in llm.calls[5][-1].content


def test_with_the_gate_the_verify_step_stays_and_runs_the_gate():
    trial, llm = _trial("verification:gate+per-step")
    assert [r.step for r in trial.records][-2:] == ["verify", "deliver"]
    assert [r.model for r in trial.records if r.step == "verify"][-1] == "gate"
    assert llm.steps.count("verify") == 3


def test_a_wrong_intake_is_stopped_before_decide_reads_it():
    rows = [r for r in cached_rows("verification:per-step", WRONG_INTAKE) if r["faults"]]
    assert len(rows) >= 20
    assert not [r for r in rows if r["outcome"] == "silent_failure"]
    stopped = [r for r in rows if r["n_decide"] == 0]
    assert len(stopped) >= 0.7 * len(rows)  # nothing after intake ran: the critic escalated


def test_with_recovery_the_blamed_step_is_redone_and_the_ticket_completes():
    rows = [r for r in cached_rows("verification:per-step,recovery", WRONG_INTAKE) if r["faults"]]
    assert sum(r["outcome"] == "success" for r in rows) >= 0.8 * len(rows)
    assert all(r["n_intake"] >= 2 for r in rows if "verification" in (r["caught_by"] or ""))
    # What does not complete ran out of revisions: three intakes, all faulty, all caught.
    others = [r for r in rows if r["outcome"] != "success"]
    assert {(r["outcome"], r["escalated_by"], r["n_intake"]) for r in others} == {
        ("escalated", "verification", 3)
    }


def test_a_critic_per_hand_off_costs_more_than_one_critic_which_costs_more_than_none():
    def tokens(spec):
        rows = cached_rows(spec, "uniform-97", n_tickets=80)
        return sum(r["tokens_in"] + r["tokens_out"] for r in rows)

    none, one = tokens("all,-verification"), tokens("all")
    every = tokens("all,verification:per-step")
    assert none < one < every
    assert every / none > 1.5


def test_a_critic_that_times_out_is_retried_as_the_critic_not_the_step_it_reviews():
    timeouts = targeted_profile([("verify", "timeout")], rate=0.5)
    rows = cached_rows("verification:per-step,recovery", timeouts)
    hit = [r for r in rows if "verify:timeout" in r["faults"]]
    assert len(hit) >= 50
    assert all(r["n_intake"] == 1 and r["n_decide"] <= 1 and r["n_compose"] <= 1 for r in hit)
    gave_up = [r for r in hit if r["outcome"] != "success"]
    assert all(r["escalated_by"] == "recovery" for r in gave_up)
    assert sum(r["outcome"] == "success" for r in hit) >= 0.5 * len(hit)  # 3 critics, 3 tries


def test_without_recovery_a_critic_timeout_crashes_the_trial():
    timeouts = targeted_profile([("verify", "timeout")], rate=0.5)
    hit = [r for r in cached_rows("verification:per-step", timeouts) if r["faults"]]
    assert hit and {r["outcome"] for r in hit} == {"crashed"}
