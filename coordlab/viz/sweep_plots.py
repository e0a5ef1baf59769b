"""Plots of a sweep: success by layer setting, predicted vs measured, frameworks side by side.

Each function takes the summaries and draws on one Axes; the report puts a caption under each
saying how to read it (its cost frontier is :func:`coordlab.viz.frontier.frontier_plot`). Layer
settings are short labels (``S+P+R``); the x label carries their key. Axes are zoomed to where
the points are.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from coordlab.experiment.sweep import summaries, sweep
    >>> sums = summaries(sweep("plain", "none;all", "uniform-97", tickets=6, executor="serial"))
    >>> ax = reliability_by_layers(sums)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['none', 'S+P+V+R']
"""

from __future__ import annotations

from collections.abc import Sequence

from coordlab.config import label_order
from coordlab.viz.figures import SERIES_COLOURS, new_axes
from coordlab.viz.labels import LAYER_KEY, layers_on, shared, short_label, varying, yerr
from coordlab.viz.labels import zoom_floor as _floor

PREDICTED = "predicted: Π step accuracy"


def _shared(summaries: Sequence[dict]) -> str:
    """What the points share (backend, profile and trials, listed where they vary)."""
    return shared(summaries, per="point", listing=True)


def _settings_axis(ax, settings: Sequence[str], offset: float = 0.0) -> None:
    """Short layer labels on the x axis, horizontal, with their key as the axis label."""
    size = 8 if len(settings) <= 10 else 7
    ax.set_xticks([i + offset for i in range(len(settings))], map(short_label, settings),
                  fontsize=size)  # fmt: skip
    ax.set_xlabel(f"layer setting  ({LAYER_KEY})", fontsize=8)
    ax.set_xlim(-0.6 + offset, len(settings) - 0.4 + offset)


def _legend_below(ax, **kwargs) -> None:
    """The legend in one row under the x axis label, leaving the axes their full width."""
    count = len(ax.get_legend_handles_labels()[1])
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=count,
              frameon=False, title_fontsize=8, **kwargs)  # fmt: skip


def reliability_by_layers(summaries: Sequence[dict], ax=None):
    """Success per layer setting with its Wilson 95% interval, one series per backend/profile.

    A dashed dash beside each point marks that configuration's prediction (the product of its
    measured step accuracies): where a point sits above its dash, the layers recover errors
    that independent steps would have compounded.

    Returns:
        The Axes.
    """
    ax = new_axes(ax, (10, 4.2))
    settings = sorted({s["layers"] for s in summaries}, key=label_order)
    series = list(dict.fromkeys((s["backend"], s["profile"]) for s in summaries))
    width = 0.6 / max(len(series), 1)
    for i, key in enumerate(series):
        mine = [s for s in summaries if (s["backend"], s["profile"]) == key]
        xs = [settings.index(s["layers"]) + (i - (len(series) - 1) / 2) * width for s in mine]
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        name = " / ".join(k for k, vary in zip(key, _varies(summaries), strict=True) if vary)
        ax.errorbar(xs, [s["success_rate"] for s in mine], yerr(mine, "success_rate"), fmt="o",
                    ms=4, capsize=2, color=colour,
                    label=f"{name or 'measured'}, 95% interval")  # fmt: skip
        ax.hlines([s["predicted_e2e"] for s in mine], [x - width / 2 for x in xs],
                  [x + width / 2 for x in xs], colors=colour, linestyles="--", lw=1.2,
                  label=PREDICTED if i == 0 else None)  # fmt: skip
    lows = [min(s["ci95"][0], s["predicted_e2e"]) for s in summaries]
    ax.set_ylim(_floor(lows), 1.0)
    ax.set_ylabel("end-to-end success")
    ax.set_title(f"End-to-end success by layer setting — {_shared(summaries)}", fontsize=10)
    _settings_axis(ax, settings)
    ax.grid(axis="y", alpha=0.3)
    _legend_below(ax)
    return ax


