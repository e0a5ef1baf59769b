"""The notebooks' widget panels: a few controls over one output that redraws.

:func:`panel` builds every panel of the notebooks: controls by name (an option list becomes a
dropdown; a ready widget, a slider or a text box, is used as it is), a ``draw`` function called
with every control's value by name whenever one moves, and one ``Output`` widget (CSS class
``coordlab-plot``) showing what ``draw`` returns: a matplotlib Figure as one PNG, or an object
with ``_repr_html_`` (a table, a grid) as HTML. A panel may add an HTML numbers area (class
``coordlab-numbers``): ``draw`` then returns a pair, what the output shows and the numbers' HTML.
Outputs are set directly, so a panel redraws without a kernel round trip, and its text form
stays short and stable (``<VerificationPanel mode=full | recovery=off>``), which nbval compares.
:func:`choice_panel` is a panel of dropdowns.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> def draw(n):
    ...     figure, ax = plt.subplots()
    ...     ax.plot(range(n))
    ...     return figure
    >>> shown = choice_panel("Demo", {"n": [2, 3]}, draw)
    >>> shown
    <Demo n=2>
    >>> shown.controls["n"].value = 3
    >>> shown, list(shown.plot.outputs[0]["data"])
    (<Demo n=3>, ['image/png', 'text/plain'])
"""

from __future__ import annotations

import functools
import html
import time
from collections.abc import Callable, Mapping, Sequence

from coordlab.errors import CoordlabError, MissingExtraError
from coordlab.viz.figures import figure_png


def require_ipywidgets():
    """The ``ipywidgets`` module, or a :class:`MissingExtraError` naming the pip install."""
    try:
        import ipywidgets
    except ImportError:
        hint = 'pip install "coordlab[notebooks]"'
        raise MissingExtraError(f"the notebook panels need ipywidgets: {hint}") from None
    return ipywidgets


def dropdown(name: str, options: Sequence, value=None, width: str = "auto", label: str = "initial"):
    """A dropdown described ``name`` offering ``options`` (``value`` defaults to the first).

    ``width`` is the whole widget's CSS width, ``label`` its description's.
    """
    widgets = require_ipywidgets()
    options = list(options)
    return widgets.Dropdown(
        options=options, value=options[0] if value is None else value, description=name,
        style={"description_width": label}, layout=widgets.Layout(width=width),
    )  # fmt: skip


def output_of(shown) -> dict:
    """One display output, set directly: a Figure as a PNG, ``_repr_html_`` as HTML, or text."""
    if hasattr(shown, "savefig"):
        data = {"image/png": figure_png(shown), "text/plain": "<plot>"}
    elif hasattr(shown, "_repr_html_"):
        data = {"text/html": shown._repr_html_(), "text/plain": repr(shown)}
    else:
        data = {"text/plain": str(shown)}
    return {"output_type": "display_data", "data": data, "metadata": {}}


def panel(
    name: str,
    controls: Mapping,
    draw: Callable,
    *,
    numbers: str | None = None,
    header=None,
    css: str = "",
    text: Callable | None = None,
    **start,
):
    """Controls above one output that ``draw`` fills whenever a control moves.

    Args:
        name: the panel's name in its text form (``<name key=value | ...>``).
        controls: control name -> the options offered (a dropdown, the first option chosen) or
            a ready widget.
        draw: called with every control's value by name; returns what the output shows (a
            Figure, or an object with ``_repr_html_``), or with ``numbers`` a pair of that and
            the numbers' HTML. A :class:`~coordlab.errors.CoordlabError` or ``ValueError`` it
            raises is shown instead (in the numbers area if there is one).
        numbers: where the HTML numbers area goes: ``"right"`` of the controls, ``"below"`` the
            output, or ``None`` for none.
        header: the widget that shows the controls (default: one row of them).
        css: a CSS class for the whole panel.
        text: the panel's text form, from the panel (default ``<name key=value | ...>``).
        **start: starting values of the dropdowns, by control name.

    Returns:
        An ``ipywidgets.VBox`` with ``controls`` (by name), ``plot`` (the output), ``numbers``
        (or ``None``), ``values()``, ``redraw()`` and ``last_redraw_s`` (how long the last
        redraw took); display it as the last line of a cell.
    """
    widgets = require_ipywidgets()
    controls = {
        key: c if isinstance(c, widgets.Widget) else dropdown(key, c, start.get(key))
        for key, c in controls.items()
    }
    shown = _panel_class()(name, controls, draw, text)
    shown.numbers = widgets.HTML().add_class("coordlab-numbers") if numbers else None
    header = widgets.HBox(list(controls.values())) if header is None else header
    top = widgets.HBox([header, shown.numbers]) if numbers == "right" else header
    shown.children = [top, shown.plot, *([shown.numbers] if numbers == "below" else [])]
    if css:
        shown.add_class(css)
    for control in controls.values():
        control.observe(lambda _change: shown.redraw(), names="value")
    shown.redraw()
    return shown


@functools.cache
def _panel_class():
    widgets = require_ipywidgets()

    class Panel(widgets.VBox):
        """Controls over one output that redraws (see :func:`panel`)."""

        def __init__(self, name: str, controls: dict, draw: Callable, text: Callable | None):
            super().__init__()
            self.controls, self._name, self._draw, self._text = controls, name, draw, text
            self.plot = widgets.Output().add_class("coordlab-plot")
            self.numbers, self.last_redraw_s = None, None

        def values(self) -> dict:
            """Every control's value, by name."""
            return {key: control.value for key, control in self.controls.items()}

        def redraw(self) -> None:
            """Draw for the controls' values; a failure is said where the numbers or plot go."""
            start = time.perf_counter()
            if self.numbers is not None:
                self.numbers.value = "<i>running…</i>"
            try:
                shown = self._draw(**self.values())
            except (CoordlabError, ValueError) as err:
                if self.numbers is None:
                    self.plot.outputs = (output_of(err),)
                    return
                message = html.escape(str(err), quote=False)
                self.numbers.value = f"<b>cannot run this setting:</b> {message}"
                self.plot.outputs = ()
                return
            if self.numbers is not None:
                shown, self.numbers.value = shown
            self.plot.outputs = (output_of(shown),)
            self.last_redraw_s = time.perf_counter() - start

        def __repr__(self) -> str:
            if self._text is not None:
                return self._text(self)
            shown = " | ".join(f"{key}={value}" for key, value in self.values().items())
            return f"<{self._name} {shown}>"

    return Panel


def choice_panel(name: str, choices: Mapping[str, Sequence], draw: Callable, **start):
    """A dropdown per choice above one plot; ``draw(**values)`` returns the figure to show.

    Args:
        name: the panel's name in its text form.
        choices: control name -> the options offered (the first is the default).
        draw: called with every control's value by name whenever one changes.
        **start: starting values, by control name.

    Returns:
        A :func:`panel`: an ``ipywidgets.VBox`` with ``controls`` (by name), ``plot`` and
        ``redraw()``.
    """
    return panel(name, choices, draw, **start)
