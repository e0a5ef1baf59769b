"""Tools for testing backends: the conformance suite."""

from coordlab.testing.conformance import CHECKS, backend_checks, parametrize_with_checks

__all__ = ["CHECKS", "backend_checks", "parametrize_with_checks"]
