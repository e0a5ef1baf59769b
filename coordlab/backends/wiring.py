"""What a backend tells the notebooks about how it wires a step (:mod:`coordlab.viz.wiring`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wiring:
    r"""How a backend wires one step, as the side-by-side view (:mod:`coordlab.viz.wiring`) shows.

    Attributes:
        summary: the orchestration in a few words.
        symbols: the qualified names, in the backend's module, of the functions that wire a
            step; ``{step}`` stands for the step asked about.
        constructs: a regex of the framework's own constructs in those functions.

    Example:
        >>> Wiring("a loop", ("MyBackend._run",), r"\bwhile\b").symbols
        ('MyBackend._run',)
    """

    summary: str
    symbols: tuple[str, ...]
    constructs: str
