"""The orchestration decisions every backend must make the same way.

Backends wire the steps with their own framework's constructs (a loop, a ``StateGraph``, a
``Flow``), but the *decisions* that decide a trial's outcome are made here, once:

* :func:`next_step`: the step after this one in :func:`~coordlab.pipeline.steps.flow`;
* :func:`on_transient`: after a transient error, retry (with the virtual backoff, and the
  fallback model after an outage) or give up: the layer stack's ``after_transient``;
* :func:`on_rejected`: after a rejected value, re-run the blamed step or escalate: the
  stack's ``after_rejected``;
* :func:`execute` runs a step and the stack's ``check`` on its result;
* :func:`attempt` makes one execution of a step and applies them (a graph routes on its answer);
  :func:`run_step` repeats it in place while a retry is due.
"""

from __future__ import annotations

from collections.abc import Mapping

from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.steps import flow
from coordlab.pipeline.support_desk import DONE, ESCALATE  # noqa: F401 - re-exported


def next_step(desk: Desk, step: str) -> str:
    """The step after ``step`` (``done`` after deliver or an escalation)."""
    order = flow(desk)
    if step == ESCALATE or step == order[-1]:
        return DONE
    return order[order.index(step) + 1]


def on_transient(desk: Desk, trial: Trial, node: str, err: TransientError) -> bool:
    """Whether to run ``node`` again after ``err`` (the stack's ``after_transient`` decides).

    The all-off desk re-raises (the trial crashes); the recovery layer counts the failure,
    switches to the fallback model after an outage, and retries with backoff or gives up.
    """
    return desk.pipeline.after_transient(trial, node, err)


def on_success(trial: Trial, node: str) -> None:
    """Reset ``node``'s run of consecutive transient failures."""
    trial.failures_in_a_row[node] = 0


def on_rejected(desk: Desk, trial: Trial, step: str, err: Rejected) -> str:
    """Where to go after ``step`` raised ``err``: the blamed step, or ``escalate``."""
    order = flow(desk)
    done = order[: order.index(step) + 1]
    return desk.pipeline.after_rejected(trial, step, err, done)


def execute(desk: Desk, trial: Trial, step: str, work: Mapping) -> dict:
    """Run one execution of ``step`` on the hand-offs ``work``; return its own hand-off.

    The stack's ``check`` sees the result, beside the inputs it was made from, before anyone
    else (and may refuse it). Errors propagate.
    """
    if step == ESCALATE:
        return steps.escalate(desk, trial, work, trial.escalation_reason)
    out = steps.STEP_FUNCTIONS[step](desk, trial, work)
    desk.pipeline.check(step, steps.Given(desk, {**work, **out}), trial)
    return out


def attempt(desk: Desk, trial: Trial, step: str, work: Mapping) -> tuple[str, dict]:
    """Execute ``step`` once on ``work``; return where to go next and its hand-off.

    The route is ``step`` itself when a transient error is to be retried (a framework wires
    that as a retry edge), ``escalate`` when recovery gives up, the blamed step after a
    rejection, or the next step; the hand-off is empty unless the step succeeded. Any other
    error propagates (the trial crashes).
    """
    try:
        out = execute(desk, trial, step, work)
    except TransientError as err:
        if on_transient(desk, trial, step, err):
            return step, {}
        if step == ESCALATE:
            raise
        trial.escalation_reason = "recovery"
        return ESCALATE, {}
    except Rejected as err:
        return on_rejected(desk, trial, step, err), {}
    on_success(trial, step)
    return next_step(desk, step), out


def run_step(desk: Desk, trial: Trial, step: str, work: Mapping) -> tuple[str, dict]:
    """Run ``step`` until it succeeds or gives up (the loop form of :func:`attempt`).

    Returns the next step and the step's hand-off. Retries happen in place: a step with
    transient failures not yet given up on (``trial.failures_in_a_row``) runs again first.
    """
    while (done := attempt(desk, trial, step, work))[0] == step and trial.failures_in_a_row[step]:
        pass
    return done
