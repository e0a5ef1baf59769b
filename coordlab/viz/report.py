"""``coordlab report``: one self-contained HTML page for a sweep's results.

The page says when it was generated and by which commands (an equivalent ``coordlab sweep``
rebuilt from the results' manifest, and the ``coordlab report`` call), then holds:

- a glossary of the terms the tables use;
- the summary table, one row per configuration: success with its ``[lo, hi]`` Wilson
  interval, silent failure, escalated, crashed, predicted, coordination gap, $/trial,
  $/success and nines. Rates have three decimals and dollars five; a column that is the same
  on every row (backend, profile, trials) is said once above the table instead; no cell wraps;
- each layer's effect (on − off, the other layers held fixed) on success, silent failure,
  escalation and crash, each with a paired bootstrap 95% interval, and what can be concluded
  (see :mod:`coordlab.viz.report_parts` for the method and when the page warns);
- the plots, each with a caption saying what it shows and how to read it: success by layer
  setting with its prediction, the cost frontier (one per profile), predicted vs measured, and
  (with several backends) the frameworks side by side;
- the total cost per ticket (:mod:`coordlab.viz.report_costs`): every price with its source,
  model, human, failure and total dollars per configuration with the goodwill price at which
  each setting pays for itself, and the stacked bars.

Layer settings are written short: one letter per layer that is on (``S+P+R``), see
:mod:`coordlab.viz.labels`. It needs matplotlib (the ``notebooks`` or ``dev`` extra) and nothing
on the network.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from coordlab.config import Layers
from coordlab.errors import ConfigError, MissingExtraError
from coordlab.experiment.cost import nines
from coordlab.experiment.grid import KEY
from coordlab.experiment.store import ResultStore
from coordlab.experiment.sweep import summaries
from coordlab.viz import labels as fmt
from coordlab.viz import report_parts as parts
from coordlab.viz.figures import figure_png

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 12px; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 7px; text-align: right;
         white-space: nowrap; }
th { background: #f4f4f4; } .text, .say { text-align: left; }
td.say { white-space: normal; min-width: 9em; }
.ci { white-space: nowrap; font-variant-numeric: tabular-nums; }
td { font-variant-numeric: tabular-nums; }
.good { color: #1b7f5b; } .bad { color: #b23a1e; } .unclear { color: #999; }
pre.cmd { background: #f6f8fa; border: 1px solid #ddd; padding: 0.6em 0.8em; font-size: 12px;
          white-space: pre-wrap; word-break: break-all; }
.note { color: #555; font-size: 13px; } .consts { font-size: 14px; }
.warn { background: #fff4e5; border-left: 4px solid #e9a23b; padding: 0.5em 0.8em;
        font-size: 13px; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px;
              font-size: 13px; } dl.glossary dt { font-weight: 600; } dl.glossary dd { margin: 0; }
figure { margin: 1.5em 0; } img { max-width: 100%; }
figcaption { color: #444; font-size: 13px; max-width: 900px; } h2 { margin-top: 1.6em; }
"""


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep's trials from a results directory, a Parquet file or a CSV file.

    Raises:
        ConfigError: the path does not exist, holds no trials, or lacks the key columns.
    """
    path = Path(path)
    if path.is_dir():
        frame = ResultStore(path).read()
    elif path.suffix == ".csv" and path.exists():
        frame = pd.read_csv(path)
    elif path.exists():
        frame = pd.read_parquet(path)
    else:
        raise ConfigError(f"no results at {path}")
    missing = [c for c in (*KEY, "outcome", "cost_usd") if c not in frame.columns]
    if missing or frame.empty:
        raise ConfigError(f"{path} holds no sweep trials (missing: {', '.join(missing) or 'rows'})")
    return frame


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration: the summary's rates, cost and nines.

    Rows are grouped by backend, then profile, and run from no layer to all four in each.
    Dollars are the summary's total over its trials and successes (not rounded first).
    """
    rows = []
    ordered = sorted(summaries(frame), key=lambda s: (s["backend"], s["profile"]))  # stable
    for s in ordered:
        successes = s["success_rate"] * s["trials"]
        rows.append(
            {
                **{key: s[key] for key in ("backend", "layers", "profile", "trials")},
                "success": s["success_rate"],
                "ci_low": s["ci95"][0],
                "ci_high": s["ci95"][1],
                "silent failure": s["silent_failure_rate"],
                "escalated": s["escalation_rate"],
                "crashed": s["crash_rate"],
                "predicted": s["predicted_e2e"],
                "gap": s["coordination_gap"],
                "$/trial": s["cost_usd"] / s["trials"],
                "$/success": s["cost_usd"] / successes if successes else None,
                "nines": nines(s["success_rate"], s["trials"]),
            }
        )
    return pd.DataFrame(rows)


