"""One trial on the virtual clock: bars where the records say, backoffs the recovery layer's."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import coordlab  # noqa: E402
from coordlab.layers import Recovery, SupportDesk  # noqa: E402
from coordlab.viz import timeline  # noqa: E402


@pytest.fixture(scope="module")
def rows():
    tickets = coordlab.load_tickets()[:60]
    return list(coordlab.run_trials("plain", coordlab.Layers(), "outage", tickets, [0],
                                    keep_trials=True))  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _retried_on_fallback(row):
    records = row["trial"].records
    return any(r.model == "fallback" for r in records) and len(timeline.backoffs(row["trial"])) >= 2


def test_records_tile_the_virtual_clock(rows):
    for row in rows:
        records = row["trial"].records
        assert records[-1].end_s == pytest.approx(row["latency_s"], abs=1e-3)
        for before, now in zip(records, records[1:], strict=False):
            assert before.start_s <= before.end_s <= now.start_s + 1e-9


def test_backoffs_are_the_recovery_layers_exponential_waits(rows):
    row = next(r for r in rows if _retried_on_fallback(r))
    waits = [end - start for _, start, end in timeline.backoffs(row["trial"])]
    assert waits[:2] == pytest.approx([Recovery(SupportDesk()).backoff_s(n) for n in (1, 2)])


def test_the_plot_follows_the_trial(rows):
    row = next(r for r in rows if _retried_on_fallback(r))
    trial = row["trial"]
    ax = timeline.trial_timeline(trial)
    assert ax.get_title().startswith(f"ticket {trial.ticket.id} · seed 0 · {len(trial.records)} ")
    assert f"{trial.clock_s:.1f} s on the virtual clock" in ax.get_title()
    timed = [r for r in trial.records if r.end_s > r.start_s]
    assert len(ax.patches) == len(timed)  # one bar per execution that took time
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert timeline.TIERS["fallback"] in colours and timeline.TIERS["primary"] in colours
    faults = [r.fault for r in trial.records if r.fault]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert all(f in texts for f in faults) and texts.count("backoff") == 2
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "intake"
