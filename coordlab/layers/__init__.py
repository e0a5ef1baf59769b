"""The coordination layers, as wrappers around the all-off support desk.

:func:`build` turns a :class:`~coordlab.config.Layers` setting into the stack, innermost first
in registration order (protocol, state, verification, recovery, then any layer a user
registers); :func:`register` adds a layer, usable in layer specs, sweeps and the cache key.

Example:
    >>> from coordlab.config import Layers
    >>> build(Layers())
    <Recovery<Verification<State<Protocol<SupportDesk>>>>>
    >>> build(Layers.parse("verification:gate")).flow()
    ('intake', 'retrieve', 'lookup', 'decide', 'compose', 'verify', 'deliver')

"""

from __future__ import annotations

from coordlab.config import Layers, register_modes
from coordlab.errors import ConfigError
from coordlab.layers.approval import HumanApproval
from coordlab.layers.base import Layer
from coordlab.layers.protocol import Protocol
from coordlab.layers.recovery import Recovery
from coordlab.layers.routing import Routing
from coordlab.layers.state import State
from coordlab.layers.verification import Verification
from coordlab.pipeline.support_desk import SupportDesk

REGISTRY: dict[str, type[Layer]] = {
    "protocol": Protocol,
    "state": State,
    "verification": Verification,
    "recovery": Recovery,
    "routing": Routing,
    "approval": HumanApproval,
}
"""Layer name -> class, innermost first."""


def register(name: str, cls: type[Layer]) -> type[Layer]:
    """Register a layer class under ``name`` (outermost so far); returns the class.

    Its ``modes`` (``off`` first, the full mode last) become valid in layer specs:
    ``Layers.parse("all,name")`` or ``"name:mode"``.
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ConfigError(f"layer '{name}' must be a subclass of coordlab.layers.Layer")
    known = REGISTRY.get(name)
    if known is not None and known is not cls and name in BUILT_IN:
        raise ConfigError(f"'{name}' is a built-in layer")
    register_modes(name, tuple(cls.modes))
    REGISTRY[name] = cls
    return cls


BUILT_IN = tuple(REGISTRY)


def build(layers: Layers) -> SupportDesk:
    """The stack for ``layers``: the all-off desk wrapped in every layer that is on."""
    desk: SupportDesk = SupportDesk()
    for name, cls in REGISTRY.items():
        mode = layers.mode(name)
        if mode != "off":
            desk = cls(desk, mode)
    return desk


__all__ = [
    "Layer",
    "SupportDesk",
    "State",
    "Protocol",
    "Verification",
    "Recovery",
    "Routing",
    "REGISTRY",
    "register",
    "build",
]
