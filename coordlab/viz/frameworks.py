"""The same pipeline in several frameworks: paired agreement, and what each costs.

Every backend runs the same shared steps against the same keyed faults, so a trial
(seed, ticket) of one backend is paired with the same trial of the reference (``plain``).
:func:`paired_agreement` counts the pairs whose outcome, action and amount are equal;
:func:`framework_costs` sets each backend's tokens, dollars and wall-clock milliseconds per trial
beside the reference's; :func:`framework_bars` draws one of them for one layer setting.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain,langgraph", "none", "perfect", tickets=4, executor="serial")
    >>> paired_agreement(frame).frame[["backend", "pairs", "agree"]].to_dict("records")
    [{'backend': 'langgraph', 'pairs': 4, 'agree': 4}]
    >>> costs = framework_costs(frame)
    >>> list(costs.frame["tokens in ×"])
    ['1.00', '1.00']
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from coordlab.backends.base import REGISTRY
from coordlab.config import label_order
from coordlab.experiment.stats import wilson
from coordlab.viz.labels import interval
from coordlab.viz.sweep_plots import SERIES_COLOURS, new_axes
from coordlab.viz.tables import Table
from coordlab.viz.widgets import require_ipywidgets

KEYS = ("outcome", "action", "amount")
"""What must be equal between a backend's trial and the reference's."""

METRICS: dict[str, tuple[str, float, str, str]] = {
    "tokens in": ("tokens_in", 1.0, "{:,.0f}", "mean"),
    "tokens out": ("tokens_out", 1.0, "{:,.0f}", "mean"),
    "$": ("cost_usd", 1.0, "${:.5f}", "mean"),
    "ms": ("wall_s", 1000.0, "{:.1f}", "median"),
}
"""Metric name -> (results column, scale, format, statistic per trial).

Tokens and dollars add up, so their mean per trial is what a bill shows. Wall-clock time is
summarised by its median: a few cold starts of a second or more would dominate a mean.
"""

MS_NOTE = "median wall clock, measured when the results were made"


def _settings(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["layers"].unique(), key=label_order)


def _backends(frame: pd.DataFrame, reference: str) -> list[str]:
    """The reference first, then the others in registry order (plain, langgraph, crewai, ...)."""
    order = list(REGISTRY)
    names = sorted(set(frame["backend"]) - {reference},
                   key=lambda b: (order.index(b) if b in order else len(order), b))  # fmt: skip
    return [reference, *names]


def _paired(frame: pd.DataFrame, layers: str, backend: str, reference: str) -> pd.DataFrame:
    """The backend's trials joined to the reference's on (profile, seed, ticket)."""
    keys = ["profile", "seed", "ticket_id"]
    mine = frame[frame["layers"] == layers]
    ref = mine[mine["backend"] == reference].set_index(keys)
    other = mine[mine["backend"] == backend].set_index(keys)
    return ref.join(other, how="inner", lsuffix="_ref")


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Elementwise equality where two missing values count as equal."""
    return (a == b) | (a.isna() & b.isna())


def paired_agreement(frame: pd.DataFrame, reference: str = "plain", keys=KEYS) -> Table:
    """Per layer setting and backend: the share of paired trials equal to the reference's.

    A pair agrees when every column in ``keys`` (outcome, action, amount) is equal. The share
    has a Wilson 95% interval; the disagreeing trials are listed (``seed/ticket``).
    """
    rows = []
    for layers in _settings(frame):
        for backend in _backends(frame, reference)[1:]:
            pairs = _paired(frame, layers, backend, reference)
            equal = np.logical_and.reduce([_same(pairs[f"{k}_ref"], pairs[k]) for k in keys])
            wrong = [f"{seed}/{ticket}" for _, seed, ticket in pairs.index[~equal]]
            rows.append({
                "layers": layers, "backend": backend, "pairs": len(pairs),
                "agree": int(equal.sum()), "share": equal.mean() if len(pairs) else math.nan,
                "95% CI": interval(*wilson(int(equal.sum()), len(pairs))),
                "disagreeing trials": ", ".join(wrong[:5]) + (" …" if len(wrong) > 5 else "")
                or "none",
            })  # fmt: skip
    caption = f"paired with {reference} on (seed, ticket) · equal: {', '.join(keys)}"
    return Table(pd.DataFrame(rows), caption)


def metric_stats(frame: pd.DataFrame, layers: str, metric: str, reference: str = "plain") -> list:
    """Per backend: the metric per trial, its 95% interval, and its ratio to the reference.

    Returns:
        One dict per backend (reference first): ``backend, trials, value, lo, hi, ratio``; the
        value is the mean (or, for ``ms``, the median) over the trials paired with the
        reference's, with a percentile bootstrap 95% interval.
    """
    column, scale, _, stat = METRICS[metric]
    centre = np.median if stat == "median" else np.mean
    out = []
    for backend in _backends(frame, reference):
        rng = np.random.default_rng(0)  # the same resamples for every backend
        pairs = _paired(frame, layers, backend, reference)
        mine, ref = pairs[column].to_numpy() * scale, pairs[f"{column}_ref"].to_numpy() * scale
        boot = centre(mine[rng.integers(0, len(mine), size=(2000, len(mine)))], axis=1)
        lo, hi = np.quantile(boot, [0.025, 0.975])
        out.append({
            "backend": backend, "trials": len(mine), "value": float(centre(mine)),
            "lo": float(lo), "hi": float(hi), "ratio": float(centre(mine) / centre(ref)),
        })  # fmt: skip
    return out


