"""Plots of notebook 01: the product rule p^n against measured runs, and what a fix costs.

:func:`compounding_plot` draws ``p ** n`` twice (against the per-step reliability p, and against
the number of steps) with the measured end-to-end success of each run at its own p, its Wilson
95% interval, and its own prediction (the product of its measured step accuracies).
:func:`compounding_panel` puts a slider on p and one on n over that figure. :func:`options_plot`
places priced options (:func:`coordlab.experiment.compounding.price_options`) by $ per trial
and success. Titles and labels come from the data and the sliders.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> table = pd.DataFrame({"backend": ["plain"], "layers": ["none"],
    ...     "profile": ["uniform-90"], "trials": [100], "per_step": [0.9], "steps": [6],
    ...     "nominal": [0.9**6], "predicted": [0.54], "success": [0.52],
    ...     "ci_lo": [0.42], "ci_hi": [0.62]})
    >>> left, right = compounding_plot(table, p=0.95, n=4)
    >>> left.get_title()
    '$0.950^{4}$ = 0.815 · measured: plain, layers none, 100 trials per point'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coordlab.viz.choices import panel, require_ipywidgets
from coordlab.viz.figures import SERIES_COLOURS, new_axes, percent
from coordlab.viz.labels import delta, error_bars, interval, rate, shared, short_label, zoom_floor

CURVE, DESK, MARK = "#264653", "#adb5bd", "#e76f51"


def power(base: str, exponent) -> str:
    """``base`` to the power ``exponent`` as matplotlib mathtext (``0.970⁶``)."""
    return f"${base}^{{{exponent}}}$"


def _errors(table: pd.DataFrame) -> list:
    """Matplotlib ``yerr`` of the success column from its interval columns."""
    return error_bars(table["success"], table["ci_lo"], table["ci_hi"])


def _measured(ax, table: pd.DataFrame, xs) -> None:
    """Measured success with its interval, and each run's Π step accuracies, at ``xs``."""
    ax.errorbar(xs, table["success"], _errors(table), fmt="o", ms=5, capsize=3,
                color=SERIES_COLOURS[2], label="measured, 95% interval")  # fmt: skip
    ax.plot(xs, table["predicted"], "_", ms=16, mew=2, color="black",
            label="its own Π step accuracies")  # fmt: skip


def _against_p(ax, table: pd.DataFrame, p: float, n: int) -> None:
    """Left panel: p^n over p, the desk's own curve, measured points, the chosen p."""
    steps = int(table["steps"].iloc[0])
    lo = max(0.0, min([*table["per_step"], p]) - 0.02)
    xs = np.linspace(lo, 1.0, 200)
    ax.plot(xs, xs**n, color=CURVE, lw=2, label=f"{power('p', n)}: {n} independent steps")
    if n != steps:
        ax.plot(xs, xs**steps, ls="--", color=DESK,
                label=f"{power('p', steps)}: the desk's {steps} work steps")  # fmt: skip
    _measured(ax, table, table["per_step"])
    ax.plot([p], [p**n], "o", ms=10, mfc="none", mew=2, color=MARK)
    ax.text(0.97, 0.05, f"{power(f'{p:.3f}', n)} = {p**n:.3f}", transform=ax.transAxes,
            ha="right", va="bottom", color=MARK, fontsize=14)  # fmt: skip
    ax.set_xlim(lo, 1.0)
    ax.set_ylim(zoom_floor([lo**n, *table["ci_lo"], lo**steps]), 1.0)
    ax.set_xlabel("per-step reliability p")
    ax.set_ylabel("end-to-end success")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(percent(0))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def _against_n(ax, table: pd.DataFrame, p: float, n: int) -> None:
    """Right panel: p^k over the number of steps k, the desk's step count, the chosen n."""
    steps = int(table["steps"].iloc[0])
    ks = np.arange(1, max(20, n) + 1)
    ax.plot(ks, p**ks, "o-", ms=3, color=CURVE, label=power(f"{p:.3f}", "k"))
    ax.axvline(steps, ls="--", color=DESK, label=f"the desk: {steps} work steps")
    here = table[np.isclose(table["per_step"], p)]
    if len(here):
        _measured(ax, here, [steps] * len(here))
    ax.plot([n], [p**n], "o", ms=10, mfc="none", mew=2, color=MARK)
    ax.set_ylim(zoom_floor([p ** ks[-1], *here["ci_lo"]]), 1.0)
    ax.set_xlabel("number of steps k")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.set_major_formatter(percent(0))
    ax.set_title(f"p = {p:.3f}: every step multiplies by p", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")


def compounding_plot(table: pd.DataFrame, p: float = 0.97, n: int | None = None, axes=None):
    """``p ** n`` against p and against n, with measured runs at their own per-step p.

    Args:
        table: rows of :func:`coordlab.experiment.compounding.product_rule` (one backend and
            layer setting, e.g. layers off across ``uniform-P`` profiles).
        p: the per-step reliability to mark.
        n: the number of steps to draw (default the runs' own number of work steps).
        axes: two Axes (a new 11 × 4.2 in figure if ``None``).

    Returns:
        The two Axes (left: against p; right: against the number of steps).
    """
    import matplotlib.pyplot as plt

    n = int(table["steps"].iloc[0]) if n is None else n
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=(3, 2), layout="constrained")
    left, right = axes
    _against_p(left, table, p, n)
    _against_n(right, table, p, n)
    measured = shared(table, ("backend", "layers", "trials"), per="point", listing=True, sep=", ")
    left.set_title(f"{power(f'{p:.3f}', n)} = {p**n:.3f} · measured: {measured}", fontsize=10)
    return left, right


