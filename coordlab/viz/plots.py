"""matplotlib plots (matplotlib comes with the ``notebooks`` extra)."""

from __future__ import annotations

from collections.abc import Sequence

from coordlab.config import label_order

OUTCOME_COLOURS = {
    "success": "#2a9d8f",
    "escalated": "#e9c46a",
    "silent_failure": "#e76f51",
    "crashed": "#6c757d",
}


def outcome_bars(summaries: Sequence[dict], ax=None, predicted: float | None = None):
    """Stacked bars of outcome shares per configuration, with an optional predicted line.

    Args:
        summaries: run summaries (``coordlab.run`` results).
        ax: a matplotlib Axes to draw on (a new figure if ``None``).
        predicted: draw a dashed line at this success rate (e.g. 0.97**6).

    Returns:
        The Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    labels = [s["layers"] for s in summaries]
    bottom = [0.0] * len(summaries)
    keys = {
        "success": "success_rate",
        "escalated": "escalation_rate",
        "silent_failure": "silent_failure_rate",
        "crashed": "crash_rate",
    }
    for outcome, key in keys.items():
        values = [s[key] for s in summaries]
        ax.bar(labels, values, bottom=bottom, color=OUTCOME_COLOURS[outcome], label=outcome)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if predicted is not None:
        ax.axhline(predicted, ls="--", color="black", lw=1, label=f"0.97^6 = {predicted:.3f}")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of trials")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return ax


def _axes(ax, size=(8, 3.6)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def reliability_by_layers(summaries: Sequence[dict], ax=None):
    """Success rate per layer setting with its Wilson 95% interval, a series per backend/profile.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    settings = sorted({s["layers"] for s in summaries}, key=label_order)
    series = list(dict.fromkeys((s["backend"], s["profile"]) for s in summaries))
    width = 0.8 / max(len(series), 1)
    for i, key in enumerate(series):
        mine = {s["layers"]: s for s in summaries if (s["backend"], s["profile"]) == key}
        xs = [settings.index(label) + (i - (len(series) - 1) / 2) * width for label in mine]
        rates = [s["success_rate"] for s in mine.values()]
        low = [s["success_rate"] - s["ci95"][0] for s in mine.values()]
        high = [s["ci95"][1] - s["success_rate"] for s in mine.values()]
        ax.errorbar(xs, rates, yerr=[low, high], fmt="o", ms=4, capsize=2, label=" / ".join(key))
    ax.set_xticks(range(len(settings)), settings, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("end-to-end success")
    ax.legend(fontsize=7)
    return ax


def cost_frontier(table, ax=None):
    """$ per trial against success for every configuration, the frontier joined by a line.

    Args:
        table: a :func:`coordlab.experiment.cost.cost_table` (index: the configuration).
        ax: a matplotlib Axes (a new figure if ``None``).

    Returns:
        The Axes.
    """
    from coordlab.experiment.cost import frontier

    ax = _axes(ax, (6, 3.6))
    ax.scatter(table["usd_per_trial"], table["success_rate"], s=14, color="#6c757d")
    best = frontier(table)
    ax.plot(best["usd_per_trial"], best["success_rate"], "-o", ms=4, color="#2a9d8f")
    for label, row in best.iterrows():
        name = label if isinstance(label, str) else " / ".join(map(str, label))
        ax.annotate(name, (row["usd_per_trial"], row["success_rate"]), fontsize=6)
    ax.set_xlabel("$ per trial")
    ax.set_ylabel("end-to-end success")
    return ax


def predicted_vs_measured(summaries: Sequence[dict], ax=None):
    """Π(per-step accuracy) against measured end-to-end success, one point per configuration.

    Returns:
        The Axes.
    """
    ax = _axes(ax, (4.5, 4))
    xs = [s["predicted_e2e"] for s in summaries]
    ys = [s["success_rate"] for s in summaries]
    ax.scatter(xs, ys, s=14, color="#264653")
    lo = min(xs + ys + [0.8]) - 0.02
    ax.plot([lo, 1], [lo, 1], ls="--", color="black", lw=1)
    ax.set_xlabel("predicted: product of step accuracies")
    ax.set_ylabel("measured end to end")
    return ax


def framework_comparison(summaries: Sequence[dict], ax=None):
    """Success per backend, grouped by layer setting.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    backends = list(dict.fromkeys(s["backend"] for s in summaries))
    settings = sorted({s["layers"] for s in summaries}, key=label_order)
    width = 0.8 / len(backends)
    for i, backend in enumerate(backends):
        mine = {s["layers"]: s["success_rate"] for s in summaries if s["backend"] == backend}
        xs = [settings.index(label) + i * width for label in mine]
        ax.bar(xs, list(mine.values()), width=width, label=backend)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(settings))], settings, rotation=60,
                  ha="right", fontsize=7)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("end-to-end success")
    ax.legend(fontsize=7)
    return ax
