"""The support desk's steps, written once. Backends call these; they own the control flow.

Each function runs one execution of one step: it takes its inputs from the hand-offs a backend
carries in its framework's state or messages (``work``: ``email``, ``intake``, ``passages``,
``order``, ``decision``, ``reply``), returns its own hand-off as a dict (``{"intake": ...}``),
and records the execution on the :class:`Trial` (the recorder: steps, tokens, clock, faults,
with the reference's verdict on the output). What is carried is the codec's choice (the state
layer's hook): text that the next step re-parses, or typed models.

Errors are raised, not handled: :class:`TransientError` for retryable failures,
:class:`Rejected` when a check refused a value. What to do about them is the backend's
orchestration plus the layer stack (:mod:`coordlab.pipeline.control`).
"""

from __future__ import annotations

from collections.abc import Mapping

from coordlab.domain import wire
from coordlab.domain.reply import ESCALATION_SENTENCE
from coordlab.domain.steps import TABLE
from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import prompts, reference
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.prompts import order_section, render_passages
from coordlab.pipeline.support_desk import ESCALATE
from coordlab.retrieval.index import query_for
from coordlab.tools.store import AUTH_S, LOOKUP_FAULTS
from coordlab.tracing import call as traced_call

INPUTS: dict[str, tuple[str, ...]] = {s.name: s.inputs for s in TABLE} | {ESCALATE: ("intake",)}
"""Step (or ``escalate``) -> the hand-offs it reads (from the step table)."""

OUTPUT: dict[str, str | None] = {s.name: s.result for s in TABLE} | {ESCALATE: None}
"""Step -> the hand-off it produces (``None``: a side effect only)."""

HANDOFFS = ("email", *(s.result for s in TABLE if s.result))
"""Every hand-off key, in the order the steps produce them."""


def flow(desk: Desk) -> tuple[str, ...]:
    """The steps in order for this desk's layer stack (``verify`` only with verification)."""
    return desk.pipeline.flow()


class Given:
    """The hand-offs a step reads, as values (the codec re-parses what was carried as text).

    Args:
        desk: the run's desk (its layer stack's codec decodes).
        work: the carried hand-offs, by key.
    """

    def __init__(self, desk: Desk, work: Mapping):
        self.desk = desk
        self.codec = desk.pipeline.codec
        self.work = work

    def __getattr__(self, key: str):
        if key not in HANDOFFS:
            raise AttributeError(key)
        value = self.work.get(key)
        return value if key == "email" else self.codec.take(key, value)


def ask(
    desk: Desk,
    trial: Trial,
    step: str,
    sections: dict[str, str],
    check,
    mode: str | None = None,
    reviews: str | None = None,
):
    """One model call: build the prompt, call, account, parse, record; ``(parsed, answer)``.

    ``check`` labels the parsed answer right or wrong for the record (the measuring
    instrument, never fed back); ``mode`` picks the critic's prompt for ``verify``, and
    ``reviews`` the step a critic on every hand-off reviews (the header's ``checks=``).
    """
    codec = desk.pipeline.codec
    attempt = trial.next_attempt(step)
    messages = prompts.build(step, trial.ticket.id, attempt, sections, codec.typed, mode, reviews)
    try:
        with traced_call(trial.key, f"chat {trial.model}", tier=trial.model) as span:
            completion = desk.llm.complete(messages, trial.model)
            span["gen_ai.usage.input_tokens"] = completion.tokens_in
            span["gen_ai.usage.output_tokens"] = completion.tokens_out
            span["fault"] = completion.fault
    except TransientError as err:
        trial.llm_calls += 1
        trial.clock_s += err.virtual_s
        trial.record(step, False, model=trial.model, fault=err.kind, error=str(err))
        raise
    trial.charge(completion)
    details = dict(
        model=completion.model,
        fault=completion.fault,
        produced=completion.text,
        tokens_in=completion.tokens_in,
        tokens_out=completion.tokens_out,
        latency_s=completion.latency_s,
        received=messages[-1].content,
    )
    try:
        parsed = codec.parse(step, completion.text)
    except Rejected as err:
        trial.record(step, False, error=err.reason, caught_by="state", **details)
        raise
    trial.record(step, check(parsed), **details)
    return parsed, completion.text


