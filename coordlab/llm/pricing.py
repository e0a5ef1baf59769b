"""Model tiers: prices per million tokens and a latency model, both editable.

The simulated clock advances by ``base_s + tokens_in * in_s + tokens_out * out_s`` per call;
nothing sleeps. Prices are illustrative list prices of a large and a small hosted model.

Example:
    >>> TIERS["primary"].cost(1_000_000, 0)
    3.0

"""

from __future__ import annotations

from dataclasses import dataclass

from coordlab.domain.steps import TABLE


@dataclass(frozen=True)
class ModelTier:
    """Price and latency of one model tier."""

    name: str
    usd_in_per_m: float
    usd_out_per_m: float
    base_s: float
    in_s: float
    out_s: float

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """Dollars for one call."""
        return (tokens_in * self.usd_in_per_m + tokens_out * self.usd_out_per_m) / 1e6

    def latency(self, tokens_in: int, tokens_out: int) -> float:
        """Virtual seconds for one call."""
        return self.base_s + tokens_in * self.in_s + tokens_out * self.out_s


TIERS: dict[str, ModelTier] = {
    "primary": ModelTier("primary", 3.00, 15.00, 0.45, 0.0002, 0.020),
    "fallback": ModelTier("fallback", 0.15, 0.60, 0.25, 0.0001, 0.008),
    "frontier": ModelTier("frontier", 15.00, 75.00, 0.90, 0.0004, 0.040),
}
"""Editable price and latency table; ``primary`` is the main model, ``fallback`` the spare.

``frontier`` prices "a bigger model" at 5× the primary's prices (and twice its latency): the
runs use ``primary``; :func:`coordlab.reprice` with ``primary="frontier"`` prices a run as if
the frontier model had answered the same prompts."""

TIER_SOURCES: dict[str, str] = {
    "primary": "illustrative list price of a large hosted model (coordlab's assumption)",
    "fallback": "illustrative list price of a small hosted model (coordlab's assumption)",
    "frontier": "5× the primary's prices: 'a bigger model' (coordlab's assumption)",
}
"""Where each tier's default prices come from (printed by :func:`coordlab.price_table`)."""

TOOL_LATENCY_S = {s.name: s.latency_s for s in TABLE if s.latency_s}
"""Virtual seconds of the steps no model answers (from the step table)."""

TIMEOUT_S = 30.0
"""Virtual seconds a timed-out call costs before it fails."""

RATE_LIMIT_S = 0.2
"""Virtual seconds a rate-limited (429) call costs."""
