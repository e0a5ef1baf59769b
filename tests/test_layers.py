"""Each layer, shown the faults it exists for: they reach the customer (or crash) with it off,
and are caught with it on; with recovery on as well, caught faults become successes."""

import pytest
from helpers import cached_rows, outcomes

from coordlab.experiment.runner import summarize
from coordlab.llm.profiles import targeted_profile

KINDS = {
    "state": [("intake", "format_drift"), ("intake", "dropped_field"), ("decide", "format_drift")],
    "protocol": [("lookup", "schema_drift"), ("lookup", "expired_credentials")],
    "verification": [
        ("intake", "wrong_intent"),
        ("retrieve", "low_recall"),
        ("decide", "wrong_action"),
        ("decide", "wrong_amount"),
        ("decide", "injection_followed"),
        ("compose", "hallucinated_claim"),
        ("compose", "amount_mismatch"),
    ],
    "recovery": [(s, "timeout") for s in ("intake", "lookup", "decide", "compose")]
    + [
        ("decide", "rate_limit"),
        ("lookup", "rate_limit"),
        ("retrieve", "empty_retrieval"),
        ("deliver", "timeout_before_effect"),
        ("deliver", "timeout_after_effect"),
    ],
}
LAYERS = list(KINDS)


def profile(layer, rate=0.3):
    return targeted_profile(KINDS[layer], rate=rate)


def _faulted(rows):
    return [r for r in rows if r["faults"]]


@pytest.mark.parametrize("layer", LAYERS)
def test_faults_hurt_with_the_layer_off(layer):
    faulted = _faulted(cached_rows("none", profile(layer)))
    assert len(faulted) >= 40
    counts = outcomes(faulted)
    # A few faults change a step's output without changing the delivery (e.g. an inflated
    # amount on a request that is declined anyway, or a drifted order record on a legal
    # complaint whose escalation ignores the record).
    assert counts.get("success", 0) <= 0.05 * len(faulted), counts
    harmful = counts.get("silent_failure", 0) + counts.get("crashed", 0)
    # Re-parse corruption is mostly stopped downstream by the refund tool's own authorisation
    # check (a dropped decimal makes $240 into $24,000), so without the state layer it ends as a
    # costly escalation more often than at the customer; the rest of the layers' faults mostly
    # reach the customer or crash.
    assert harmful >= (0.05 if layer == "state" else 0.3) * len(faulted), counts


@pytest.mark.parametrize("layer", LAYERS)
def test_the_layer_catches_its_faults(layer):
    faulted = _faulted(cached_rows(layer, profile(layer)))
    counts = outcomes(faulted)
    assert counts.get("silent_failure", 0) == 0, counts
    if layer == "recovery":  # only a run of failures on the escalation itself still crashes
        assert counts.get("crashed", 0) <= 0.02 * len(faulted), counts
        assert counts.get("success", 0) >= 0.75 * len(faulted), counts
    else:  # caught faults go to a human, never to the customer wrong
        assert counts.get("escalated", 0) >= 0.5 * len(faulted), counts
        assert counts.get("crashed", 0) == 0, counts


@pytest.mark.parametrize("layer", LAYERS)
def test_with_recovery_a_caught_fault_becomes_a_success(layer):
    spec = "recovery" if layer == "recovery" else f"{layer},recovery"
    summary = summarize(cached_rows(spec, profile(layer, rate=0.1)))
    assert summary["success_rate"] >= 0.97, summary
    assert summary["silent_failure_rate"] == 0


def test_vague_critic_rubber_stamps_and_strict_critic_catches():
    vague = summarize(cached_rows("verification:critic-vague", profile("verification")))
    strict = summarize(cached_rows("verification:critic-strict", profile("verification")))
    assert strict["silent_failure_rate"] == 0
    assert vague["silent_failure_rate"] > 0.05


def test_idempotency_keys_prevent_duplicate_refunds():
    faults = targeted_profile([("deliver", "timeout_after_effect")], rate=0.3)
    blind = summarize(cached_rows("recovery:retry", faults))
    keyed = summarize(cached_rows("recovery", faults))
    assert blind["duplicate_side_effects"] > 20
    assert keyed["duplicate_side_effects"] == 0
    assert keyed["success_rate"] >= 0.99


def test_fallback_model_rides_out_an_outage():
    off = summarize(cached_rows("none", "outage"))
    on_rows = cached_rows("recovery", "outage")
    assert off["crash_rate"] >= 0.15
    assert summarize(on_rows)["crash_rate"] == 0
    hit = [r for r in on_rows if "outage" in r["faults"]]
    assert len(hit) >= 40
    assert outcomes(hit).get("success", 0) >= 0.8 * len(hit)
