"""Layer configuration: which coordination layers are on, in which mode.

A layer spec is ``all``, ``none``, a comma list (``state,recovery``), or ``all,-verification``;
a mode may follow a colon (``verification:critic-vague``). ``Layers()`` is all on.

Example:
    >>> Layers.parse("all,-verification").label
    'state,protocol,recovery'
    >>> Layers.parse("verification:critic-vague").verification
    'critic-vague'
    >>> Layers.parse("none")
    <Layers none>
    >>> Layers.parse("state,protocol,verification,recovery").label
    'all'

"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from itertools import product

from coordlab.errors import ConfigError

MODES: dict[str, tuple[str, ...]] = {
    "state": ("off", "typed"),
    "protocol": ("off", "mcp"),
    "verification": ("off", "gate", "critic-strict", "critic-vague", "full"),
    "recovery": ("off", "retry", "full"),
}
"""Each layer's modes; the first is off, the last is what ``on`` means."""

LAYER_NAMES = tuple(MODES)


@dataclass(frozen=True)
class Layers:
    """The four layer toggles (plain data: a sweep records it and rebuilds it)."""

    state: str = "typed"
    protocol: str = "mcp"
    verification: str = "full"
    recovery: str = "full"

    def __post_init__(self):
        for name in LAYER_NAMES:
            if getattr(self, name) == "on":  # "on" means the layer's full mode
                object.__setattr__(self, name, MODES[name][-1])
            mode = getattr(self, name)
            if mode not in MODES[name]:
                raise ConfigError(
                    f"unknown mode '{mode}' for layer '{name}'; "
                    f"expected one of {', '.join(MODES[name])}"
                )

    @classmethod
    def none(cls) -> Layers:
        """Every layer off."""
        return cls(**{name: "off" for name in LAYER_NAMES})

    @classmethod
    def parse(cls, spec: str | Layers) -> Layers:
        """Parse a layer spec (see the module docstring)."""
        if isinstance(spec, Layers):
            return spec
        layers = cls.none()
        for raw in (part.strip() for part in spec.split(",")):
            if raw in ("", "none"):
                continue
            if raw == "all":
                layers = cls()
                continue
            off = raw.startswith("-")
            name, _, mode = raw.lstrip("-").partition(":")
            if name not in MODES:
                raise ConfigError(
                    f"unknown layer '{name}'; expected one of "
                    f"{', '.join(LAYER_NAMES)} (or all, none)"
                )
            mode = "off" if off else (mode or MODES[name][-1])
            layers = replace(layers, **{name: mode})
        return layers

    def on(self, name: str) -> bool:
        """Whether layer ``name`` is on (in any mode)."""
        return getattr(self, name) != "off"

    @property
    def label(self) -> str:
        """A canonical spec string that :meth:`parse` turns back into these layers."""
        if self == Layers():
            return "all"
        parts = []
        for f in fields(self):
            mode = getattr(self, f.name)
            if mode != "off":
                parts.append(f.name if mode == MODES[f.name][-1] else f"{f.name}:{mode}")
        return ",".join(parts) or "none"

    def as_dict(self) -> dict[str, str]:
        """The modes by layer name."""
        return asdict(self)

    def stack(self, inner: str) -> str:
        """How a configured pipeline prints itself, outermost layer first."""
        for name in ("protocol", "state", "verification", "recovery"):
            if self.on(name):
                inner = f"{name.capitalize()}<{inner}>"
        return f"<{inner}>"

    def __repr__(self) -> str:
        return f"<Layers {self.label}>"


def layer_grid() -> list[Layers]:
    """Every on/off combination of the four layers (16 settings, on = the full mode)."""
    return [
        Layers(*(MODES[n][-1] if bit else "off" for n, bit in zip(LAYER_NAMES, bits, strict=True)))
        for bits in product((False, True), repeat=4)
    ]


def label_order(label: str) -> tuple[int, str]:
    """Sort key for layer labels: ``none`` first, then by how many layers are on, ``all`` last.

    Example:
        >>> sorted(["all", "state,recovery", "none", "recovery"], key=label_order)
        ['none', 'recovery', 'state,recovery', 'all']
    """
    on = {"none": 0, "all": len(LAYER_NAMES)}.get(label, label.count(",") + 1)
    return on, label


OFFLINE_ENV = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "OTEL_SDK_DISABLED": "true",
    "ANONYMIZED_TELEMETRY": "False",
    "HF_HUB_OFFLINE": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    # LangChain would send traces to LangSmith if a user's environment switched it on
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
}


SET_BY_COORDLAB: set[str] = set()
"""The :data:`OFFLINE_ENV` variables coordlab set itself (the user had not set them)."""

_MARKER = "COORDLAB_OFFLINE_ENV_SET"
"""Names coordlab set, kept in the environment so child processes (a notebook kernel, a pool
worker) inherit the knowledge along with the variables."""


def apply_offline_env() -> None:
    """Set the variables that keep frameworks from phoning home (only where not set already)."""
    SET_BY_COORDLAB.update(filter(None, os.environ.get(_MARKER, "").split(",")))
    for key, value in OFFLINE_ENV.items():
        if key not in os.environ:
            os.environ[key] = value
            SET_BY_COORDLAB.add(key)
    os.environ[_MARKER] = ",".join(sorted(SET_BY_COORDLAB))
