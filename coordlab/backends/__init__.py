"""Backends: the same support desk wired by different orchestration frameworks."""

from coordlab.backends.base import (
    ENTRY_POINT_GROUP,
    REGISTRY,
    Backend,
    available,
    backend_class,
    backend_name,
    register,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Backend",
    "available",
    "backend_class",
    "backend_name",
    "register",
]
