import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coordlab
from coordlab.experiment.compare import compare, layer_effects
from coordlab.experiment.cost import cost_table, frontier, marginal_cost, reprice
from coordlab.experiment.stats import (
    fisher_exact_p,
    mcnemar_exact,
    paired_bootstrap,
    pass_hat_k,
    ticket_bootstrap,
    wilson,
    wilson_rate,
)
from coordlab.llm.pricing import ModelTier

trials = st.lists(st.booleans(), min_size=1, max_size=7)


def pass_hat_k_by_enumeration(outcomes: dict, k: int) -> float:
    """τ-bench's definition, literally: the chance that k of a ticket's trials all succeed."""
    per_ticket = []
    for results in outcomes.values():
        if len(results) < k:
            continue
        draws = list(itertools.combinations(results, k))
        per_ticket.append(sum(all(d) for d in draws) / len(draws))
    return sum(per_ticket) / len(per_ticket)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text("abc", min_size=1, max_size=3), trials, min_size=1), st.data())
def test_pass_hat_k_matches_the_definition(outcomes, data):
    k = data.draw(st.integers(1, max(len(r) for r in outcomes.values())))
    rows = [
        {"ticket_id": ticket, "outcome": "success" if ok else "silent_failure"}
        for ticket, results in outcomes.items()
        for ok in results
    ]
    assert math.isclose(pass_hat_k(rows, k), pass_hat_k_by_enumeration(outcomes, k))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 25), st.integers(0, 25))
def test_mcnemar_exact_is_the_two_sided_binomial_test(a_only, b_only):
    n = a_only + b_only
    probs = [math.comb(n, x) / 2**n for x in range(n + 1)]
    observed = probs[a_only]
    by_definition = sum(p for p in probs if p <= observed * (1 + 1e-9))
    assert math.isclose(mcnemar_exact(a_only, b_only), min(1.0, by_definition))


def test_paired_bootstrap_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(1)
    a, b = rng.random(300) < 0.8, rng.random(300) < 0.9
    first, again = paired_bootstrap(a, b, seed=3), paired_bootstrap(a, b, seed=3)
    assert first == again
    mean, lo, hi = first
    assert lo < mean < hi and math.isclose(mean, b.mean() - a.mean())
    assert paired_bootstrap(a, a) == (0.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def grid():
    return coordlab.sweep("plain", "all", "outage", tickets=80, seeds="0-1", workers=2)


def test_recovery_helps_in_every_context(grid):
    effects = layer_effects(grid)
    assert len(effects) == 4 * 8  # each layer off→on, in each of the 8 settings of the others
    recovery = effects[effects["layer"] == "recovery"]
    assert (recovery["effect"] > 0).all() and (recovery["mcnemar_p"] < 0.01).all()
    assert effects["pairs"].eq(160).all()


def test_compare_pairs_the_same_trials(grid):
    result = compare(grid, {"layers": "none"}, {"layers": "recovery"})
    assert result["pairs"] == 160
    assert result["b_rate"] - result["a_rate"] == pytest.approx(result["diff"])
    assert result["ci95"][0] <= result["diff"] <= result["ci95"][1]
    assert result["b_only"] > result["a_only"]


def test_reprice_with_the_default_table_gives_the_recorded_dollars(grid):
    assert (grid["tokens_in_fallback"] > 0).any()  # the outage profile uses the fallback
    same = reprice(grid)
    assert np.allclose(same["cost_usd"], grid["cost_usd"], atol=1e-7)
    free_fallback = reprice(
        grid,
        {
            "primary": ModelTier("primary", 3.0, 15.0, 0, 0, 0),
            "fallback": ModelTier("fallback", 0.0, 0.0, 0, 0, 0),
        },
    )
    assert (free_fallback["cost_usd"] <= grid["cost_usd"] + 1e-12).all()
    assert free_fallback["cost_usd"].sum() < grid["cost_usd"].sum()


def test_cost_table_frontier_and_marginal_cost(grid):
    table = cost_table(grid, by=["layers"])
    assert len(table) == 16
    assert table.loc["all", "usd_per_trial"] > table.loc["none", "usd_per_trial"]
    front = frontier(table)
    assert front["usd_per_trial"].is_monotonic_increasing
    assert front["success_rate"].is_monotonic_increasing
    gain = marginal_cost(table, "none", "all")
    assert gain["points"] > 0 and gain["usd_per_point"] > 0
    lossy = pd.DataFrame({"usd_per_trial": [1.0, 2.0], "success_rate": [0.9, 0.9], "nines": 1.0})
    assert marginal_cost(lossy, 0, 1)["usd_per_point"] is None


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.data())
def test_fisher_exact_matches_the_hypergeometric_definition(n1, n2, data):
    s1, s2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    k, total = s1 + s2, n1 + n2
    support = range(max(0, k - n2), min(n1, k) + 1)
    probs = {x: math.comb(k, x) * math.comb(total - k, n1 - x) / math.comb(total, n1)
             for x in support}  # fmt: skip
    by_definition = sum(p for p in probs.values() if p <= probs[s1] * (1 + 1e-7))
    assert math.isclose(fisher_exact_p(s1, n1, s2, n2), min(1.0, by_definition), rel_tol=1e-6)


def test_reprice_at_the_frontier_tier_scales_the_primary_tokens(grid):
    frontier_cost = reprice(grid, primary="frontier")["cost_usd"]
    primary_only = grid["tokens_in_fallback"].eq(0) & grid["tokens_in"].gt(0)
    ratio = frontier_cost[primary_only] / reprice(grid)["cost_usd"][primary_only]
    assert ratio.round(9).eq(5.0).all()


def test_ticket_bootstrap_keeps_a_tickets_trials_together():
    # two tickets, each with trials all alike: a resample's mean is a mix of whole tickets
    values = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    tickets = ["a", "a", "a", "b", "b", "b"]
    lo, hi = ticket_bootstrap(tickets, lambda w: w @ values / w.sum(axis=1), n_boot=500)
    assert (lo, hi) == (0.0, 1.0)  # a resample of two tickets: both a, one each, or both b
    trials = [f"t{i}" for i in range(6)]  # each trial its own ticket: a narrower interval
    lo, hi = ticket_bootstrap(trials, lambda w: w @ values / w.sum(axis=1), n_boot=500)
    assert 0.0 < lo < 0.5 < hi < 1.0


def test_ticket_bootstrap_leaves_out_undefined_resamples():
    values = np.array([0.0, 2.0])

    def ratio(w):
        with np.errstate(invalid="ignore"):
            return (w @ values) / (w @ values)

    lo, hi = ticket_bootstrap(["a", "b"], ratio, n_boot=200)
    assert (lo, hi) == (1.0, 1.0)  # resamples of ticket a alone are 0 / 0 and left out
    assert all(math.isnan(x) for x in ticket_bootstrap(["a"], lambda w: w[:, 0] * np.nan))


def test_wilson_rate_is_the_rate_from_counts_with_its_interval():
    assert wilson_rate(3, 4) == (0.75, *wilson(3, 4))
    rate, lo, hi = wilson_rate(0, 0)
    assert math.isnan(rate) and (lo, hi) == (0.0, 1.0)