def _varies(summaries: Sequence[dict]) -> tuple[bool, bool]:
    """Whether backend, profile vary (a series is named by what varies)."""
    return varying(summaries, "backend"), varying(summaries, "profile")


def predicted_vs_measured(summaries: Sequence[dict], ax=None):
    """Π(per-step accuracy) against measured end-to-end success, one point per configuration.

    Points are coloured by how many layers are on and every one is labelled (settings that land
    on the same spot share a label, ``V = P+V``). On the dashed diagonal the steps compound as
    independent steps would; above it the layers recover more than that; below it, errors
    compound worse (correlated faults). Both axes are zoomed to the points.

    Returns:
        The Axes.
    """
    ax = new_axes(ax, (5.6, 4.6))
    xs = [s["predicted_e2e"] for s in summaries]
    ys = [s["success_rate"] for s in summaries]
    lo = _floor(ys)
    left, right = min(xs) - 0.01, max(xs) + 0.01
    ax.plot([left, right], [left, right], ls="--", color="black", lw=1,
            label="measured = predicted")  # fmt: skip
    for count in sorted({layers_on(s["layers"]) for s in summaries}):
        mine = [s for s in summaries if layers_on(s["layers"]) == count]
        ax.scatter([s["predicted_e2e"] for s in mine], [s["success_rate"] for s in mine], s=18,
                   color=SERIES_COLOURS[count % len(SERIES_COLOURS)],
                   label=f"{count} layer{'s' * (count != 1)} on")  # fmt: skip
    _label_spots(ax, summaries, right - left)
    ax.set_xlim(left, right + 0.25 * (right - left))  # room for the labels on the right
    ax.set_ylim(lo, 1.0 + 0.005)
    ax.set_xlabel("predicted: product of measured step accuracies")
    ax.set_ylabel("measured end-to-end success")
    ax.set_title(f"Predicted vs measured\n{_shared(summaries)}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax


def _label_spots(ax, summaries: Sequence[dict], width: float) -> None:
    """One label per spot; settings closer than a label's height share it."""
    spots: list[tuple[float, float, list[str]]] = []
    for s in sorted(summaries, key=lambda s: -s["success_rate"]):
        x, y = s["predicted_e2e"], s["success_rate"]
        near = next((p for p in spots if abs(p[1] - y) < 0.004 and abs(p[0] - x) < width / 4), None)
        if near:
            near[2].append(short_label(s["layers"]))
        else:
            spots.append((x, y, [short_label(s["layers"])]))
    for x, y, names in spots:
        ax.annotate(" = ".join(names), (x, y), xytext=(5, 0), textcoords="offset points",
                    fontsize=6.5, va="center")  # fmt: skip


def framework_comparison(summaries: Sequence[dict], ax=None):
    """Success per backend with Wilson 95% intervals, grouped by layer setting.

    Returns:
        The Axes.
    """
    ax = new_axes(ax, (10, 4.2))
    backends = list(dict.fromkeys(s["backend"] for s in summaries))
    settings = sorted({s["layers"] for s in summaries}, key=label_order)
    width = 0.8 / len(backends)
    for i, backend in enumerate(backends):
        mine = [s for s in summaries if s["backend"] == backend]
        xs = [settings.index(s["layers"]) + (i - (len(backends) - 1) / 2) * width for s in mine]
        ax.bar(xs, [s["success_rate"] for s in mine], width, yerr=yerr(mine, "success_rate"),
               color=SERIES_COLOURS[i % len(SERIES_COLOURS)], capsize=1.5, label=backend,
               error_kw={"lw": 0.8})  # fmt: skip
    ax.set_ylim(_floor([s["ci95"][0] for s in summaries]), 1.0)
    ax.set_ylabel("end-to-end success")
    ax.set_title(f"Frameworks side by side — {_shared(summaries)}", fontsize=10)
    _settings_axis(ax, settings)
    ax.grid(axis="y", alpha=0.3)
    _legend_below(ax, title="backend")
    return ax
