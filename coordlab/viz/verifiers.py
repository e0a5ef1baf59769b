"""How well each verification mode checks: catches and false alarms (costs: `coordlab.mean_ratio`).

The verify step sits between compose and deliver and sees one *bundle*: the intake, the
retrieved policies, the order, the decision and the reply. A bundle is **wrong** when delivering
it would not succeed (what :func:`coordlab.pipeline.reference.bundle_ok` says), which happens
when a fault upstream (a misread intent, a hallucinated claim, ...) got past the other layers:
that is "a fault that reaches verify". A mode's **recall** is the share of wrong bundles it
rejects; a **false alarm** is a rejection of a right bundle.

Measured from a results store's rows, with recovery off: then no step is re-run, so each trial
that reaches verify hands it exactly one bundle, and that bundle is the same under every
verification mode (verify comes after every step that builds it, and faults are keyed by seed,
ticket, step and attempt). Whether it is right is read off a single-check mode's row (``gate``,
``critic-strict`` or ``critic-vague``: one verify record, whose ``ok`` says whether the verdict
was right), so rows suffice; ``tests/test_verifiers.py`` checks this against live step records.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "state,protocol,verification:gate;"
    ...                        "state,protocol,verification:critic-vague",
    ...                        "uniform-97", tickets=40, executor="serial")
    >>> table = verifier_table(frame)
    >>> list(table.frame["mode"])
    ['gate', 'critic-vague']
    >>> "trials reached verify" in table.caption and "–" not in table.caption.split(" · ")[5]
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from coordlab.config import MODES, Layers
from coordlab.experiment.stats import wilson_rate
from coordlab.viz.choices import choice_panel
from coordlab.viz.figures import percent
from coordlab.viz.labels import error_bars, interval, listed, shared
from coordlab.viz.tables import Table

SINGLE_CHECK = ("gate", "critic-strict", "critic-vague")
"""Modes that run one check, so one verify record per trial (``full`` runs the gate, then the
critic)."""
KEY = ["backend", "profile", "base", "seed", "ticket_id"]


def _setting(label: str) -> tuple[str, str, str]:
    """``(verification mode, recovery mode, the other layers' label)`` of a layer label."""
    layers = Layers.parse(label)
    base = Layers(layers.state, layers.protocol, "off", layers.recovery).label
    return layers.verification, layers.recovery, base


def verdicts(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per trial that reached verify with verification on and recovery off.

    Columns: the trial's key, ``mode``, ``faults`` (as stored), ``bundle`` (``right`` or
    ``wrong``) and ``verdict`` (``rejected``, ``passed``, or ``no verdict`` when the critic's
    own call failed: a timeout that crashes the trial with recovery off).

    Raises:
        ValueError: no single-check mode was run to tell right bundles from wrong ones, or two
            of them disagree about the same bundle.
    """
    rows = frame[frame["n_verify"] > 0].copy()
    rows[["mode", "recovery", "base"]] = [_setting(label) for label in rows["layers"]]
    rows = rows[(rows["mode"] != "off") & (rows["recovery"] == "off")]
    rejected = rows["caught_by"].str.contains("verification")
    failed = rows["faults"].str.contains(r"verify:(?:timeout|rate_limit)")
    rows["verdict"] = np.select([failed, rejected], ["no verdict", "rejected"], "passed")
    rows = rows.join(_truth(rows), on=KEY, how="inner")
    return rows[[*KEY, "mode", "faults", "bundle", "verdict"]]


def _truth(rows: pd.DataFrame) -> pd.DataFrame:
    """``bundle`` per trial key, from the single-check modes' one verify record."""
    single = rows[rows["mode"].isin(SINGLE_CHECK) & (rows["verdict"] != "no verdict")]
    if single.empty:
        raise ValueError(
            f"run one of {', '.join(SINGLE_CHECK)} (recovery off) to tell right bundles "
            "from wrong ones"
        )
    right = (single["ok_verify"] == 1) == (single["verdict"] == "passed")
    truth = single.assign(bundle=np.where(right, "right", "wrong")).groupby(KEY)["bundle"]
    if (truth.nunique() > 1).any():
        raise ValueError("two verification modes disagree about the same bundle")
    return truth.first().to_frame()


def scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Per verification mode: the counts behind recall and the false-alarm rate.

    Columns ``recall`` and ``false_alarm`` with their ``_hits``, ``_n`` and Wilson 95% bounds
    ``_lo`` / ``_hi``; trials with no verdict are left out of both rates. The caption of
    :func:`verifier_table` is in ``.attrs["caption"]``.
    """
    data = verdicts(frame)
    out = []
    for mode in [m for m in MODES["verification"] if m in set(data["mode"])]:
        group = data[data["mode"] == mode]
        judged = group[group["verdict"] != "no verdict"]
        row = {"mode": mode, "reached": len(group), "no_verdict": len(group) - len(judged)}
        row["wrong"] = int((group["bundle"] == "wrong").sum())
        for name, bundle in (("recall", "wrong"), ("false_alarm", "right")):
            part = judged[judged["bundle"] == bundle]
            hits, n = int((part["verdict"] == "rejected").sum()), len(part)
            share, lo, hi = wilson_rate(hits, n)
            row |= {f"{name}_hits": hits, f"{name}_n": n, name: share}
            row |= {f"{name}_lo": lo, f"{name}_hi": hi}
        out.append(row)
    result = pd.DataFrame(out)
    result.attrs["caption"] = _caption(frame, data)
    result.attrs["source"] = shared(data, ["backend", "profile"], listing=True)
    return result


def _caption(frame: pd.DataFrame, data: pd.DataFrame) -> str:
    per_mode = data.groupby("mode")
    wrong = per_mode["bundle"].apply(lambda b: int((b == "wrong").sum()))
    where = shared(data, ["backend", "profile", "base"], listing=True,
                   words={"base": "other layers: {}"})  # fmt: skip
    return (
        f"{where} · {frame['seed'].nunique()} seed(s) · recovery off, so each trial's bundle is "
        f"checked once · {listed(per_mode.size())} trials reached verify, {listed(wrong)} with a "
        "wrong bundle · rates leave out trials with no verdict"
    )


def verifier_table(frame: pd.DataFrame) -> Table:
    """Per verification mode: wrong bundles caught (recall) and right ones rejected.

    Counts are ``hits / judged``; intervals are Wilson 95%; ``no verdict`` counts trials whose
    critic call itself failed. How many trials reached verify, and how many of their bundles
    were wrong, is said once in the caption.
    """
    s = scores(frame)
    table = pd.DataFrame(
        {
            "mode": s["mode"],
            "wrong bundles caught": _counts(s, "recall"),
            "recall": s["recall"],
            "recall 95% CI": _intervals(s, "recall"),
            "right bundles rejected": _counts(s, "false_alarm"),
            "false-alarm rate": s["false_alarm"],
            "false-alarm 95% CI": _intervals(s, "false_alarm"),
            "no verdict": s["no_verdict"],
        }
    )
    return Table(table, s.attrs["caption"])


def _counts(s: pd.DataFrame, name: str) -> list[str]:
    return [f"{h:,} / {n:,}" for h, n in zip(s[f"{name}_hits"], s[f"{name}_n"], strict=True)]


def _intervals(s: pd.DataFrame, name: str) -> list[str]:
    return [interval(lo, hi) for lo, hi in zip(s[f"{name}_lo"], s[f"{name}_hi"], strict=True)]


PANELS = (
    ("recall", "recall: wrong bundles rejected", "#2a9d8f"),
    ("false_alarm", "false alarms: right bundles rejected", "#e76f51"),
)


def verifier_bars(frame: pd.DataFrame, axes=None):
    """Recall (left) and false-alarm rate (right) per verification mode, Wilson 95% intervals.

    Each bar is labelled ``hits / n``, each panel's axis ends just above its highest interval,
    and the title says how many bundles reached verify and how many were wrong.

    Returns:
        The two Axes.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "state,protocol,verification:gate;"
        ...                        "state,protocol,verification:critic-strict", "uniform-90",
        ...                        tickets=20, executor="serial")
        >>> left, right = verifier_bars(frame)
        >>> left.get_title(), [t.get_text() for t in right.get_xticklabels()]
        ('recall: wrong bundles rejected', ['gate', 'critic-strict'])
    """
    import matplotlib.pyplot as plt

    s = scores(frame)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for ax, (name, title, colour) in zip(axes, PANELS, strict=True):
        err = error_bars(s[name], s[f"{name}_lo"], s[f"{name}_hi"])
        ax.bar(s["mode"], s[name], color=colour, yerr=err, capsize=4)
        labels = zip(s[f"{name}_hits"], s[f"{name}_n"], s[f"{name}_hi"], strict=True)
        for x, (hits, n, top) in enumerate(labels):
            ax.annotate(f"{hits} / {n}", (x, top), xytext=(0, 2), textcoords="offset points",
                        ha="center", fontsize=8)  # fmt: skip
        top = min(1.0, s[f"{name}_hi"].max()) * 1.15
        ax.set_ylim(0, top)
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(percent(1 if top < 0.2 else 0))
    reached, wrong = int(s["reached"].max()), int(s["wrong"].max())
    axes[0].figure.suptitle(
        f"{s.attrs['source']} · recovery off · {reached:,} bundles reached verify, "
        f"{wrong:,} of them wrong"
    )
    return axes


def catches_by_fault(frame: pd.DataFrame) -> Table:
    """Wrong bundles by the upstream fault(s) behind them: ``caught / n`` per mode.

    A bundle's upstream faults are those of the steps before verify (the same under every
    mode); trials with no verdict are left out.
    """
    data = verdicts(frame)
    data = data[(data["bundle"] == "wrong") & (data["verdict"] != "no verdict")]
    data = data.assign(fault=data["faults"].map(upstream))
    counts = data.groupby(["fault", "mode"], sort=False)["verdict"]
    table = counts.apply(lambda v: f"{(v == 'rejected').sum()} / {len(v)}").unstack("mode")
    order = data.groupby("fault").size().sort_values(ascending=False, kind="stable").index
    table = table.loc[order, [m for m in MODES["verification"] if m in table.columns]]
    table = table.fillna("—").reset_index().rename(columns={"fault": "upstream fault"})
    caption = "wrong bundles that reached verify, caught / n, by the fault(s) behind them"
    return Table(table, caption)


def upstream(faults: str) -> str:
    """The faults of a trial's steps before verify (``step:kind`` joined by ``+``).

    Example:
        >>> upstream("compose:hallucinated_claim;verify:critic_false_pass;deliver:timeout")
        'compose:hallucinated_claim'
    """
    kept = [f for f in faults.split(";") if f and f.split(":")[0] not in ("verify", "deliver")]
    return " + ".join(kept) or "(none injected)"


def verification_panel(summaries: Sequence[dict], **start):
    """A mode dropdown and a recovery toggle; the outcome shares redraw for the choice.

    The plot is :func:`coordlab.outcome_bars` of verification off and the chosen mode, both
    with the chosen recovery and the same other layers, read from ``summaries`` (as
    :func:`coordlab.summaries` gives them, for one profile and one setting of the other
    layers): nothing runs when a control moves. ``start`` picks the first view
    (``mode="full"``, ``recovery="off"``).

    Raises:
        ValueError: the summaries hold no setting with verification off.

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "state,protocol;state,protocol,verification:gate",
        ...                        "perfect", tickets=3, executor="serial")
        >>> verification_panel(coordlab.summaries(frame))
        <VerificationPanel mode=gate | recovery=off>
    """
    from coordlab.viz.plots import outcome_bars

    by_setting = {_setting(s["layers"])[:2]: s for s in summaries}
    modes = [m for m in MODES["verification"][1:] if any(k[0] == m for k in by_setting)]
    recovery = [r for r in MODES["recovery"] if ("off", r) in by_setting]
    if not recovery:
        raise ValueError("the summaries hold no setting with verification off")

    def draw(mode: str, recovery: str):
        pair = [by_setting[("off", recovery)], by_setting[(mode, recovery)]]
        ax = outcome_bars(pair)
        ax.set_xticks([0, 1], ["verification off", f"verification: {mode}"])
        ax.figure.axes[-1].set_xlabel(f"other layers: {_setting(pair[0]['layers'])[2]}")
        return ax.figure

    return choice_panel("VerificationPanel", {"mode": modes, "recovery": recovery}, draw, **start)