def compounding_panel(table: pd.DataFrame, p: float = 0.97, n: int | None = None):
    """A slider for p and one for n over :func:`compounding_plot`; the figure redraws.

    Args:
        table: rows of :func:`coordlab.experiment.compounding.product_rule` (as for
            :func:`compounding_plot`).
        p: the per-step reliability to start from.
        n: the number of steps to start from (default the runs' own number of work steps).

    Returns:
        A :func:`coordlab.viz.choices.panel` with ``p``, ``n`` (the sliders) and ``plot``;
        display it as the last line of a cell.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"backend": ["plain"], "layers": ["none"], "trials": [100],
        ...     "per_step": [0.9], "steps": [6], "predicted": [0.54], "success": [0.52],
        ...     "ci_lo": [0.42], "ci_hi": [0.62]})
        >>> panel = compounding_panel(table, p=0.95)
        >>> panel.n.value = 4
        >>> panel
        <CompoundingPanel p=0.950 n=4: p^n = 0.815>
    """
    widgets = require_ipywidgets()
    n = int(table["steps"].iloc[0]) if n is None else n
    style, layout = {"description_width": "150px"}, {"width": "460px"}
    sliders = {
        "p": widgets.FloatSlider(value=p, min=0.80, max=1.0, step=0.005, readout_format=".3f",
                                 description="per-step reliability p", continuous_update=False,
                                 style=style, layout=layout),
        "n": widgets.IntSlider(value=n, min=1, max=30, description="number of steps n",
                               continuous_update=False, style=style, layout=layout),
    }  # fmt: skip

    def draw(p: float, n: int):
        return compounding_plot(table, p, n)[0].figure

    def text(shown) -> str:
        p, n = shown.p.value, shown.n.value
        return f"<CompoundingPanel p={p:.3f} n={n}: p^n = {p**n:.3f}>"

    shown = panel("CompoundingPanel", sliders, draw, css="coordlab-compounding-panel", text=text)
    shown.p, shown.n = sliders["p"], sliders["n"]
    return shown


def option_name(row) -> str:
    """A priced option in words: per-step reliability, layers (short), price tier."""
    layers = short_label(row["layers"])
    return f"{row['per_step']:.0%} per step, layers {layers}, {row['tier']} prices"


