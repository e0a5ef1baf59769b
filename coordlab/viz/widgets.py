"""The layer control panel: move a toggle, see end-to-end reliability and cost redraw.

:func:`layer_panel` builds an ipywidgets panel (ipywidgets and matplotlib come with the
``notebooks`` extra): a dropdown per layer with its modes, the backend, the fault profile and
the number of seeds. Whenever one changes it runs the setting (through a results cache, so a
setting seen before redraws at once) and shows it between two references run the same way:
every layer off and every layer on. The numbers (success with its Wilson interval, silent
failures, escalations, crashes, tokens and dollars per trial) sit in an ``HTML`` widget with the
CSS class ``coordlab-numbers``; the plot is one PNG in an ``Output`` widget with the class
``coordlab-plot``.

Example:
    >>> panel = layer_panel(tickets=5, profile="perfect", cache=None)  # doctest: +SKIP
    >>> panel.controls["verification"].value = "off"  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import functools
import html
import io
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from coordlab.api import run
from coordlab.backends.base import REGISTRY
from coordlab.config import LAYER_NAMES, MODES, Layers
from coordlab.errors import CoordlabError, MissingExtraError
from coordlab.experiment.cache import ResultCache
from coordlab.llm.profiles import PROFILES
from coordlab.viz.panel_view import numbers_html, panel_figure


def require_ipywidgets():
    """The ``ipywidgets`` module, or a :class:`MissingExtraError` naming the pip install."""
    try:
        import ipywidgets
    except ImportError:
        hint = 'pip install "coordlab[notebooks]"'
        raise MissingExtraError(f"the layer panel needs ipywidgets: {hint}") from None
    return ipywidgets


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
        profile: the fault profile to start from.
        seeds: how many seeds (0, 1, ... ``seeds - 1``) each setting runs.
        tickets: the first N bundled tickets (default all 320).
        cache: a results cache directory or :class:`ResultCache`; ``"default"`` is a fresh
            temporary directory for this panel, ``None`` runs every redraw from scratch.
        profiles: the profiles offered (default the built-in ones).
        backends: the backends offered (default every registered one; one whose extra is not
            installed shows its ``pip install`` hint instead of numbers).

    Returns:
        The panel, an ``ipywidgets.VBox`` with ``controls`` (by name), ``numbers``, ``plot``,
        ``redraw()`` and ``last_redraw_s``; display it as the last line of a cell.
    """
    if cache == "default":
        cache = ResultCache(tempfile.mkdtemp(prefix="coordlab-panel-"))
    elif cache is not None and not isinstance(cache, ResultCache):
        cache = ResultCache(cache)
    controls = _controls(
        require_ipywidgets(), Layers.parse(layers), backend, profile, seeds,
        list(profiles or PROFILES), list(backends or REGISTRY),
    )  # fmt: skip
    panel = _panel_class()(controls, tickets, cache)
    panel.redraw()
    return panel


def _controls(widgets, layers, backend, profile, seeds, profiles, backends) -> dict:
    style = {"description_width": "80px"}
    layout = widgets.Layout(width="250px")
    dropdown = lambda name, options, value: widgets.Dropdown(  # noqa: E731
        options=options, value=value, description=name, style=style, layout=layout
    )
    controls = {name: dropdown(name, MODES[name], getattr(layers, name)) for name in LAYER_NAMES}
    controls["backend"] = dropdown("backend", backends, backend)
    controls["profile"] = dropdown("profile", profiles, profile)
    controls["seeds"] = widgets.IntSlider(
        value=seeds, min=1, max=10, description="seeds", style=style, layout=layout,
        continuous_update=False,
    )  # fmt: skip
    return controls


@functools.cache
def _panel_class():
    widgets = require_ipywidgets()

    class LayerPanel(widgets.VBox):
        """The panel: ``controls`` by name, ``numbers``, ``plot``, :meth:`redraw`."""

        def __init__(self, controls: dict, tickets: int | None, results: ResultCache | None):
            self.controls, self.tickets, self.results = controls, tickets, results
            self.numbers = widgets.HTML().add_class("coordlab-numbers")
            self.plot = widgets.Output().add_class("coordlab-plot")
            left = widgets.VBox(list(controls.values()))
            super().__init__([widgets.HBox([left, self.numbers]), self.plot])
            self.add_class("coordlab-panel")
            self.last_redraw_s: float | None = None
            for control in controls.values():
                control.observe(lambda _change: self.redraw(), names="value")

        def setting(self) -> Layers:
            """The layer setting the dropdowns show."""
            return Layers(**{name: self.controls[name].value for name in LAYER_NAMES})

        def summaries(self) -> dict[str, dict]:
            """The chosen setting between the two references, run or read from the cache."""
            c, chosen = self.controls, self.setting()
            specs = {"layers off": "none", f"chosen: {chosen.label}": chosen}
            specs["all layers on"] = "all"
            return {
                label: run(backend=c["backend"].value, layers=spec, profile=c["profile"].value,
                           tickets=self.tickets, seeds=range(c["seeds"].value), cache=self.results)
                for label, spec in specs.items()
            }  # fmt: skip

        def redraw(self) -> None:
            """Recompute and redraw numbers and plot; ``last_redraw_s`` says how long it took."""
            start = time.perf_counter()
            self.numbers.value = "<i>running…</i>"
            try:
                sums = self.summaries()
            except CoordlabError as err:
                message = html.escape(str(err), quote=False)
                self.numbers.value = f"<b>cannot run this setting:</b> {message}"
                self.plot.outputs = ()
                return
            self.numbers.value = numbers_html(sums)
            self.plot.outputs = (png_output(panel_figure(sums)),)
            self.last_redraw_s = time.perf_counter() - start

        def __repr__(self) -> str:
            c = self.controls
            return (
                f"<LayerPanel {c['backend'].value} | layers {self.setting().label} | "
                f"{c['profile'].value} | {c['seeds'].value} seed(s)>"
            )

    return LayerPanel


def png_output(figure) -> dict:
    """``figure`` as one PNG display output (set directly: it needs no running kernel)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    data = {"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<plot>"}
    return {"output_type": "display_data", "data": data, "metadata": {}}
