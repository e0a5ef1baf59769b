"""One trial on the virtual clock: every step execution as a bar, retries and backoffs marked.

Each :class:`~coordlab.types.StepRecord` carries where it sat on the trial's virtual clock
(``start_s``, ``end_s``). :func:`trial_timeline` draws one lane per step (intake at the top),
a bar per execution coloured by who did it (the primary model, the fallback model, or a tool /
code: chromadb, the order service, the gate), hatched and labelled when a fault was injected,
and a dotted line where the recovery layer waited before retrying (its exponential backoff).
Executions that take no virtual time (the gate) show as a diamond.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import coordlab
    >>> tickets = coordlab.load_tickets()[:1]
    >>> row = next(coordlab.run_trials("plain", coordlab.Layers(), "perfect", tickets, [0],
    ...                                keep_trials=True))
    >>> ax = trial_timeline(row["trial"])
    >>> ax.get_xlabel()
    'virtual clock (s)'
"""

from __future__ import annotations

from coordlab.domain.steps import STEPS
from coordlab.pipeline.context import Trial
from coordlab.viz.figures import new_axes

TIERS = {"primary": "#264653", "fallback": "#f4a261"}
"""Bar colour per model tier; anything else (tools, the gate) is :data:`TOOL`."""
TOOL = "#adb5bd"
FAULT = "#d62828"


def backoffs(trial: Trial) -> list[tuple[str, float, float]]:
    """``(step, from_s, to_s)`` for every wait between a failed execution and its retry.

    A retry is the next execution of the trial, of the same step, after one that failed; the
    recovery layer's backoff is the virtual time between the two.

    Example:
        >>> backoffs(Trial(ticket=None, seed=0))
        []
    """
    pairs = zip(trial.records, trial.records[1:], strict=False)
    return [
        (now.step, before.end_s, now.start_s)
        for before, now in pairs
        if now.step == before.step and not before.ok and now.start_s > before.end_s + 1e-9
    ]


def trial_timeline(trial: Trial, ax=None):
    """Draw ``trial``'s step executions on its virtual clock (see the module docstring).

    Args:
        trial: a finished trial (``coordlab.run_trials(..., keep_trials=True)`` rows hold it
            under ``"trial"``).
        ax: the Axes to draw on (default: a new figure).

    Returns:
        The Axes; its title says the ticket, the seed, how many executions and how long the
        trial took on the virtual clock.
    """
    lanes = [step for step in STEPS if any(r.step == step for r in trial.records)]
    ax = new_axes(ax, (10, 1.3 + 0.36 * len(lanes)))
    for record in trial.records:
        _execution(ax, lanes.index(record.step), record, trial.clock_s)
    for step, start, end in backoffs(trial):
        y = lanes.index(step)
        ax.plot([start, end], [y, y], ls=":", color="black", lw=1.5)
        ax.annotate(f"backoff {end - start:.3g} s", ((start + end) / 2, y + 0.32), ha="center",
                    va="top", fontsize=7)  # fmt: skip
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlim(-trial.clock_s * 0.01, trial.clock_s * 1.02 or 1.0)
    ax.set_xlabel("virtual clock (s)")
    title = f"ticket {trial.ticket.id} · seed {trial.seed} · {len(trial.records)} step executions"
    ax.set_title(f"{title} · {trial.clock_s:.1f} s on the virtual clock", fontsize=10)
    ax.legend(handles=_legend_handles(), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _execution(ax, y: int, record, total_s: float) -> None:
    """One bar (a diamond when it took no time), hatched and labelled if faulty.

    A bar is at least 0.4% of the trial wide, so a 0.03 s tool call stays visible; a label
    goes inside a bar wider than an eighth of the trial, above it otherwise.
    """
    colour = TIERS.get(record.model, TOOL)
    width = record.end_s - record.start_s
    edge = FAULT if record.fault else "white"
    if width > 0:
        ax.barh(y, max(width, total_s * 0.004), left=record.start_s, height=0.5, color=colour,
                edgecolor=edge, hatch="///" if record.fault else None, lw=1)  # fmt: skip
    else:
        ax.plot(record.start_s, y, "D", color=colour, markeredgecolor=edge, markersize=7)
    note = record.fault or (f"caught by {record.caught_by}" if record.caught_by else "")
    if not note and record.step == "deliver" and record.ok:
        note = record.produced  # what was delivered: refund, reply, decline or escalate
    if note and width > total_s / 8:
        note = f"{note}: {width:g} s"
        ax.annotate(note, (record.start_s + width / 2, y), ha="center", va="center", fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
    elif note and record.start_s > 0.85 * total_s:  # near the right edge: left of the bar
        ax.annotate(note, (record.start_s, y), xytext=(-4, 0), textcoords="offset points",
                    fontsize=7, va="center", ha="right",
                    color=FAULT if record.fault else "black")  # fmt: skip
    elif note:
        ax.annotate(note, (record.start_s, y - 0.3), fontsize=7, va="bottom",
                    color=FAULT if record.fault else "black")  # fmt: skip


def _legend_handles() -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Patch(color=TIERS["primary"], label="primary model"),
        Patch(color=TIERS["fallback"], label="fallback model"),
        Patch(color=TOOL, label="tool or code"),
        Patch(facecolor="white", edgecolor=FAULT, hatch="///", label="fault injected"),
        Line2D([], [], ls=":", color="black", label="backoff before a retry"),
    ]
