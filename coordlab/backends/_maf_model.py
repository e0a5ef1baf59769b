"""coordlab's models behind MAF's chat-client interface, and MAF agents behind coordlab's.

:class:`SimChatClient` is an ``agent_framework.BaseChatClient`` that answers with any coordlab
:class:`~coordlab.llm.base.LLM` (the simulator by default) for one model tier: it reads the
agent's instructions and the messages as text and reports the usage as MAF's
``usage_details``. With a real endpoint (``desk.endpoint``) each tier is instead MAF's own
``OpenAIChatCompletionClient`` (:func:`openai_chat_client`, from ``agent-framework-openai``).

:class:`AgentLLM` is coordlab's ``LLM`` interface served by MAF ``Agent`` objects: one per LLM
step and model tier, the step's persona as the agent's instructions. An agent runs without a
session, so it remembers nothing between calls: every call sends the persona and the prompt.
The shared steps are synchronous and run in a worker thread (see
:mod:`coordlab.backends.maf`); :meth:`AgentLLM.complete` hands each call back to the
workflow's event loop and waits for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

from coordlab.backends._maf_env import prepare_environment
from coordlab.backends._roles import ROLES, persona
from coordlab.domain.wire import HEADER_RE
from coordlab.errors import MissingExtraError
from coordlab.llm.base import Completion
from coordlab.llm.base import Message as Said
from coordlab.llm.endpoint import Endpoint, ModelConfig
from coordlab.llm.http_errors import translated
from coordlab.llm.openai_compat import TEMPERATURE

prepare_environment()

from agent_framework import (  # noqa: E402
    Agent,
    BaseChatClient,
    ChatMiddlewareLayer,
    ChatResponse,
    FunctionInvocationLayer,
    Message,
    prepend_instructions_to_messages,
)
from agent_framework.observability import ChatTelemetryLayer  # noqa: E402

from coordlab.backends._maf_env import keep_instrumentation_off  # noqa: E402

keep_instrumentation_off()

MODEL_TIERS = ("primary", "fallback")


def to_said(messages: Sequence[Message]) -> list[Said]:
    """MAF messages as coordlab's (roles kept, contents as text)."""
    return [Said(str(m.role), m.text) for m in messages]


class SimChatClient(
    FunctionInvocationLayer, ChatMiddlewareLayer, ChatTelemetryLayer, BaseChatClient
):
    """A coordlab LLM (the simulator by default) as a MAF chat client for one model tier.

    It has MAF's client layers (function invocation, middleware, telemetry), as MAF's own
    ``OpenAIChatCompletionClient`` does, so an agent treats it as it would a real provider's.

    The :class:`~coordlab.llm.base.Completion` travels back as the response's
    ``raw_representation`` (its virtual latency and fault are the recorder's).

    Example:
        >>> from coordlab.llm.sim import SimLLM
        >>> SimChatClient(SimLLM("perfect"), tier="fallback").tier
        'fallback'
    """

    OTEL_PROVIDER_NAME = "coordlab"

    def __init__(self, llm, tier: str = "primary", **kwargs):
        super().__init__(**kwargs)
        self.llm, self.tier = llm, tier

    def _inner_get_response(self, *, messages, stream: bool, options: Mapping, **kwargs):
        if stream:
            raise NotImplementedError("coordlab's simulated model does not stream")
        return self._answer(messages, options)

    async def _answer(self, messages: Sequence[Message], options: Mapping) -> ChatResponse:
        options = await self._validate_options(options)
        # the agent's instructions as a system message first, as MAF's OpenAI clients send them
        asked = prepend_instructions_to_messages(list(messages), options.get("instructions"))
        done = self.llm.complete(to_said(asked), self.tier)
        usage = {"input_token_count": done.tokens_in, "output_token_count": done.tokens_out}
        return ChatResponse(
            messages=[Message("assistant", [done.text])],
            model=done.model,
            usage_details=usage,
            raw_representation=done,
        )


def openai_chat_client(endpoint: Endpoint) -> BaseChatClient:
    """MAF's ``OpenAIChatCompletionClient`` for ``endpoint``, over an ``openai`` client.

    The ``openai.AsyncOpenAI`` client is coordlab's: the key read now (never stored by
    coordlab), ``timeout`` = ``endpoint.timeout_s``, its own retries off
    (``max_retries=0``). ``temperature=0`` and the trial's ``seed`` are the agents' default
    options (see :class:`AgentLLM`), sent with every request.
    """
    try:
        from agent_framework.openai import OpenAIChatCompletionClient
    except ImportError:
        raise MissingExtraError(
            'a real endpoint under maf needs agent-framework-openai: pip install "coordlab[maf]"'
        ) from None
    import openai

    client = openai.AsyncOpenAI(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key(),
        timeout=endpoint.timeout_s,
        max_retries=0,
    )
    return OpenAIChatCompletionClient(model=endpoint.model, async_client=client)


class AgentLLM:
    """coordlab's ``LLM`` interface served by one MAF ``Agent`` per LLM step and model tier.

    Args:
        llm: the model behind every agent (wrapped in :class:`SimChatClient`); ignored with
            ``endpoint``.
        endpoint: a real endpoint: each tier's agents then use :func:`openai_chat_client`.
        seed: sent with every request to ``endpoint``.
    """

    def __init__(self, llm=None, endpoint: ModelConfig | None = None, seed: int = 0):
        self.endpoint = endpoint
        if endpoint is None:
            clients = {tier: SimChatClient(llm, tier) for tier in MODEL_TIERS}
            options = None
        else:
            clients = {tier: openai_chat_client(ep) for tier, ep in endpoint.endpoints().items()}
            options = {"temperature": TEMPERATURE, "seed": seed}
        self.agents = {
            (tier, step): Agent(
                client,
                persona(step),
                name=step,
                description=ROLES[step][1],
                default_options=options,
            )
            for tier, client in clients.items()
            for step in ROLES
        }
        self.loop: asyncio.AbstractEventLoop | None = None

    def complete(self, messages: list[Said], model: str = "primary") -> Completion:
        """Run the step's agent on the workflow's event loop and wait for its answer."""
        step = HEADER_RE.search(messages[-1].content).group(1)
        agent = self.agents[model, step]
        asked = [Message(m.role, [m.content]) for m in messages]

        async def ask():
            return await agent.run(asked)

        if self.endpoint is not None:
            return self._complete_endpoint(ask, step, model)
        reply = asyncio.run_coroutine_threadsafe(ask(), self.loop).result()
        done = reply.raw_representation.raw_representation
        return Completion(
            text=reply.text,
            model=done.model,
            tokens_in=reply.usage_details["input_token_count"],
            tokens_out=reply.usage_details["output_token_count"],
            latency_s=done.latency_s,
            fault=done.fault,
        )

    def _complete_endpoint(self, ask, step: str, model: str) -> Completion:
        """Await the agent against the real endpoint: its usage, real latency."""
        where = self.endpoint.endpoint(model).label
        start = time.perf_counter()
        with translated(step, where, lambda: time.perf_counter() - start):
            reply = asyncio.run_coroutine_threadsafe(ask(), self.loop).result()
        usage = reply.usage_details or {}
        return Completion(
            text=reply.text,
            model=model,
            tokens_in=usage.get("input_token_count") or 0,
            tokens_out=usage.get("output_token_count") or 0,
            latency_s=time.perf_counter() - start,
        )
