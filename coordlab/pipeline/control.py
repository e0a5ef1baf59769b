"""The orchestration decisions every backend must make the same way.

Backends wire the steps with their own framework's constructs (a loop, a ``StateGraph``, a
``Flow``), but the *decisions* that decide a trial's outcome are made here, once:

* :func:`next_step`: the step after this one in :func:`~coordlab.pipeline.steps.flow`;
* :func:`on_transient`: after a transient error, retry (with the virtual backoff, and the
  fallback model after an outage) or give up;
* :func:`on_rejected`: after a rejected value, re-run the blamed step or escalate;
* :func:`attempt` makes one execution of a step and applies them (a graph routes on its answer);
  :func:`run_step` repeats it in place while a retry is due.
"""

from __future__ import annotations

import time

from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.steps import flow

ESCALATE = "escalate"
DONE = "done"


def next_step(desk: Desk, step: str) -> str:
    """The step after ``step`` (``done`` after deliver or an escalation)."""
    order = flow(desk)
    if step == ESCALATE or step == order[-1]:
        return DONE
    return order[order.index(step) + 1]


def on_transient(desk: Desk, trial: Trial, node: str, err: TransientError) -> bool:
    """Account for a transient failure of ``node``; return whether to retry it.

    With recovery off this re-raises (the trial crashes). Otherwise it counts the failure,
    switches to the fallback model after an outage, and either adds the exponential backoff to
    the virtual clock (retry) or gives up after ``max_attempts`` executions. A real server's
    ``Retry-After`` is honoured in real time (the simulator never sends one).
    """
    recovery = desk.recovery
    if not recovery.enabled:
        raise err
    handled_by_recovery(trial, node)
    if err.kind == "outage":
        trial.model = "fallback"
    trial.streaks[node] += 1
    failures = trial.streaks[node]
    if failures >= recovery.max_attempts:
        trial.streaks[node] = 0
        return False
    trial.clock_s += recovery.backoff_s(failures)
    if err.retry_after_s:
        time.sleep(err.retry_after_s)
    return True


def handled_by_recovery(trial: Trial, step: str) -> None:
    """Mark the failed execution of ``step`` as caught by the recovery layer.

    A retry that works leaves nothing wrong behind, so without this mark a trial's row could
    not tell that recovery did anything; with it, ``caught_by`` says so.
    """
    last = next((r for r in reversed(trial.records) if r.step == step), None)
    if last is not None and last.caught_by is None:
        last.caught_by = "recovery"


def on_success(trial: Trial, node: str) -> None:
    """Reset ``node``'s run of consecutive transient failures."""
    trial.streaks[node] = 0


def on_rejected(desk: Desk, trial: Trial, step: str, err: Rejected) -> str:
    """Where to go after ``step`` raised ``err``: the blamed step, or ``escalate``."""
    recovery = desk.recovery
    if err.layer == "recovery":  # e.g. an empty retrieval: recovery's own check refused it
        handled_by_recovery(trial, step)
    order = flow(desk)
    done = order[: order.index(step) + 1]
    if recovery.enabled and trial.revisions < recovery.max_revisions and err.blame in done:
        trial.revisions += 1
        return err.blame
    trial.escalation_reason = err.layer
    return ESCALATE


def attempt(desk: Desk, trial: Trial, step: str) -> str:
    """Execute ``step`` once and return where to go next.

    The answer is ``step`` itself when a transient error is to be retried (a framework wires
    that as a retry edge), ``escalate`` when recovery gives up, the blamed step after a
    rejection, or the next step. Any other error propagates (the trial crashes).
    """
    try:
        if step == ESCALATE:
            steps.escalate(desk, trial, trial.escalation_reason)
        else:
            steps.STEP_FUNCTIONS[step](desk, trial)
    except TransientError as err:
        if on_transient(desk, trial, step, err):
            return step
        if step == ESCALATE:
            raise
        trial.escalation_reason = "recovery"
        return ESCALATE
    except Rejected as err:
        return on_rejected(desk, trial, step, err)
    on_success(trial, step)
    return next_step(desk, step)


def run_step(desk: Desk, trial: Trial, step: str) -> str:
    """Run ``step`` until it succeeds or gives up (the loop form of :func:`attempt`).

    Returns the next step. Retries happen in place: a step whose run of transient failures is
    still open (``trial.streaks``) runs again before control leaves it.
    """
    while (route := attempt(desk, trial, step)) == step and trial.streaks[step]:
        pass
    return route
