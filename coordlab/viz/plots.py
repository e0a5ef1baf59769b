"""matplotlib plots (matplotlib comes with the ``notebooks`` extra)."""

from __future__ import annotations

from collections.abc import Sequence

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
