"""A small widget panel: a few choices and one plot that redraws from data already loaded.

The plot is one PNG in an ``Output`` widget (class ``coordlab-plot``), set directly, so the
panel redraws without a running kernel round trip and its text form stays short and stable
(``<VerificationPanel mode=full | recovery=off>``), which nbval compares.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> def draw(n):
    ...     figure, ax = plt.subplots()
    ...     ax.plot(range(n))
    ...     return figure
    >>> panel = choice_panel("Demo", {"n": [2, 3]}, draw)
    >>> panel
    <Demo n=2>
    >>> panel.controls["n"].value = 3
    >>> panel
    <Demo n=3>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from coordlab.viz.widgets import png_output, require_ipywidgets


def choice_panel(name: str, choices: Mapping[str, Sequence], draw: Callable, **start):
    """A dropdown per choice above one plot; ``draw(**values)`` returns the figure to show.

    Args:
        name: the panel's name in its text form.
        choices: control name -> the options offered (the first is the default).
        draw: called with every control's value by name whenever one changes.
        **start: starting values, by control name.

    Returns:
        An ``ipywidgets.VBox`` with ``controls`` (by name), ``plot`` and ``redraw()``.
    """
    widgets = require_ipywidgets()
    style, layout = {"description_width": "initial"}, widgets.Layout(width="auto")
    controls = {
        key: widgets.Dropdown(options=list(options), value=start.get(key, list(options)[0]),
                              description=key, style=style, layout=layout)
        for key, options in choices.items()
    }  # fmt: skip

    class Panel(widgets.VBox):
        def redraw(self) -> None:
            """Draw the plot for the values the controls show."""
            values = {key: control.value for key, control in controls.items()}
            self.plot.outputs = (png_output(draw(**values)),)

        def __repr__(self) -> str:
            shown = " | ".join(f"{key}={c.value}" for key, c in controls.items())
            return f"<{name} {shown}>"

    panel = Panel([widgets.HBox(list(controls.values())), widgets.Output()])
    panel.controls, panel.plot = controls, panel.children[1].add_class("coordlab-plot")
    for control in controls.values():
        control.observe(lambda _change: panel.redraw(), names="value")
    panel.redraw()
    return panel
