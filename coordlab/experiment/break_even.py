"""The break-even failure cost of an upgrade, with a 95% interval from the same trials.

An upgrade (more layers, a bigger model) costs more per trial in model and human dollars and
prevents some silent failures. It pays for itself once a silent failure costs more than
``Δ (model + human + wrongly refunded dollars) / (silent failures prevented per trial)``:
:func:`coordlab.break_even_failure_cost` gives that point from a :func:`coordlab.cost_table`;
:func:`break_even` computes it from paired trials (same seed and ticket) with a ticket
bootstrap interval, so a notebook can say how sure the figure is.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"layers": ["none"] * 4 + ["all"] * 4, "seed": 0,
    ...     "ticket_id": ["T1", "T2", "T3", "T4"] * 2,
    ...     "outcome": ["silent_failure", "success", "silent_failure", "success"]
    ...                + ["success"] * 4,
    ...     "cost_usd": [0.01] * 4 + [0.05] * 4})
    >>> result = break_even(rows, {"layers": "none"}, {"layers": "all"})
    >>> result["usd"], result["pays"], result["prevented"], result["extra_usd"]
    (0.08, 'above', 0.5, 0.04)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from coordlab.experiment.compare import selected
from coordlab.experiment.prices import Prices, trial_costs
from coordlab.experiment.stats import ticket_bootstrap


def _paired(frame: pd.DataFrame, config: Mapping, prices: Prices | None) -> pd.DataFrame:
    costs = trial_costs(selected(frame, config), prices)
    costs["other_usd"] = costs["model_usd"] + costs["human_usd"] + costs["refund_usd"]
    costs["silent"] = costs["outcome"].eq("silent_failure").astype(float)
    return costs.set_index(["seed", "ticket_id"])[["other_usd", "silent"]]


def break_even(
    frame: pd.DataFrame,
    base: Mapping,
    upgraded: Mapping,
    prices: Prices | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict:
    """The silent-failure price at which ``upgraded`` pays for itself against ``base``.

    Args:
        frame: trial rows holding both configurations.
        base: the configuration upgraded from, as column values (``{"layers": "none"}``).
        upgraded: the configuration upgraded to.
        prices: human prices (default :data:`coordlab.experiment.prices.PRICES`); the
            goodwill price is what is solved for, so it does not matter.
        n_boot: bootstrap resamples of tickets.
        seed: the bootstrap's seed.

    Returns:
        ``{"usd", "ci95", "pays", "extra_usd", "prevented", "pairs"}``: the break-even dollars
        per silent failure and its 95% interval; ``pays`` says on which side of it the upgrade
        pays: ``above`` (it costs more and prevents failures), ``always`` (it is no dearer and
        prevents at least as many: ``usd`` is 0), ``never`` (it costs more and prevents none:
        ``usd`` is ``inf``) or ``below`` (it is cheaper but lets *more* silent failures
        through: it pays while a failure costs less than ``usd``); then the extra dollars per
        trial and the silent failures prevented per trial. Resamples on the other side of zero
        prevented failures are left out of the interval.
    """
    a, b = _paired(frame, base, prices), _paired(frame, upgraded, prices)
    both = a.join(b, lsuffix="_a", rsuffix="_b", how="inner")
    if both.empty:
        raise ValueError(f"no paired trials between {dict(base)} and {dict(upgraded)}")
    extra = (both["other_usd_b"] - both["other_usd_a"]).to_numpy()
    prevented = (both["silent_a"] - both["silent_b"]).to_numpy()
    values = np.stack([extra, prevented], axis=1)

    sign = np.sign(prevented.sum())

    def price(weights):
        totals = weights @ values
        extra_usd, fewer = totals[..., 0], totals[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = extra_usd / fewer
        # fewer failures: pays above the ratio (at any price if it is no dearer); more
        # failures: pays below it if it is cheaper, never if it is not
        crossing = np.where(fewer > 0, np.maximum(ratio, 0.0),
                            np.where(extra_usd < 0, ratio, math.inf))  # fmt: skip
        none_fewer = np.where(extra_usd <= 0, 0.0, math.inf)
        # a resample on the other side of zero answers another question: left out
        return np.where(fewer == 0, none_fewer, np.where(np.sign(fewer) == sign, crossing, np.nan))

    tickets = both.index.get_level_values("ticket_id")
    lo, hi = ticket_bootstrap(tickets, price, n_boot, seed, method="inverted_cdf")
    usd = float(price(np.ones(len(values))))
    return {
        "usd": round(usd, 6),
        "ci95": [lo, hi],
        "pays": _pays(usd, sign),
        "extra_usd": round(float(extra.mean()), 6),
        "prevented": round(float(prevented.mean()), 6),
        "pairs": len(values),
    }


def _pays(usd: float, sign: float) -> str:
    """When the upgrade pays: ``above`` / ``below`` the price, ``always`` or ``never``."""
    if math.isinf(usd):
        return "never"
    if sign == 0 or usd == 0:
        return "always" if sign >= 0 else "below"
    return "above" if sign > 0 else "below"