def write_report(results: str | Path, out: str | Path) -> Path:
    """Write the HTML report for ``results`` to ``out``; return its absolute path.

    ``out``'s folder is created if it does not exist; the page is written to a hidden file
    beside it and renamed, so a failed write never leaves half a page.
    """
    frame = load_results(results)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        hint = 'pip install "coordlab[notebooks]"'
        raise MissingExtraError(f"coordlab report needs matplotlib: {hint}") from None
    from coordlab.viz.captions import figures
    from coordlab.viz.report_costs import section

    out = Path(out).resolve()
    images = [(title, figure_png(ax.figure, tight=True), caption)
              for title, ax, caption in figures(frame)]  # fmt: skip
    costs = section(frame)
    plt.close("all")
    command = parts.sweep_command(parts.read_manifest(results), frame, str(results))
    page = _page(frame, command, f"coordlab report {results} --out {out}", images, costs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out


def _page(frame, command, report_call, images, costs=()) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sweep_call, source = command
    from coordlab._version import __version__

    body = [
        "<h1>coordlab report</h1>",
        f"<p class='note'>Generated {stamp} by coordlab {__version__}.</p>",
        "<h2>How these results were made</h2>",
        f"<pre class='cmd'>$ {html.escape(sweep_call)}\n$ {html.escape(report_call)}</pre>",
        f"<p class='note'>The sweep command is {html.escape(source)}.</p>",
        f"<p>{html.escape(_intro(frame))}</p>",
        "<h2>Glossary</h2>",
        _glossary(),
        *_summary(summary_table(frame)),
        *_effects(frame),
        "<h2>Plots</h2>",
        *(_figure(*image) for image in images),
        *costs,
    ]
    head = f"<meta charset='utf-8'><title>coordlab report</title><style>{STYLE}</style>"
    return f"<!doctype html><html><head>{head}</head><body>\n" + "\n".join(body) + "</body></html>"


def _intro(frame: pd.DataFrame) -> str:
    configs = frame.groupby(list(KEY[:3])).ngroups
    return (
        f"{len(frame):,} trials: {configs} configurations × {frame['ticket_id'].nunique()} "
        f"tickets × {_plural(frame['seed'].nunique(), 'seed')}."
    )


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def _glossary() -> str:
    items = "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>"
        for term, text in parts.GLOSSARY.items()
    )
    return f"<dl class='glossary'>{items}</dl>"


def _constants(table: pd.DataFrame, columns) -> tuple[list[str], str]:
    """The columns that vary, and one line naming the values of those that do not."""
    same = [c for c in columns if not fmt.varying(table, c)]
    words = {c: lambda text, c=c: f"<b>{c}</b> {html.escape(text)}" for c in same}
    said = fmt.shared(table, same, words=words)
    return [c for c in columns if c not in same], f"<p class='consts'>Every row: {said}.</p>"


RATE_COLUMNS = ("success", "silent failure", "escalated", "crashed", "predicted", "gap")


