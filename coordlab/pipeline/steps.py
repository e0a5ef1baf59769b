"""The support desk's steps, written once. Backends call these; they own the control flow.

Each function runs one execution of one step on a :class:`Trial`, records it (with the
reference's verdict on its output) and stores its result on the trial. Errors are raised, not
handled: :class:`TransientError` for retryable failures, :class:`Rejected` when a check refused
a value. What to do about them is the backend's orchestration plus the recovery layer.
"""

from __future__ import annotations

from coordlab.domain.reply import ESCALATION_SENTENCE
from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import prompts, reference
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.prompts import order_section, render_model, render_passages
from coordlab.retrieval.index import query_for
from coordlab.tracing import call as traced_call

WORK_FLOW = ("intake", "retrieve", "lookup", "decide", "compose")


def flow(desk: Desk) -> tuple[str, ...]:
    """The steps in order for this desk's layers (``verify`` only with verification on)."""
    return WORK_FLOW + (("verify",) if desk.verification.enabled else ()) + ("deliver",)


def _llm(
    desk: Desk, trial: Trial, step: str, sections: dict[str, str], check, mode: str | None = None
):
    """One model call: build the prompt, call, account, parse, record."""
    attempt = trial.next_attempt(step)
    messages = prompts.build(step, trial.ticket.id, attempt, sections, desk.state.typed, mode)
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
        parsed = desk.state.parse(step, completion.text)
    except Rejected as err:
        trial.record(step, False, error=err.reason, caught_by="state", **details)
        raise
    trial.record(step, check(parsed), **details)
    return parsed


def intake(desk: Desk, trial: Trial) -> None:
    """Step 1: read the email."""
    email = trial.ticket.email
    trial.intake = _llm(
        desk, trial, "intake", {"Email": email}, lambda out: reference.intake_ok(trial, out)
    )


def retrieve(desk: Desk, trial: Trial) -> None:
    """Step 2: search the policy index (chromadb)."""
    attempt = trial.next_attempt("retrieve")
    query = query_for(trial.intake, trial.ticket.email)
    with traced_call(trial.key, "tool search_policies", tool="chromadb"):
        raw = desk.index.search(query)
    kinds = ["empty_retrieval", "low_recall"] if raw else []
    fault = desk.injector.draw(trial.ticket.id, "retrieve", attempt, kinds)
    hits = raw
    if fault == "empty_retrieval":
        hits = []
    elif fault == "low_recall":  # the right neighbourhood is missed: ranks k+1..2k come back
        hits = desk.index.search(query, skip=desk.index.k)
    trial.raw_hits, trial.hits = raw, hits
    trial.clock_s += 0.03
    trial.record(
        "retrieve",
        hits == raw,
        model="chromadb",
        fault=fault,
        received=query,
        produced=", ".join(h.id for h in hits),
    )
    if not hits and desk.recovery.enabled:
        raise Rejected("retrieve", "recovery", "no passages retrieved")


def lookup(desk: Desk, trial: Trial) -> None:
    """Step 3: fetch the order record through the tools."""
    order_id = trial.intake.order_id
    if order_id is None:
        trial.order = None
        return
    attempt = trial.next_attempt("lookup")
    trial.clock_s += 0.05
    fault = desk.injector.draw(trial.ticket.id, "lookup", attempt, ["timeout", "schema_drift"])
    details = dict(model=desk.tools.protocol, received=order_id, fault=fault)
    try:
        with traced_call(trial.key, "tool get_order", tool=desk.tools.protocol):
            payload = desk.tools.get_order(order_id, trial.request_id("lookup"))
        trial.order = desk.state.order(payload, order_id)
    except TransientError as err:
        trial.clock_s += err.virtual_s
        trial.record("lookup", False, error=str(err), **details)
        raise
    except Rejected as err:
        ok = reference.lookup_ok(desk, order_id, None)
        trial.record("lookup", ok, error=err.reason, caught_by=err.layer, **details)
        raise
    trial.record(
        "lookup",
        reference.lookup_ok(desk, order_id, trial.order),
        produced=repr(trial.order),
        **details,
    )


