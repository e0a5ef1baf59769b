"""Ad-hoc tool calls (protocol layer off): plain function calls, strings in, dicts out.

No schema stands between the order service and the pipeline: whatever the service returns is
passed on, and an unknown order comes back as an empty dict.
"""

from __future__ import annotations

from coordlab.tools.store import OrderService


class AdhocTools:
    """Direct calls into the order service."""

    protocol = "adhoc"

    def __init__(self, service: OrderService):
        self.service = service

    def __repr__(self) -> str:
        return "AdhocTools()"

    def get_order(self, order_id: str, request_id: str) -> dict:
        """The upstream payload as is (``{}`` for an unknown order)."""
        return self.service.fetch(order_id, request_id) or {}

    def deliver(
        self,
        kind: str,
        request_id: str,
        order_id: str | None,
        amount: float,
        text: str,
        idempotency_key: str | None = None,
        approval_token: str | None = None,
    ) -> dict:
        """Perform the side effect for ``kind`` (refund, reply, decline, escalate)."""
        return self.service.record(
            kind, request_id, order_id, amount, text, idempotency_key, approval_token
        )

    def close(self) -> None:
        """Nothing to release."""
