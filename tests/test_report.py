import html
import json
import re
import subprocess
import sys
from dataclasses import fields

import pytest

pytest.importorskip("matplotlib")

from coordlab.backends.base import available  # noqa: E402
from coordlab.experiment.compare import layer_effects  # noqa: E402
from coordlab.experiment.cost import cost_table  # noqa: E402
from coordlab.experiment.prices import Prices  # noqa: E402
from coordlab.viz import report, report_parts  # noqa: E402

GRID = "none;state;recovery;state,recovery;all"
INTERVAL = r"\[−?\d\.\d{3}, −?\d\.\d{3}\]"


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "coordlab.cli", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 2-backend sweep of 12 tickets and its report, both through the CLI."""
    if "langgraph" not in available():
        pytest.skip("needs the langgraph extra")
    tmp = tmp_path_factory.mktemp("report")
    results, page = tmp / "grid", tmp / "report.html"
    sweep = _cli("sweep", "--backends", "plain,langgraph", "--layers-grid", GRID,
                 "--tickets", "12", "--out", str(results), "--executor", "serial")  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    done = _cli("report", str(results), "--out", str(page))
    assert done.returncode == 0, done.stderr
    return results, page, done.stdout, page.read_text()


def test_report_is_one_self_contained_page(made):
    *_, text = made
    assert text.count("data:image/png;base64,") == 5  # 4 plots, frameworks included; total cost
    assert text.count("<figcaption>") == 5 and "How to read it" in text
    assert not re.search(r"(src|href)=['\"]https?:", text)  # nothing loaded from the network


def test_report_prints_the_path_it_wrote(made):
    _, page, stdout, _ = made
    assert stdout.strip() == str(page.resolve())


def test_report_says_how_and_when_it_was_made(made):
    results, page, _, text = made
    text = html.unescape(text)
    sweep = (f"coordlab sweep --backends plain,langgraph --layers-grid '{GRID}' --profiles "
             f"uniform-97 --tickets 12 --seeds 0 --out {results}")  # fmt: skip
    assert sweep in text
    assert f"coordlab report {results} --out {page.resolve()}" in text
    assert re.search(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text)


def test_summary_intervals_never_wrap_and_numbers_are_fixed(made):
    *_, text = made
    assert re.search(r"\.ci \{ white-space: nowrap", text)
    intervals = re.findall(INTERVAL, text)
    in_ci = re.findall(rf"class='ci[^']*'>[^<]*?{INTERVAL}", text)
    assert len(intervals) == len(in_ci) >= 10 + 2 * 4  # 10 configurations, 2 x 4 effects
    summary = text[text.index("<h2>Summary</h2>") : text.index("<h2>What each layer")]
    cells = re.findall(r"<td class=''>(?:<b>)?([^<]*)", summary)
    assert cells and all(re.fullmatch(r"−?\d\.\d{2,3}|\$\d\.\d{5}|—", c) for c in cells)


def test_constant_columns_are_said_once(made):
    *_, text = made
    summary = text[text.index("<h2>Summary</h2>") : text.index("<h2>What each layer")]
    assert "Every row: <b>profile</b> uniform-97 · <b>trials</b> 12." in summary
    header = re.findall(r"<th class='[^']*'>([^<]*)</th>", summary)
    assert "profile" not in header and "trials" not in header and "backend" in header
    assert "uniform-97</td>" not in summary


def test_glossary_names_every_term(made):
    *_, text = made
    for term in ("success", "silent failure", "escalated", "crashed", "predicted",
                 "coordination gap", "nines", "$/trial, $/success"):  # fmt: skip
        assert f"<dt>{term}</dt>" in text


def test_total_cost_section_prints_every_price_with_its_source_and_the_totals(made):
    results, *_, text = made
    section = html.unescape(text[text.index("<h2>Total cost per ticket") :])
    for spec in fields(Prices):
        assert f"<td class='text'>{spec.name}</td><td class=''>${spec.default:.2f}</td>" in section
        assert spec.metadata["source"] in section
    assert "the seeds: $6–8 per escalated ticket, midpoint" in section
    table = cost_table(report.load_results(results))
    totals = re.findall(r"<td class=''><b>(\$\d+\.\d{5})</b></td>", section)
    assert sorted(totals) == sorted(f"${x:.5f}" for x in table["total_usd_per_trial"])
    assert section.count("data:image/png;base64,") == 1 and "Prices: a human handles" in section


def test_effects_table_has_every_outcome_with_intervals_and_a_warning(made):
    *_, text = made
    effects = text[text.index("<h2>What each layer") : text.index("<h2>Plots</h2>")]
    for heading in ("Δ success", "Δ silent failure", "Δ escalated", "Δ crashed"):
        assert f">{heading}</th>" in effects
    assert "title='S'>state</span>" in effects and "title='R'>recovery</span>" in effects
    assert "fewer than 100" in effects and "class='warn'" in effects  # 12 pairs only


def test_effects_agree_with_layer_effects(made):
    results, *_ = made
    frame = report.load_results(results)
    rows = report_parts.effect_rows(frame)
    for metric in ("success", "silent_failure", "escalated"):
        reference = layer_effects(frame, metric).groupby(["backend", "layer"])["effect"].mean()
        for row in rows:
            diff, lo, hi, pairs = row[metric]
            assert diff == pytest.approx(reference[(row["backend"], row["layer"])])
            assert lo <= diff <= hi and pairs == 12


def test_warning_threshold():
    assert report._warning(report_parts.MIN_PAIRS) == []
    assert "fewer than" in report._warning(report_parts.MIN_PAIRS - 1)[0]


def test_report_reads_the_old_manifest_name_and_plain_files(made, tmp_path):
    results, *_ = made
    frame = report.load_results(results)
    manifest = json.loads((results / "_sweep.json").read_text()) if (
        results / "_sweep.json"
    ).exists() else json.loads((results / "sweep.json").read_text())  # fmt: skip
    old = tmp_path / "old"
    old.mkdir()
    (old / "sweep.json").write_text(json.dumps(manifest))
    assert report_parts.read_manifest(old) == manifest
    command, source = report_parts.sweep_command(None, frame, "trials.csv")
    assert "--tickets 12 --seeds 0" in command and "no manifest" in source


def test_report_on_missing_results_is_one_clear_error(tmp_path):
    page = tmp_path / "report.html"
    done = _cli("report", str(tmp_path / "nothing"), "--out", str(page))
    assert done.returncode == 2
    assert done.stderr.startswith("coordlab: error: no results at")
    assert not page.exists()


def test_report_creates_the_folder_it_is_asked_to_write_into(made, tmp_path):
    results, *_ = made
    page = tmp_path / "not" / "yet" / "report.html"
    done = _cli("report", str(results), "--out", str(page))
    assert done.returncode == 0, done.stderr
    assert page.read_text().startswith("<!DOCTYPE html>") or "<html" in page.read_text()
    assert sorted(p.name for p in page.parent.iterdir()) == ["report.html"]  # no temp file left
