"""cost_table, frontier, marginal_cost and break-even on model, human, failure and total cost."""

import pandas as pd
import pytest

from coordlab.experiment.cost import (
    break_even_failure_cost,
    cost_table,
    frontier,
    marginal_cost,
)
from coordlab.experiment.prices import Prices


def trials(layers: str, outcomes: dict, cost_usd: float, action=None) -> list[dict]:
    """``outcomes`` (outcome -> count) as rows of one setting; escalations escalate."""
    return [{"layers": layers, "outcome": outcome, "cost_usd": cost_usd,
             "action": "escalate" if outcome == "escalated" else action or "reply",
             "expected_action": "reply", "expected_amount": 0.0}
            for outcome, count in outcomes.items() for _ in range(count)]  # fmt: skip


@pytest.fixture
def frame() -> pd.DataFrame:
    """Cheap but leaky ``none``; dearer ``all`` that escalates instead of failing silently."""
    return pd.DataFrame(
        trials("none", {"success": 6, "silent_failure": 3, "crashed": 1}, 0.01)
        + trials("all", {"success": 8, "escalated": 2}, 0.03)
    )


def test_cost_table_totals_by_hand(frame):
    table = cost_table(frame, by=["layers"])
    none, full = table.loc["none"], table.loc["all"]
    assert none["usd_per_trial"] == 0.01 and full["usd_per_trial"] == 0.03  # model, as before
    assert none["human_usd_per_trial"] == pytest.approx(7 / 10)  # one crash
    assert none["failure_usd_per_trial"] == pytest.approx(3 * 25 / 10)  # goodwill, no money
    assert none["total_usd_per_trial"] == pytest.approx(0.01 + 0.7 + 7.5)
    assert none["total_usd_per_success"] == pytest.approx(10 * 8.21 / 6, abs=1e-4)
    assert full["human_usd_per_trial"] == pytest.approx(2 * 7 / 10)
    assert full["total_usd_per_trial"] == pytest.approx(0.03 + 1.4)
    assert none["silent_failure_rate"] == 0.3 and full["silent_failure_rate"] == 0.0


def test_prices_reach_the_table(frame):
    dear = cost_table(frame, by=["layers"], prices=Prices(goodwill_usd=100.0))
    assert dear.loc["none", "failure_usd_per_trial"] == pytest.approx(30.0)
    assert dear.loc["none", "usd_per_trial"] == 0.01


def test_success_after_approval_counts_as_a_success():
    rows = pd.DataFrame(trials("x", {"success": 2, "success_after_approval": 2}, 0.01))
    table = cost_table(rows, by=["layers"])
    assert table.loc["x", "success_rate"] == 1.0 and table.loc["x", "usd_per_success"] == 0.01
    assert table.loc["x", "human_usd_per_trial"] == pytest.approx(2 * 1.0 / 4)


def test_the_frontier_and_marginal_cost_follow_the_cost_axis(frame):
    table = cost_table(frame, by=["layers"])
    assert list(frontier(table).index) == ["none", "all"]  # model: none is cheaper
    assert list(frontier(table, cost="total").index) == ["all"]  # total: all is both
    model = marginal_cost(table, "none", "all")
    assert model == marginal_cost(table, "none", "all", cost="model")
    assert model["usd_per_trial"] == pytest.approx(0.02) and model["cost"] == "model"
    total = marginal_cost(table, "none", "all", cost="total")
    assert total["usd_per_trial"] == pytest.approx(1.43 - 8.21)  # it saves
    assert total["usd_per_point"] == pytest.approx(-6.78 / 20)
    with pytest.raises(ValueError, match="unknown cost 'tokens'"):
        frontier(table, cost="tokens")


def test_at_the_break_even_price_both_totals_are_equal(frame):
    table = cost_table(frame, by=["layers"])
    price = break_even_failure_cost(table, "none", "all")
    # other: none 0.01 + 0.7, all 0.03 + 1.4, so (1.43 - 0.71) / 0.3 prevented per trial
    assert price == pytest.approx(2.4)
    priced = cost_table(frame, by=["layers"], prices=Prices(goodwill_usd=price))
    totals = priced["total_usd_per_trial"]
    assert totals["none"] == pytest.approx(totals["all"])
    dearer = cost_table(frame, by=["layers"], prices=Prices(goodwill_usd=price + 1))
    assert dearer.loc["all", "total_usd_per_trial"] < dearer.loc["none", "total_usd_per_trial"]


def test_break_even_is_none_without_prevented_failures_and_zero_when_cheaper_anyway(frame):
    table = cost_table(frame, by=["layers"])
    assert break_even_failure_cost(table, "all", "none") is None
    cheap = frame.assign(cost_usd=0.0, action="reply")  # no escalation and no model cost
    assert break_even_failure_cost(cost_table(cheap, by=["layers"]), "none", "all") == 0.0


def test_total_cost_bars_stack_the_table_none_first_and_name_its_prices(frame):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coordlab.viz.total_cost import total_cost_bars

    config = frame.assign(backend="plain", profile="uniform-97")
    table = cost_table(config, prices=Prices(goodwill_usd=40.0))
    ax = total_cost_bars(table)
    totals = [0.01 + 0.7 + 3 * 40 / 10, 0.03 + 1.4]  # none, then all
    assert [t.get_text() for t in ax.texts] == [f"${x:.2f}" for x in totals]
    stacked = [sum(p.get_height() for p in ax.patches if abs(p.get_x() + 0.3 - x) < 1e-9)
               for x in (0, 1)]  # fmt: skip
    assert stacked == pytest.approx(totals)
    legend = [t.get_text().replace("\\", "") for t in ax.get_legend().get_texts()]
    assert "$40.00 goodwill" in legend[2]
    assert [t.get_text() for t in ax.figure.axes[1].get_xticklabels()] == ["none", "S+P+V+R"]
    plt.close("all")


def _paired_frame(base_outcomes, up_outcomes, base_usd, up_usd):
    import pandas as pd

    n = len(base_outcomes)
    rows = [{"layers": label, "seed": 0, "ticket_id": f"T{i:04d}", "outcome": outcome,
             "cost_usd": usd} for label, outcomes, usd in
            (("base", base_outcomes, base_usd), ("up", up_outcomes, up_usd))
            for i, outcome in enumerate(outcomes)]  # fmt: skip
    assert len(rows) == 2 * n
    return pd.DataFrame(rows)


def test_break_even_says_on_which_side_of_the_price_an_upgrade_pays():
    from coordlab.experiment.break_even import break_even

    ok, bad = "success", "silent_failure"

    def pays(base, up, base_usd, up_usd):
        frame = _paired_frame(base, up, base_usd, up_usd)
        found = break_even(frame, {"layers": "base"}, {"layers": "up"}, n_boot=200)
        return found["pays"], found["usd"]

    assert pays([bad, ok, ok, ok], [ok] * 4, 0.01, 0.03) == ("above", 0.08)  # $0.02 / 0.25
    assert pays([ok] * 4, [ok] * 4, 0.03, 0.01) == ("always", 0.0)
    assert pays([ok] * 4, [ok] * 4, 0.01, 0.03) == ("never", float("inf"))
    assert pays([ok] * 4, [bad, ok, ok, ok], 0.03, 0.01) == ("below", 0.08)
