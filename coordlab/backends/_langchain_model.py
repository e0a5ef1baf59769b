"""coordlab's models as LangChain chat models, and LangChain chat models behind coordlab's LLM.

:class:`SimChatModel` is a ``langchain_core`` ``BaseChatModel`` around any coordlab
:class:`~coordlab.llm.base.LLM` for one model tier: LangChain messages in, an ``AIMessage`` with
``usage_metadata`` out. :class:`ChatModelLLM` lets the shared steps call LangChain chat models,
one per tier, through coordlab's ``LLM`` interface, reading token counts from
``usage_metadata``, so the framework's own model layer is on the call path.

:func:`chat_models` builds the per-tier chat models of a desk: the simulator behind
:class:`SimChatModel`, or, with a real endpoint (``desk.endpoint``), LangChain's own
``langchain_openai.ChatOpenAI`` (see :func:`openai_chat_model` for its settings).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from coordlab.errors import ConfigError, MissingExtraError
from coordlab.llm.base import Completion, Message
from coordlab.llm.endpoint import Endpoint, ModelConfig
from coordlab.llm.http_errors import translated
from coordlab.llm.openai_compat import connector_settings, step_of

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
MODEL_TIERS = ("primary", "fallback")


class SimChatModel(BaseChatModel):
    """A LangChain chat model answered by a coordlab LLM (the simulator) as model ``tier``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    llm: Any
    tier: str = "primary"

    @property
    def _llm_type(self) -> str:
        return "coordlab-sim"

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        ours = [Message(_ROLES.get(m.type, "user"), str(m.content)) for m in messages]
        done = self.llm.complete(ours, self.tier)
        usage = {
            "input_tokens": done.tokens_in,
            "output_tokens": done.tokens_out,
            "total_tokens": done.tokens_in + done.tokens_out,
        }
        meta = {"model_name": done.model, "latency_s": done.latency_s, "fault": done.fault}
        message = AIMessage(content=done.text, usage_metadata=usage, response_metadata=meta)
        return ChatResult(generations=[ChatGeneration(message=message)])


def openai_chat_model(endpoint: Endpoint, seed: int) -> BaseChatModel:
    """LangChain's ``ChatOpenAI`` for ``endpoint``, configured as every coordlab connector is.

    Settings (all on the ``ChatOpenAI`` constructor):

    * ``base_url``, ``api_key`` (read from the endpoint's variable now, never stored by
      coordlab), ``timeout`` = ``endpoint.timeout_s`` (passed to the ``openai`` client);
    * ``max_retries=0``: handed to the ``openai`` client it builds, so the SDK never retries;
      LangChain itself does not retry ``invoke`` (``with_retry`` is opt-in), and LangGraph's
      ``RetryPolicy`` is the recovery layer's own retry, counted as such;
    * ``temperature=0``, ``seed=seed``: sent in every request body;
    * ``use_responses_api=False``: always ``/v1/chat/completions`` (some model names would
      otherwise switch LangChain to ``/v1/responses``, which local servers do not serve);
    * ``stream_usage=True``: if a caller streams (LangGraph's ``stream_mode="messages"``), the
      usage chunk is still asked for.

    Token counts come back in ``AIMessage.usage_metadata`` (from the response's ``usage``).
    ``ChatOpenAI`` imports tiktoken but only uses it in ``get_num_tokens*``, which nothing on
    coordlab's call path calls (so no vocabulary download).
    """
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise MissingExtraError(
            "a real endpoint under langgraph needs langchain-openai: pip install langchain-openai"
        ) from None
    return ChatOpenAI(
        model=endpoint.model,
        **connector_settings(endpoint, seed),
        use_responses_api=False,
        stream_usage=True,
    )


def chat_models(llm, endpoint: ModelConfig | None = None, seed: int = 0) -> dict:
    """``{tier: chat model}``: ``ChatOpenAI`` per endpoint, else the simulator per tier."""
    if endpoint is None:
        return {tier: SimChatModel(llm=llm, tier=tier) for tier in MODEL_TIERS}
    return {tier: openai_chat_model(ep, seed) for tier, ep in endpoint.endpoints().items()}


class ChatModelLLM:
    """coordlab's ``LLM`` interface over LangChain chat models, one per model tier.

    Args:
        chats: ``{tier: chat model}``, or one chat model that answers every tier.
        endpoint: the real endpoint the chat models reach, if any: its labels name the
            endpoint in errors. A chat model that reports the simulator's virtual
            ``latency_s`` is believed; any other call is timed (real seconds).

    A connector's ``openai`` errors (429, 5xx, timeouts, refused connections, 401/404) are
    translated to coordlab's :class:`~coordlab.errors.TransientError` /
    :class:`~coordlab.errors.EndpointError` (:func:`coordlab.llm.http_errors.translated`).
    """

    def __init__(
        self,
        chats: Mapping[str, BaseChatModel] | BaseChatModel,
        endpoint: ModelConfig | None = None,
    ):
        self.chats = dict(chats) if isinstance(chats, Mapping) else None
        self.chat = chats if self.chats is None else None
        self.endpoint = endpoint

    def __repr__(self) -> str:
        chats = self.chats or {"*": self.chat}
        names = ", ".join(f"{tier}={type(chat).__name__}" for tier, chat in chats.items())
        return f"ChatModelLLM({names})"

    def chat_for(self, tier: str) -> BaseChatModel:
        """The chat model that answers ``tier``."""
        if self.chats is None:
            return self.chat
        if tier not in self.chats:
            raise ConfigError(f"no chat model for tier '{tier}'; known: {', '.join(self.chats)}")
        return self.chats[tier]

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Invoke the tier's chat model and read usage from its ``usage_metadata``."""
        chat = self.chat_for(model)
        lc = [
            SystemMessage(m.content) if m.role == "system" else HumanMessage(m.content)
            for m in messages
        ]
        where = self.endpoint.endpoint(model).label if self.endpoint else "the model"
        start = time.perf_counter()
        with translated(step_of(messages), where, lambda: time.perf_counter() - start):
            reply = chat.invoke(lc)
        elapsed = time.perf_counter() - start
        usage = reply.usage_metadata or {}
        meta = reply.response_metadata or {}
        return Completion(
            text=str(reply.content),
            model=model,
            tokens_in=usage.get("input_tokens", 0),
            tokens_out=usage.get("output_tokens", 0),
            latency_s=meta.get("latency_s", elapsed),
            fault=meta.get("fault"),
        )
