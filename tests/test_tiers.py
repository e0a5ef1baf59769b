"""Per-tier reliability: a profile can make the small model fault more, most on hard tickets."""

from coordlab import load_tickets
from coordlab.llm.faults import FaultInjector
from coordlab.llm.profiles import get_profile

TICKETS = load_tickets()
HARD = [t.id for t in TICKETS if "hard" in t.tags]
TIERED = get_profile("uniform-97").model_copy(update={"tiers": {"fallback": (2.0, 5.0)}})
EVEN = get_profile("uniform-97").model_copy(update={"tiers": {}})


def _faults(profile, tier):
    injector = FaultInjector(profile, seed=0, hard_tickets=HARD)
    kinds = ["wrong_action"]
    return {
        (t.id, a) for t in TICKETS for a in (1, 2, 3)
        if injector.draw(t.id, "decide", a, kinds, tier)
    }  # fmt: skip


def test_without_tier_settings_every_tier_faults_alike():
    assert _faults(EVEN, "fallback") == _faults(EVEN, "primary")


def test_by_default_the_small_model_is_the_weaker_tier():
    default = get_profile("uniform-97")
    assert default.tiers == {"fallback": (2.0, 4.0)}
    assert _faults(default, "primary") < _faults(default, "fallback")


def test_the_small_model_faults_more_and_on_every_draw_the_primary_does():
    primary, small = _faults(TIERED, "primary"), _faults(TIERED, "fallback")
    assert primary < small  # coupled draws: a superset
    assert len(small) >= 2 * len(primary)


def test_it_is_worse_still_on_hard_tickets():
    primary, small = _faults(TIERED, "primary"), _faults(TIERED, "fallback")
    hard = set(HARD)

    def rate(faults, on_hard):
        pool = [t for t in TICKETS if (t.id in hard) == on_hard]
        return sum(1 for f in faults if (f[0] in hard) == on_hard) / (3 * len(pool))

    assert rate(small, True) / rate(primary, True) > 3.5
    assert rate(small, False) / rate(primary, False) < 2.6
