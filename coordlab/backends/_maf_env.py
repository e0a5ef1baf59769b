"""Keeping Microsoft Agent Framework quiet and offline.

MAF instruments every agent and workflow with OpenTelemetry by default. coordlab sets
``ENABLE_INSTRUMENTATION=false`` before ``agent_framework`` is imported (with the opt-outs of
:data:`coordlab.config.OFFLINE_ENV`), unless you have set the variable yourself: set
``ENABLE_INSTRUMENTATION=true`` (and configure a tracer provider) to get MAF's own spans;
coordlab's spans (``coordlab run --trace``) do not need them. MAF writes nothing under
``$HOME`` and contacts no host unless a real endpoint is configured. Its warning about
self-loops is dropped: coordlab's self-edges are retry edges, bounded by the layers.
"""

from __future__ import annotations

import logging
import os

from coordlab.config import apply_offline_env

OPT_OUT = {"ENABLE_INSTRUMENTATION": "false", "ENABLE_SENSITIVE_DATA": "false"}
"""MAF's own switches, set only where the environment does not set them already."""


def prepare_environment() -> None:
    """Set MAF's and coordlab's opt-out variables (before ``import agent_framework``)."""
    apply_offline_env()
    for key, value in OPT_OUT.items():
        os.environ.setdefault(key, value)
    quiet_retry_edges()


class _RetryEdgesAreBounded(logging.Filter):
    """Drops MAF's self-loop warning: a self-edge is a retry edge, and the layers bound it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Self-loop detected")


def quiet_retry_edges() -> None:
    """Keep MAF from warning about the retry edges (self-loops) whenever a workflow is built."""
    logger = logging.getLogger("agent_framework._workflows._validation")
    if not any(isinstance(f, _RetryEdgesAreBounded) for f in logger.filters):
        logger.addFilter(_RetryEdgesAreBounded())
