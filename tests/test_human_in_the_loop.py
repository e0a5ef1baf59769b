"""Each framework asks for approval through its own human-in-the-loop construct, and completes.

LangGraph pauses with ``interrupt`` (called again when the node re-runs on resume), CrewAI puts
the request under ``@human_feedback`` (CrewAI calls its provider), AutoGen hands the request to
a ``UserProxyAgent``, MAF pauses on ``ctx.request_info``. Every trial must end as on ``plain``.
"""

import importlib

import pandas as pd
import pytest
from helpers import cached_rows

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import Session, run_trials
from coordlab.llm.profiles import get_profile, targeted_profile
from coordlab.tools.store import APPROVAL_THRESHOLD

SPIED = {  # backend -> (module to import, where its construct lives, its name, calls per request)
    "langgraph": ("langgraph", "coordlab.backends.langgraph", "interrupt", 2),
    "crewai": ("crewai", "coordlab.backends._asking:DeskApprover", "request_feedback", 1),
    "autogen": ("autogen_agentchat", "autogen_agentchat.agents:UserProxyAgent",
                "on_messages_stream", 1),
    "maf": ("agent_framework", "agent_framework:WorkflowContext", "request_info", 1),
}  # fmt: skip


def _tickets():
    """Three tickets that wait for approval (on ``plain``) and one that does not."""
    rows = cached_rows("all,approval", "perfect")
    waiting = [r["ticket_id"] for r in rows if r["approvals"]][:3]
    plain_one = next(r["ticket_id"] for r in rows if not r["approvals"])
    by_id = {t.id: t for t in load_tickets()}
    return [by_id[i] for i in (*waiting, plain_one)]


def _spy_on(monkeypatch, target: str, name: str) -> list:
    module, _, cls = target.partition(":")
    owner = importlib.import_module(module)
    owner = getattr(owner, cls) if cls else owner
    original, calls = getattr(owner, name), []

    def spy(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def _run(backend, spec, profile, tickets):
    rows = run_trials(backend, Layers.parse(spec), profile, tickets, seeds=[0])
    return pd.DataFrame(list(rows)).set_index("ticket_id")


@pytest.mark.parametrize("spec", ["all,approval", "approval"])
@pytest.mark.parametrize("backend", sorted(SPIED))
def test_each_framework_asks_a_person_its_own_way_and_the_refund_completes(
    backend, spec, monkeypatch
):
    needs, target, name, per_request = SPIED[backend]
    pytest.importorskip(needs)
    tickets = _tickets()
    calls = _spy_on(monkeypatch, target, name)
    rows = _run(backend, spec, "perfect", tickets)
    plain = _run("plain", spec, "perfect", tickets)
    assert rows.approvals.sum() == 3 and len(calls) == 3 * per_request
    assert (rows.outcome == "success_after_approval").sum() == 3
    cols = ["outcome", "action", "amount", "approvals"]
    assert rows[cols].equals(plain[cols])


@pytest.mark.parametrize("spec", ["all,approval", "approval"])
@pytest.mark.parametrize("backend", sorted(SPIED))
def test_a_refused_approval_leaves_the_ticket_with_a_person_on_every_backend(backend, spec):
    pytest.importorskip(SPIED[backend][0])
    tickets = _tickets()
    profile = targeted_profile([("approve", "approver_error")], rate=1.0)  # always refuses
    rows = _run(backend, spec, profile, tickets)
    plain = _run("plain", spec, profile, tickets)
    refused = rows[rows.approvals > 0]
    assert len(refused) == 3 and set(refused.action) == {"escalate"}
    assert set(refused.faults) == {"approve:approver_error"}
    # the escalation that stands is what a verifier should pass: the person's mistake is theirs
    assert (rows.ok_verify == rows.n_verify).all()
    cols = ["outcome", "action", "amount", "approvals"]
    assert rows[cols].equals(plain[cols])


def _resumable(backend, desk, store):
    """A backend of that framework on the shared checkpoint ``store`` (built by :func:`_store`)."""
    if backend == "langgraph":
        from coordlab.backends.langgraph import LangGraphBackend

        return LangGraphBackend(desk, checkpointer=store)
    if backend == "crewai":
        from coordlab.backends.crewai import CrewAIBackend

        return CrewAIBackend(desk, persistence=store)
    if backend == "autogen":
        from coordlab.backends.autogen import AutoGenBackend

        return AutoGenBackend(desk, checkpointer=store)
    from coordlab.backends.maf import MAFBackend

    return MAFBackend(desk, checkpoint_storage=store)


def _store(backend, tmp_path):
    if backend == "langgraph":
        from coordlab.backends.langgraph import memory_checkpointer

        return memory_checkpointer()
    if backend == "crewai":
        from coordlab.backends.crewai import sqlite_persistence

        return sqlite_persistence(tmp_path / "flows.db")
    if backend == "autogen":
        return {}
    from agent_framework import InMemoryCheckpointStorage

    return InMemoryCheckpointStorage()


@pytest.mark.parametrize("stop", ["decide", "approve", "compose"])
@pytest.mark.parametrize("backend", sorted(SPIED))
def test_a_trial_stopped_around_the_approval_resumes_and_the_refund_is_paid_once(
    backend, stop, tmp_path
):
    pytest.importorskip(SPIED[backend][0])
    ticket = _tickets()[0]
    session = Session(Layers.parse("all,approval"))
    try:
        desk = session.desk_for(get_profile("perfect"), 0, [ticket])
        store = _store(backend, tmp_path)
        stopped = _resumable(backend, desk, store).run_trial(ticket, 0, stop_after=stop)
        assert stopped.crashed is None and not desk.service.ledger(stopped.key)
        resumed = _resumable(backend, desk, store).resume_trial(ticket, 0)
        ledger = desk.service.ledger(resumed.key)
    finally:
        session.close()
    assert resumed.crashed is None
    assert stopped.approvals + resumed.approvals == 1  # the person was asked once
    assert [(e["kind"], e["order_id"]) for e in ledger] == [("refund", ticket.truth.order_id)]
    assert ledger[0]["amount"] > APPROVAL_THRESHOLD


@pytest.mark.parametrize("backend", sorted(SPIED))
def test_the_person_is_asked_again_on_the_next_trial_of_the_same_backend(backend):
    needs, target, name, per_request = SPIED[backend]
    pytest.importorskip(needs)
    ticket = _tickets()[0]
    session = Session(Layers.parse("all,approval"))
    try:
        desk = session.desk_for(get_profile("perfect"), 0, [ticket])
        runner = _resumable(backend, desk, None)
        with pytest.MonkeyPatch.context() as patch:
            calls = _spy_on(patch, target, name)
            first = runner.run_trial(ticket, 0)
            second = runner.run_trial(ticket, 0)  # (the same key: nothing may be left over)
    finally:
        session.close()
    assert first.approvals == second.approvals == 1
    assert len(calls) == 2 * per_request
