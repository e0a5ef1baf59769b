"""Protocol layer: tools behind a real MCP server (on) or ad-hoc function calls (off)."""

from __future__ import annotations

from coordlab.tools.adhoc import AdhocTools
from coordlab.tools.store import OrderService


class Protocol:
    """How the pipeline reaches its tools.

    Args:
        mode: ``off`` (ad-hoc calls) or ``mcp`` (in-memory MCP session, schema-validated).

    """

    def __init__(self, mode: str = "mcp"):
        self.mode = mode

    def connect(self, service: OrderService):
        """A tool client for ``service``; close it when done."""
        if self.mode == "off":
            return AdhocTools(service)
        from coordlab.tools.mcp_server import McpTools  # the MCP SDK loads only when used

        return McpTools(service)
