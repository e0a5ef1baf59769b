import subprocess
import sys

import coordlab


def test_every_public_name_imports():
    for name in coordlab.__all__:
        assert getattr(coordlab, name) is not None, name


def test_import_coordlab_imports_no_framework():
    code = (
        "import sys, coordlab; "
        "bad = [m for m in ('langgraph', 'crewai', 'autogen_agentchat', 'langchain_core', 'ray')"
        " if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_backends_available_lists_plain():
    assert "plain" in coordlab.backends.available()


def test_layers_repr_shows_the_stack():
    from coordlab.backends.plain import PlainBackend

    assert coordlab.Layers().stack(PlainBackend.__name__) == (
        "<Recovery<Verification<State<Protocol<PlainBackend>>>>>"
    )
