"""The wiring grid reads each backend's source by name: a renamed function fails here."""

import pytest

from coordlab.backends.base import REGISTRY, available
from coordlab.viz import wiring

STEPS = ("intake", "retrieve", "lookup", "decide", "compose", "verify", "deliver", "escalate")


def test_every_registered_backend_has_its_wiring_named():
    assert set(wiring.WIRING) == set(REGISTRY)


@pytest.mark.parametrize("backend", sorted(wiring.WIRING))
@pytest.mark.parametrize("step", STEPS)
def test_every_named_symbol_exists(backend, step):
    if backend not in available():
        pytest.skip(f"{backend}'s extra is not installed")
    sources = wiring.wiring(backend, step)
    assert [name for name, _ in sources] == wiring.wiring_symbols(backend, step)
    for name, source in sources:
        assert source.lstrip().startswith(("def ", "@", "class ")), name
        assert '"""' not in source  # the docstring is left out


@pytest.mark.parametrize("backend", sorted(wiring.WIRING))
def test_each_backend_hands_over_to_the_shared_decisions_and_uses_its_own_constructs(backend):
    if backend not in available():
        pytest.skip(f"{backend}'s extra is not installed")
    lines = [line for _, source in wiring.wiring(backend) for line in source.splitlines()]
    assert any(wiring.SHARED.search(line) for line in lines)
    html = wiring.wiring_grid("decide", [backend])._repr_html_()
    assert "class='ln shared'" in html and "class='ln own'" in html


def test_a_missing_symbol_raises(monkeypatch):
    module, text, names, constructs = wiring.WIRING["plain"]
    monkeypatch.setitem(wiring.WIRING, "plain", (module, text, ("PlainBackend._gone",), constructs))
    with pytest.raises(AttributeError):
        wiring.wiring("plain")


def test_grid_has_a_column_per_backend_and_names_the_step_and_symbols():
    grid = wiring.wiring_grid(
        "verify", ["plain", "crewai"] if "crewai" in available() else ["plain"]
    )
    assert len(grid.columns) == len(grid.text.split(" · ")) - 1
    assert grid.text.startswith("wiring of step 'verify'")
    if "crewai" in available():
        assert "DeskFlow.run_verify" in grid.text
        assert "@listen(&quot;to_verify&quot;)" in grid._repr_html_()
    widths = " ".join(f"minmax(0,{c.weight}fr)" for c in grid.columns)
    assert f"grid-template-columns:{widths}" in grid._repr_html_()
