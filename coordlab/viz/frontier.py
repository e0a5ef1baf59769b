"""Notebook 06: cost against reliability for every layer setting, and a price table to edit.

:func:`frontier_plot` places every configuration of a :func:`coordlab.cost_table` by $ per trial
and success (with its Wilson interval), labels *every* point with its short layer label
(``S+P+R``; settings that land on the same point share one label), and joins the frontier: the
settings that no other beats on both cost and success. :func:`upgrade` says what moving from one
setting to another buys and costs ($ per point, $ per extra nine). :func:`price_panel` puts the
price table in text boxes: editing a price reprices the trials (their token counts are stored,
so nothing re-runs) and redraws the plot, the table and the upgrades.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none;recovery;all", "uniform-97", tickets=20,
    ...                        executor="serial")
    >>> ax = frontier_plot(coordlab.cost_table(frame))
    >>> sorted(t.get_text() for t in ax.texts)
    ['R', 'S+P+V+R', 'none']
"""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd

from coordlab.experiment.cost import cost_table, frontier, marginal_cost, nines, reprice
from coordlab.experiment.stats import wilson_rate
from coordlab.llm.pricing import TIERS
from coordlab.viz.choices import panel, require_ipywidgets
from coordlab.viz.figures import SERIES_COLOURS, new_axes, percent
from coordlab.viz.labels import (
    LAYER_KEY,
    error_bars,
    names,
    shared,
    short_label,
    varying,
    zoom_floor,
)
from coordlab.viz.rate_tables import rate_table

OFFSETS = [(7, 0), (-7, 0), (0, 9), (0, -10), (7, 11), (7, -11), (-7, 11), (-7, -11),
           (10, 22), (10, -22), (-10, 22), (-10, -22), (14, 34), (-14, -34), (14, -34)]  # fmt: skip
"""Where a label may go, in points from its point, in order of preference."""

FRONTIER, DOMINATED = SERIES_COLOURS[2], "#8d99ae"


def frontier_table(table: pd.DataFrame) -> pd.DataFrame:
    """A cost table flattened: one row per setting, cheapest first, with intervals and frontier.

    Columns: backend, layers, profile, trials, success_rate and its Wilson interval (ci_lo,
    ci_hi), nines and the same interval in nines (nines_lo, nines_hi), usd_per_trial,
    usd_per_success, on_frontier.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none;all", "perfect", tickets=3, executor="serial")
        >>> rows = frontier_table(coordlab.cost_table(frame))
        >>> rows[["layers", "success_rate", "ci_lo", "on_frontier"]].round(3).to_dict("records")
        ... # doctest: +NORMALIZE_WHITESPACE
        [{'layers': 'none', 'success_rate': 1.0, 'ci_lo': 0.439, 'on_frontier': True},
         {'layers': 'all', 'success_rate': 1.0, 'ci_lo': 0.439, 'on_frontier': False}]
    """
    best = set(frontier(table).index)
    rows = table.reset_index().assign(on_frontier=[label in best for label in table.index])
    # cost_table's success_rate is a mean, not rounded: rate * trials is the count of successes
    hits = (rows["success_rate"] * rows["trials"]).round().astype(int)
    bounds = [wilson_rate(h, n)[1:] for h, n in zip(hits, rows["trials"], strict=True)]
    rows["ci_lo"], rows["ci_hi"] = zip(*bounds, strict=True)
    for side in ("lo", "hi"):
        pairs = zip(rows[f"ci_{side}"], rows["trials"], strict=True)
        rows[f"nines_{side}"] = [round(nines(p, n), 3) for p, n in pairs]
    order = ["backend", "layers", "profile", "trials", "success_rate", "ci_lo", "ci_hi", "nines",
             "nines_lo", "nines_hi", "usd_per_trial", "usd_per_success", "on_frontier"]  # fmt: skip
    return rows[order].sort_values(["usd_per_trial", "success_rate"], ascending=[True, False])


