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
from dataclasses import dataclass, replace
from itertools import product

from coordlab.errors import ConfigError

MODES: dict[str, tuple[str, ...]] = {
    "state": ("off", "typed"),
    "protocol": ("off", "mcp"),
    "verification": (
        "off",
        "gate",
        "critic-strict",
        "critic-vague",
        "per-step",
        "gate+per-step",
        "full",
    ),
    "recovery": ("off", "retry", "full"),
    "routing": ("off", "rules", "llm"),
    "approval": ("off", "human"),
}
"""Each layer's modes; the first is off, the last is what ``on`` means."""

LAYER_NAMES = ("state", "protocol", "verification", "recovery")
"""The four layers ``all`` turns on. Routing (a cost lever, built in) and registered layers are
in :data:`MODES` but not here: they are on only when a spec names them."""


def register_modes(name: str, modes: tuple[str, ...]) -> None:
    """Make layer ``name`` and its modes valid in specs (``off`` first, the full mode last)."""
    if len(modes) < 2 or modes[0] != "off":
        raise ConfigError(f"layer '{name}' needs modes ('off', ..., <full mode>), got {modes}")
    if not name.isidentifier() or name in ("all", "none", "extra"):
        raise ConfigError(f"'{name}' cannot name a layer")
    MODES[name] = tuple(modes)


@dataclass(frozen=True)
class Layers:
    """The layer toggles (plain data: a sweep records it and rebuilds it).

    The four built-in layers are fields; a registered layer that is on is in ``extra`` as
    ``(name, mode)`` and reads like a field (``layers.anger``).
    """

    state: str = "typed"
    protocol: str = "mcp"
    verification: str = "full"
    recovery: str = "full"
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        for name in LAYER_NAMES:
            object.__setattr__(self, name, _checked_mode(name, getattr(self, name)))
        extra = {name: _checked_mode(name, mode) for name, mode in self.extra}
        ordered = tuple((n, extra[n]) for n in MODES if extra.get(n, "off") != "off")
        object.__setattr__(self, "extra", ordered)

    def __getattr__(self, name: str) -> str:
        if name in MODES and name not in LAYER_NAMES:
            return dict(self.extra).get(name, "off")
        raise AttributeError(name)

    def mode(self, name: str) -> str:
        """Layer ``name``'s mode (``off`` for a registered layer that is not on)."""
        if name not in MODES:
            raise ConfigError(_unknown_layer(name))
        return getattr(self, name)

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
                raise ConfigError(_unknown_layer(name))
            mode = "off" if off else (mode or MODES[name][-1])
            layers = layers.with_mode(name, mode)
        return layers

    def with_mode(self, name: str, mode: str) -> Layers:
        """These layers with ``name`` in ``mode`` (``on`` = its full mode)."""
        if name in LAYER_NAMES:
            return replace(self, **{name: mode})
        if name not in MODES:
            raise ConfigError(_unknown_layer(name))
        return replace(self, extra=(*(e for e in self.extra if e[0] != name), (name, mode)))

    def on(self, name: str) -> bool:
        """Whether layer ``name`` is on (in any mode)."""
        return self.mode(name) != "off"

    @property
    def label(self) -> str:
        """A canonical spec string that :meth:`parse` turns back into these layers."""
        if replace(self, extra=()) == Layers():
            parts = ["all"]
        else:
            parts = [_part(n, getattr(self, n)) for n in LAYER_NAMES if getattr(self, n) != "off"]
        parts += [_part(name, mode) for name, mode in self.extra]
        return ",".join(parts) or "none"

    def as_dict(self) -> dict[str, str]:
        """The modes by layer name (built-in layers, then the registered ones that are on)."""
        return {name: self.mode(name) for name in LAYER_NAMES} | dict(self.extra)

    def __repr__(self) -> str:
        return f"<Layers {self.label}>"


def _checked_mode(name: str, mode: str) -> str:
    if name not in MODES:
        raise ConfigError(_unknown_layer(name))
    if mode == "on":  # "on" means the layer's full mode
        return MODES[name][-1]
    if mode not in MODES[name]:
        raise ConfigError(
            f"unknown mode '{mode}' for layer '{name}'; expected one of {', '.join(MODES[name])}"
        )
    return mode


def _part(name: str, mode: str) -> str:
    return name if mode == MODES[name][-1] else f"{name}:{mode}"


def _unknown_layer(name: str) -> str:
    return f"unknown layer '{name}'; expected one of {', '.join(MODES)} (or all, none)"


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
