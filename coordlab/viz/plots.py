"""matplotlib plots (matplotlib comes with the ``notebooks`` extra).

Every title, axis range, prediction and label is computed from the summaries it is given
(DESIGN §7): nothing names a profile or a number that the run did not produce. Layer settings
are written short (``S+P+R``, see :mod:`coordlab.viz.labels`); rates carry Wilson 95% intervals;
success axes are zoomed to where the points are, and failure rates get a panel of their own.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import coordlab
    >>> runs = [coordlab.run(layers=x, profile="seed-002", tickets=8) for x in ("none", "all")]
    >>> ax = outcome_bars(runs)
    >>> ax.get_title()
    'plain · profile seed-002 · 8 trials per bar'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # doctest: +NORMALIZE_WHITESPACE
    ['crashed', 'silent failure', 'escalated to a human', 'success',
     'predicted: Π step accuracy', 'success, Wilson 95% interval']
"""

from __future__ import annotations

from collections.abc import Sequence

from coordlab.viz.figures import percent
from coordlab.viz.labels import LAYER_KEY, names, shared, yerr, zoom_floor
from coordlab.viz.sweep_plots import PREDICTED as PREDICTED_LABEL
from coordlab.viz.sweep_plots import (
    framework_comparison,
    predicted_vs_measured,
    reliability_by_layers,
)

__all__ = [
    "outcome_bars",
    "reliability_by_layers",
    "predicted_vs_measured",
    "framework_comparison",
]

OUTCOMES = (
    ("success", "success_rate", "success", "#2a9d8f"),
    ("escalated", "escalation_rate", "escalated to a human", "#e9c46a"),
    ("silent_failure", "silent_failure_rate", "silent failure", "#e76f51"),
    ("crashed", "crash_rate", "crashed", "#6c757d"),
)
"""(outcome, summary key, legend text, colour), bottom of the stack first."""

OUTCOME_COLOURS = {outcome: colour for outcome, _, _, colour in OUTCOMES}


def _panels(ax):
    """The success panel and the failure-rate panel below it (sharing the x axis)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, (top, bottom) = plt.subplots(
            2, 1, sharex=True, figsize=(7.5, 5.2), height_ratios=(3, 2), layout="constrained"
        )
        return top, bottom
    if isinstance(ax, Sequence) or hasattr(ax, "shape"):
        return tuple(ax)[:2]
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    return ax, make_axes_locatable(ax).append_axes("bottom", "70%", pad=0.35, sharex=ax)


def outcome_bars(summaries: Sequence[dict], ax=None, predicted=None):
    """Outcome shares per configuration: a zoomed stacked bar each, failure rates below.

    The top panel stacks success, escalated, silent failure and crashed (the legend reads top
    to bottom like the stack); its y axis starts just under the lowest success, prediction or
    interval. Success carries its Wilson 95% interval, and a dashed mark on each bar shows that
    bar's prediction, the product of its measured step accuracies (``predicted_e2e``). The
    bottom panel shows the three failure rates at their own scale, with intervals, so a 0.3%
    silent-failure rate is visible. The title says what the bars share (backend, profile,
    trials per bar).

    Args:
        summaries: run summaries (``coordlab.run`` results), one bar each.
        ax: ``None`` (a new figure), one Axes (split in two) or two Axes (top, bottom).
        predicted: ``None`` for each bar's own prediction; ``(value, label)`` (or a bare
            value) for one line across all bars instead; ``False`` for no prediction.

    Returns:
        The top Axes (the failure panel is ``ax.figure.axes`` after it); ``ax.set_xticks``
        and ``ax.set_title`` on it relabel the figure.

    Example:
        >>> import coordlab
        >>> run = coordlab.run(layers="none", profile="uniform-97", tickets=6)
        >>> ax = outcome_bars([run], predicted=(0.97**6, "0.97^6"))
        >>> "0.97^6" in [t.get_text() for t in ax.get_legend().get_texts()]
        True
    """
    top, bottom = _panels(ax)
    xs = list(range(len(summaries)))
    floor = _stack(top, summaries, xs)
    floor = min(floor, _prediction(top, summaries, xs, predicted))
    top.set_ylim(zoom_floor([floor]), 1.0)
    top.set_ylabel(f"share of trials\n(axis from {zoom_floor([floor]):.2f})")
    top.set_title(shared(summaries, per="bar", listing=True))
    handles = dict(zip(*reversed(top.get_legend_handles_labels()), strict=True))
    order = [text for _, _, text, _ in reversed(OUTCOMES)]  # the stack, top down
    order += [text for text in handles if text not in order]  # then the marks
    top.legend([handles[t] for t in order], order, fontsize=8, loc="upper left",
               bbox_to_anchor=(1.01, 1.0))  # fmt: skip
    _failure_panel(bottom, summaries, xs)
    bottom.set_xticks(xs, names(summaries))
    bottom.set_xlabel(LAYER_KEY, fontsize=7, color="#555")
    top.tick_params(labelbottom=False)
    return top


def _stack(ax, summaries: Sequence[dict], xs: list[int]) -> float:
    """Stacked outcome bars with success's interval; returns the lowest value drawn."""
    bottom = [0.0] * len(summaries)
    for _, key, text, colour in OUTCOMES:
        values = [s[key] for s in summaries]
        ax.bar(xs, values, 0.6, bottom=bottom, color=colour, label=text)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    rates = [s["success_rate"] for s in summaries]
    ax.errorbar(xs, rates, yerr(summaries, "success_rate"), fmt="none", ecolor="black",
                capsize=4, lw=1, label="success, Wilson 95% interval")  # fmt: skip
    if len(summaries) <= 6:
        for x, value in zip(xs, rates, strict=True):
            ax.annotate(f"{value:.3f}", (x - 0.3, value), xytext=(2, -3), va="top", fontsize=8,
                        textcoords="offset points", color="white", weight="bold")  # fmt: skip
    return min(s["ci95"][0] for s in summaries)


