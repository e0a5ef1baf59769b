"""The report's figures, each with a caption that says what it shows and how to read it.

Captions are computed from the results (trials per point, where the axis starts), like the
plots' titles. :func:`figures` draws them with :mod:`coordlab.viz.plots` and
:func:`coordlab.viz.frontier.frontier_plot`.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from coordlab.experiment.sweep import sweep
    >>> frame = sweep("plain", "none;all", "uniform-97", tickets=4, executor="serial")
    >>> [title for title, _, _ in figures(frame)]
    ['Success by layer setting', 'Cost vs success', 'Predicted vs measured']
"""

from __future__ import annotations

import pandas as pd

from coordlab.experiment.cost import cost_table
from coordlab.experiment.sweep import summaries
from coordlab.viz import plots
from coordlab.viz.frontier import frontier_plot

RELIABILITY = (
    "Each point is one configuration's measured end-to-end success with its 95% Wilson "
    "interval; the dashed mark beside it is that configuration's prediction, the product of "
    "its measured step accuracies. Settings run from none (left) to all four layers (right). "
    "How to read it: a point above its mark means the layers repaired errors that independent "
    "steps would have compounded; a point on its mark means nothing was caught. Settings "
    "whose intervals overlap are not separated by this sample. The y axis starts at {floor}."
)
FRONTIER = (
    "Each point is one configuration: mean dollars per trial (x) against end-to-end success "
    "(y), with its 95% Wilson interval, labelled with its layer setting (settings that land on "
    "the same point share a label, joined by =). The joined points are the frontier, cheapest "
    "first: no other configuration is both cheaper and more reliable. How to read it: walking "
    "up the frontier shows what each step of reliability costs; a grey point is beaten on both "
    "cost and success. With several fault profiles there is one plot per profile (a profile is "
    "the world, not a choice)."
)
PREDICTED = (
    "Each point is one configuration: x is the product of its measured per-step accuracies "
    "(what end to end would be if step errors were independent and never caught), y is its "
    "measured end-to-end success; colour counts the layers that are on. How to read it: on the "
    "dashed diagonal, errors compound exactly as independent steps predict (expected with "
    "every layer off); above it, layers catch and repair errors, so the pipeline beats the "
    "product of its steps; below it, something beyond the steps' own errors costs successes: "
    "errors that cluster on the same tickets or cascade, or a layer's own false alarms "
    "(escalations). The x axis is zoomed to the predictions, which barely move with the layers "
    "(a step's accuracy is judged on its own work), so the diagonal looks flat; settings at "
    "the same spot share a label."
)
FRAMEWORKS = (
    "Success per backend (bars, with 95% Wilson intervals) at each layer setting; the y axis "
    "starts at {floor}. The simulated model draws the same faults on the same trial in every "
    "backend, so equal bars are what equivalent implementations give. How to read it: a bar "
    "that differs from its neighbours means that backend wires a layer differently."
)


def figures(frame: pd.DataFrame) -> list[tuple[str, object, str]]:
    """(title, Axes, caption) for each plot of the report.

    The cost frontier is drawn once per profile; frameworks side by side only with 2+ backends.
    """
    sums = summaries(frame)
    reliability = plots.reliability_by_layers(sums)
    floor = f"{reliability.get_ylim()[0]:.2f}"
    shown = [("Success by layer setting", reliability, RELIABILITY.format(floor=floor))]
    table = cost_table(frame)
    profiles = list(dict.fromkeys(table.index.get_level_values("profile")))
    for profile in profiles:
        mine = table[table.index.get_level_values("profile") == profile]
        title = "Cost vs success" + (f": {profile}" if len(profiles) > 1 else "")
        shown.append((title, frontier_plot(mine), FRONTIER))
    shown.append(("Predicted vs measured", plots.predicted_vs_measured(sums), PREDICTED))
    if frame["backend"].nunique() > 1:
        frameworks = plots.framework_comparison(sums)
        floor = f"{frameworks.get_ylim()[0]:.2f}"
        shown.append(("Frameworks side by side", frameworks, FRAMEWORKS.format(floor=floor)))
    return shown
