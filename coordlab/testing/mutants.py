"""Deliberately broken backends: each must fail at least one conformance check.

A conformance suite that every backend passes proves little until it is shown to fail. Each
mutant here is ``plain`` with one small, realistic bug, written only against the stable names
a backend uses (:func:`coordlab.pipeline.control.run_step`, :func:`~coordlab.pipeline.control.
attempt`, ``control.DONE`` / ``ESCALATE``, :func:`coordlab.pipeline.steps.flow`, ``Trial`` and
``desk.tools``). ``tests/test_mutants.py`` asserts that :func:`failing_checks` is non-empty for
every one of :data:`MUTANTS`; run it on your own mutant the same way.

Example:
    >>> [m.name for m in MUTANTS][:2]
    ['mutant-skips-verify', 'mutant-one-retry-too-many']
    >>> from coordlab.backends import backend_class
    >>> issubclass(SkipsVerify, backend_class("plain"))
    True

"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from coordlab.backends.base import Backend
from coordlab.backends.plain import PlainBackend
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Trial
from coordlab.types import Ticket


class Loop(PlainBackend):
    """Plain's loop with one hook, :meth:`route`: the step after ``step``. Not broken.

    The hand-offs live in ``work`` (a dict, as in ``plain``); :meth:`run` runs a step to its
    end with :func:`~coordlab.pipeline.control.run_step` and merges its hand-off in.
    """

    name = "plain-loop"

    def _run(self, trial: Trial, work: dict) -> None:
        """Plain's loop (its ``run_trial`` crashes the trial on an unhandled error), via route."""
        step = steps.flow(self.desk)[0]
        while step != control.DONE:
            step = self.route(trial, step, work)

    def run(self, trial: Trial, step: str, work: dict) -> str:
        """Run ``step`` until it succeeds or gives up; merge its hand-off; the next step."""
        route, out = control.run_step(self.desk, trial, step, work)
        work.update(out)
        return route

    def route(self, trial: Trial, step: str, work: dict) -> str:
        """Run ``step`` and return where to go next."""
        return self.run(trial, step, work)


class SkipsVerify(Loop):
    """Broken: jumps over ``verify``, so nothing the verification layer would stop is stopped."""

    name = "mutant-skips-verify"

    def route(self, trial: Trial, step: str, work: dict) -> str:
        """Go from the step before ``verify`` straight to the one after it."""
        route = self.run(trial, step, work)
        order = steps.flow(self.desk)
        if route == "verify":
            return order[order.index("verify") + 1]
        return route


class OneRetryTooMany(Loop):
    """Broken: when recovery gives up on a step after transient errors, runs it once more."""

    name = "mutant-one-retry-too-many"

    def route(self, trial: Trial, step: str, work: dict) -> str:
        """Retry in place like ``run_step``, then make one attempt beyond the give-up."""
        retried = 0
        while (done := control.attempt(self.desk, trial, step, work))[0] == step:
            retried += 1
        route, out = done
        if route == control.ESCALATE and retried and step != control.ESCALATE:
            route, out = control.attempt(self.desk, trial, step, work)  # the extra attempt
            if route == step:
                route = control.ESCALATE
        work.update(out)
        return route


class ReordersSteps(Loop):
    """Broken: runs ``decide`` before ``lookup``, so the decision never sees the order."""

    name = "mutant-reorders-steps"
    swapped = ("lookup", "decide")

    def route(self, trial: Trial, step: str, work: dict) -> str:
        """Follow ``flow`` with the two steps swapped (rejections still go where they say)."""
        real = list(steps.flow(self.desk))
        mine = list(real)
        i, j = (mine.index(s) for s in self.swapped)
        mine[i], mine[j] = mine[j], mine[i]
        after = lambda order, s: (order + [control.DONE])[order.index(s) + 1]  # noqa: E731
        route = self.run(trial, step, work)
        if step in real and route == after(real, step):
            return after(mine, step)
        return route


class _ForgetfulTools:
    """``desk.tools`` that drop the idempotency key of every delivery."""

    def __init__(self, tools):
        self.tools = tools

    def __getattr__(self, name):
        return getattr(self.tools, name)

    def deliver(self, kind, request_id, order_id, amount, text, key=None):
        return self.tools.deliver(kind, request_id, order_id, amount, text, None)


class LosesIdempotencyKey(Loop):
    """Broken: delivers without the idempotency key, so a retried delivery is recorded twice."""

    name = "mutant-loses-idempotency-key"

    def __init__(self, desk):
        super().__init__(desk)
        if not isinstance(desk.tools, _ForgetfulTools):
            desk.tools = _ForgetfulTools(desk.tools)


class LetsErrorsEscape(Loop):
    """Broken: an unhandled error escapes ``run_trial`` instead of crashing the trial."""

    name = "mutant-lets-errors-escape"

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket without the safety net."""
        trial = Trial(ticket=ticket, seed=seed)
        self._run(trial, {"email": ticket.email})
        return trial


MUTANTS: tuple[type[Backend], ...] = (
    SkipsVerify,
    OneRetryTooMany,
    ReordersSteps,
    LosesIdempotencyKey,
    LetsErrorsEscape,
)
"""Every shipped mutant."""


def failing_checks(
    backend: str | type[Backend], checks: Iterable[Callable] | None = None
) -> dict[str, str]:
    """``{check name: first line of its failure}`` for the checks ``backend`` fails."""
    from coordlab.testing.conformance import CHECKS

    failed = {}
    for check in checks or CHECKS:
        try:
            check(backend)
        except Exception as err:  # noqa: BLE001 - a check fails by raising
            failed[check.__name__] = f"{type(err).__name__}: {err}".splitlines()[0][:400]
    return failed
