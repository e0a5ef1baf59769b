"""Keeping Microsoft Agent Framework quiet and offline.

MAF instruments every agent, chat client and workflow with OpenTelemetry by default. coordlab
sets ``ENABLE_INSTRUMENTATION=false`` and ``ENABLE_SENSITIVE_DATA=false`` before it imports
``agent_framework`` (with the opt-outs of :data:`coordlab.config.OFFLINE_ENV`), unless you have
set them yourself, and switches MAF's settings off again after the import
(:func:`keep_instrumentation_off`) in case ``agent_framework`` was imported first. To get MAF's
own spans, set ``ENABLE_INSTRUMENTATION=true``, unset ``OTEL_SDK_DISABLED`` (coordlab sets it)
and configure a tracer provider; coordlab's spans (``coordlab run --trace``) need none of that.
MAF writes nothing under ``$HOME`` and contacts no host unless a real endpoint is configured.

MAF warns about every self-loop edge when a workflow is built; coordlab's self-edges are retry
edges, bounded by the layers, so :func:`retry_edges_expected` drops that warning while coordlab
builds its workflow (and only then).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from coordlab.config import apply_offline_env

OPT_OUT = {"ENABLE_INSTRUMENTATION": "false", "ENABLE_SENSITIVE_DATA": "false"}
"""MAF's own switches, set only where the environment does not set them already."""

SET_HERE: set[str] = set()
"""The :data:`OPT_OUT` variables coordlab set (the user had not)."""


def prepare_environment() -> None:
    """Set MAF's and coordlab's opt-out variables (before ``import agent_framework``)."""
    apply_offline_env()
    for key, value in OPT_OUT.items():
        if key not in os.environ:
            os.environ[key] = value
            SET_HERE.add(key)


def keep_instrumentation_off() -> None:
    """Switch MAF's instrumentation off after its import, unless the user asked for it."""
    if "ENABLE_INSTRUMENTATION" in SET_HERE:
        from agent_framework.observability import OBSERVABILITY_SETTINGS

        OBSERVABILITY_SETTINGS.enable_instrumentation = False


class _RetryEdgesAreBounded(logging.Filter):
    """Drops MAF's self-loop warning: a self-edge is a retry edge, and the layers bound it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Self-loop detected")


@contextmanager
def retry_edges_expected() -> Iterator[None]:
    """Drop MAF's self-loop warning while coordlab builds its workflow."""
    logger = logging.getLogger("agent_framework._workflows._validation")
    quiet = _RetryEdgesAreBounded()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
