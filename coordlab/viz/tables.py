"""Tables for notebooks: left-aligned text, fixed decimals, no index, constants in the caption.

A :class:`Table` wraps a DataFrame: notebooks render its HTML (text left, numbers right and
fixed, line breaks kept, no index), and its plain-text form is the same table as text, so a
notebook's saved output is stable. ``.frame`` is the DataFrame itself for further work.

Example:
    >>> import coordlab
    >>> s = coordlab.run(layers="none", profile="perfect", tickets=2)
    >>> table = outcome_table([s])
    >>> list(table.frame.columns)[:3]
    ['layers', 'success', '95% CI']
    >>> table.caption
    'plain · profile perfect · 2 trials each'
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from coordlab.pipeline.context import Trial
from coordlab.viz.labels import interval, shared, varying

Formatter = Callable[[object], str]

STYLES = {
    "": "text-align:left;vertical-align:top;padding:2px 10px",
    "num": "text-align:right;vertical-align:top;padding:2px 10px;font-variant-numeric:tabular-nums",
    "pre": "text-align:left;vertical-align:top;padding:2px 10px;white-space:pre-wrap;"
    "font-family:monospace;font-size:12px",
}
"""Cell styles, inline so that JupyterLab's and nbconvert's table CSS cannot override them."""


class Table:
    """A DataFrame shown as a readable table.

    Args:
        frame: the rows.
        caption: what every row shares (said once, not repeated in a column).
        formats: column -> function from a value to its text (numbers default to 3 decimals).
        pre: columns whose text keeps its line breaks.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        caption: str = "",
        formats: Mapping[str, Formatter] | None = None,
        pre: Sequence[str] = (),
    ):
        self.frame, self.caption = frame.reset_index(drop=True), caption
        self.formats, self.pre = dict(formats or {}), tuple(pre)

    def text(self, column: str, value) -> str:
        """The text of one cell."""
        if column in self.formats:
            return self.formats[column](value)
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th style='{STYLES['']}'>{html.escape(c)}</th>" for c in self.frame.columns
        )
        body = "".join(
            "<tr>" + "".join(self._cell(c, v) for c, v in row.items()) + "</tr>"
            for row in self.frame.to_dict("records")
        )
        caption = (
            f"<caption style='text-align:left;color:#555'>{html.escape(self.caption)}</caption>"
            if self.caption
            else ""
        )
        # mathjax_ignore: JupyterLab's math renderer would read "$7.07, $7.17" as a formula
        return (
            f"<table class='coordlab-table mathjax_ignore'>{caption}<tr>{head}</tr>{body}</table>"
        )

    def _cell(self, column: str, value) -> str:
        text = self.text(column, value)
        kind = "pre" if column in self.pre else "num" if _is_number(value) else ""
        style = STYLES[kind] + (";white-space:nowrap" if text.startswith("[") else "")
        return f"<td style='{style}'>{html.escape(text)}</td>"

    def __repr__(self) -> str:
        shown = self.frame.copy()
        for column in shown.columns:
            shown[column] = [self.text(column, v).replace("\n", " ⏎ ") for v in shown[column]]
        table = shown.to_string(index=False, max_colwidth=70)
        return f"{self.caption}\n{table}" if self.caption else table


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def trial_steps(trial: Trial) -> Table:
    """One row per step execution of ``trial``.

    Columns: who did it, the fault injected, whether its output was right given its input,
    which layer caught a problem, and what it produced (whole; a JSON hand-off is shown as
    ``key: value`` lines, so a reply's line breaks read as line breaks).
    """
    rows = [
        {
            "step": r.step,
            "attempt": r.attempt,
            "done by": r.model,
            "fault injected": r.fault or "",
            "caught by": r.caught_by or "",
            "right": "✓" if r.ok else "✗",
            "produced": readable(r.produced or r.error or ""),
        }
        for r in trial.records
    ]
    caption = f"ticket {trial.ticket.id} · seed {trial.seed} · {len(rows)} step executions"
    return Table(pd.DataFrame(rows), caption, pre=["produced"])


def readable(text: str) -> str:
    r"""A JSON object as ``key: value`` lines (strings unquoted); any other text stripped.

    Example:
        >>> print(readable('{"action": "refund", "text": "Dear Ann,\\nDone."}'))
        action: refund
        text: Dear Ann,
        Done.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()
    if not isinstance(data, dict):
        return text.strip()
    show = lambda v: v if isinstance(v, str) else json.dumps(v)  # noqa: E731
    return "\n".join(f"{key}: {show(value)}" for key, value in data.items())


def outcome_table(summaries: Sequence[dict]) -> Table:
    """Outcome rates with intervals, calls, tokens and dollars per trial, one row per summary.

    What every summary shares (backend, profile, trials) goes to the caption; a backend or
    profile that varies gets its own column.
    """
    keys = [key for key in ("backend", "profile") if varying(summaries, key)]
    rows = [
        {
            **{key: s[key] for key in keys},
            "layers": s["layers"],
            "success": s["success_rate"],
            "95% CI": interval(*s["ci95"]),
            "predicted": s["predicted_e2e"],
            "silent failure": s["silent_failure_rate"],
            "escalated": s["escalation_rate"],
            "crashed": s["crash_rate"],
            "LLM calls / trial": s["llm_calls"] / s["trials"],
            "tokens / trial": (s["tokens_in"] + s["tokens_out"]) / s["trials"],
            "$ / trial": s["cost_usd"] / s["trials"],
        }
        for s in summaries
    ]
    formats = {
        "LLM calls / trial": lambda v: f"{v:.2f}",
        "tokens / trial": lambda v: f"{v:,.0f}",
        "$ / trial": lambda v: f"{v:.5f}",
    }
    return Table(pd.DataFrame(rows), shared(summaries), formats)
