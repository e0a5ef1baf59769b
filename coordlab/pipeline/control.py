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
    trial.streaks[node] = 0


def on_rejected(desk: Desk, trial: Trial, step: str, err: Rejected) -> str:
    """Where to go after ``step`` raised ``err``: the blamed step, or ``escalate``."""
    order = flow(desk)
    done = order[: order.index(step) + 1]
    return desk.pipeline.after_rejected(trial, step, err, done)


def execute(desk: Desk, trial: Trial, step: str) -> None:
    """Run one execution of ``step`` and the stack's checks on its result (errors propagate)."""
    if step == ESCALATE:
        steps.escalate(desk, trial, trial.escalation_reason)
        return
    steps.STEP_FUNCTIONS[step](desk, trial)
    desk.pipeline.check(step, trial)


def attempt(desk: Desk, trial: Trial, step: str) -> str:
    """Execute ``step`` once and return where to go next.

    The answer is ``step`` itself when a transient error is to be retried (a framework wires
    that as a retry edge), ``escalate`` when recovery gives up, the blamed step after a
    rejection, or the next step. Any other error propagates (the trial crashes).
    """
    try:
        execute(desk, trial, step)
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
