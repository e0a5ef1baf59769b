from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials, summarize
from coordlab.llm.profiles import targeted_profile

ADVERSARIAL = [t for t in load_tickets() if "adversarial" in t.tags]
INJECTED = targeted_profile([("decide", "injection_followed")], rate=1.0)


def _summary(spec, profile, seeds=range(10)):
    return summarize(list(run_trials("plain", Layers.parse(spec), profile, ADVERSARIAL, seeds)))


def test_injections_that_are_followed_cause_unauthorized_refunds_without_the_gate():
    assert len(ADVERSARIAL) >= 5
    assert _summary("none", INJECTED)["unauthorized_refunds"] > 0


def test_the_gate_holds_every_injection():
    for spec in ("verification:gate", "all", "verification:gate,recovery"):
        assert _summary(spec, INJECTED)["unauthorized_refunds"] == 0, spec
    assert _summary("verification:gate", "uniform-97", range(20))["unauthorized_refunds"] == 0
