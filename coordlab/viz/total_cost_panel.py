"""A panel of the human and failure prices over the total-cost bars: editing a price re-prices.

:func:`total_cost_panel` shows one text box per :class:`~coordlab.experiment.prices.Prices`
field above :func:`~coordlab.viz.total_cost.total_cost_bars`; changing a box re-prices the
stored trials (nothing re-runs) and redraws the bars, with the cheapest setting in total and
the break-even silent-failure price of every layer setting against ``none`` below.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none;all", "uniform-90", tickets=20, executor="serial")
    >>> panel = total_cost_panel(frame)
    >>> panel.prices["goodwill_usd"].value = 250.0
    >>> repr(panel)
    '<TotalCostPanel escalation $7.00, crash $7.00, approval $1.00, goodwill $250.00>'
"""

from __future__ import annotations

import html
from dataclasses import fields

import pandas as pd

from coordlab.experiment.cost import break_even_failure_cost, cost_table
from coordlab.experiment.prices import PRICES, Prices
from coordlab.viz.choices import panel, require_ipywidgets
from coordlab.viz.labels import short_label
from coordlab.viz.total_cost import total_cost_bars


def total_cost_panel(frame: pd.DataFrame, prices: Prices | None = None):
    """Text boxes for each human and failure price over the total-cost bars of ``frame``.

    Args:
        frame: the trials (e.g. the 16 layer settings of one backend and profile).
        prices: the starting prices (default :data:`coordlab.experiment.prices.PRICES`).

    Returns:
        A :func:`coordlab.viz.choices.panel` with ``prices`` (field -> text box), ``priced()``
        (the prices the boxes show), ``table()``, ``plot``, ``numbers`` and ``redraw()``;
        display it as the last line of a cell.
    """
    widgets, start = require_ipywidgets(), prices or PRICES
    boxes = {spec.name: _box(widgets, spec, getattr(start, spec.name)) for spec in fields(Prices)}

    def priced() -> Prices:
        """The prices the text boxes show."""
        return Prices(**{name: box.value for name, box in boxes.items()})

    def table() -> pd.DataFrame:
        """The cost table under the current prices, one row per layer setting."""
        return cost_table(frame, by=["layers"], prices=priced())

    def draw(**_values):
        shown = table()
        ax = total_cost_bars(shown, prices=priced())
        return ax.figure, _numbers_html(shown)

    text = lambda _: f"<TotalCostPanel {_prices_text(priced())}>"  # noqa: E731
    shown = panel("TotalCostPanel", boxes, draw, numbers="below", text=text,
                  header=widgets.HBox(list(boxes.values())), css="coordlab-cost-panel")  # fmt: skip
    shown.prices, shown.priced, shown.table = boxes, priced, table
    return shown


def _box(widgets, spec, value: float):
    """A text box for one price, labelled with what it is paid per."""
    return widgets.BoundedFloatText(
        value=value, min=0.0, max=1e6, step=0.5, description=f"$ per {spec.metadata['per']}",
        style={"description_width": "initial"}, layout={"width": "220px"})  # fmt: skip


def _prices_text(prices: Prices) -> str:
    return ", ".join(
        f"{spec.name.removesuffix('_usd')} ${getattr(prices, spec.name):.2f}"
        for spec in fields(Prices)
    )


def _numbers_html(table: pd.DataFrame) -> str:
    """The three cheapest settings in total, then when each pays for itself against ``none``."""
    ranked = table["total_usd_per_trial"].sort_values()
    lines = [", ".join(f"{short_label(label)} ${usd:.2f}" for label, usd in ranked[:3].items())]
    lines[0] = f"cheapest in total, per ticket: {lines[0]}"
    if "none" in table.index:
        prices = {label: break_even_failure_cost(table, "none", label)
                  for label in table.index.drop("none")}  # fmt: skip
        always = [short_label(k) for k, usd in prices.items() if usd == 0]
        never = [short_label(k) for k, usd in prices.items() if usd is None]
        above = sorted((usd, short_label(k)) for k, usd in prices.items() if usd)
        lines.append(f"against none, pays at any price: {', '.join(always) or 'none'}")
        lines += [f"pays once a silent failure costs over ${usd:,.2f}: {k}" for usd, k in above]
        lines.append(f"never pays (or only below a price): {', '.join(never) or 'none'}")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<ul class='mathjax_ignore'>{items}</ul>"  # "$" pairs are not formulas
