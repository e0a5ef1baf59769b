"""The wrapper every layer subclasses: it delegates each hook to the desk it wraps.

A layer overrides one or two hooks of :class:`~coordlab.pipeline.support_desk.SupportDesk` and
calls ``self.inner`` for the rest, as Gymnasium's wrappers do; the stack prints itself.

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> class Shout(Layer):
    ...     '''Marks every step as checked (a layer that overrides nothing useful).'''
    >>> stack = Shout(SupportDesk())
    >>> stack, stack.mode, stack.unwrapped
    (<Shout<SupportDesk>>, 'on', <SupportDesk>)
    >>> stack.stack("PlainBackend")
    '<Shout<PlainBackend>>'

"""

from __future__ import annotations

from coordlab.pipeline.support_desk import SupportDesk


class Layer(SupportDesk):
    """A coordination layer around ``inner``.

    Args:
        inner: the desk (or the stack of layers) this layer wraps.
        mode: which of the layer's ``modes`` is on.

    Subclasses set ``modes`` (``off`` first, the full mode last) and override hooks.
    """

    modes: tuple[str, ...] = ("off", "on")

    def __init__(self, inner: SupportDesk, mode: str = ""):
        self.inner = inner
        self.mode = mode or self.modes[-1]

    @property
    def max_attempts(self) -> int:
        """The inner desk's retry budget."""
        return self.inner.max_attempts

    @property
    def max_revisions(self) -> int:
        """The inner desk's revision budget."""
        return self.inner.max_revisions

    @property
    def codec(self):
        """The inner desk's codec."""
        return self.inner.codec

    def connect(self, service):
        """The inner desk's tools."""
        return self.inner.connect(service)

    def flow(self) -> tuple[str, ...]:
        """The inner desk's steps."""
        return self.inner.flow()

    def verify(self, desk, trial, given):
        """The inner desk's verify step."""
        return self.inner.verify(desk, trial, given)

    def approve(self, desk, trial, given):
        """The inner desk's approve step."""
        return self.inner.approve(desk, trial, given)

    def route(self, desk, trial, given):
        """The inner desk's route step."""
        return self.inner.route(desk, trial, given)

    def check(self, step, result, trial) -> None:
        """The inner desk's checks."""
        self.inner.check(step, result, trial)

    def after_transient(self, trial, step, err) -> bool:
        """The inner desk's answer to a transient error."""
        return self.inner.after_transient(trial, step, err)

    def after_rejected(self, trial, step, err, done) -> str:
        """The inner desk's answer to a rejection."""
        return self.inner.after_rejected(trial, step, err, done)

    def idempotency_key(self, trial_key: str) -> str | None:
        """The inner desk's side-effect key."""
        return self.inner.idempotency_key(trial_key)

    @property
    def unwrapped(self) -> SupportDesk:
        """The all-off desk at the bottom of the stack."""
        return self.inner.unwrapped

    def stack(self, bottom: str | None = None) -> str:
        """How the stack prints itself, outermost layer first."""
        return f"<{type(self).__name__}{self.inner.stack(bottom)}>"
