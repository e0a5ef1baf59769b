"""The typed hand-offs, for a framework's state or message with the state layer on.

Every step's result as its pydantic model, ``None`` until the step has run. LangGraph's state
schema, CrewAI's flow state and MAF's work message extend it with their own fields (the email,
the route).

Example:
    >>> sorted(TypedHandoffs.model_fields)
    ['approval', 'decision', 'intake', 'order', 'passages', 'reply', 'verdict']
"""

from __future__ import annotations

from pydantic import BaseModel

from coordlab.types import Approval, Decision, Intake, OrderView, PolicyHit, Verdict


class TypedHandoffs(BaseModel):
    """The steps' results, typed and validated (``None`` until the step has run)."""

    intake: Intake | None = None
    passages: list[PolicyHit] | None = None
    order: OrderView | None = None
    decision: Decision | None = None
    approval: Approval | None = None
    reply: str | None = None
    verdict: Verdict | None = None
