"""Short names and fixed-width numbers shared by the plots and the report.

A layer setting is written with one letter per layer that is on, joined by ``+``: ``S`` state,
``P`` protocol, ``V`` verification, ``R`` recovery; a mode other than the layer's full one
follows a colon (``V:gate``); ``none`` is every layer off. So ``all`` is ``S+P+V+R`` and
``state,recovery`` is ``S+R``: sixteen settings fit side by side on one axis without rotation.

Rates have three decimals, dollars five, intervals are ``[lo, hi]``.

Example:
    >>> short_label("all"), short_label("state,recovery"), short_label("verification:gate")
    ('S+P+V+R', 'S+R', 'V:gate')
    >>> rate(0.9), interval(0.8123, 0.95), usd(0.003923), delta(-0.0125)
    ('0.900', '[0.812, 0.950]', '$0.00392', '−0.013')
    >>> describe([{"backend": "plain", "profile": "seed-002", "trials": 30}] * 2, "bar")
    'plain · profile seed-002 · 30 trials per bar'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from coordlab.config import LAYER_NAMES, MODES, Layers
from coordlab.experiment.stats import wilson

LETTERS = {"state": "S", "protocol": "P", "verification": "V", "recovery": "R"}
"""The letter that stands for each layer in short labels."""

LAYER_KEY = "S state · P protocol · V verification · R recovery · none = every layer off"
"""The legend of the short labels, one line."""


def short_label(label: str) -> str:
    """The short form of a layer label (``state,recovery`` -> ``S+R``)."""
    layers = Layers.parse(label)
    parts = []
    for name in LAYER_NAMES:
        mode = getattr(layers, name)
        if mode != "off":
            parts.append(LETTERS[name] + ("" if mode == MODES[name][-1] else f":{mode}"))
    return "+".join(parts) or "none"


def layers_on(label: str) -> int:
    """How many layers a label turns on (``all`` -> 4)."""
    layers = Layers.parse(label)
    return sum(layers.on(name) for name in LAYER_NAMES)


def rate(value: float) -> str:
    """A rate (or a difference of rates) with three decimals and a real minus sign."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text.replace("-", "−")


def interval(lo: float, hi: float) -> str:
    """An interval as ``[lo, hi]`` with three decimals."""
    return f"[{rate(lo)}, {rate(hi)}]"


def usd(value: float | None) -> str:
    """Dollars with five decimals (``—`` when undefined, e.g. per success with none)."""
    if value is None or value != value:  # None or NaN
        return "—"
    return f"${value:.5f}"


def delta(value: float) -> str:
    """A signed difference with three decimals and a real minus sign."""
    text = rate(value)
    return text if text.startswith("−") or text == "0.000" else f"+{text}"


def varying(rows: Sequence[dict], key: str) -> bool:
    """Whether ``rows`` hold more than one value under ``key``."""
    return len({row[key] for row in rows}) > 1


def describe(summaries: Sequence[dict], unit: str = "point") -> str:
    """What the summaries share, in one line: backend, profile and trials per ``unit``."""
    backends = list(dict.fromkeys(s["backend"] for s in summaries))
    profiles = list(dict.fromkeys(s["profile"] for s in summaries))
    word = "profiles" if len(profiles) > 1 else "profile"
    parts = [", ".join(backends), f"{word} {', '.join(profiles)}"]
    trials = sorted({s["trials"] for s in summaries})
    count = f"{trials[0]:,}" if len(trials) == 1 else f"{trials[0]:,}–{trials[-1]:,}"
    return " · ".join([*parts, f"{count} trials per {unit}"])


def names(summaries: Sequence[dict]) -> list[str]:
    """A short name per summary: its layers, plus backend and profile where they vary."""
    keys = [k for k in ("backend", "profile") if varying(summaries, k)]
    return [" · ".join([*(s[k] for k in keys), short_label(s["layers"])]) for s in summaries]


def rate_interval(summary: dict, key: str) -> tuple[float, float]:
    """The Wilson 95% interval of one rate of a summary (the summary's own for success)."""
    if key == "success_rate":
        return tuple(summary["ci95"])
    return wilson(round(summary[key] * summary["trials"]), summary["trials"])


def yerr(summaries: Sequence[dict], key: str) -> list[list[float]]:
    """Matplotlib ``yerr`` (below, above) of a rate's intervals."""
    bounds = [rate_interval(s, key) for s in summaries]
    return [
        [max(0.0, s[key] - lo) for s, (lo, _) in zip(summaries, bounds, strict=True)],
        [max(0.0, hi - s[key]) for s, (_, hi) in zip(summaries, bounds, strict=True)],
    ]


def zoom_floor(values: Sequence[float], margin: float = 0.03) -> float:
    """A success axis floor: just under the lowest value, on a 0.05 step, in [0, 0.95].

    Example:
        >>> zoom_floor([0.81, 0.99]), zoom_floor([1.0]), zoom_floor([0.01])
        (0.75, 0.95, 0.0)
    """
    return min(0.95, max(0.0, math.floor((min(values) - margin) * 20) / 20))