def _labels(rows: pd.DataFrame) -> list[tuple[float, float, str, bool]]:
    """(x, y, text, on the frontier) per distinct point; settings on one point share a label."""
    rows = rows.assign(name=names(rows.to_dict("records")))
    groups = rows.groupby([rows["usd_per_trial"].round(7), rows["success_rate"].round(6)],
                          sort=False)  # fmt: skip
    return [(x, y, " = ".join(group["name"]), bool(group["on_frontier"].any()))
            for (x, y), group in groups]  # fmt: skip


def _place(ax, points: list[tuple[float, float, str, bool]]) -> None:
    """Label every point where its text overlaps no other label, point or the axes' edge."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [ax.transData.transform((x, y)) for x, y, _, _ in points]
    taken = [Bbox.from_extents(px - 4, py - 4, px + 4, py + 4) for px, py in taken]
    if ax.get_legend() is not None:
        taken.append(ax.get_legend().get_window_extent(renderer))
    for x, y, text, best in sorted(points, key=lambda p: (-p[1], p[0])):
        for dx, dy in OFFSETS:
            far = abs(dy) > 11
            note = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=8,
                ha="left" if dx > 0 else "right" if dx < 0 else "center", va="center",
                color="black" if best else "#444", weight="bold" if best else "normal",
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#999"} if far else None,
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            )  # fmt: skip
            box = note.get_window_extent(renderer)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                break
            if (dx, dy) != OFFSETS[-1]:
                note.remove()


def frontier_plot(table: pd.DataFrame, ax=None, target: float | None = None, prices: str = ""):
    """$ per trial against success for every setting, each labelled; the frontier joined.

    Args:
        table: a :func:`coordlab.cost_table` of one profile (e.g. the 16 settings of a backend;
            with several backends, a label names the backend too).
        ax: a matplotlib Axes (a new 10 × 5 in figure if ``None``).
        target: a success rate to mark with a dotted line (e.g. 0.99).
        prices: the price table in words, appended to the x label.

    Returns:
        The Axes.
    """
    ax = new_axes(ax, (10, 5))
    rows = frontier_table(table)
    for best, colour in ((False, DOMINATED), (True, FRONTIER)):
        mine = rows[rows["on_frontier"] == best]
        errors = error_bars(mine["success_rate"], mine["ci_lo"], mine["ci_hi"])
        ax.errorbar(mine["usd_per_trial"], mine["success_rate"], errors, fmt="o", capsize=2,
                    ms=6 if best else 4, color=colour, elinewidth=0.8,
                    label="on the frontier" if best else "beaten on cost and success")  # fmt: skip
    best = rows[rows["on_frontier"]]
    ax.plot(best["usd_per_trial"], best["success_rate"], "-", color=FRONTIER, lw=1.5)
    if target is not None:
        ax.axhline(target, ls=":", color="#e76f51", lw=1.2, label=f"target {target:.3f}")
    _frame_axes(ax, rows, prices)
    _place(ax, _labels(rows))
    return ax


def _frame_axes(ax, rows: pd.DataFrame, prices: str) -> None:
    """Limits with room for labels, formatters, title and legend, all from the rows."""
    left, right = rows["usd_per_trial"].min(), rows["usd_per_trial"].max()
    pad = (right - left) * 0.12 or right * 0.05 or 1e-6  # one cost only: still a range
    ax.set_xlim(left - pad, right + pad)
    ax.set_ylim(zoom_floor(list(rows["ci_lo"])), 1.0 + 0.01)
    ax.xaxis.set_major_formatter("${x:.4f}")
    ax.yaxis.set_major_formatter(percent(0))
    words = f"  ({prices})" if prices else ""
    ax.set_xlabel(("$ per trial" + words).replace("$", r"\$"), fontsize=9)
    ax.set_ylabel("end-to-end success")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", title=LAYER_KEY, title_fontsize=7)
    what = "configurations" if varying(rows, "backend") else "layer settings"
    ax.set_title(f"Cost vs success: {len(rows)} {what}, {int(rows['on_frontier'].sum())} on the "
                 f"frontier · {shared(rows, per='point', listing=True)}", fontsize=10)  # fmt: skip
    ax.figure.canvas.draw()  # fix the layout before labels are measured


def upgrade(table: pd.DataFrame, base: str, upgraded: str) -> dict:
    """What moving from layer setting ``base`` to ``upgraded`` buys and costs.

    Returns :func:`coordlab.marginal_cost`'s figures (extra $ per trial, points, nines, $ per
    point, $ per extra nine) plus both settings' success and $ per successful task.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none;recovery", "uniform-90", tickets=20,
        ...                        executor="serial")
        >>> up = upgrade(coordlab.cost_table(frame), "none", "recovery")
        >>> up["from_success"], up["to_success"], up["points"]
        (0.4, 0.65, 25.0)
        >>> print(upgrade_text(up).split(": ")[1])
        success 0.400 → 0.650 (+25.0 points, +0.23 nines) for +$0.00161 per trial
    """
    by_layers = table.reset_index().set_index("layers")
    for label in (base, upgraded):
        if label not in by_layers.index:
            known = ", ".join(short_label(x) for x in by_layers.index)
            raise ValueError(
                f"no layer setting {label!r} in the table (it has {known}); "
                "cheapest_reaching returns None when no setting reaches a target"
            )
    result = marginal_cost(by_layers, base, upgraded)
    for side, label in (("from", base), ("to", upgraded)):
        row = by_layers.loc[label]
        result[f"{side}_layers"], result[f"{side}_success"] = label, float(row["success_rate"])
        result[f"{side}_usd_per_success"] = float(row["usd_per_success"])
    return result


def upgrade_text(result: dict) -> str:
    """One sentence for an :func:`upgrade`."""
    per_nine = result["usd_per_nine"]
    nine = f"${per_nine:.5f} per extra nine" if per_nine is not None else "no extra nine"
    return (f"{short_label(result['from_layers'])} → {short_label(result['to_layers'])}: success "
            f"{result['from_success']:.3f} → {result['to_success']:.3f} "
            f"({result['points']:+.1f} points, {result['nines']:+.2f} nines) for "
            f"{'+' if result['usd_per_trial'] >= 0 else '−'}${abs(result['usd_per_trial']):.5f} "
            f"per trial: {nine}; $ per success "
            f"${result['from_usd_per_success']:.5f} → "
            f"${result['to_usd_per_success']:.5f}")  # fmt: skip


def cheapest_reaching(table: pd.DataFrame, target: float) -> str | None:
    """The layer setting with the lowest $ per trial whose success is at least ``target``.

    ``None`` when no setting reaches ``target`` (:func:`target_text` then names the best one).
    """
    rows = frontier_table(table)
    reached = rows[rows["success_rate"] >= target]
    return None if reached.empty else str(reached["layers"].iloc[0])


def best_setting(table: pd.DataFrame) -> tuple[str, float]:
    """The most successful layer setting (the cheapest of those tied) and its success."""
    rows = frontier_table(table)  # cheapest first, so idxmax picks the cheapest of a tie
    row = rows.loc[rows["success_rate"].idxmax()]
    return str(row["layers"]), float(row["success_rate"])


def target_text(table: pd.DataFrame, target: float) -> str:
    """One sentence: the cheapest setting reaching ``target``, or that none does and the best.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none;recovery", "uniform-90", tickets=20,
        ...                        executor="serial")
        >>> table = coordlab.cost_table(frame)
        >>> target_text(table, 0.6)
        'cheapest setting with success ≥ 0.600: R (success 0.650)'
        >>> target_text(table, 0.9)
        'no setting reaches success ≥ 0.900: the best is R, at 0.650'
    """
    goal = cheapest_reaching(table, target)
    if goal is not None:
        success = float(table.reset_index().set_index("layers").loc[goal, "success_rate"])
        return f"cheapest setting with success ≥ {target:.3f}: {short_label(goal)} " \
               f"(success {success:.3f})"  # fmt: skip
    best, success = best_setting(table)
    return f"no setting reaches success ≥ {target:.3f}: the best is {short_label(best)}, " \
           f"at {success:.3f}"  # fmt: skip


def prices_text(tiers: dict, primary: str = "primary") -> str:
    """The prices a run is priced at, in words (the primary tier, and the fallback)."""
    main, spare = tiers[primary], tiers["fallback"]
    return (f"primary model at {main.name} prices ${main.usd_in_per_m:.2f}/"
            f"${main.usd_out_per_m:.2f}, fallback ${spare.usd_in_per_m:.2f}/"
            f"${spare.usd_out_per_m:.2f} per M tokens in/out")  # fmt: skip


def price_panel(frame: pd.DataFrame, target: float = 0.99, tiers: dict | None = None):
    """Text boxes for each tier's $ in/out per M tokens over the frontier; editing reprices.

    Args:
        frame: the trials (e.g. the 16 layer settings of one backend and profile).
        target: the success rate the upgrades aim at (the cheapest setting reaching it).
        tiers: the starting price table (default :data:`coordlab.TIERS`).

    Returns:
        A :func:`coordlab.viz.choices.panel` with ``prices`` (tier -> (in, out) text boxes),
        ``primary`` (the tier that answered as the primary model), ``plot``, ``numbers``,
        ``tiers()``, ``table()`` and ``redraw()``; display it as the last line of a cell.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none;all", "perfect", tickets=3, executor="serial")
        >>> panel = price_panel(frame, target=1.0)
        >>> panel.prices["primary"][1].value = 30.0
        >>> repr(panel)[:60]
        '<PricePanel primary model at primary prices $3.00/$30.00, fa'
    """
    widgets, base = require_ipywidgets(), dict(tiers or TIERS)
    prices = {name: _price_boxes(widgets, tier) for name, tier in base.items()}
    primary = widgets.Dropdown(options=list(base), value="primary",
                               description="primary model priced as")  # fmt: skip
    primary.style.description_width = "160px"
    controls = {"primary": primary}
    for name, (usd_in, usd_out) in prices.items():
        controls |= {f"{name} in": usd_in, f"{name} out": usd_out}

    def priced() -> dict:
        """The price table the text boxes show."""
        return {name: replace(base[name], usd_in_per_m=boxes[0].value,
                              usd_out_per_m=boxes[1].value)
                for name, boxes in prices.items()}  # fmt: skip

    def table() -> pd.DataFrame:
        """The cost table under the current prices (repriced, not re-run)."""
        return cost_table(reprice(frame, priced(), primary=primary.value))

    def draw(**_values):
        shown = table()
        ax = frontier_plot(shown, target=target, prices=prices_text(priced(), primary.value))
        return ax.figure, _numbers_html(shown, target)

    rows = [widgets.HBox([widgets.Label(name, layout={"width": "80px"}), *boxes])
            for name, boxes in prices.items()]  # fmt: skip
    text = lambda _: f"<PricePanel {prices_text(priced(), primary.value)}>"  # noqa: E731
    shown = panel("PricePanel", controls, draw, numbers="below", css="coordlab-price-panel",
                  header=widgets.VBox([*rows, primary]), text=text)  # fmt: skip
    shown.prices, shown.primary, shown.tiers, shown.table = prices, primary, priced, table
    return shown


def _price_boxes(widgets, tier) -> tuple:
    """Two text boxes: $ in and $ out per million tokens."""
    box = lambda value, what: widgets.BoundedFloatText(  # noqa: E731
        value=value, min=0.0, max=1000.0, step=0.05, description=f"$ {what} / M tokens",
        style={"description_width": "110px"}, layout={"width": "210px"})  # fmt: skip
    return box(tier.usd_in_per_m, "in"), box(tier.usd_out_per_m, "out")


def _numbers_html(table: pd.DataFrame, target: float) -> str:
    """The upgrades from ``none`` as sentences, then the table of every setting.

    The upgrades go to the cheapest setting reaching ``target`` and to every layer on.
    """
    goals = dict.fromkeys([cheapest_reaching(table, target), "all"])
    lines = [upgrade_text(upgrade(table, "none", goal)) for goal in goals if goal]
    if cheapest_reaching(table, target) is None:
        lines.insert(0, target_text(table, target))
    sentences = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    shown = rate_table(frontier_table(table), "every setting, cheapest first")
    return f"<ul>{sentences}</ul>{shown._repr_html_()}"
