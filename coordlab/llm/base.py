"""The one interface every model, simulated or real, implements.

A :class:`LLM` takes chat messages and returns a :class:`Completion`. Backends adapt it to
their framework's own model class (a LangChain ``BaseChatModel``, a CrewAI ``BaseLLM``, an
AutoGen ``ChatCompletionClient``), so one simulated model reaches every framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Count tokens as words and punctuation marks (within ~15% of BPE counts on English).

    A real tokenizer (tiktoken) would download its vocabulary; this one needs nothing.

    Example:
        >>> count_tokens("Refund $240.00, please.")
        8

    """
    return len(_TOKEN.findall(text))


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: str
    content: str


@dataclass(frozen=True)
class Completion:
    """A model's answer with its usage and (virtual) latency."""

    text: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_s: float
    fault: str | None = None


@runtime_checkable
class LLM(Protocol):
    """What coordlab needs from a model."""

    def complete(self, messages: list[Message], model: str) -> Completion:
        """Answer ``messages`` with ``model`` (a tier name such as ``primary``)."""
        ...
