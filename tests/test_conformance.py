from coordlab.backends import REGISTRY
from coordlab.testing import parametrize_with_checks


@parametrize_with_checks(list(REGISTRY))
def test_conformance(backend, check):
    check(backend)
