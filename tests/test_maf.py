"""The MAF backend: quiet and offline, hand-offs in the work messages, what its agents cost."""

import asyncio
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("agent_framework")

from helpers import RecordingLLM  # noqa: E402

import coordlab  # noqa: E402
from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends import maf  # noqa: E402
from coordlab.backends._maf_work import TypedWork, get  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402
from coordlab.pipeline import steps  # noqa: E402


def _cli(home, *args):
    env = dict(os.environ, HOME=str(home))
    out = subprocess.run(
        [sys.executable, "-m", "coordlab.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return out.stdout, out.stderr


def test_nothing_is_written_under_home_and_nothing_is_printed(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out, err = _cli(home, "run", "--backend", "maf", "--tickets", "8", "--profile", "outage",
                    "--layers", "all", "--json", "--no-progress")  # fmt: skip
    assert json.loads(out)["trials"] == 8
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
    assert err == ""


PROBE = """
import os, coordlab.backends.maf
from agent_framework.observability import OBSERVABILITY_SETTINGS as s
print(os.environ["ENABLE_INSTRUMENTATION"], s.enable_instrumentation, s.enable_sensitive_data)
"""


def test_mafs_telemetry_is_off_unless_you_turn_it_on(tmp_path):
    off, _ = _probe(tmp_path, {})
    assert off.split() == ["false", "False", "False"]
    on, _ = _probe(tmp_path, {"ENABLE_INSTRUMENTATION": "true"})
    assert on.split() == ["true", "True", "False"]


def _probe(home, extra):
    env = dict(os.environ, HOME=str(home))
    env.pop("ENABLE_INSTRUMENTATION", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env | extra, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    return done.stdout, done.stderr


def _backend(spec, profile="perfect", tickets=None):
    session = Session(Layers.parse(spec))
    desk = session.desk_for(get_profile(profile), 0, tickets or load_tickets(limit=4))
    return maf.MAFBackend(desk), session


@pytest.mark.parametrize("spec, kind", [("state", TypedWork), ("none", dict)])
def test_the_work_message_carries_every_hand_off_and_the_route(spec, kind):
    backend, session = _backend(spec)
    try:
        ticket = load_tickets(limit=1)[0]
        sent = []
        for executor in backend.workflow.executors.values():
            original = executor._run

            async def spy(work, ctx, original=original):
                sent.append(work)
                await original(work, ctx)

            executor._run = spy
        trial = backend.run_trial(ticket, 0)
        assert trial.crashed is None
        assert [get(w, "route") for w in sent] == list(steps.flow(backend.desk))
        assert all(isinstance(w, kind) for w in sent)
        last = sent[-1]  # what deliver received: every earlier step's result
        for key in ("intake", "passages", "order", "decision", "reply"):
            assert get(last, key) is not None, key
        if kind is dict:
            assert all(isinstance(get(last, k), str) for k in ("intake", "decision"))
    finally:
        session.close()


def test_each_llm_call_is_the_persona_then_coordlabs_prompt():
    backend, session = _backend("none")
    try:
        # an agent per step a model may answer: the LLM steps, the critic and the router
        assert {step for _, step in backend.models.agents} == {
            "route",
            "intake",
            "decide",
            "compose",
            "verify",
        }
        recording = RecordingLLM(backend.models.agents["primary", "intake"].client.llm)
        for client in {id(a.client): a.client for a in backend.models.agents.values()}.values():
            client.llm = recording
        backend.run_trial(load_tickets(limit=1)[0], 0)
        first = recording.calls[0]
        assert first[0].role == "system" and "intake clerk" in first[0].content
        assert len(first) > 1 and "[coordlab] step=intake" in first[-1].content
        # no session: the second trial's first call is the same size as the first's
        again = len(recording.calls)
        backend.run_trial(load_tickets(limit=1)[0], 0)
        assert recording.calls[again] == first
    finally:
        session.close()


def test_maf_costs_the_persona_and_nothing_else():
    """Against plain: the same calls, answers and outcomes; input tokens + the instructions."""
    _, plain = coordlab.run(backend="plain", layers="none", tickets=20, return_rows=True)
    _, mine = coordlab.run(backend="maf", layers="none", tickets=20, return_rows=True)
    assert [r["outcome"] for r in mine] == [r["outcome"] for r in plain]
    assert [r["llm_calls"] for r in mine] == [r["llm_calls"] for r in plain]
    assert [r["tokens_out"] for r in mine] == [r["tokens_out"] for r in plain]
    calls = coordlab.record_calls(["maf"], ["none", "all"], load_tickets(limit=10))
    for row in calls.sources().frame.to_dict("records"):
        if row["backend"] != "maf":
            continue
        assert row["persona"] > 0 and row["extra"] == pytest.approx(row["persona"]), row
        assert row["framing"] == row["team messages"] == row["earlier turns"] == 0, row


def test_runs_inside_an_already_running_event_loop():
    async def notebook_cell():
        return coordlab.run(backend="maf", layers="all", tickets=6, return_rows=True)

    _, rows = asyncio.run(notebook_cell())
    assert len(rows) == 6 and all(r["backend"] == "maf" for r in rows)