def framework_costs(
    frame: pd.DataFrame, reference: str = "plain", metrics: Sequence[str] = ("tokens in", "$", "ms")
) -> Table:
    """Per layer setting and backend: each metric per trial and its ratio to the reference.

    ``ms`` is the wall-clock time of a trial measured when the results were made (it depends
    on that machine and its load); tokens and dollars are deterministic.
    """
    rows: dict[tuple[str, str], dict] = {}
    for layers in _settings(frame):
        for metric in metrics:
            for s in metric_stats(frame, layers, metric, reference):
                row = rows.setdefault(
                    (layers, s["backend"]), {"layers": layers, "backend": s["backend"]}
                )
                median = " (median)" if METRICS[metric][3] == "median" else ""
                row[f"{metric} / trial{median}"] = METRICS[metric][2].format(s["value"])
                row[f"{metric} ×"] = f"{s['ratio']:.2f}"
    profiles = ", ".join(frame["profile"].unique())
    caption = f"profile {profiles} · × = ratio to {reference} · ms: {MS_NOTE}"
    return Table(pd.DataFrame(list(rows.values())), caption)


def framework_bars(frame: pd.DataFrame, layers: str, metric: str = "tokens in",
                   reference: str = "plain", ax=None):  # fmt: skip
    """One metric per trial for each backend (95% interval), the ratio to the reference on top.

    The dashed line is the reference's value; a bar's label is ``×`` its ratio to it.

    Returns:
        The Axes.
    """
    stats = metric_stats(frame, layers, metric, reference)
    ax = new_axes(ax, (7, 3.4))
    xs = range(len(stats))
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in xs]
    err = [[s["value"] - s["lo"] for s in stats], [s["hi"] - s["value"] for s in stats]]
    ax.bar(xs, [s["value"] for s in stats], 0.6, yerr=err, capsize=3, color=colours,
           label=f"{METRICS[metric][3]} per trial, 95% interval")  # fmt: skip
    ax.axhline(stats[0]["value"], color="#555", ls="--", lw=1, label=reference)
    top = max(s["hi"] for s in stats)
    for x, s in zip(xs, stats, strict=True):
        ax.text(x, s["hi"] + top * 0.02, f"×{s['ratio']:.2f}", ha="center", fontsize=9)
    ax.set_xticks(list(xs), [s["backend"] for s in stats])
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel(f"{metric} per trial ({METRICS[metric][3]})", fontsize=9)
    profile = ", ".join(frame["profile"].unique())
    note = f"\n{MS_NOTE}" if metric == "ms" else ""
    ax.set_title(f"{metric} per trial, layers {layers} — profile {profile}, "
                 f"{stats[0]['trials']:,} paired trials per bar{note}", fontsize=10)  # fmt: skip
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return ax


def framework_panel(frame: pd.DataFrame, reference: str = "plain", **start):
    """A layers dropdown and a metric dropdown above :func:`framework_bars`, redrawn at once.

    Args:
        frame: trials of several backends (one row per trial).
        reference: the backend the ratios are to.
        **start: starting ``layers`` and ``metric``.

    Returns:
        An ``ipywidgets.VBox`` (``controls``, ``plot``, ``redraw()``); its text form is
        ``<FrameworkPanel layers=none | metric=tokens in>``.
    """
    from coordlab.viz.choices import choice_panel

    def draw(layers: str, metric: str):
        return framework_bars(frame, layers, metric, reference).figure

    choices = {"layers": _settings(frame), "metric": ["tokens in", "$", "ms", "tokens out"]}
    return choice_panel("FrameworkPanel", choices, draw, **start)


def received_panel(record, step: str = "decide", layers: str = "none"):
    """The panel of :meth:`coordlab.viz.received.CallRecord.panel` (see there)."""
    widgets = require_ipywidgets()
    steps = list(dict.fromkeys(c.step for calls in record.calls.values() for c in calls))
    settings = list(dict.fromkeys(label for _, label in record.calls))
    controls = {
        "step": widgets.Dropdown(options=steps, value=step, description="step"),
        "layers": widgets.Dropdown(options=settings, value=layers, description="layers"),
        "whole prompt": widgets.Checkbox(value=False, description="whole prompt"),
    }
    return _received_panel_class()(record, controls)


@functools.cache
def _received_panel_class():
    widgets = require_ipywidgets()

    class ReceivedPanel(widgets.VBox):
        def __init__(self, record, controls: dict):
            self.record, self.controls = record, controls
            self.view = widgets.Output().add_class("coordlab-received")
            super().__init__([widgets.HBox(list(controls.values())), self.view])
            for control in controls.values():
                control.observe(lambda _change: self.redraw(), names="value")
            self.redraw()

        def redraw(self) -> None:
            """Show what each model received for the chosen step and layers."""
            c = self.controls
            try:
                grid = self.record.received(c["step"].value, c["layers"].value,
                                            fold=not c["whole prompt"].value)  # fmt: skip
                data = {"text/html": grid._repr_html_(), "text/plain": repr(grid)}
            except ValueError as err:  # e.g. verify with the verification layer off
                data = {"text/plain": str(err)}
            self.view.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)

        def __repr__(self) -> str:
            shown = " | ".join(f"{key}={c.value}" for key, c in self.controls.items())
            return f"<ReceivedPanel {shown}>"

    return ReceivedPanel
