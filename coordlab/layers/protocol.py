"""Protocol layer: tools behind a real MCP server (on) instead of ad-hoc function calls (off).

It overrides one hook, ``connect``: the tools are reached through an in-memory MCP session
whose JSON schemas validate every argument and every result.

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> Protocol(SupportDesk())
    <Protocol<SupportDesk>>
"""

from __future__ import annotations

from coordlab.layers.base import Layer


class Protocol(Layer):
    """Tools over MCP. Modes: ``off``, ``mcp``."""

    modes = ("off", "mcp")

    def connect(self, service):
        """An MCP client for ``service`` (close it when done)."""
        from coordlab.tools.mcp_server import McpTools  # the MCP SDK loads only when used

        return McpTools(service)
