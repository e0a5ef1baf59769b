"""Tools for testing backends: the conformance suite, plain's digest and the mutants.

Example:
    >>> from coordlab.testing import CHECKS
    >>> [c.__name__ for c in CHECKS][:2]
    ['check_paired_agreement', 'check_paired_agreement_over_http']

"""

from coordlab.testing.conformance import (
    CHECKS,
    BackendLike,
    backend_checks,
    known_gaps,
    parametrize_with_checks,
)

__all__ = ["CHECKS", "BackendLike", "backend_checks", "known_gaps", "parametrize_with_checks"]
