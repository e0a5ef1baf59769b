"""The tools behind a real MCP server (protocol layer on).

:func:`build_server` exposes the order service as typed MCP tools with the ``mcp`` SDK's
FastMCP: inputs are validated against JSON schemas derived from the signatures, outputs are
pydantic models (so they carry an ``outputSchema`` and ``structuredContent``). A drifted upstream
payload fails validation *inside the tool* and comes back as an error result instead of zeros.

:class:`McpTools` is the synchronous client the pipeline uses: an in-memory MCP session run on
an anyio blocking portal (a background event loop), so sync and async backends share it.
"""

from __future__ import annotations

import re
from typing import Literal

from anyio.from_thread import start_blocking_portal
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import BaseModel, ValidationError

from coordlab.errors import Rejected, TransientError
from coordlab.tools.mcp_session import connect_in_memory
from coordlab.tools.store import OrderService
from coordlab.types import OrderRecord

_ERROR = re.compile(r"\[(transient|rejected):([^:\]]+):([^\]]+)\] (.*)", re.S)


class Receipt(BaseModel):
    """What a side-effect tool returns."""

    seq: int
    kind: str
    replayed: bool


def _tool_error(err: Exception) -> ToolError:
    if isinstance(err, TransientError):
        return ToolError(f"[transient:{err.kind}:{err.virtual_s}] {err}")
    if isinstance(err, Rejected):
        return ToolError(f"[rejected:{err.blame}:{err.layer}] {err.reason}")
    return ToolError(str(err))


def build_server(service: OrderService) -> FastMCP:
    """An MCP server with ``get_order`` and the three side-effect tools."""
    server = FastMCP("coordlab-support-tools", log_level="WARNING")

    @server.tool()
    def get_order(order_id: str, request_id: str) -> OrderRecord:
        """Look an order up by its id (ORD-nnnnn)."""
        try:
            payload = service.fetch(order_id, request_id)
        except TransientError as err:
            raise _tool_error(err) from None
        if payload is None:
            raise _tool_error(Rejected("intake", "protocol", f"unknown order {order_id}"))
        try:
            return OrderRecord.model_validate(payload)
        except ValidationError as err:
            reason = f"order service payload violates the schema ({err.error_count()} errors)"
            raise _tool_error(Rejected("lookup", "protocol", reason)) from None

    @server.tool()
    def record_outcome(
        kind: Literal["refund", "reply", "decline", "escalate"],
        request_id: str,
        order_id: str | None,
        amount: float,
        text: str,
        idempotency_key: str | None = None,
        approval_token: str | None = None,
    ) -> Receipt:
        """Perform a side effect: issue a refund, send a reply or queue for a human."""
        try:
            entry = service.record(
                kind, request_id, order_id, amount, text, idempotency_key, approval_token
            )
        except (TransientError, Rejected) as err:
            raise _tool_error(err) from None
        return Receipt(**entry)

    return server


class McpTools:
    """A synchronous MCP client over an in-memory session to :func:`build_server`."""

    protocol = "mcp"

    def __init__(self, service: OrderService):
        self.service = service
        self.refreshed_token = False
        """Whether the last ``get_order`` had to refresh an expired access token."""
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._session_cm = self._portal.wrap_async_context_manager(
            connect_in_memory(build_server(service))
        )
        self._session = self._session_cm.__enter__()

    def __repr__(self) -> str:
        return "McpTools(transport='memory')"

    def call(self, name: str, arguments: dict) -> dict:
        """Call a tool; error results become :class:`TransientError` or :class:`Rejected`."""
        result = self._portal.call(self._session.call_tool, name, arguments)
        if result.isError:
            raise _from_error_text(" ".join(c.text for c in result.content if hasattr(c, "text")))
        return result.structuredContent or {}

    def get_order(self, order_id: str, request_id: str) -> dict:
        """The validated order record; on a 401, refresh the access token and ask once more.

        The client owns its credentials, as an MCP client's auth provider does on an HTTP
        transport: an expired token is the protocol's business, not the pipeline's.
        """
        arguments = {"order_id": order_id, "request_id": request_id}
        self.refreshed_token = False
        try:
            return self.call("get_order", arguments)
        except TransientError as err:
            if err.kind != "expired_credentials":
                raise
        self.service.refresh_credentials(request_id)
        self.refreshed_token = True  # the step records that the protocol layer caught a 401
        return self.call("get_order", arguments)

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
        """Perform the side effect for ``kind`` through the MCP tool."""
        return self.call(
            "record_outcome",
            {
                "kind": kind,
                "request_id": request_id,
                "order_id": order_id,
                "amount": amount,
                "text": text,
                "idempotency_key": idempotency_key,
                "approval_token": approval_token,
            },
        )

    def close(self) -> None:
        """Close the session and stop the background event loop."""
        self._session_cm.__exit__(None, None, None)
        self._portal_cm.__exit__(None, None, None)


def _from_error_text(text: str) -> Exception:
    match = _ERROR.search(text)
    if match is None:
        return Rejected("deliver", "protocol", text.strip() or "tool error")
    kind, a, b, message = match.groups()
    if kind == "transient":
        return TransientError(a, "tool", message, float(b))
    return Rejected(a, b, message)