def route(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """The routing layer's step (the stack says how): the model tier for the rest of the trial.

    The tier is the recorder's model, as the fallback after an outage is: it decides which of
    the framework's models answers each later step, and hands nothing on.
    """
    trial.model = desk.pipeline.route(desk, trial, Given(desk, work))
    return {}


def intake(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 1: read the email."""
    email = work["email"]
    check = lambda out: reference.intake_ok(trial, out)  # noqa: E731
    parsed, answer = ask(desk, trial, "intake", {"Email": email}, check)
    return {"intake": desk.pipeline.codec.carry("intake", parsed, answer)}


def retrieve(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 2: search the policy index (chromadb)."""
    given = Given(desk, work)
    attempt = trial.next_attempt("retrieve")
    query = query_for(given.intake, given.email)
    with traced_call(trial.key, "tool search_policies", tool="chromadb"):
        raw = desk.index.search(query)
    kinds = ["empty_retrieval", "low_recall"] if raw else []
    fault = desk.injector.draw(trial.ticket.id, "retrieve", attempt, kinds)
    hits = raw
    if fault == "empty_retrieval":
        hits = []
    elif fault == "low_recall":  # the right neighbourhood is missed: ranks k+1..2k come back
        hits = desk.index.search(query, skip=desk.index.k)
    trial.clock_s += 0.03
    trial.record(
        "retrieve",
        hits == raw,
        model="chromadb",
        fault=fault,
        received=query,
        produced=", ".join(h.id for h in hits),
    )
    return {"passages": desk.pipeline.codec.carry("passages", hits)}


def lookup(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 3: fetch the order record through the tools."""
    order_id = Given(desk, work).intake.order_id
    if order_id is None:
        return {"order": None}
    attempt = trial.next_attempt("lookup")
    trial.clock_s += 0.05
    fault = desk.injector.draw(trial.ticket.id, "lookup", attempt, list(LOOKUP_FAULTS))
    details = dict(model=desk.tools.protocol, received=order_id, fault=fault)
    try:
        with traced_call(trial.key, "tool get_order", tool=desk.tools.protocol):
            payload = desk.tools.get_order(order_id, trial.request_id("lookup"))
        order = desk.pipeline.codec.order(payload, order_id)
    except TransientError as err:
        trial.clock_s += err.virtual_s
        details["fault"] = err.kind  # a token expired earlier stays so: not this draw's doing
        trial.record("lookup", False, error=str(err), **details)
        raise
    except Rejected as err:
        ok = reference.lookup_ok(desk, order_id, None)
        trial.record("lookup", ok, error=err.reason, caught_by=err.layer, **details)
        raise
    if getattr(desk.tools, "refreshed_token", False):  # a 401, refreshed and asked again
        trial.clock_s += 2 * AUTH_S
        details["caught_by"] = "protocol"
    elif fault == "expired_credentials":  # a token refreshed earlier in the trial stays valid
        details["fault"] = None
    ok = reference.lookup_ok(desk, order_id, order)
    trial.record("lookup", ok, produced=repr(order), **details)
    return {"order": desk.pipeline.codec.carry("order", order)}


def context(desk: Desk, given: Given) -> dict[str, str]:
    """The prompt sections every step after lookup reads: email, intake, policies, order."""
    codec = desk.pipeline.codec
    return {
        "Email": given.email,
        "Intake": codec.render(given.intake),
        "Policies": render_passages(given.passages),
        "Order": order_section(given.order, codec.typed),
    }


def decide(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 4: decide the action under the retrieved policies."""
    given = Given(desk, work)
    intake, passages, order = given.intake, given.passages, given.order
    check = lambda out: reference.decide_ok(trial, out, intake, passages, order)  # noqa: E731
    parsed, answer = ask(desk, trial, "decide", context(desk, given), check)
    return {"decision": desk.pipeline.codec.carry("decision", parsed, answer)}


def approve(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """The approval layer's step: a refund above the threshold waits for a person.

    The stack says how (:meth:`~coordlab.pipeline.support_desk.SupportDesk.approve`); the
    approval travels on as a hand-off that carries the refund approved and its token, or
    ``None`` (no approval asked, or refused: the decision stands).
    """
    approval = desk.pipeline.approve(desk, trial, Given(desk, work))
    if approval is None:
        return {"approval": None}
    text = wire.render_answer("approve", approval.model_dump(), typed=False)
    return {"approval": desk.pipeline.codec.carry("approval", approval, text)}


def compose(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 5: write the reply."""
    given = Given(desk, work)
    decision = reference.decided(given)
    sections = context(desk, given) | {"Decision": desk.pipeline.codec.render(decision)}
    passages, order = given.passages, given.order
    check = lambda out: out.text == reference.expected_reply(trial, decision, passages, order)  # noqa: E731
    parsed, _ = ask(desk, trial, "compose", sections, check)
    return {"reply": parsed.text}


def verify(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """The verification layer's step (the stack says what it runs); raises :class:`Rejected`."""
    verdict = desk.pipeline.verify(desk, trial, Given(desk, work))
    return {"verdict": desk.pipeline.codec.carry("verdict", verdict)}


def deliver(desk: Desk, trial: Trial, work: Mapping) -> dict:
    """Step 6: perform the side effect (refund, reply, decline or escalate)."""
    given = Given(desk, work)
    decision, approval = reference.decided(given), given.approval
    order_id = given.intake.order_id
    token = approval.token if approval else None
    amount = float(decision.amount or 0)
    _side_effect(desk, trial, order_id, decision.action, amount, given.reply, token)
    return {}


def escalate(desk: Desk, trial: Trial, work: Mapping, reason: str) -> dict:
    """Hand the ticket to a human (the fallback when nothing else works)."""
    text = f"Dear {trial.ticket.customer},\n{ESCALATION_SENTENCE}\nKind regards, the support team"
    trial.escalated_by = reason
    intake = Given(desk, work).intake
    order_id = intake.order_id if intake else None
    _side_effect(desk, trial, order_id, "escalate", 0.0, text)
    return {}


def _side_effect(desk, trial, order_id, kind: str, amount: float, text: str, token=None) -> None:
    attempt = trial.next_attempt("deliver")
    trial.clock_s += 0.12
    key = desk.pipeline.idempotency_key(trial.key)
    fault = desk.injector.draw(
        trial.ticket.id, "deliver", attempt, ["timeout_before_effect", "timeout_after_effect"]
    )
    details = dict(
        model=desk.tools.protocol, received=f"{kind} {amount:.2f} {order_id}", fault=fault
    )
    try:
        with traced_call(trial.key, f"tool deliver {kind}", tool=desk.tools.protocol):
            desk.tools.deliver(
                kind, trial.request_id("deliver"), order_id, amount, text, key, token
            )
    except TransientError as err:
        trial.clock_s += err.virtual_s
        trial.record("deliver", False, error=str(err), **details)
        raise
    except Rejected as err:  # refused before anything happened: no fault fired
        details["fault"] = None
        trial.record("deliver", True, error=err.reason, caught_by=err.layer, **details)
        raise
    trial.record("deliver", True, produced=kind, **details)


STEP_FUNCTIONS = {s.name: globals()[s.name] for s in TABLE}
"""Step name -> the function above that runs it (each is named after its step)."""
