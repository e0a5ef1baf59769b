"""Recovery layer: retries with backoff, a fallback model, idempotency keys, escalation.

Modes:
    ``retry``: bounded retries with exponential backoff (on the virtual clock), a fallback model
        when the primary is down, re-running a rejected step, escalation when nothing works,
        and an empty retrieval refused (escalated) instead of flowing on; but *no* idempotency
        keys, so a retried side effect can happen twice.
    ``full``: ``retry`` plus idempotency keys on every side effect.

It overrides the hooks that say what to do after an error (``after_transient``,
``after_rejected``), one check (``check``: an empty retrieval), the side-effect key
(``idempotency_key``) and the retry budgets.

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> recovery = Recovery(SupportDesk())
    >>> [recovery.backoff_s(n) for n in (1, 2, 3)], recovery.idempotency_key("0/T0001")
    ([1.0, 2.0, 4.0], '0/T0001/deliver')
    >>> Recovery(SupportDesk(), "retry").idempotency_key("0/T0001") is None
    True

"""

from __future__ import annotations

import time

from coordlab.errors import Rejected, TransientError
from coordlab.layers.base import Layer
from coordlab.pipeline.support_desk import ESCALATE


class Recovery(Layer):
    """Retry and escalation policy.

    Args:
        inner: the desk it wraps.
        mode: ``retry`` or ``full``.
        max_attempts: executions of one step before giving up on transient errors.
        max_revisions: re-runs after a rejection (verification, validation, empty retrieval).
        base_backoff_s: first backoff; doubles per retry.

    """

    modes = ("off", "retry", "full")

    def __init__(
        self,
        inner,
        mode: str = "full",
        max_attempts: int = 3,
        max_revisions: int = 2,
        base_backoff_s: float = 1.0,
    ):
        super().__init__(inner, mode)
        self._budget = (max_attempts, max_revisions)
        self.base_backoff_s = base_backoff_s

    @property
    def max_attempts(self) -> int:
        """Executions of one step before giving up."""
        return self._budget[0]

    @property
    def max_revisions(self) -> int:
        """Re-runs of blamed steps per trial."""
        return self._budget[1]

    def backoff_s(self, retry: int) -> float:
        """Virtual seconds to wait before retry number ``retry`` (1-based)."""
        return self.base_backoff_s * 2 ** (retry - 1)

    def check(self, step, result, trial) -> None:
        """Refuse an empty retrieval (decide would have to invent a policy)."""
        self.inner.check(step, result, trial)
        if step == "retrieve" and not result.passages:
            raise Rejected("retrieve", "recovery", "no passages retrieved")

    def after_transient(self, trial, step: str, err: TransientError) -> bool:
        """Count the failure, switch to the fallback after an outage; retry or give up.

        Backoff goes on the virtual clock; a real server's ``Retry-After`` is honoured in
        real time (the simulator never sends one).
        """
        handled_by_recovery(trial, step)
        if err.kind == "outage":
            trial.model = "fallback"
        trial.failures_in_a_row[step] += 1
        failures = trial.failures_in_a_row[step]
        if failures >= self.max_attempts:
            trial.failures_in_a_row[step] = 0
            return False
        trial.clock_s += self.backoff_s(failures)
        if err.retry_after_s:
            time.sleep(err.retry_after_s)
        return True

    def after_rejected(self, trial, step: str, err: Rejected, done: tuple) -> str:
        """Re-run the blamed step while the revision budget lasts, else escalate."""
        if err.layer == "recovery":  # e.g. an empty retrieval: this layer's own check
            handled_by_recovery(trial, step)
        if trial.revisions < self.max_revisions and err.blame in done:
            trial.revisions += 1
            return err.blame
        trial.escalation_reason = err.layer
        return ESCALATE

    def idempotency_key(self, trial_key: str) -> str | None:
        """``trial/deliver`` in ``full`` mode, so a retried side effect happens once."""
        return f"{trial_key}/deliver" if self.mode == "full" else None


def handled_by_recovery(trial, step: str) -> None:
    """Mark the failed execution of ``step`` as caught by the recovery layer.

    A retry that works leaves nothing wrong behind, so without this mark a trial's row could
    not tell that recovery did anything; with it, ``caught_by`` says so.
    """
    last = next((r for r in reversed(trial.records) if r.step == step), None)
    if last is not None and last.caught_by is None:
        last.caught_by = "recovery"
