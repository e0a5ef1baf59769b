import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import coordlab  # noqa: E402


def _png(panel):
    return panel.plot.outputs[-1]["data"]["image/png"]


@pytest.fixture
def panel(tmp_path):
    return coordlab.layer_panel(tickets=40, cache=tmp_path / "cache")


def test_moving_a_toggle_redraws_numbers_and_plot(panel):
    numbers, png = panel.numbers.value, _png(panel)
    assert "chosen<br>" in numbers and ">all</span>" in numbers and "[" in numbers
    panel.controls["recovery"].value = "off"
    assert ">state, protocol, verification</span>" in panel.numbers.value
    assert panel.numbers.value != numbers and _png(panel) != png
    assert (
        repr(panel)
        == "<LayerPanel plain | layers state,protocol,verification | uniform-97 | 1 seed(s)>"
    )


def test_the_numbers_are_those_of_coordlab_run(panel):
    panel.controls["profile"].value = "seed-002"
    off = coordlab.run(layers="none", profile="seed-002", tickets=40)
    lo, hi = off["ci95"]
    assert f"{off['success_rate']:.3f} <span style='white-space:nowrap'>[{lo:.3f}, {hi:.3f}]" in (
        panel.numbers.value
    )


def test_a_setting_seen_before_comes_from_the_cache(panel):
    panel.controls["state"].value = "off"
    misses = panel.results.misses
    panel.controls["state"].value = "typed"
    assert panel.results.misses == misses and panel.last_redraw_s is not None


def test_a_backend_without_its_extra_shows_the_pip_hint(panel, monkeypatch):
    from coordlab.backends import base

    monkeypatch.setitem(base.REGISTRY, "nowhere", ("coordlab_missing_mod:Backend", "nowhere"))
    panel.controls["backend"].options = [*panel.controls["backend"].options, "nowhere"]
    panel.controls["backend"].value = "nowhere"
    assert "cannot run this setting" in panel.numbers.value
    assert 'pip install "coordlab[nowhere]"' in panel.numbers.value
    assert panel.plot.outputs == ()


def test_the_panel_keeps_the_browser_tests_contract(panel):
    import ipywidgets

    assert isinstance(panel, ipywidgets.VBox) and "coordlab-panel" in panel._dom_classes
    dropdowns = [
        c.description for c in panel.controls.values() if isinstance(c, ipywidgets.Dropdown)
    ]
    assert dropdowns == ["state", "protocol", "verification", "recovery", "backend", "profile"]
    assert isinstance(panel.controls["seeds"], ipywidgets.IntSlider)
    assert "coordlab-numbers" in panel.numbers._dom_classes
    assert "coordlab-plot" in panel.plot._dom_classes and len(panel.plot.outputs) == 1
    assert panel.setting().label == "all" and set(panel.summaries()) == {
        "layers off", "chosen: all", "all layers on"
    }  # fmt: skip


def test_a_profile_or_backend_outside_the_offered_ones_is_added():
    panel = coordlab.layer_panel(profile="uniform-99", tickets=3, cache=None, profiles=["perfect"])
    assert list(panel.controls["profile"].options) == ["perfect", "uniform-99"]
    assert "uniform-99" in repr(panel) and "cannot run" not in panel.numbers.value
    panel.controls["profile"].value = "perfect"
    assert "profile perfect" in panel.numbers.value
