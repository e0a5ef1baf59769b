"""The work message that travels between the MAF backend's executors, and where it may go.

With the state layer on it is a :class:`TypedWork` (pydantic models, validated); off, a ``dict``
of the text each consumer re-parses. Either way it holds the ticket's hand-offs so far and the
route the last step chose.

Example:
    >>> work = with_result({"route": "intake", "email": "Hi"}, "retrieve", {"intake": "..."})
    >>> route_of(work), get(work, "intake"), get(work, "order")
    ('retrieve', '...', None)
"""

from __future__ import annotations

from collections.abc import Sequence

from coordlab.backends._handoffs import TypedHandoffs
from coordlab.backends._maf_env import prepare_environment
from coordlab.pipeline import control
from coordlab.tools.approvals import ApprovalAnswer, ApprovalRequest
from coordlab.types import Approval, Decision, Intake, OrderView, PolicyHit, Verdict

prepare_environment()

from agent_framework import register_checkpoint_type  # noqa: E402


class TypedWork(TypedHandoffs):
    """The work message with the state layer on: the typed hand-offs, the email and the route."""

    route: str
    email: str


_CHECKPOINTED = (TypedWork, Intake, PolicyHit, OrderView, Decision, Approval, Verdict)
for _kind in (*_CHECKPOINTED, ApprovalRequest, ApprovalAnswer):
    register_checkpoint_type(_kind)  # MAF restores only the types it is told are safe

Work = TypedWork | dict
"""What travels between executors: typed with the state layer on, a dict of text off."""


def get(work: Work, key: str):
    """A hand-off from the work (``None`` if no step has produced it yet)."""
    return work.get(key) if isinstance(work, dict) else getattr(work, key)


def with_result(work: Work, route: str, out: dict) -> Work:
    """The work sent on: ``out`` (the step's hand-off, empty if it failed) and the route."""
    if isinstance(work, dict):
        return {**work, **out, "route": route}
    return TypedWork.model_validate({**dict(work), **out, "route": route})


def route_of(work: Work) -> str:
    """The route the work names."""
    return get(work, "route")


def routes_from(nodes: Sequence[str], node: str) -> list[str]:
    """Where ``node`` may send the work: itself, earlier steps, ``escalate``, the next step last.

    Example:
        >>> routes_from(("intake", "retrieve", "lookup", "escalate"), "retrieve")
        ['intake', 'retrieve', 'escalate', 'lookup']
    """
    at = nodes.index(node)
    loops = [*nodes[: at + 1], control.ESCALATE]
    return list(dict.fromkeys([*loops, *nodes[at + 1 : at + 2]]))
