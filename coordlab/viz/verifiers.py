"""How well each verification mode checks: catches, false alarms, and what a verifier costs.

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

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from coordlab.config import MODES, Layers
from coordlab.experiment.stats import wilson
from coordlab.viz.labels import interval
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
            lo, hi = wilson(hits, n)
            share = hits / n if n else float("nan")
            row |= {f"{name}_hits": hits, f"{name}_n": n, name: share}
            row |= {f"{name}_lo": lo, f"{name}_hi": hi}
        out.append(row)
    result = pd.DataFrame(out)
    result.attrs["caption"] = _caption(frame, data)
    result.attrs["source"] = " · ".join(
        [
            ", ".join(sorted(set(data["backend"]))),
            f"profile {', '.join(sorted(set(data['profile'])))}",
        ]
    )
    return result


def _caption(frame: pd.DataFrame, data: pd.DataFrame) -> str:
    join = lambda column: ", ".join(sorted(set(data[column])))  # noqa: E731
    per_mode = data.groupby("mode")
    reached = sorted(set(per_mode.size()))
    wrong = sorted(set(per_mode["bundle"].apply(lambda b: int((b == "wrong").sum()))))
    return (
        f"{join('backend')} · profile {join('profile')} · other layers: {join('base')} · "
        f"{frame['seed'].nunique()} seed(s) · recovery off, so each trial's bundle is checked "
        f"once · {_span(reached)} trials reached verify, {_span(wrong)} with a wrong bundle · "
        "rates leave out trials with no verdict"
    )


def _span(values: list[int]) -> str:
    return "–".join(f"{v:,}" for v in dict.fromkeys([values[0], values[-1]]))


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
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    s = scores(frame)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    for ax, (name, title, colour) in zip(axes, PANELS, strict=True):
        err = np.clip([s[name] - s[f"{name}_lo"], s[f"{name}_hi"] - s[name]], 0, None)
        ax.bar(s["mode"], s[name], color=colour, yerr=err, capsize=4)
        labels = zip(s[f"{name}_hits"], s[f"{name}_n"], s[f"{name}_hi"], strict=True)
        for x, (hits, n, top) in enumerate(labels):
            ax.annotate(f"{hits} / {n}", (x, top), xytext=(0, 2), textcoords="offset points",
                        ha="center", fontsize=8)  # fmt: skip
        top = min(1.0, s[f"{name}_hi"].max()) * 1.15
        ax.set_ylim(0, top)
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if top < 0.2 else 0))
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


def mean_ratio(
    frame: pd.DataFrame,
    a: Mapping,
    b: Mapping,
    metric: str = "tokens",
    n_boot: int = 2000,
    seed: int = 0,
) -> dict:
    """Mean of ``metric`` under configuration ``b`` divided by its mean under ``a``.

    Trials are paired on ``(seed, ticket_id)``; the 95% interval is a percentile bootstrap
    that resamples *tickets* (each with all its seeds), since one ticket's trials are alike.

    Args:
        frame: a results frame.
        a: the reference configuration, as column values (``{"layers": "state,protocol"}``).
        b: the configuration to compare.
        metric: ``tokens`` (in + out), a numeric column, or an outcome (``escalated``: 0/1
            per trial, so the ratio is a ratio of rates).
        n_boot: bootstrap resamples.
        seed: the bootstrap's seed.

    Returns:
        ``{"metric", "pairs", "tickets", "a_mean", "b_mean", "ratio", "ci95"}``; a ratio over
        a zero mean is ``inf`` (``nan`` when both are zero).

    Example:
        >>> rows = [{"layers": x, "seed": 0, "ticket_id": f"T{i}", "tokens_in": t,
        ...          "tokens_out": 0} for i in range(4) for x, t in (("a", 10), ("b", 15))]
        >>> r = mean_ratio(pd.DataFrame(rows), {"layers": "a"}, {"layers": "b"})
        >>> r["ratio"], r["ci95"]
        (1.5, [1.5, 1.5])
    """
    pairs = pd.concat([_values(frame, a, metric), _values(frame, b, metric)], axis=1).dropna()
    if pairs.empty:
        raise ValueError(f"no paired trials between {dict(a)} and {dict(b)}")
    per_ticket = pairs.groupby(level="ticket_id").sum().to_numpy()
    n = pairs.groupby(level="ticket_id").size().to_numpy()
    picks = np.random.default_rng(seed).integers(0, len(n), size=(n_boot, len(n)))
    sums = per_ticket[picks].sum(axis=1)  # (n_boot, 2): a, b
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = sums[:, 1] / sums[:, 0]
        ratio = float(per_ticket[:, 1].sum() / per_ticket[:, 0].sum())
    boot = boot[~np.isnan(boot)]  # 0 / 0: a resample with neither
    bounds = np.quantile(boot, [0.025, 0.975], method="inverted_cdf") if boot.size else [np.nan] * 2
    a_mean, b_mean = per_ticket.sum(axis=0) / n.sum()
    return {
        "metric": metric,
        "pairs": int(n.sum()),
        "tickets": len(n),
        "a_mean": float(a_mean),
        "b_mean": float(b_mean),
        "ratio": ratio,
        "ci95": [float(bounds[0]), float(bounds[1])],
    }


def _values(frame: pd.DataFrame, config: Mapping, metric: str) -> pd.Series:
    rows = frame
    for column, value in config.items():
        rows = rows[rows[column] == value]
    if metric == "tokens":
        values = rows["tokens_in"] + rows["tokens_out"]
    elif metric in rows.columns:
        values = rows[metric]
    else:
        values = rows["outcome"] == metric
    return values.astype(float).set_axis(pd.MultiIndex.from_frame(rows[["seed", "ticket_id"]]))


def verification_panel(summaries: Sequence[dict], **start):
    """A mode dropdown and a recovery toggle; the outcome shares redraw for the choice.

    The plot is :func:`coordlab.outcome_bars` of verification off and the chosen mode, both
    with the chosen recovery and the same other layers, read from ``summaries`` (as
    :func:`coordlab.summaries` gives them, for one profile and one setting of the other
    layers): nothing runs when a control moves. ``start`` picks the first view
    (``mode="full"``, ``recovery="off"``).

    Raises:
        ValueError: the summaries hold no setting with verification off.
    """
    from coordlab.viz.choices import choice_panel
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
