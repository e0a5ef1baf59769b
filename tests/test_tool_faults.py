"""The order service's own faults: rate limits (429) and expired access tokens (401).

A 429 goes away on a later attempt, so recovery's retries fix it; an expired token does not (the
service keeps refusing it for the rest of the trial), so only the protocol layer's client, which
refreshes the token and asks again, gets the order. Recovery alone gives up and escalates:
safe, but a human's time.
"""

import pytest
from helpers import cached_rows, outcomes

from coordlab.llm.profiles import targeted_profile

RATE_LIMITED = targeted_profile([("lookup", "rate_limit")], rate=0.4)
EXPIRED = targeted_profile([("lookup", "expired_credentials")], rate=0.4)


def _hit(rows, kind):
    return [r for r in rows if kind in (r["faults"] or "")]


@pytest.mark.parametrize("profile", [RATE_LIMITED, EXPIRED], ids=["429", "401"])
def test_without_recovery_or_protocol_a_tool_fault_crashes_the_trial(profile):
    kind = next(iter(profile.mix["lookup"]))
    hit = _hit(cached_rows("none", profile), kind)
    assert len(hit) >= 20
    assert outcomes(hit) == {"crashed": len(hit)}
    assert all(kind in r["crash"] for r in hit)


def test_recovery_retries_a_rate_limited_lookup_until_it_works():
    hit = _hit(cached_rows("recovery", RATE_LIMITED), "rate_limit")
    assert len(hit) >= 20
    assert outcomes(hit).get("crashed", 0) == 0
    assert all("recovery" in r["caught_by"] for r in hit)
    got_it = [r for r in hit if r["ok_lookup"] == 1]
    assert len(got_it) >= 0.8 * len(hit)
    assert all(r["outcome"] == "success" for r in got_it)
    assert all(r["escalated_by"] == "recovery" for r in hit if r["ok_lookup"] == 0)


def test_retrying_with_an_expired_token_fails_every_time_so_recovery_escalates():
    hit = _hit(cached_rows("recovery", EXPIRED), "expired_credentials")
    assert len(hit) >= 20
    assert {r["escalated_by"] for r in hit} == {"recovery"}
    assert all(r["n_lookup"] == 3 and r["ok_lookup"] == 0 for r in hit)


def test_the_protocol_layer_refreshes_the_token_and_the_trial_goes_on():
    hit = _hit(cached_rows("protocol", EXPIRED), "expired_credentials")
    assert len(hit) >= 20
    assert all("protocol" in r["caught_by"] for r in hit)
    assert all(r["n_lookup"] == 1 and r["ok_lookup"] == 1 for r in hit)
    assert sum(r["outcome"] == "success" for r in hit) >= 0.9 * len(hit)


def test_a_refreshed_token_is_asked_for_once_per_trial():
    from coordlab.datasets import load_orders
    from coordlab.llm.faults import FaultInjector
    from coordlab.tools.store import OrderService

    order = load_orders()[0]
    always = targeted_profile([("lookup", "expired_credentials")], rate=1.0)
    service = OrderService([order], FaultInjector(always, seed=0))
    with pytest.raises(Exception, match="401"):
        service.fetch(order.id, "0/T1/lookup/1")
    with pytest.raises(Exception, match="401"):  # still expired: the retry changed nothing
        service.fetch(order.id, "0/T1/lookup/2")
    service.refresh_credentials("0/T1/lookup/2")
    assert service.fetch(order.id, "0/T1/lookup/2")["total"] == order.total
    assert service.fetch(order.id, "0/T1/lookup/3")["total"] == order.total
