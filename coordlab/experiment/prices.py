"""Total cost: what models, humans and failures cost per trial, each price with its source.

A trial costs its model calls (``cost_usd``, see :func:`coordlab.reprice`), the humans it
needs, and the harm a failure does. Every figure is computed from columns a trial row already
has, so any old results file can be priced with no re-run:

- **model** — ``cost_usd`` as it stands (reprice the frame first for other model prices);
- **human** — a delivered escalation (``action == "escalate"``, whether expected or not) is
  handled by a human at :attr:`Prices.escalation_usd`; a crashed trial left its ticket
  unanswered, so a human picks it up at :attr:`Prices.crash_usd` (once per ticket: an
  escalation that then crashed costs one handling); each human approval (the ``approvals``
  column if present, and at least one for a ``success_after_approval`` trial) costs
  :attr:`Prices.approval_usd`;
- **failure** — the money refunded wrongly (:func:`refund_loss`: a refund not due in full,
  an over-refund's excess, every duplicated refund again, the due amount paid to another order
  in full; an under-refund loses no money) on any trial, plus :attr:`Prices.goodwill_usd` per
  silent failure (a wrong reply with no money involved costs the goodwill only);
- **total** — their sum.

Edit a price with ``Prices(goodwill_usd=50)`` or :func:`dataclasses.replace`;
:func:`price_table` prints every price with its source, and says which ones you set.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "outcome": ["success", "escalated", "silent_failure", "silent_failure", "crashed"],
    ...     "action": ["refund", "escalate", "refund", "reply", None],
    ...     "amount": [40.0, None, 120.0, None, None],
    ...     "expected_action": ["refund", "reply", "refund", "reply", "refund"],
    ...     "expected_amount": [40.0, 0.0, 100.0, 0.0, 30.0],
    ...     "cost_usd": [0.01] * 5})
    >>> costs = trial_costs(rows)
    >>> costs[["human_usd", "refund_usd", "failure_usd", "total_usd"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [[0.0, 0.0, 0.0, 0.01], [7.0, 0.0, 0.0, 7.01], [0.0, 20.0, 45.0, 45.01],
     [0.0, 0.0, 25.0, 25.01], [7.0, 0.0, 0.0, 7.01]]
    >>> trial_costs(rows, Prices(goodwill_usd=50.0))["failure_usd"].tolist()
    [0.0, 0.0, 70.0, 50.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from coordlab.llm.pricing import TIER_SOURCES, TIERS, ModelTier

CENT = 0.005
"""Amounts closer than this are the same amount (as the grader compares them)."""


def _price(usd: float, what: str, per: str, source: str) -> Any:
    """A dataclass field holding a default price with what it pays for and its source."""
    return field(default=usd, metadata={"what": what, "per": per, "source": source})


@dataclass(frozen=True)
class Prices:
    """What humans and failures cost, in dollars; every default says where it comes from.

    Model prices live in :data:`coordlab.TIERS`. Edit one price with
    ``Prices(goodwill_usd=50.0)``; :func:`price_table` lists them all with their sources.
    """

    escalation_usd: float = _price(
        7.00, "a human handles an escalated ticket", "escalated ticket",
        "the seeds: $6–8 per escalated ticket, midpoint")  # fmt: skip
    crash_usd: float = _price(
        7.00, "a human picks up the ticket a crashed run left", "crashed trial",
        "coordlab's assumption: a crash leaves the ticket unanswered, so it costs what an "
        "escalation does")  # fmt: skip
    approval_usd: float = _price(
        1.00, "a human approves an over-threshold refund", "approval",
        "coordlab's assumption: about 2 minutes of a support agent at $30 an hour")  # fmt: skip
    goodwill_usd: float = _price(
        25.00, "goodwill lost to a silent failure, on top of any money refunded wrongly",
        "silent failure",
        "coordlab's assumption: the customer writes back and a human puts it right (the $7 "
        "escalation price) plus an $18 make-good credit or churn risk; see the break-even "
        "price (coordlab.break_even_failure_cost) before trusting it")  # fmt: skip


PRICES = Prices()
"""The default prices."""


def price_table(prices: Prices | None = None, tiers: dict[str, ModelTier] | None = None):
    """Every price a total cost uses, with what it pays for and its source (a DataFrame).

    Model tiers come first ($ per million tokens in and out), then the human and failure
    prices. A price that differs from its default says so in its source.

    Example:
        >>> table = price_table(Prices(goodwill_usd=40.0))
        >>> list(table.columns), len(table)
        (['price', 'usd', 'per', 'what', 'source'], 10)
        >>> goodwill = table.set_index("price").loc["goodwill_usd"]
        >>> print(f"${goodwill['usd']:.2f} per {goodwill['per']}: {goodwill['source'][:38]}…")
        $40.00 per silent failure: set by you (default $25.00: coordlab's…
    """
    prices, tiers = prices or PRICES, tiers or TIERS
    rows = []
    for name, tier in tiers.items():
        source = TIER_SOURCES.get(name, "set by you")
        for side, tokens in (("in", "input"), ("out", "output")):
            key = f"usd_{side}_per_m"
            usd, default = getattr(tier, key), getattr(TIERS.get(name), key, None)
            rows.append({"price": f"{name} {key}", "usd": usd, "per": "million tokens",
                         "what": f"the {name} model's {tokens} tokens",
                         "source": _said(source, usd, default)})  # fmt: skip
    for spec in fields(Prices):
        usd, meta = getattr(prices, spec.name), spec.metadata
        rows.append({"price": spec.name, "usd": usd, "per": meta["per"], "what": meta["what"],
                     "source": _said(meta["source"], usd, spec.default)})  # fmt: skip
    return pd.DataFrame(rows, columns=["price", "usd", "per", "what", "source"])


def _said(source: str, usd: float, default: float | None) -> str:
    """``source``, or that the user set the price (and what the default was, and why)."""
    if default is None or usd == default:
        return source
    return f"set by you (default ${default:.2f}: {source})"


def _column(frame: pd.DataFrame, name: str, default) -> pd.Series:
    """``frame[name]``, or ``default`` on every row when the frame has no such column."""
    return frame[name] if name in frame else pd.Series(default, index=frame.index)


def refund_loss(frame: pd.DataFrame) -> pd.Series:
    """Dollars refunded wrongly on each trial (0 where no refund went wrong).

    Duplicated side effects are taken to repeat the first (a retried delivery), so a trial
    paid ``amount × (1 + duplicate_side_effects)``. Against what was due: everything, when no
    refund was due (an unauthorised refund counts in full) or when the due amount went to
    another order (``wrong_refunds`` with the right amount); otherwise the excess over the due
    amount. A refund of another amount *and* to another order counts as its excess only: the
    row does not say which order was expected.

    Example:
        >>> rows = pd.DataFrame({"action": ["refund"] * 3, "amount": [50.0, 120.0, 80.0],
        ...     "duplicate_side_effects": [0, 0, 1], "wrong_refunds": [1, 1, 0],
        ...     "expected_action": ["decline", "refund", "refund"],
        ...     "expected_amount": [0.0, 100.0, 80.0]})
        >>> refund_loss(rows).tolist()  # not due; over-refunded; paid twice
        [50.0, 20.0, 80.0]
    """
    amount = _column(frame, "amount", 0.0).fillna(0.0).astype(float)
    due = _column(frame, "expected_amount", 0.0).fillna(0.0).astype(float)
    copies = 1 + _column(frame, "duplicate_side_effects", 0).fillna(0)
    owed = _column(frame, "expected_action", "").eq("refund")
    elsewhere = owed & ((amount - due).abs() <= CENT) & (_column(frame, "wrong_refunds", 0) > 0)
    kept = due.where(owed & ~elsewhere, 0.0)
    loss = (amount * copies - kept).clip(lower=0.0)
    return loss.where(_column(frame, "action", "").eq("refund"), 0.0).round(2)


def human_cost(frame: pd.DataFrame, prices: Prices | None = None) -> pd.Series:
    """Dollars of human time per trial: escalations, crashed tickets and approvals."""
    prices = prices or PRICES
    outcome = frame["outcome"]
    # a hand-built frame without actions: the escalated outcome is all there is to go on
    actions = frame["action"] if "action" in frame else outcome.map({"escalated": "escalate"})
    escalated = actions.eq("escalate")
    crashed = outcome.eq("crashed") & ~escalated
    approvals = np.maximum(
        _column(frame, "approvals", 0).fillna(0), outcome.eq("success_after_approval")
    )
    handled = escalated * prices.escalation_usd + crashed * prices.crash_usd
    return (handled + approvals * prices.approval_usd).astype(float)


def trial_costs(frame: pd.DataFrame, prices: Prices | None = None) -> pd.DataFrame:
    """``frame`` (a copy) with its dollars per trial: model, human, failure and their total.

    Adds ``model_usd`` (``cost_usd``), ``human_usd`` (:func:`human_cost`), ``refund_usd``
    (:func:`refund_loss`), ``failure_usd`` (``refund_usd`` plus the goodwill price on a silent
    failure) and ``total_usd``. To price the model calls at other prices, pass
    :func:`coordlab.reprice`'s frame.
    """
    prices = prices or PRICES
    out = frame.copy()
    out["model_usd"] = frame["cost_usd"].astype(float)
    out["human_usd"] = human_cost(frame, prices)
    out["refund_usd"] = refund_loss(frame)
    silent = frame["outcome"].eq("silent_failure")
    out["failure_usd"] = out["refund_usd"] + silent * prices.goodwill_usd
    out["total_usd"] = out["model_usd"] + out["human_usd"] + out["failure_usd"]
    return out
