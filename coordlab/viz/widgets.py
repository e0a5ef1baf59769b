"""The layer control panel: move a toggle, see end-to-end reliability and cost redraw.

:func:`layer_panel` builds an ipywidgets panel (ipywidgets and matplotlib come with the
``notebooks`` extra): a dropdown per layer with its modes, the backend, the fault profile and
the number of seeds. Whenever one changes it runs the setting (through a results cache, so a
setting seen before redraws at once) and shows it between two references run the same way:
every layer off and every layer on. The numbers (success with its Wilson interval, silent
failures, escalations, crashes, tokens and dollars per trial) sit in an ``HTML`` widget with the
CSS class ``coordlab-numbers``; the plot is one PNG in an ``Output`` widget with the class
``coordlab-plot``.

It is a :func:`coordlab.viz.choices.panel`.

Example:
    >>> panel = layer_panel(tickets=3, profile="perfect", cache=None)
    >>> panel
    <LayerPanel plain | layers all | perfect | 1 seed(s)>
    >>> panel.controls["verification"].value = "off"
    >>> panel.setting().label, list(panel.plot.outputs[0]["data"])
    ('state,protocol,recovery', ['image/png', 'text/plain'])
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from coordlab.api import run
from coordlab.backends.base import REGISTRY
from coordlab.config import LAYER_NAMES, MODES, Layers
from coordlab.experiment.cache import ResultCache
from coordlab.llm.profiles import PROFILES
from coordlab.viz.choices import dropdown, panel, require_ipywidgets
from coordlab.viz.panel_view import numbers_html, panel_figure

SIZE = {"width": "250px", "label": "80px"}
"""The controls' width and their descriptions' width."""


def layer_panel(
    layers: str | Layers = "all",
    backend: str = "plain",
    profile: str = "uniform-97",
    seeds: int = 1,
    tickets: int | None = None,
    cache: str | Path | ResultCache | None = "default",
    profiles: Sequence[str] | None = None,
    backends: Sequence[str] | None = None,
):
    """A control panel over one layer setting, redrawn whenever a control moves.

    Args:
        layers: the setting to start from (a spec or :class:`~coordlab.Layers`).
        backend: the backend to start from.
        profile: the fault profile to start from (offered even if ``profiles`` lacks it).
        seeds: how many seeds (0, 1, ... ``seeds - 1``) each setting runs.
        tickets: the first N bundled tickets (default all 320).
        cache: a results cache directory or :class:`ResultCache`; ``"default"`` is a fresh
            temporary directory for this panel, ``None`` runs every redraw from scratch.
        profiles: the profiles offered (default the built-in ones).
        backends: the backends offered (default every registered one; one whose extra is not
            installed shows its ``pip install`` hint instead of numbers).

    Returns:
        The panel, an ``ipywidgets.VBox`` with ``controls`` (by name), ``numbers``, ``plot``,
        ``results`` (the cache), ``redraw()``, ``setting()``, ``summaries()`` and
        ``last_redraw_s``; display it as the last line of a cell.
    """
    if cache == "default":
        cache = ResultCache(tempfile.mkdtemp(prefix="coordlab-panel-"))
    elif cache is not None and not isinstance(cache, ResultCache):
        cache = ResultCache(cache)
    widgets, start = require_ipywidgets(), Layers.parse(layers)
    offered = {name: (MODES[name], getattr(start, name)) for name in LAYER_NAMES}
    offered["backend"] = (_offered(backends or REGISTRY, backend), backend)
    offered["profile"] = (_offered(profiles or PROFILES, profile), profile)
    controls = {name: dropdown(name, *pair, **SIZE) for name, pair in offered.items()}
    controls["seeds"] = widgets.IntSlider(
        value=seeds, min=1, max=10, description="seeds", continuous_update=False,
        style={"description_width": SIZE["label"]}, layout={"width": SIZE["width"]},
    )  # fmt: skip

    def setting() -> Layers:
        """The layer setting the dropdowns show."""
        return Layers(**{name: controls[name].value for name in LAYER_NAMES})

    def summaries() -> dict[str, dict]:
        """The chosen setting between the two references, run or read from the cache."""
        chosen = setting()
        specs = {"layers off": "none", f"chosen: {chosen.label}": chosen, "all layers on": "all"}
        return {
            label: run(backend=controls["backend"].value, layers=spec, tickets=tickets,
                       profile=controls["profile"].value, seeds=range(controls["seeds"].value),
                       cache=cache)
            for label, spec in specs.items()
        }  # fmt: skip

    def draw(**_values):
        sums = summaries()
        return panel_figure(sums), numbers_html(sums)

    def text(shown) -> str:
        c = shown.controls
        return (f"<LayerPanel {c['backend'].value} | layers {setting().label} | "
                f"{c['profile'].value} | {c['seeds'].value} seed(s)>")  # fmt: skip

    header = widgets.VBox(list(controls.values()))
    shown = panel("LayerPanel", controls, draw, numbers="right", header=header,
                  css="coordlab-panel", text=text)  # fmt: skip
    shown.results, shown.tickets = cache, tickets
    shown.setting, shown.summaries = setting, summaries
    return shown


def _offered(options, chosen: str) -> list[str]:
    """The options, with the chosen one appended if they lack it."""
    options = list(options)
    return options if chosen in options else [*options, chosen]
