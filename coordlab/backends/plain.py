"""The framework-free reference backend: a short loop over the shared steps.

It is the reference for equivalence (every other backend must deliver the same outcome on every
paired trial) and the floor for speed. The decisions (retry or give up, revise or escalate) are
:mod:`coordlab.pipeline.control`'s; this file only loops:

1. run the steps in order (``verify`` only with the verification layer);
2. a :class:`TransientError` is retried while ``on_transient`` says so; then the ticket is
   escalated (with recovery off, the error crashes the trial);
3. a :class:`Rejected` value sends the run to the step ``on_rejected`` names (the blamed step,
   or ``escalate``);
4. any other exception crashes the trial.
"""

from __future__ import annotations

from coordlab.backends.base import Backend
from coordlab.errors import Rejected, TransientError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Trial
from coordlab.types import Ticket


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
        step = steps.flow(self.desk)[0]
        while step != control.DONE:
            step = self._execute(step, trial)

    def _execute(self, step: str, trial: Trial) -> str:
        """Run ``step`` until it succeeds or gives up; return the next step."""
        while True:
            try:
                if step == control.ESCALATE:
                    steps.escalate(self.desk, trial, trial.escalation_reason)
                else:
                    steps.STEP_FUNCTIONS[step](self.desk, trial)
            except TransientError as err:
                if control.on_transient(self.desk, trial, step, err):
                    continue
                if step == control.ESCALATE:
                    raise
                trial.escalation_reason = "recovery"
                return control.ESCALATE
            except Rejected as err:
                return control.on_rejected(self.desk, trial, step, err)
            control.on_success(trial, step)
            return control.next_step(self.desk, step)
