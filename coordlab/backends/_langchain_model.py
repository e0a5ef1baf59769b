"""The simulated LLM as a LangChain chat model, and the way back.

:class:`SimChatModel` is a ``langchain_core`` ``BaseChatModel`` around any coordlab
:class:`~coordlab.llm.base.LLM`: LangChain messages in, an ``AIMessage`` with
``usage_metadata`` out. :class:`ChatModelLLM` lets the shared steps call *any* LangChain chat
model (this one, or a real ``ChatOpenAI``) through coordlab's ``LLM`` interface, reading token
counts from ``usage_metadata``, so the framework's own model layer is on the call path.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from coordlab.llm.base import Completion, Message

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class SimChatModel(BaseChatModel):
    """A LangChain chat model answered by a coordlab LLM (the simulator by default)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    llm: Any
    tier: str = "primary"

    @property
    def _llm_type(self) -> str:
        return "coordlab-sim"

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        ours = [Message(_ROLES.get(m.type, "user"), str(m.content)) for m in messages]
        done = self.llm.complete(ours, kwargs.get("tier", self.tier))
        usage = {
            "input_tokens": done.tokens_in,
            "output_tokens": done.tokens_out,
            "total_tokens": done.tokens_in + done.tokens_out,
        }
        meta = {"model_name": done.model, "latency_s": done.latency_s, "fault": done.fault}
        message = AIMessage(content=done.text, usage_metadata=usage, response_metadata=meta)
        return ChatResult(generations=[ChatGeneration(message=message)])


class ChatModelLLM:
    """coordlab's ``LLM`` interface over a LangChain chat model.

    Args:
        chat: the chat model; it receives the model tier as the ``tier`` keyword.
    """

    def __init__(self, chat: BaseChatModel):
        self.chat = chat

    def __repr__(self) -> str:
        return f"ChatModelLLM({type(self.chat).__name__})"

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Invoke the chat model and read usage from its ``usage_metadata``."""
        lc = [
            SystemMessage(m.content) if m.role == "system" else HumanMessage(m.content)
            for m in messages
        ]
        reply = self.chat.invoke(lc, tier=model)
        usage = reply.usage_metadata or {}
        meta = reply.response_metadata or {}
        return Completion(
            text=str(reply.content),
            model=meta.get("model_name", model),
            tokens_in=usage.get("input_tokens", 0),
            tokens_out=usage.get("output_tokens", 0),
            latency_s=meta.get("latency_s", 0.0),
            fault=meta.get("fault"),
        )
