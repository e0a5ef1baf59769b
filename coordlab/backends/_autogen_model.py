"""coordlab's models behind AutoGen's model interface, and AutoGen agents behind coordlab's.

:class:`SimChatCompletionClient` is an ``autogen_core.models.ChatCompletionClient`` that answers
with any coordlab :class:`~coordlab.llm.base.LLM` and reports ``RequestUsage``. With a real
endpoint (``desk.endpoint``), each model tier is instead autogen-ext's own
``OpenAIChatCompletionClient`` (:func:`openai_model_client`), and a
:class:`TieredChatCompletionClient` hands each call to the current tier's client.
:class:`AssistantLLM` is coordlab's ``LLM`` interface served by one ``AssistantAgent`` per LLM
step. An assistant keeps AutoGen's conversation memory: it is handed the group-chat messages
its step received since it last spoke (the task, the other steps' hand-offs) and remembers its
own earlier prompts and answers in the trial, and all of that is sent to the model on every
call. That history is what AutoGen costs in tokens; the simulator answers the last prompt only.

The shared steps are synchronous and run in a worker thread (see
:mod:`coordlab.backends.autogen`); :meth:`AssistantLLM.complete` hands each call back to the
team's event loop and waits for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import BaseChatMessage, TextMessage
from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelFamily,
    ModelInfo,
    RequestUsage,
)

from coordlab.backends._roles import ROLES, persona
from coordlab.domain.wire import HEADER_RE
from coordlab.errors import MissingExtraError
from coordlab.llm.base import Completion, Message, count_tokens
from coordlab.llm.endpoint import Endpoint, ModelConfig
from coordlab.llm.http_errors import translated
from coordlab.llm.openai_compat import connector_settings

CONTEXT_WINDOW = 128_000
_ROLES = {"SystemMessage": "system", "AssistantMessage": "assistant"}


def _text(content) -> str:
    return content if isinstance(content, str) else "\n".join(str(part) for part in content)


def to_messages(messages: Sequence[LLMMessage]) -> list[Message]:
    """AutoGen's LLM messages as coordlab messages (roles kept, content as text)."""
    return [Message(_ROLES.get(type(m).__name__, "user"), _text(m.content)) for m in messages]


def text_only() -> ModelInfo:
    """What coordlab asks of a model: text in, text out (no vision, tools or JSON mode)."""
    return ModelInfo(
        vision=False,
        function_calling=False,
        json_output=False,
        family=ModelFamily.UNKNOWN,
        structured_output=False,
    )


class _OfflineCounting:
    """Token counting as coordlab does it, for a model client (no tiktoken download)."""

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools=()) -> int:
        """Tokens as coordlab (and the simulator) counts them."""
        return sum(count_tokens(m.content) for m in to_messages(messages))

    def remaining_tokens(self, messages: Sequence[LLMMessage], *, tools=()) -> int:
        """What is left of a 128k context window."""
        return CONTEXT_WINDOW - self.count_tokens(messages)

    @property
    def capabilities(self) -> ModelInfo:
        """Deprecated alias of :attr:`model_info`."""
        return self.model_info


class SimChatCompletionClient(_OfflineCounting, ChatCompletionClient):
    """A coordlab LLM (the simulator by default) as an AutoGen model client.

    Args:
        llm: answers the calls; :attr:`tier` picks its model tier (primary or fallback).

    Example:
        >>> from coordlab.llm.sim import SimLLM
        >>> client = SimChatCompletionClient(SimLLM("perfect"))
        >>> client.model_info["function_calling"]
        False
    """

    def __init__(self, llm):
        self.llm = llm
        self.tier = "primary"
        self.last: Completion | None = None
        self._actual = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._total = RequestUsage(prompt_tokens=0, completion_tokens=0)

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools=(),
        tool_choice="auto",
        json_output=None,
        extra_create_args=None,
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        """Answer with the wrapped LLM (its transient errors propagate, as a provider's would)."""
        done = self.llm.complete(to_messages(messages), self.tier)
        self.last = done
        usage = RequestUsage(prompt_tokens=done.tokens_in, completion_tokens=done.tokens_out)
        self._actual = usage
        self._total = RequestUsage(
            prompt_tokens=self._total.prompt_tokens + done.tokens_in,
            completion_tokens=self._total.completion_tokens + done.tokens_out,
        )
        return CreateResult(finish_reason="stop", content=done.text, usage=usage, cached=False)

    async def create_stream(self, messages: Sequence[LLMMessage], **kwargs):
        """One chunk: the whole answer."""
        yield await self.create(messages, **kwargs)

    async def close(self) -> None:
        """Nothing to release."""

    def actual_usage(self) -> RequestUsage:
        """Usage of the last call."""
        return self._actual

    def total_usage(self) -> RequestUsage:
        """Usage since the client was made."""
        return self._total

    @property
    def model_info(self) -> ModelInfo:
        """Text only: no vision, tools or JSON mode (coordlab parses answers itself)."""
        return text_only()


