"""The same pipeline in several frameworks: paired agreement, and what each costs.

Every backend runs the same shared steps against the same keyed faults, so a trial
(seed, ticket) of one backend is paired with the same trial of the reference (``plain``).
:func:`paired_agreement` counts the pairs whose outcome, action and amount are equal;
:func:`framework_costs` sets each backend's tokens, dollars and wall-clock milliseconds per trial
beside the reference's; :func:`framework_bars` draws one of them for one layer setting.

Example:
    A relabelled copy of plain stands in for a second backend here, so it runs without extras:

    >>> import coordlab
    >>> plain = coordlab.sweep("plain", "none", "perfect", tickets=4, executor="serial")
    >>> frame = pd.concat([plain, plain.assign(backend="copy")])
    >>> paired_agreement(frame).frame[["backend", "pairs", "agree"]].to_dict("records")
    [{'backend': 'copy', 'pairs': 4, 'agree': 4}]
    >>> costs = framework_costs(frame)
    >>> list(costs.frame["tokens in ×"])
    ['1.00', '1.00']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from coordlab.backends.base import REGISTRY
from coordlab.config import label_order
from coordlab.experiment.stats import ticket_bootstrap, wilson_rate
from coordlab.viz.choices import choice_panel, panel, require_ipywidgets
from coordlab.viz.figures import SERIES_COLOURS, new_axes
from coordlab.viz.labels import error_bars, interval, shared
from coordlab.viz.tables import Table

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
            share, lo, hi = wilson_rate(int(equal.sum()), len(pairs))
            rows.append({
                "layers": layers, "backend": backend, "pairs": len(pairs),
                "agree": int(equal.sum()), "share": share, "95% CI": interval(lo, hi),
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
        reference's, with a :func:`~coordlab.experiment.stats.ticket_bootstrap` 95% interval
        (the same resamples of tickets for every backend).
    """
    column, scale, _, stat = METRICS[metric]
    centre = np.median if stat == "median" else np.mean
    out = []
    for backend in _backends(frame, reference):
        pairs = _paired(frame, layers, backend, reference)
        mine, ref = pairs[column].to_numpy() * scale, pairs[f"{column}_ref"].to_numpy() * scale
        if stat == "median":
            resampled = lambda w, x=mine: weighted_median(x, w)  # noqa: E731
        else:
            resampled = lambda w, x=mine: w @ x / w.sum(axis=-1)  # noqa: E731
        lo, hi = ticket_bootstrap(pairs.index.get_level_values("ticket_id"), resampled)
        out.append({
            "backend": backend, "trials": len(mine), "value": float(centre(mine)),
            "lo": lo, "hi": hi, "ratio": float(centre(mine) / centre(ref)),
        })  # fmt: skip
    return out


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The median of ``values`` repeated ``weights`` times, for each row of ``weights``.

    Example:
        >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([[1, 1, 1], [0, 3, 1], [2, 0, 2]]))
        array([2. , 2. , 5.5])
    """
    order = np.argsort(values, kind="stable")
    ranked, cumulative = values[order], np.cumsum(weights[..., order], axis=-1)
    total = cumulative[..., -1:]
    below = ranked[(cumulative <= (total - 1) // 2).sum(axis=-1)]
    above = ranked[(cumulative <= total // 2).sum(axis=-1)]
    return (below + above) / 2


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
    caption = (
        f"{shared(frame, ['profile'], listing=True)} · × = ratio to {reference} · ms: {MS_NOTE}"
    )
    return Table(pd.DataFrame(list(rows.values())), caption)


def framework_bars(frame: pd.DataFrame, layers: str, metric: str = "tokens in",
                   reference: str = "plain", ax=None):  # fmt: skip
    """One metric per trial for each backend (95% interval), the ratio to the reference on top.

    The dashed line is the reference's value; a bar's label is ``×`` its ratio to it.

    Returns:
        The Axes.

    Example:
        >>> import coordlab
        >>> plain = coordlab.sweep("plain", "none", "perfect", tickets=3, executor="serial")
        >>> ax = framework_bars(pd.concat([plain, plain.assign(backend="copy")]), "none", "$")
        >>> [t.get_text() for t in ax.texts]
        ['×1.00', '×1.00']
    """
    stats = metric_stats(frame, layers, metric, reference)
    ax = new_axes(ax, (7, 3.4))
    xs = range(len(stats))
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in xs]
    err = error_bars(*([s[k] for s in stats] for k in ("value", "lo", "hi")))
    ax.bar(xs, [s["value"] for s in stats], 0.6, yerr=err, capsize=3, color=colours,
           label=f"{METRICS[metric][3]} per trial, 95% interval")  # fmt: skip
    ax.axhline(stats[0]["value"], color="#555", ls="--", lw=1, label=reference)
    top = max(s["hi"] for s in stats)
    for x, s in zip(xs, stats, strict=True):
        ax.text(x, s["hi"] + top * 0.02, f"×{s['ratio']:.2f}", ha="center", fontsize=9)
    ax.set_xticks(list(xs), [s["backend"] for s in stats])
    ax.set_ylim(0, top * 1.35)  # headroom: the legend sits above the ratio labels
    ax.set_ylabel(f"{metric} per trial ({METRICS[metric][3]})", fontsize=9)
    profile = shared(frame, ["profile"], listing=True)
    note = f"\n{MS_NOTE}" if metric == "ms" else ""
    ax.set_title(f"{metric} per trial, layers {layers} — {profile}, "
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

    Example:
        >>> import coordlab
        >>> plain = coordlab.sweep("plain", "none", "perfect", tickets=3, executor="serial")
        >>> framework_panel(pd.concat([plain, plain.assign(backend="copy")]), metric="ms")
        <FrameworkPanel layers=none | metric=ms>
    """

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

    def draw(**values):  # a ValueError (e.g. verify with verification off) is shown as text
        return record.received(values["step"], values["layers"], fold=not values["whole prompt"])

    return panel("ReceivedPanel", controls, draw, css="coordlab-received")
