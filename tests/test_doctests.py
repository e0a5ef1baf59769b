import doctest
import importlib
import pkgutil

import pytest

import coordlab

MODULES = sorted(m.name for m in pkgutil.walk_packages(coordlab.__path__, "coordlab."))


FRAMEWORKS = ("langgraph", "langchain_core", "crewai", "autogen_agentchat", "autogen_core")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in FRAMEWORKS:
            raise
        pytest.skip(f"{name} needs the optional {err.name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
