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
