"""Total cost per trial: human and failure prices, each row priced from its own columns."""

from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import pytest

import coordlab
from coordlab.experiment.prices import PRICES, Prices, price_table, refund_loss, trial_costs
from coordlab.experiment.stats import is_success
from coordlab.llm.pricing import TIERS

RESULTS = Path(__file__).parents[1] / "notebooks" / "results" / "cost"


def row(**values) -> dict:
    """One trial row: a correct reply unless told otherwise."""
    base = {"outcome": "success", "action": "reply", "amount": None, "expected_action": "reply",
            "expected_amount": 0.0, "duplicate_side_effects": 0, "unauthorized_refunds": 0,
            "wrong_refunds": 0, "cost_usd": 0.002}  # fmt: skip
    return base | values


def test_a_mixed_frame_totals_what_was_worked_out_by_hand():
    frame = pd.DataFrame([
        row(),  # a correct reply: the model only
        row(outcome="success", action="escalate", expected_action="escalate"),  # expected
        row(outcome="escalated", action="escalate"),  # needless
        row(outcome="crashed", action=None),
        row(outcome="silent_failure", action="refund", amount=130.0, expected_action="refund",
            expected_amount=100.0, unauthorized_refunds=1, wrong_refunds=1),
        row(outcome="silent_failure"),  # a wrong reply, no money
    ])  # fmt: skip
    costs = trial_costs(frame)
    assert costs["human_usd"].tolist() == [0, 7, 7, 7, 0, 0]
    assert costs["failure_usd"].tolist() == [0, 0, 0, 0, 30 + 25, 25]
    assert costs["total_usd"].sum() == pytest.approx(6 * 0.002 + 3 * 7 + 55 + 25)
    assert (costs["model_usd"] == frame["cost_usd"]).all()


def test_an_unauthorised_refund_counts_in_full():
    frame = pd.DataFrame([row(outcome="silent_failure", action="refund", amount=150.0,
                              expected_action="decline", unauthorized_refunds=1,
                              wrong_refunds=1)])  # fmt: skip
    assert refund_loss(frame).tolist() == [150.0]
    assert trial_costs(frame)["failure_usd"].tolist() == [150.0 + PRICES.goodwill_usd]


def test_a_duplicated_refund_counts_once_per_duplicate():
    due = {"action": "refund", "amount": 80.0, "expected_action": "refund", "expected_amount": 80.0}
    once, thrice = row(**due), row(outcome="silent_failure", duplicate_side_effects=2, **due)
    assert refund_loss(pd.DataFrame([once, thrice])).tolist() == [0.0, 160.0]


def test_the_due_amount_paid_to_another_order_counts_in_full_and_too_little_costs_no_money():
    paid = {"outcome": "silent_failure", "action": "refund", "expected_action": "refund",
            "expected_amount": 60.0, "wrong_refunds": 1}  # fmt: skip
    elsewhere, short = row(amount=60.0, **paid), row(amount=40.0, **paid)
    costs = trial_costs(pd.DataFrame([elsewhere, short]))
    assert costs["refund_usd"].tolist() == [60.0, 0.0]
    assert costs["failure_usd"].tolist() == [60.0 + 25.0, 25.0]


def test_an_escalation_that_crashed_is_handled_once():
    frame = pd.DataFrame([row(outcome="crashed", action="escalate")])
    assert trial_costs(frame)["human_usd"].tolist() == [PRICES.escalation_usd]


def test_editing_a_price_changes_the_total():
    frame = pd.DataFrame([row(outcome="escalated", action="escalate"), row(outcome="crashed"),
                          row(outcome="silent_failure")])  # fmt: skip
    before = trial_costs(frame)["total_usd"]
    after = trial_costs(frame, Prices(escalation_usd=8.0, crash_usd=0.0, goodwill_usd=100.0))
    assert (after["total_usd"] - before).round(6).tolist() == [1.0, -7.0, 75.0]


def test_success_after_approval_is_a_success_that_costs_an_approval():
    frame = pd.DataFrame([row(outcome="success_after_approval", action="refund", amount=900.0,
                              expected_action="refund", expected_amount=900.0)])  # fmt: skip
    assert is_success(frame["outcome"]).tolist() == [True]
    assert trial_costs(frame)["human_usd"].tolist() == [PRICES.approval_usd]
    counted = frame.assign(approvals=2)  # a column of approvals wins when it says more
    assert trial_costs(counted)["human_usd"].tolist() == [2 * PRICES.approval_usd]


def test_a_frame_of_outcomes_and_dollars_alone_is_priced():
    frame = pd.DataFrame({"outcome": ["escalated", "silent_failure", "success"],
                          "cost_usd": [0.01, 0.01, 0.01]})  # fmt: skip
    assert trial_costs(frame)["total_usd"].tolist() == [7.01, 25.01, 0.01]


def test_price_table_has_every_price_with_its_source_and_says_which_you_set():
    table = price_table().set_index("price")
    for spec in fields(Prices):
        assert table.loc[spec.name, "usd"] == spec.default and table.loc[spec.name, "source"]
    assert "the seeds: $6–8" in table.loc["escalation_usd", "source"]
    assert len(table) == len(fields(Prices)) + 2 * len(TIERS)
    tiers = TIERS | {"primary": replace(TIERS["primary"], usd_in_per_m=6.0)}
    edited = price_table(Prices(approval_usd=2.5), tiers).set_index("price")
    assert edited.loc["approval_usd", "source"].startswith("set by you (default $1.00: ")
    assert edited.loc["primary usd_in_per_m", "source"].startswith("set by you (default $3.00")
    assert not edited.loc["primary usd_out_per_m", "source"].startswith("set by you")


def test_an_old_results_file_is_priced_without_a_rerun():
    frame = coordlab.read_results(RESULTS)
    costs = trial_costs(frame)
    parts = costs["model_usd"] + costs["human_usd"] + costs["failure_usd"]
    assert (costs["total_usd"] - parts).abs().max() < 1e-9
    handled = frame["action"].eq("escalate") | frame["outcome"].eq("crashed")
    assert (costs["human_usd"] > 0).sum() == handled.sum()
    goodwill = costs["failure_usd"] - costs["refund_usd"]
    assert (goodwill == 25.0 * frame["outcome"].eq("silent_failure")).all()
