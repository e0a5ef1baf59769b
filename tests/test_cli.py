import json
import subprocess
import sys

KEYS = {
    "backend",
    "layers",
    "profile",
    "trials",
    "success_rate",
    "ci95",
    "silent_failure_rate",
    "escalation_rate",
    "crash_rate",
    "duplicate_side_effects",
    "per_step_accuracy",
    "predicted_e2e",
    "coordination_gap",
    "llm_calls",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "wall_s",
}


def coordlab(*args):
    return subprocess.run(
        [sys.executable, "-m", "coordlab.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_run_json_prints_the_summary():
    out = coordlab(
        "run",
        "--backend",
        "plain",
        "--layers",
        "none",
        "--profile",
        "perfect",
        "--tickets",
        "20",
        "--seeds",
        "0-1",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert set(summary) >= KEYS
    assert summary["trials"] == 40 and summary["success_rate"] == 1.0


def test_run_table_is_readable():
    out = coordlab("run", "--layers", "all", "--profile", "perfect", "--tickets", "5")
    assert out.returncode == 0 and "success" in out.stdout and "predicted e2e" in out.stdout


def test_bad_input_gives_one_clear_line_and_exit_2(tmp_path):
    bad_file = tmp_path / "tickets.jsonl"
    bad_file.write_text('{"id": "T0001", "received_at": "2026-01-01"}\n')
    cases = [
        (["--layers", "state,bogus"], "unknown layer 'bogus'"),
        (["--layers", "verification:loud"], "unknown mode 'loud'"),
        (["--profile", "nope"], "unknown profile 'nope'"),
        (["--backend", "nope"], "unknown backend 'nope'"),
        (["--seeds", "x"], "bad seeds"),
        (["--tickets-file", str(bad_file)], "tickets.jsonl:1: field 'customer'"),
    ]
    for args, message in cases:
        out = coordlab("run", *args)
        assert out.returncode == 2, args
        assert message in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_tickets_file_runs(tmp_path):
    from coordlab.datasets import data_dir

    lines = (data_dir() / "tickets.jsonl").read_text().splitlines()[:6]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = coordlab("run", "--tickets-file", str(path), "--profile", "perfect", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["trials"] == 6
