"""Backends: the same support desk wired by different orchestration frameworks.

What a backend author needs: :class:`Backend` (the contract), :class:`Trial` (the recorder a
trial runs on), :func:`register`, and the shared decisions in :mod:`coordlab.pipeline.control`
(``run_step`` or ``attempt``, ``next_step``, ``DONE``) with :func:`coordlab.pipeline.steps.flow`.
"""

from coordlab.backends.base import (
    ENTRY_POINT_GROUP,
    REGISTRY,
    Backend,
    available,
    backend_class,
    backend_name,
    register,
)
from coordlab.pipeline.context import Trial

__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Backend",
    "available",
    "backend_class",
    "backend_name",
    "register",
    "Trial",
]
