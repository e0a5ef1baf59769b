"""Notebook 06's helpers: every setting labelled legibly, upgrades, a price panel that reprices."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import coordlab  # noqa: E402
from coordlab.viz.frontier import frontier_plot, frontier_table, upgrade  # noqa: E402
from coordlab.viz.labels import short_label  # noqa: E402


@pytest.fixture(scope="module")
def frame():
    return coordlab.sweep("plain", "all", "uniform-93", tickets=12, executor="serial")


@pytest.fixture(scope="module")
def table(frame):
    return coordlab.cost_table(frame)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_setting_is_labelled_once_and_no_labels_overlap(table):
    ax = frontier_plot(table, target=0.99)
    texts = [t for t in ax.texts]
    named = [name for t in texts for name in t.get_text().split(" = ")]
    assert sorted(named) == sorted(short_label(label[1]) for label in table.index)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    frame = ax.get_window_extent(renderer)
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)


def test_title_counts_the_settings_and_the_frontier(table):
    ax = frontier_plot(table)
    best = len(coordlab.frontier(table))
    assert ax.get_title().startswith(f"Cost vs success: 16 layer settings, {best} on the frontier")
    assert "uniform-93" in ax.get_title() and "12 trials per point" in ax.get_title()


def test_frontier_table_marks_the_frontier_cheapest_first(table):
    rows = frontier_table(table)
    assert set(rows[rows["on_frontier"]]["layers"]) == set(
        coordlab.frontier(table).index.get_level_values(1)
    )
    assert list(rows["usd_per_trial"]) == sorted(rows["usd_per_trial"])
    assert (rows["ci_lo"] <= rows["success_rate"]).all() and (
        rows["success_rate"] <= rows["ci_hi"]
    ).all()


def test_upgrade_is_marginal_cost_with_both_ends(table):
    result = upgrade(table, "none", "all")
    flat = table.reset_index().set_index("layers")
    assert result["from_success"] == flat.loc["none", "success_rate"]
    assert result["to_usd_per_success"] == flat.loc["all", "usd_per_success"]
    assert result["points"] == pytest.approx(
        100 * (flat.loc["all", "success_rate"] - flat.loc["none", "success_rate"]), abs=1e-3
    )


def test_price_panel_reprices_without_rerunning(frame):
    pytest.importorskip("ipywidgets")
    panel = coordlab.price_panel(frame)
    before, png = panel.table(), panel.plot.outputs[-1]["data"]["image/png"]
    assert "$3.00/$15.00" in repr(panel)
    for box in panel.prices["primary"] + panel.prices["fallback"]:
        box.value = box.value * 2
    after = panel.table()
    assert (after["success_rate"] == before["success_rate"]).all()
    assert after["usd_per_trial"].to_numpy() == pytest.approx(
        2 * before["usd_per_trial"].to_numpy(), rel=1e-3
    )
    assert "$6.00/$30.00" in repr(panel)
    assert panel.plot.outputs[-1]["data"]["image/png"] != png
    panel.primary.value = "frontier"
    assert "at frontier prices" in repr(panel)
    assert panel.table()["usd_per_trial"].sum() > after["usd_per_trial"].sum()


def test_a_target_no_setting_reaches_names_the_best_instead_of_failing(table):
    from coordlab.viz.frontier import best_setting, cheapest_reaching, target_text

    rows = frontier_table(table)
    top = rows["success_rate"].max()
    best, success = best_setting(table)
    assert success == top
    assert best == rows[rows["success_rate"] == top]["layers"].iloc[0]  # the cheapest of a tie
    assert cheapest_reaching(table, top) == best
    assert cheapest_reaching(table, 1.01) is None
    sentence = target_text(table, 1.01)
    assert sentence.startswith("no setting reaches success ≥ 1.010")
    assert short_label(best) in sentence and f"{success:.3f}" in sentence
    assert target_text(table, top).startswith(f"cheapest setting with success ≥ {top:.3f}")
    with pytest.raises(ValueError, match="no layer setting None"):
        upgrade(table, "none", None)
