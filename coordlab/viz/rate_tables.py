"""Result frames as readable tables: intervals joined, fixed decimals, constants in the caption.

:func:`rate_table` turns the DataFrames of :mod:`coordlab.experiment.compounding` and
:func:`coordlab.cost_table` into a :class:`~coordlab.viz.tables.Table`: ``X_lo``/``X_hi``
columns become one ``[lo, hi]`` column after ``X``; rates get three decimals, dollars five;
layer settings are written short (``S+P+V+R``); context columns (backend, layers, profile, tier,
trials, steps) that every row shares are said once in the caption.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"backend": ["plain"] * 2, "profile": ["uniform-97", "uniform-99"],
    ...     "trials": [50, 50], "success": [0.8, 0.9], "ci_lo": [0.67, 0.79],
    ...     "ci_hi": [0.89, 0.96], "usd_per_trial": [0.0031, 0.0042]})
    >>> print(rate_table(rows))
    plain · 50 trials each
       profile success         95% CI $ / trial
    uniform-97   0.800 [0.670, 0.890]  $0.00310
    uniform-99   0.900 [0.790, 0.960]  $0.00420
"""

from __future__ import annotations

import pandas as pd

from coordlab.viz.labels import LAYER_KEY, delta, interval, rate, shared, short_label, usd, varying
from coordlab.viz.tables import Table

HEADERS = {
    "per_step": "p per step", "steps": "steps n", "nominal": "pⁿ",
    "predicted": "Π step accuracies", "success": "success", "success_rate": "success",
    "gap": "gap = measured − Π", "usd_per_trial": "$ / trial", "usd_per_success": "$ / success",
    "cost_x": "cost ×", "nines": "nines", "faults_per_trial": "faults / trial",
    "with_a_fault": "trials with a fault", "faults_per_faulty_trial": "faults / faulty trial",
    "success_hard": "success, hard tickets", "success_other": "success, other tickets",
    "tier": "prices", "on_frontier": "on the frontier",
}  # fmt: skip
"""Column -> header; columns not named here keep their name."""

FORMATS = {
    "gap": delta, "usd_per_trial": usd, "usd_per_success": usd, "trials": "{:,}".format,
    "cost_x": "{:.2f}×".format, "nines": "{:.2f}".format, "steps": str,
    "faults_per_faulty_trial": "{:.2f}".format, "on_frontier": lambda on: "✓" if on else "",
    "layers": short_label,
}  # fmt: skip
"""Column -> how its values are written (rates default to three decimals)."""

CONTEXT = ("backend", "layers", "profile", "tier", "trials", "steps")
"""Columns said once in the caption when every row shares their value."""


def _caption(frame: pd.DataFrame) -> tuple[str, list[str]]:
    """The caption of what every row shares, and the columns it takes out of the table."""
    same = [c for c in CONTEXT if c in frame and not varying(frame, c)] if len(frame) > 1 else []
    parts = [shared(frame, same)] if same else []
    if "layers" in frame and "layers" not in same:
        parts.append(LAYER_KEY)
    return " · ".join(parts), same


def _formatter(frame: pd.DataFrame, column: str):
    """How one column's values are written."""
    if column in FORMATS:
        return FORMATS[column]
    return rate if pd.api.types.is_float_dtype(frame[column]) else str


def _bounds(frame: pd.DataFrame, column: str) -> tuple[str, str] | None:
    """The interval columns of ``column``, if the frame has them."""
    if f"{column}_lo" in frame:
        return f"{column}_lo", f"{column}_hi"
    if column in ("success", "success_rate") and "ci_lo" in frame:
        return "ci_lo", "ci_hi"
    return None


def rate_table(frame: pd.DataFrame, caption: str = "") -> Table:
    """A results DataFrame as a readable :class:`~coordlab.viz.tables.Table`.

    Args:
        frame: rows with any of the columns of :data:`HEADERS` (others are kept as they are).
        caption: said before what the rows share (e.g. what was measured).
    """
    shared_caption, shared = _caption(frame)
    shown, formats = {}, {}
    for column in frame.columns:
        if column in shared or column.endswith(("_lo", "_hi")):
            continue
        header = HEADERS.get(column, column)
        shown[header], formats[header] = frame[column].tolist(), _formatter(frame, column)
        bounds = _bounds(frame, column)
        if bounds:
            name = "95% CI" if bounds[0] == "ci_lo" else f"{column.replace('_', ' ')}: 95% CI"
            lows, highs = frame[bounds[0]], frame[bounds[1]]
            shown[name] = [interval(a, b) for a, b in zip(lows, highs, strict=True)]
            formats[name] = str
    text = " · ".join(part for part in (caption, shared_caption) if part)
    return Table(pd.DataFrame(shown), text, formats)
