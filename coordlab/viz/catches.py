"""Which layer catches which failure mode: MAST labels × the layer that stopped the fault.

Every fault kind carries its MAST failure mode (Cemri et al., 2025; ``coordlab.FAULT_KINDS``).
:func:`catch_matrix` counts, from a results frame, each injected fault once, in a row for its
MAST mode and in a column for what became of it:

* a layer column when that layer caught it: the trial's ``caught_by`` names the layer and the
  layer is one built for that kind (``FaultKind.caught_by``), or it is the trial's only fault;
  ``tool`` is the refund tool's own authorization check, which can stop any wrong refund;
* ``recovery`` is one of those layers: the pipeline marks the execution it retried or re-ran
  (a transient error, an outage, an empty retrieval) as caught by recovery, unless the retry
  repeated a side effect (then the fault reached the customer as a double refund);
* otherwise where the trial ended: ``reached the customer`` (a silent failure), ``crashed``,
  ``escalated``, or ``no harm`` (the trial still succeeded).

A verifier's own mistakes (FM-3.3: a critic's false alarm or false pass) are never counted as
catches: the rejection *is* the fault.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"layers": "all", "faults": "compose:hallucinated_claim",
    ...                       "caught_by": "verification", "outcome": "success"}])
    >>> int(catch_matrix(rows).loc["FM-2.6 Reasoning-action mismatch", "verification"])
    1
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from coordlab.llm.faults import fault_kind

CAUGHT = ("state", "protocol", "verification", "tool", "recovery")
"""Layer columns, in pipeline order (``tool``: the refund tool's own check)."""
ENDED = {
    "silent_failure": "reached the customer",
    "crashed": "crashed",
    "escalated": "escalated",
    "success": "no harm",
}
"""Where an uncaught fault's trial ended -> its column."""
COLUMNS = (*CAUGHT, *ENDED.values())
TWICE = {"timeout_after_effect"}
"""Kinds whose blind retry repeats a side effect (handled only if nothing ran twice)."""


def fault_fate(step: str, name: str, faults: int, caught: set[str], outcome: str,
               duplicates: int = 0) -> list[str]:  # fmt: skip
    """The columns one fault of a trial counts in (see the module docstring).

    Args:
        step: the step the fault hit.
        name: the fault kind.
        faults: how many faults the trial had.
        caught: the layers in the trial's ``caught_by``.
        outcome: the trial's outcome.
        duplicates: the trial's ``duplicate_side_effects`` (a retried side effect that ran
            twice was not handled).

    Example:
        >>> fault_fate("lookup", "timeout", 1, {"recovery"}, "success")
        ['recovery']
        >>> fault_fate("decide", "wrong_amount", 1, set(), "silent_failure")
        ['reached the customer']
    """
    kind = fault_kind(step, name)
    allowed = {*kind.caught_by, *(() if kind.transient else ("tool",))}
    by = set() if kind.mast.startswith("FM-3.3") else caught if faults == 1 else caught & allowed
    if outcome == "crashed" or (duplicates and kind.name in TWICE):
        by = by - {"recovery"}  # the retry did not save the trial, or it paid twice
    return [c for c in CAUGHT if c in by] or [ENDED.get(outcome, outcome)]


def catch_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Faults counted by MAST mode (rows) and what caught them or where they ended (columns).

    A fault caught by two layers counts in both; rows and columns with no count are kept, so
    matrices of different settings line up.
    """
    counts: Counter = Counter()
    for row in frame[frame["faults"] != ""].itertuples():
        faults = [f.split(":", 1) for f in row.faults.split(";")]
        caught = set(filter(None, row.caught_by.split(";")))
        for step, name in faults:
            mode = fault_kind(step, name).mast
            fate = fault_fate(step, name, len(faults), caught, row.outcome,
                              getattr(row, "duplicate_side_effects", 0))  # fmt: skip
            for column in fate:
                counts[mode, column] += 1
    modes = sorted({fault_kind(s, n).mast for s, n in _all_kinds()})
    matrix = pd.DataFrame(0, index=modes, columns=list(COLUMNS))
    for (mode, column), n in counts.items():
        matrix.loc[mode, column] = n
    matrix.index.name = "MAST failure mode"
    return matrix


def _all_kinds() -> list[tuple[str, str]]:
    from coordlab.llm.faults import FAULT_KINDS

    return [*FAULT_KINDS, ("*", "outage")]


def catch_heatmap(frame: pd.DataFrame, ax=None):
    """:func:`catch_matrix` of ``frame`` as a heatmap with the counts written in.

    Layer columns are green, the columns of uncaught faults grey, and ``reached the customer``
    red; the title says what the frame holds (backend, profile, layers, trials, faults).

    Returns:
        The Axes.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import PowerNorm

    matrix = catch_matrix(frame)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    values = matrix.to_numpy()
    top = max(values.max(), 1)
    for columns, cmap in ((CAUGHT, "Greens"), (("escalated", "crashed", "no harm"), "Greys"),
                          (("reached the customer",), "Reds")):  # fmt: skip
        mask = ~np.isin(np.array(COLUMNS), columns)
        shown = np.ma.masked_array(values, np.broadcast_to(mask, values.shape))
        ax.imshow(shown, cmap=cmap, norm=PowerNorm(0.5, vmin=0, vmax=top * 1.5), aspect="auto")
    norm = PowerNorm(0.5, vmin=0, vmax=top * 1.5)
    for (i, j), n in np.ndenumerate(values):
        colour = "white" if norm(n) > 0.55 else "black"  # readable on the darkest cells
        ax.text(j, i, f"{n:,}" if n else "·", ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(len(COLUMNS)), COLUMNS, rotation=30, ha="right")
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=8)
    ax.axvline(len(CAUGHT) - 0.5, color="black", lw=1.5)
    ax.set_xlabel("caught by (left of the line) · not caught: where the trial ended (right)")
    ax.set_title(_describe(frame, int(values.sum())), fontsize=10)
    return ax


def _describe(frame: pd.DataFrame, faults: int) -> str:
    parts = []
    for column, name in (("backend", ""), ("profile", "profile "), ("layers", "layers ")):
        values = sorted(set(frame[column])) if column in frame else []
        if values:
            parts.append(
                name + (", ".join(values) if len(values) <= 2 else f"{len(values)} settings")
            )
    return " · ".join([*parts, f"{len(frame):,} trials, {faults:,} faults"])


def catch_panel(frame: pd.DataFrame, **start):
    """A profile and a layer-setting dropdown over :func:`catch_heatmap` of ``frame``'s rows.

    ``start`` picks the first view (``layers="none"``); nothing runs when a control moves.
    """
    from coordlab.viz.choices import choice_panel

    choices = {"profile": list(dict.fromkeys(frame["profile"])),
               "layers": list(dict.fromkeys(frame["layers"]))}  # fmt: skip

    def draw(profile: str, layers: str):
        rows = frame[(frame["profile"] == profile) & (frame["layers"] == layers)]
        return catch_heatmap(rows).figure

    return choice_panel("CatchPanel", choices, draw, **start)