def _context(desk: Desk, trial: Trial) -> dict[str, str]:
    typed = desk.state.typed
    return {
        "Email": trial.ticket.email,
        "Intake": render_model(trial.intake, typed),
        "Policies": render_passages(trial.hits),
        "Order": order_section(trial.order, typed),
    }


def decide(desk: Desk, trial: Trial) -> None:
    """Step 4: decide the action under the retrieved policies."""
    trial.decision = _llm(
        desk, trial, "decide", _context(desk, trial), lambda out: reference.decide_ok(trial, out)
    )


def compose(desk: Desk, trial: Trial) -> None:
    """Step 5: write the reply."""
    sections = _context(desk, trial) | {"Decision": render_model(trial.decision, desk.state.typed)}
    out = _llm(desk, trial, "compose", sections, lambda out: reference.compose_ok(trial, out.text))
    trial.reply = out.text


def verify(desk: Desk, trial: Trial) -> None:
    """The verification layer's step: the gate and/or the critic; raises :class:`Rejected`."""
    if desk.verification.uses_gate:
        _gate(desk, trial)
    if mode := desk.verification.critic_mode:
        sections = _context(desk, trial) | {
            "Decision": render_model(trial.decision, desk.state.typed),
            "Reply": trial.reply,
        }
        good = reference.bundle_ok(desk, trial)
        trial.verdict = _llm(desk, trial, "verify", sections, lambda v: v.passed == good, mode)
        if not trial.verdict.passed:
            trial.records[-1].caught_by = "verification"
            raise Rejected(trial.verdict.blame or "compose", "verification", trial.verdict.reason)


def _gate(desk: Desk, trial: Trial) -> None:
    from coordlab.layers.verification import gate

    trial.next_attempt("verify")
    verdict = gate(
        trial.ticket.email,
        trial.ticket.received_at,
        trial.intake,
        trial.hits,
        trial.order,
        trial.decision,
        trial.reply,
    )
    trial.verdict = verdict
    good = reference.bundle_ok(desk, trial)
    trial.record(
        "verify",
        verdict.passed == good,
        model="gate",
        produced=verdict.reason,
        caught_by=None if verdict.passed else "verification",
    )
    if not verdict.passed:
        raise Rejected(verdict.blame or "decide", "verification", verdict.reason)


def deliver(desk: Desk, trial: Trial) -> None:
    """Step 6: perform the side effect (refund, reply, decline or escalate)."""
    decision = trial.decision
    _side_effect(desk, trial, decision.action, float(decision.amount or 0), trial.reply)


def escalate(desk: Desk, trial: Trial, reason: str) -> None:
    """Hand the ticket to a human (the fallback when nothing else works)."""
    text = f"Dear {trial.ticket.customer},\n{ESCALATION_SENTENCE}\nKind regards, the support team"
    trial.escalated_by = reason
    _side_effect(desk, trial, "escalate", 0.0, text)


def _side_effect(desk: Desk, trial: Trial, kind: str, amount: float, text: str) -> None:
    attempt = trial.next_attempt("deliver")
    trial.clock_s += 0.12
    order_id = trial.intake.order_id if trial.intake else None
    key = desk.recovery.idempotency_key(trial.key)
    fault = desk.injector.draw(
        trial.ticket.id, "deliver", attempt, ["timeout_before_effect", "timeout_after_effect"]
    )
    details = dict(
        model=desk.tools.protocol, received=f"{kind} {amount:.2f} {order_id}", fault=fault
    )
    try:
        with traced_call(trial.key, f"tool deliver {kind}", tool=desk.tools.protocol):
            desk.tools.deliver(kind, trial.request_id("deliver"), order_id, amount, text, key)
    except TransientError as err:
        trial.clock_s += err.virtual_s
        trial.record("deliver", False, error=str(err), **details)
        raise
    except Rejected as err:  # refused before anything happened: no fault fired
        details["fault"] = None
        trial.record("deliver", True, error=err.reason, caught_by=err.layer, **details)
        raise
    trial.record("deliver", True, produced=kind, **details)


STEP_FUNCTIONS = {
    "intake": intake,
    "retrieve": retrieve,
    "lookup": lookup,
    "decide": decide,
    "compose": compose,
    "verify": verify,
    "deliver": deliver,
}
