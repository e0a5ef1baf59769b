"""The hand-off codec, re-exported where the desk's steps have always found it.

It lives in :mod:`coordlab.domain.handoff`, below the layers that use it, so neither
``layers/`` nor ``llm/`` has to import ``pipeline/``.
"""

from coordlab.domain.handoff import loose_amount, order_from_payload, parse_answer

__all__ = ["loose_amount", "order_from_payload", "parse_answer"]
