import json
import os
import signal
import subprocess
import sys
import time

import pytest

import coordlab
from coordlab.experiment.grid import KEY
from coordlab.experiment.store import ResultStore

GRID = "none;all;state;recovery"
TIMING = ["wall_s"]


def _cli(*args, check=False, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "coordlab.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=check,
        **kwargs,
    )


def _sweep_args(out, executor="process", *extra):
    return [
        "sweep", "--backends", "plain", "--layers-grid", GRID, "--profile", "correlated-97",
        "--tickets", "60", "--seeds", "0-3", "--chunk", "5", "--out", str(out),
        "--executor", executor, "--no-progress", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def reference():
    frame = coordlab.sweep(
        "plain", GRID, "correlated-97", seeds="0-3", tickets=60, executor="serial"
    )
    return frame.drop(columns=TIMING)


def test_sigkill_half_way_then_resume_gives_the_uninterrupted_rows(tmp_path, reference):
    out = tmp_path / "sweep"
    units = 4 * 4 * 12
    proc = subprocess.Popen(
        [sys.executable, "-m", "coordlab.cli", *_sweep_args(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while len(ResultStore(out).parts()) < units // 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-write or not
    proc.wait()
    stored = ResultStore(out).read()
    assert 0 < len(stored) < len(reference)
    assert len(stored) == len(stored.drop_duplicates(list(KEY)))

    done = _cli(*_sweep_args(out, "process", "--resume"), check=True)
    assert done.returncode == 0
    resumed = ResultStore(out).read().drop(columns=TIMING)
    assert resumed.equals(reference)
    assert not list(out.glob(".*.tmp"))


def test_process_pool_gives_the_serial_rows_and_chunking_does_not_matter(tmp_path, reference):
    frame = coordlab.sweep(
        "plain", GRID, "correlated-97", seeds="0-3", tickets=60, chunk=17, workers=2
    )
    assert frame.drop(columns=TIMING).equals(reference)


def test_ray_gives_the_serial_rows_and_leaves_home_alone(tmp_path):
    if not os.environ.get("COORDLAB_REQUIRE_ALL_BACKENDS"):
        pytest.importorskip("ray")  # CI installs the ray extra and must not skip this
    home, out = tmp_path / "home", tmp_path / "ray"
    home.mkdir()
    serial = coordlab.sweep("plain", "none;all", "outage", seeds="0-1", tickets=30,
                            executor="serial")  # fmt: skip
    env = dict(os.environ, HOME=str(home))
    done = _cli("sweep", "--layers-grid", "none;all", "--profile", "outage", "--seeds", "0-1",
                "--tickets", "30", "--chunk", "10", "--executor", "ray", "--workers", "2",
                "--out", str(out), "--no-progress", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ray_rows = ResultStore(out).read()
    assert ray_rows.drop(columns=TIMING).equals(serial.drop(columns=TIMING))
    assert list(home.rglob("*")) == []


def test_json_prints_one_summary_per_configuration(tmp_path):
    out = _cli(*_sweep_args(tmp_path / "s", "serial", "--json"), check=True)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(s["layers"], s["trials"]) for s in lines] == [
        (layers, 240) for layers in ("none", "recovery", "state", "all")
    ]
    assert {"success_rate", "ci95", "per_step_accuracy", "cost_usd"} <= set(lines[0])


def test_existing_results_are_not_touched_without_resume(tmp_path):
    out = tmp_path / "s"
    _cli("sweep", "--layers-grid", "none", "--tickets", "5", "--out", str(out), check=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = _cli("sweep", "--layers-grid", "all", "--tickets", "5", "--out", str(out))
    assert again.returncode == 2
    assert "--resume" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--backends", "plain,nope"], "unknown backend 'nope'"),
        (["--executor", "threads"], "unknown executor 'threads'"),
        (["--layers-grid", "none;quantum"], "unknown layer"),
        (["--seeds", "3-1"], "bad seeds"),
        (["--chunk", "0"], "--chunk"),
        (["--executor", "ray", "--address", "127.0.0.1:9"], "cannot reach Ray at 127.0.0.1:9"),
    ],
)
def test_bad_sweep_input_is_one_clear_error(tmp_path, args, message):
    out = tmp_path / "s"
    done = _cli("sweep", "--tickets", "3", "--out", str(out), *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_torn_part_left_by_a_kill_is_ignored_and_cleared(tmp_path):
    out = tmp_path / "s"
    coordlab.sweep("plain", "none", "perfect", tickets=4, out=out, executor="serial")
    (out / ".part-000001-deadbeef.parquet.123.tmp").write_bytes(b"PAR1 torn")
    assert len(ResultStore(out).read()) == 4
    coordlab.sweep("plain", "none;all", "perfect", tickets=4, out=out, resume=True,
                   executor="serial")  # fmt: skip
    assert len(ResultStore(out).read()) == 8
    assert not list(out.glob(".*.tmp"))
