"""Recovery layer: retries with backoff, a fallback model, idempotency keys, escalation.

Modes:
    ``off``: an error propagates and the trial crashes.
    ``retry``: bounded retries with exponential backoff (on the virtual clock), a fallback model
        when the primary is down, re-running a rejected step, and escalation when nothing works,
        but *no* idempotency keys, so a retried side effect can happen twice.
    ``full``: ``retry`` plus idempotency keys on every side effect.

Example:
    >>> [Recovery("full").backoff_s(n) for n in (1, 2, 3)]
    [1.0, 2.0, 4.0]

"""

from __future__ import annotations


class Recovery:
    """Retry and escalation policy.

    Args:
        mode: ``off``, ``retry`` or ``full``.
        max_attempts: executions of one step before giving up on transient errors.
        max_revisions: re-runs after a rejection (verification, validation, empty retrieval).
        base_backoff_s: first backoff; doubles per retry.

    """

    def __init__(
        self,
        mode: str = "full",
        max_attempts: int = 3,
        max_revisions: int = 2,
        base_backoff_s: float = 1.0,
    ):
        self.mode = mode
        self.max_attempts = max_attempts if mode != "off" else 1
        self.max_revisions = max_revisions if mode != "off" else 0
        self.base_backoff_s = base_backoff_s

    @property
    def enabled(self) -> bool:
        """Whether anything is retried."""
        return self.mode != "off"

    def backoff_s(self, retry: int) -> float:
        """Virtual seconds to wait before retry number ``retry`` (1-based)."""
        return self.base_backoff_s * 2 ** (retry - 1)

    def idempotency_key(self, trial: str) -> str | None:
        """The key that makes a trial's side effect happen at most once (``full`` only)."""
        return f"{trial}/deliver" if self.mode == "full" else None
