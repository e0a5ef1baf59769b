import doctest
import importlib
import pkgutil

import pytest

import coordlab

MODULES = sorted(m.name for m in pkgutil.walk_packages(coordlab.__path__, "coordlab."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
