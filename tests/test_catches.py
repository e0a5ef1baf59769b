"""Which layer catches which MAST failure mode: every fault counted once, where it belongs."""

import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import coordlab  # noqa: E402
from coordlab.viz import catches  # noqa: E402

SETTINGS = ("none", "recovery:retry", "all")


@pytest.fixture(scope="module")
def frame():
    return coordlab.sweep("plain", ";".join(SETTINGS), "uniform-90", tickets=80, seeds="0-1",
                          executor="serial")  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rows(frame, spec):
    return frame[frame["layers"] == coordlab.Layers.parse(spec).label]


def _faults(rows):
    return sum(len(f.split(";")) for f in rows["faults"] if f)


def test_every_fault_lands_in_at_least_one_column(frame):
    for spec in SETTINGS:
        rows = _rows(frame, spec)
        matrix = catches.catch_matrix(rows)
        assert _faults(rows) <= matrix.to_numpy().sum() <= _faults(rows) * 1.05


def test_with_layers_off_only_the_refund_tool_catches(frame):
    matrix = catches.catch_matrix(_rows(frame, "none"))
    assert matrix[["state", "protocol", "verification", "recovery"]].to_numpy().sum() == 0
    assert matrix.loc["FM-3.1 Premature termination", "crashed"] > 0
    silent = _rows(frame, "none").query("outcome == 'silent_failure'")
    assert 0 < len(silent) <= matrix["reached the customer"].sum() == _faults(silent)


def test_with_layers_on_the_layers_catch_and_little_reaches_the_customer(frame):
    off, on = (catches.catch_matrix(_rows(frame, s)) for s in ("none", "all"))
    assert on["reached the customer"].sum() < off["reached the customer"].sum() / 5
    assert on.loc["FM-2.6 Reasoning-action mismatch", "verification"] > 0
    assert on.loc["FM-3.1 Premature termination", "recovery"] > 0


def test_blind_retries_repeat_side_effects_and_reach_the_customer(frame):
    matrix = catches.catch_matrix(_rows(frame, "recovery:retry"))
    row = matrix.loc["FM-1.3 Step repetition"]
    assert row["reached the customer"] > 0 and row["recovery"] == 0


def test_a_critic_false_alarm_is_never_a_catch():
    assert catches.fault_fate("verify", "critic_false_alarm", 1, {"verification"},
                              "success") == ["no harm"]  # fmt: skip
    assert catches.fault_fate("verify", "timeout", 1, {"recovery"}, "success") == ["recovery"]
    assert catches.fault_fate("verify", "timeout", 1, set(), "success") == ["no harm"]
    assert catches.fault_fate("lookup", "timeout", 2, {"tool"}, "crashed") == ["crashed"]


def test_recovery_is_credited_from_the_rows_not_the_setting():
    rows = list(coordlab.run_trials("plain", coordlab.Layers.parse("recovery"), "uniform-93",
                                    coordlab.load_tickets(limit=80), [0]))  # fmt: skip
    retried = [r for r in rows if any(f.split(":")[1] in ("timeout", "rate_limit")
                                      for f in r["faults"].split(";") if f)]  # fmt: skip
    assert retried and all("recovery" in r["caught_by"] for r in retried)
    clean = [r for r in rows if not r["faults"]]
    assert clean and not any("recovery" in r["caught_by"] for r in clean)


def test_heatmap_title_and_cells_follow_the_frame(frame):
    rows = _rows(frame, "all")
    ax = catches.catch_heatmap(rows)
    faults = catches.catch_matrix(rows).to_numpy().sum()
    title = f"plain · profile uniform-90 · layers all · {len(rows):,} trials, {faults:,} faults"
    assert ax.get_title() == title
    assert [t.get_text() for t in ax.get_xticklabels()] == list(catches.COLUMNS)
    assert len(ax.texts) == catches.catch_matrix(rows).size


def test_the_panel_redraws_for_the_chosen_setting(frame):
    panel = catches.catch_panel(frame, layers="none")
    assert repr(panel) == "<CatchPanel profile=uniform-90 | layers=none>"
    first = panel.plot.outputs[0]["data"]["image/png"]
    panel.controls["layers"].value = "all"
    assert panel.plot.outputs[0]["data"]["image/png"] != first


def test_a_minimal_frame_needs_only_four_columns():
    rows = pd.DataFrame([{"layers": "none", "faults": "decide:wrong_amount", "caught_by": "",
                          "outcome": "silent_failure"}])  # fmt: skip
    assert catches.catch_matrix(rows).loc["FM-1.1 Disobey task specification",
                                          "reached the customer"] == 1  # fmt: skip
