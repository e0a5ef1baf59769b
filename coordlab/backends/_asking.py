"""Asking a person from inside a step: the seams the backends' human-in-the-loop constructs fill.

LangGraph pauses inside a node (``interrupt`` raises, and the node runs again on resume with the
answer). CrewAI, AutoGen and MAF ask *between* steps: the
approve step's hook asks, :class:`AnswerBook` has no answer yet and raises :class:`PersonAsked`;
the backend hands the request to its framework's human-in-the-loop construct (a flow method
under ``@human_feedback``, whose provider is :class:`DeskApprover`; a ``UserProxyAgent``'s
turn; ``ctx.request_info``); the person's answer comes back as a message or
a response, goes in the book, and the step runs again: the hook asks before it counts anything,
so this time it finds the answer and goes on.

Example:
    >>> from coordlab.tools.approvals import ApprovalAnswer, ApprovalRequest
    >>> request = ApprovalRequest(trial="0/T0001", order_id="ORD-1", amount=612.5,
    ...     reason="damaged", received_on="2026-03-02", policy_ids=["POL-01"])
    >>> book = AnswerBook()
    >>> try:
    ...     book.ask(request)
    ... except PersonAsked as asked:
    ...     book.give(asked.request, ApprovalAnswer(approved=False))
    >>> book.ask(request).approved
    False
"""

from __future__ import annotations

from coordlab.tools.approvals import ApprovalAnswer, ApprovalRequest


class PersonAsked(Exception):  # noqa: N818 - a signal to pause, not an error
    """The step needs a person's answer to ``request`` before it can go on."""

    def __init__(self, request: ApprovalRequest):
        super().__init__(request.question())
        self.request = request


class AnswerBook:
    """Answers given to a paused run, each used once by the step that asked for it."""

    def __init__(self):
        self._answers: dict[str, ApprovalAnswer] = {}
        self.waiting: ApprovalRequest | None = None
        """The last request asked that had no answer yet."""

    def ask(self, request: ApprovalRequest) -> ApprovalAnswer:
        """The answer given to ``request``; raise :class:`PersonAsked` if there is none yet."""
        if (answer := self._answers.pop(request.model_dump_json(), None)) is None:
            self.waiting = request
            raise PersonAsked(request)
        return answer

    def give(self, request: ApprovalRequest, answer: ApprovalAnswer) -> None:
        """Keep ``answer`` for the step that asked ``request``."""
        self._answers[request.model_dump_json()] = answer


class DeskApprover:
    """A CrewAI ``HumanFeedbackProvider`` (for ``@human_feedback``): the flow's approver answers.

    The reviewed method's output is the request; the answer goes back as JSON text (CrewAI takes
    a person's feedback as a string). The approver is the one of the flow's desk, so one
    provider serves every backend instance.
    """

    def request_feedback(self, context, flow) -> str:
        """The approver's answer to the request under review, as JSON."""
        request = ApprovalRequest.model_validate(context.method_output)
        return flow._desk.approver.review(request).model_dump_json()
