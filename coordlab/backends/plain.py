"""The framework-free reference backend: a short loop over the shared steps.

It is the reference for equivalence (every other backend must deliver the same outcome on every
paired trial) and the floor for speed. The decisions (retry or give up, revise or escalate) are
:mod:`coordlab.pipeline.control`'s; this file only loops:

1. run the steps in order (``verify`` only with the verification layer);
2. :func:`coordlab.pipeline.control.run_step` retries a transient error while ``on_transient``
   says so and then escalates (recovery off: the error crashes the trial); a rejected value
   sends the run to the step ``on_rejected`` names (the blamed step, or ``escalate``);
3. any other exception crashes the trial.
"""

from __future__ import annotations

from coordlab.backends.base import Backend
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
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        return trial

    def _run(self, trial: Trial) -> None:
        step = steps.flow(self.desk)[0]
        while step != control.DONE:
            step = control.run_step(self.desk, trial, step)
