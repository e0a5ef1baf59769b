"""The data that flows through coordlab: dataset rows, step outputs and trial results.

Dataset models (:class:`Ticket`, :class:`Order`, :class:`Policy`) validate the files under
``datasets/support``. Step models (:class:`Intake`, :class:`OrderRecord`, :class:`Decision`, ...)
are the typed hand-offs the *state* layer enforces; with that layer off the same information
travels as text and is re-parsed (see :mod:`coordlab.domain.handoff`). The step names and
which model each step hands on live in the step table, :mod:`coordlab.domain.steps`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

Intent = Literal["refund", "status", "complaint", "other"]
Action = Literal["refund", "reply", "escalate", "decline"]
Region = Literal["US", "CA", "UK", "EU", "AU"]
Outcome = Literal["success", "escalated", "silent_failure", "crashed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Order(_Strict):
    """One order in the store."""

    id: str = Field(pattern=r"^ORD-\d{5}$")
    customer: str
    item: str
    category: Literal["physical", "digital"]
    total: PositiveFloat
    order_date: dt.date
    region: Region
    status: Literal["processing", "shipped", "delivered"]


class Policy(_Strict):
    """One policy document, as indexed for retrieval."""

    id: str = Field(pattern=r"^POL-\d{2}$")
    title: str
    topic: str
    text: str


class Truth(_Strict):
    """What a correct pipeline does with a ticket."""

    intent: Intent
    order_id: str | None
    requested_amount: float | None
    reason: str
    action: Action
    amount: float = Field(ge=0)
    policy_ids: list[str] = Field(min_length=1)


class Ticket(_Strict):
    """A customer email with its ground truth and tags (``hard``, ``must_escalate``, ...)."""

    id: str = Field(pattern=r"^T\d{4}$")
    received_at: dt.date
    customer: str
    email: str
    truth: Truth
    tags: list[Literal["hard", "must_escalate", "adversarial"]] = []


# --- step outputs: the typed hand-offs -------------------------------------------------------


class Intake(_Strict):
    """Step 1 output. Every field is required (``None`` must be said explicitly)."""

    intent: Intent
    order_id: str | None = Field(pattern=r"^ORD-\d{5}$")
    requested_amount: float | None = Field(ge=0)
    reason: str


class PolicyHit(_Strict):
    """A retrieved policy passage."""

    id: str
    title: str
    text: str


class OrderRecord(_Strict):
    """Step 3 output: the order as the lookup tool's contract promises it."""

    order_id: str = Field(pattern=r"^ORD-\d{5}$")
    total: PositiveFloat
    order_date: dt.date
    region: Region
    status: Literal["processing", "shipped", "delivered"]
    category: Literal["physical", "digital"]


class Decision(_Strict):
    """Step 4 output."""

    action: Action
    amount: float = Field(ge=0)
    policy_ids: list[str] = Field(min_length=1)


class ReplyText(BaseModel):
    """The compose step's typed output."""

    text: str


class Approval(_Strict):
    """A person's approval of an over-threshold refund: the refund approved and its token."""

    token: str
    action: Action
    amount: float = Field(ge=0)
    policy_ids: list[str] = Field(min_length=1)


class Route(_Strict):
    """The routing layer's output: which model should answer the ticket."""

    model: Literal["small", "large"]
    reason: str = ""


class Verdict(_Strict):
    """The verify step's output."""

    passed: bool
    blame: str | None = None
    reason: str = ""
    checker: str = ""


class StepRecord(BaseModel):
    """One execution of one step inside a trial: what it got, what it gave, what went wrong."""

    step: str
    attempt: int
    ok: bool
    model: str = ""
    fault: str | None = None
    error: str | None = None
    caught_by: str | None = None
    received: str = ""
    produced: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    start_s: float = 0.0
    """Virtual clock (seconds since the trial began) when this execution started."""
    end_s: float = 0.0
    """Virtual clock when it ended; a gap before the next execution's start is a backoff."""


class OrderView(BaseModel):
    """The order as the pipeline holds it after lookup.

    With the protocol and state layers off, fields picked by name from an unexpected payload
    default to 0 or empty: the silent corruption those layers exist to stop.
    """

    model_config = ConfigDict(frozen=True)

    order_id: str
    total: float = 0.0
    order_date: dt.date | None = None
    region: str = ""
    status: str = ""
    category: str = ""
