"""The framework-free reference backend: a short loop over the shared steps.

It is the reference for equivalence (every other backend must deliver the same outcome on every
paired trial) and the floor for speed. The decisions (retry or give up, revise or escalate) are
the layer stack's, through :mod:`coordlab.pipeline.control`; this file only loops:

1. the hand-offs live in a dict (``work``) that starts with the email; each step reads its
   inputs from it and its output is merged back in;
2. :func:`coordlab.pipeline.control.run_step` runs a step until it succeeds or gives up and
   names the next one (a retry in place, the blamed step after a rejection, ``escalate``);
3. any other exception crashes the trial.
"""

from __future__ import annotations

from coordlab.backends.base import Backend, Wiring
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Trial
from coordlab.types import Ticket


class PlainBackend(Backend):
    """A plain Python loop over a dict of hand-offs."""

    name = "plain"
    wiring = Wiring(
        "a Python loop",
        ("PlainBackend._run",),
        r"\bwhile\b",
    )

    def run_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Run one ticket."""
        trial = Trial(ticket=ticket, seed=seed)
        try:
            self._run(trial, {"email": ticket.email})
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
        return trial

    def _run(self, trial: Trial, work: dict) -> None:
        step = steps.flow(self.desk)[0]
        while step != control.DONE:
            step, out = control.run_step(self.desk, trial, step, work)
            work.update(out)
