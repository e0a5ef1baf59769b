"""Comparing frameworks: paired agreement catches a changed trial; costs and plots follow data."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import coordlab  # noqa: E402
from coordlab.backends.base import available  # noqa: E402
from coordlab.llm.base import Message  # noqa: E402
from coordlab.viz import frameworks, received  # noqa: E402


@pytest.fixture(scope="module")
def frame():
    """plain and langgraph, layers off and on, 12 tickets (skipped without the extra)."""
    if "langgraph" not in available():
        pytest.skip("needs the langgraph extra")
    return coordlab.sweep("plain,langgraph", ["none", "all"], "uniform-97", tickets=12,
                          executor="serial")  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_agreement_is_complete_and_a_changed_amount_is_named(frame):
    table = frameworks.paired_agreement(frame).frame
    assert list(table["agree"]) == list(table["pairs"]) == [12, 12]
    changed = frame.copy()
    at = changed.index[(changed["backend"] == "langgraph") & (changed["layers"] == "all")][3]
    changed.loc[at, "amount"] = 9999.0
    table = frameworks.paired_agreement(changed).frame.set_index("layers")
    assert table.loc["all", "agree"] == 11 and table.loc["none", "agree"] == 12
    assert table.loc["all", "disagreeing trials"] == f"0/{changed.loc[at, 'ticket_id']}"
    assert table.loc["all", "95% CI"].startswith("[0.")


def test_costs_are_ratios_to_the_reference(frame):
    doubled = frame.copy()
    lg = doubled["backend"] == "langgraph"
    doubled.loc[lg, "tokens_in"] *= 2
    table = frameworks.framework_costs(doubled).frame.set_index(["layers", "backend"])
    assert table.loc[("none", "langgraph"), "tokens in ×"] == "2.00"
    assert table.loc[("none", "plain"), "tokens in ×"] == "1.00"
    assert "ms / trial (median)" in table.columns


def test_ms_is_a_median_and_its_interval_contains_it(frame):
    stats = frameworks.metric_stats(frame, "none", "ms")
    plain = frame[(frame["backend"] == "plain") & (frame["layers"] == "none")]
    assert stats[0]["value"] == pytest.approx(plain["wall_s"].median() * 1000)
    assert all(s["lo"] <= s["value"] <= s["hi"] for s in stats)


def test_bars_title_labels_and_ratios_follow_the_data(frame):
    ax = frameworks.framework_bars(frame, "all", "$")
    assert "layers all" in ax.get_title() and "12 paired trials" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["plain", "langgraph"]
    assert [t.get_text() for t in ax.texts] == ["×1.00", "×1.00"]
    assert "median wall clock" in frameworks.framework_bars(frame, "none", "ms").get_title()


def test_split_sorts_tokens_by_source():
    ref = received.Call(
        "T1",
        "decide",
        1,
        (Message("system", "Decide it."), Message("user", "[coordlab] step=decide x")),
        0,
    )
    call = received.Call("T1", "decide", 1, (
        Message("system", "You are an officer."),
        Message("user", "intake: refund please"),
        Message("assistant", "Action: refund"),
        Message("user", "Current Task: Decide it.\n\n[coordlab] step=decide x\n### End"),
    ), 0)  # fmt: skip
    parts = received.split(call, ref)
    count = received.count_tokens
    assert parts["prompt"] == count("Decide it.") + count("[coordlab] step=decide x")
    assert parts["persona"] == count("You are an officer.")
    assert parts["team messages"] == count("intake: refund please")
    assert parts["earlier turns"] == count("Action: refund")
    assert parts["framing"] == count("Current Task:") + count("### End")
    alone = dict.fromkeys(received.SOURCES, 0)
    assert received.split(ref, ref) == {**alone, "prompt": parts["prompt"]}


@pytest.mark.skipif("crewai" not in available(), reason="needs the crewai extra")
def test_live_calls_add_up_to_the_trials_tokens():
    tickets = coordlab.load_tickets(limit=2)
    record = received.record_calls(["crewai"], ["none"], tickets)
    rows = list(coordlab.run_trials("crewai", coordlab.Layers.parse("none"), "uniform-97",
                                    tickets, [0]))  # fmt: skip
    assert record.tokens_per_trial("crewai", "none") == {
        r["ticket_id"]: r["tokens_in"] for r in rows
    }
    sources = record.sources().frame.set_index("backend")
    assert sources.loc["plain", "extra"] == 0
    assert sources.loc["crewai", "persona"] > 0 and sources.loc["crewai", "framing"] > 0
    assert sources.loc["crewai", "prompt"] == sources.loc["plain", "prompt"]
    grid = record.received("decide")
    assert [c.title for c in grid.columns] == ["plain", "crewai"]
    assert (
        "Current Task:" in grid._repr_html_() and "more tokens of the prompt" in grid._repr_html_()
    )


def test_framework_panel_redraws_when_a_control_moves(frame):
    pytest.importorskip("ipywidgets")
    panel = frameworks.framework_panel(frame)
    assert repr(panel) == "<FrameworkPanel layers=none | metric=tokens in>"
    first = panel.plot.outputs[0]["data"]["image/png"]
    panel.controls["metric"].value = "ms"
    assert repr(panel) == "<FrameworkPanel layers=none | metric=ms>"
    assert panel.plot.outputs[0]["data"]["image/png"] != first


def test_received_panel_shows_a_grid_or_says_why_not():
    pytest.importorskip("ipywidgets")
    record = received.record_calls([], ["none", "all"], coordlab.load_tickets(limit=2))
    panel = record.panel("decide", "none")
    assert list(panel.controls["step"].options) == ["intake", "decide", "compose", "verify"]
    assert "text/html" in panel.plot.outputs[0]["data"]
    panel.controls["step"].value = "verify"
    assert panel.plot.outputs[0]["data"] == {
        "text/plain": "no verify call for ticket T0001 with layers none"
    }
    panel.controls["layers"].value = "all"
    assert "step verify" in panel.plot.outputs[0]["data"]["text/html"]
    assert repr(panel) == "<ReceivedPanel step=verify | layers=all | whole prompt=False>"


def test_sources_plot_follows_the_record():
    record = received.record_calls([], ["none", "all"], coordlab.load_tickets(limit=3), seed=1)
    ax = record.plot()
    assert "3 tickets" in ax.get_title() and "seed 1" in ax.get_title()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["plain · layers none", "plain · layers all"]
    totals = record.sources().frame["total"]
    assert [t.get_text().strip() for t in ax.texts] == [f"{v:,.0f} (+0%)" for v in totals]
