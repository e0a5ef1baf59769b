"""pandas views of trials and summaries.

Example:
    >>> import coordlab
    >>> s = coordlab.run(layers="none", profile="perfect", tickets=2)
    >>> list(outcome_table([s]).columns)[:3]
    ['layers', 'success', 'silent_failure']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from coordlab.pipeline.context import Trial


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def trial_steps(trial: Trial, width: int = 60) -> pd.DataFrame:
    """One row per step execution: what it produced, which fault hit, which layer caught it."""
    rows = [
        {
            "step": r.step,
            "attempt": r.attempt,
            "by": r.model,
            "fault": r.fault or "",
            "caught_by": r.caught_by or "",
            "right": r.ok,
            "produced": _short(r.produced or r.error or "", width),
        }
        for r in trial.records
    ]
    return pd.DataFrame(rows)


def outcome_table(summaries: Sequence[dict]) -> pd.DataFrame:
    """Outcome rates, calls, tokens and dollars of several summaries, one row each."""
    rows = []
    for s in summaries:
        rows.append(
            {
                "layers": s["layers"],
                "success": s["success_rate"],
                "silent_failure": s["silent_failure_rate"],
                "escalated": s["escalation_rate"],
                "crashed": s["crash_rate"],
                "predicted_e2e": s["predicted_e2e"],
                "llm_calls": s["llm_calls"],
                "tokens": s["tokens_in"] + s["tokens_out"],
                "cost_usd": round(s["cost_usd"], 4),
            }
        )
    return pd.DataFrame(rows)
