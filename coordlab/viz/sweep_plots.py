"""Plots of a sweep: success by layer setting, the cost frontier, predicted vs measured, frameworks.

Each function takes the summaries (or a cost table) and draws on one Axes; the report puts a
caption under each saying how to read it. Layer settings are short labels (``S+P+R``); the x
label carries their key. Axes are zoomed to where the points are.

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
from coordlab.viz.labels import LAYER_KEY, describe, layers_on, names, short_label, varying, yerr
from coordlab.viz.labels import zoom_floor as _floor

PREDICTED = "predicted: Π step accuracy"
SERIES_COLOURS = ("#264653", "#e76f51", "#2a9d8f", "#8d6cab", "#e9c46a", "#6c757d")


def new_axes(ax, size=(8, 3.6)):
    """``ax``, or the Axes of a new constrained-layout figure of ``size`` inches."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def percent(decimals: int = 1):
    """A tick formatter that writes shares as percentages."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=decimals)


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
    ax.set_title(f"End-to-end success by layer setting — {describe(summaries)}", fontsize=10)
    _settings_axis(ax, settings)
    ax.grid(axis="y", alpha=0.3)
    _legend_below(ax)
    return ax


def _varies(summaries: Sequence[dict]) -> tuple[bool, bool]:
    """Whether backend, profile vary (a series is named by what varies)."""
    return varying(summaries, "backend"), varying(summaries, "profile")


def frontier_names(table) -> list[str]:
    """A short name per row of a cost table (layers, plus backend/profile where they vary)."""
    config = ("backend", "layers", "profile")
    return names([dict(zip(config, label, strict=True)) for label in table.index])


def cost_frontier(table, ax=None):
    """$ per trial against success for every configuration; the frontier numbered and joined.

    Grey points are configurations that another beats on both cost and success; the frontier
    (cheapest first) is joined and numbered 1, 2, ... with labels alternating above and below
    so they never overlap; the key at the right names each number. With several fault
    profiles there is one frontier per profile (a profile is the world, not a choice).

    Args:
        table: a :func:`coordlab.experiment.cost.cost_table` indexed by
            (backend, layers, profile).
        ax: a matplotlib Axes (a new figure if ``None``).

    Returns:
        The Axes.
    """
    from coordlab.experiment.cost import frontier

    ax = new_axes(ax, (8.5, 4))
    ax.scatter(table["usd_per_trial"], table["success_rate"], s=14, color="#adb5bd",
               label="dominated configuration")  # fmt: skip
    names = dict(zip(table.index, frontier_names(table), strict=True))
    profiles = list(dict.fromkeys(label[2] for label in table.index))
    key: list[str] = []
    for i, profile in enumerate(profiles):
        best = frontier(table[[label[2] == profile for label in table.index]])
        tag = f": {profile}" if len(profiles) > 1 else " (nothing cheaper does better)"
        colour = SERIES_COLOURS[(i + 2) % len(SERIES_COLOURS)]
        ax.plot(best["usd_per_trial"], best["success_rate"], "-o", ms=5, color=colour,
                label=f"frontier{tag}")  # fmt: skip
        _number(ax, best, names, key)
    ax.text(1.02, 1.0, "frontier\n" + "\n".join(key), transform=ax.transAxes, va="top",
            fontsize=7, family="monospace")  # fmt: skip
    ax.set_ylim(_floor(list(table["success_rate"])), 1.0 + 0.01)
    ax.set_xlabel("$ per trial")
    ax.xaxis.set_major_formatter("${x:.4f}")
    ax.set_ylabel("end-to-end success")
    per = " (one frontier per profile)" if len(profiles) > 1 else ""
    ax.set_title(f"Cost vs success — {len(table)} configurations, {len(key)} on the "
                 f"frontier{per}", fontsize=10)  # fmt: skip
    ax.legend(fontsize=7, loc="lower right")
    return ax


def _number(ax, best, names: dict, key: list[str]) -> None:
    """Number the frontier points on from ``len(key)``, alternately above and below."""
    for label, cost, rate in zip(best.index, best["usd_per_trial"], best["success_rate"],
                                 strict=True):  # fmt: skip
        n = len(key) + 1
        ax.annotate(str(n), (cost, rate), xytext=(0, 7 if n % 2 else -12), ha="center",
                    textcoords="offset points", fontsize=8, weight="bold")  # fmt: skip
        key.append(f"{n}  {names[label]}  ${cost:.5f}  {rate:.3f}")


def predicted_vs_measured(summaries: Sequence[dict], ax=None):
    """Π(per-step accuracy) against measured end-to-end success, one point per configuration.

    Points are coloured by how many layers are on; ``none`` and ``S+P+V+R`` are labelled. On
    the dashed diagonal the steps compound as independent steps would; above it the layers
    recover more than that; below it, errors compound worse (correlated faults).

    Returns:
        The Axes.
    """
    ax = new_axes(ax, (5.6, 4.6))
    xs = [s["predicted_e2e"] for s in summaries]
    ys = [s["success_rate"] for s in summaries]
    lo = _floor(xs + ys)
    ax.plot([lo, 1], [lo, 1], ls="--", color="black", lw=1, label="measured = predicted")
    for count in sorted({layers_on(s["layers"]) for s in summaries}):
        mine = [s for s in summaries if layers_on(s["layers"]) == count]
        ax.scatter([s["predicted_e2e"] for s in mine], [s["success_rate"] for s in mine], s=18,
                   color=SERIES_COLOURS[count % len(SERIES_COLOURS)],
                   label=f"{count} layer{'s' * (count != 1)} on")  # fmt: skip
    for s in summaries:
        if s["layers"] in ("none", "all"):
            ax.annotate(short_label(s["layers"]), (s["predicted_e2e"], s["success_rate"]),
                        xytext=(-6, 0), textcoords="offset points", fontsize=7, ha="right",
                        va="center")  # fmt: skip
    ax.set_xlim(lo, 1.0)
    ax.set_ylim(lo, 1.0 + 0.005)
    ax.set_xlabel("predicted: product of measured step accuracies")
    ax.set_ylabel("measured end-to-end success")
    ax.set_title(f"Predicted vs measured\n{describe(summaries)}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax


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
    ax.set_title(f"Frameworks side by side — {describe(summaries)}", fontsize=10)
    _settings_axis(ax, settings)
    ax.grid(axis="y", alpha=0.3)
    _legend_below(ax, title="backend")
    return ax
