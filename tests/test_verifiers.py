"""Verification modes' catches and false alarms, read from rows, match the live step records."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import coordlab  # noqa: E402
from coordlab.experiment.compare import mean_ratio  # noqa: E402
from coordlab.viz import verifiers  # noqa: E402

MODES = ("off", "gate", "critic-strict", "critic-vague", "full")
PROFILE = "uniform-90"  # more faults than uniform-97: enough wrong bundles in a small run


@pytest.fixture(scope="module")
def live():
    """Rows with their trials: every mode, recovery off and on, 60 tickets, 2 seeds."""
    tickets = coordlab.load_tickets()[:60]
    rows = []
    for mode in MODES:
        for extra in ("", ",recovery"):
            layers = coordlab.Layers.parse(f"state,protocol,verification:{mode}{extra}")
            rows += coordlab.run_trials("plain", layers, PROFILE, tickets, [0, 1], keep_trials=True)
    return rows


@pytest.fixture(scope="module")
def frame(live):
    return pd.DataFrame([{k: v for k, v in r.items() if k != "trial"} for r in live])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _from_records(trial):
    """(bundle, verdict) from the trial's verify records: the first one judges the bundle."""
    checks = [r for r in trial.records if r.step == "verify"]
    if any(r.fault in ("timeout", "rate_limit") for r in checks):
        return None
    first = checks[0]
    passed = first.caught_by is None
    bundle = "right" if first.ok == passed else "wrong"
    rejected = any(r.caught_by == "verification" for r in checks)
    return bundle, "rejected" if rejected else "passed"


def test_verdicts_from_rows_match_the_step_records(live, frame):
    got = verifiers.verdicts(frame).set_index(["mode", "seed", "ticket_id"])
    checked = 0
    for row in live:
        mode = coordlab.Layers.parse(row["layers"])
        if mode.verification == "off" or mode.recovery != "off" or row["n_verify"] == 0:
            continue
        expected = _from_records(row["trial"])
        if expected is None:
            assert got.loc[(mode.verification, row["seed"], row["ticket_id"]), "verdict"] == (
                "no verdict"
            )
            continue
        found = got.loc[(mode.verification, row["seed"], row["ticket_id"])]
        assert (found["bundle"], found["verdict"]) == expected
        checked += 1
    wrong = (got["bundle"] == "wrong").sum()
    assert checked > 300 and wrong > 20  # the check saw many bundles, wrong ones among them


def test_the_same_bundle_reaches_verify_under_every_mode(frame):
    data = verifiers.verdicts(frame)
    keys = {
        mode: set(g["seed"].astype(str) + "/" + g["ticket_id"]) for mode, g in data.groupby("mode")
    }
    assert len(keys) == 4 and all(k == keys["gate"] for k in keys.values())


def test_the_gate_never_false_alarms_and_misses_hallucinations(frame):
    scores = verifiers.scores(frame).set_index("mode")
    assert scores.loc["gate", "false_alarm_hits"] == 0
    assert scores.loc["gate", "recall"] < scores.loc["full", "recall"]
    table = verifiers.catches_by_fault(frame).frame.set_index("upstream fault")
    assert table.loc["compose:hallucinated_claim", "gate"].startswith("0 /")


def test_table_caption_and_bars_title_follow_the_data(frame):
    table = verifiers.verifier_table(frame)
    assert PROFILE in table.caption and "uniform-97" not in table.caption
    assert list(table.frame["mode"]) == ["gate", "critic-strict", "critic-vague", "full"]
    s = verifiers.scores(frame)
    axes = verifiers.verifier_bars(frame)
    title = axes[0].figure._suptitle.get_text()
    assert f"{int(s['reached'].max()):,} bundles reached verify" in title
    assert f"{int(s['wrong'].max()):,} of them wrong" in title and PROFILE in title


def test_a_frame_without_a_single_check_mode_is_refused(frame):
    full_only = frame[frame["layers"].isin(["state,protocol", "state,protocol,verification"])]
    with pytest.raises(ValueError, match="gate"):
        verifiers.verdicts(full_only)


def test_mean_ratio_is_the_ratio_of_means_with_a_ticket_bootstrap(frame):
    a, b = {"layers": "state,protocol"}, {"layers": "state,protocol,verification:critic-strict"}
    result = mean_ratio(frame, a, b)
    tokens = lambda c: frame[frame["layers"] == c["layers"]].eval("tokens_in + tokens_out")  # noqa: E731
    assert result["ratio"] == pytest.approx(tokens(b).mean() / tokens(a).mean())
    assert result["ci95"][0] <= result["ratio"] <= result["ci95"][1]
    assert result["tickets"] == 60 and result["pairs"] == 120
    same = mean_ratio(frame, a, a)
    assert same["ratio"] == 1.0 and same["ci95"] == [1.0, 1.0]


def test_mean_ratio_of_an_outcome_is_a_ratio_of_rates(frame):
    a, b = {"layers": "state,protocol"}, {"layers": "state,protocol,verification"}
    result = mean_ratio(frame, a, b, "escalated")
    rate = lambda c: (frame[frame["layers"] == c["layers"]]["outcome"] == "escalated").mean()  # noqa: E731
    assert result["a_mean"] == pytest.approx(rate(a))
    assert result["ratio"] == pytest.approx(rate(b) / rate(a))
    never = mean_ratio(frame, a, b, "no_such_outcome")
    assert np.isnan(never["ratio"])


def test_the_panel_redraws_for_the_chosen_mode(frame):
    panel = verifiers.verification_panel(coordlab.summaries(frame))
    assert repr(panel) == "<VerificationPanel mode=gate | recovery=off>"
    first = panel.plot.outputs[0]["data"]["image/png"]
    panel.controls["mode"].value = "critic-vague"
    panel.controls["recovery"].value = "full"
    assert repr(panel) == "<VerificationPanel mode=critic-vague | recovery=full>"
    assert panel.plot.outputs[0]["data"]["image/png"] != first
    assert panel.controls["recovery"].options == ("off", "full")
