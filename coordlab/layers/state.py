r"""State layer: typed, validated hand-offs (on) or free text re-parsed by the next step (off).

It overrides one hook, ``codec``: the all-off desk hands results on as text
(:data:`~coordlab.pipeline.codec.TEXT`), this layer as pydantic-validated JSON
(:data:`~coordlab.pipeline.codec.JSON`); a framework backend also types its own state or
messages when the codec is typed.

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> text = "Action: refund\nAmount: 240,00\nPolicies: POL-01"
    >>> SupportDesk().codec.parse("decide", text).amount  # the dropped decimal
    24000.0
    >>> State(SupportDesk()).codec.parse("decide", '{"action": "refund", "amount": "240,00", '
    ...                                  '"policy_ids": ["POL-01"]}')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    coordlab.errors.Rejected: state rejected decide: amount: Input should be a valid number...

"""

from __future__ import annotations

from coordlab.layers.base import Layer
from coordlab.pipeline.codec import JSON, Codec


class State(Layer):
    """Typed hand-offs. Modes: ``off``, ``typed``."""

    modes = ("off", "typed")

    @property
    def codec(self) -> Codec:
        """JSON validated against each step's model."""
        return JSON
