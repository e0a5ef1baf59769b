"""What every plot shares: a new Axes, the series colours, a percent axis, a figure as PNG.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = new_axes(None, (4, 3))
    >>> ax.figure.get_size_inches().tolist()
    [4.0, 3.0]
    >>> figure_png(ax.figure)[:8]  # base64 of the PNG signature
    'iVBORw0K'
"""

from __future__ import annotations

import base64
import io

SERIES_COLOURS = ("#264653", "#e76f51", "#2a9d8f", "#8d6cab", "#e9c46a", "#6c757d")
"""Colours of successive series (backends, profiles, options), in order."""


def new_axes(ax, size=(8, 3.6)):
    """``ax``, or the Axes of a new constrained-layout figure of ``size`` inches."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def percent(decimals: int = 1):
    """A tick formatter that writes shares as percentages."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=decimals)


def figure_png(figure, tight: bool = False) -> str:
    """``figure`` as a base64 PNG at 100 dpi, then closed.

    Args:
        figure: a matplotlib Figure.
        tight: crop to what is drawn, legends outside the axes included (the report's
            figures); a panel keeps its figure's size, so it does not jump as it redraws.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight" if tight else None)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()
