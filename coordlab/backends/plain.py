"""The framework-free reference backend: a short loop over the shared steps.

It is the reference for equivalence (every other backend must deliver the same outcome on every
paired trial) and the floor for speed. Its orchestration, which every backend reproduces:

1. run the steps in order (``verify`` only with the verification layer);
2. a :class:`TransientError` is retried up to ``max_attempts`` times with exponential backoff,
   switching to the fallback model on an outage (recovery on); otherwise it crashes the trial;
3. a :class:`Rejected` value sends the run back to the step it blames, at most
   ``max_revisions`` times (recovery on); otherwise the ticket is escalated to a human;
4. any other exception crashes the trial.
"""

from __future__ import annotations

from coordlab.backends.base import Backend
from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import steps
from coordlab.pipeline.context import Trial
from coordlab.types import Ticket


class _GaveUp(Exception):
    """Retries are exhausted; carries the last transient error."""

    def __init__(self, error: TransientError):
        super().__init__(str(error))
        self.error = error


class PlainBackend(Backend):
    """A plain Python loop."""

    name = "plain"

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket."""
        trial = Trial(ticket=ticket, seed=seed)
        try:
            self._run(trial)
        except TransientError as err:
            trial.crashed = f"{err.kind}: {err}"
        except Exception as err:  # noqa: BLE001 - bad data flowing on crashes the trial
            trial.crashed = f"{type(err).__name__}: {err}"
        return trial

    def _run(self, trial: Trial) -> None:
        order = steps.flow(self.desk)
        i = 0
        while i < len(order):
            try:
                self._with_retries(order[i], trial)
                i += 1
            except Rejected as err:
                if not self._may_revise(trial, err, order[: i + 1]):
                    return self._escalate(trial, err.layer)
                i = order.index(err.blame)
            except _GaveUp:
                return self._escalate(trial, "recovery")

    def _may_revise(self, trial: Trial, err: Rejected, done: tuple[str, ...]) -> bool:
        recovery = self.desk.recovery
        if not recovery.enabled or trial.revisions >= recovery.max_revisions:
            return False
        if err.blame not in done:
            return False
        trial.revisions += 1
        return True

    def _escalate(self, trial: Trial, reason: str) -> None:
        try:
            self._with_retries("escalate", trial, reason)
        except _GaveUp as gave:
            raise gave.error from None

    def _with_retries(self, step: str, trial: Trial, reason: str = "") -> None:
        recovery = self.desk.recovery
        for n in range(1, recovery.max_attempts + 1):
            try:
                if step == "escalate":
                    steps.escalate(self.desk, trial, reason)
                else:
                    steps.STEP_FUNCTIONS[step](self.desk, trial)
                return
            except TransientError as err:
                if not recovery.enabled:
                    raise
                if err.kind == "outage":
                    trial.model = "fallback"
                if n == recovery.max_attempts:
                    raise _GaveUp(err) from None
                trial.clock_s += recovery.backoff_s(n)
