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
from coordlab.experiment.runner import run_trials
from coordlab.llm.profiles import targeted_profile

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


@pytest.mark.parametrize("backend", sorted(SPIED))
def test_a_refused_approval_leaves_the_ticket_with_a_person_on_every_backend(backend):
    pytest.importorskip(SPIED[backend][0])
    tickets = _tickets()
    profile = targeted_profile([("approve", "approver_error")], rate=1.0)  # always refuses
    rows = _run(backend, "all,approval", profile, tickets)
    plain = _run("plain", "all,approval", profile, tickets)
    refused = rows[rows.approvals > 0]
    assert len(refused) == 3 and set(refused.action) == {"escalate"}
    cols = ["outcome", "action", "amount", "approvals"]
    assert rows[cols].equals(plain[cols])
