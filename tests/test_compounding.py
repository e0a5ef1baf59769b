"""Notebook 01's helpers: the product rule against runs, fault spread, priced options, plots."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import coordlab  # noqa: E402
from coordlab.experiment.compounding import fault_spread, price_options, product_rule  # noqa: E402
from coordlab.viz.compounding import compounding_plot, options_plot, rule_plot  # noqa: E402
from coordlab.viz.rate_tables import rate_table  # noqa: E402

PROFILES = ("uniform-90", "correlated-90", "uniform-99")


@pytest.fixture(scope="module")
def frame():
    return coordlab.sweep("plain", "none;all", ",".join(PROFILES), tickets=40, executor="serial")


@pytest.fixture(scope="module")
def rule(frame):
    return product_rule(frame, n_boot=300)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_product_rule_matches_the_summaries(frame, rule):
    sums = {(s["layers"], s["profile"]): s for s in coordlab.summaries(frame)}
    for row in rule.to_dict("records"):
        s = sums[(row["layers"], row["profile"])]
        assert row["success"] == pytest.approx(s["success_rate"], abs=1e-4)
        assert row["predicted"] == pytest.approx(s["predicted_e2e"], abs=1e-4)
        assert [row["ci_lo"], row["ci_hi"]] == pytest.approx(s["ci95"], abs=1e-4)
        assert row["gap_lo"] <= row["gap"] <= row["gap_hi"]
        assert row["gap"] == pytest.approx(row["success"] - row["predicted"])


def test_product_rule_nominal_is_p_to_the_work_steps(rule):
    off = rule[rule["layers"] == "none"].set_index("profile")
    assert off.loc["uniform-99", "per_step"] == 0.99
    assert set(off["steps"]) == {6}
    assert off.loc["uniform-90", "nominal"] == pytest.approx(0.9**6)


def test_fault_spread_counts_faults_and_hard_tickets():
    rows = pd.DataFrame({
        "backend": "plain", "layers": "none", "profile": "x",
        "faults": ["", "a:b;c:d", "e:f", None], "tags": ["hard", "hard", "", "adversarial"],
        "outcome": ["success", "crashed", "silent_failure", "success"],
    })  # fmt: skip
    row = fault_spread(rows).iloc[0]
    assert row["faults_per_trial"] == 0.75 and row["with_a_fault"] == 0.5
    assert row["faults_per_faulty_trial"] == 1.5
    assert row["success_hard"] == 0.5 and row["success_other"] == 0.5


def test_price_options_prices_each_option_at_its_tier(frame):
    options = [("none", "uniform-99", "primary"), ("none", "uniform-99", "frontier")]
    table = price_options(frame, options)
    assert list(table["tier"]) == ["primary", "frontier"]
    assert table["success"].nunique() == 1  # same trials, other prices
    ratio = coordlab.TIERS["frontier"].usd_in_per_m / coordlab.TIERS["primary"].usd_in_per_m
    assert table["cost_x"].iloc[1] == pytest.approx(ratio, rel=0.02)


def test_compounding_plot_title_and_curves_follow_p_and_n(rule):
    off = rule[rule["layers"] == "none"]
    left, _ = compounding_plot(off, p=0.95, n=10)
    assert left.get_title().startswith("$0.950^{10}$ = 0.599 · measured: plain, layers none")
    labels = [line.get_label() for line in left.lines]
    assert any("10 independent steps" in text for text in labels)
    assert any("the desk's 6 work steps" in text for text in labels)
    left, _ = compounding_plot(off, p=0.95)  # n defaults to the runs' own steps
    assert not any("the desk's" in line.get_label() for line in left.lines)


def test_compounding_panel_redraws_when_a_slider_moves(rule):
    pytest.importorskip("ipywidgets")
    panel = coordlab.compounding_panel(rule[rule["layers"] == "none"], p=0.97)
    png = panel.plot.outputs[-1]["data"]["image/png"]
    assert repr(panel) == "<CompoundingPanel p=0.970 n=6: p^n = 0.833>"
    panel.n.value = 12
    assert repr(panel) == "<CompoundingPanel p=0.970 n=12: p^n = 0.694>"
    assert panel.plot.outputs[-1]["data"]["image/png"] != png


def test_rule_plot_names_the_profiles_and_their_gaps(rule):
    rows = rule[rule["layers"] == "none"]
    ax = rule_plot(rows)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(rows["profile"])
    notes = [t.get_text() for t in ax.texts]
    assert all(f"{row['gap']:+.3f}".replace("-", "−") in note
               for row, note in zip(rows.to_dict("records"), notes, strict=True))  # fmt: skip


def test_options_plot_names_each_option_with_its_prices(frame):
    options = [("none", "uniform-90", "primary"), ("all", "uniform-90", "primary"),
               ("none", "uniform-99", "frontier")]  # fmt: skip
    table = price_options(frame, options)
    ax = options_plot(table)
    notes = [t.get_text() for t in ax.texts]
    assert notes[2].startswith("99% per step, layers none, frontier prices")
    assert notes[1].startswith("90% per step, layers S+P+V+R, primary prices")
    assert ax.get_title().endswith("40 trials per point")


def test_rate_table_joins_intervals_and_says_constants_once(rule):
    table = rate_table(rule[rule["layers"] == "none"])
    assert table.caption == "plain · layers none · 40 trials each · 6 work steps"
    assert "95% CI" in table.frame.columns and "gap: 95% CI" in table.frame.columns
    assert "backend" not in table.frame.columns and "ci_lo" not in table.frame.columns


def test_price_options_names_what_is_missing():
    frame = coordlab.sweep("plain", "none", "perfect", tickets=2, executor="serial")
    with pytest.raises(coordlab.ConfigError, match="results hold: .*'none', 'perfect'"):
        coordlab.price_options(frame, [("all", "perfect", "primary")])
    with pytest.raises(coordlab.ConfigError, match="unknown tier 'huge'"):
        coordlab.price_options(frame, [("none", "perfect", "huge")])
