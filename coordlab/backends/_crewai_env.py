"""Keeping CrewAI offline and out of the user's home directory.

CrewAI contacts its telemetry host and PyPI unless told not to, and writes settings and
credentials under ``$HOME`` (``~/.config/crewai``, ``~/.local/share/crewai``) even when
``CREWAI_STORAGE_DIR`` is set. coordlab sets the opt-out variables before CrewAI is imported and
runs CrewAI's import and every kickoff with ``HOME`` (and the XDG folders) pointing at a sandbox
under the temp folder (``$COORDLAB_CREWAI_HOME`` to choose another). Inside a trial
(:func:`in_trial`) CrewAI's "Error executing listener" logs are dropped: coordlab grades the
error (the trial crashed) instead of printing it.
"""

from __future__ import annotations

import contextvars
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coordlab.config import apply_offline_env


def sandbox_dir() -> Path:
    """The folder CrewAI may write to."""
    path = Path(
        os.environ.get("COORDLAB_CREWAI_HOME")
        or Path(tempfile.gettempdir()) / f"coordlab-crewai-{os.getuid()}"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def prepare_environment() -> None:
    """Set CrewAI's opt-out and storage variables (before ``import crewai``)."""
    apply_offline_env()
    os.environ.setdefault("CREWAI_STORAGE_DIR", str(sandbox_dir() / "storage"))


@contextmanager
def crewai_home() -> Iterator[Path]:
    """Point ``HOME`` and the XDG folders at the sandbox while CrewAI runs."""
    sandbox = sandbox_dir()
    keys = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update(
        {
            "HOME": str(sandbox),
            "XDG_CONFIG_HOME": str(sandbox / ".config"),
            "XDG_DATA_HOME": str(sandbox / ".local/share"),
            "XDG_CACHE_HOME": str(sandbox / ".cache"),
        }
    )
    try:
        yield sandbox
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_IN_TRIAL = contextvars.ContextVar("coordlab_crewai_trial", default=False)


@contextmanager
def in_trial() -> Iterator[None]:
    """Mark a trial's kickoff: CrewAI's listener-error logs are dropped there (graded instead)."""
    token = _IN_TRIAL.set(True)
    try:
        yield
    finally:
        _IN_TRIAL.reset(token)


class _QuietTrialErrors(logging.Filter):
    """Drop CrewAI's "Error executing listener" logs in a trial: coordlab grades it (crashed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_IN_TRIAL.get() and "Error executing listener" in record.getMessage())


logging.getLogger("crewai.flow.runtime").addFilter(_QuietTrialErrors())


def sqlite_persistence(path: str | Path | None = None):
    """CrewAI's ``SQLiteFlowPersistence`` at ``path`` (default: in the sandbox, not ``$HOME``)."""
    with crewai_home():
        from crewai.flow.persistence import SQLiteFlowPersistence

        return SQLiteFlowPersistence(str(path or sandbox_dir() / "flow_states.db"))
