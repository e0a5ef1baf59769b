"""The simulator's calibration (DESIGN §4.5) and the headline numbers of the foundation issue."""

import math

import pytest
from helpers import cached_rows, outcomes

import coordlab
from coordlab.config import layer_grid
from coordlab.experiment.runner import summarize
from coordlab.llm.profiles import SEED_002

SEEDS = tuple(range(10))


@pytest.mark.parametrize("spec", ["none", "all"])
def test_perfect_profile_succeeds_on_every_ticket(spec):
    rows = cached_rows(spec, "perfect")
    assert outcomes(rows) == {"success": len(rows)}


@pytest.mark.parametrize(
    "layers",
    layer_grid()
    + [
        "verification:gate",
        "verification:critic-vague",
        "recovery:retry",
        "all,verification:critic-strict",
    ],
    ids=str,
)
def test_perfect_profile_succeeds_under_every_layer_setting(layers):
    spec = layers if isinstance(layers, str) else layers.label
    rows = cached_rows(spec, "perfect", 80)
    assert outcomes(rows) == {"success": len(rows)}


@pytest.mark.parametrize(
    "profile,expected",
    [
        ("uniform-97", (0.97,) * 6),
        ("seed-002", SEED_002),
    ],
)
def test_layers_off_measures_the_product_of_step_reliabilities(profile, expected):
    summary = summarize(cached_rows("none", profile, None, SEEDS))
    predicted = math.prod(expected)
    lo, hi = summary["ci95"]
    assert lo <= predicted <= hi, (predicted, summary["ci95"])
    steps = ("intake", "retrieve", "lookup", "decide", "compose", "deliver")
    for step, target in zip(steps, expected, strict=True):
        assert abs(summary["per_step_accuracy"][step] - target) <= 0.01, step


def test_with_layers_off_injected_faults_end_in_non_success():
    rows = cached_rows("none", "uniform-97", None, SEEDS)
    faulted = [r for r in rows if r["faults"]]
    clean = [r for r in rows if not r["faults"]]
    assert all(r["outcome"] == "success" for r in clean)
    benign = sum(r["outcome"] == "success" for r in faulted)
    # A fault is only drawn where it changes the step's output; rarely the changed output still
    # leads to the right delivery (an inflated amount on a request declined anyway).
    assert benign <= 0.01 * len(faulted), benign


def test_all_layers_close_the_gap_and_report_the_cost():
    none = summarize(cached_rows("none", "uniform-97", None, SEEDS[:3]))
    full = summarize(cached_rows("all", "uniform-97", None, SEEDS[:3]))
    assert full["success_rate"] >= 0.95
    assert full["silent_failure_rate"] <= 0.01
    assert full["crash_rate"] == 0
    assert full["tokens_in"] > none["tokens_in"] and full["cost_usd"] > none["cost_usd"]
    assert full["llm_calls"] > none["llm_calls"]


def test_correlated_profile_keeps_marginals_but_breaks_the_product():
    summary = summarize(cached_rows("none", "correlated-97", None, SEEDS[:5]))
    for step in ("intake", "decide", "compose"):
        assert abs(summary["per_step_accuracy"][step] - 0.97) <= 0.015, step
    # faults pile up on the hard tickets, so fewer tickets fail than the product rule says,
    # by more than the interval of 1,600 trials
    assert summary["ci95"][0] > summary["predicted_e2e"]


@pytest.mark.parametrize("name, p", [("uniform-90", 0.9), ("uniform-99.5", 0.995)])
def test_uniform_family_measures_p_to_the_sixth(name, p):
    summary = summarize(cached_rows("none", name, None, SEEDS[:3]))
    lo, hi = summary["ci95"]
    assert lo <= p**6 <= hi
    assert coordlab.get_profile(name).reliability["verify"] == 0.97


@pytest.mark.parametrize("name", ["uniform-0", "uniform-101", "uniform-x", "triangular-97"])
def test_bad_family_names_are_one_clear_error(name):
    with pytest.raises(coordlab.ConfigError, match="profile"):
        coordlab.get_profile(name)
