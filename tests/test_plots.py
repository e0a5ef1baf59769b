"""The plots follow what was run: titles, predictions and labels come from the summaries."""

import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import coordlab  # noqa: E402
from coordlab.config import layer_grid  # noqa: E402
from coordlab.viz import plots  # noqa: E402
from coordlab.viz.labels import short_label  # noqa: E402


@pytest.fixture(scope="module")
def runs():
    """Layers off and on, 30 tickets, under two profiles."""
    return {
        profile: [coordlab.run(layers=x, profile=profile, tickets=30) for x in ("none", "all")]
        for profile in ("uniform-97", "seed-002")
    }


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("profile", ["uniform-97", "seed-002"])
def test_outcome_bars_title_follows_the_profile(runs, profile):
    ax = coordlab.outcome_bars(runs[profile])
    other = ({"uniform-97", "seed-002"} - {profile}).pop()
    assert ax.get_title() == f"plain · profile {profile} · 30 trials per bar"
    assert other not in ax.get_title()


@pytest.mark.parametrize("profile", ["uniform-97", "seed-002"])
def test_outcome_bars_prediction_is_each_summarys_own(runs, profile):
    ax = coordlab.outcome_bars(runs[profile])
    marks = [c for c in ax.collections if c.get_label() == plots.PREDICTED_LABEL]
    assert len(marks) == 1
    heights = [segment[0][1] for segment in marks[0].get_segments()]
    assert heights == pytest.approx([s["predicted_e2e"] for s in runs[profile]])
    assert plots.PREDICTED_LABEL in _legend(ax)
    assert not any("0.97" in text for text in _legend(ax))  # no typed-in prediction


def test_outcome_bars_prediction_override_keeps_value_and_label(runs):
    ax = coordlab.outcome_bars(runs["seed-002"], predicted=(0.5, "my guess"))
    line = next(line for line in ax.lines if line.get_label() == "my guess")
    assert line.get_ydata()[0] == 0.5
    assert not [c for c in ax.collections if c.get_label() == plots.PREDICTED_LABEL]
    bare = coordlab.outcome_bars(runs["seed-002"], predicted=0.25)
    assert "prediction 0.250" in _legend(bare)


def test_outcome_bars_success_has_its_wilson_interval(runs):
    summaries = runs["uniform-97"]
    ax = coordlab.outcome_bars(summaries)
    bars = next(c for c in ax.containers if c.get_label() == "success, Wilson 95% interval")
    (segments,) = bars.lines[2]
    spans = [sorted(seg[:, 1]) for seg in segments.get_segments()]
    counts = [coordlab.wilson(s["outcomes"]["success"], s["trials"]) for s in summaries]
    assert [v for span in spans for v in span] == pytest.approx(sum(map(list, counts), []))
    assert [v for span in spans for v in span] == pytest.approx(
        sum((s["ci95"] for s in summaries), []), abs=1e-4
    )  # the summary's own interval, rounded


def test_outcome_bars_failures_get_their_own_scale(runs):
    summaries = runs["uniform-97"]
    ax = coordlab.outcome_bars(summaries)
    failures = ax.figure.axes[1]
    lowest = min(s["ci95"][0] for s in summaries)
    assert 0.0 < ax.get_ylim()[0] <= lowest  # zoomed, but every interval is in view
    worst = max(s[k] for s in summaries for k in ("silent_failure_rate", "crash_rate"))
    assert worst <= failures.get_ylim()[1] <= 0.5  # a 1% rate is 2%+ of this panel's height


def test_outcome_bars_legend_is_plain_words_in_stacking_order(runs):
    texts = _legend(coordlab.outcome_bars(runs["seed-002"]))
    assert texts[:4] == ["crashed", "silent failure", "escalated to a human", "success"]
    assert not any("_" in text for text in texts)


def test_notebook_code_still_relabels_the_figure(runs):
    ax = coordlab.outcome_bars(runs["uniform-97"])
    ax.set_xticks([0, 1], ["layers off", "all layers on"])
    ax.figure.canvas.draw()
    bottom = ax.figure.axes[1]
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["layers off", "all layers on"]
    _, given = plt.subplots()
    assert coordlab.outcome_bars(runs["uniform-97"], ax=given) is given
    assert len(given.figure.axes) == 2  # the one Axes was split for the failure panel


def test_short_labels_are_unique_and_short():
    shorts = [short_label(layers.label) for layers in layer_grid()]
    assert len(set(shorts)) == 16 and max(map(len, shorts)) <= 7
    assert short_label("all") == "S+P+V+R" and short_label("none") == "none"


@pytest.fixture(scope="module")
def grid():
    frame = coordlab.sweep("plain", "none;state;recovery;state,recovery;all", "seed-002",
                           tickets=10, executor="serial")  # fmt: skip
    return frame, coordlab.summaries(frame)


def test_reliability_plot_has_short_flat_labels_and_the_prediction(grid):
    _, sums = grid
    ax = plots.reliability_by_layers(sums)
    ticks = ax.get_xticklabels()
    assert [t.get_text() for t in ticks] == ["none", "R", "S", "S+R", "S+P+V+R"]
    assert all(t.get_rotation() == 0 and t.get_fontsize() >= 7 for t in ticks)
    (marks,) = [c for c in ax.collections if c.get_label() == plots.PREDICTED_LABEL]
    assert sorted(seg[0][1] for seg in marks.get_segments()) == sorted(
        s["predicted_e2e"] for s in sums
    )
    assert "seed-002" in ax.get_title() and "10 trials per point" in ax.get_title()


def test_the_report_draws_one_labelled_frontier_per_profile():
    from coordlab.viz.captions import figures

    frame = coordlab.sweep("plain", "none;recovery", "seed-002,uniform-97", tickets=6,
                           executor="serial")  # fmt: skip
    shown = {title: ax for title, ax, _ in figures(frame)}
    costs = [title for title in shown if title.startswith("Cost")]
    assert costs == ["Cost vs success: seed-002", "Cost vs success: uniform-97"]
    ax = shown["Cost vs success: uniform-97"]
    assert "profile uniform-97" in ax.get_title() and "seed-002" not in ax.get_title()
    assert sorted(n for t in ax.texts for n in t.get_text().split(" = ")) == ["R", "none"]


def test_a_frontier_of_several_backends_names_the_backend(grid):
    from coordlab.viz.frontier import frontier_plot

    frame, _ = grid
    both = pd.concat([frame, frame.assign(backend="copy")])
    ax = frontier_plot(coordlab.cost_table(both))
    named = sorted(n for t in ax.texts for n in t.get_text().split(" = "))
    assert len(named) == 10 and "copy · S+R" in named and "plain · S+R" in named
    assert ax.get_title().startswith("Cost vs success: 10 configurations")
    assert ax.get_title().endswith("· profile seed-002 · 10 trials per point")
    assert "copy, plain" in ax.get_title() or "plain, copy" in ax.get_title()


def test_predicted_vs_measured_says_what_its_axes_are(grid):
    _, sums = grid
    ax = plots.predicted_vs_measured(sums)
    assert "product of measured step accuracies" in ax.get_xlabel()
    assert "seed-002" in ax.get_title()
    assert "measured = predicted" in _legend(ax)
