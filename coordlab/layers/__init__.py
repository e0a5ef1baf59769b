"""The four coordination layers. Each is a small class built from its mode string."""

from coordlab.layers.protocol import Protocol
from coordlab.layers.recovery import Recovery
from coordlab.layers.state import State
from coordlab.layers.verification import Verification

__all__ = ["State", "Protocol", "Verification", "Recovery"]
