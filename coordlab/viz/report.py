"""``coordlab report``: one self-contained HTML page for a sweep's results.

The page holds the summary table (success with its Wilson interval, outcome rates, predicted vs
measured, cost and nines per configuration), the effect of each layer with the others held
fixed, and four plots embedded as PNG data: reliability by layer setting with intervals, the
cost vs reliability frontier, per-step accuracy vs end to end, and the framework comparison.
It needs matplotlib (the ``notebooks`` or ``dev`` extra) and nothing on the network.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from coordlab.errors import ConfigError, MissingExtraError
from coordlab.experiment.cost import cost_table
from coordlab.experiment.grid import KEY
from coordlab.experiment.stats import layer_effects
from coordlab.experiment.store import ResultStore
from coordlab.experiment.sweep import summaries

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; font-size: 12px; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } h2 { margin-top: 1.6em; } .note { color: #666; font-size: 13px; }
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
    """One row per configuration: the run summary's rates plus cost and nines."""
    costs = cost_table(frame)
    rows = []
    for s in summaries(frame):
        cost = costs.loc[(s["backend"], s["layers"], s["profile"])]
        rows.append(
            {
                "backend": s["backend"],
                "layers": s["layers"],
                "profile": s["profile"],
                "trials": s["trials"],
                "success": s["success_rate"],
                "95% CI": f"{s['ci95'][0]:.3f}-{s['ci95'][1]:.3f}",
                "silent": s["silent_failure_rate"],
                "escalated": s["escalation_rate"],
                "crashed": s["crash_rate"],
                "predicted": s["predicted_e2e"],
                "gap": s["coordination_gap"],
                "$/trial": cost["usd_per_trial"],
                "$/success": cost["usd_per_success"],
                "nines": cost["nines"],
            }
        )
    return pd.DataFrame(rows)


def write_report(results: str | Path, out: str | Path) -> Path:
    """Write the HTML report for ``results`` to ``out`` and return its path."""
    frame = load_results(results)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        hint = 'pip install "coordlab[notebooks]"'
        raise MissingExtraError(f"coordlab report needs matplotlib: {hint}") from None
    from coordlab.viz import plots

    sums = summaries(frame)
    figures = {
        "Reliability by layer setting (95% Wilson intervals)": plots.reliability_by_layers(sums),
        "Cost vs reliability (the frontier joined)": plots.cost_frontier(cost_table(frame)),
        "Per-step accuracy product vs measured end to end": plots.predicted_vs_measured(sums),
    }
    if frame["backend"].nunique() > 1:
        figures["Frameworks side by side"] = plots.framework_comparison(sums)
    images = {title: _png(ax.figure) for title, ax in figures.items()}
    plt.close("all")
    page = _page(frame, summary_table(frame), _effects(frame), images)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out


def _effects(frame: pd.DataFrame) -> pd.DataFrame:
    effects = layer_effects(frame)
    if effects.empty:
        return effects
    grouped = effects.groupby(["backend", "profile", "layer"])
    return grouped.agg(
        contexts=("effect", "size"),
        mean_effect=("effect", "mean"),
        min_effect=("effect", "min"),
        max_effect=("effect", "max"),
        max_mcnemar_p=("mcnemar_p", "max"),
    ).reset_index()


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode()


def _page(frame, table, effects, images) -> str:
    configs = frame.groupby(list(KEY[:3])).ngroups
    backends = ", ".join(sorted(frame["backend"].unique()))
    intro = (
        f"{len(frame):,} trials: {configs} configurations, {frame['seed'].nunique()} seeds, "
        f"{frame['ticket_id'].nunique()} tickets; backends {backends}."
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>coordlab report</title>",
        f"<style>{STYLE}</style></head><body><h1>coordlab report</h1>",
        f"<p>{html.escape(intro)}</p><h2>Summary</h2>",
        table.to_html(index=False, float_format=lambda x: f"{x:.4g}"),
    ]
    if not effects.empty:
        parts += [
            "<h2>Effect of each layer, the others held fixed</h2>",
            "<p class='note'>Paired differences in success (on − off) over every setting of "
            "the other layers in the grid; McNemar exact p-values.</p>",
            effects.to_html(index=False, float_format=lambda x: f"{x:.4g}"),
        ]
    for title, data in images.items():
        parts.append(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
                     f"src='data:image/png;base64,{data}'>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)