LABELLED_BARS = 3
"""Up to this many bars, each prediction mark and failure bar carries its value."""


def _prediction(ax, summaries: Sequence[dict], xs: list[int], predicted) -> float:
    """Each bar's predicted_e2e as a dashed mark, or one given line; returns its lowest value."""
    if predicted is False:
        return 1.0
    if predicted is not None:
        value, text = predicted if isinstance(predicted, tuple) else (predicted, None)
        ax.axhline(value, ls="--", color="black", lw=1, label=text or f"prediction {value:.3f}")
        return value
    values = [s["predicted_e2e"] for s in summaries]
    lefts, rights = [x - 0.3 for x in xs], [x + 0.3 for x in xs]
    ax.hlines(values, lefts, rights, colors="black", linestyles="--", lw=1.5, label=PREDICTED_LABEL)
    if len(summaries) <= LABELLED_BARS:  # beyond that the numbers run into the next bar
        for x, value in zip(rights, values, strict=True):
            ax.annotate(f"{value:.3f}", (x, value), xytext=(2, 0), textcoords="offset points",
                        va="center", fontsize=7)  # fmt: skip
    return min(values)


def _failure_panel(ax, summaries: Sequence[dict], xs: list[int]) -> None:
    """The three failure rates side by side per configuration, with Wilson intervals."""
    width = 0.2
    highest = 0.0
    for i, (_, key, text, colour) in enumerate(OUTCOMES[1:]):
        at = [x + (i - 1) * width for x in xs]
        rates = [s[key] for s in summaries]
        errors = yerr(summaries, key)
        ax.bar(at, rates, width, yerr=errors, color=colour, capsize=2, label=text,
               error_kw={"lw": 0.8})  # fmt: skip
        tops = [r + e for r, e in zip(rates, errors[1], strict=True)]
        highest = max([highest, *tops])
        if len(summaries) <= LABELLED_BARS:
            for x, value, y in zip(at, rates, tops, strict=True):
                ax.annotate(f"{value:.1%}", (x, y), xytext=(0, 1), ha="center", fontsize=7,
                            textcoords="offset points")  # fmt: skip
    ax.set_ylim(0, max(highest * 1.25, 0.01))
    ax.set_ylabel("failure rate\n(own scale)")
    ax.yaxis.set_major_formatter(percent())