def options_plot(options: pd.DataFrame, ax=None):
    """Success (with its Wilson interval) against $ per trial for priced options, each named.

    Args:
        options: rows of :func:`coordlab.experiment.compounding.price_options`.
        ax: a matplotlib Axes (a new figure if ``None``).

    Returns:
        The Axes.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none;all", "perfect", tickets=3, executor="serial")
        >>> options = coordlab.price_options(frame, [("none", "perfect", "primary"),
        ...                                          ("all", "perfect", "frontier")])
        >>> ax = options_plot(options)
        >>> ax.texts[1].get_text().splitlines()[0]
        '100% per step, layers S+P+V+R, frontier prices'
    """
    ax = new_axes(ax, (9, 4.2))
    right = options["usd_per_trial"].max()
    for i, (_, row) in enumerate(options.iterrows()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        ax.errorbar([row["usd_per_trial"]], [row["success"]], _errors(options.iloc[[i]]),
                    fmt="o", ms=7, capsize=4, color=colour)  # fmt: skip
        relative = "the reference" if i == 0 else f"{row['cost_x']:.2f}× the first"
        text = (f"{option_name(row)}\nsuccess {rate(row['success'])} "
                f"{interval(row['ci_lo'], row['ci_hi'])}\n"
                f"\\${row['usd_per_trial']:.5f} per trial ({relative}), "
                f"\\${row['usd_per_success']:.5f} per success")  # fmt: skip
        flip = row["usd_per_trial"] > right * 0.6
        ax.annotate(text, (row["usd_per_trial"], row["success"]), xytext=(-10 if flip else 10, 0),
                    textcoords="offset points", ha="right" if flip else "left", va="top",
                    fontsize=8, color=colour)  # fmt: skip
    ax.set_xlim(0, right * 1.08)
    ax.set_ylim(zoom_floor(list(options["ci_lo"])), 1.01)
    ax.set_xlabel("$ per trial")
    ax.xaxis.set_major_formatter("${x:.4f}")
    ax.set_ylabel("end-to-end success")
    ax.yaxis.set_major_formatter(percent(0))
    ax.grid(alpha=0.3)
    trials = shared(options, ["trials"], per="point", listing=True)
    ax.set_title(f"What each option buys and costs · {trials}", fontsize=10)
    return ax


def rule_plot(table: pd.DataFrame, ax=None):
    """Measured success per profile beside ``p ** n`` and its own Π step accuracies.

    Each point carries its Wilson 95% interval and the gap ``measured − Π step accuracies``
    with its bootstrap interval: a gap whose interval excludes 0 is where the product rule
    fails, and its sign says in which direction.

    Args:
        table: rows of :func:`coordlab.experiment.compounding.product_rule`, one per profile.
        ax: a matplotlib Axes (a new figure if ``None``).

    Returns:
        The Axes.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none", "uniform-90,correlated-90", tickets=10,
        ...                        executor="serial")
        >>> ax = rule_plot(coordlab.product_rule(frame, n_boot=100))
        >>> [t.get_text() for t in ax.get_xticklabels()]
        ['correlated-90', 'uniform-90']
    """
    ax = new_axes(ax, (8, 4))
    xs = list(range(len(table)))
    lefts, rights = [x - 0.25 for x in xs], [x + 0.25 for x in xs]
    steps = int(table["steps"].iloc[0])
    ax.hlines(table["nominal"], lefts, rights, colors=MARK, linestyles=":", lw=2,
              label=f"{power('p', steps)} from the profile's p")  # fmt: skip
    ax.hlines(table["predicted"], lefts, rights, colors="black", linestyles="--", lw=1.5,
              label="its own Π step accuracies")  # fmt: skip
    ax.errorbar(xs, table["success"], _errors(table), fmt="o", ms=6, capsize=4, zorder=3,
                color=SERIES_COLOURS[2], label="measured, 95% interval")  # fmt: skip
    for x, row in zip(rights, table.to_dict("records"), strict=True):
        gap = interval(row["gap_lo"], row["gap_hi"])
        ax.annotate(f"measured − Π = {delta(row['gap'])}\n95% CI {gap}", (x, row["success"]),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    ax.set_xticks(xs, table["profile"])
    ax.set_xlim(-0.5, len(xs) - 0.1)
    values = [*table["ci_lo"], *table["nominal"], *table["predicted"]]
    ax.set_ylim(zoom_floor(values, 0.02), min(1.0, max([*table["ci_hi"], *values]) + 0.03))
    ax.set_ylabel("end-to-end success")
    ax.yaxis.set_major_formatter(percent(0))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    measured = shared(table, ("backend", "layers", "trials"), per="point", listing=True, sep=", ")
    ax.set_title(f"Measured vs the product rule · {measured}", fontsize=10)
    return ax
