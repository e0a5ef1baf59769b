"""What the layer panel shows: a small numbers table and a two-panel figure.

Both take the summaries of the settings to compare, by display label (``coordlab.run``
results), and compute every label, axis range and prediction line from them.

Example:
    >>> import coordlab
    >>> s = coordlab.run(layers="none", profile="perfect", tickets=3)
    >>> "success" in numbers_html({"layers off": s})
    True
"""

from __future__ import annotations

import html

from coordlab.viz.labels import LAYER_KEY, error_bars, interval, rate, shared, short_label

FAILURES = {
    "silent_failure_rate": ("silent failure", "#e76f51"),
    "escalation_rate": ("escalated", "#e9c46a"),
    "crash_rate": ("crashed", "#6c757d"),
}
"""The failure outcomes, their plain names and colours (those of ``outcome_bars``)."""


def per_trial(summary: dict, key: str) -> float:
    """``summary[key]`` divided by its number of trials."""
    return summary[key] / max(summary["trials"], 1)


def numbers_html(sums: dict[str, dict]) -> str:
    """An HTML table: one column per setting, one row per measure, fixed decimals."""
    rows = {
        "success [95% CI]": lambda s: (
            f"{rate(s['success_rate'])} "
            f"<span style='white-space:nowrap'>{interval(*s['ci95'])}</span>"
        ),
        **{name: (lambda k: lambda s: rate(s[k]))(key) for key, (name, _) in FAILURES.items()},
        "predicted (Π steps)": lambda s: rate(s["predicted_e2e"]),
        "LLM calls / trial": lambda s: f"{per_trial(s, 'llm_calls'):.2f}",
        "tokens / trial": lambda s: (
            f"{per_trial(s, 'tokens_in') + per_trial(s, 'tokens_out'):,.0f}"
        ),  # noqa: E501
        "$ / trial": lambda s: f"{per_trial(s, 'cost_usd'):.5f}",
    }
    head = "".join(
        f"<th style='{CELL};vertical-align:bottom'>{_header(label)}</th>" for label in sums
    )
    body = "".join(
        f"<tr><td style='{CELL};text-align:left'>{name}</td>"
        + "".join(f"<td style='{CELL}'>{cell(s)}</td>" for s in sums.values())
        + "</tr>"
        for name, cell in rows.items()
    )
    caption = shared(list(sums.values()), per="setting")
    return (
        "<table style='border-collapse:collapse;text-align:right;font-size:13px'>"
        f"<caption style='text-align:left'>{html.escape(caption)}</caption>"
        f"<tr><th></th>{head}</tr>{body}</table>"
    )


CELL = "padding:2px 12px;text-align:right"
"""Inline cell style: JupyterLab's own table CSS would glue the columns together."""


def _header(label: str) -> str:
    """A column header; a chosen setting's layers may wrap after their commas."""
    name, _, setting = label.partition(": ")
    if not setting:
        return html.escape(label)
    return (
        f"{html.escape(name)}<br><span style='font-weight:normal'>"
        + html.escape(setting.replace(",", ", "))
        + "</span>"
    )


def tick(label: str) -> str:
    r"""An x tick: a chosen setting is shown by its short form (``chosen`` over ``S+R``).

    Example:
        >>> tick("chosen: state,recovery")
        'chosen\nS+R'
    """
    name, _, setting = label.partition(": ")
    return f"{name}\n{short_label(setting)}" if setting else label


def panel_figure(sums: dict[str, dict]):
    """Success with its interval and the prediction (left); the failure shares (right)."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    labels = [tick(label) for label in sums]
    _success(left, labels, list(sums.values()))
    _failures(right, labels, list(sums.values()))
    fig.suptitle(shared(list(sums.values())), fontsize=10)
    fig.supxlabel(LAYER_KEY, fontsize=7, color="#555")
    return fig


def _success(ax, labels: list[str], sums: list[dict]) -> None:
    rates = [s["success_rate"] for s in sums]
    errors = error_bars(rates, *zip(*(s["ci95"] for s in sums), strict=True))
    xs = range(len(sums))
    ax.errorbar(xs, rates, yerr=errors, fmt="o", ms=7, color="#2a9d8f", capsize=5,
                label="measured, 95% interval")  # fmt: skip
    ax.scatter(xs, [s["predicted_e2e"] for s in sums], marker="D", s=28, facecolors="none",
               edgecolors="black", zorder=3, label="predicted: Π step accuracy")  # fmt: skip
    for x, value in zip(xs, rates, strict=True):
        ax.annotate(rate(value), (x, value), xytext=(9, -3), textcoords="offset points",
                    fontsize=8)  # fmt: skip
    floor = min([s["ci95"][0] for s in sums] + [s["predicted_e2e"] for s in sums])
    ax.set_ylim(max(0.0, floor - 0.04), 1.005)
    ax.set_xlim(-0.5, len(sums) - 0.5)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("end-to-end success")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")


def _failures(ax, labels: list[str], sums: list[dict]) -> None:
    bottom = [0.0] * len(sums)
    for key, (name, colour) in FAILURES.items():
        values = [100 * s[key] for s in sums]
        ax.bar(range(len(sums)), values, bottom=bottom, color=colour, width=0.6, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(sums)), labels, fontsize=8)
    ax.set_ylabel("% of trials")
    ax.set_title("what went wrong", fontsize=9)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], fontsize=7)  # top of the stack first