def _summary(table: pd.DataFrame) -> list[str]:
    keep, said = _constants(table, ["backend", "profile", "trials"])
    texts = [k for k in keep if k != "trials"] + ["layers"]
    header = texts + ["trials"] * ("trials" in keep) + ["success", "95% interval"]
    header += [*RATE_COLUMNS[1:], "$/trial", "$/success", "nines"]
    rows = []
    for r in table.to_dict("records"):
        cells = [html.escape(str(r[k])) for k in texts[:-1]]
        cells.append(f"<span title='{r['layers']}'>{fmt.short_label(r['layers'])}</span>")
        cells += [f"{r['trials']:,}"] * ("trials" in keep)
        cells += [f"<b>{fmt.rate(r['success'])}</b>", fmt.interval(r["ci_low"], r["ci_high"])]
        cells += [fmt.rate(r[c]) for c in RATE_COLUMNS[1:]]
        cells += [fmt.usd(r["$/trial"]), fmt.usd(r["$/success"]), f"{r['nines']:.2f}"]
        rows.append(cells)
    classes = ["text"] * len(texts) + [""] * (len(header) - len(texts))
    classes[header.index("95% interval")] = "ci"
    key = (
        "<p class='note'>One row per configuration, from no layer to all four. Layers: one "
        f"letter per layer that is on: {html.escape(fmt.LAYER_KEY)} (hover for the full "
        "name). Rates are shares of trials; see the glossary above.</p>"
    )
    return ["<h2>Summary</h2>", said, key, parts.table(header, rows, classes)]


def _effect_cell(value, good: int) -> str:
    diff, lo, hi, _ = value
    clear = lo > 0 or hi < 0
    tone = "unclear" if not clear else ("good" if good * diff > 0 else "bad" if good else "")
    return f"<span class='ci {tone}'>{fmt.delta(diff)} {fmt.interval(lo, hi)}</span>"


def _effects(frame: pd.DataFrame) -> list[str]:
    rows = parts.effect_rows(frame)
    if not rows:
        return []
    table = pd.DataFrame(rows)
    table["contexts × paired trials"] = [f"{r['contexts']} × {r['pairs']:,}" for r in rows]
    keep, said = _constants(table, ["backend", "profile", "contexts × paired trials"])
    shown = [k for k in keep if k != "contexts × paired trials"]
    header = [*shown, "layer", *keep[len(shown) :]]
    header += [f"Δ {name}" for _, name, _ in parts.METRICS] + ["what the intervals say"]
    body = []
    for r in rows:
        spec = Layers.parse(f"{r['layer']}:{r['mode']}").label
        layer = f"<span title='{fmt.short_label(spec)}'>{html.escape(spec)}</span>"
        cells = [html.escape(str(r[k])) for k in shown] + [layer]
        cells += [f"{r['contexts']} × {r['pairs']:,}"] * (len(keep) > len(shown))
        cells += [_effect_cell(r[m], good) for m, _, good in parts.METRICS]
        body.append([*cells, html.escape(parts.verdict(r))])
    classes = ["text"] * (len(shown) + 1) + [""] * (len(keep) - len(shown))
    classes += ["ci"] * len(parts.METRICS) + ["say"]
    return [
        "<h2>What each layer does: on − off, the other layers held fixed</h2>",
        *_warning(min(r["pairs"] for r in rows)),
        said,
        parts.table(header, body, classes),
        f"<p class='note'>{html.escape(parts.EFFECTS_NOTE)}</p>",
    ]


def _warning(pairs: int) -> list[str]:
    if pairs >= parts.MIN_PAIRS:
        return []
    return [
        f"<p class='warn'>⚠ Only {pairs:,} paired trials per comparison (fewer than "
        f"{parts.MIN_PAIRS}): the intervals are wide, and a rate of 0 on this many trials "
        "does not rule out failures of a few percent. Read these effects as indicative; "
        "run more tickets or seeds before concluding.</p>"
    ]


def _figure(title: str, data: str, caption: str) -> str:
    return (
        f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
        f"<figcaption><b>{html.escape(title)}.</b> {html.escape(caption)}</figcaption></figure>"
    )
