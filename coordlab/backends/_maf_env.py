"""Keeping Microsoft Agent Framework quiet and offline.

MAF instruments every agent and workflow with OpenTelemetry by default. coordlab sets
``ENABLE_INSTRUMENTATION=false`` before ``agent_framework`` is imported (with the opt-outs of
:data:`coordlab.config.OFFLINE_ENV`), unless you have set the variable yourself: set
``ENABLE_INSTRUMENTATION=true`` (and configure a tracer provider) to get MAF's own spans;
coordlab's spans (``coordlab run --trace``) do not need them. MAF writes nothing under
``$HOME`` and contacts no host unless a real endpoint is configured.
"""

from __future__ import annotations

import os

from coordlab.config import apply_offline_env

OPT_OUT = {"ENABLE_INSTRUMENTATION": "false", "ENABLE_SENSITIVE_DATA": "false"}
"""MAF's own switches, set only where the environment does not set them already."""


def prepare_environment() -> None:
    """Set MAF's and coordlab's opt-out variables (before ``import agent_framework``)."""
    apply_offline_env()
    for key, value in OPT_OUT.items():
        os.environ.setdefault(key, value)
