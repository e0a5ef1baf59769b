"""The support desk with every coordination layer off, and the hooks a layer overrides.

This is the base of the Gymnasium-style stack: :class:`SupportDesk` answers every hook plainly,
and each layer (:mod:`coordlab.layers`) wraps it and overrides a few of them. The steps
(:mod:`coordlab.pipeline.steps`) and the shared decisions (:mod:`coordlab.pipeline.control`)
ask the stack, never a mode flag:

==================  ==========================================  ======================
hook                the all-off desk                            overridden by
==================  ==========================================  ======================
``codec``           free text, re-parsed by the next step       ``State``
``connect``         ad-hoc tool calls                           ``Protocol``
``flow``            the six work steps                          ``Verification``,
                                                                ``Routing``
``route``           (no route step)                             ``Routing``
``verify``          (no verify step)                            ``Verification``
``check``           nothing is refused                          ``Verification``
                                                                (per-step), ``Recovery``,
                                                                yours
``after_transient`` the error propagates (the trial crashes)    ``Recovery``
``after_rejected``  hand the ticket to a human                  ``Recovery``
``idempotency_key`` none: a repeated side effect happens twice  ``Recovery``
==================  ==========================================  ======================

Example:
    >>> desk = SupportDesk()
    >>> desk
    <SupportDesk>
    >>> desk.flow()
    ('intake', 'retrieve', 'lookup', 'decide', 'compose', 'deliver')
    >>> desk.codec.typed, desk.max_attempts, desk.idempotency_key("0/T0001")
    (False, 1, None)

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coordlab.domain.steps import WORK_STEPS
from coordlab.pipeline.codec import TEXT, Codec

if TYPE_CHECKING:
    from coordlab.errors import Rejected, TransientError
    from coordlab.pipeline.context import Desk, Trial
    from coordlab.pipeline.steps import Given
    from coordlab.types import Verdict

ESCALATE = "escalate"
"""The route to a human."""

DONE = "done"
"""The route after the last step."""


class SupportDesk:
    """The all-off support desk: every hook answered plainly."""

    max_attempts: int = 1
    """Executions of one step before giving up on transient errors."""
    max_revisions: int = 0
    """Re-runs of a blamed step after a rejection, per trial."""

    @property
    def codec(self) -> Codec:
        """How step results are handed over: :data:`~coordlab.pipeline.codec.TEXT`."""
        return TEXT

    def connect(self, service):
        """A tool client for ``service``: plain function calls (close it when done)."""
        from coordlab.tools.adhoc import AdhocTools

        return AdhocTools(service)

    def flow(self) -> tuple[str, ...]:
        """The steps in order."""
        return WORK_STEPS

    def verify(self, desk: Desk, trial: Trial, given: Given) -> Verdict:
        """Run the verify step on the hand-offs ``given`` (only if ``flow`` has one)."""
        raise NotImplementedError("this desk has no verify step")

    def approve(self, desk: Desk, trial: Trial, given: Given):
        """Run the approve step: a person's approval, or ``None`` (only if ``flow`` has one)."""
        raise NotImplementedError("this desk has no approve step")

    def route(self, desk: Desk, trial: Trial, given: Given) -> str:
        """Run the route step: the model tier for the trial (only if ``flow`` has one)."""
        raise NotImplementedError("this desk has no route step")

    def check(self, step: str, result: Given, trial: Trial) -> None:
        """Refuse ``step``'s ``result`` by raising :class:`~coordlab.errors.Rejected` (no-op).

        ``result`` reads the step's hand-off like its consumers do (``result.passages``), and
        the inputs the step read (``result.email``); ``result.desk`` is the run's desk.
        """

    def after_transient(self, trial: Trial, step: str, err: TransientError) -> bool:
        """Whether to run ``step`` again after ``err``: never, the error propagates."""
        raise err

    def after_rejected(self, trial: Trial, step: str, err: Rejected, done: tuple) -> str:
        """Where to go after a rejection of ``step`` (``done``: steps run so far): a human."""
        trial.escalation_reason = err.layer
        return ESCALATE

    def idempotency_key(self, trial_key: str) -> str | None:
        """The key that makes a trial's side effect happen at most once: none."""
        return None

    @property
    def unwrapped(self) -> SupportDesk:
        """The all-off desk at the bottom of the stack."""
        return self

    def stack(self, bottom: str | None = None) -> str:
        """How the stack prints itself, with ``bottom`` (default: this class) innermost."""
        return f"<{bottom or type(self).__name__}>"

    def __repr__(self) -> str:
        return self.stack()
