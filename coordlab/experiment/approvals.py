"""How many refunds above the approval threshold complete once a person approves them.

A ticket *awaits approval* when its right answer is a refund above the threshold: without the
approval layer the desk escalates it (a person takes the ticket over), with ``approval:human`` a
person approves the refund and the desk pays it (``success_after_approval``). Upstream faults
can keep a request from being made (a misread intake), and the approver can refuse a refund the
policies allow, so not every such ticket completes.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "all,approval", "perfect", tickets=40, executor="serial")
    >>> table = approval_completion(frame)
    >>> table[["tickets", "trials", "completed", "share"]].to_dict("records")
    [{'tickets': 5, 'trials': 5, 'completed': 5, 'share': 1.0}]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from coordlab.datasets import load_orders, load_tickets
from coordlab.experiment.stats import wilson
from coordlab.pipeline.grading import waits_for_approval
from coordlab.pipeline.reference import order_view
from coordlab.types import Ticket


def awaiting_approval(tickets: Sequence[Ticket] | None = None) -> list[str]:
    """The ids of ``tickets`` (default: the bundled ones) whose refund needs a person's approval.

    Example:
        >>> awaiting_approval()[:3]
        ['T0011', 'T0013', 'T0014']
    """
    orders = {order.id: order_view(order) for order in load_orders()}
    tickets = load_tickets() if tickets is None else tickets
    return [t.id for t in tickets if waits_for_approval(t, orders.get(t.truth.order_id or ""))]


def approval_completion(
    frame: pd.DataFrame,
    by: Sequence[str] = ("layers",),
    tickets: Sequence[Ticket] | None = None,
) -> pd.DataFrame:
    """Per group, the trials of tickets awaiting approval and the share that completed.

    ``tickets``: the tickets the frame ran (default: the bundled ones). Columns: ``tickets``,
    ``trials``, ``completed`` (``success_after_approval``), ``share`` with its Wilson interval
    (``ci_lo``, ``ci_hi``), ``asked`` (trials that sent a request), and the count of each other
    outcome.
    """
    waiting = frame[frame["ticket_id"].isin(awaiting_approval(tickets))]
    if "approvals" not in waiting:  # (results made before the approval layer existed)
        waiting = waiting.assign(approvals=0)
    rows = []
    for key, group in waiting.groupby(list(by), sort=False):
        done = int(group["outcome"].eq("success_after_approval").sum())
        lo, hi = wilson(done, len(group))
        others = group["outcome"][group["outcome"] != "success_after_approval"].value_counts()
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys, strict=True)),
                     "tickets": group["ticket_id"].nunique(), "trials": len(group),
                     "completed": done, "share": done / len(group), "ci_lo": lo, "ci_hi": hi,
                     "asked": int((group["approvals"] > 0).sum()), **others.to_dict()})  # fmt: skip
    table = pd.DataFrame(rows)
    counts = [c for c in table.columns if c not in (*by, "share", "ci_lo", "ci_hi")]
    return table.fillna({c: 0 for c in counts}).astype({c: int for c in counts})
