import subprocess
import sys

import coordlab


def test_every_public_name_imports():
    for name in coordlab.__all__:
        assert getattr(coordlab, name) is not None, name


def test_import_coordlab_imports_no_framework_and_no_notebook_package():
    code = (
        "import sys, coordlab; "
        "bad = [m for m in ('langgraph', 'crewai', 'autogen_agentchat', 'langchain_core', 'ray',"
        " 'matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_backends_available_lists_plain():
    assert "plain" in coordlab.backends.available()


def test_layers_repr_shows_the_stack():
    from coordlab.backends.plain import PlainBackend
    from coordlab.layers import build

    assert build(coordlab.Layers()).stack(PlainBackend.__name__) == (
        "<Recovery<Verification<State<Protocol<PlainBackend>>>>>"
    )


def test_a_missing_extra_names_the_pip_command(monkeypatch):
    import pytest

    from coordlab.backends import base
    from coordlab.errors import MissingExtraError

    monkeypatch.setitem(base.REGISTRY, "ghost", ("coordlab_ghost_framework:Backend", "ghost"))
    with pytest.raises(MissingExtraError, match=r'pip install "coordlab\[ghost\]"'):
        base.backend_class("ghost")
    assert "ghost" not in base.available()


def test_declared_gaps_become_strict_xfails(monkeypatch):
    from coordlab.backends import base
    from coordlab.backends.plain import PlainBackend
    from coordlab.testing import parametrize_with_checks

    class GappyBackend(PlainBackend):
        known_gaps = {"check_determinism": "draws faults from wall-clock time"}

    monkeypatch.setattr(base, "backend_class", lambda name: GappyBackend)
    monkeypatch.setattr("coordlab.testing.conformance.backend_class", lambda name: GappyBackend)
    mark = parametrize_with_checks(["gappy"])
    params = {p.id: p for p in mark.args[1]}
    xfail = params["gappy-check_determinism"].marks[0]
    assert xfail.name == "xfail" and xfail.kwargs["strict"] is True
    assert not params["gappy-check_no_network"].marks
