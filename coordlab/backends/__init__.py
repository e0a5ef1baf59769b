"""Backends: the same support desk wired by different orchestration frameworks."""

from coordlab.backends.base import REGISTRY, Backend, available, backend_class

__all__ = ["Backend", "REGISTRY", "available", "backend_class"]