def openai_model_client(endpoint: Endpoint, seed: int) -> ChatCompletionClient:
    """autogen-ext's ``OpenAIChatCompletionClient`` for ``endpoint``, configured as coordlab's.

    Settings (all constructor arguments): ``base_url``, ``api_key`` (read from the endpoint's
    variable now, never stored by coordlab), ``timeout`` = ``endpoint.timeout_s`` (to the
    ``openai`` client and every request), ``max_retries=0`` (the ``openai`` client's own
    retries; AutoGen adds none), ``temperature=0`` and ``seed`` (sent in every request), and
    ``model_info`` = :func:`text_only` (required for a model name autogen-ext does not know;
    also given for OpenAI's models so every endpoint gets the same message handling).

    Usage comes back as the ``CreateResult``'s ``RequestUsage``, which ``AssistantAgent`` puts
    on its reply's ``models_usage``. The client's ``count_tokens``/``remaining_tokens`` use
    tiktoken (a vocabulary download); only a token-limited model context calls them, and the
    assistants here use AutoGen's default unbounded one. :class:`TieredChatCompletionClient`
    answers them with coordlab's offline count instead.
    """
    try:
        from autogen_ext.models.openai import OpenAIChatCompletionClient
    except ImportError:
        raise MissingExtraError(
            "a real endpoint under autogen needs autogen-ext's OpenAI client:"
            ' pip install "autogen-ext[openai]"'
        ) from None
    return OpenAIChatCompletionClient(
        model=endpoint.model, **connector_settings(endpoint, seed), model_info=text_only()
    )


class TieredChatCompletionClient(_OfflineCounting, ChatCompletionClient):
    """One model client per model tier; :attr:`tier` picks the one that answers.

    An ``AssistantAgent`` has one model client; the recovery layer moves a trial to the
    fallback tier after an outage. This client delegates every call to ``clients[tier]``
    (each an ``OpenAIChatCompletionClient``), so the assistants and their memory stay the same.

    Args:
        clients: ``{tier: model client}``.
    """

    def __init__(self, clients: Mapping[str, ChatCompletionClient]):
        self.clients = dict(clients)
        self.tier = "primary"

    @property
    def current(self) -> ChatCompletionClient:
        """The client of the current tier."""
        return self.clients[self.tier]

    async def create(self, messages: Sequence[LLMMessage], **kwargs) -> CreateResult:
        """The current tier's answer (its ``openai`` errors propagate)."""
        return await self.current.create(messages, **kwargs)

    async def create_stream(self, messages: Sequence[LLMMessage], **kwargs):
        """The current tier's stream."""
        async for chunk in self.current.create_stream(messages, **kwargs):
            yield chunk

    async def close(self) -> None:
        """Close every tier's client."""
        for client in self.clients.values():
            await client.close()

    def actual_usage(self) -> RequestUsage:
        """The current tier's usage (as its client reports it)."""
        return self.current.actual_usage()

    def total_usage(self) -> RequestUsage:
        """Usage summed over the tiers."""
        usages = [client.total_usage() for client in self.clients.values()]
        return RequestUsage(
            prompt_tokens=sum(u.prompt_tokens for u in usages),
            completion_tokens=sum(u.completion_tokens for u in usages),
        )

    @property
    def model_info(self) -> ModelInfo:
        """The current tier's model info."""
        return self.current.model_info


