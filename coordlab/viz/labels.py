"""Short names and fixed-width numbers shared by the plots and the report.

A layer setting is written with one letter per layer that is on, joined by ``+``: ``S`` state,
``P`` protocol, ``V`` verification, ``R`` recovery; a mode other than the layer's full one
follows a colon (``V:gate``); ``none`` is every layer off. So ``all`` is ``S+P+V+R`` and
``state,recovery`` is ``S+R``: sixteen settings fit side by side on one axis without rotation.

Rates have three decimals, dollars five, intervals are ``[lo, hi]``. What every row of a
table or every point of a plot shares is said once (:func:`shared`), in its caption or title.

Example:
    >>> short_label("all"), short_label("state,recovery"), short_label("verification:gate")
    ('S+P+V+R', 'S+R', 'V:gate')
    >>> rate(0.9), interval(0.8123, 0.95), usd(0.003923), delta(-0.0125)
    ('0.900', '[0.812, 0.950]', '$0.00392', '−0.013')
    >>> shared([{"backend": "plain", "profile": "seed-002", "trials": 30}] * 2, per="bar")
    'plain · profile seed-002 · 30 trials per bar'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from coordlab.config import MODES, Layers
from coordlab.experiment.stats import wilson

LETTERS = {"state": "S", "protocol": "P", "verification": "V", "recovery": "R"}
"""The letter that stands for each layer in short labels."""

LAYER_KEY = "S state · P protocol · V verification · R recovery · none = every layer off"
"""The legend of the short labels, one line."""


def short_label(label: str) -> str:
    """The short form of a layer label (``state,recovery`` -> ``S+R``).

    A registered layer keeps its name: ``all,anger`` -> ``S+P+V+R+anger``.
    """
    layers = Layers.parse(label)
    parts = []
    for name, mode in layers.as_dict().items():
        if mode != "off":
            letter = LETTERS.get(name, name)
            parts.append(letter + ("" if mode == MODES[name][-1] else f":{mode}"))
    return "+".join(parts) or "none"


def layers_on(label: str) -> int:
    """How many layers a label turns on (``all`` -> 4), registered ones included."""
    return sum(mode != "off" for mode in Layers.parse(label).as_dict().values())


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


Rows = Sequence[Mapping] | pd.DataFrame
"""Rows of a table: dicts (e.g. run summaries) or a DataFrame."""


def column(rows: Rows, key: str) -> list:
    """The values under ``key``, one per row that has it (a table grouped by fewer keys)."""
    if isinstance(rows, pd.DataFrame):
        return list(rows[key]) if key in rows else []
    return [row[key] for row in rows if key in row]


def varying(rows: Rows, key: str) -> bool:
    """Whether ``rows`` hold more than one value under ``key``."""
    return len(set(column(rows, key))) > 1


def listed(values: Iterable) -> str:
    """Distinct values in words: whole numbers as a range (``12–40``), others in order, by commas.

    Example:
        >>> listed([40, 12, 40]), listed([1200]), listed(["plain", "langgraph", "plain"])
        ('12–40', '1,200', 'plain, langgraph')
    """
    values = list(dict.fromkeys(values))
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        return "–".join(f"{v:,}" for v in dict.fromkeys([min(values), max(values)]))
    return ", ".join(map(str, values))


Word = str | tuple[str, str] | Callable[[str], str]
"""How a key's value is said: a format, (format for one value, format for several), or a
function of the value's text."""

WORDS: dict[str, Word] = {
    "backend": "{}", "profile": ("profile {}", "profiles {}"), "layers": "layers {}",
    "trials": "{} trials each", "steps": "{} work steps", "tier": "{} prices",
}  # fmt: skip
"""How :func:`shared` says each key's value; other keys are said as they are."""

SUMMARY_KEYS = ("backend", "profile", "trials")
"""What run summaries may share."""


def shared(
    rows: Rows,
    keys: Sequence[str] = SUMMARY_KEYS,
    *,
    per: str = "",
    listing: bool = False,
    words: Mapping[str, Word] | None = None,
    sep: str = " · ",
) -> str:
    """What every row holds under ``keys``, said once (``plain · profile x · 40 trials each``).

    Args:
        rows: the rows (dicts or a DataFrame).
        keys: the keys to say, in order.
        per: what one row is (``point``, ``bar``): trials read ``40 trials per point``.
        listing: say a key whose value varies too, with its values :func:`listed`; otherwise
            it is left out (its values belong in a column of their own).
        words: how to say a key's value, over :data:`WORDS`.
        sep: what joins the parts.

    Example:
        >>> rows = [{"backend": "plain", "profile": p, "trials": 40} for p in ("a", "b")]
        >>> shared(rows), shared(rows, per="point", listing=True)
        ('plain · 40 trials each', 'plain · profiles a, b · 40 trials per point')
    """
    words = {**WORDS, **({"trials": f"{{}} trials per {per}"} if per else {}), **(words or {})}
    parts = []
    for key in keys:
        values = list(dict.fromkeys(column(rows, key)))
        if not values or (len(values) > 1 and not listing):
            continue
        word = words.get(key, "{}")
        if isinstance(word, tuple):
            word = word[len(values) > 1]
        text = listed(values)
        parts.append(word(text) if callable(word) else word.format(text))
    return sep.join(parts)


def names(summaries: Sequence[dict]) -> list[str]:
    """A short name per summary: its layers, plus backend and profile where they vary."""
    keys = [k for k in ("backend", "profile") if varying(summaries, k)]
    return [" · ".join([*(s[k] for k in keys), short_label(s["layers"])]) for s in summaries]


OUTCOME_OF = {
    "success_rate": "success", "silent_failure_rate": "silent_failure",
    "escalation_rate": "escalated", "crash_rate": "crashed",
}  # fmt: skip
"""A summary's rate -> the outcome it counts (the key of ``summary["outcomes"]``)."""


def rate_interval(summary: dict, key: str) -> tuple[float, float]:
    """The Wilson 95% interval of one rate of a summary, from the summary's outcome counts."""
    return wilson(summary["outcomes"][OUTCOME_OF[key]], summary["trials"])


def error_bars(values: Iterable[float], lows: Iterable[float], highs: Iterable[float]) -> list:
    """Matplotlib ``yerr`` (below, above) of values and their intervals, never negative.

    Example:
        >>> error_bars([0.5, 0.75], [0.25, 0.75], [1.0, 0.875])
        [[0.25, 0.0], [0.5, 0.125]]
    """
    triples = list(zip(values, lows, highs, strict=True))
    return [[max(0.0, v - lo) for v, lo, _ in triples], [max(0.0, hi - v) for v, _, hi in triples]]


def yerr(summaries: Sequence[dict], key: str) -> list[list[float]]:
    """Matplotlib ``yerr`` (below, above) of a rate's intervals."""
    lows, highs = zip(*(rate_interval(s, key) for s in summaries), strict=True)
    return error_bars([s[key] for s in summaries], lows, highs)


def zoom_floor(values: Sequence[float], margin: float = 0.03) -> float:
    """A success axis floor: just under the lowest value, on a 0.05 step, in [0, 0.95].

    Example:
        >>> zoom_floor([0.81, 0.99]), zoom_floor([1.0]), zoom_floor([0.01])
        (0.75, 0.95, 0.0)
    """
    return min(0.95, max(0.0, math.floor((min(values) - margin) * 20) / 20))
