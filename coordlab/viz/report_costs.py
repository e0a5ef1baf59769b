"""The report's total-cost section: every price with its source, dollars per ticket, a plot.

One trial is one ticket. The section prints the price table
(:func:`coordlab.price_table`: model tiers, a human's escalation, crash and approval, goodwill
per silent failure, each with its source), then one row per configuration: success, silent
failure, model, human, failure and total $ per ticket, total $ per success, and the goodwill
price at which the setting pays for itself against ``none`` (the same backend and profile with
every layer off; :func:`coordlab.break_even_failure_cost`), then the stacked bars of
:func:`coordlab.viz.total_cost.total_cost_bars` with a caption.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none;all", "uniform-90", tickets=20, executor="serial")
    >>> html = "".join(section(frame))
    >>> html.count("<table>"), html.count("data:image/png;base64,")
    (2, 1)
    >>> break_even_cell(coordlab.cost_table(frame), ("plain", "all", "uniform-90"))
    '$0.00'
"""

from __future__ import annotations

import html

import pandas as pd

from coordlab.experiment.cost import break_even_failure_cost, cost_table
from coordlab.experiment.prices import price_table
from coordlab.viz import labels as fmt
from coordlab.viz.figures import figure_png
from coordlab.viz.report_parts import table as html_table
from coordlab.viz.total_cost import ordered, prices_caption, total_cost_bars

HEADING = "<h2>Total cost per ticket: models, humans and failures</h2>"

INTRO = (
    "What a ticket costs in all: the model's calls, the humans it needs (a delivered "
    "escalation, expected or not, and a crashed ticket are each handled by a human; an approval "
    "takes a few minutes of one), and what a failure costs (money refunded wrongly: a refund "
    "not due in full, an over-refund's excess, every duplicated refund again; plus goodwill "
    "per silent failure). Everything is computed from the trials' own columns at the prices "
    "below; change a price with coordlab.Prices(...) and coordlab.cost_table(frame, "
    "prices=...), model prices with coordlab.TIERS and coordlab.reprice, and nothing re-runs."
)

BREAK_EVEN = (
    "break-even goodwill: the goodwill price per silent failure above which the setting costs "
    "less in total than none (same backend and profile); $0.00: it costs less even with "
    "goodwill free; 'prevents none': it has no fewer silent failures, so no goodwill price "
    "makes up for what it adds; — for none itself."
)

CAPTION = (
    "Each bar is one configuration's mean dollars per ticket, stacked: the model's calls "
    "(bottom), humans, and failures, with the total above; the panel below shows the model's "
    "dollars alone at their own scale, since they are a sliver of the total. Prices: {prices}. "
    "How to read it: a layer pays for itself where its bar is lower than none's; a shorter "
    "red part means fewer or cheaper silent failures, a taller yellow part more work for "
    "humans (escalations the layers chose, or crashes they did not catch)."
)


def break_even_cell(table: pd.DataFrame, label: tuple) -> str:
    """The break-even goodwill of one configuration against ``none``, as a table cell."""
    backend, layers, profile = label
    base = (backend, "none", profile)
    if layers == "none" or base not in table.index:
        return "—"
    price = break_even_failure_cost(table, base, label)
    return "prevents none" if price is None else f"${price:.2f}"


def prices_html() -> str:
    """The default prices, each with what it pays for and its source."""
    rows = [[html.escape(r["price"]), f"${r['usd']:.2f}", html.escape(r["per"]),
             html.escape(r["what"]), html.escape(r["source"])]
            for r in price_table().to_dict("records")]  # fmt: skip
    header = ["price", "$", "per", "pays for", "source"]
    return html_table(header, rows, ["text", "", "text", "say", "say"])


PARTS = ("usd_per_trial", "human_usd_per_trial", "failure_usd_per_trial")
"""The cost table's model, human and failure $ per trial, in the table's order."""


def totals_html(table: pd.DataFrame) -> list[str]:
    """One row per configuration: rates, $ per ticket by part, total, break-even goodwill."""
    rows = ordered(table)
    keep = [k for k in ("backend", "profile") if fmt.varying(rows, k)]
    said = fmt.shared(rows, ["backend", "profile", "trials"], per="row")
    header = [*keep, "layers", "success", "silent failure", "model $", "human $", "failure $",
              "total $", "total $/success", "break-even goodwill"]  # fmt: skip
    body = [_row(table, r, keep) for r in rows.to_dict("records")]
    classes = ["text"] * (len(keep) + 1) + [""] * (len(header) - len(keep) - 1)
    note = f"<p class='note'>$ per ticket (one trial). {html.escape(BREAK_EVEN)}</p>"
    return [f"<p class='consts'>Every row: {html.escape(said)}.</p>",
            html_table(header, body, classes), note]  # fmt: skip


def _row(table: pd.DataFrame, r: dict, keep: list[str]) -> list[str]:
    """The cells of one configuration."""
    label = (r["backend"], r["layers"], r["profile"])
    cells = [*(html.escape(str(r[k])) for k in keep), fmt.short_label(r["layers"])]
    cells += [fmt.rate(r["success_rate"]), fmt.rate(r["silent_failure_rate"])]
    cells += [fmt.usd(r[column]) for column in PARTS]
    cells += [f"<b>{fmt.usd(r['total_usd_per_trial'])}</b>", fmt.usd(r["total_usd_per_success"])]
    return [*cells, break_even_cell(table, label)]


def section(frame: pd.DataFrame) -> list[str]:
    """The section's HTML parts, at the default prices (the plot drawn here)."""
    table = cost_table(frame)
    image = figure_png(total_cost_bars(table).figure, tight=True)
    caption = CAPTION.format(prices=prices_caption(table.attrs["prices"]))
    figure = (
        f"<figure><img alt='Total cost per ticket' src='data:image/png;base64,{image}'>"
        f"<figcaption><b>Total cost per ticket.</b> {html.escape(caption)}</figcaption></figure>"
    )
    return [HEADING, f"<p>{html.escape(INTRO)}</p>", prices_html(), *totals_html(table), figure]
