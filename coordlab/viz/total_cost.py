r"""Total cost per ticket: what the model, the humans and the failures cost, stacked per setting.

:func:`total_cost_bars` stacks a :func:`coordlab.cost_table`'s model, human and failure
dollars per trial (one trial is one ticket) for every configuration, from no layer to all four,
with the total written above each bar. Model dollars are a sliver next to a human's $7, so a
second panel below shows them at their own scale. The legend names the prices the table was
made with (:func:`coordlab.cost_table` records them), and :func:`prices_caption` says them in
words for a caption.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none;all", "uniform-90", tickets=20, executor="serial")
    >>> ax = total_cost_bars(coordlab.cost_table(frame))
    >>> [t.get_text() for t in ax.texts]
    ['$6.35', '$3.36']
    >>> ax.get_legend().get_texts()[1].get_text().replace("\\", "")
    'humans: $7.00 per escalation or crash, $1.00 per approval'
"""

from __future__ import annotations

import pandas as pd

from coordlab.config import label_order
from coordlab.experiment.prices import PRICES, Prices
from coordlab.viz.figures import SERIES_COLOURS
from coordlab.viz.labels import LAYER_KEY, names, shared

MODEL, HUMAN, FAILURE = SERIES_COLOURS[0], "#e9c46a", "#e76f51"
"""The model in the series colour, humans and failures in their outcomes' colours."""


def ordered(table: pd.DataFrame) -> pd.DataFrame:
    """A cost table as rows, by backend, then from no layer to all four, then profile."""
    rows = table.reset_index()
    keys = [k for k in ("backend", "layers", "profile") if k in rows]
    key = lambda row: tuple(label_order(row[k]) if k == "layers" else row[k] for k in keys)  # noqa: E731
    return rows.loc[sorted(rows.index, key=lambda i: key(rows.loc[i]))].reset_index(drop=True)


def parts(prices: Prices) -> list[tuple[str, str, str]]:
    """(cost table column, legend text, colour) of each stacked part, bottom first."""
    failures = f"failures: money refunded wrongly + ${prices.goodwill_usd:.2f} goodwill each"
    return [
        ("usd_per_trial", "model calls", MODEL),
        ("human_usd_per_trial", _humans(prices), HUMAN),
        ("failure_usd_per_trial", failures, FAILURE),
    ]


def _humans(prices: Prices) -> str:
    """What the humans' part of the stack pays for, at which prices."""
    if prices.escalation_usd == prices.crash_usd:
        handled = f"${prices.escalation_usd:.2f} per escalation or crash"
    else:
        handled = f"${prices.escalation_usd:.2f} per escalation, ${prices.crash_usd:.2f} per crash"
    return f"humans: {handled}, ${prices.approval_usd:.2f} per approval"


def _panels(ax, bars: int):
    """The stacked panel and the model panel below it (a pair given, or a new figure)."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return tuple(ax)[:2]
    size = (max(7.0, 0.65 * bars + 1.0), 5.4)  # room for every short label side by side
    _, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=size, height_ratios=(3, 1),
                                    layout="constrained")  # fmt: skip
    return top, bottom


def total_cost_bars(table: pd.DataFrame, ax=None, prices: Prices | None = None):
    """Model, human and failure $ per ticket stacked for each configuration of a cost table.

    Args:
        table: a :func:`coordlab.cost_table` (any grouping that includes ``layers``).
        ax: ``None`` (a new figure) or two Axes: the stack, and the model's dollars below.
        prices: the prices to name in the legend (default: those the table was made with).

    Returns:
        The top Axes; the model panel is ``ax.figure.axes[1]``.
    """
    rows, prices = ordered(table), prices or table.attrs.get("prices", PRICES)
    top, bottom = _panels(ax, len(rows))
    xs, base = list(range(len(rows))), pd.Series(0.0, index=rows.index)
    for column, text, colour in parts(prices):
        top.bar(xs, rows[column], 0.6, bottom=base, color=colour, label=text.replace("$", r"\$"))
        base = base + rows[column]
    for x, total in zip(xs, base, strict=True):
        top.annotate(f"${total:.2f}", (x, total), xytext=(0, 2), textcoords="offset points",
                     ha="center", va="bottom", fontsize=7)  # fmt: skip
    top.set_ylim(0, base.max() * 1.5 or 1.0)  # the top third is left for the legend
    top.yaxis.set_major_formatter("${x:.2f}")
    top.set_ylabel("$ per ticket".replace("$", r"\$"))
    top.legend(fontsize=8, loc="upper right")
    top.set_title(f"Total cost per ticket: {shared(rows, per='bar', listing=True)}", fontsize=10)
    _model_panel(bottom, rows, xs)
    return top


def _model_panel(ax, rows: pd.DataFrame, xs: list[int]) -> None:
    """The model's $ per ticket at its own scale, and the settings' short names."""
    ax.bar(xs, rows["usd_per_trial"], 0.6, color=MODEL)
    ax.set_ylim(0, rows["usd_per_trial"].max() * 1.2 or 1e-6)
    ax.yaxis.set_major_formatter("${x:.4f}")
    ax.set_ylabel("model only", fontsize=8)
    ax.set_xticks(xs, names(rows.to_dict("records")), fontsize=8)
    ax.set_xlabel(LAYER_KEY, fontsize=7, color="#555")


def prices_caption(prices: Prices | None = None) -> str:
    """The human and failure prices in one sentence (for a caption)."""
    prices = prices or PRICES
    return (
        f"a human handles an escalation for ${prices.escalation_usd:.2f} and a crashed "
        f"ticket for ${prices.crash_usd:.2f}, an approval costs ${prices.approval_usd:.2f}, "
        f"and a silent failure costs the money it refunded wrongly plus "
        f"${prices.goodwill_usd:.2f} of goodwill"
    )