class AssistantLLM:
    """coordlab's ``LLM`` interface served by one AutoGen ``AssistantAgent`` per LLM step.

    Args:
        llm: the model behind every assistant (wrapped in :class:`SimChatCompletionClient`);
            ignored with ``endpoint``.
        endpoint: a real endpoint: the assistants' model client is then a
            :class:`TieredChatCompletionClient` over an ``OpenAIChatCompletionClient`` per tier.
        seed: sent with every request to ``endpoint``.
    """

    def __init__(self, llm=None, endpoint: ModelConfig | None = None, seed: int = 0):
        self.endpoint = endpoint
        if endpoint is None:
            self.client = SimChatCompletionClient(llm)
        else:
            clients = {
                tier: openai_model_client(ep, seed) for tier, ep in endpoint.endpoints().items()
            }
            self.client = TieredChatCompletionClient(clients)
        self.assistants = {
            step: AssistantAgent(
                f"{step}_assistant",
                model_client=self.client,
                system_message=persona(step),
                description=ROLES[step][1],
            )
            for step in ROLES
        }
        self.heard: dict[str, list[BaseChatMessage]] = {step: [] for step in ROLES}
        self.loop: asyncio.AbstractEventLoop | None = None

    def hear(self, step: str, messages: Sequence[BaseChatMessage]) -> None:
        """Queue the group-chat messages ``step``'s agent received for its assistant (if any).

        Called on the team's event loop, which :meth:`complete` hands its calls back to.
        """
        self.loop = asyncio.get_running_loop()
        if step in self.heard:
            self.heard[step].extend(messages)

    async def save_state(self, step: str) -> Mapping | None:
        """``step``'s assistant's memory and the messages it has yet to hear (``None``: no LLM)."""
        if step not in self.assistants:
            return None
        memory = await self.assistants[step].save_state()
        return {"memory": memory, "unheard": [m.dump() for m in self.heard[step]]}

    async def load_state(self, step: str, state: Mapping | None, factory) -> None:
        """Restore what :meth:`save_state` saved (``factory``: an AutoGen ``MessageFactory``)."""
        if state is not None:
            await self.assistants[step].load_state(state["memory"])
            self.heard[step] = [factory.create(message) for message in state["unheard"]]

    async def reset(self) -> None:
        """Forget every assistant's conversation (a new trial)."""
        for step, assistant in self.assistants.items():
            await assistant.on_reset(CancellationToken())
            self.heard[step].clear()

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Ask the step's assistant, on the team's event loop, and wait for its answer."""
        step = HEADER_RE.search(messages[-1].content).group(1)
        prompt = "\n\n".join(m.content for m in messages) + "\n### End"
        heard, self.heard[step] = self.heard[step], []
        asked = [*heard, TextMessage(content=prompt, source="desk")]
        call = self.assistants[step].on_messages(asked, CancellationToken())
        if self.endpoint is not None:
            return self._complete_endpoint(call, step, model)
        self.client.tier, self.client.last = model, None
        reply = asyncio.run_coroutine_threadsafe(call, self.loop).result().chat_message
        usage, done = reply.models_usage, self.client.last
        return Completion(
            text=reply.to_model_text(),
            model=done.model,
            tokens_in=usage.prompt_tokens,
            tokens_out=usage.completion_tokens,
            latency_s=done.latency_s,
            fault=done.fault,
        )

    def _complete_endpoint(self, call, step: str, model: str) -> Completion:
        """Await the assistant against the real endpoint: its usage, real latency."""
        self.client.tier = model
        where = self.endpoint.endpoint(model).label
        start = time.perf_counter()
        with translated(step, where, lambda: time.perf_counter() - start):
            reply = asyncio.run_coroutine_threadsafe(call, self.loop).result().chat_message
        usage = reply.models_usage
        return Completion(
            text=reply.to_model_text(),
            model=model,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            latency_s=time.perf_counter() - start,
        )
