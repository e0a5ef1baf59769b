import re
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "coordlab.cli", *args], capture_output=True, text=True, timeout=600
    )


def test_report_is_one_self_contained_page(tmp_path):
    results, page = tmp_path / "grid", tmp_path / "report.html"
    sweep = _cli("sweep", "--backends", "plain,langgraph", "--layers-grid", "none;state;all",
                 "--tickets", "12", "--out", str(results), "--executor", "serial")  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    done = _cli("report", str(results), "--out", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert text.count("data:image/png;base64,") == 4  # 4 plots, frameworks included
    assert not re.search(r"(src|href)=['\"]https?:", text)  # nothing loaded from the network
    for config in ("none", "state", "all"):
        assert f"<td>{config}</td>" in text
    assert "Effect of each layer" in text and "<td>state</td>" in text


def test_report_on_missing_results_is_one_clear_error(tmp_path):
    page = tmp_path / "report.html"
    done = _cli("report", str(tmp_path / "nothing"), "--out", str(page))
    assert done.returncode == 2
    assert done.stderr.startswith("coordlab: error: no results at")
    assert not page.exists()
