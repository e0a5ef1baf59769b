"""The mutation test: every deliberately broken backend fails at least one conformance check.

The real backends passing every check is tests/test_conformance.py. Which checks each mutant
fails is printed (``pytest -s``) and recorded as the test's ``failed_checks`` property.
"""

import pytest

from coordlab.backends.plain import PlainBackend
from coordlab.testing import CHECKS
from coordlab.testing.mutants import MUTANTS, Loop, failing_checks

WITHOUT_HTTP = [c for c in CHECKS if c.__name__ != "check_paired_agreement_over_http"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_every_mutant_fails_a_check(mutant, record_property):
    failed = failing_checks(mutant)
    record_property("failed_checks", sorted(failed))
    print(f"\n{mutant.name} fails: {', '.join(sorted(failed)) or 'nothing'}")
    for name, message in failed.items():
        print(f"  {name}: {message}")
    assert failed, f"{mutant.name} passes every check: add or sharpen a check that catches it"


def test_mutants_are_small_documented_plain_subclasses():
    names = [m.name for m in MUTANTS]
    assert len(set(names)) == len(names) >= 4
    for mutant in MUTANTS:
        assert issubclass(mutant, PlainBackend) and mutant.__doc__.startswith("Broken: ")


def test_the_unbroken_loop_passes_so_the_bugs_are_what_fails():
    assert failing_checks(Loop, WITHOUT_HTTP) == {}
